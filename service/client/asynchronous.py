"""``AsyncTimelineClient``: the API from Python under asyncio (httpx's async client). The
same operations as ``TimelineClient``, awaited; iterations are async iterators."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable, Mapping
from contextlib import aclosing
from datetime import date
from typing import Any, cast

import httpx
from httpx_sse import SSEError, aconnect_sse

from service.client import calls
from service.client.answers import (
    AppendAnswer,
    BatchAnswer,
    DiffAnswer,
    EventDetail,
    LogEntry,
    Message,
    PolicyDetail,
    ViewAnswer,
)
from service.client.calls import FilterValue, RecordTime
from service.client.errors import TimelineError, error_from
from service.client.following import STREAM_TIMEOUT, Following, Listener


class AsyncTimelineClient:
    """A Policy Timeline server at ``base_url``, from asyncio; see ``TimelineClient`` for what
    each operation does. Use it as an async context manager, or await ``aclose()``.

    An async iterator left before its end holds its connection until it is collected: wrap it
    in ``contextlib.aclosing`` to let go of it at once."""

    def __init__(self, base_url: str, api_key: str | None = None, *, timeout: float = 60.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=timeout)

    async def __aenter__(self) -> AsyncTimelineClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def post_event(self, body: Mapping[str, Any]) -> AppendAnswer:
        """Append one event (``POST /events``)."""
        return cast(AppendAnswer, await self._send(calls.post_event(body)))

    async def post_events(self, bodies: Iterable[Mapping[str, Any]]) -> BatchAnswer:
        """Append up to 10,000 events in one transaction (``POST /events/batch``)."""
        return cast(BatchAnswer, await self._send(calls.post_events(bodies)))

    async def events(
        self,
        *,
        type: FilterValue = None,
        jurisdiction: FilterValue = None,
        material: FilterValue = None,
        known_at: RecordTime | None = None,
        after: int = 0,
        page_size: int = calls.MAX_PAGE,
    ) -> AsyncGenerator[LogEntry, None]:
        """Every event of the log after ``after`` matching the filters, page after page."""
        filters = {"type": type, "jurisdiction": jurisdiction, "material": material}
        call = calls.events(filters, known_at, after, page_size)
        while True:
            page = await self._send(call)
            for entry in page["items"]:
                yield entry
            if page["next_after"] is None:
                return
            call = call.after(page["next_after"])

    async def event(self, event_id: str, known_at: RecordTime | None = None) -> EventDetail:
        """One event with its corrections and retractions (``GET /events/{id}``)."""
        return cast(EventDetail, await self._send(calls.event(event_id, known_at)))

    async def view(
        self,
        name: str,
        at: date | str | None = None,
        known_at: RecordTime | None = None,
        **filters: FilterValue,
    ) -> ViewAnswer:
        """A view read (``GET /views/<name>``) on ``at`` as known at ``known_at``."""
        return cast(ViewAnswer, await self._send(calls.view(name, at, known_at, filters)))

    async def diff(
        self,
        view: str,
        from_: date | str | None = None,
        to: date | str | None = None,
        *,
        known_from: RecordTime | None = None,
        known_to: RecordTime | None = None,
        at: date | str | None = None,
        known_at: RecordTime | None = None,
        min_confidence: str | None = None,
    ) -> DiffAnswer:
        """What changed in a view between two valid dates or two record times (``GET
        /diff``)."""
        call = calls.diff(view, from_, to, known_from, known_to, at, known_at, min_confidence)
        return cast(DiffAnswer, await self._send(call))

    async def policy(
        self, policy_id: str, at: date | str | None = None, known_at: RecordTime | None = None
    ) -> PolicyDetail:
        """A policy on ``at`` as known at ``known_at`` (``GET /policies/{id}``)."""
        return cast(PolicyDetail, await self._send(calls.policy(policy_id, at, known_at)))

    async def subscribe(
        self,
        view: str,
        after: str | int | None = None,
        *,
        listener: Listener | None = None,
        **filters: FilterValue,
    ) -> AsyncGenerator[Message, None]:
        """Each change to ``view`` (``events``: the log), for ever, reconnecting by itself
        with ``Last-Event-ID`` so that each change comes once, in order (as
        ``TimelineClient.subscribe``)."""
        following = Following.start(self.base_url, view, after, calls.query(filters))
        listener = listener or Listener()
        while True:
            try:
                # Closed with this generator, so that its connection goes at once too.
                async with aclosing(self._connection(following, listener)) as messages:
                    async for message in messages:
                        yield message
                problem = None  # the server ended the stream (stopping, or an overflow)
            except (httpx.TransportError, SSEError, TimelineError) as error:
                problem = following.problem(error)
                if problem is None:
                    raise
            wait = following.backoff()
            if problem is not None:
                listener.trouble(problem, wait)
            await asyncio.sleep(wait)

    async def _connection(
        self, following: Following, listener: Listener
    ) -> AsyncGenerator[Message, None]:
        """One connection's messages (the overflow notice goes to the listener)."""
        joining = following.joining()
        if joining is not None:
            following.joined(await self._send(joining))
        async with aconnect_sse(
            self._http, "GET", following.stream, params=following.filters,
            headers=following.headers(), timeout=STREAM_TIMEOUT,
        ) as source:  # fmt: skip
            await self._check(source.response)
            listener.connected()
            async for sse in source.aiter_sse():
                message = following.received(sse)
                if message is None:
                    continue
                if message["event"] == "overflow":
                    listener.overflow(message)
                else:
                    yield message

    async def _send(self, call: calls.Call) -> Any:
        response = await self._http.request(
            call.method, call.path, params=call.query, json=call.body
        )
        await self._check(response)
        return response.json()

    async def _check(self, response: httpx.Response) -> None:
        if response.is_success:
            return
        body = await response.aread()
        url = str(response.url.copy_with(query=None))
        raise error_from(response.status_code, body, response.headers, url)
