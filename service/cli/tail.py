"""Following a live stream from the terminal, through network errors and server restarts.

The follower remembers the ``id`` of the last message it received and reconnects with it as
``Last-Event-ID``: the server replays exactly what came after (see ``service.streams.steps``).
Before its first message it holds the point it joined at (read from the server just before
it first connects), so that an event recorded while it was away is never missed, however
quiet the stream had been.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import SSEError, connect_sse
from rich.markup import escape

RETRY_FIRST_SECONDS = 0.2
RETRY_MOST_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 60.0  # several heartbeats: a silent connection is a dead one


class Refused(Exception):
    """The server answered with an error that retrying will not fix (a bad filter, a bad
    key)."""


class _Retry(Exception):
    """The server answered, but not yet with the stream (503 while it catches up, a proxy's
    502): try again."""


REFUSING = (401, 403, 404, 409, 422)


def _quiet(problem: str, wait: float) -> None:
    pass


@dataclass
class Tail:
    base: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    last_id: str | None = None
    reconnects: int = 0
    # Told what went wrong and how long until the next attempt; then that the stream is open.
    on_trouble: Callable[[str, float], None] = _quiet
    on_connected: Callable[[], None] = lambda: None

    def messages(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Each message as ``{"id", "event", "data"}``, for ever (or ``limit`` of them)."""
        delivered = 0
        wait = RETRY_FIRST_SECONDS
        timeout = httpx.Timeout(5.0, read=READ_TIMEOUT_SECONDS)
        with httpx.Client(base_url=self.base, timeout=timeout) as client:
            while limit is None or delivered < limit:
                problem = None
                try:
                    for message in self._connection(client):
                        wait = RETRY_FIRST_SECONDS
                        delivered += 1
                        yield message
                        if limit is not None and delivered >= limit:
                            return
                except (httpx.ConnectError, httpx.ConnectTimeout):
                    problem = f"cannot connect to {self.base}"
                except (httpx.TransportError, SSEError) as error:
                    problem = f"lost the connection to {self.base} ({_named(error)})"
                except _Retry as error:
                    problem = str(error)
                # The stream ended (server stopping, overflow) or broke: resume after the
                # last message received, or the point joined at.
                if problem is not None:
                    self.on_trouble(problem, wait)
                self.reconnects += 1
                time.sleep(wait)
                wait = min(wait * 2, RETRY_MOST_SECONDS)

    def _connection(self, client: httpx.Client) -> Iterator[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        if self.last_id is None:
            self.last_id = self._joining_point(client, headers)
        headers["Last-Event-ID"] = self.last_id
        with connect_sse(client, "GET", self.path, params=self.params, headers=headers) as source:
            _check(source.response)
            self.on_connected()
            for event in source.iter_sse():
                if not event.data:
                    continue  # a heartbeat: httpx-sse reports one as an empty message
                if event.id:
                    self.last_id = event.id
                yield {"id": event.id or None, "event": event.event, "data": json.loads(event.data)}

    def _joining_point(self, client: httpx.Client, headers: dict[str, str]) -> str:
        """Where the stream starts for a follower that names no point: the position the
        stream's read (same path without ``/stream``, same filters) answers for now, on the
        day it answers for. Messages carry this point once something happens; until then,
        a reconnect after a restart resumes from it rather than from the new end of the log,
        which would skip what was recorded while the follower was away."""
        read = self.path.removesuffix("/stream")
        response = client.get(read, params={**self.params, "limit": 1}, headers=headers)
        _check(response)
        answer = response.json()
        day = answer.get("at")
        return f"{answer['position']}@{day}" if day else str(answer["position"])


def _check(response: httpx.Response) -> None:
    if response.status_code in REFUSING:
        response.read()
        raise Refused(_error_text(response))
    if response.status_code != 200:
        raise _Retry(f"{response.url.copy_with(query=None)} answered HTTP {response.status_code}")


def _named(error: Exception) -> str:
    return str(error) or type(error).__name__


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"


def describe(message: dict[str, Any]) -> str:
    """One message as lines of Rich markup for the terminal."""
    data = message["data"]
    kind = message["event"]
    head = f"[bold]{escape(message['id'] or '')}[/bold] [cyan]{escape(kind)}[/cyan]"
    if kind == "overflow":
        return f"{head} fell behind; resuming after {escape(data['resume_after'])}"
    if "items" not in data:  # the raw log
        event = data["event"]
        return f"{head} {escape(event['policy_id'])} {escape(event['title'])}"
    lines = [head]
    if data.get("transition"):
        lines[0] += f" {data['transition']['from']} -> {data['transition']['to']}"
    elif data.get("event"):
        event = data["event"]["event"]
        lines[0] += f" (by {escape(event['type'])} {escape(event['event_id'])})"
    for entry in data["items"]:
        item = entry["item"]
        status = f" {item['status']}" if "status" in item else ""
        name = item.get("title") or ""
        name = name if len(name) <= 80 else name[:79] + "…"
        lines.append(
            f"  {entry['change']:>7} {escape(item.get('policy_id', ''))}{escape(status)} "
            f"{escape(name)}"
        )
    return "\n".join(lines)
