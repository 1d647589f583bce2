"""``TimelineClient``: the API from Python, blocking (httpx)."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterable, Mapping
from datetime import date
from typing import Any, cast

import httpx
from httpx_sse import SSEError, connect_sse

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


class TimelineClient:
    """A Policy Timeline server at ``base_url`` (e.g. ``http://localhost:8000``), with an API
    key sent as ``Authorization: Bearer`` when given (writes need an editor's).

    Every error answer raises the ``TimelineError`` subclass named after its code
    (``service.client.errors``). Use it as a context manager, or call ``close()``."""

    def __init__(self, base_url: str, api_key: str | None = None, *, timeout: float = 60.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def __enter__(self) -> TimelineClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def post_event(self, body: Mapping[str, Any]) -> AppendAnswer:
        """Append one event (``POST /events``). Sending the same ``event_id`` and body again
        stores nothing and answers as the first time."""
        return cast(AppendAnswer, self._send(calls.post_event(body)))

    def post_events(self, bodies: Iterable[Mapping[str, Any]]) -> BatchAnswer:
        """Append up to 10,000 events in one transaction (``POST /events/batch``): all or none;
        a refusal names the event's index in its message and details."""
        return cast(BatchAnswer, self._send(calls.post_events(bodies)))

    def events(
        self,
        *,
        type: FilterValue = None,
        jurisdiction: FilterValue = None,
        material: FilterValue = None,
        known_at: RecordTime | None = None,
        after: int = 0,
        page_size: int = calls.MAX_PAGE,
    ) -> Generator[LogEntry, None, None]:
        """Every event of the log after position ``after`` (recorded by ``known_at``), in
        position order, matching the filters (each one value or a list), reading page after
        page (``GET /events``) as the iteration goes."""
        filters = {"type": type, "jurisdiction": jurisdiction, "material": material}
        call = calls.events(filters, known_at, after, page_size)
        while True:
            page = self._send(call)
            yield from page["items"]
            if page["next_after"] is None:
                return
            call = call.after(page["next_after"])

    def event(self, event_id: str, known_at: RecordTime | None = None) -> EventDetail:
        """One event with the corrections and retractions recorded about it by ``known_at``
        (``GET /events/{id}``)."""
        return cast(EventDetail, self._send(calls.event(event_id, known_at)))

    def view(
        self,
        name: str,
        at: date | str | None = None,
        known_at: RecordTime | None = None,
        **filters: FilterValue,
    ) -> ViewAnswer:
        """A view read (``GET /views/<name>``; ``materials/Dy`` reads a material), on ``at``
        (default: today) as known at ``known_at`` (default: now; an int is a log position).
        ``filters`` are the view's query parameters (``material=["Dy", "Tb"]``,
        ``min_confidence``, ``limit``, ``after`` for the next page, ``from_`` for ``from``).
        Subscribing with ``after=answer["position"]`` then misses nothing."""
        return cast(ViewAnswer, self._send(calls.view(name, at, known_at, filters)))

    def diff(
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
        """What changed in a view (``GET /diff``): between the valid dates ``from_`` and
        ``to`` (as known at ``known_at``), or between the record times ``known_from`` and
        ``known_to`` (read on ``at``)."""
        call = calls.diff(view, from_, to, known_from, known_to, at, known_at, min_confidence)
        return cast(DiffAnswer, self._send(call))

    def policy(
        self, policy_id: str, at: date | str | None = None, known_at: RecordTime | None = None
    ) -> PolicyDetail:
        """A policy's status on ``at``, its entries in the views and its history, as known at
        ``known_at`` (``GET /policies/{id}``)."""
        return cast(PolicyDetail, self._send(calls.policy(policy_id, at, known_at)))

    def subscribe(
        self,
        view: str,
        after: str | int | None = None,
        *,
        listener: Listener | None = None,
        **filters: FilterValue,
    ) -> Generator[Message, None, None]:
        """Each change to ``view`` (``events``: each event of the log), for ever: a live
        stream that reconnects by itself after a network error, a server restart or an
        overflow, resuming with ``Last-Event-ID`` so that each change comes once, in order.

        It starts after ``after`` (a message id, or the ``position`` of a view read), or else
        from where the view stands when it first reaches the server. ``filters`` as the view's
        read takes them. ``listener`` is told of trouble and reconnections. A refusal that
        retrying cannot fix (a bad filter, a bad key) raises its ``TimelineError``."""
        following = Following.start(self.base_url, view, after, calls.query(filters))
        listener = listener or Listener()
        while True:
            try:
                yield from self._connection(following, listener)
                problem = None  # the server ended the stream (stopping, or an overflow)
            except (httpx.TransportError, SSEError, TimelineError) as error:
                problem = following.problem(error)
                if problem is None:
                    raise
            wait = following.backoff()
            if problem is not None:
                listener.trouble(problem, wait)
            time.sleep(wait)

    def _connection(
        self, following: Following, listener: Listener
    ) -> Generator[Message, None, None]:
        """One connection's messages (the overflow notice goes to the listener)."""
        joining = following.joining()
        if joining is not None:
            following.joined(self._send(joining))
        with connect_sse(
            self._http, "GET", following.stream, params=following.filters,
            headers=following.headers(), timeout=STREAM_TIMEOUT,
        ) as source:  # fmt: skip
            self._check(source.response)
            listener.connected()
            for sse in source.iter_sse():
                message = following.received(sse)
                if message is None:
                    continue
                if message["event"] == "overflow":
                    listener.overflow(message)
                else:
                    yield message

    def _send(self, call: calls.Call) -> Any:
        response = self._http.request(call.method, call.path, params=call.query, json=call.body)
        self._check(response)
        return response.json()

    def _check(self, response: httpx.Response) -> None:
        if response.is_success:
            return
        body = response.read()
        url = str(response.url.copy_with(query=None))
        raise error_from(response.status_code, body, response.headers, url)
