"""Runs the projections for one process (reads go through ``self.views``, rebuilds through
``self.rebuilds``).

In ``serve`` the runner is a background thread woken by this process's writer after each
commit (and polling for events written by other processes); ``policy-timeline project`` runs
the same loop as a process of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from domain.timeline import Timeline
from projections.runner import Runner
from service.queries.reader import ViewReader
from service.runtime.rebuilds import Rebuilds
from service.runtime.workers import Worker
from service.storage.process_lock import ProcessLock
from service.storage.transient import discard_broken
from service.storage.views import open_views

POLL_SECONDS = 0.2
STANDBY_SECONDS = 1.0  # how often a standing-by process offers to take over
LOCK_CHECK_SECONDS = 1.0  # how often the projector confirms it still holds the lock


class ProjectionHost:
    """Views for one process. With a ``lock``, the runner projects only while it holds the
    lock (one projector among all processes) and otherwise stands by to take over. The runner
    is a supervised worker: a failure (the database restarting) is logged, the runner forgets
    what it read, gives up the lock (its session may have died with the database) and starts
    again after a pause."""

    def __init__(self, timeline: Timeline, lock: ProcessLock | None = None) -> None:
        self.timeline = timeline
        self.lock = lock
        self.store = open_views(timeline)
        self.runner = Runner(timeline, self.store)
        self.wake = threading.Event()
        self.worker = Worker("projection-runner", self._project, on_failure=self._after_failure)
        self.on_standby: Callable[[], None] = lambda: None
        self._lock_confirmed = time.monotonic()
        self._advanced = threading.Condition()
        self.runner.listeners.append(self._on_advance)
        self.views = ViewReader(timeline, self.store, self.wait_for)
        self.rebuilds = Rebuilds(timeline, self.store, on_done=self.wake.set)

    # --- running -------------------------------------------------------------------------------

    def catch_up(self, seconds: float) -> None:
        if self.lock is not None and not self.lock.try_acquire():
            return  # another process projects
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.runner.run_once():
            pass

    def start(self) -> None:
        """Project in a background thread."""
        self.worker.start()

    def project(self, on_standby: Callable[[], None] = lambda: None) -> None:
        """Project in the calling thread until :meth:`stop` (``policy-timeline project``)."""
        self.on_standby = on_standby
        self.worker.run()

    def _project(self, worker: Worker) -> None:
        while not worker.stopping.is_set():
            if self.lock is None or self.lock.try_acquire():
                self.runner.run_forever(
                    worker.stopping, self.wake, POLL_SECONDS, lambda: self._after_pass(worker)
                )
            else:
                worker.standing_by()
                self.on_standby()
                worker.stopping.wait(STANDBY_SECONDS)
        if self.lock is not None:
            self.lock.release()

    def _after_pass(self, worker: Worker) -> None:
        worker.succeeded()
        if self.lock is not None and time.monotonic() - self._lock_confirmed > LOCK_CHECK_SECONDS:
            self.lock.confirm()
            self._lock_confirmed = time.monotonic()

    def _after_failure(self) -> None:
        self.runner.reset()
        if self.lock is not None:
            self.lock.release()
        discard_broken(self.timeline.factory.datastore)  # type: ignore[attr-defined]

    def stop(self) -> None:
        """Stop projecting (from another thread, or a signal handler)."""
        self.worker.stopping.set()
        self.wake.set()
        self.worker.stop()
        self.rebuilds.join()

    def _on_advance(self) -> None:
        with self._advanced:
            self._advanced.notify_all()

    def wait_for(self, view: str, position: int, timeout: float) -> bool:
        """Block until ``view`` has applied ``position`` (True) or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        with self._advanced:
            while self.views.position(view) < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.wake.set()
                self._advanced.wait(min(remaining, POLL_SECONDS))
        return True
