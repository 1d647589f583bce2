"""Runs the projections for one process and answers view reads at any (at, known position).

In ``serve`` the runner is a background thread woken by this process's writer after each
commit (and polling for events written by other processes); ``policy-timeline project`` runs
the same loop as a process of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from eventsourcing.sqlite import SQLiteDatastore

from domain.timeline import Timeline
from projections.registry import VIEWS
from projections.runner import Runner
from projections.store import Slot, ViewStorage, ViewStore
from service.storage.process_lock import ProcessLock
from service.storage.transient import discard_broken
from service.workers import Worker

POLL_SECONDS = 0.2
STANDBY_SECONDS = 1.0  # how often a standing-by process offers to take over
LOCK_CHECK_SECONDS = 1.0  # how often the projector confirms it still holds the lock


class UnknownView(KeyError):
    pass


def view_store(timeline: Timeline) -> ViewStorage:
    """The view store beside the timeline's events, in the same database (tables created)."""
    datastore = timeline.factory.datastore  # type: ignore[attr-defined]
    store: ViewStorage
    if isinstance(datastore, SQLiteDatastore):
        store = ViewStore(datastore=datastore)
    else:
        from projections.store_postgres import PostgresViewStore

        store = PostgresViewStore(datastore=datastore)
    store.create_table()
    return store


def open_views(timeline: Timeline) -> ViewStorage:
    """The view store with an active slot for every view."""
    store = view_store(timeline)
    for name in VIEWS:
        store.ensure_active_slot(name)
    return store


def rebuild(
    timeline: Timeline,
    store: ViewStorage,
    view: str,
    progress: Callable[[int], None] = lambda _: None,
) -> int:
    """Rebuild ``view`` from position 0 into a new slot while the old one keeps serving, then
    make it the active one. Runners following the old slot switch on their next batch."""
    new = store.new_slot(view)
    try:
        applied = Runner(timeline, store, [new]).run_until_caught_up(progress)
        store.activate(new)
    except BaseException:
        store.drop_slot(new)
        raise
    return applied


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
        self.rebuilds: dict[str, dict[str, Any]] = {}

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
        for status in list(self.rebuilds.values()):
            thread = status.get("thread")
            if isinstance(thread, threading.Thread):
                thread.join(timeout=30)

    def _on_advance(self) -> None:
        with self._advanced:
            self._advanced.notify_all()

    def wait_for(self, view: str, position: int, timeout: float) -> bool:
        """Block until ``view`` has applied ``position`` (True) or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        with self._advanced:
            while self.position(view) < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.wake.set()
                self._advanced.wait(min(remaining, POLL_SECONDS))
        return True

    # --- reading -------------------------------------------------------------------------------

    def slot(self, view: str) -> Slot:
        if view not in VIEWS:
            raise UnknownView(view)
        slot = self.store.active_slot(view)
        if slot is None:
            raise UnknownView(view)
        return slot

    def position(self, view: str) -> int:
        return self.store.position(self.slot(view))

    def positions(self) -> dict[str, int]:
        return self.store.active_positions()

    def stab(
        self, view: str, position: int, on: date, *, ended: bool = False
    ) -> list[dict[str, Any]]:
        return self.store.stab(self.slot(view), position, on, ended=ended)

    def scan(self, view: str, position: int, **query: Any) -> list[tuple[str, dict[str, Any]]]:
        return self.store.scan(self.slot(view), position, **query)

    # --- rebuilding ----------------------------------------------------------------------------

    def rebuild_in_background(self, view: str) -> dict[str, Any]:
        running = self.rebuilds.get(view)
        if running is not None and running["state"] == "running":
            return running
        status: dict[str, Any] = {"view": view, "state": "running", "applied": 0}

        def count(applied: int) -> None:
            status["applied"] += applied

        def work() -> None:
            try:
                rebuild(self.timeline, self.store, view, count)
                status["state"] = "done"
                self.wake.set()
            except Exception as error:
                status["state"] = "failed"
                status["error"] = str(error)

        thread = threading.Thread(target=work, name=f"rebuild-{view}", daemon=True)
        status["thread"] = thread
        self.rebuilds[view] = status
        thread.start()
        return status
