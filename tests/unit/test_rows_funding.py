"""``funding`` rows, straight from ``projections.funding.rows``: the figure standing on each
day, from made-up facts and from the bundled real ones."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pytest

from domain.lifecycle import effective_facts
from projections import funding
from projections.funding import SPEC, affects_from, rows
from projections.rows import PolicyFacts
from tests.support import facts
from tests.support.facts import bundled_real_policy, clipped, made_up_policy, on, value_on

made_up_fact = partial(
    facts.made_up_fact, jurisdiction="US", agency="Made-up Department", materials=["Nd", "Pr"]
)
policy = partial(made_up_policy, policy_id="made-up-funding")
usd_on = partial(value_on, field="amount_usd")
spans = partial(facts.spans, field="amount_usd")


def usd(value: str) -> dict[str, str]:
    return {"value": value, "currency": "USD"}


def made_up_commitment(
    event_id: str = "committed", announced_on: str = "2025-01-01", **fields: Any
) -> dict[str, Any]:
    return made_up_fact(
        "FundingCommitted",
        event_id,
        announced_on,
        **{
            "amount": usd("1000000"),
            "recipient": "Made-up Magnets Inc.",
            "programme": "Made-up Programme",
            "mechanism": "grant",
            "terms": None,
            **fields,
        },
    )


def revision(event_id: str, announced_on: str, value: str, **fields: Any) -> dict[str, Any]:
    return made_up_fact("FundingRevised", event_id, announced_on, amount=usd(value), **fields)


# --- the figure by day -----------------------------------------------------------------------


def test_a_commitment_counts_from_its_announcement_as_one_open_ended_row() -> None:
    found = rows(policy(made_up_commitment(announced_on="2025-03-10")))
    assert spans(found) == [("2025-03-10", None, "1000000")]
    assert on(found, "2025-03-09") is None


@pytest.mark.parametrize("effective_from", ["2024-04-01", "2025-10-01"])
def test_a_commitment_counts_from_its_announcement_whatever_its_effective_date(
    effective_from: str,
) -> None:
    found = rows(
        policy(made_up_commitment(announced_on="2025-03-10", effective_from=effective_from))
    )
    assert [r.valid_from for r in found] == [date(2025, 3, 10)]


def test_an_entry_names_the_commitment() -> None:
    entry = on(
        rows(policy(made_up_commitment(confidence="reported", terms="Made-up terms"))), "2025-02-01"
    )
    assert entry is not None
    assert entry["policy_id"] == "made-up-funding"
    assert entry["jurisdiction"] == "US"
    assert entry["agency"] == "Made-up Department"
    assert entry["title"] == "Made-up FundingCommitted committed"
    assert entry["recipient"] == "Made-up Magnets Inc."
    assert entry["programme"] == "Made-up Programme"
    assert entry["mechanism"] == "grant"
    assert entry["terms"] == "Made-up terms"
    assert entry["amount"] == usd("1000000")
    assert entry["committed_on"] == "2025-01-01"
    assert entry["revised_on"] is None
    assert entry["materials"] == ["Nd", "Pr"]
    assert entry["confidence"] == "reported"
    assert entry["event_ids"] == ["committed"]
    assert "status" not in entry


@pytest.mark.parametrize(
    ("amount", "amount_usd", "expected_usd"),
    [
        (usd("1000000"), None, "1000000"),  # a dollar figure is its own USD figure
        (usd("1000000"), "999999", "999999"),  # unless the event gives one
        ({"value": "15000000000", "currency": "INR"}, None, None),  # no conversion given
        ({"value": "72800000000", "currency": "INR"}, "802000000", "802000000"),
        (None, None, None),  # not disclosed
    ],
)
def test_the_usd_figure_is_the_sources_or_a_dollar_amounts_own(
    amount: dict[str, str] | None, amount_usd: str | None, expected_usd: str | None
) -> None:
    entry = on(rows(policy(made_up_commitment(amount=amount, amount_usd=amount_usd))), "2025-01-01")
    assert entry is not None
    assert entry["amount"] == amount
    assert entry["amount_usd"] == expected_usd


def test_a_revision_replaces_the_figure_from_its_own_start_day() -> None:
    found = rows(
        policy(
            made_up_commitment(),
            revision("revised", "2025-03-01", "3000000", effective_from="2025-04-01"),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-04-01", "1000000"),
        ("2025-04-01", None, "3000000"),  # replaced, not added (4000000)
    ]
    before, after = on(found, "2025-03-31"), on(found, "2025-04-01")
    assert before is not None and after is not None
    assert before["revised_on"] is None
    assert after["revised_on"] == "2025-04-01"
    assert after["amount"] == usd("3000000")
    assert after["committed_on"] == "2025-01-01"
    assert after["event_ids"] == ["committed", "revised"]


def test_each_revision_holds_until_the_next() -> None:
    found = rows(
        policy(
            made_up_commitment(),
            revision("first", "2025-03-01", "2000000"),
            revision("second", "2025-06-01", "500000"),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-03-01", "1000000"),
        ("2025-03-01", "2025-06-01", "2000000"),
        ("2025-06-01", None, "500000"),
    ]


def test_a_revision_to_an_undisclosed_amount_leaves_no_usd_figure() -> None:
    found = rows(
        policy(
            made_up_commitment(),
            made_up_fact("FundingRevised", "revised", "2025-03-01", amount=None),
        )
    )
    assert usd_on(found, "2025-02-01") == "1000000"
    assert usd_on(found, "2025-03-01") is None


def test_a_cancellation_removes_the_commitment_from_its_start_day() -> None:
    found = rows(
        policy(
            made_up_commitment(),
            revision("revised", "2025-03-01", "2000000"),
            made_up_fact(
                "FundingCancelled", "cancelled", "2025-05-01", effective_from="2025-06-01"
            ),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-03-01", "1000000"),
        ("2025-03-01", "2025-06-01", "2000000"),
    ]
    assert on(found, "2025-05-31") is not None
    assert on(found, "2025-06-01") is None
    assert on(found, "2030-01-01") is None


def test_a_revision_taking_effect_after_the_cancellation_never_counts() -> None:
    found = rows(
        policy(
            made_up_commitment(),
            revision("revised", "2025-02-01", "2000000", effective_from="2025-09-01"),
            made_up_fact("FundingCancelled", "cancelled", "2025-03-01"),
        )
    )
    assert spans(found) == [("2025-01-01", "2025-03-01", "1000000")]


def test_a_cancellation_effective_from_the_announcement_leaves_no_rows() -> None:
    found = rows(
        policy(
            made_up_commitment(),
            made_up_fact(
                "FundingCancelled", "cancelled", "2025-02-01", effective_from="2025-01-01"
            ),
        )
    )
    assert found == []


# --- rows as a whole -------------------------------------------------------------------------


def revised_commitment() -> PolicyFacts:
    return policy(
        made_up_commitment(),
        revision("first", "2025-03-01", "2000000"),
        revision("second", "2025-06-01", "3000000"),
        made_up_fact("FundingCancelled", "cancelled", "2025-09-01"),
    )


@pytest.mark.parametrize(
    "since", ["2024-01-01", "2025-01-01", "2025-02-10", "2025-06-01", "2025-08-31", "2025-09-01"]
)
def test_since_only_leaves_out_earlier_rows(since: str) -> None:
    since_day = date.fromisoformat(since)
    assert rows(revised_commitment(), since_day) == clipped(rows(revised_commitment()), since_day)


def test_two_revisions_on_one_day_give_one_row_with_the_later_figure() -> None:
    found = rows(
        policy(
            made_up_commitment(),
            revision("first", "2025-03-01", "2000000"),
            revision("second", "2025-03-01", "2500000"),
        )
    )
    assert spans(found) == [
        ("2025-01-01", "2025-03-01", "1000000"),
        ("2025-03-01", None, "2500000"),
    ]


def test_rows_belong_to_the_policy() -> None:
    found = rows(revised_commitment())
    assert {(r.entity, r.sort_key) for r in found} == {("made-up-funding", "made-up-funding")}


def test_a_corrected_revision_passed_as_an_effective_fact_is_reflected() -> None:
    raw = [
        made_up_commitment(),
        revision("revised", "2025-03-01", "2000000"),
        made_up_fact(
            "EventCorrected",
            "correction",
            "2025-04-01",
            corrects="revised",
            changes={"amount": usd("200000"), "effective_from": "2025-03-15"},
            reason="Made-up: a zero too many",
        ),
    ]
    assert spans(rows(policy(*effective_facts(raw)))) == [
        ("2025-01-01", "2025-03-15", "1000000"),
        ("2025-03-15", None, "200000"),
    ]


def test_a_retracted_cancellation_leaves_the_commitment_counted() -> None:
    raw = [
        made_up_commitment(),
        made_up_fact("FundingCancelled", "cancelled", "2025-05-01"),
        made_up_fact(
            "EventRetracted", "retraction", "2025-05-02", retracts="cancelled", reason="Made-up"
        ),
    ]
    assert spans(rows(policy(*effective_facts(raw)))) == [("2025-01-01", None, "1000000")]


@pytest.mark.parametrize(
    "opening",
    [
        made_up_fact("ExportControlImposed", "control", measure="ban"),
        made_up_fact("TariffImposed", "tariff", rate_percent=25.0),
        made_up_fact("SelfSufficiencyGoalSet", "goal", metric="Made-up share", target_percent=50.0),
    ],
)
def test_a_policy_of_another_kind_has_no_rows(opening: dict[str, Any]) -> None:
    assert rows(policy(opening)) == []


def test_a_policy_with_no_facts_has_no_rows() -> None:
    assert rows(PolicyFacts("made-up-funding", [], {}, {})) == []


# --- the bundled real timeline ---------------------------------------------------------------


def test_the_lynas_heavy_rare_earths_award_rose_to_258m_on_2023_08_01() -> None:
    found = rows(bundled_real_policy("us-dod-lynas-hree-2022"))
    assert spans(found) == [
        ("2022-06-14", "2023-08-01", "120000000"),
        ("2023-08-01", None, "258000000"),
    ]


def test_indias_critical_minerals_mission_counts_from_its_announcement() -> None:
    # Effective from 2024-04-01, announced 2025-01-29.
    found = rows(bundled_real_policy("in-ncmm-2025"))
    assert spans(found) == [("2025-01-29", None, "1840000000")]


def test_an_inr_scheme_without_a_conversion_has_no_usd_figure() -> None:
    entry = on(rows(bundled_real_policy("in-recycling-scheme-2025")), "2025-12-01")
    assert entry is not None
    assert entry["amount"] == {"value": "15000000000", "currency": "INR"}
    assert entry["amount_usd"] is None


def test_the_undisclosed_price_floor_is_counted_without_a_figure() -> None:
    found = rows(bundled_real_policy("us-mp-pricefloor-2025"))
    assert spans(found) == [("2025-07-10", None, None)]


# --- affects_from ----------------------------------------------------------------------------


def test_a_revision_affects_the_commitment_from_its_own_start() -> None:
    assert affects_from(revision("r", "2025-03-01", "1", effective_from="2025-04-01")) == date(
        2025, 4, 1
    )
    assert affects_from(made_up_fact("FundingCancelled", "c", "2025-05-01")) == date(2025, 5, 1)


def test_a_correction_or_an_opening_can_change_any_day() -> None:
    correction = made_up_fact(
        "EventCorrected",
        "c",
        "2025-03-01",
        corrects="committed",
        changes={"title": "Made-up"},
        reason="Made-up",
    )
    assert affects_from(correction) is None
    assert affects_from(made_up_commitment()) is None


# --- SPEC ------------------------------------------------------------------------------------


def test_spec_rows_is_the_module_rows() -> None:
    assert SPEC.rows is rows
    assert SPEC.rows is funding.rows
    assert SPEC.affects_from is affects_from


def test_funding_has_no_statuses_a_commitment_counted_is_committed() -> None:
    assert SPEC.statuses == ()
    assert SPEC.statuses_shown == ()
    assert SPEC.default_status == "committed"
    assert all("status" not in r.body for r in rows(revised_commitment()))
