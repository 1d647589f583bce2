"""Rebuilding view slots from position 0 in bulk: the rows a :class:`~projections.runner.Runner`
would write, without its per-event round trips.

The runner writes every row version when it is opened and closes it, with an UPDATE, when a
later event replaces it; it keeps each policy's current rows in a bounded cache and reads the
rest back from the store. A rebuild has no reader waiting on its slots, so it can hold each
policy's open rows in memory until they are closed and write each version once, already closed
(``sys_until`` known): inserts only, in large batches. The versions are the runner's: each
event is applied as :meth:`Runner._apply` applies it (the same ``affects_from`` cut, the same
diff, the same steps of ``projections.incremental``), only the writing differs.
``tests/store/test_bulk_rebuild.py`` checks that both write the same versions.

Memory is bounded as the runner's is: at most ``held`` policies keep their facts and open rows
in memory (least recently changed first out). An evicted policy's open rows are written as
current rows; should the policy have a later event, its facts and current rows are read back
from the log and the store, and the rows it then replaces are closed in the store.

Positions: the tracking table keeps one position per slot and refuses a write whose position
is not greater than the last one's. The last write records the last event's position; the
writes before it record stand-ins below that (1, 2, ...: what matters is that they rise), so
that the open rows left at the end can be written in batches too (in PostgreSQL a transaction
is cut off after 5 s idle, which preparing one huge batch took). The slots are complete only
after the last write: a bulk rebuild fills slots nobody reads until they are activated, and an
interrupted one is dropped, never resumed (``service.runtime.rebuilds``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder, Notification

from domain.lifecycle import ABOUT_EVENTS, effective_facts
from domain.log_index import LogQuery
from domain.policy import Policy
from domain.timeline import Timeline
from projections.incremental import AFFECTS_FROM_IN, ROWS_ADDED
from projections.ports import INF, Slot, ViewStorage, WriteBatch
from projections.registry import VIEWS
from projections.rows import PolicyFacts, Row
from projections.runner import KnownFacts, match_keys
from projections.spec import ViewSpec

PAGE = 5_000  # events read per select_notifications call
FLUSH_ROWS = 10_000  # row versions per write (one transaction)
# Policies whose facts and open rows stay in memory between their events (the least recently
# changed go first), and at most this many facts among them (should a few be very long). On
# the synthetic logs (about 300 policies live at a time) 1,000 read none back; each held
# policy cost ~60 KB (a 100k-event rebuild peaked at 403 MiB holding 5,000, 169 MiB at 1,000).
HELD_POLICIES = 2_000
HELD_FACTS = 50_000


def fact_reader(timeline: Timeline) -> Callable[[Notification], tuple[dict[str, Any], str]]:
    """A function from a stored event to its fact and its record time (ISO text).

    Where the stored state is plain JSON (no cipher, no compressor, events at their first class
    version), the state is decoded with ``orjson`` and its two fields taken directly: that is
    cheaper than the library's mapper, which decodes with ``json`` and an object hook, resolves
    the topic and builds the event object (read + decode measured 111k events/s, through the
    mapper 89k). It gives the same values: a fact is the JSON of a pydantic model (no value the
    transcoder would turn into another type), and the timestamp's text is what the transcoder
    wrote, ``datetime.isoformat()``, which ``fromisoformat`` then ``isoformat`` give back
    unchanged. Otherwise the mapper decodes."""
    mapper = timeline.mapper
    direct = (
        mapper.cipher is None
        and mapper.compressor is None
        and type(mapper.transcoder) is JSONTranscoder
        and getattr(Policy.Opened, "class_version", 1) == 1
        and getattr(Policy.FactRecorded, "class_version", 1) == 1
    )
    if direct:

        def read(notification: Notification) -> tuple[dict[str, Any], str]:
            state = orjson.loads(notification.state)
            return state["fact"], state["timestamp"]["_data_"]

        return read

    def through_mapper(notification: Notification) -> tuple[dict[str, Any], str]:
        event = mapper.to_domain_event(notification)
        return event.fact, event.timestamp.isoformat()  # type: ignore[attr-defined]

    return through_mapper


@dataclass(slots=True)
class _Open:
    """A row current in a slot being built: not written yet (``id`` None, ``row`` set) or
    read back from the store (``id`` set)."""

    id: int | None
    entity: str
    valid_from: int
    valid_until: int
    body: dict[str, Any]
    row: Row | None
    sys_from: int


@dataclass
class _Held(KnownFacts):
    """A policy's facts as read so far (as the runner knows them), and its open rows in each
    slot."""

    open: dict[int, list[_Open]] = field(default_factory=dict)  # slot -> open rows


class BulkBuilder:
    """Builds ``slots`` (each empty, at position 0) from the log, up to its end. Writes are
    made holding ``write_lock``, if given (builders in several processes on one SQLite file
    then take turns at once, instead of in SQLite's busy-wait sleeps of up to 100 ms)."""

    def __init__(
        self,
        timeline: Timeline,
        store: ViewStorage,
        slots: Sequence[Slot],
        *,
        held: int = HELD_POLICIES,
        held_facts: int = HELD_FACTS,
        flush_rows: int = FLUSH_ROWS,
        page: int = PAGE,
        write_lock: AbstractContextManager[Any] | None = None,
    ) -> None:
        for slot in slots:
            if store.position(slot) != 0:
                raise ValueError(f"slot {slot.slot} is not empty: a bulk rebuild starts at 0")
        self.timeline = timeline
        self.store = store
        self.slots = list(slots)
        self.held_limit = held
        self.held_facts_limit = held_facts
        self.flush_rows = flush_rows
        self.page = page
        self.write_lock = write_lock if write_lock is not None else nullcontext()
        self.read = fact_reader(timeline)
        self._views: list[tuple[int, ViewSpec]] = [(s.slot, VIEWS[s.view]) for s in self.slots]
        self._held: OrderedDict[str, _Held] = OrderedDict()
        self._held_facts = 0
        self._evicted: set[str] = set()  # open rows written: read them back from the store
        self._evicted_unwritten: set[str] = set()  # evicted, their rows still in the batch
        self._batch = WriteBatch.empty()
        self._next_local = -1
        self._applied = 0  # position of the last event applied
        self._writes = 0  # writes so far

    def run(self, progress: Callable[[int], None] = lambda _: None) -> int:
        """Apply the log from position 0 to its end (as it is when the last page is read);
        returns how many events were applied."""
        total = 0
        while True:
            page = self.timeline.recorder.select_notifications(
                start=self._applied, limit=self.page, inclusive_of_start=False
            )
            if not page:
                break
            for notification in page:
                self._apply(notification)
            total += len(page)
            progress(len(page))
        if self._applied:
            # Every open row is current: write them, in batches while positions below the
            # last event's are left for them, then the last event's position.
            for policy_id, held in self._held.items():
                self._write_open(policy_id, held)
                if self._size() >= self.flush_rows and self._writes + 1 < self._applied:
                    self._write(self._writes + 1)
            self._held.clear()
            self._write(self._applied)
        return total

    # --- one event -----------------------------------------------------------------------------

    def _apply(self, notification: Notification) -> None:
        position = notification.id
        if self._size() >= self.flush_rows:
            self._flush()
        fact, recorded_at = self.read(notification)
        policy_id = fact["policy_id"]
        if policy_id in self._evicted_unwritten:
            self._flush()  # its rows must be in the store before they can be read back
        held = self._held_before(policy_id, notification)
        held.facts.append(fact)
        self._held_facts += 1
        if fact["type"] in ABOUT_EVENTS:
            held.effective = effective_facts(held.facts)
        else:
            held.effective.append(fact)
        held.positions[fact["event_id"]] = position
        held.recorded_at[fact["event_id"]] = recorded_at
        policy = PolicyFacts(policy_id, held.effective, held.positions, held.recorded_at)
        kind = fact["type"]
        for slot, view in self._views:
            if view.consumes and kind not in view.consumes:
                continue
            self._apply_to(slot, view, policy, fact, held, position)
        self._applied = position

    def _apply_to(
        self,
        slot: int,
        view: ViewSpec,
        policy: PolicyFacts,
        fact: dict[str, Any],
        held: _Held,
        position: int,
    ) -> None:
        """As ``Runner._apply`` for one slot: recompute the rows the event can change, keep
        the equal ones, close the others and open the new ones."""
        current = held.open.get(slot)
        if current is None:
            current = []
            if policy.policy_id in self._evicted:
                current = [
                    _Open(r.id, r.entity, r.valid_from, r.valid_until, r.body, None, 0)
                    for r in self.store.current_rows(_slot_of(self.slots, slot), policy.policy_id)
                ]
        step = ROWS_ADDED.get(view.name)
        added = step(policy, fact) if step is not None else None
        if added is not None:
            # The view's incremental step: the event only adds rows (nothing to diff).
            current.extend(
                _Open(None, row.entity, _day(row.valid_from, 1), _day(row.valid_until, INF),
                      row.body, row, position)
                for row in added
            )  # fmt: skip
            held.open[slot] = current
            return
        affects_in = AFFECTS_FROM_IN.get(view.name)
        since = affects_in(policy.facts, fact) if affects_in else view.affects_from(fact)
        if since is not None:
            cut = day = since.toordinal()
            for o in current:
                if o.valid_from < day < o.valid_until and o.valid_from < cut:
                    cut = o.valid_from
            untouched = [o for o in current if o.valid_until <= cut]
            if untouched:
                current = [o for o in current if o.valid_until > cut]
            new_rows = view.rows(policy, date.fromordinal(cut))
        else:
            untouched = []
            new_rows = view.rows(policy)
        wanted: dict[tuple[str, int, int], list[Row]] = {}
        for row in new_rows:
            key = (row.entity, _day(row.valid_from, 1), _day(row.valid_until, INF))
            wanted.setdefault(key, []).append(row)
        kept = untouched
        changed = False
        for old in current:
            candidates = wanted.get((old.entity, old.valid_from, old.valid_until))
            same = None
            if candidates:
                for index, candidate in enumerate(candidates):
                    if candidate.body == old.body:
                        same = candidates.pop(index)
                        break
            if same is None:
                self._close(old, slot, policy.policy_id, position)
                changed = True
            else:
                kept.append(old)
        for (entity, valid_from, valid_until), rows in wanted.items():
            for row in rows:
                kept.append(_Open(None, entity, valid_from, valid_until, row.body, row, position))
                changed = True
        if changed or slot not in held.open:
            held.open[slot] = kept

    def _close(self, old: _Open, slot: int, policy_id: str, position: int) -> None:
        if old.id is not None:
            self._batch.close(old.id, slot, position)
            return
        local = self._next_local
        self._next_local -= 1
        assert old.row is not None
        self._batch.insert(local, slot, policy_id, old.row, old.sys_from, match_keys(old.body))
        self._batch.close(local, slot, position)

    def _held_before(self, policy_id: str, notification: Notification) -> _Held:
        held = self._held.get(policy_id)
        if held is not None and len(held.facts) == notification.originator_version - 1:
            self._held.move_to_end(policy_id)
            return held
        if held is not None:  # read from position 0 in log order, a stream has no gaps
            raise RuntimeError(
                f"policy {policy_id!r}: version {notification.originator_version} follows "
                f"{len(held.facts)} events read"
            )
        held = _Held()
        if notification.originator_version > 1:
            # Evicted earlier: its earlier events and their positions, from the store.
            version = notification.originator_version - 1
            policy = self.timeline.policy_at(policy_id, version)
            for row in self.timeline.index.find(LogQuery(policy_id=policy_id, limit=1_000_000)):
                if row.version <= version:
                    held.positions[row.event_id] = row.position
                    held.recorded_at[row.event_id] = row.recorded_at.isoformat()
            held.facts = list(policy.facts)
            held.effective = effective_facts(held.facts)
            self._held_facts += len(held.facts)
        self._held[policy_id] = held
        while len(self._held) > 1 and (
            len(self._held) > self.held_limit or self._held_facts > self.held_facts_limit
        ):
            self._evict(next(iter(self._held)))
        return held

    def _evict(self, policy_id: str) -> None:
        held = self._held.pop(policy_id)
        self._held_facts -= len(held.facts)
        self._write_open(policy_id, held)
        self._evicted.add(policy_id)
        self._evicted_unwritten.add(policy_id)

    def _write_open(self, policy_id: str, held: _Held) -> None:
        """Put the policy's rows not written yet into the batch as current rows."""
        for slot, rows in held.open.items():
            for row in rows:
                if row.id is None:
                    assert row.row is not None
                    local = self._next_local
                    self._next_local -= 1
                    self._batch.insert(
                        local, slot, policy_id, row.row, row.sys_from, match_keys(row.body)
                    )

    def _size(self) -> int:
        return len(self._batch.inserts) + len(self._batch.closes)

    def _flush(self) -> None:
        """Write the batch before the next event is applied. Its position is the number of
        writes so far (a stand-in, lower than any later write's and than the last event's:
        each write follows at least one event more, and positions start at 1)."""
        if self._size():
            self._write(self._writes + 1)

    def _write(self, position: int) -> None:
        batch = self._batch
        for slot in self.slots:
            batch.positions[slot.slot] = position
        with self.write_lock:
            self.store.write(batch)
        self._writes += 1
        self._batch = WriteBatch.empty()
        self._evicted_unwritten.clear()


def _day(value: date | None, open_value: int) -> int:
    return value.toordinal() if value is not None else open_value


def _slot_of(slots: list[Slot], number: int) -> Slot:
    return next(s for s in slots if s.slot == number)
