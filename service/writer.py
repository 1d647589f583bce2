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
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from domain.timeline import Appended, AppendError, Submission, Timeline

Result = list[Appended | AppendError]


@dataclass
class _Job:
    submissions: Sequence[Submission]
    atomic: bool
    future: Future[Result] = field(default_factory=Future)


class Writer:
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
        self._thread = threading.Thread(target=self._run, name="timeline-writer", daemon=True)
        self._thread.start()

    async def append(self, submissions: Sequence[Submission], *, atomic: bool) -> Result:
        job = _Job(submissions, atomic)
        self._jobs.put(job)
        return await asyncio.wrap_future(job.future)

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if job.atomic:
                self._commit([job], atomic=True)
                continue
            group = [job]
            size = len(job.submissions)
            stop = False
            while size < self._group_max:
                try:
                    nxt = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
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
            if stop:
                return

    def _commit(self, jobs: list[_Job], *, atomic: bool) -> None:
        submissions = [s for job in jobs for s in job.submissions]
        try:
            results = self._timeline.append(submissions, atomic=atomic)
        except BaseException as error:  # every waiting caller must hear of the failure
            for job in jobs:
                job.future.set_exception(error)
            return
        self._on_commit()
        start = 0
        for job in jobs:
            end = start + len(job.submissions)
            job.future.set_result(results[start:end])
            start = end
