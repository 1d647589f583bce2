"""A subscriber of a live stream: its filter, where it joined, and its bounded queue. A
subscriber whose queue is full is cut off with an ``OVERFLOW`` marker instead of being
skipped silently."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from service.streams.steps import Point
from service.streams.wire import Filter


@dataclass(frozen=True)
class Missed:
    """Steps between two points the hub did not compute (nobody was listening when it
    looked): the subscriber reads them from the store."""

    start: Point
    end: Point


OVERFLOW = object()
CLOSED = object()


@dataclass(eq=False)
class Subscriber:
    stream: str
    chosen: Filter
    joined: Point
    queue: asyncio.Queue[Any]
    overflowed: bool = False

    def close(self) -> None:
        """End the stream after what it is sending now (server shutting down)."""
        while self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(CLOSED)

    def room(self) -> int:
        return self.queue.maxsize - self.queue.qsize()

    def offer(self, item: Any) -> bool:
        """Queue ``item``; False when the queue was full (the subscriber is then cut off)."""
        if self.overflowed:
            return False
        if self.queue.full():
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(OVERFLOW)
            return False
        self.queue.put_nowait(item)
        return True
