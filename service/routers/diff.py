"""What changed in a view: between two valid dates, or between two record times."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from domain.lifecycle import effective_facts
from domain.log_index import LogQuery
from service.auth import require_reader
from service.errors import ApiError, ErrorEnvelope
from service.projection_host import ProjectionHost
from service.schemas import DiffBody
from service.view_filters import ItemFilter, select
from service.view_reads import resolve, today

router = APIRouter(tags=["views"], dependencies=[Depends(require_reader)])

DATE_FIELDS = ("announced_on", "effective_from", "effective_until", "until", "as_of", "deadline")
NOT_COMPARED = frozenset({"event_ids"})


@router.get(
    "/diff",
    response_model=DiffBody,
    responses={s: {"model": ErrorEnvelope} for s in (404, 409, 422, 503)},
)
def diff(
    request: Request,
    view: Literal["active-export-controls", "funding", "goals"],
    from_: Annotated[date | None, Query(alias="from", description="valid date before")] = None,
    to: Annotated[date | None, Query(description="valid date after")] = None,
    known_from: Annotated[
        str | None, Query(max_length=64, description="record time before")
    ] = None,
    known_to: Annotated[str | None, Query(max_length=64, description="record time after")] = None,
    at: Annotated[date | None, Query(description="valid date for a record-time diff")] = None,
    known_at: Annotated[
        str | None, Query(max_length=64, description="for a valid-time diff")
    ] = None,
    min_confidence: Literal["unverified", "reported", "confirmed"] = "reported",
) -> JSONResponse:
    """Entries added, removed and changed (field by field), each with the events that caused
    it. Give ``from`` and ``to`` (valid dates, read as known at ``known_at``), or
    ``known_from`` and ``known_to`` (record times: ISO datetime, date or position=N, read on
    ``at``)."""
    host: ProjectionHost = request.app.state.projections
    now = request.app.state.clock()
    by_date = from_ is not None and to is not None
    by_record = known_from is not None and known_to is not None
    if by_date == by_record:
        raise ApiError(
            422,
            "invalid",
            "give either from and to (valid dates) or known_from and known_to (record times)",
            [{"field": "from/to/known_from/known_to", "message": "exactly one pair"}],
        )
    if by_date:
        assert from_ is not None and to is not None
        moment = resolve(host, view, known_at, None, now)
        before, left_before = _items(host, view, moment.position, from_, min_confidence)
        after, left_after = _items(host, view, moment.position, to, min_confidence)
        hints = [moment.hint]
        low, high = sorted((from_, to))

        def causes(policy_id: str) -> list[dict[str, Any]]:
            facts = _facts(host, policy_id, moment.position)
            return [_cite(f) for f in facts if any(_in(f.get(n), low, high) for n in DATE_FIELDS)]

        frame = {"from": from_.isoformat(), "to": to.isoformat(), "known_at": moment.known_at,
                 "position": moment.position}  # fmt: skip
    else:
        assert known_from is not None and known_to is not None
        on = at or today(now)
        first = resolve(host, view, known_from, None, now)
        second = resolve(host, view, known_to, None, now)
        before, left_before = _items(host, view, first.position, on, min_confidence)
        after, left_after = _items(host, view, second.position, on, min_confidence)
        hints = [first.hint, second.hint]
        low_p, high_p = sorted((first.position, second.position))

        def causes(policy_id: str) -> list[dict[str, Any]]:
            rows = host.timeline.read_log(
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
    return JSONResponse(
        {"view": view, **frame, "hint": "; ".join(h for h in hints if h) or None,
         "left_out_by_min_confidence": len(left_before | left_after),
         "added": added, "removed": removed, "changed": changed}
    )  # fmt: skip


def _items(
    host: ProjectionHost, view: str, position: int, on: date, min_confidence: str
) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The entries compared on one side, and the policies min_confidence left out of it."""
    found = host.stab(view, position, on)
    items = select(found, ItemFilter(min_confidence=min_confidence))
    kept = {item["policy_id"]: item for item in items}
    return kept, {item["policy_id"] for item in found} - kept.keys()


def _facts(host: ProjectionHost, policy_id: str, position: int) -> list[dict[str, Any]]:
    rows = host.timeline.read_log(
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
