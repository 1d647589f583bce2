"""``active-export-controls``: each export control and its status on a day.

On day d a control is ``pending`` before it takes effect, ``in_force``, or ``suspended`` while a
suspension covers d (a suspension is ``[start, until)``, cut short by a reinstatement); from the
day it is lifted it is ``lifted``, from its ``effective_until`` ``expired``. Reads show the
first three unless asked for the others (ended entries are stored apart, see
``registry.ENDED``). Amendments change the control's scope from their own start day.
"""

from __future__ import annotations

from bisect import bisect_right
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
SCOPE = (
    "materials", "hs_codes", "hs_codes_complete", "targets", "excluded_targets", "measure",
    "de_minimis_percent",
)  # fmt: skip


def affects_from(fact: dict[str, Any]) -> date | None:
    """A suspension or a scope amendment changes a control from its own start day. A lift, a
    reinstatement or a new end date also changes what earlier days show (``effective_until``,
    ``suspended_until``), so those recompute every day (None)."""
    if fact["type"] == "ExportControlSuspended" or (
        fact["type"] == "ExportControlAmended" and not fact.get("effective_until")
    ):
        return follow_up_start(fact)
    return None


def affects_from_in(facts: list[dict[str, Any]], fact: dict[str, Any]) -> date | None:
    """:func:`affects_from` knowing the policy's effective facts, ``fact`` the last of them. A
    reinstatement that cuts the last suspension short, leaving some of it, changes the control
    from that suspension's start; one that cuts none, from its own start; one that cuts the
    suspension to nothing, any day (None: its days stop being days something changes).

    Days before that are left as they were: the window it cuts covers none of them, before or
    after; no other window, scope or end date depends on a reinstatement; and an entry names
    the events started by its day (``Provenance``), which the reinstatement is not. The days
    entries are evaluated on (``over_time``) below that day stay the same, and that day is
    one of them, the start of an entry that names an event the day before does not (the
    suspension), or lies inside an entry the runner recomputes from its start. So the rows
    the runner keeps and recomputes are those recomputing every row gives, as long as the
    rows it had were (as every step keeps them: tests/unit/test_incremental_steps.py)."""
    if fact["type"] != "ExportControlReinstated" or not facts or facts[-1] is not fact:
        return affects_from(fact)
    back = starts_on(fact)
    windows = _windows(facts[:-1])
    if windows:
        since, stop = windows[-1]
        if since <= back and (stop is None or back < stop):
            return since if since < back else None
    return back


def rows(policy: PolicyFacts, since: date | None = None) -> list[Row]:
    facts = policy.facts
    if not facts or facts[0]["type"] != "ExportControlImposed":
        return []
    imposed = facts[0]
    start = starts_on(imposed)
    amendments = [(starts_on(f), f) for f in facts if f["type"] == "ExportControlAmended"]
    lifted = min((starts_on(f) for f in facts if f["type"] == "ExportControlLifted"), default=None)
    suspensions = _suspensions(facts)
    until = day(imposed.get("effective_until"))
    for _, amendment in amendments:
        if amendment.get("effective_until"):
            until = day(amendment["effective_until"])
    ends = [d for d in (lifted, until) if d is not None]
    end = min(ends) if ends else None

    built_from = Provenance(facts)
    # The scope on a day is the imposed one with every amendment started by then applied in
    # record order: it depends only on how many amendments have started, so each such count
    # is worked out once.
    amended_on = sorted(start for start, _ in amendments)
    scopes: dict[int, dict[str, Any]] = {}
    head = {
        "policy_id": policy.policy_id,
        "jurisdiction": imposed["jurisdiction"],
        "agency": imposed["agency"],
        "title": imposed["title"],
        "act": imposed.get("act"),
        "original_language": imposed.get("original_language"),
        "original_title": imposed.get("original_title"),
    }
    effective_from = start.isoformat()
    effective_until = end.isoformat() if end else None
    instrument = imposed.get("instrument", "")
    confidence = imposed.get("confidence", "confirmed")
    last_day = end - timedelta(days=1) if end is not None else None

    def scope_on(scope_day: date) -> dict[str, Any]:
        count = bisect_right(amended_on, scope_day)
        scope = scopes.get(count)
        if scope is None:
            scope = {name: imposed.get(name) for name in SCOPE}
            scope["excluded_targets"] = scope["excluded_targets"] or []
            for amendment_start, amendment in amendments:
                if amendment_start <= scope_day:
                    scope.update({k: amendment[k] for k in SCOPE if amendment.get(k) is not None})
            scopes[count] = scope
        return scope

    def item_on(d: date) -> dict[str, Any] | None:
        # An ended control reads as it stood on its last day.
        scope = scope_on(min(d, last_day) if last_day is not None else d)
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
            **head,
            **scope,
            "effective_from": effective_from,
            "effective_until": effective_until,
            "status": status,
            "suspended_since": covering[0][0].isoformat() if covering else None,
            "suspended_until": _iso(covering[0][1]) if covering else None,
            "instrument": instrument,
            "confidence": confidence,
            **built_from.on(d),
        }

    # A lift after an expiry still changes the status (expired -> lifted) on its day.
    change_days = [start, end, lifted, *amended_on]
    for suspended, resumed in suspensions:
        change_days += [suspended, resumed]
    first = min(day(imposed["announced_on"]) or start, start)
    return over_time(policy.policy_id, first, change_days, item_on, since)


def _suspensions(facts: list[dict[str, Any]]) -> list[tuple[date, date | None]]:
    """Suspension windows in record order, each cut short by a later reinstatement."""
    return [(since, stop) for since, stop in _windows(facts) if stop is None or since < stop]


def _windows(facts: list[dict[str, Any]]) -> list[tuple[date, date | None]]:
    """:func:`_suspensions` with the windows a reinstatement cut to nothing left in."""
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
    return windows


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
    count_by=("jurisdiction", "material", "measure", "status", "agency"),
    material_section="controls",
    read_operation="active_export_controls",
    stream_operation="export_control_stream",
    label="ExportControls",
)
