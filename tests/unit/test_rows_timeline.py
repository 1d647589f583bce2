"""``timeline`` rows, straight from ``projections.timeline.rows``: one entry per event, from
the day it was announced, as corrected."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pytest

from domain.lifecycle import effective_facts
from projections import timeline
from projections.rows import PolicyFacts, Row
from projections.status import entry_on
from projections.timeline import SPEC, affects_from, rows
from tests.support.facts import bundled_real_policy, made_up_fact, made_up_policy

# The made-up facts are a CN ministry's, on Dy (made_up_fact's own defaults), at the log
# positions a test gives (default 1, 2, ...).
policy = partial(made_up_policy, policy_id="made-up-policy")


def ids(found: list[Row]) -> list[str]:
    return [r.entity for r in found]


def control_story() -> PolicyFacts:
    return policy(
        made_up_fact(
            "ExportControlImposed",
            "imposed",
            "2025-01-10",
            effective_from="2025-02-01",
            measure="ban",
        ),
        made_up_fact("ExportControlSuspended", "suspended", "2025-03-01", until="2025-06-01"),
        made_up_fact("ExportControlLifted", "lifted", "2025-08-01"),
        positions=[3, 7, 12],
    )


# --- one entry per event ---------------------------------------------------------------------


def test_each_event_is_an_entry_from_the_day_it_was_announced() -> None:
    found = rows(control_story())
    assert ids(found) == ["imposed", "suspended", "lifted"]
    # From the announcement, not from effective_from; and for ever after.
    assert [(r.valid_from, r.valid_until) for r in found] == [
        (date(2025, 1, 10), None),
        (date(2025, 3, 1), None),
        (date(2025, 8, 1), None),
    ]


def test_an_entry_is_the_event_with_its_log_position_and_record_time() -> None:
    story = control_story()
    first = rows(story)[0]
    assert first.body == {
        **story.facts[0],
        "position": 3,
        "recorded_at": "2025-12-01T00:00:03Z",
    }


def test_entries_sort_by_announcement_then_position() -> None:
    found = rows(
        policy(
            made_up_fact("PolicyAnnounced", "b", "2025-05-01", category="other"),
            made_up_fact("PolicyAnnounced", "a", "2025-05-01", category="other"),
            made_up_fact("PolicyAnnounced", "c", "2024-12-31", category="other"),
            positions=[20, 9, 100],
        )
    )
    assert [r.sort_key for r in found] == [
        "2025-05-01:000000000020",
        "2025-05-01:000000000009",
        "2024-12-31:000000000100",
    ]
    assert [r.entity for r in sorted(found, key=lambda r: r.sort_key)] == ["c", "a", "b"]


def test_two_events_on_one_day_are_two_entries() -> None:
    found = rows(
        policy(
            made_up_fact("ExportControlImposed", "imposed", "2025-01-10", measure="ban"),
            made_up_fact("ExportControlSuspended", "suspended", "2025-01-10"),
        )
    )
    assert ids(found) == ["imposed", "suspended"]
    assert entry_on(found, date(2025, 1, 10)) == found[0].body


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("2024-01-01", ["imposed", "suspended", "lifted"]),
        ("2025-01-10", ["imposed", "suspended", "lifted"]),
        ("2025-01-11", ["suspended", "lifted"]),
        ("2025-03-01", ["suspended", "lifted"]),
        ("2025-08-02", []),
    ],
)
def test_since_only_leaves_out_events_announced_earlier(since: str, expected: list[str]) -> None:
    full = rows(control_story())
    found = rows(control_story(), date.fromisoformat(since))
    assert ids(found) == expected
    assert found == [r for r in full if r.entity in expected]  # the same entries, untouched


@pytest.mark.parametrize(
    "opening",
    [
        made_up_fact("PolicyAnnounced", "announced", category="regulation"),
        made_up_fact("EnforcementActionLaunched", "launched"),
        made_up_fact("TariffImposed", "tariff", rate_percent=25.0),
        made_up_fact("FundingCommitted", "funding", amount=None, mechanism="grant"),
        made_up_fact("SelfSufficiencyGoalSet", "goal", metric="Made-up share", target_percent=None),
    ],
)
def test_every_kind_of_policy_is_on_the_timeline(opening: dict[str, Any]) -> None:
    assert ids(rows(policy(opening))) == [opening["event_id"]]


def test_a_policy_with_no_facts_has_no_entries() -> None:
    assert rows(PolicyFacts("made-up-policy", [], {}, {})) == []


# --- corrections -----------------------------------------------------------------------------


def test_a_correction_passed_as_an_effective_fact_is_reflected() -> None:
    raw = [
        made_up_fact("PolicyAnnounced", "announced", "2025-01-10", category="other"),
        made_up_fact(
            "EventCorrected",
            "correction",
            "2025-02-01",
            corrects="announced",
            changes={"announced_on": "2025-01-20", "title": "Made-up corrected title"},
            reason="Made-up: wrong date",
        ),
    ]
    facts = effective_facts(raw)
    found = rows(policy(*facts, positions=[4]))
    assert ids(found) == ["announced"]  # the correction is no entry of its own
    assert found[0].valid_from == date(2025, 1, 20)
    assert found[0].body["title"] == "Made-up corrected title"
    assert found[0].sort_key == "2025-01-20:000000000004"


def test_a_retracted_event_is_left_out() -> None:
    raw = [
        made_up_fact("ExportControlImposed", "imposed", "2025-01-10", measure="ban"),
        made_up_fact("ExportControlLifted", "lifted", "2025-03-01"),
        made_up_fact(
            "EventRetracted", "retraction", "2025-03-02", retracts="lifted", reason="Made-up"
        ),
    ]
    assert ids(rows(policy(*effective_facts(raw), positions=[1]))) == ["imposed"]


# --- the bundled real timeline ---------------------------------------------------------------


def test_announcement_61_and_its_suspension_are_two_entries() -> None:
    found = rows(bundled_real_policy("cn-ann61-2025"))
    assert [(r.body["type"], r.valid_from) for r in found] == [
        ("ExportControlImposed", date(2025, 10, 9)),
        ("ExportControlSuspended", date(2025, 11, 7)),
    ]
    assert found[0].sort_key < found[1].sort_key


def test_a_real_announcement_is_on_the_timeline() -> None:
    [entry] = rows(bundled_real_policy("eu-resourceeu-2025"))
    assert entry.body["policy_id"] == "eu-resourceeu-2025"
    assert entry.valid_from == date(2025, 12, 3)


# --- affects_from ----------------------------------------------------------------------------


def test_a_new_event_affects_the_timeline_from_its_announcement() -> None:
    suspended = made_up_fact(
        "ExportControlSuspended", "s", "2025-03-01", effective_from="2025-04-01"
    )
    assert affects_from(suspended) == date(2025, 3, 1)
    assert affects_from(made_up_fact("PolicyAnnounced", "p", "2024-06-30")) == date(2024, 6, 30)


@pytest.mark.parametrize("type_", ["EventCorrected", "EventRetracted"])
def test_a_correction_or_retraction_can_change_any_entry(type_: str) -> None:
    assert affects_from(made_up_fact(type_, "c", "2025-03-01", reason="Made-up")) is None


# --- SPEC ------------------------------------------------------------------------------------


def test_spec_rows_is_the_module_rows() -> None:
    assert SPEC.rows is rows
    assert SPEC.rows is timeline.rows
    assert SPEC.affects_from is affects_from


def test_the_timeline_has_no_statuses_and_is_read_in_date_order() -> None:
    assert SPEC.statuses == ()
    assert SPEC.statuses_shown == ()
    assert SPEC.read_by_date is False
    assert all("status" not in r.body for r in rows(control_story()))
