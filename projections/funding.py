"""``funding``: each commitment with the figure that stood on a day.

A commitment counts from its ``announced_on`` (docs/design.md). A revision replaces the figure
from the revision's own start day (it is not added); a cancellation removes the commitment from
its start day. Amounts are exact decimal strings, in the original currency and in USD as the
cited source converted them (null when the source gave no conversion). An amount in USD is its
own USD figure: ``amount_usd`` is then the amount's value unless the event gives one.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from typing import Any

from projections.rows import (
    PolicyFacts,
    Provenance,
    Row,
    day,
    follow_up_start,
    over_time,
    starts_on,
)
from projections.spec import Column, Filter, ViewSpec

CONSUMES = frozenset(
    {"FundingCommitted", "FundingRevised", "FundingCancelled", "EventCorrected", "EventRetracted"}
)


affects_from = follow_up_start


def rows(policy: PolicyFacts, since: date | None = None) -> list[Row]:
    facts = policy.facts
    if not facts or facts[0]["type"] != "FundingCommitted":
        return []
    committed = facts[0]
    first = day(committed["announced_on"])
    assert first is not None
    revisions = [(starts_on(f), f) for f in facts if f["type"] == "FundingRevised"]
    cancelled = min((starts_on(f) for f in facts if f["type"] == "FundingCancelled"), default=None)

    built_from = Provenance(facts)
    head = {
        "policy_id": policy.policy_id,
        "jurisdiction": committed["jurisdiction"],
        "agency": committed["agency"],
        "title": committed["title"],
        "recipient": committed.get("recipient"),
        "programme": committed.get("programme"),
        "mechanism": committed["mechanism"],
        "terms": committed.get("terms"),
    }
    # The figure on a day is the last revision (in record order) started by then: it depends
    # only on how many revisions have started, so each such count is worked out once.
    revised_on_days = sorted(start for start, _ in revisions)
    figures: dict[int, tuple[dict[str, Any], str | None]] = {}

    def figure_on(d: date) -> tuple[dict[str, Any], str | None]:
        count = bisect_right(revised_on_days, d)
        found = figures.get(count)
        if found is None:
            figure, revised_on = _figure(committed), None
            for start, revision in revisions:
                if start <= d:
                    figure, revised_on = _figure(revision), start.isoformat()
            found = figures[count] = (figure, revised_on)
        return found

    def item_on(d: date) -> dict[str, Any] | None:
        if cancelled is not None and d >= cancelled:
            return None
        figure, revised_on = figure_on(d)
        return {
            **head,
            **figure,
            "committed_on": committed["announced_on"],
            "revised_on": revised_on,
            "materials": committed["materials"],
            "confidence": committed.get("confidence", "confirmed"),
            **built_from.on(d),
        }

    change_days = [cancelled, *revised_on_days]
    return over_time(policy.policy_id, first, change_days, item_on, since)


def _figure(fact: dict[str, Any]) -> dict[str, Any]:
    """The amount an event states, with its USD figure: the source's own conversion, or for an
    amount in USD the amount itself (a dollar figure needs no conversion to be priced)."""
    amount = fact.get("amount")
    amount_usd = fact.get("amount_usd")
    if amount_usd is None and amount is not None and amount.get("currency") == "USD":
        amount_usd = amount["value"]
    return {"amount": amount, "amount_usd": amount_usd}


def _agency_to_recipient(item: dict[str, Any]) -> str:
    recipient = item.get("recipient")
    return str(item["agency"]) + (f" → {recipient}" if recipient else "")


SPEC = ViewSpec(
    name="funding",
    title="Funding committed",
    consumes=CONSUMES,
    rows=rows,
    affects_from=affects_from,
    read_doc="Funding committed on ``at``: commitments (default), totals ``group_by`` a field, "
    "or a\n"
    "cumulative monthly ``series``. ``total_usd`` adds ``amount_usd`` (an amount in USD is its\n"
    "own); commitments without one are left out of it and counted in ``unpriced``. By\n"
    "``material``, each row totals what ``material=<that material>`` would; a commitment naming\n"
    "several materials counts in full under each, so the rows do not add up to the total. Each\n"
    "month of a series has its own ``left_out_by_min_confidence``.",
    filters=(
        Filter("material", match="material"),
        Filter("jurisdiction"),
        Filter("agency"),
        Filter("recipient"),
        Filter("mechanism"),
    ),
    columns=(
        Column("policy_id", "policy_id"),
        Column("USD", "amount_usd", justify="right"),
        Column("committed", "committed_on"),
        Column(
            "agency → recipient",
            "agency",
            wraps=True,
            cell=_agency_to_recipient,
            details=(("jurisdiction", "{}"), ("mechanism", "{}"), ("materials", "{}")),
        ),
    ),
    kind="funding",
    default_status="committed",
    group_by=("jurisdiction", "agency", "recipient", "material", "mechanism"),
    totals=True,
    series=True,
    count_by=("jurisdiction", "material", "agency", "mechanism"),
    material_section="funding",
    read_operation="funding_view",
    stream_operation="funding_stream",
)
