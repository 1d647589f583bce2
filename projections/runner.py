"""The runner: follows the log and applies each event to each view exactly once.

For every event it recomputes the rows of the event's policy in each view that consumes its
type (from the policy's events up to that position, corrections applied), closes the rows that
changed and opens their replacements; an event that only adds rows to a view
(``projections.incremental``: a timeline entry) has them added without recomputing the others.
A batch of events is written in one transaction together with each slot's tracking position,
so a runner killed at any point resumes from the last committed position with nothing lost and
nothing applied twice: the tracking insert fails on a position already recorded, which rolls
the whole batch back.

Rebuilds take another path (``projections.bulk``), which writes the versions a runner given
the new slots would write; tests still build their references with one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from eventsourcing.persistence import Notification

from domain import materials
from domain.lifecycle import ABOUT_EVENTS, effective_facts
from domain.log_index import LogQuery
from domain.timeline import Timeline
from projections.incremental import AFFECTS_FROM_IN, ROWS_ADDED
from projections.ports import Slot, StoredRow, ViewStorage, WriteBatch
from projections.registry import VIEWS
from projections.rows import PolicyFacts, Row

BATCH = 500  # events per transaction while following the log (a commit's latency)
# A rebuild has no reader waiting on each commit: larger transactions measured 2,380 -> 2,680
# events/s on a 20k-event log (medians of 3; 2,000 and 5,000 alike).
REBUILD_BATCH = 5_000
# Policies whose facts, and (slot, policy) pairs whose current rows, are kept in memory between
# their events; the rest are read back from the store when their next event comes. Both are
# bounded: a rebuild of a 1M-event log (~94k policies) would otherwise hold every policy's facts
# and every view's rows at once. On the 100k-event synthetic log (9.4k policies) a rebuild
# peaked at 681 MiB with every policy's rows and facts kept; at these sizes, 457 MiB, at the
# same speed (2,830 against 2,860 events/s, one run each); a 1M-event rebuild peaked at 502 MiB.
POLICY_CACHE = 5_000
ROWS_CACHE = 10_000


@dataclass
class KnownFacts:
    """A policy's stored facts as read so far, with where and when each was recorded."""

    facts: list[dict[str, Any]] = field(default_factory=list)
    effective: list[dict[str, Any]] = field(default_factory=list)  # effective_facts(facts)
    positions: dict[str, int] = field(default_factory=dict)
    recorded_at: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=4096)
def _keys(listed: tuple[str, ...]) -> list[str]:
    return list(materials.keys_of(listed))


def match_keys(body: dict[str, Any]) -> list[str]:
    """The material index keys of a row, remembered by the materials listed (rows list the
    same few lists again and again)."""
    return list(_keys(tuple(body.get("materials") or ())))


class Runner:
    """Applies the log to view slots. Without ``slots`` it follows every view's active slot
    (re-read before each batch, so a rebuild activated by any process is picked up); with
    ``slots`` it builds just those (a rebuild). Each slot keeps its own position."""

    def __init__(
        self,
        timeline: Timeline,
        store: ViewStorage,
        slots: list[Slot] | None = None,
        *,
        policy_cache: int = POLICY_CACHE,
        rows_cache: int = ROWS_CACHE,
    ) -> None:
        self.timeline = timeline
        self.policy_cache = policy_cache
        self.rows_cache = rows_cache
        self.batch = BATCH if slots is None else REBUILD_BATCH
        self.store = store
        self._fixed = slots
        self.slots: list[Slot] = list(slots) if slots is not None else []
        self._known: OrderedDict[str, KnownFacts] = OrderedDict()
        self._current: OrderedDict[tuple[int, str], list[StoredRow]] = OrderedDict()
        self._evicted: set[tuple[int, str]] = set()  # left _current; ask the store for them
        self._next_local = -1
        self._positions: dict[int, int] | None = None  # slot -> position, as last written
        # Slots this runner builds from empty: every row they hold passed through _current, so
        # a policy missing there has no rows and needs no query (a rebuild on PostgreSQL spent
        # most of its time asking, one round trip per event and view).
        self._from_empty = {s.slot for s in slots or () if store.position(s) == 0}
        self.listeners: list[Callable[[], None]] = []  # told after each committed batch

    def position(self) -> int:
        return min((self.store.position(s) for s in self._slots()), default=0)

    def _slots(self) -> list[Slot]:
        if self._fixed is None:
            active = self.store.active_slots()
            if [s.slot for s in active] != [s.slot for s in self.slots]:
                self._current.clear()
                self._positions = None
            self.slots = active
        return self.slots

    def run_once(self, limit: int | None = None) -> int:
        """Apply the next events (at most ``limit``, default the runner's batch); return how
        many were read."""
        slots = self._slots()
        if self._positions is None:
            # Read once, then kept as written; a stale copy (another runner moved a slot on)
            # makes the tracking insert fail, which resets it.
            self._positions = {s.slot: self.store.position(s) for s in slots}
        positions = self._positions
        if not positions:
            return 0
        notifications = self.timeline.recorder.select_notifications(
            start=min(positions.values()), limit=limit or self.batch, inclusive_of_start=False
        )
        if not notifications:
            return 0
        batch = WriteBatch.empty()
        pending: dict[tuple[int, str], list[StoredRow]] = {}
        for notification in notifications:
            behind = [s for s in slots if positions[s.slot] < notification.id]
            self._apply(notification, behind, batch, pending)
        for slot in slots:
            if positions[slot.slot] < notifications[-1].id:
                batch.positions[slot.slot] = notifications[-1].id
        try:
            self.store.write(batch)
        except Exception:
            self._forget()  # a slot was replaced, or another runner moved on: start again
            raise
        positions.update(batch.positions)
        assigned = batch.assigned or {}
        for key, rows in pending.items():
            self._current[key] = [
                StoredRow(assigned.get(r.id, r.id), r.entity, r.valid_from, r.valid_until, r.body)
                for r in rows
            ]
            self._current.move_to_end(key)
        while len(self._current) > self.rows_cache:
            evicted, _ = self._current.popitem(last=False)
            self._evicted.add(evicted)
        for listener in self.listeners:
            listener()
        return len(notifications)

    def run_until_caught_up(self, progress: Callable[[int], None] = lambda _: None) -> int:
        total = 0
        while True:
            applied = self.run_once()
            if not applied:
                return total
            total += applied
            progress(applied)

    def run_forever(
        self,
        stop: threading.Event,
        wake: threading.Event,
        poll: float,
        after_pass: Callable[[], None] = lambda: None,
    ) -> None:
        """Apply events as they arrive: woken by ``wake`` (set by this process's writer) or
        every ``poll`` seconds (events written by other processes); ``after_pass`` is called
        after each pass that reached the store. A failure is raised to the caller, which
        starts again after :meth:`reset` (``service.runtime.workers`` does, after a pause)."""
        while not stop.is_set():
            applied = self.run_once()
            after_pass()
            if applied:
                continue
            wake.wait(poll)
            wake.clear()

    def reset(self) -> None:
        """Forget what was read: the next batch reads positions and rows from the store."""
        self._forget()

    # --- one event -----------------------------------------------------------------------------

    def _apply(
        self,
        notification: Notification,
        slots: list[Slot],
        batch: WriteBatch,
        pending: dict[tuple[int, str], list[StoredRow]],
    ) -> None:
        event = self.timeline.mapper.to_domain_event(notification)
        fact: dict[str, Any] = event.fact  # type: ignore[attr-defined]
        policy_id = fact["policy_id"]
        known = self._facts_before(policy_id, notification)
        known.facts.append(fact)
        if fact["type"] in ABOUT_EVENTS:
            known.effective = effective_facts(known.facts)
        else:
            # An event that corrects or retracts nothing only adds itself: no need to apply
            # every correction again (that copy of each fact was 6 % of a rebuild).
            known.effective.append(fact)
        known.positions[fact["event_id"]] = notification.id
        known.recorded_at[fact["event_id"]] = event.timestamp.isoformat()  # type: ignore[attr-defined]
        policy = PolicyFacts(policy_id, list(known.effective), known.positions, known.recorded_at)
        for slot in slots:
            view = VIEWS[slot.view]
            if view.consumes and fact["type"] not in view.consumes:
                continue
            key = (slot.slot, policy_id)
            current = pending.get(key)
            if current is None:
                current = self._current.get(key)
            if current is None:
                current = (
                    [] if slot.slot in self._from_empty and key not in self._evicted
                    else self.store.current_rows(slot, policy_id)
                )  # fmt: skip
            step = ROWS_ADDED.get(view.name)
            added_only = step(policy, fact) if step is not None else None
            if added_only is not None:
                # The event only adds rows (projections.incremental): nothing to compare.
                stored = list(current)
                for new in added_only:
                    stored.append(self._insert(batch, slot, policy_id, new, notification.id))
                pending[key] = stored
                continue
            affects_in = AFFECTS_FROM_IN.get(view.name)
            since = affects_in(policy.facts, fact) if affects_in else view.affects_from(fact)
            if since is not None:
                # Entries of days before the event takes effect cannot change: keep the rows that
                # end by then and recompute from the start of the row that spans that day.
                day = since.toordinal()
                cut = min([r.valid_from for r in current if r.valid_from < day < r.valid_until],
                          default=day)  # fmt: skip
                untouched = [r for r in current if r.valid_until <= cut]
                current = [r for r in current if r.valid_until > cut]
                new_rows: list[Row] = view.rows(policy, date.fromordinal(cut))
            else:
                untouched = []
                new_rows = view.rows(policy)
            kept, removed, added = _diff(current, new_rows)
            kept = untouched + kept
            if not removed and not added:
                continue
            for gone in removed:
                batch.close(gone.id, slot.slot, notification.id)
            stored = list(kept)
            for new in added:
                stored.append(self._insert(batch, slot, policy_id, new, notification.id))
            pending[key] = stored

    def _insert(
        self, batch: WriteBatch, slot: Slot, policy_id: str, new: Row, position: int
    ) -> StoredRow:
        local = self._next_local
        self._next_local -= 1
        batch.insert(local, slot.slot, policy_id, new, position, match_keys(new.body))
        return StoredRow(local, new.entity, _num(new.valid_from, 1), _num(new.valid_until),
                         new.body)  # fmt: skip

    def _facts_before(self, policy_id: str, notification: Notification) -> KnownFacts:
        known = self._known.get(policy_id)
        if known is not None and len(known.facts) == notification.originator_version - 1:
            self._known.move_to_end(policy_id)
            return known
        known = KnownFacts()
        if notification.originator_version > 1:
            # Not in memory (first sight since start, or evicted): read the policy's earlier
            # events and their positions from the store.
            policy = self.timeline.policy_at(policy_id, notification.originator_version - 1)
            rows = self.timeline.index.find(LogQuery(policy_id=policy_id, limit=1_000_000))
            for row in rows:
                if row.version < notification.originator_version:
                    known.positions[row.event_id] = row.position
                    known.recorded_at[row.event_id] = row.recorded_at.isoformat()
            known.facts = list(policy.facts)
            known.effective = effective_facts(known.facts)
        self._known[policy_id] = known
        if len(self._known) > self.policy_cache:
            self._known.popitem(last=False)
        return known

    def _forget(self) -> None:
        self._known.clear()
        self._current.clear()
        self._evicted.clear()
        self._positions = None
        self._from_empty.clear()


def _num(value: Any, open_value: int = 2_147_483_647) -> int:
    return value.toordinal() if value is not None else open_value


def _diff(
    current: list[StoredRow], new_rows: list[Row]
) -> tuple[list[StoredRow], list[StoredRow], list[Row]]:
    """Rows to keep, to close and to open so that ``current`` becomes ``new_rows``."""
    wanted: dict[tuple[str, int, int], list[Row]] = {}
    for row in new_rows:
        wanted.setdefault((row.entity, _num(row.valid_from, 1), _num(row.valid_until)), []).append(
            row
        )
    kept, removed = [], []
    for stored in current:
        candidates = wanted.get((stored.entity, stored.valid_from, stored.valid_until), [])
        same = next((r for r in candidates if r.body == stored.body), None)
        if same is None:
            removed.append(stored)
        else:
            kept.append(stored)
            candidates.remove(same)
    return kept, removed, [r for rows in wanted.values() for r in rows]
