"""Stream points (``service.streams.steps.Point``): the ``id`` of a stream message and the
``Last-Event-ID`` / ``after`` a client resumes from."""

from __future__ import annotations

from datetime import date

import pytest

from projections.registry import VIEWS
from service.streams.steps import LOG, Point, dated


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("0", Point(0)),
        ("12", Point(12)),
        ("007", Point(7)),
        ("12@2025-06-01", Point(12, date(2025, 6, 1))),
        ("0@1900-01-01", Point(0, date(1900, 1, 1))),
        (" 12@2025-06-01 ", Point(12, date(2025, 6, 1))),
        ("9" * 18, Point(10**18 - 1)),
    ],
)
def test_a_point_is_a_position_and_maybe_a_day(text: str, point: Point) -> None:
    assert Point.parse(text) == point


@pytest.mark.parametrize(
    ("point", "id_"),
    [
        (Point(12), "12"),
        (Point(0), "0"),
        (Point(12, date(2025, 6, 1)), "12@2025-06-01"),
        (Point(10**18 - 1, date(2199, 12, 31)), "999999999999999999@2199-12-31"),
    ],
)
def test_a_points_id_parses_back_to_it(point: Point, id_: str) -> None:
    assert point.id == id_
    assert Point.parse(point.id) == point


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "@2025-06-01",
        "abc",
        "12a",
        "1.5",
        "1e3",
        "-1",
        "+1",
        "-1@2025-06-01",
        "1 2",
        "١٢",  # digits, but not ASCII ones
        "1" * 19,
        "1" * 19 + "@2025-06-01",
        "12@2025-13-01",
        "12@2025-02-30",
        "12@yesterday",
        "12@2025-06-01@2025-06-02",
    ],
)
def test_anything_else_is_no_point(text: str) -> None:
    with pytest.raises(ValueError):
        Point.parse(text)


@pytest.mark.parametrize(
    "stream", sorted(name for name, spec in VIEWS.items() if spec.read_by_date)
)
def test_views_read_by_date_are_dated(stream: str) -> None:
    assert dated(stream) is True


@pytest.mark.parametrize("stream", ["active-export-controls", "funding", "goals", "tariffs"])
def test_the_views_read_at_one_date(stream: str) -> None:
    assert dated(stream) is True


@pytest.mark.parametrize("stream", ["timeline", "events", LOG, "no-such-view"])
def test_the_timeline_and_the_raw_log_are_not_dated(stream: str) -> None:
    assert dated(stream) is False
