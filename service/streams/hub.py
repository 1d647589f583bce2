"""Fan-out of live changes: one hub per process, many subscribers.

A hub thread follows the log and every view (woken after each projection batch and each
write, and polling for what other processes wrote), notices when the day changes, and turns
what moved into steps (``service.streams.steps``), computed once whoever listens. The steps
are handed to the event loop, which renders each step once per distinct filter and puts the
message on each subscriber's bounded queue. Subscribers never query the store on their own
except to replay what they missed before joining.

A subscriber whose queue is full is not silently skipped: its queue is dropped, and it is
sent a final ``overflow`` message naming the point to resume after, then disconnected.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import anyio

from projections.ports import SlotGone
from projections.registry import VIEWS
from service.runtime.projector import ProjectionHost
from service.runtime.workers import Worker
from service.streams.steps import CHUNK, LOG, Point, Step, dated, log_events, replay
from service.streams.subscribers import CLOSED, OVERFLOW, Missed, Subscriber
from service.streams.wire import Filter, Message, overflow_message, render

if TYPE_CHECKING:
    from service.http.metrics import Metrics

POLL_SECONDS = 0.2
GATHER_SECONDS = 0.01
COALESCE_MOST = 256  # waiting messages joined into one write
STREAMS = (LOG, *VIEWS)


@dataclass
class _Update:
    stream: str
    end: Point
    steps: list[Step] | None  # None: not computed


@dataclass
class StreamHub:
    projections: ProjectionHost
    clock: Callable[[], datetime]
    metrics: Metrics
    queue_size: int = 1000
    poll: float = POLL_SECONDS
    wake: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.worker = Worker("stream-hub", self._run)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reached: dict[str, Point] = {}  # hub thread: how far steps were computed
        self.delivered: dict[str, Point] = {}  # event loop: how far subscribers were sent
        self._subscribers: dict[str, set[Subscriber]] = {s: set() for s in STREAMS}
        self._watched: frozenset[str] = frozenset()
        self.metrics.stream_queue_longest.set_function(self.longest_queue)

    def longest_queue(self) -> float:
        return float(
            max((s.queue.qsize() for subs in self._subscribers.values() for s in subs), default=0)
        )

    # --- running -------------------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        today = self.today()
        self._reached = {LOG: Point(self.projections.timeline.position())}
        for view in VIEWS:
            self._reached[view] = Point(
                self.projections.views.position(view), today if dated(view) else None
            )
        self.delivered = dict(self._reached)
        self.worker.start()

    def stop(self) -> None:
        self.worker.stopping.set()
        self.wake.set()
        self.worker.stop(timeout=10)
        for subscribers in self._subscribers.values():
            for subscriber in subscribers:
                subscriber.close()

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()

    def _run(self, worker: Worker) -> None:
        """The hub thread's loop (supervised: a failure to read, say while the database
        restarts, starts it again from where it had reached)."""
        while not worker.stopping.is_set():
            if self.wake.wait(self.poll):
                # Let the writes of the next few milliseconds join this pass: one pass (and
                # one write per subscriber) for several events instead of one each.
                worker.stopping.wait(GATHER_SECONDS)
            self.wake.clear()
            updates = self._advance()
            worker.succeeded()
            if updates and self._loop is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._deliver, updates)

    def _advance(self) -> list[_Update]:
        today = self.today()
        watched = self._watched
        timeline = self.projections.timeline
        head = timeline.position()
        positions = {LOG: head, **self.projections.views.positions()}
        ends: dict[str, Point] = {}
        behind = False
        for stream in STREAMS:
            old = self._reached[stream]
            position = positions.get(stream, old.position)
            if position < old.position:
                continue  # a rebuilt view still catching up: wait for it
            end = Point(min(position, old.position + CHUNK), today if dated(stream) else None)
            behind = behind or end.position < position
            if end != old:
                ends[stream] = end
        computing = [s for s in ends if s in watched]
        events = (
            log_events(
                timeline,
                min(self._reached[s].position for s in computing),
                max(ends[s].position for s in computing),
            )
            if computing
            else {}
        )
        updates = []
        for stream, end in ends.items():
            steps = None
            if stream in watched:
                try:
                    chunks = replay(self.projections, stream, self._reached[stream], end, events)
                    steps = [step for chunk in chunks for step in chunk]
                except SlotGone:
                    continue
            self._reached[stream] = end
            updates.append(_Update(stream, end, steps))
        if behind:
            self.wake.set()  # more to read: go round again without waiting
        return updates

    # --- on the event loop ---------------------------------------------------------------------

    def _deliver(self, updates: list[_Update]) -> None:
        rendered: dict[tuple[int, Filter], Message | None] = {}
        for update in updates:
            start = self.delivered[update.stream]
            for subscriber in list(self._subscribers[update.stream]):
                if update.steps is None:
                    self._offer(subscriber, Missed(start, update.end))
                    continue
                messages = []
                for step in update.steps:
                    key = (id(step), subscriber.chosen)
                    if key not in rendered:
                        rendered[key] = render(step, subscriber.chosen)
                    message = rendered[key]
                    if message is not None:
                        messages.append(message)
                if len(messages) > 1 and len(messages) > subscriber.room():
                    # A burst (a large batch) larger than the room left: one marker to read it
                    # from the store at the subscriber's pace, rather than cutting it off.
                    self._offer(subscriber, Missed(start, update.end))
                    continue
                for message in messages:
                    if not self._offer(subscriber, message):
                        break
            self.delivered[update.stream] = update.end

    def _offer(self, subscriber: Subscriber, item: Any) -> bool:
        already = subscriber.overflowed
        taken = subscriber.offer(item)
        if not taken and not already:
            self.metrics.stream_overflows.inc()
        return taken

    def subscribe(self, stream: str, chosen: Filter) -> Subscriber:
        """Join ``stream``: live steps after the point delivered so far will be queued."""
        subscriber = Subscriber(
            stream, chosen, self.delivered[stream], asyncio.Queue(self.queue_size)
        )
        self._subscribers[stream].add(subscriber)
        self._watched = frozenset(s for s, subs in self._subscribers.items() if subs)
        self.metrics.stream_subscribers.labels(stream).inc()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber in self._subscribers[subscriber.stream]:
            self._subscribers[subscriber.stream].discard(subscriber)
            self._watched = frozenset(s for s, subs in self._subscribers.items() if subs)
            self.metrics.stream_subscribers.labels(subscriber.stream).dec()

    async def messages(
        self, stream: str, chosen: Filter, start: Point | None, closing: anyio.Event
    ) -> AsyncIterator[bytes]:
        """What a new subscriber to ``stream`` is sent: the steps it missed since ``start``
        (read from the store), then live steps, until it disconnects, overflows or
        ``closing`` is set (the server is stopping: the stream then ends cleanly). Messages
        already waiting go out together in one write: under load, fewer and larger sends.
        It joins when the response starts, so a client gone before then leaves nothing."""
        subscriber = self.subscribe(stream, chosen)
        if start is not None and start.day is None and dated(stream):
            start = Point(start.position, subscriber.joined.day)  # a view read's position: today
        last = subscriber.joined
        queue = subscriber.queue

        async def close_when_stopping() -> None:
            await closing.wait()
            subscriber.close()

        watcher = asyncio.create_task(close_when_stopping())
        try:
            if start is not None:
                async for data in self._replayed(subscriber, start, subscriber.joined):
                    yield data
                last = subscriber.joined
            held: Any = None
            while True:
                item = held if held is not None else await queue.get()
                held = None
                if item is CLOSED:
                    return
                if item is OVERFLOW:
                    yield overflow_message(last, self.queue_size)
                    return
                if isinstance(item, Missed):
                    async for data in self._replayed(subscriber, item.start, item.end):
                        yield data
                    last = item.end
                    continue
                parts = [item.data]
                last = item.point
                while len(parts) < COALESCE_MOST and not queue.empty():
                    following = queue.get_nowait()
                    if not isinstance(following, Message):
                        held = following
                        break
                    parts.append(following.data)
                    last = following.point
                yield b"".join(parts)
                self.metrics.stream_messages.inc(len(parts))
        finally:
            watcher.cancel()
            self.unsubscribe(subscriber)

    async def _replayed(
        self, subscriber: Subscriber, start: Point, end: Point
    ) -> AsyncIterator[bytes]:
        """The messages from ``start`` to ``end`` for ``subscriber``, read from the store a
        chunk at a time (each chunk's messages joined)."""
        chunks: Iterator[list[Step]] = replay(self.projections, subscriber.stream, start, end)
        while True:
            chunk = await anyio.to_thread.run_sync(next, chunks, None)
            if chunk is None:
                return
            rendered = [render(step, subscriber.chosen) for step in chunk]
            messages = [m for m in rendered if m is not None]
            if messages:
                self.metrics.stream_messages.inc(len(messages))
                yield b"".join(m.data for m in messages)
