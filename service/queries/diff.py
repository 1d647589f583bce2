"""What changed in a view: between two valid dates (as known at one record time), or between
two record times (on one valid date); each entry added, removed or changed field by field,
with the events that caused it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.lifecycle import effective_facts
from domain.log_index import LogQuery
from service.queries.filters import ItemFilter, select
from service.queries.moments import resolve, today
from service.queries.problems import invalid
from service.queries.reader import ViewReader

DATE_FIELDS = ("announced_on", "effective_from", "effective_until", "until", "as_of", "deadline")
NOT_COMPARED = frozenset({"event_ids"})


def diff(
    views: ViewReader,
    view: str,
    *,
    from_: date | None,
    to: date | None,
    known_from: str | None,
    known_to: str | None,
    at: date | None,
    known_at: str | None,
    min_confidence: str,
    now: datetime,
) -> dict[str, Any]:
    by_date = from_ is not None and to is not None
    by_record = known_from is not None and known_to is not None
    if by_date == by_record:
        raise invalid(
            "from/to/known_from/known_to",
            "give either from and to (valid dates) or known_from and known_to (record times)",
            "exactly one pair",
        )
    if by_date:
        assert from_ is not None and to is not None
        moment = resolve(views, view, known_at, None, now)
        before, left_before = _items(views, view, moment.position, from_, min_confidence)
        after, left_after = _items(views, view, moment.position, to, min_confidence)
        hints = [moment.hint]
        low, high = sorted((from_, to))

        def causes(policy_id: str) -> list[dict[str, Any]]:
            facts = _facts(views, policy_id, moment.position)
            return [_cite(f) for f in facts if any(_in(f.get(n), low, high) for n in DATE_FIELDS)]

        frame = {"from": from_.isoformat(), "to": to.isoformat(), "known_at": moment.known_at,
                 "position": moment.position}  # fmt: skip
    else:
        assert known_from is not None and known_to is not None
        on = at or today(now)
        first = resolve(views, view, known_from, None, now)
        second = resolve(views, view, known_to, None, now)
        before, left_before = _items(views, view, first.position, on, min_confidence)
        after, left_after = _items(views, view, second.position, on, min_confidence)
        hints = [first.hint, second.hint]
        low_p, high_p = sorted((first.position, second.position))

        def causes(policy_id: str) -> list[dict[str, Any]]:
            rows = views.timeline.read_log(
                LogQuery(policy_id=policy_id, after=low_p, until_position=high_p, limit=10_000)
            )
            return [{**_cite(r.fact), "position": r.position} for r in rows]

        frame = {"at": on.isoformat(), "known_from": first.known_at, "known_to": second.known_at,
                 "from_position": first.position, "to_position": second.position}  # fmt: skip
    added = [
        {"policy_id": k, "item": after[k], "caused_by": causes(k)}
        for k in sorted(after.keys() - before.keys())
    ]
    removed = [
        {"policy_id": k, "item": before[k], "caused_by": causes(k)}
        for k in sorted(before.keys() - after.keys())
    ]
    changed = []
    for key in sorted(before.keys() & after.keys()):
        fields = {
            name: {"from": before[key].get(name), "to": after[key].get(name)}
            for name in sorted(before[key].keys() | after[key].keys())
            if name not in NOT_COMPARED and before[key].get(name) != after[key].get(name)
        }
        if fields:
            changed.append({"policy_id": key, "changes": fields, "caused_by": causes(key)})
    return (
        {"view": view, **frame, "hint": "; ".join(h for h in hints if h) or None,
         "left_out_by_min_confidence": len(left_before | left_after),
         "added": added, "removed": removed, "changed": changed}
    )  # fmt: skip


def _items(
    views: ViewReader, view: str, position: int, on: date, min_confidence: str
) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The entries compared on one side, and the policies min_confidence left out of it."""
    found = views.stab(view, position, on)
    items = select(found, ItemFilter(min_confidence=min_confidence))
    kept = {item["policy_id"]: item for item in items}
    return kept, {item["policy_id"] for item in found} - kept.keys()


def _facts(views: ViewReader, policy_id: str, position: int) -> list[dict[str, Any]]:
    rows = views.timeline.read_log(
        LogQuery(policy_id=policy_id, until_position=position, limit=10_000)
    )
    return effective_facts([r.fact for r in rows])


def _in(value: Any, low: date, high: date) -> bool:
    return isinstance(value, str) and low.isoformat() < value <= high.isoformat()


def _cite(fact: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": fact["event_id"],
        "type": fact["type"],
        "title": fact["title"],
        "announced_on": fact["announced_on"],
    }
