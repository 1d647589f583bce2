"""``goals`` rows, straight from ``projections.goals.rows``: a goal's terms, latest progress,
status and ``on_track`` on each day, from made-up facts and from the bundled real ones."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pytest

from domain.lifecycle import effective_facts
from projections import goals
from projections.goals import SPEC, affects_from, rows
from projections.rows import PolicyFacts
from projections.status import entry_on
from tests.support import facts
from tests.support.facts import bundled_real_policy, clipped, made_up_policy, spans

made_up_fact = partial(
    facts.made_up_fact, jurisdiction="EU", agency="Made-up Commission", materials=["REE"]
)
policy = partial(made_up_policy, policy_id="made-up-goal")
# Every day a test here reads has an entry.
on = partial(facts.on, must_hold=True)


def made_up_goal(
    event_id: str = "set", announced_on: str = "2025-01-01", **fields: Any
) -> dict[str, Any]:
    return made_up_fact(
        "SelfSufficiencyGoalSet",
        event_id,
        announced_on,
        **{
            "metric": "Made-up processing share",
            "target_percent": 50.0,
            "comparator": "at_least",
            "target_description": None,
            "baseline_percent": None,
            "deadline": "2026-01-01",
            **fields,
        },
    )


def report(
    event_id: str, as_of: str, value: float, announced_on: str | None = None
) -> dict[str, Any]:
    return made_up_fact(
        "GoalProgressReported", event_id, announced_on or as_of, value_percent=value, as_of=as_of
    )


# --- status ----------------------------------------------------------------------------------


def test_a_goal_without_reports_is_active_until_its_deadline_then_passed() -> None:
    found = rows(policy(made_up_goal()))
    assert spans(found) == [
        ("2025-01-01", "2026-01-01", "active"),
        ("2026-01-01", None, "deadline_passed"),
    ]
    assert entry_on(found, date(2024, 12, 31)) is None
    assert on(found, "2025-12-31")["latest_progress"] is None


@pytest.mark.parametrize(
    ("comparator", "value", "status"),
    [
        ("at_least", 60.0, "met"),
        ("at_least", 50.0, "met"),
        ("at_least", 49.9, "missed"),
        ("at_most", 40.0, "met"),
        ("at_most", 50.0, "met"),
        ("at_most", 50.1, "missed"),
    ],
)
def test_from_the_deadline_the_latest_report_meets_or_misses_the_target(
    comparator: str, value: float, status: str
) -> None:
    found = rows(policy(made_up_goal(comparator=comparator), report("r", "2025-06-01", value)))
    assert on(found, "2025-12-31")["status"] == "active"
    assert on(found, "2026-01-01")["status"] == status
    assert on(found, "2040-01-01")["status"] == status


def test_a_qualitative_goal_only_passes_its_deadline() -> None:
    found = rows(
        policy(
            made_up_goal(target_percent=None, target_description="Made-up: diversify supply"),
            report("r", "2025-06-01", 80.0),
        )
    )
    assert on(found, "2026-01-01")["status"] == "deadline_passed"
    assert on(found, "2026-01-01")["on_track"] is None


def test_a_goal_without_a_deadline_stays_active() -> None:
    found = rows(policy(made_up_goal(deadline=None), report("r", "2025-06-01", 80.0)))
    assert {s for _, _, s in spans(found)} == {"active"}
    assert on(found, "2099-01-01")["on_track"] is None


def test_a_report_after_the_deadline_settles_the_goal_from_its_as_of_day() -> None:
    found = rows(policy(made_up_goal(), report("late", "2026-02-01", 55.0)))
    assert spans(found) == [
        ("2025-01-01", "2026-01-01", "active"),
        ("2026-01-01", "2026-02-01", "deadline_passed"),
        ("2026-02-01", None, "met"),
    ]


def test_a_goal_is_abandoned_from_the_day_it_is_abandoned() -> None:
    found = rows(
        policy(
            made_up_goal(),
            report("r", "2025-03-01", 60.0),
            made_up_fact("GoalAbandoned", "abandoned", "2025-05-01", effective_from="2025-07-01"),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-03-01", "active"),
        ("2025-03-01", "2025-07-01", "active"),
        ("2025-07-01", None, "abandoned"),
    ]
    # The deadline passing changes nothing: an abandoned goal is neither met nor missed.
    assert on(found, "2027-01-01")["status"] == "abandoned"


def test_abandoning_a_goal_after_its_deadline_ends_a_met_goal_too() -> None:
    found = rows(
        policy(
            made_up_goal(),
            report("r", "2025-03-01", 60.0),
            made_up_fact("GoalAbandoned", "abandoned", "2026-06-01"),
        )
    )
    assert on(found, "2026-05-31")["status"] == "met"
    assert on(found, "2026-06-01")["status"] == "abandoned"


# --- progress --------------------------------------------------------------------------------


def test_the_latest_progress_is_the_last_report_as_of_the_day() -> None:
    found = rows(
        policy(
            made_up_goal(),
            report("june", "2025-06-01", 30.0),
            # Published after the June figure, but about April.
            report("april", "2025-04-01", 20.0, announced_on="2025-07-15"),
        )
    )
    assert on(found, "2025-03-31")["latest_progress"] is None
    assert on(found, "2025-04-01")["latest_progress"] == {
        "value_percent": 20.0,
        "as_of": "2025-04-01",
    }
    assert on(found, "2025-05-31")["latest_progress"] == {
        "value_percent": 20.0,
        "as_of": "2025-04-01",
    }
    assert on(found, "2025-06-01")["latest_progress"] == {
        "value_percent": 30.0,
        "as_of": "2025-06-01",
    }
    assert on(found, "2025-08-01")["latest_progress"] == {
        "value_percent": 30.0,
        "as_of": "2025-06-01",
    }


def test_the_report_latest_by_as_of_decides_met_or_missed_whatever_the_record_order() -> None:
    found = rows(
        policy(
            made_up_goal(),
            report("late-figure", "2025-11-01", 40.0),
            report("earlier-figure", "2025-09-01", 70.0, announced_on="2025-12-01"),
        )
    )
    assert on(found, "2026-01-01")["status"] == "missed"


# --- revisions -------------------------------------------------------------------------------


def test_a_revision_changes_the_terms_it_gives_from_its_own_start_day() -> None:
    found = rows(
        policy(
            made_up_goal(),
            made_up_fact(
                "GoalRevised",
                "revised",
                "2025-05-01",
                effective_from="2025-06-01",
                target_percent=60.0,
                deadline="2027-01-01",
            ),
            report("r", "2025-09-01", 55.0),
        )
    )
    before, after = on(found, "2025-05-31"), on(found, "2025-06-01")
    assert (before["target_percent"], before["deadline"]) == (50.0, "2026-01-01")
    assert (after["target_percent"], after["deadline"]) == (60.0, "2027-01-01")
    assert after["metric"] == before["metric"] == "Made-up processing share"
    assert after["comparator"] == "at_least"
    assert on(found, "2026-06-01")["status"] == "active"  # the old deadline no longer counts
    assert on(found, "2027-01-01")["status"] == "missed"  # 55 against the revised 60


def test_a_deadline_moved_later_leaves_one_row_across_the_old_deadline() -> None:
    found = rows(
        policy(
            made_up_goal(),
            made_up_fact("GoalRevised", "revised", "2025-06-01", deadline="2027-01-01"),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-06-01", "active"),
        ("2025-06-01", "2027-01-01", "active"),
        ("2027-01-01", None, "deadline_passed"),
    ]


# --- on_track --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comparator", "baseline", "value", "on_track"),
    [
        # A line from 10 % on 2024-01-01 to 50 % on 2028-01-01 expects 30.01 % on 2026-01-01.
        ("at_least", 10.0, 31.0, True),
        ("at_least", 10.0, 30.0, False),
        # From 90 % down to 50 %: 69.99 % expected.
        ("at_most", 90.0, 69.0, True),
        ("at_most", 90.0, 70.0, False),
    ],
)
def test_on_track_compares_the_latest_report_with_the_line_from_the_baseline(
    comparator: str, baseline: float, value: float, on_track: bool
) -> None:
    found = rows(
        policy(
            made_up_goal(
                announced_on="2024-01-01",
                comparator=comparator,
                baseline_percent=baseline,
                deadline="2028-01-01",
            ),
            report("r", "2026-01-01", value),
        )
    )
    assert on(found, "2025-12-31")["on_track"] is None  # nothing reported yet
    assert on(found, "2026-01-01")["on_track"] is on_track


@pytest.mark.parametrize(("value", "on_track"), [(30.0, True), (29.0, False)])
def test_without_a_baseline_the_line_starts_at_the_first_report(
    value: float, on_track: bool
) -> None:
    # From 20 % on 2025-01-01 to 50 % on 2028-01-01: a third of the way on 2026-01-01, 30 %.
    found = rows(
        policy(
            made_up_goal(announced_on="2024-01-01", deadline="2028-01-01"),
            report("first", "2025-01-01", 20.0),
            report("second", "2026-01-01", value),
        )
    )
    assert on(found, "2025-06-01")["on_track"] is None  # one report draws no line
    assert on(found, "2026-01-01")["on_track"] is on_track


def test_a_goal_entry_names_the_goal() -> None:
    entry = on(
        rows(policy(made_up_goal(baseline_percent=12.5, confidence="unverified"))), "2025-02-01"
    )
    assert entry["policy_id"] == "made-up-goal"
    assert entry["jurisdiction"] == "EU"
    assert entry["title"] == "Made-up SelfSufficiencyGoalSet set"
    assert entry["set_on"] == "2025-01-01"
    assert entry["baseline_percent"] == 12.5
    assert entry["materials"] == ["REE"]
    assert entry["confidence"] == "unverified"
    assert entry["event_ids"] == ["set"]


# --- rows as a whole -------------------------------------------------------------------------


def busy_goal() -> PolicyFacts:
    return policy(
        made_up_goal(baseline_percent=10.0),
        report("spring", "2025-04-01", 20.0),
        made_up_fact("GoalRevised", "revised", "2025-06-01", target_percent=40.0),
        report("autumn", "2025-10-01", 45.0),
        made_up_fact("GoalAbandoned", "abandoned", "2026-03-01"),
    )


def test_rows_of_a_busy_goal() -> None:
    assert spans(rows(busy_goal())) == [
        ("2025-01-01", "2025-04-01", "active"),
        ("2025-04-01", "2025-06-01", "active"),
        ("2025-06-01", "2025-10-01", "active"),
        ("2025-10-01", "2026-01-01", "active"),
        ("2026-01-01", "2026-03-01", "met"),
        ("2026-03-01", None, "abandoned"),
    ]


@pytest.mark.parametrize(
    "since", ["2024-01-01", "2025-01-01", "2025-05-05", "2025-10-01", "2026-01-02", "2026-03-01"]
)
def test_since_only_leaves_out_earlier_rows(since: str) -> None:
    since_day = date.fromisoformat(since)
    assert rows(busy_goal(), since_day) == clipped(rows(busy_goal()), since_day)


def test_a_corrected_report_passed_as_an_effective_fact_is_reflected() -> None:
    raw = [
        made_up_goal(),
        report("r", "2025-06-01", 60.0),
        made_up_fact(
            "EventCorrected",
            "correction",
            "2025-07-01",
            corrects="r",
            changes={"value_percent": 40.0},
            reason="Made-up: misread figure",
        ),
    ]
    found = rows(policy(*effective_facts(raw)))
    assert on(found, "2025-06-01")["latest_progress"] == {
        "value_percent": 40.0,
        "as_of": "2025-06-01",
    }
    assert on(found, "2026-01-01")["status"] == "missed"


def test_a_retracted_abandonment_leaves_the_goal_to_its_deadline() -> None:
    raw = [
        made_up_goal(),
        made_up_fact("GoalAbandoned", "abandoned", "2025-05-01"),
        made_up_fact(
            "EventRetracted", "retraction", "2025-05-02", retracts="abandoned", reason="Made-up"
        ),
    ]
    assert spans(rows(policy(*effective_facts(raw)))) == [
        ("2025-01-01", "2026-01-01", "active"),
        ("2026-01-01", None, "deadline_passed"),
    ]


@pytest.mark.parametrize(
    "opening",
    [
        made_up_fact("ExportControlImposed", "control", measure="ban"),
        made_up_fact("FundingCommitted", "funding", amount=None, mechanism="grant"),
        made_up_fact("TariffImposed", "tariff", rate_percent=25.0),
    ],
)
def test_a_policy_of_another_kind_has_no_rows(opening: dict[str, Any]) -> None:
    assert rows(policy(opening)) == []


def test_a_policy_with_no_facts_has_no_rows() -> None:
    assert rows(PolicyFacts("made-up-goal", [], {}, {})) == []


# --- the bundled real timeline ---------------------------------------------------------------


def test_the_crma_extraction_goal_runs_from_its_adoption_to_2030() -> None:
    found = rows(bundled_real_policy("eu-crma-2024-extraction"))
    assert spans(found) == [
        ("2024-04-11", "2030-12-31", "active"),
        ("2030-12-31", None, "deadline_passed"),
    ]
    entry = on(found, "2025-06-01")
    assert entry["target_percent"] == 10
    assert entry["on_track"] is None


def test_the_unverified_indian_claim_keeps_its_confidence() -> None:
    entry = on(rows(bundled_real_policy("in-reo-50pct-claim-2025")), "2026-01-01")
    assert entry["confidence"] == "unverified"
    assert (entry["status"], entry["deadline"]) == ("active", "2028-07-01")


# --- affects_from ----------------------------------------------------------------------------


def test_a_report_affects_the_goal_from_its_as_of_day_when_that_is_earlier() -> None:
    assert affects_from(report("r", "2025-03-31", 20.0, announced_on="2025-07-01")) == date(
        2025, 3, 31
    )
    assert affects_from(report("r", "2025-09-30", 20.0, announced_on="2025-07-01")) == date(
        2025, 7, 1
    )


def test_a_revision_affects_from_its_start_a_correction_any_day() -> None:
    revised = made_up_fact("GoalRevised", "v", "2025-05-01", effective_from="2025-06-01")
    assert affects_from(revised) == date(2025, 6, 1)
    correction = made_up_fact(
        "EventCorrected",
        "c",
        "2025-03-01",
        corrects="set",
        changes={"title": "Made-up"},
        reason="Made-up",
    )
    assert affects_from(correction) is None


# --- SPEC ------------------------------------------------------------------------------------


def test_spec_rows_is_the_module_rows() -> None:
    assert SPEC.rows is rows
    assert SPEC.rows is goals.rows
    assert SPEC.affects_from is affects_from


def test_every_status_the_rows_give_is_declared() -> None:
    seen = {
        row.body["status"]
        for policy_facts in (
            busy_goal(),
            policy(made_up_goal()),
            policy(made_up_goal(), report("r", "2025-06-01", 10.0)),
        )
        for row in rows(policy_facts)
    }
    assert seen <= set(SPEC.statuses)
    assert seen == set(SPEC.statuses)  # and each declared one can be reached


def test_a_default_read_shows_all_but_abandoned() -> None:
    assert SPEC.statuses_shown == ("active", "met", "missed", "deadline_passed")
    assert set(SPEC.statuses) - set(SPEC.statuses_shown) == {"abandoned"}
    assert SPEC.ended == frozenset({"abandoned"})
