"""``active-export-controls``: each export control and its status on a day.

On day d a control is ``pending`` before it takes effect, ``in_force``, or ``suspended`` while a
suspension covers d (a suspension is ``[start, until)``, cut short by a reinstatement); from the
day it is lifted it is ``lifted``, from its ``effective_until`` ``expired``. Reads show the
first three unless asked for the others (ended entries are stored apart, see
``registry.ENDED``). Amendments change the control's scope from their own start day.
"""

from __future__ import annotations

from datetime import date, timedelta
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
    {"ExportControlImposed", "ExportControlAmended", "ExportControlSuspended",
     "ExportControlReinstated", "ExportControlLifted", "EventCorrected", "EventRetracted"}
)  # fmt: skip
STATUSES = ("pending", "in_force", "suspended", "lifted", "expired")
SHOWN = ("pending", "in_force", "suspended")
SCOPE = ("materials", "hs_codes", "targets", "measure", "de_minimis_percent")


def affects_from(fact: dict[str, Any]) -> date | None:
    """A suspension or a scope amendment changes a control from its own start day. A lift, a
    reinstatement or a new end date also changes what earlier days show (``effective_until``,
    ``suspended_until``), so those recompute every day (None)."""
    if fact["type"] == "ExportControlSuspended" or (
        fact["type"] == "ExportControlAmended" and not fact.get("effective_until")
    ):
        return follow_up_start(fact)
    return None


def rows(policy: PolicyFacts, since: date | None = None) -> list[Row]:
    facts = policy.facts
    if not facts or facts[0]["type"] != "ExportControlImposed":
        return []
    imposed = facts[0]
    start = starts_on(imposed)
    amendments = [f for f in facts if f["type"] == "ExportControlAmended"]
    lifted = min((starts_on(f) for f in facts if f["type"] == "ExportControlLifted"), default=None)
    suspensions = _suspensions(facts)
    until = day(imposed.get("effective_until"))
    for amendment in amendments:
        if amendment.get("effective_until"):
            until = day(amendment["effective_until"])
    ends = [d for d in (lifted, until) if d is not None]
    end = min(ends) if ends else None

    built_from = Provenance(facts)

    def item_on(d: date) -> dict[str, Any] | None:
        # An ended control reads as it stood on its last day.
        scope_day = min(d, end - timedelta(days=1)) if end is not None else d
        scope = {name: imposed.get(name) for name in SCOPE}
        for amendment in amendments:
            if starts_on(amendment) <= scope_day:
                scope.update({k: amendment[k] for k in SCOPE if amendment.get(k) is not None})
        covering = [s for s in suspensions if s[0] <= d and (s[1] is None or d < s[1])]
        if end is not None and d >= end:
            status = "lifted" if lifted is not None and d >= lifted else "expired"
            covering = []
        elif d < start:
            status = "pending"
        elif covering:
            status = "suspended"
        else:
            status = "in_force"
        return {
            "policy_id": policy.policy_id,
            "jurisdiction": imposed["jurisdiction"],
            "agency": imposed["agency"],
            "title": imposed["title"],
            **scope,
            "effective_from": start.isoformat(),
            "effective_until": end.isoformat() if end else None,
            "status": status,
            "suspended_since": covering[0][0].isoformat() if covering else None,
            "suspended_until": _iso(covering[0][1]) if covering else None,
            "instrument": imposed.get("instrument", ""),
            "confidence": imposed.get("confidence", "confirmed"),
            **built_from.on(d),
        }

    # A lift after an expiry still changes the status (expired -> lifted) on its day.
    change_days = [start, end, lifted, *(starts_on(a) for a in amendments)]
    for suspended, resumed in suspensions:
        change_days += [suspended, resumed]
    first = min(day(imposed["announced_on"]) or start, start)
    return over_time(policy.policy_id, first, change_days, item_on, since)


def _suspensions(facts: list[dict[str, Any]]) -> list[tuple[date, date | None]]:
    """Suspension windows in record order, each cut short by a later reinstatement."""
    windows: list[tuple[date, date | None]] = []
    for fact in facts:
        if fact["type"] == "ExportControlSuspended":
            # ``until`` names the end; a source may give it as the event's effective_until.
            windows.append((starts_on(fact), day(fact.get("until") or fact.get("effective_until"))))
        elif fact["type"] == "ExportControlReinstated" and windows:
            back = starts_on(fact)
            since, stop = windows[-1]
            if since <= back and (stop is None or back < stop):
                windows[-1] = (since, back)
    return [(since, stop) for since, stop in windows if stop is None or since < stop]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


SPEC = ViewSpec(
    name="active-export-controls",
    title="Active export controls",
    consumes=CONSUMES,
    rows=rows,
    affects_from=affects_from,
    read_doc="Export controls that bind or will bind on ``at``: ``pending`` (not yet in effect),\n"
    "``in_force`` or ``suspended``, as the timeline told it at ``known_at``. Ask for\n"
    "``status=lifted`` or ``status=expired`` to see controls that had ended by ``at``.",
    filters=(
        Filter("material", match="material"),
        Filter("jurisdiction"),
        Filter("target", match="contains", field="targets"),
        Filter("measure"),
        Filter("status", choices=STATUSES, shown=SHOWN, description="default: " + ", ".join(SHOWN)),
    ),
    columns=(
        Column("policy_id", "policy_id"),
        Column("status", "status"),
        Column("suspended to", "suspended_until"),
        Column(
            "export control",
            "title",
            wraps=True,
            details=(
                ("jurisdiction", "{}"),
                ("measure", "{}"),
                ("effective_from", "from {}"),
                ("materials", "{}"),
                ("targets", "targets {}"),
            ),
        ),
    ),
    kind="export_control",
    statuses=STATUSES,
    ended=frozenset({"lifted", "expired"}),
    material_section="controls",
    read_operation="active_export_controls",
    stream_operation="export_control_stream",
    label="ExportControls",
)
