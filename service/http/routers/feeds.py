"""Atom feeds: the latest changes of each view, and the latest events of the log, for feed
readers. A feed lists what the view's stream sent (``service.streams.feeds``), in words, with
the sources and, for a view, the read pinned at the change (its permalink). Filters as the
view's read (the same 422s); the log's as ``GET /events``.

An entry's id is a tag URI made of the stream's point id (``POSITION@DAY``) and the filters,
so it never changes; its ``updated`` is when the change was recorded. A feed answers ``304``
to ``If-None-Match`` with its ``ETag`` while the view (or the log) and the day stay where
they were.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request, Response

from projections.registry import VIEWS
from projections.spec import ViewSpec
from service.http.atom import MEDIA_TYPE, Entry, Feed, Link, atom
from service.http.auth import require_reader
from service.http.errors import ErrorEnvelope
from service.http.params import EventLogFilter, filter_dependency
from service.queries.filters import ItemFilter, LogFilter
from service.queries.permalinks import permalink
from service.runtime.projector import ProjectionHost
from service.streams import words
from service.streams.feeds import FEED_SIZE, Sent, latest_log_events, latest_view_changes
from service.streams.steps import LOG

router = APIRouter(tags=["feeds"], dependencies=[Depends(require_reader)])

TAG_DATE = "2025"  # the date part of the tag URIs (RFC 4151): fixed, so ids never change
LOG_FILTERS = ("type", "jurisdiction", "material")
FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": f"an Atom 1.0 feed of the latest {FEED_SIZE} changes, newest first",
        "content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
    },
    304: {"description": "unchanged since the `ETag` sent as `If-None-Match`"},
    422: {"model": ErrorEnvelope},
}


@router.get(
    "/events/feed.atom",
    response_class=Response,
    responses=FEED_RESPONSES,
    summary="The log's latest events as an Atom feed",
)
def event_feed(request: Request, chosen: EventLogFilter) -> Response:
    """The latest events recorded (filters as `GET /events`), as `GET /events/stream` sends
    them: each entry's title is the event's type and title, its links the event and its
    sources."""
    timeline = request.app.state.timeline
    asked = _asked(request, LOG_FILTERS)
    tag = _tag(request, "events", asked)
    return _answer(request, tag, timeline.position(), lambda: _log_feed(request, chosen, asked))


def view_feed_endpoint(spec: ViewSpec) -> Callable[..., Response]:
    """``GET /views/<name>/feed.atom``: the view's filters as its read takes them."""
    names = ("min_confidence", *(f.alias or f.name for f in spec.filters))

    def endpoint(request: Request, chosen: ItemFilter) -> Response:
        host: ProjectionHost = request.app.state.projections
        asked = _asked(request, names)
        tag = _tag(request, f"views/{spec.name}", asked)
        reached = host.views.position(spec.name)
        return _answer(request, tag, reached, lambda: _view_feed(request, spec, chosen, asked))

    signature = inspect.signature(endpoint)
    chosen = Annotated[ItemFilter, Depends(filter_dependency(spec))]
    parameters = [
        p.replace(annotation=chosen) if p.name == "chosen" else p
        for p in signature.parameters.values()
    ]
    endpoint.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = spec.name.replace("-", "_") + "_feed"
    endpoint.__doc__ = (
        f"The latest {FEED_SIZE} changes to the view as its stream sent them (event steps and "
        "transitions), each with the change in words, the read pinned at it (the `alternate` "
        "link) and the sources. Filters as the view's read."
    )
    return endpoint


for _spec in VIEWS.values():
    router.add_api_route(
        f"/views/{_spec.name}/feed.atom",
        view_feed_endpoint(_spec),
        methods=["GET"],
        response_class=Response,
        responses=FEED_RESPONSES,
        summary=f"{_spec.title}: the latest changes as an Atom feed",
    )


# --- the feeds ---------------------------------------------------------------------------------


def _view_feed(
    request: Request, spec: ViewSpec, chosen: ItemFilter, asked: list[tuple[str, str]]
) -> Feed:
    host: ProjectionHost = request.app.state.projections
    today = _now(request).date()
    changes = latest_view_changes(host, spec.name, chosen, today)
    base = _base(request)
    read = f"/views/{spec.name}"
    entries = []
    for sent in changes:
        point = sent.step.point
        dated_as = ("at", point.day.isoformat()) if point.day else None
        pinned = permalink(read, asked, point.position, dated_as)
        links = [Link(base + pinned, "alternate", None, "the view as it was then")]
        entries.append(
            Entry(
                id=_tag(request, f"{read.lstrip('/')}/{point.id}", asked),
                title=words.headline(sent, spec),
                updated=sent.at,
                text=words.text(sent, spec),
                links=[*links, *_sources(sent)],
                categories=[sent.kind],
            )
        )
    return Feed(
        id=_tag(request, f"views/{spec.name}/feed.atom", asked),
        title=f"Policy Timeline: {spec.title}{_described(asked)}",
        subtitle=f"The latest changes to the view {spec.name}, as its live stream sent them",
        updated=entries[0].updated if entries else _now(request),
        links=_feed_links(request, read, asked),
        entries=entries,
    )


def _log_feed(request: Request, chosen: LogFilter, asked: list[tuple[str, str]]) -> Feed:
    changes = latest_log_events(request.app.state.timeline, chosen)
    base = _base(request)
    entries = []
    for sent in changes:
        event = sent.data["event"]
        detail = f"/events/{quote(str(event['event_id']), safe='')}"
        entries.append(
            Entry(
                id=_tag(request, f"events/{sent.step.point.id}", []),  # one event, any filter
                title=words.headline(sent, None),
                updated=sent.at,
                text=words.text(sent, None),
                links=[Link(base + detail, "alternate", None, "the event"), *_sources(sent)],
                categories=[sent.kind],
            )
        )
    return Feed(
        id=_tag(request, "events/feed.atom", asked),
        title=f"Policy Timeline: the event log{_described(asked)}",
        subtitle="The latest events recorded, as the log's live stream sent them",
        updated=entries[0].updated if entries else _now(request),
        links=_feed_links(request, "/events", asked),
        entries=entries,
    )


# Alternate links carry no type: they answer JSON, but feed readers (feedparser among them)
# take an entry's link only from an alternate link of an HTML type, or of none.


def _sources(sent: Sent) -> list[Link]:
    """The sources of the change's event; for a transition, those of the items it changed."""
    if sent.step.stream == LOG:
        cited = sent.data["event"].get("sources") or []  # the data is the log entry
    elif sent.data.get("event") is not None:
        cited = sent.data["event"]["event"].get("sources") or []
    else:
        cited = [s for entry in sent.data["items"] for s in entry["item"].get("sources") or []]
    seen: dict[str, Link] = {}
    for source in cited:
        url = source.get("url")
        if url and url not in seen:
            seen[url] = Link(url, "related", None, source.get("title") or None)
    return list(seen.values())


def _feed_links(request: Request, read: str, asked: list[tuple[str, str]]) -> list[Link]:
    base = _base(request)
    query = f"?{urlencode(asked)}" if asked else ""
    stream = "/events/stream" if read == "/events" else f"{read}/stream"
    return [
        Link(str(request.url), "self", MEDIA_TYPE),
        Link(base + read + query, "alternate", None, "the read, as of now"),
        Link(base + stream + query, "related", "text/event-stream", "the live stream"),
    ]


# --- HTTP --------------------------------------------------------------------------------------


def _answer(request: Request, tag: str, reached: int, make: Callable[[], Feed]) -> Response:
    """The feed, or 304 when the client holds it: it depends only on what is asked, how far
    the view (or the log) has reached and the day."""
    etag = '"' + hashlib.sha1(f"{tag}|{reached}|{_now(request).date()}".encode()).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(atom(make()), media_type=MEDIA_TYPE, headers=headers)


def _asked(request: Request, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """The filters asked for, as given (other parameters are not the feed's)."""
    return [(k, v) for k, v in request.query_params.multi_items() if k in names]


def _tag(request: Request, specific: str, asked: list[tuple[str, str]]) -> str:
    """A tag URI (RFC 4151) under the server's host name; the filters, sorted, are part of it."""
    host = request.url.hostname or "localhost"
    query = f"?{urlencode(sorted(asked))}" if asked else ""
    return f"tag:{host},{TAG_DATE}:{specific}{query}"


def _described(asked: list[tuple[str, str]]) -> str:
    return f" ({', '.join(f'{k}={v}' for k, v in asked)})" if asked else ""


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now.astimezone(UTC)
