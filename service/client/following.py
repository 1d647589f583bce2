"""Following a live stream through network errors and server restarts, without the I/O (the
sync and async clients each drive it with their own connections and sleeps).

The follower remembers the ``id`` of the last message it received and reconnects with it as
``Last-Event-ID``: the server replays exactly what came after (a message id names one exact
state of the view). Before its first message it holds the point it joined at, read from the
server just before it first connects, so that an event recorded while it was away is never
missed, however quiet the stream had been.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import ServerSentEvent, SSEError

from service.client.answers import Message
from service.client.calls import Call, Query, stream_paths
from service.client.errors import TimelineError

RETRY_FIRST_SECONDS = 0.2
RETRY_MOST_SECONDS = 5.0
# Several heartbeats (15 s apart by default): a connection silent for longer is a dead one.
STREAM_TIMEOUT = httpx.Timeout(5.0, read=60.0)


class Listener:
    """Told how a subscription fares. Each method does nothing here: override those you need.
    An exception a method raises ends the subscription with it (to give up after a while)."""

    def trouble(self, problem: str, wait: float) -> None:
        """The stream broke or cannot be opened (``problem`` says why, e.g. "cannot connect to
        URL"); the next attempt is in ``wait`` seconds."""

    def connected(self) -> None:
        """The stream is open (again)."""

    def overflow(self, message: Message) -> None:
        """The server cut this subscriber off for falling behind (``message``'s event is
        ``overflow``, its id the last point received); the subscription resumes from there by
        itself and loses nothing."""


def retryable(error: TimelineError) -> bool:
    """Whether trying again may succeed: a server error (503 while a view catches up after a
    restart, a proxy's 502) or a timeout; not a refusal of the request itself."""
    return error.status >= 500 or error.status in (408, 429)


@dataclass
class Following:
    """Where a subscription stands: the point it resumes after, and how long it waits before
    its next attempt (doubling from 0.2 s to 5 s, back to 0.2 s after any message)."""

    base: str
    stream: str  # the stream's path
    read: str  # the read it follows (for the joining point)
    filters: Query
    last_id: str | None = None
    wait: float = RETRY_FIRST_SECONDS

    @classmethod
    def start(cls, base: str, view: str, after: str | int | None, filters: Query) -> Following:
        stream, read = stream_paths(view)
        return cls(base, stream, read, filters, str(after) if after is not None else None)

    def joining(self) -> Call | None:
        """The read to make before connecting, while no point is held."""
        if self.last_id is not None:
            return None
        return Call("GET", self.read, (*self.filters, ("limit", "1")))

    def joined(self, answer: Mapping[str, Any]) -> None:
        """Hold the point the read answered for: the position it reflects, on the day it was
        read for (the log and the timeline are not read by date). Messages carry this point
        once something happens; until then a reconnect resumes from it rather than from the
        new end of the log, which would skip what was recorded in between."""
        day = answer.get("at")
        self.last_id = f"{answer['position']}@{day}" if day else str(answer["position"])

    def headers(self) -> dict[str, str]:
        return {"Last-Event-ID": self.last_id} if self.last_id is not None else {}

    def received(self, sse: ServerSentEvent) -> Message | None:
        """The message, and the point it reached held; None for a heartbeat."""
        if not sse.data:
            return None  # httpx-sse reports a heartbeat comment as an empty message
        if sse.id:
            self.last_id = sse.id
        self.wait = RETRY_FIRST_SECONDS
        return Message(id=sse.id, event=sse.event, data=json.loads(sse.data))

    def problem(self, error: Exception) -> str | None:
        """What went wrong, in words, when trying again may help; None when it will not (the
        caller raises the error)."""
        if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
            return f"cannot connect to {self.base}"
        if isinstance(error, httpx.TransportError | SSEError):
            return f"lost the connection to {self.base} ({str(error) or type(error).__name__})"
        if isinstance(error, TimelineError) and retryable(error):
            return f"{error.url} answered HTTP {error.status}"
        return None

    def backoff(self) -> float:
        """How long to wait before the next attempt; the one after waits twice as long."""
        wait = self.wait
        self.wait = min(wait * 2, RETRY_MOST_SECONDS)
        return wait
