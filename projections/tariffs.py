"""``tariffs``: each tariff and its status on a day.

On day d a tariff is ``pending`` before it takes effect (``effective_from``, or ``announced_on``
without one), then ``in_force``; from the day a lift takes effect it is ``lifted``, from its
``effective_until`` ``expired`` (a lift wins over an expiry on the same day, as for export
controls). Reads show the first two unless asked for the others (ended entries are stored
apart). An entry appears from the earlier of the day it was announced and the day it takes
effect.
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
from projections.spec import Column, Filter, ViewSpec

CONSUMES = frozenset({"TariffImposed", "TariffLifted", "EventCorrected", "EventRetracted"})
STATUSES = ("pending", "in_force", "lifted", "expired")
SHOWN = ("pending", "in_force")

# A lift changes the entry from its own start day on (earlier days keep their rows).
affects_from = follow_up_start


def rows(policy: PolicyFacts, since: date | None = None) -> list[Row]:
    facts = policy.facts
    if not facts or facts[0]["type"] != "TariffImposed":
        return []
    imposed = facts[0]
    start = starts_on(imposed)
    lifted = min((starts_on(f) for f in facts if f["type"] == "TariffLifted"), default=None)
    until = day(imposed.get("effective_until"))
    built_from = Provenance(facts)

    def item_on(d: date) -> dict[str, Any]:
        if lifted is not None and d >= lifted:
            status = "lifted"
        elif until is not None and d >= until:
            status = "expired"
        else:
            status = "pending" if d < start else "in_force"
        return {
            "policy_id": policy.policy_id,
            "jurisdiction": imposed["jurisdiction"],
            "agency": imposed["agency"],
            "title": imposed["title"],
            "rate_percent": imposed["rate_percent"],
            "materials": imposed["materials"],
            "hs_codes": imposed.get("hs_codes", []),
            "targets": imposed.get("targets", []),
            "effective_from": start.isoformat(),
            "effective_until": until.isoformat() if until else None,
            "lifted_on": lifted.isoformat() if lifted is not None and d >= lifted else None,
            "status": status,
            "instrument": imposed.get("instrument", ""),
            "confidence": imposed.get("confidence", "confirmed"),
            **built_from.on(d),
        }

    first = min(day(imposed["announced_on"]) or start, start)
    return over_time(policy.policy_id, first, [start, until, lifted], item_on, since)


SPEC = ViewSpec(
    name="tariffs",
    title="Tariffs",
    consumes=CONSUMES,
    rows=rows,
    affects_from=affects_from,
    read_doc="Tariffs on ``at``: ``pending`` (not yet in effect) or ``in_force``, as the timeline\n"
    "told it at ``known_at``. Ask for ``status=lifted`` or ``status=expired`` to see tariffs\n"
    "that had ended by ``at``.",
    filters=(
        Filter("material", match="material"),
        Filter("jurisdiction"),
        Filter("target", match="contains", field="targets"),
        Filter("status", choices=STATUSES, shown=SHOWN, description="default: " + ", ".join(SHOWN)),
    ),
    columns=(
        Column("policy_id", "policy_id"),
        Column("status", "status"),
        Column("rate %", "rate_percent", justify="right"),
        Column(
            "tariff",
            "title",
            wraps=True,
            details=(
                ("jurisdiction", "{}"),
                ("effective_from", "from {}"),
                ("materials", "{}"),
                ("targets", "on imports from {}"),
            ),
        ),
    ),
    kind="tariff",
    statuses=STATUSES,
    ended=frozenset({"lifted", "expired"}),
    count_by=("jurisdiction", "material", "status", "agency"),
    material_section="tariffs",
    read_operation="tariffs_view",
    stream_operation="tariff_stream",
)
