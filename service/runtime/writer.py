"""One writer thread per process: appends are queued and committed in groups.

SQLite takes one writer at a time, and each commit pays for a sync to disk. Posts that arrive
while a commit is under way are gathered and stored in the next transaction (group commit), so
concurrent clients share the cost of a commit instead of queueing on the database lock. A batch
is always its own transaction. The event loop never waits on the database: callers await a
future that the writer thread completes.
"""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from domain.timeline import Appended, AppendError, Submission, Timeline
from service.runtime.workers import Worker

Result = list[Appended | AppendError]


@dataclass
class _Job:
    submissions: Sequence[Submission]
    atomic: bool
    future: Future[Result] = field(default_factory=Future)


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
    ) -> None:
        self._timeline = timeline
        self._group_max = group_max
        self._on_commit = on_commit
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._in_hand: list[_Job] = []
        self.worker = Worker("timeline-writer", self._run, on_failure=self._fail_in_hand)
        self.worker.start()

    async def append(self, submissions: Sequence[Submission], *, atomic: bool) -> Result:
        job = _Job(submissions, atomic)
        self._jobs.put(job)
        return await asyncio.wrap_future(job.future)

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

    def _take_more(self) -> _Job | None:
        try:
            job = self._jobs.get_nowait()
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
            while size < self._group_max:
                nxt = self._take_more()
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
                self._commit(group, atomic=False)

    def _commit(self, jobs: list[_Job], *, atomic: bool) -> None:
        submissions = [s for job in jobs for s in job.submissions]
        try:
            results = self._timeline.append(submissions, atomic=atomic)
        except BaseException as error:  # every waiting caller must hear of the failure
            for job in jobs:
                job.future.set_exception(error)
            self._in_hand = [j for j in self._in_hand if not j.future.done()]
            return
        start = 0
        for job in jobs:
            end = start + len(job.submissions)
            job.future.set_result(results[start:end])
            start = end
        self._in_hand = [j for j in self._in_hand if not j.future.done()]
        self.worker.succeeded()
        self._on_commit()

    def _fail_in_hand(self) -> None:
        for job in self._in_hand:
            if not job.future.done():
                job.future.set_exception(WriterFailed("the writer failed while storing this"))
        self._in_hand = []
