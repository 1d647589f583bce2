"""The event log: append events, page through the log, read one event."""

from __future__ import annotations

import time
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from domain.events import BATCH_ADAPTER, EVENT_ADAPTER, MAX_BATCH
from domain.timeline import Appended, AppendError, Submission, Timeline
from service.http.auth import Principal, require_editor, require_reader
from service.http.body import read_body, schema_ref
from service.http.errors import ApiError, ErrorEnvelope
from service.http.params import EventLogFilter
from service.http.schemas import AppendAnswer, BatchAnswer, EventDetail, LogPage
from service.parsing import parse
from service.queries.log import event_detail, log_page
from service.queries.moments import MAX_POSITION
from service.queries.views import MAX_PAGE

router = APIRouter(tags=["events"])

ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": ErrorEnvelope} for s in (400, 409, 422)}


def timeline(request: Request) -> Timeline:
    return request.app.state.timeline  # type: ignore[no-any-return]


def refusal(error: AppendError, *, in_batch: bool = False) -> ApiError:
    status = 409 if error.kind == "conflict" else 422
    message = f"event {error.index}: {error.message}" if in_batch else error.message
    details = [{"index": error.index, **d} for d in error.details] if in_batch else error.details
    if in_batch and not details:
        details = [{"index": error.index}]
    return ApiError(status, error.code, message, details)


def answer(result: Appended) -> AppendAnswer:
    return AppendAnswer(**_answer_dict(result))


@router.post(
    "/events",
    status_code=201,
    response_model=AppendAnswer,
    responses={200: {"model": AppendAnswer, "description": "already recorded"}, **ERRORS},
    openapi_extra=schema_ref("PolicyEvent"),
    summary="Append one event",
)
async def post_event(
    request: Request, response: Response, principal: Annotated[Principal, Depends(require_editor)]
) -> AppendAnswer:
    """201 with the new event's place in the log; the same ``event_id`` with the same body
    again: 200 and the first answer; with another body: 409."""
    state = request.app.state
    event = parse(EVENT_ADAPTER, await read_body(request))
    started = time.perf_counter()
    [result] = await state.writer.append([Submission(event, principal.name)], atomic=False)
    state.metrics.append_seconds.labels("event").observe(time.perf_counter() - started)
    if isinstance(result, AppendError):
        raise refusal(result)
    if result.created:
        state.metrics.events_appended.inc()
    response.status_code = 201 if result.created else 200
    return answer(result)


@router.post(
    "/events/batch",
    status_code=201,
    response_model=BatchAnswer,
    responses={200: {"model": BatchAnswer, "description": "all already recorded"}, **ERRORS},
    openapi_extra=schema_ref("Batch"),
    summary=f"Append up to {MAX_BATCH} events in one transaction",
)
async def post_batch(
    request: Request, principal: Annotated[Principal, Depends(require_editor)]
) -> Response:
    """All or nothing: if any event is refused, none is stored and the error names its index.
    Events already recorded (same ``event_id``, same body) are answered, not stored again."""
    state = request.app.state
    batch = parse(BATCH_ADAPTER, await read_body(request))
    started = time.perf_counter()
    try:
        results = await state.writer.append(
            [Submission(e, principal.name) for e in batch.events], atomic=True
        )
    except AppendError as error:
        raise refusal(error, in_batch=True) from None
    state.metrics.append_seconds.labels("batch").observe(time.perf_counter() - started)
    items = [{**_answer_dict(r), "created": r.created} for r in results if isinstance(r, Appended)]
    created = sum(item["created"] for item in items)
    state.metrics.events_appended.inc(created)
    # Built as plain JSON: re-validating 10,000 answers through the response model would cost
    # more than storing them. The shape is BatchAnswer's (the test suite checks it). Written
    # by orjson: the bytes JSONResponse writes (compact, UTF-8; only strings and integers).
    return Response(
        orjson.dumps(
            {"count": len(items), "created": created, "duplicates": len(items) - created,
             "items": items}
        ),
        status_code=201 if created else 200,
        media_type="application/json",
    )  # fmt: skip


def _answer_dict(result: Appended) -> dict[str, Any]:
    return {
        "event_id": result.event_id,
        "policy_id": result.policy_id,
        "version": result.version,
        "position": result.position,
        "recorded_at": result.recorded_at.isoformat().replace("+00:00", "Z"),
    }


@router.get(
    "/events",
    response_model=LogPage,
    responses={422: {"model": ErrorEnvelope}},
    dependencies=[Depends(require_reader)],
)
def list_events(
    request: Request,
    chosen: EventLogFilter,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="the cursor: positions after this one")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    known_at: Annotated[
        str | None,
        Query(
            max_length=64,
            description="only events recorded by then: ISO datetime, ISO date or position=N",
        ),
    ] = None,
) -> LogPage:
    """The log in position order, with cursor paging: pass ``next_after`` as ``after``. The log
    is immutable: events appear as recorded (``GET /events/{id}`` shows corrections)."""
    now = request.app.state.clock()
    return LogPage(**log_page(timeline(request), chosen, after, limit, known_at, now))


@router.get(
    "/events/{event_id}",
    response_model=EventDetail,
    responses={404: {"model": ErrorEnvelope}, 422: {"model": ErrorEnvelope}},
    dependencies=[Depends(require_reader)],
)
def get_event(
    request: Request,
    event_id: UUID,
    known_at: Annotated[
        str | None,
        Query(
            max_length=64,
            description="as the log told it then: only corrections recorded by this record "
            "time (ISO datetime, ISO date or position=N) count",
        ),
    ] = None,
) -> EventDetail:
    """One event as recorded, with who recorded it and when, and the corrections and
    retractions recorded about it (by ``known_at``, default now)."""
    return EventDetail(**event_detail(timeline(request), str(event_id), known_at))
