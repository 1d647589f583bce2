"""What a webhook is sent: the steps of its stream (``service.streams.steps``) after its
cursor, each rendered for its filters into exactly the JSON a stream subscriber with the same
filters gets as the message's ``data``.

Steps are read from the store once for every webhook at the same point: in the steady state
every webhook of a view waits at the same point, so fifty webhooks on one view cost one read
per change, not fifty. Each rendering is shared likewise by the webhooks with the same filter.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field

from service.runtime.projector import ProjectionHost
from service.streams.steps import CHUNK, Point, Step, dated, replay
from service.streams.wire import Filter, data_of

CACHED = 256  # (stream, start, end) ranges kept: a few per stream is what is ever asked again


@dataclass(frozen=True)
class Change:
    point: Point
    body: bytes  # the stream message's data: compact JSON, UTF-8


@dataclass(frozen=True)
class Pending:
    changes: list[Change]  # in order
    reached: Point  # how far they go: the cursor once all of them are delivered


@dataclass
class _Range:
    steps: list[Step]
    bodies: dict[tuple[int, Filter], bytes | None] = field(default_factory=dict)

    def body(self, index: int, chosen: Filter) -> bytes | None:
        key = (index, chosen)
        if key not in self.bodies:
            self.bodies[key] = data_of(self.steps[index], chosen)
        return self.bodies[key]


def ahead(end: Point, cursor: Point) -> bool:
    """Whether a stream at ``end`` has gone past ``cursor`` (a later position, or a later day
    for a view read by date)."""
    if end.position != cursor.position:
        return end.position > cursor.position
    return end.day is not None and cursor.day is not None and end.day > cursor.day


class Changes:
    """The steps of each stream by range, computed once (in a worker thread) whoever asks."""

    def __init__(self, host: ProjectionHost) -> None:
        self._host = host
        self._ranges: OrderedDict[tuple[str, Point, Point], asyncio.Future[_Range]] = (
            OrderedDict()
        )  # a read under way or done

    async def after(self, stream: str, cursor: Point, end: Point, chosen: Filter) -> Pending:
        """The changes after ``cursor`` for a subscriber with ``chosen``, up to ``end`` or to
        the end of the next ``CHUNK`` positions, whichever comes first."""
        if dated(stream) and cursor.day is None:
            cursor = Point(cursor.position, end.day)
        upto = Point(min(end.position, cursor.position + CHUNK), end.day)
        found = await self._range(stream, cursor, upto)
        changes = []
        for index, step in enumerate(found.steps):
            body = found.body(index, chosen)
            if body is not None:
                changes.append(Change(step.point, body))
        return Pending(changes, upto)

    async def _range(self, stream: str, start: Point, end: Point) -> _Range:
        key = (stream, start, end)
        task = self._ranges.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            # A task of its own: a webhook that stops waiting does not stop the others' read.
            task = asyncio.ensure_future(asyncio.to_thread(self._read, stream, start, end))
            self._ranges[key] = task
            while len(self._ranges) > CACHED:
                self._ranges.popitem(last=False)
        else:
            self._ranges.move_to_end(key)
        return await asyncio.shield(task)

    def _read(self, stream: str, start: Point, end: Point) -> _Range:
        return _Range([step for chunk in replay(self._host, stream, start, end) for step in chunk])
