"""One writer thread per process: appends are queued and committed in groups.

SQLite takes one writer at a time, and each commit pays for a sync to disk. Posts that arrive
while a commit is under way are gathered and stored in the next transaction (group commit), so
concurrent clients share the cost of a commit instead of queueing on the database lock. A batch
is always its own transaction. The event loop never waits on the database: callers await a
future that the writer thread completes.

While posts come concurrently (the last group held more than one), the writer lingers up to
``LINGER_SECONDS`` for as many posts as the last group held before it commits: the event loop
meanwhile reads and validates them without this thread taking the interpreter from it, and
fewer, larger commits cost less per event (measured with 32 clients: about a tenth more posts
per second, and up to a tenth less CPU per post). A lone client never waits: its groups hold
one post.

The hand-off is kept cheap for the event loop, which shares the interpreter with this thread:
a post is queued on a ``queue.SimpleQueue`` (no Python-level locking), and the answers of a
whole group reach the loop in one ``call_soon_threadsafe`` (not one wake-up per post).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from domain.timeline import Appended, AppendError, Submission, Timeline
from service.runtime.workers import Worker

Result = list[Appended | AppendError]
LINGER_SECONDS = 0.002


@dataclass
class _Job:
    submissions: Sequence[Submission]
    atomic: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Result]
    settled: bool = field(default=False)  # answered by the writer thread (set there only)


class WriterFailed(RuntimeError):
    """The writer thread failed while holding this post; it was not stored by this attempt."""


class Writer:
    """The writer thread is a supervised worker: should its loop itself fail, the posts it
    held are answered with the error and the loop starts again for the rest."""

    def __init__(
        self,
        timeline: Timeline,
        group_max: int = 512,
        on_commit: Callable[[], None] = lambda: None,
        linger: float = LINGER_SECONDS,
    ) -> None:
        self._timeline = timeline
        self._group_max = group_max
        self._linger = linger
        self._last_group = 1  # posts in the last group committed
        self._on_commit = on_commit
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._in_hand: list[_Job] = []
        self.worker = Worker("timeline-writer", self._run, on_failure=self._fail_in_hand)
        self.worker.start()

    async def append(self, submissions: Sequence[Submission], *, atomic: bool) -> Result:
        loop = asyncio.get_running_loop()
        job = _Job(submissions, atomic, loop, loop.create_future())
        self._jobs.put(job)
        return await job.future

    def close(self) -> None:
        """Stop after storing what is queued."""
        self._jobs.put(None)
        self.worker.stop(timeout=30)

    def _take(self) -> _Job | None:
        job = self._jobs.get()
        if job is None:
            self.worker.stopping.set()
        else:
            self._in_hand.append(job)
        return job

    def _take_more(self, wait: float = 0.0) -> _Job | None:
        try:
            job = self._jobs.get(timeout=wait) if wait > 0 else self._jobs.get_nowait()
        except queue.Empty:
            return None
        if job is None:
            self.worker.stopping.set()
        else:
            self._in_hand.append(job)
        return job

    def _run(self, worker: Worker) -> None:
        while not worker.stopping.is_set() or not self._jobs.empty():
            job = self._take()
            if job is None:
                return
            if job.atomic:
                self._commit([job], atomic=True)
                continue
            group = [job]
            size = len(job.submissions)
            expected = min(self._last_group, self._group_max) if self._linger > 0 else 1
            deadline = time.monotonic() + self._linger
            while size < self._group_max:
                nxt = self._take_more()
                if nxt is None and size < expected:
                    nxt = self._take_more(wait=deadline - time.monotonic())
                if nxt is None:
                    break
                if nxt.atomic:
                    self._commit(group, atomic=False)
                    group, size = [], 0
                    self._commit([nxt], atomic=True)
                    break
                group.append(nxt)
                size += len(nxt.submissions)
            if group:
                self._last_group = size
                self._commit(group, atomic=False)

    def _commit(self, jobs: list[_Job], *, atomic: bool) -> None:
        submissions = [s for job in jobs for s in job.submissions]
        try:
            results = self._timeline.append(submissions, atomic=atomic)
        except BaseException as error:  # every waiting caller must hear of the failure
            _settle([(job, error) for job in jobs])
            self._in_hand = [j for j in self._in_hand if not j.settled]
            return
        answers: list[tuple[_Job, Result | BaseException]] = []
        start = 0
        for job in jobs:
            end = start + len(job.submissions)
            answers.append((job, results[start:end]))
            start = end
        _settle(answers)
        self._in_hand = [j for j in self._in_hand if not j.settled]
        self.worker.succeeded()
        self._on_commit()

    def _fail_in_hand(self) -> None:
        failed = [job for job in self._in_hand if not job.settled]
        _settle([(job, WriterFailed("the writer failed while storing this")) for job in failed])
        self._in_hand = []


def _settle(answers: list[tuple[_Job, Result | BaseException]]) -> None:
    """Hand answers to their event loops (from the writer thread): one call per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Job, Result | BaseException]]] = {}
    for job, answer in answers:
        job.settled = True
        by_loop.setdefault(job.loop, []).append((job, answer))
    for loop, delivered in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(_deliver, delivered)


def _deliver(answers: list[tuple[_Job, Result | BaseException]]) -> None:
    """Complete the callers' futures (in their event loop's thread)."""
    for job, answer in answers:
        if job.future.done():  # the caller went away (cancelled)
            continue
        if isinstance(answer, BaseException):
            job.future.set_exception(answer)
        else:
            job.future.set_result(answer)
