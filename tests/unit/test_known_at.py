"""``known_at``: the record time a read answers for, parsed by
``service.queries.moments.parse_known_at``, and repeated in answers by ``echo``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.queries.moments import MAX_POSITION, echo, parse_known_at
from service.queries.problems import Invalid


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("position=0", 0),
        ("position=42", 42),
        ("position=0042", 42),
        (f"position={10**18 - 1}", 10**18 - 1),
    ],
)
def test_a_position_is_itself(text: str, position: int) -> None:
    assert parse_known_at(text) == position
    assert isinstance(parse_known_at(text), int)


def test_the_largest_position_fits_a_64_bit_integer() -> None:
    assert MAX_POSITION == 10**18 - 1
    assert MAX_POSITION < 2**63


def test_a_date_is_the_end_of_that_day_in_utc() -> None:
    moment = parse_known_at("2025-05-01")
    assert moment == datetime(2025, 5, 1, 23, 59, 59, 999999, tzinfo=UTC)
    assert isinstance(moment, datetime)
    assert moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-05-01T12:00:00Z", datetime(2025, 5, 1, 12, tzinfo=UTC)),
        ("2025-05-01T12:00:00+00:00", datetime(2025, 5, 1, 12, tzinfo=UTC)),
        ("2025-05-01T12:00:00+02:00", datetime(2025, 5, 1, 10, tzinfo=UTC)),
        ("2025-05-01T01:30:00+02:00", datetime(2025, 4, 30, 23, 30, tzinfo=UTC)),
        ("2025-05-01T22:00:00-05:00", datetime(2025, 5, 2, 3, tzinfo=UTC)),
        ("2025-05-01T12:00:00.250000Z", datetime(2025, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)),
        # A naive datetime is taken to be UTC.
        ("2025-05-01T12:00:00", datetime(2025, 5, 1, 12, tzinfo=UTC)),
        ("2025-05-01 12:00", datetime(2025, 5, 1, 12, tzinfo=UTC)),
    ],
)
def test_a_datetime_is_that_moment_in_utc(text: str, expected: datetime) -> None:
    moment = parse_known_at(text)
    assert moment == expected
    assert isinstance(moment, datetime)
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)  # given in UTC, not only equal to it


def test_an_offset_keeps_the_moment_and_gives_it_in_utc() -> None:
    moment = parse_known_at("2025-05-01T12:00:00+05:30")
    assert moment == datetime(2025, 5, 1, 12, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert moment == datetime(2025, 5, 1, 6, 30, tzinfo=UTC)
    assert isinstance(moment, datetime) and moment.hour == 6


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "yesterday",
        "2025-13-01",
        "2025-02-30",
        "2025-05-0x",
        "2025-05-01T25:00:00Z",
        "position=",
        "position=-1",
        "position=+1",
        "position=1e3",
        "position=1.0",
        "position=42 ",
        "position=٤٢",  # digits, but not ASCII ones
        "position=abc",
        f"position={10**18}",
        f"position={10**30}",
        "POSITION=42",
        # An offset that pushes the moment past the years a datetime holds.
        "9999-12-31T23:00:00-02:00",
        "0001-01-01T00:30:00+01:00",
    ],
)
def test_anything_else_is_invalid_and_names_known_at(text: str) -> None:
    with pytest.raises(Invalid) as raised:
        parse_known_at(text)
    assert raised.value.code == "invalid"
    assert raised.value.details[0]["field"] == "known_at"
    assert repr(text) in raised.value.message


# --- echo ------------------------------------------------------------------------------------

NOW = datetime(2025, 6, 1, 9, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize("known_at", ["position=42", "2025-05-01", "2025-05-01T12:00:00+02:00"])
def test_an_answer_repeats_known_at_as_given(known_at: str) -> None:
    assert echo(known_at, NOW) == known_at


def test_an_answer_without_known_at_names_now_in_utc() -> None:
    assert echo(None, NOW) == "2025-06-01T09:30:15Z"
    assert echo(None, NOW.replace(microsecond=120)) == "2025-06-01T09:30:15.000120Z"


def test_now_echoed_reads_back_as_the_same_moment() -> None:
    assert parse_known_at(echo(None, NOW)) == NOW
