"""Acts and their measures: the legal acts (announcements, orders) the timeline names, each with
the events that are its measures (``act`` of ``domain.events``), as known at a record time.

Read from the view store, never from the log: the timeline view's entries at the resolved
position are the events as corrected then, retracted ones left out, so an event corrected to
name another act, or retracted, moves or leaves its act exactly from the correction's position
on, and a read at an older position (a permalink) still finds it where it was. A measure's
status on a valid date is its policy's entry in the view of its kind (``VIEW_OF_KIND``), read by
``stab`` at the same position: what ``GET /policies/{id}`` and the view itself say that day.

Cost: the store has no index of acts, so every read makes one pass over the timeline view's
entries current at the position (``scan`` in pages of ``SCAN_PAGE``, each entry's JSON decoded
once), linear in the number of events whatever the act; ``/acts/{id}`` adds one ``stab`` per
kind among its measures. An index of acts (the act id as a column of the view rows, or a view
keyed by act whose rows are its measures) would make ``/acts/{id}`` cost its measures and
``/acts`` the number of acts; the store's port would need a read by that key. Measured (medians
of 20, in process): ``/acts`` 0.6 ms and ``/acts/{id}`` 0.9 ms on the bundled 57 events (SQLite;
PostgreSQL 4 and 8 ms); with 5,000 made-up controls more, 63 and 97 ms (PostgreSQL 107 and
193 ms), ``/acts/{id}`` paying also for the stab of every control on its date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.events import SLUG_PATTERN
from domain.lifecycle import FOLLOW_UP_KIND, OPENING_KIND
from projections import timeline
from projections.registry import VIEW_OF_KIND
from projections.status import NOT_ANNOUNCED
from service.queries.moments import READ_WAIT_SECONDS, Moment, not_recorded, resolve
from service.queries.problems import Behind, invalid
from service.queries.reader import ViewReader

TIMELINE = timeline.SPEC.name
SCAN_PAGE = 5000  # entries decoded per round trip: bounds memory, not the pass's length
LAST_SORT_KEY = "~"  # after every "YYYY-MM-DD:position" sort key
MAX_ACT_ID = 80  # as a policy id (domain.events.PolicyId)
KIND_OF_TYPE = {**OPENING_KIND, **FOLLOW_UP_KIND}


@dataclass
class _Act:
    """An act as the timeline names it: its measures in timeline order (announced_on, then
    position), so its title and jurisdiction are those of its earliest measure."""

    id: str
    measures: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        first = self.measures[0]
        return {
            "id": self.id,
            "title": first["act"]["title"],
            "jurisdiction": first["jurisdiction"],
            "measures": len(self.measures),
            "policies": sorted({m["policy_id"] for m in self.measures}),
            "first_announced": first["announced_on"],
        }


@dataclass
class _Scan:
    """What one pass over the timeline finds: the acts named, and the day each funding policy's
    cancellation takes effect (a cancelled commitment has no funding entry left to read)."""

    acts: dict[str, _Act] = field(default_factory=dict)
    cancelled_on: dict[str, str] = field(default_factory=dict)


def list_acts(views: ViewReader, known_at: str | None, now: datetime) -> dict[str, Any]:
    """Every act the timeline names as known at ``known_at`` (default: now), ordered by id
    (stable across record times, as ``/policies`` is ordered by policy id), each with the
    count of its measures, their policies and the day its first measure was announced."""
    moment = resolve(views, TIMELINE, known_at, None, now)
    found = _scan(views, moment.position).acts
    items = [found[act_id].summary() for act_id in sorted(found)]
    return {"known_at": moment.known_at, "position": moment.position, "items": items}


def act_measures(
    views: ViewReader, act_id: str, on: date, known_at: str | None, now: datetime
) -> dict[str, Any]:
    """The act ``act_id`` as known at ``known_at``: its measures in timeline order, each with
    its policy's status on ``on`` as the view of the policy's kind tells it (null for kinds no
    view tells: enforcement actions, other announcements). ``NotFound`` when no event named the
    act as known then."""
    _check_act_id(act_id)
    moment = resolve(views, TIMELINE, known_at, None, now)
    scanned = _scan(views, moment.position)
    act = scanned.acts.get(act_id)
    if act is None:
        raise not_recorded(views.timeline, f"no act {act_id!r}", known_at, moment.position)
    statuses = _statuses(views, moment, act.measures, on, scanned.cancelled_on)
    summary = act.summary()
    return {
        "act": {"id": act_id, "title": summary["title"]},
        "at": on.isoformat(),
        "known_at": moment.known_at,
        "position": moment.position,
        "measures": [_measure(m, statuses.get(m["policy_id"])) for m in act.measures],
    }


def _check_act_id(act_id: str) -> None:
    if len(act_id) > MAX_ACT_ID or len(act_id) < 3 or not re.fullmatch(SLUG_PATTERN, act_id):
        raise invalid(
            "act_id",
            f"act id {act_id[:MAX_ACT_ID]!r} is not a slug",
            "3 to 80 lowercase letters, digits and single hyphens, e.g. cn-mofcom-2024-46",
        )


def _scan(views: ViewReader, position: int) -> _Scan:
    """One pass over the timeline's entries at ``position``."""
    found = _Scan()
    for entry in _entries(views, position):
        act = entry.get("act")
        if act:
            found.acts.setdefault(act["id"], _Act(act["id"])).measures.append(entry)
        if entry["type"] == "FundingCancelled":
            starts = entry.get("effective_from") or entry["announced_on"]
            earlier = found.cancelled_on.get(entry["policy_id"], starts)
            found.cancelled_on[entry["policy_id"]] = min(starts, earlier)
    return found


def _entries(views: ViewReader, position: int) -> Iterator[dict[str, Any]]:
    """The timeline view's entries current at ``position``, in sort-key order, a page at a
    time. Every page reads at the same position, so later writes never show mid-pass."""
    after = ""
    while True:
        page = views.scan(TIMELINE, position, after=after, until=LAST_SORT_KEY, limit=SCAN_PAGE)
        for _, entry in page:
            yield entry
        if len(page) < SCAN_PAGE:
            return
        after = page[-1][0]


def _statuses(
    views: ViewReader,
    moment: Moment,
    measures: list[dict[str, Any]],
    on: date,
    cancelled_on: dict[str, str],
) -> dict[str, str]:
    """Each measure's policy's status on ``on``, for kinds a view tells: the policy's entry in
    that view then, read at the answer's position (one stab per kind). With no entry, as
    ``projections.status.status_on`` says: a funding commitment is ``cancelled`` from its
    cancellation on, any other policy ``not_announced`` (before it starts)."""
    kinds = {_kind(m) for m in measures}
    statuses: dict[str, str] = {}
    for kind in sorted(k for k in kinds if k in VIEW_OF_KIND):
        spec = VIEW_OF_KIND[kind]
        _reach(views, spec.name, moment.position)
        entries = {
            e["policy_id"]: e for e in views.stab(spec.name, moment.position, on, ended=True)
        }
        for policy_id in {m["policy_id"] for m in measures if _kind(m) == kind}:
            entry = entries.get(policy_id)
            if entry is not None:
                statuses[policy_id] = str(entry.get("status", spec.default_status))
            elif kind == "funding" and cancelled_on.get(policy_id, "~") <= on.isoformat():
                statuses[policy_id] = "cancelled"
            else:
                statuses[policy_id] = NOT_ANNOUNCED
    return statuses


def _reach(views: ViewReader, view: str, position: int) -> None:
    """Wait (boundedly) for ``view`` to reach the position the timeline answered for: the
    views are projected together, so this is at most a moment's wait; ``Behind`` otherwise,
    rather than statuses of another position."""
    if views.position(view) < position and not views.wait_for(view, position, READ_WAIT_SECONDS):
        raise Behind(
            "view_behind",
            f"view {view!r} has not reached position {position} yet; retry shortly",
            retry_after=1,
        )


def _kind(measure: dict[str, Any]) -> str | None:
    # A follow-up belongs to a policy of its own kind (domain.lifecycle), so the type says it.
    return KIND_OF_TYPE.get(measure["type"])


def _measure(entry: dict[str, Any], status: str | None) -> dict[str, Any]:
    return {
        "event_id": entry["event_id"],
        "policy_id": entry["policy_id"],
        "type": entry["type"],
        "kind": _kind(entry),
        "title": entry["title"],
        "announced_on": entry["announced_on"],
        "effective_from": entry.get("effective_from"),
        "confidence": entry.get("confidence", "confirmed"),
        "position": entry["position"],
        "status": status,
    }
