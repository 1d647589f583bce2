"""``active-export-controls`` rows, straight from ``projections.export_controls.rows``: a
control's status and scope on each day, from made-up facts and from the bundled real ones."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pytest

from domain.lifecycle import effective_facts
from projections import export_controls
from projections.export_controls import SPEC, affects_from, rows
from projections.rows import PolicyFacts
from tests.support.facts import (
    bundled_real_policy,
    clipped,
    made_up_fact,
    made_up_policy,
    on,
    spans,
    value_on,
)

# The made-up facts are a CN ministry's, on Dy (made_up_fact's own defaults).
policy = partial(made_up_policy, policy_id="made-up-control")
status = partial(value_on, field="status")


def made_up_control(
    event_id: str = "imposed", announced_on: str = "2025-01-01", **fields: Any
) -> dict[str, Any]:
    return made_up_fact(
        "ExportControlImposed",
        event_id,
        announced_on,
        **{"measure": "licence_required", "targets": ["US"], "hs_codes": ["2846"], **fields},
    )


# --- statuses by day -------------------------------------------------------------------------


def test_a_control_is_pending_from_its_announcement_until_it_takes_effect() -> None:
    found = rows(policy(made_up_control(announced_on="2025-01-10", effective_from="2025-02-01")))
    assert spans(found) == [
        ("2025-01-10", "2025-02-01", "pending"),
        ("2025-02-01", None, "in_force"),
    ]
    assert on(found, "2025-01-09") is None
    assert status(found, "2025-01-31") == "pending"
    assert status(found, "2025-02-01") == "in_force"
    assert status(found, "2040-01-01") == "in_force"


def test_a_control_backdated_before_its_announcement_is_in_force_from_its_effective_day() -> None:
    found = rows(policy(made_up_control(announced_on="2025-03-01", effective_from="2025-02-01")))
    assert spans(found) == [("2025-02-01", None, "in_force")]


def test_an_entry_names_the_control_and_its_scope() -> None:
    imposed = made_up_control(
        announced_on="2025-01-10",
        effective_from="2025-02-01",
        instrument="Made-up Announcement No. 1",
        de_minimis_percent=0.1,
        confidence="reported",
    )
    entry = on(rows(policy(imposed)), "2025-03-01")
    assert entry is not None
    assert entry["policy_id"] == "made-up-control"
    assert entry["jurisdiction"] == "CN"
    assert entry["agency"] == "Made-up Ministry"
    assert entry["title"] == "Made-up ExportControlImposed imposed"
    assert entry["materials"] == ["Dy"]
    assert entry["hs_codes"] == ["2846"]
    assert entry["targets"] == ["US"]
    assert entry["measure"] == "licence_required"
    assert entry["de_minimis_percent"] == 0.1
    assert entry["effective_from"] == "2025-02-01"
    assert entry["effective_until"] is None
    assert entry["instrument"] == "Made-up Announcement No. 1"
    assert entry["confidence"] == "reported"
    assert entry["suspended_since"] is None
    assert entry["suspended_until"] is None
    assert entry["event_ids"] == ["imposed"]
    assert entry["sources"] == [{"title": "Made-up source imposed", "url": None}]


def test_an_entry_without_a_stated_confidence_or_instrument_is_confirmed_with_none() -> None:
    entry = on(rows(policy(made_up_control())), "2025-01-01")
    assert entry is not None
    assert entry["confidence"] == "confirmed"
    assert entry["instrument"] == ""


def test_a_suspension_holds_from_its_start_until_its_end() -> None:
    found = rows(
        policy(
            made_up_control(),
            made_up_fact("ExportControlSuspended", "suspended", "2025-03-01", until="2025-06-01"),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-03-01", "in_force"),
        ("2025-03-01", "2025-06-01", "suspended"),
        ("2025-06-01", None, "in_force"),
    ]
    during = on(found, "2025-05-31")
    assert during is not None
    assert (during["suspended_since"], during["suspended_until"]) == ("2025-03-01", "2025-06-01")
    after = on(found, "2025-06-01")
    assert after is not None
    assert (after["suspended_since"], after["suspended_until"]) == (None, None)


def test_a_suspension_may_give_its_end_as_its_effective_until() -> None:
    found = rows(
        policy(
            made_up_control(),
            made_up_fact(
                "ExportControlSuspended",
                "suspended",
                "2025-03-01",
                effective_from="2025-03-05",
                effective_until="2025-04-01",
            ),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-03-05", "in_force"),
        ("2025-03-05", "2025-04-01", "suspended"),
        ("2025-04-01", None, "in_force"),
    ]


def test_a_reinstatement_cuts_a_suspension_short() -> None:
    found = rows(
        policy(
            made_up_control(),
            made_up_fact("ExportControlSuspended", "suspended", "2025-03-01", until="2025-06-01"),
            made_up_fact("ExportControlReinstated", "reinstated", "2025-04-15"),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-03-01", "in_force"),
        ("2025-03-01", "2025-04-15", "suspended"),
        ("2025-04-15", None, "in_force"),
    ]
    during = on(found, "2025-04-14")
    assert during is not None
    assert during["suspended_until"] == "2025-04-15"


def test_a_suspension_until_further_notice_lasts_until_a_reinstatement() -> None:
    suspended = made_up_fact("ExportControlSuspended", "suspended", "2025-03-01")
    open_ended = rows(policy(made_up_control(), suspended))
    assert spans(open_ended) == [
        ("2025-01-01", "2025-03-01", "in_force"),
        ("2025-03-01", None, "suspended"),
    ]
    entry = on(open_ended, "2030-01-01")
    assert entry is not None
    assert (entry["suspended_since"], entry["suspended_until"]) == ("2025-03-01", None)

    reinstated = made_up_fact("ExportControlReinstated", "reinstated", "2025-05-01")
    assert spans(rows(policy(made_up_control(), suspended, reinstated))) == [
        ("2025-01-01", "2025-03-01", "in_force"),
        ("2025-03-01", "2025-05-01", "suspended"),
        ("2025-05-01", None, "in_force"),
    ]


def test_a_control_is_lifted_from_the_day_the_lift_takes_effect() -> None:
    found = rows(
        policy(
            made_up_control(),
            made_up_fact(
                "ExportControlLifted", "lifted", "2025-05-01", effective_from="2025-06-01"
            ),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-06-01", "in_force"),
        ("2025-06-01", None, "lifted"),
    ]
    assert status(found, "2025-05-31") == "in_force"
    lifted = on(found, "2031-01-01")
    assert lifted is not None
    assert lifted["effective_until"] == "2025-06-01"
    # The end is known on every day, before the lift too.
    before = on(found, "2025-02-01")
    assert before is not None
    assert before["effective_until"] == "2025-06-01"


def test_a_control_expires_from_its_effective_until() -> None:
    found = rows(policy(made_up_control(effective_until="2025-09-01")))
    assert spans(found) == [
        ("2025-01-01", "2025-09-01", "in_force"),
        ("2025-09-01", None, "expired"),
    ]
    assert status(found, "2025-08-31") == "in_force"


def test_a_lift_wins_over_an_expiry_on_the_same_day() -> None:
    found = rows(
        policy(
            made_up_control(effective_until="2025-09-01"),
            made_up_fact("ExportControlLifted", "lifted", "2025-09-01"),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-09-01", "in_force"),
        ("2025-09-01", None, "lifted"),
    ]


def test_a_lift_before_the_expiry_ends_the_control_then() -> None:
    found = rows(
        policy(
            made_up_control(effective_until="2025-09-01"),
            made_up_fact("ExportControlLifted", "lifted", "2025-04-01"),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-04-01", "in_force"),
        ("2025-04-01", None, "lifted"),
    ]
    entry = on(found, "2025-10-01")
    assert entry is not None
    assert entry["effective_until"] == "2025-04-01"


EXPIRED_THEN_LIFTED = (
    made_up_control(effective_until="2025-06-01"),
    made_up_fact("ExportControlLifted", "lifted", "2025-09-01"),
)


def test_a_control_that_expired_reads_as_lifted_from_a_later_lift() -> None:
    found = rows(policy(*EXPIRED_THEN_LIFTED))
    assert spans(found) == [
        ("2025-01-01", "2025-06-01", "in_force"),
        ("2025-06-01", "2025-09-01", "expired"),
        ("2025-09-01", None, "lifted"),
    ]


@pytest.mark.parametrize("since", ["2025-05-01", "2025-07-01", "2025-09-01", "2025-10-01"])
def test_since_agrees_with_the_full_rows_for_a_control_expired_then_lifted(since: str) -> None:
    since_day = date.fromisoformat(since)
    assert rows(policy(*EXPIRED_THEN_LIFTED), since_day) == clipped(
        rows(policy(*EXPIRED_THEN_LIFTED)), since_day
    )


def test_an_ended_control_takes_no_suspension_reaching_past_its_end() -> None:
    found = rows(
        policy(
            made_up_control(effective_until="2025-06-01"),
            made_up_fact("ExportControlSuspended", "suspended", "2025-03-01", until="2025-09-01"),
        )
    )
    # The suspension's end falls on a day the control has already expired: nothing changes
    # then, so the expired entry is one row.
    assert spans(found) == [
        ("2025-01-01", "2025-03-01", "in_force"),
        ("2025-03-01", "2025-06-01", "suspended"),
        ("2025-06-01", None, "expired"),
    ]
    expired = on(found, "2025-07-01")
    assert expired is not None
    assert (expired["suspended_since"], expired["suspended_until"]) == (None, None)


def test_a_suspension_announced_before_the_control_takes_effect_starts_with_it() -> None:
    found = rows(
        policy(
            made_up_control(announced_on="2025-01-01", effective_from="2025-03-01"),
            made_up_fact("ExportControlSuspended", "suspended", "2025-02-01", until="2025-05-01"),
        )
    )
    assert [s for _, _, s in spans(found)] == ["pending", "pending", "suspended", "in_force"]
    assert status(found, "2025-02-15") == "pending"
    assert status(found, "2025-03-01") == "suspended"
    assert status(found, "2025-05-01") == "in_force"


# --- scope -----------------------------------------------------------------------------------


def test_an_amendment_changes_the_scope_from_its_own_start_day() -> None:
    found = rows(
        policy(
            made_up_control(),
            made_up_fact(
                "ExportControlAmended",
                "amended",
                "2025-03-01",
                effective_from="2025-04-01",
                materials=["Dy", "Tb"],
                targets=["US", "JP"],
                hs_codes=["2846", "8505"],
                measure="ban",
            ),
        )
    )
    before = on(found, "2025-03-31")
    after = on(found, "2025-04-01")
    assert before is not None and after is not None
    assert (before["materials"], before["targets"], before["measure"]) == (
        ["Dy"],
        ["US"],
        "licence_required",
    )
    assert (after["materials"], after["targets"], after["measure"]) == (
        ["Dy", "Tb"],
        ["US", "JP"],
        "ban",
    )
    assert after["hs_codes"] == ["2846", "8505"]
    assert after["status"] == before["status"] == "in_force"
    assert [r.valid_from for r in found] == [date(2025, 1, 1), date(2025, 4, 1)]


def test_an_amendment_keeps_the_measure_it_does_not_give() -> None:
    found = rows(
        policy(
            made_up_control(measure="ban", de_minimis_percent=0.1),
            made_up_fact("ExportControlAmended", "amended", "2025-03-01", materials=["Tb"]),
        )
    )
    after = on(found, "2025-03-01")
    assert after is not None
    assert (after["materials"], after["measure"], after["de_minimis_percent"]) == (
        ["Tb"],
        "ban",
        0.1,
    )


def test_an_amendment_with_an_end_date_makes_the_control_expire_then() -> None:
    found = rows(
        policy(
            made_up_control(),
            made_up_fact(
                "ExportControlAmended", "amended", "2025-03-01", effective_until="2025-08-01"
            ),
        )
    )
    assert [s for _, _, s in spans(found)] == ["in_force", "in_force", "expired"]
    assert status(found, "2025-07-31") == "in_force"
    assert status(found, "2025-08-01") == "expired"
    entry = on(found, "2025-02-01")
    assert entry is not None
    assert entry["effective_until"] == "2025-08-01"


def test_an_ended_control_reads_as_it_stood_on_its_last_day() -> None:
    found = rows(
        policy(
            made_up_control(),
            made_up_fact("ExportControlLifted", "lifted", "2025-06-01"),
            # Takes effect only on the day the control is lifted: it never applied.
            made_up_fact(
                "ExportControlAmended",
                "amended",
                "2025-05-01",
                effective_from="2025-06-01",
                materials=["Tb"],
            ),
        )
    )
    entry = on(found, "2025-06-01")
    assert entry is not None
    assert entry["status"] == "lifted"
    assert entry["materials"] == ["Dy"]


# --- what an entry is built from -------------------------------------------------------------


def test_an_entry_names_the_events_and_sources_in_effect_on_its_day() -> None:
    found = rows(
        policy(
            made_up_control(),
            made_up_fact("ExportControlSuspended", "suspended", "2025-03-01", until="2025-06-01"),
        )
    )
    before, during, after = (on(found, d) for d in ("2025-02-01", "2025-03-01", "2025-07-01"))
    assert before is not None and during is not None and after is not None
    assert before["event_ids"] == ["imposed"]
    assert during["event_ids"] == after["event_ids"] == ["imposed", "suspended"]
    assert [s["title"] for s in during["sources"]] == [
        "Made-up source imposed",
        "Made-up source suspended",
    ]


# --- rows as a whole -------------------------------------------------------------------------


def rich_control() -> PolicyFacts:
    return policy(
        made_up_control(announced_on="2025-01-01", effective_from="2025-02-01"),
        made_up_fact("ExportControlAmended", "amended", "2025-03-01", materials=["Dy", "Tb"]),
        made_up_fact("ExportControlSuspended", "suspended", "2025-04-01", until="2025-06-01"),
        made_up_fact("ExportControlReinstated", "reinstated", "2025-05-01"),
        made_up_fact("ExportControlLifted", "lifted", "2025-08-01"),
    )


def test_rows_follow_each_other_without_gaps_or_overlaps() -> None:
    found = rows(rich_control())
    assert spans(found) == [
        ("2025-01-01", "2025-02-01", "pending"),
        ("2025-02-01", "2025-03-01", "in_force"),
        ("2025-03-01", "2025-04-01", "in_force"),
        ("2025-04-01", "2025-05-01", "suspended"),
        ("2025-05-01", "2025-08-01", "in_force"),
        ("2025-08-01", None, "lifted"),
    ]
    assert {r.entity for r in found} == {"made-up-control"}
    assert {r.sort_key for r in found} == {"made-up-control"}


@pytest.mark.parametrize(
    "since",
    [
        "2024-06-01",
        "2025-01-01",
        "2025-01-15",
        "2025-03-01",
        "2025-04-20",
        "2025-08-01",
        "2026-01-01",
    ],
)
def test_since_only_leaves_out_earlier_rows(since: str) -> None:
    since_day = date.fromisoformat(since)
    full = rows(rich_control())
    assert rows(rich_control(), since_day) == clipped(full, since_day)


def test_days_on_which_nothing_changes_merge_into_one_row() -> None:
    found = rows(policy(made_up_control(announced_on="2025-01-01", effective_from="2025-01-01")))
    assert len(found) == 1
    assert (found[0].valid_from, found[0].valid_until) == (date(2025, 1, 1), None)


def test_a_correction_passed_as_an_effective_fact_is_reflected() -> None:
    imposed = made_up_control(effective_from="2025-02-01")
    suspended = made_up_fact(
        "ExportControlSuspended", "suspended", "2025-03-01", until="2025-06-01"
    )
    corrected = made_up_fact(
        "EventCorrected",
        "correction",
        "2025-04-01",
        corrects="suspended",
        changes={"until": "2025-04-01"},
        reason="Made-up: the suspension ended earlier",
    )
    found = rows(policy(*effective_facts([imposed, suspended, corrected])))
    assert spans(found) == [
        ("2025-01-01", "2025-02-01", "pending"),
        ("2025-02-01", "2025-03-01", "in_force"),
        ("2025-03-01", "2025-04-01", "suspended"),
        ("2025-04-01", None, "in_force"),
    ]


def test_a_retracted_lift_leaves_the_control_in_force() -> None:
    lifted = made_up_fact("ExportControlLifted", "lifted", "2025-06-01")
    retraction = made_up_fact(
        "EventRetracted", "retraction", "2025-06-02", retracts="lifted", reason="Made-up"
    )
    found = rows(policy(*effective_facts([made_up_control(), lifted, retraction])))
    assert spans(found) == [("2025-01-01", None, "in_force")]


@pytest.mark.parametrize(
    "opening",
    [
        made_up_fact("TariffImposed", "tariff", rate_percent=25.0),
        made_up_fact("FundingCommitted", "funding", amount=None, mechanism="grant"),
        made_up_fact("PolicyAnnounced", "announced", category="other"),
    ],
)
def test_a_policy_of_another_kind_has_no_rows(opening: dict[str, Any]) -> None:
    assert rows(policy(opening)) == []


def test_a_policy_with_no_facts_has_no_rows() -> None:
    assert rows(PolicyFacts("made-up-control", [], {}, {})) == []


# --- the bundled real timeline ---------------------------------------------------------------


def test_announcement_61_is_suspended_from_2025_11_07_until_2026_11_10() -> None:
    found = rows(bundled_real_policy("cn-ann61-2025"))
    assert on(found, "2025-10-08") is None
    assert status(found, "2025-10-09") == "in_force"
    assert status(found, "2025-11-06") == "in_force"
    assert status(found, "2025-11-07") == "suspended"
    assert status(found, "2026-11-09") == "suspended"
    assert status(found, "2026-11-10") == "in_force"
    entry = on(found, "2025-12-01")
    assert entry is not None
    assert "Dy" in entry["materials"]
    assert entry["suspended_until"] == "2026-11-10"


def test_announcement_56_was_never_in_force_before_its_suspension_ended() -> None:
    found = rows(bundled_real_policy("cn-ann56-2025"))
    assert status(found, "2025-10-09") == "pending"
    assert status(found, "2025-11-07") == "pending"
    assert status(found, "2025-11-08") == "suspended"
    assert status(found, "2026-11-10") == "in_force"


def test_gallium_to_the_us_is_suspended_until_2026_11_27() -> None:
    found = rows(bundled_real_policy("cn-us-gagesb-2024"))
    assert status(found, "2025-06-01") == "in_force"
    assert status(found, "2025-11-09") == "suspended"
    assert status(found, "2026-11-26") == "suspended"
    assert status(found, "2026-11-27") == "in_force"
    entry = on(found, "2025-12-01")
    assert entry is not None
    assert entry["targets"] == ["US"]
    assert len(entry["sources"]) >= 2  # the imposition's and the suspension's


# --- affects_from ----------------------------------------------------------------------------


def test_a_suspension_affects_the_control_from_its_own_start() -> None:
    suspension = made_up_fact(
        "ExportControlSuspended", "s", "2025-03-01", effective_from="2025-03-05", until="2025-06-01"
    )
    assert affects_from(suspension) == date(2025, 3, 5)


def test_a_scope_amendment_affects_from_its_start_and_a_new_end_date_every_day() -> None:
    scope = made_up_fact("ExportControlAmended", "a", "2025-03-01", materials=["Tb"])
    assert affects_from(scope) == date(2025, 3, 1)
    new_end = made_up_fact("ExportControlAmended", "b", "2025-03-01", effective_until="2025-09-01")
    assert affects_from(new_end) is None


@pytest.mark.parametrize("type_", ["ExportControlLifted", "ExportControlReinstated"])
def test_lifts_and_reinstatements_change_earlier_days_too(type_: str) -> None:
    assert affects_from(made_up_fact(type_, "x", "2025-03-01")) is None


def test_a_correction_can_change_any_day() -> None:
    correction = made_up_fact(
        "EventCorrected",
        "c",
        "2025-03-01",
        corrects="imposed",
        changes={"title": "Made-up"},
        reason="Made-up",
    )
    assert affects_from(correction) is None


# --- SPEC ------------------------------------------------------------------------------------


def test_spec_rows_is_the_module_rows() -> None:
    assert SPEC.rows is rows
    assert SPEC.affects_from is affects_from
    assert SPEC.rows is export_controls.rows


def test_every_status_the_rows_give_is_declared() -> None:
    seen = {
        row.body["status"]
        for facts in (
            rich_control(),
            policy(made_up_control(effective_until="2025-09-01")),
            policy(made_up_control(announced_on="2025-01-01", effective_from="2025-02-01")),
        )
        for row in rows(facts)
    }
    assert seen <= set(SPEC.statuses)
    assert seen == set(SPEC.statuses)  # and each declared one can be reached


def test_a_default_read_shows_pending_in_force_and_suspended() -> None:
    assert SPEC.statuses_shown == ("pending", "in_force", "suspended")
    assert set(SPEC.statuses) - set(SPEC.statuses_shown) == {"lifted", "expired"}
    assert SPEC.ended == frozenset({"lifted", "expired"})
