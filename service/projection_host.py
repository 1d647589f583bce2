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
from service.storage.projector_lock import ProjectorLock

POLL_SECONDS = 0.2
STANDBY_SECONDS = 1.0  # how often a standing-by process offers to take over


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
    lock (one projector among all processes) and otherwise stands by to take over."""

    def __init__(self, timeline: Timeline, lock: ProjectorLock | None = None) -> None:
        self.timeline = timeline
        self.lock = lock
        self.store = open_views(timeline)
        self.runner = Runner(timeline, self.store)
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
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
        self._thread = threading.Thread(target=self.project, name="projection-runner", daemon=True)
        self._thread.start()

    def project(self, on_standby: Callable[[], None] = lambda: None) -> None:
        """Run the projections until stopped, whenever this process holds the lock."""
        try:
            while not self._stop.is_set():
                if self.lock is None or self.lock.try_acquire():
                    self.runner.run_forever(self._stop, self.wake, POLL_SECONDS)
                else:
                    on_standby()
                    self._stop.wait(STANDBY_SECONDS)
        finally:
            if self.lock is not None:
                self.lock.release()

    def stop(self) -> None:
        """Stop projecting (from another thread, or a signal handler)."""
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
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
