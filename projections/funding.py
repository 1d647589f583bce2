"""``funding``: each commitment with the figure that stood on a day.

A commitment counts from its ``announced_on`` (DESIGN.md §3). A revision replaces the figure
from the revision's own start day (it is not added); a cancellation removes the commitment from
its start day. Amounts are exact decimal strings, in the original currency and in USD as the
cited source converted them (null when the source gave no conversion).
"""

from __future__ import annotations

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

READ_BY_DATE = True
NAME = "funding"
CONSUMES = frozenset(
    {"FundingCommitted", "FundingRevised", "FundingCancelled", "EventCorrected", "EventRetracted"}
)
GROUP_BY = ("jurisdiction", "agency", "recipient", "material", "mechanism")


affects_from = follow_up_start


def rows(policy: PolicyFacts, since: date | None = None) -> list[Row]:
    facts = policy.facts
    if not facts or facts[0]["type"] != "FundingCommitted":
        return []
    committed = facts[0]
    first = day(committed["announced_on"])
    assert first is not None
    revisions = [f for f in facts if f["type"] == "FundingRevised"]
    cancelled = min((starts_on(f) for f in facts if f["type"] == "FundingCancelled"), default=None)

    built_from = Provenance(facts)

    def item_on(d: date) -> dict[str, Any] | None:
        if cancelled is not None and d >= cancelled:
            return None
        figure = {"amount": committed.get("amount"), "amount_usd": committed.get("amount_usd")}
        revised_on = None
        for revision in revisions:
            if starts_on(revision) <= d:
                figure = {
                    "amount": revision.get("amount"),
                    "amount_usd": revision.get("amount_usd"),
                }
                revised_on = starts_on(revision).isoformat()
        return {
            "policy_id": policy.policy_id,
            "jurisdiction": committed["jurisdiction"],
            "agency": committed["agency"],
            "title": committed["title"],
            "recipient": committed.get("recipient"),
            "programme": committed.get("programme"),
            "mechanism": committed["mechanism"],
            "terms": committed.get("terms"),
            **figure,
            "committed_on": committed["announced_on"],
            "revised_on": revised_on,
            "materials": committed["materials"],
            "confidence": committed.get("confidence", "confirmed"),
            **built_from.on(d),
        }

    change_days = [cancelled, *(starts_on(r) for r in revisions)]
    return over_time(policy.policy_id, first, change_days, item_on, since)
