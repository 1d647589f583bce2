"""``tariffs`` rows, straight from ``projections.tariffs.rows``: a tariff's status on each day,
from made-up facts and from the bundled real ones."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pytest

from domain.lifecycle import effective_facts
from projections import tariffs
from projections.rows import PolicyFacts
from projections.tariffs import SPEC, affects_from, rows
from tests.support import facts
from tests.support.facts import bundled_real_policy, clipped, made_up_policy, on, spans

made_up_fact = partial(
    facts.made_up_fact,
    jurisdiction="US",
    agency="Made-up Trade Office",
    materials=["NdFeB magnets"],
)
policy = partial(made_up_policy, policy_id="made-up-tariff")


def made_up_tariff(
    event_id: str = "imposed", announced_on: str = "2025-01-01", **fields: Any
) -> dict[str, Any]:
    return made_up_fact(
        "TariffImposed",
        event_id,
        announced_on,
        **{"rate_percent": 25.0, "targets": ["CN"], "hs_codes": ["8505.11"], **fields},
    )


def lift(event_id: str, announced_on: str, **fields: Any) -> dict[str, Any]:
    return made_up_fact("TariffLifted", event_id, announced_on, **fields)


# --- statuses by day -------------------------------------------------------------------------


def test_a_tariff_is_pending_from_its_announcement_until_it_takes_effect() -> None:
    found = rows(policy(made_up_tariff(announced_on="2025-01-10", effective_from="2025-02-01")))
    assert spans(found) == [
        ("2025-01-10", "2025-02-01", "pending"),
        ("2025-02-01", None, "in_force"),
    ]
    assert on(found, "2025-01-09") is None


def test_a_tariff_without_an_effective_date_is_in_force_from_its_announcement() -> None:
    assert spans(rows(policy(made_up_tariff(announced_on="2025-01-10")))) == [
        ("2025-01-10", None, "in_force")
    ]


def test_a_backdated_tariff_appears_from_the_day_it_took_effect() -> None:
    found = rows(policy(made_up_tariff(announced_on="2025-03-01", effective_from="2025-02-01")))
    assert spans(found) == [("2025-02-01", None, "in_force")]


def test_an_entry_names_the_tariff() -> None:
    entry = on(
        rows(
            policy(
                made_up_tariff(
                    effective_from="2025-02-01", instrument="Made-up Notice", confidence="reported"
                )
            )
        ),
        "2025-03-01",
    )
    assert entry is not None
    assert entry["policy_id"] == "made-up-tariff"
    assert entry["jurisdiction"] == "US"
    assert entry["agency"] == "Made-up Trade Office"
    assert entry["title"] == "Made-up TariffImposed imposed"
    assert entry["rate_percent"] == 25.0
    assert entry["materials"] == ["NdFeB magnets"]
    assert entry["hs_codes"] == ["8505.11"]
    assert entry["targets"] == ["CN"]
    assert entry["effective_from"] == "2025-02-01"
    assert entry["effective_until"] is None
    assert entry["lifted_on"] is None
    assert entry["instrument"] == "Made-up Notice"
    assert entry["confidence"] == "reported"
    assert entry["event_ids"] == ["imposed"]


def test_a_tariff_without_targets_or_codes_lists_none() -> None:
    imposed = made_up_tariff()
    del imposed["targets"], imposed["hs_codes"]
    entry = on(rows(policy(imposed)), "2025-01-01")
    assert entry is not None
    assert (entry["targets"], entry["hs_codes"]) == ([], [])
    assert (entry["confidence"], entry["instrument"]) == ("confirmed", "")


def test_a_tariff_is_lifted_from_the_day_the_lift_takes_effect() -> None:
    found = rows(
        policy(made_up_tariff(), lift("lifted", "2025-05-01", effective_from="2025-06-01"))
    )
    assert spans(found) == [
        ("2025-01-01", "2025-06-01", "in_force"),
        ("2025-06-01", None, "lifted"),
    ]
    before, after = on(found, "2025-05-31"), on(found, "2025-06-01")
    assert before is not None and after is not None
    assert before["lifted_on"] is None
    assert after["lifted_on"] == "2025-06-01"
    assert after["event_ids"] == ["imposed", "lifted"]


def test_a_tariff_expires_from_its_effective_until() -> None:
    found = rows(policy(made_up_tariff(effective_until="2025-09-01")))
    assert spans(found) == [
        ("2025-01-01", "2025-09-01", "in_force"),
        ("2025-09-01", None, "expired"),
    ]
    entry = on(found, "2025-01-01")
    assert entry is not None
    assert entry["effective_until"] == "2025-09-01"


def test_a_lift_wins_over_an_expiry_on_the_same_day() -> None:
    found = rows(policy(made_up_tariff(effective_until="2025-09-01"), lift("lifted", "2025-09-01")))
    assert spans(found) == [
        ("2025-01-01", "2025-09-01", "in_force"),
        ("2025-09-01", None, "lifted"),
    ]


def test_a_lift_before_the_expiry_leaves_the_tariff_lifted() -> None:
    found = rows(policy(made_up_tariff(effective_until="2025-09-01"), lift("lifted", "2025-04-01")))
    assert spans(found) == [
        ("2025-01-01", "2025-04-01", "in_force"),
        ("2025-04-01", None, "lifted"),
    ]


def test_an_expired_tariff_reads_as_lifted_from_a_later_lift() -> None:
    found = rows(policy(made_up_tariff(effective_until="2025-06-01"), lift("lifted", "2025-09-01")))
    assert spans(found) == [
        ("2025-01-01", "2025-06-01", "in_force"),
        ("2025-06-01", "2025-09-01", "expired"),
        ("2025-09-01", None, "lifted"),
    ]


def test_a_tariff_lifted_before_it_took_effect_is_one_lifted_row_from_the_lift() -> None:
    found = rows(
        policy(
            made_up_tariff(announced_on="2025-01-01", effective_from="2025-06-01"),
            lift("lifted", "2025-03-01"),
        )
    )
    # The day the tariff would have taken effect changes nothing: one row, not two.
    assert spans(found) == [
        ("2025-01-01", "2025-03-01", "pending"),
        ("2025-03-01", None, "lifted"),
    ]


# --- rows as a whole -------------------------------------------------------------------------


def lifted_tariff() -> PolicyFacts:
    return policy(
        made_up_tariff(announced_on="2025-01-01", effective_from="2025-02-01"),
        lift("lifted", "2025-06-01"),
    )


@pytest.mark.parametrize(
    "since", ["2024-01-01", "2025-01-01", "2025-01-20", "2025-02-01", "2025-06-01", "2026-01-01"]
)
def test_since_only_leaves_out_earlier_rows(since: str) -> None:
    since_day = date.fromisoformat(since)
    assert rows(lifted_tariff(), since_day) == clipped(rows(lifted_tariff()), since_day)


def test_days_on_which_nothing_changes_merge_into_one_row() -> None:
    found = rows(policy(made_up_tariff(announced_on="2025-01-01", effective_from="2025-01-01")))
    assert len(found) == 1
    assert (found[0].valid_from, found[0].valid_until) == (date(2025, 1, 1), None)
    assert (found[0].entity, found[0].sort_key) == ("made-up-tariff", "made-up-tariff")


def test_a_corrected_tariff_passed_as_an_effective_fact_is_reflected() -> None:
    raw = [
        made_up_tariff(announced_on="2025-01-01", effective_from="2025-02-01"),
        made_up_fact(
            "EventCorrected",
            "correction",
            "2025-03-01",
            corrects="imposed",
            changes={"rate_percent": 50.0, "effective_from": "2025-03-01"},
            reason="Made-up: the notice was misread",
        ),
    ]
    found = rows(policy(*effective_facts(raw)))
    assert spans(found) == [
        ("2025-01-01", "2025-03-01", "pending"),
        ("2025-03-01", None, "in_force"),
    ]
    assert {r.body["rate_percent"] for r in found} == {50.0}


def test_a_retracted_lift_leaves_the_tariff_in_force() -> None:
    raw = [
        made_up_tariff(),
        lift("lifted", "2025-06-01"),
        made_up_fact(
            "EventRetracted", "retraction", "2025-06-02", retracts="lifted", reason="Made-up"
        ),
    ]
    assert spans(rows(policy(*effective_facts(raw)))) == [("2025-01-01", None, "in_force")]


@pytest.mark.parametrize(
    "opening",
    [
        made_up_fact("ExportControlImposed", "control", measure="ban"),
        made_up_fact("FundingCommitted", "funding", amount=None, mechanism="grant"),
        made_up_fact("EnforcementActionLaunched", "enforcement"),
    ],
)
def test_a_policy_of_another_kind_has_no_rows(opening: dict[str, Any]) -> None:
    assert rows(policy(opening)) == []


def test_a_policy_with_no_facts_has_no_rows() -> None:
    assert rows(PolicyFacts("made-up-tariff", [], {}, {})) == []


# --- the bundled real timeline ---------------------------------------------------------------


def test_section_301_on_critical_minerals_took_effect_on_2024_09_27() -> None:
    found = rows(bundled_real_policy("us-s301-cm-2024"))
    assert spans(found) == [
        ("2024-09-13", "2024-09-27", "pending"),
        ("2024-09-27", None, "in_force"),
    ]
    entry = on(found, "2025-01-01")
    assert entry is not None
    assert (entry["rate_percent"], entry["targets"]) == (25, ["CN"])


def test_section_301_on_graphite_and_magnets_waits_until_2026() -> None:
    found = rows(bundled_real_policy("us-s301-graphite-magnets-2026"))
    assert spans(found) == [
        ("2024-09-13", "2026-01-01", "pending"),
        ("2026-01-01", None, "in_force"),
    ]
    entry = on(found, "2025-12-31")
    assert entry is not None
    assert entry["materials"] == ["natural graphite", "permanent magnets"]


# --- affects_from ----------------------------------------------------------------------------


def test_a_lift_affects_the_tariff_from_its_own_start() -> None:
    assert affects_from(lift("l", "2025-05-01", effective_from="2025-06-01")) == date(2025, 6, 1)


def test_a_correction_or_an_imposition_can_change_any_day() -> None:
    correction = made_up_fact(
        "EventCorrected",
        "c",
        "2025-03-01",
        corrects="imposed",
        changes={"title": "Made-up"},
        reason="Made-up",
    )
    assert affects_from(correction) is None
    assert affects_from(made_up_tariff()) is None


# --- SPEC ------------------------------------------------------------------------------------


def test_spec_rows_is_the_module_rows() -> None:
    assert SPEC.rows is rows
    assert SPEC.rows is tariffs.rows
    assert SPEC.affects_from is affects_from


def test_every_status_the_rows_give_is_declared() -> None:
    seen = {
        row.body["status"]
        for policy_facts in (lifted_tariff(), policy(made_up_tariff(effective_until="2025-09-01")))
        for row in rows(policy_facts)
    }
    assert seen <= set(SPEC.statuses)
    assert seen == set(SPEC.statuses)  # and each declared one can be reached


def test_a_default_read_shows_pending_and_in_force() -> None:
    assert SPEC.statuses_shown == ("pending", "in_force")
    assert SPEC.ended == frozenset({"lifted", "expired"})
