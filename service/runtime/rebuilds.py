"""Rebuilding views from position 0: into a new slot while the old one keeps serving, then
switching (``rebuild``); in the background for the HTTP API, with progress to show
(``Rebuilds``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from domain.timeline import Timeline
from projections.ports import ViewStorage
from projections.runner import Runner


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


class Rebuilds:
    """Rebuilds running in background threads, one per view at a time, and how each went:
    ``{"view", "state": running|done|failed, "applied", "error"?}``."""

    def __init__(self, timeline: Timeline, store: ViewStorage, on_done: Callable[[], None]) -> None:
        self.timeline = timeline
        self.store = store
        self.on_done = on_done
        self._status: dict[str, dict[str, Any]] = {}
        self._threads: list[threading.Thread] = []

    def get(self, view: str) -> dict[str, Any] | None:
        return self._status.get(view)

    def start(self, view: str) -> dict[str, Any]:
        running = self._status.get(view)
        if running is not None and running["state"] == "running":
            return running
        status: dict[str, Any] = {"view": view, "state": "running", "applied": 0}

        def count(applied: int) -> None:
            status["applied"] += applied

        def work() -> None:
            try:
                rebuild(self.timeline, self.store, view, count)
                status["state"] = "done"
                self.on_done()
            except Exception as error:
                status["state"] = "failed"
                status["error"] = str(error)

        thread = threading.Thread(target=work, name=f"rebuild-{view}", daemon=True)
        self._status[view] = status
        self._threads.append(thread)
        thread.start()
        return status

    def join(self, timeout: float = 30) -> None:
        for thread in self._threads:
            thread.join(timeout=timeout)
