"""Rebuilding views from position 0: into new slots while the old ones keep serving, then
switching (``rebuild``, ``rebuild_views``); in the background for the HTTP API, with progress to
show (``Rebuilds``).

A rebuild fills its slots in bulk (``projections.bulk``): each row version is written once,
already closed, in large batches. ``build`` can share the slots out among processes, a group of
views to each: every process reads the whole log, builds its own slots and writes them in its
own transactions (in SQLite one at a time, taking turns through a lock; PostgreSQL lets them
write at once). Each slot keeps its own tracking position, so the processes never write the
same tracking row.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from domain.timeline import Timeline
from projections.bulk import FLUSH_ROWS, BulkBuilder
from projections.ports import Slot, ViewStorage

# What a view costs a rebuild, relative to one another: computing and writing its rows, each
# view built alone on the 20k-event synthetic log (CPU per event above reading and decoding:
# 78, 29, 29, 12 and ~3 us). Only used to share views out among processes; a view not listed
# counts 1.
WEIGHTS = {
    "active-export-controls": 2.7,
    "timeline": 1.0,
    "funding": 1.0,
    "goals": 0.4,
    "tariffs": 0.1,
}
# Below this many events a second process costs more to start (~0.5 s) than it saves.
PROCESSES_FROM = 20_000
# Row versions per transaction in PostgreSQL: the store prepares a batch inside its
# transaction, and the library has the server end a transaction idle for 5 s (a 10,000-row
# batch took ~1.5 s to prepare on a quiet machine; the open rows written at the end of a
# 100k-event rebuild, in one batch, took over 5 s on a loaded one).
POSTGRES_FLUSH_ROWS = 5_000


def rebuild(
    timeline: Timeline,
    store: ViewStorage,
    view: str,
    progress: Callable[[int], None] = lambda _: None,
) -> int:
    """Rebuild ``view`` from position 0 into a new slot while the old one keeps serving, then
    make it the active one. Runners following the old slot switch on their next batch."""
    return rebuild_views(timeline, store, [view], progress, processes=1)


def rebuild_views(
    timeline: Timeline,
    store: ViewStorage,
    views: Sequence[str],
    progress: Callable[[int], None] = lambda _: None,
    processes: int | None = None,
) -> int:
    """Rebuild ``views`` as :func:`rebuild` does one, building them together (see
    :func:`build`); each view is made active as soon as all are built."""
    slots = [store.new_slot(view) for view in views]
    try:
        applied = build(timeline, store, slots, progress, processes)
        for slot in slots:
            store.activate(slot)
    except BaseException:
        for slot in slots:
            if not slot.active:
                store.drop_slot(slot)
        raise
    return applied


def build(
    timeline: Timeline,
    store: ViewStorage,
    slots: Sequence[Slot],
    progress: Callable[[int], None] = lambda _: None,
    processes: int | None = None,
) -> int:
    """Fill the empty ``slots`` from the log, up to its end; returns how many events were
    applied (by this process: every process applies all of them to its own slots).

    ``processes``: at most this many, never more than there are slots, and one for an
    in-memory database; by default one per core, or one for a log too short to be worth
    another. This process builds the first group of slots while the others build the rest."""
    groups = _groups(list(slots), _processes(timeline, processes, len(slots)))
    env = dict(timeline.env)
    sqlite = env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite"
    flush_rows = FLUSH_ROWS if sqlite else POSTGRES_FLUSH_ROWS
    if len(groups) == 1:
        return BulkBuilder(timeline, store, groups[0], flush_rows=flush_rows).run(progress)
    context = multiprocessing.get_context("spawn")  # no inherited connections or threads
    results: Any = context.Queue()
    # SQLite has one writer at a time: the processes take turns through a lock of their own.
    # PostgreSQL lets them write their own slots at once.
    lock = context.Lock() if sqlite else None
    children = [
        context.Process(
            target=_build_in_child,
            args=(env, [s.slot for s in group], results, lock, flush_rows),
            name=f"rebuild-{'-'.join(s.view for s in group)}",
            daemon=True,
        )
        for group in groups[1:]
    ]
    for child in children:
        child.start()
    try:
        applied = BulkBuilder(
            timeline, store, groups[0], flush_rows=flush_rows, write_lock=lock
        ).run(progress)
        for _ in children:
            outcome = _result(results, children)
            if isinstance(outcome, str):
                raise RuntimeError(f"a rebuild process failed: {outcome}")
        for child in children:
            child.join()
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
                child.join()
    return applied


def _processes(timeline: Timeline, asked: int | None, slots: int) -> int:
    name = str(timeline.env.get("SQLITE_DBNAME", ""))
    if name == ":memory:" or "mode=memory" in name:
        return 1
    if asked is None:
        asked = (os.cpu_count() or 1) if timeline.position() >= PROCESSES_FROM else 1
    return max(1, min(asked, slots))


def _groups(slots: list[Slot], count: int) -> list[list[Slot]]:
    """``slots`` in ``count`` groups of about equal weight, heaviest first (the first group
    is built by this process)."""
    groups: list[list[Slot]] = [[] for _ in range(count)]
    weights = [0.0] * count
    for slot in sorted(slots, key=lambda s: -WEIGHTS.get(s.view, 1.0)):
        lightest = weights.index(min(weights))
        groups[lightest].append(slot)
        weights[lightest] += WEIGHTS.get(slot.view, 1.0)
    return [g for g in groups if g]


def _result(results: Any, children: list[Any]) -> int | str:
    """The next child's outcome: the events it applied, or its error as text."""
    while True:
        try:
            return results.get(timeout=1.0)  # type: ignore[no-any-return]
        except queue.Empty:
            if not any(c.is_alive() for c in children):
                try:
                    return results.get(timeout=1.0)  # type: ignore[no-any-return]
                except queue.Empty:
                    return "a rebuild process ended without an answer"


def _build_in_child(
    env: dict[str, str], numbers: list[int], results: Any, lock: Any, flush_rows: int
) -> None:
    """A rebuild process: its own timeline and view store on the same database."""
    from service.bootstrap import tune_garbage_collector
    from service.storage.views import view_store

    try:
        tune_garbage_collector()
        timeline = Timeline(env=env)
        try:
            store = view_store(timeline)
            slots = [s for s in store.slots() if s.slot in numbers]
            if len(slots) != len(numbers):
                raise RuntimeError("a slot to build is gone (dropped by another rebuild?)")
            builder = BulkBuilder(timeline, store, slots, flush_rows=flush_rows, write_lock=lock)
            results.put(builder.run())
        finally:
            timeline.close()
    except BaseException as error:
        results.put(f"{type(error).__name__}: {error}")
        raise


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
