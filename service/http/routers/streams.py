"""Live streams (Server-Sent Events): each change to a view, or each event of the log.

See ``service.streams.steps`` for what a message is and how its ``id`` makes resuming exact.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request
from sse_starlette import EventSourceResponse

from projections.registry import VIEWS
from projections.spec import ViewSpec
from service.http.auth import require_reader
from service.http.errors import ApiError, ErrorEnvelope
from service.http.params import EventLogFilter, filter_dependency
from service.queries.filters import ItemFilter, LogFilter
from service.streams.hub import StreamHub
from service.streams.liveness import give_up_after, transport_of
from service.streams.steps import LOG, Point, dated

router = APIRouter(tags=["streams"], dependencies=[Depends(require_reader)])

# A send blocked this long (the transport's buffer full) ends the stream: the fallback where
# the kernel cannot be asked to give up on a silent peer (service.streams.liveness).
SEND_TIMEOUT_SECONDS = 60
JOIN_WAIT_SECONDS = 5.0
SHUTDOWN_GRACE_SECONDS = 2.0  # for a stream to end cleanly before it is cut

AfterParam = Annotated[
    str | None,
    Query(
        max_length=40,
        description="resume after this point: a message id (N@YYYY-MM-DD, or N) or the "
        "position of a view read (N: the view read for today). Last-Event-ID wins over it.",
    ),
]
LastEventId = Annotated[
    str | None, Header(max_length=40, description="sent by EventSource clients on reconnect")
]
# One message of the stream (OpenAPI 3.1 describes text/event-stream message by message).
SSE_MESSAGE = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "id": {"type": "string", "description": "the point reached: N or N@YYYY-MM-DD"},
        "event": {"type": "string", "description": "added, removed, changed, transition, ..."},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "retry": {"type": "integer"},
    },
}
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "text/event-stream: `id:` the point reached, `event:` the kind, "
        "`data:` JSON; comment lines are heartbeats",
        "content": {"text/event-stream": {"schema": SSE_MESSAGE}},
    },
    **{s: {"model": ErrorEnvelope} for s in (409, 422, 503)},
}


async def open_stream(
    request: Request, stream: str, chosen: ItemFilter | LogFilter, text: str | None
) -> EventSourceResponse:
    hub: StreamHub = request.app.state.hub
    start = await _start(request, hub, stream, text) if text is not None else None
    settings = request.app.state.settings
    # A peer that vanished, or stopped reading, is given up within two heartbeats.
    give_up_after(transport_of(request.scope), settings.stream_heartbeat_seconds)
    closing = anyio.Event()  # set by sse-starlette when the server begins to stop
    return EventSourceResponse(
        hub.messages(stream, chosen, start, closing),
        ping=settings.stream_heartbeat_seconds,
        send_timeout=SEND_TIMEOUT_SECONDS,
        shutdown_event=closing,
        shutdown_grace_period=SHUTDOWN_GRACE_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _start(request: Request, hub: StreamHub, stream: str, text: str) -> Point:
    """The point to resume after, once this process has reached it (briefly waited for)."""
    try:
        start = Point.parse(text)
    except ValueError as error:
        raise ApiError(
            422, "invalid", str(error), [{"field": "after", "message": str(error)}]
        ) from None
    if not dated(stream):
        start = Point(start.position)
    head = request.app.state.timeline.position()
    if start.position > head:
        raise ApiError(
            409,
            "position_not_recorded",
            f"position {start.position} is beyond the end of the log ({head})",
        )
    if start.day is not None and start.day > hub.today():
        raise ApiError(422, "invalid", f"{text!r} is a day after today ({hub.today().isoformat()})")
    deadline = time.monotonic() + JOIN_WAIT_SECONDS
    while not _reached(hub.delivered[stream], start):
        if time.monotonic() > deadline:
            raise ApiError(
                503,
                "view_behind",
                f"{stream} has not reached {start.id} yet; retry shortly",
                headers={"Retry-After": "1"},
            )
        hub.wake.set()
        await asyncio.sleep(0.05)
    return start


def _reached(delivered: Point, start: Point) -> bool:
    return delivered.position >= start.position and (
        start.day is None or delivered.day is None or delivered.day >= start.day
    )


@router.get("/events/stream", responses=STREAM_RESPONSES)
async def event_stream(
    request: Request,
    chosen: EventLogFilter,
    after: AfterParam = None,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    """Each event as it is recorded: `id:` its position, `event:` its type, `data:` the log
    entry (as in `GET /events`). Filters as `GET /events`."""
    return await open_stream(request, LOG, chosen, last_event_id or after)


VIEW_STREAM_DOC = """Each change to the view as read for today: `event:` `added`, `removed`,
`changed` (a mix, or an item that changed), or `transition` (the day moved on: a control came
into force, a suspension or a deadline passed). `data:` `{view, position, at, kind, items:
[{change, item, before?}], event}` with the event that caused it (null for a transition).
Filters as the view's read."""


def stream_endpoint(spec: ViewSpec) -> Callable[..., Any]:
    """``GET /views/<name>/stream``: the view's filters as its read takes them."""

    async def endpoint(
        request: Request,
        chosen: ItemFilter,
        after: AfterParam = None,
        last_event_id: LastEventId = None,
    ) -> EventSourceResponse:
        return await open_stream(request, spec.name, chosen, last_event_id or after)

    signature = inspect.signature(endpoint)
    chosen = Annotated[ItemFilter, Depends(filter_dependency(spec))]
    parameters = [
        p.replace(annotation=chosen) if p.name == "chosen" else p
        for p in signature.parameters.values()
    ]
    endpoint.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = spec.stream_operation or spec.name.replace("-", "_") + "_stream"
    return endpoint


for _spec in VIEWS.values():
    router.add_api_route(
        f"/views/{_spec.name}/stream",
        stream_endpoint(_spec),
        methods=["GET"],
        responses=STREAM_RESPONSES,
        description=VIEW_STREAM_DOC,
    )
