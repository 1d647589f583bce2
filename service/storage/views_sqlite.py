"""Where the views live: system-versioned rows in SQLite, R*Trees over their two intervals,
and one tracking position per view slot, all in the event store's database file.

Each slot has four R*Trees: current rows (not closed yet) and closed rows, each split into
entries that have not ended and entries that have (lifted, expired, abandoned; read only when
asked for). Current rows are only ever inserted into and deleted from their tree, as points on
the record axis (the position that opened them): a read "as known now" then stabs only the
rows that answer it, whatever the length of the history. When one tree held every version,
each node's box reached to "still current", so a stab visited most of the tree: 6.5 ms for
176 rows at 1M events, against 1.5 ms at 100k.

A *slot* is one build of one view. Readers use the view's active slot; a rebuild fills a new
slot from position 0 while the old one keeps serving, then makes the new one active and drops
the old rows. Every statement is a constant with ``?`` placeholders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import orjson
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder

from projections.ports import (
    INF,
    RowVersion,
    Slot,
    SlotGone,
    StoredRow,
    WriteBatch,
    day_number,
)
from service.storage import text_search
from service.storage.view_layout import DATED_VIEWS, ENDED, SCHEMA_VERSION, tracking_name


def dump(value: Any) -> str:
    """JSON text of a row's body or keys. ``orjson`` takes 0.08x ``json.dumps``'s time on view
    bodies (best of 5, 290 bodies x 20), which was 7 % of a rebuild's profile; a 20k-event
    rebuild went from 2,062 to 2,310 events/s (median of 3). Text, not bytes: SQLite would
    store bytes as a BLOB, which its JSON functions read as JSONB."""
    return orjson.dumps(value).decode()


def rtree(slot: int, ended: bool, closed: bool = False) -> str:
    """The name of one of a slot's R*Trees; built from integers only, never from request
    data."""
    return f"view_rtree_{int(slot)}_{'ended' if ended else 'live'}{'_closed' if closed else ''}"


TREES = [(ended, closed) for ended in (False, True) for closed in (False, True)]


def _take_write_lock(c: SQLiteCursor) -> None:
    """Start the transaction with a write, so that SQLite's busy timeout queues it behind
    another process's write. A transaction that reads first and writes later fails at once
    ("database is locked") when another process committed in between."""
    c.execute("UPDATE view_schema SET version = version WHERE 0")


def _insert_slot(c: SQLiteCursor, view: str, generation: int, *, active: bool) -> Slot:
    c.execute(
        "INSERT INTO view_slots (view, generation, active) VALUES (?, ?, ?) RETURNING slot",
        [view, generation, int(active)],
    )
    slot = Slot(c.fetchone()[0], view, generation, active)
    _create_rtrees(c, slot.slot)
    return slot


def _create_rtrees(c: SQLiteCursor, slot: int) -> None:
    for ended, closed in TREES:
        c.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {rtree(slot, ended, closed)} "
            "USING rtree_i32(id, sys_lo, sys_hi, valid_lo, valid_hi)"
        )


_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS view_slots (
        slot INTEGER PRIMARY KEY,
        view TEXT NOT NULL,
        generation INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 0,
        UNIQUE (view, generation))""",
    """CREATE TABLE IF NOT EXISTS view_rows (
        id INTEGER PRIMARY KEY,
        slot INTEGER NOT NULL,
        policy_id TEXT NOT NULL,
        entity TEXT NOT NULL,
        sort_key TEXT NOT NULL,
        sys_from INTEGER NOT NULL,
        sys_until INTEGER NOT NULL,
        valid_from INTEGER NOT NULL,
        valid_until INTEGER NOT NULL,
        match_keys TEXT NOT NULL,
        body TEXT NOT NULL)""",
    f"""CREATE INDEX IF NOT EXISTS view_rows_current ON view_rows (slot, policy_id)
        WHERE sys_until = {INF}""",
    "CREATE INDEX IF NOT EXISTS view_rows_sorted ON view_rows (slot, sort_key)",
    # Live streams read what changed between two positions: rows opened or closed in between.
    "CREATE INDEX IF NOT EXISTS view_rows_opened ON view_rows (slot, sys_from)",
    # Partial: an index of every current row by (slot, sys_until) would lure the planner away
    # from view_rows_current for "the current rows of this policy" (measured: 15% of a
    # server's CPU at 200 events/s).
    f"""CREATE INDEX IF NOT EXISTS view_rows_closed ON view_rows (slot, sys_until)
        WHERE sys_until < {INF}""",
    *text_search.SQLITE_TABLES,
)


class ViewStore(SQLiteTrackingRecorder):
    """The views' tables and their tracking rows (the library's tracking table, one row per
    slot), written together in one transaction by :meth:`write`."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *_SCHEMA]

    def create_table(self) -> None:
        """Create the view tables; views stored in an older layout are dropped first (they are
        derived data: the runner rebuilds them from the log)."""
        with self.datastore.transaction(commit=True) as c:
            c.execute("CREATE TABLE IF NOT EXISTS view_schema (version INTEGER NOT NULL)")
            c.execute("SELECT MAX(version) FROM view_schema")
            found = c.fetchone()[0]
            # A store of this version made before its CJK table existed: rows lack their runs.
            c.execute("SELECT 1 FROM sqlite_master WHERE name = 'view_text_cjk'")
            without_cjk = found is not None and c.fetchone() is None
            if found != SCHEMA_VERSION or without_cjk:
                c.execute("SELECT name FROM sqlite_master WHERE name LIKE 'view_rtree_%_live'")
                slots = [int(r[0].split("_")[2]) for r in c.fetchall()]
                for slot in slots:
                    for ended, closed in TREES:
                        c.execute(f"DROP TABLE IF EXISTS {rtree(slot, ended, closed)}")
                for table in ("view_rows", "view_slots", *text_search.SQLITE_TABLE_NAMES):
                    c.execute(f"DROP TABLE IF EXISTS {table}")
                c.execute("DELETE FROM view_schema")
                c.execute("INSERT INTO view_schema VALUES (?)", [SCHEMA_VERSION])
                c.execute("SELECT name FROM sqlite_master WHERE name = 'tracking'")
                if c.fetchone() is not None:
                    c.execute("DELETE FROM tracking WHERE application_name LIKE 'view-slot-%'")
        try:
            super().create_table()
        except IntegrityError:
            # The library checks for its tracking table's layout record, then writes it, in
            # two transactions: processes starting at once both write it and all but one fail
            # (a worker of `serve --workers 2` then failed to start). The record is there now,
            # written by another process; a second look finds it and writes nothing.
            super().create_table()

    # --- slots ---------------------------------------------------------------------------------

    def slots(self) -> list[Slot]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT slot, view, generation, active FROM view_slots ORDER BY slot")
            return [Slot(r[0], r[1], r[2], bool(r[3])) for r in c.fetchall()]

    def active_slots(self) -> list[Slot]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT slot, view, generation FROM view_slots WHERE active = 1 ORDER BY slot"
            )
            return [Slot(r[0], r[1], r[2], True) for r in c.fetchall()]

    def active_slot(self, view: str) -> Slot | None:
        return next((s for s in self.active_slots() if s.view == view), None)

    def ensure_active_slot(self, view: str) -> Slot:
        """The view's active slot, created (generation 1, empty) on first use."""
        with self.datastore.transaction(commit=True) as c:
            _take_write_lock(c)
            c.execute(
                "SELECT slot, generation FROM view_slots WHERE view = ? AND active = 1", [view]
            )
            found = c.fetchone()
            if found is not None:
                return Slot(found[0], view, found[1], True)
            return _insert_slot(c, view, 1, active=True)

    def new_slot(self, view: str) -> Slot:
        """An inactive slot for a rebuild of ``view``."""
        with self.datastore.transaction(commit=True) as c:
            _take_write_lock(c)
            c.execute(
                "SELECT COALESCE(MAX(generation), 0) + 1 FROM view_slots WHERE view = ?", [view]
            )
            return _insert_slot(c, view, c.fetchone()[0], active=False)

    def activate(self, new: Slot) -> None:
        """Make a rebuilt slot the view's active one and drop the slots it replaces."""
        with self.datastore.transaction(commit=True) as c:
            _take_write_lock(c)
            c.execute(
                "SELECT slot FROM view_slots WHERE view = ? AND slot != ?", [new.view, new.slot]
            )
            old = [r[0] for r in c.fetchall()]
            c.execute("UPDATE view_slots SET active = 0 WHERE view = ?", [new.view])
            c.execute("UPDATE view_slots SET active = 1 WHERE slot = ?", [new.slot])
            for slot in old:
                self._drop_slot(c, slot)
        new.active = True

    def drop_slot(self, slot: Slot) -> None:
        with self.datastore.transaction(commit=True) as c:
            _take_write_lock(c)
            self._drop_slot(c, slot.slot)

    def _drop_slot(self, c: SQLiteCursor, slot: int) -> None:
        for ended, closed in TREES:
            c.execute(f"DROP TABLE IF EXISTS {rtree(slot, ended, closed)}")
        for table in text_search.SQLITE_TABLE_NAMES:
            c.execute(
                f"DELETE FROM {table} WHERE rowid IN (SELECT id FROM view_rows WHERE slot = ?)",
                [slot],
            )
        c.execute("DELETE FROM view_rows WHERE slot = ?", [slot])
        c.execute("DELETE FROM view_slots WHERE slot = ?", [slot])
        c.execute("DELETE FROM tracking WHERE application_name = ?", [tracking_name(slot)])

    def position(self, slot: Slot) -> int:
        return int(self.max_tracking_id(tracking_name(slot.slot)) or 0)

    def active_positions(self) -> dict[str, int]:
        """Each view's position (its active slot's), read in one transaction."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT slot, view FROM view_slots WHERE active = 1")
            slots = c.fetchall()
            positions = {}
            for slot, view in slots:
                c.execute(self.select_max_tracking_id_statement, [tracking_name(slot)])
                positions[view] = int(c.fetchone()[0] or 0)
            return positions

    # --- writing -------------------------------------------------------------------------------

    def current_rows(self, slot: Slot, policy_id: str) -> list[StoredRow]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT id, entity, valid_from, valid_until, body FROM view_rows "
                f"WHERE slot = ? AND policy_id = ? AND sys_until = {INF}",
                [slot.slot, policy_id],
            )
            return [StoredRow(r[0], r[1], r[2], r[3], orjson.loads(r[4])) for r in c.fetchall()]

    def write(self, batch: WriteBatch) -> None:
        """Store one batch of view changes and move each slot's tracking position, in one
        transaction: a crash leaves either all of it or none of it."""
        with self.datastore.transaction(commit=True) as c:
            # Write first: taking SQLite's write lock before reading anything lets the busy
            # timeout queue this behind another process's write instead of failing it.
            for slot_id, position in batch.positions.items():
                self._insert_tracking(c, Tracking(tracking_name(slot_id), position))
            slots = sorted(batch.positions)
            c.execute(
                f"SELECT slot, view FROM view_slots WHERE slot IN ({','.join('?' * len(slots))})",
                slots,
            )
            views = {r[0]: r[1] for r in c.fetchall()}
            if len(views) != len(slots):
                raise SlotGone("a view slot was replaced by a rebuild; reload the slots")
            by_date = {slot for slot, view in views.items() if view in DATED_VIEWS}
            c.execute("SELECT COALESCE(MAX(id), 0) FROM view_rows")
            base = c.fetchone()[0]
            ids = {local: base + n for n, local in enumerate(batch.inserts, start=1)}
            closes = [(p, i) for i, p in batch.closes.items() if i not in batch.inserts]
            c.executemany("UPDATE view_rows SET sys_until = ? WHERE id = ?", closes)
            for slot in by_date:
                # A closed row leaves its slot's current tree for the closed one. It is in one
                # of the two current trees; moving from both is simpler than remembering which,
                # and costs one index probe.
                moved = [(p - 1, i) for p, i in closes if batch.close_slots[i] == slot]
                ids_moved = [(i,) for _, i in moved]
                for ended in (False, True):
                    current, closed_tree = rtree(slot, ended), rtree(slot, ended, closed=True)
                    c.executemany(
                        f"INSERT INTO {closed_tree} SELECT id, sys_lo, ?, valid_lo, valid_hi "
                        f"FROM {current} WHERE id = ?",
                        moved,
                    )
                    c.executemany(f"DELETE FROM {current} WHERE id = ?", ids_moved)
            rows = []
            boxes: dict[str, list[tuple[int, ...]]] = {}
            for local, pending in batch.inserts.items():
                row_id = ids[local]
                sys_until = batch.closes.get(local, INF)
                slot, policy_id, row, position, keys = pending
                valid_from = day_number(row.valid_from, 1)
                valid_until = day_number(row.valid_until, INF)
                rows.append(
                    (row_id, slot, policy_id, row.entity, row.sort_key, position, sys_until,
                     valid_from, valid_until, dump(keys), dump(row.body))
                )  # fmt: skip
                if slot in by_date:
                    # current rows are points on the record axis; closed ones its interval
                    closed = sys_until < INF
                    tree = rtree(slot, row.body.get("status") in ENDED, closed)
                    boxes.setdefault(tree, []).append(
                        (row_id, position, sys_until - 1 if closed else position,
                         valid_from, valid_until - 1 if valid_until < INF else INF)
                    )  # fmt: skip
            c.executemany("INSERT INTO view_rows VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            for tree, entries in boxes.items():
                c.executemany(f"INSERT INTO {tree} VALUES (?,?,?,?,?)", entries)
            searched = [(ids[local], pending[2].body) for local, pending in batch.inserts.items()]
            words, substrings = text_search.sqlite_rows(searched)
            c.executemany("INSERT INTO view_text (rowid, text) VALUES (?, ?)", words)
            c.executemany("INSERT INTO view_text_cjk (rowid, text) VALUES (?, ?)", substrings)
        batch.assigned = ids

    # --- reading -------------------------------------------------------------------------------

    def stab(
        self, slot: Slot, position: int, on: date, *, ended: bool = False
    ) -> list[dict[str, Any]]:
        """The rows of ``slot`` that were current at ``position`` and hold on ``on`` (with
        ``ended``, also the entries that had ended by then)."""
        query, params = _stab(slot.slot, position, on, [False, True] if ended else [False])
        with self.datastore.transaction(commit=False) as c:
            c.execute(query.format(columns="r.body"), params)
            return [orjson.loads(r[0]) for r in c.fetchall()]

    def scan(
        self,
        slot: Slot,
        position: int,
        *,
        after: str,
        until: str,
        limit: int,
        words: Sequence[str] | None = None,
        match_keys: Sequence[str] = (),
        jurisdictions: Sequence[str] = (),
        types: Sequence[str] = (),
        confidences: Sequence[str] = (),
        descending: bool = False,
    ) -> list[tuple[str, dict[str, Any]]]:
        """Rows current at ``position`` in sort-key order (or reverse) strictly between
        ``after`` and ``until``, with optional full-text and attribute filters."""
        where, params = _scan_where(
            slot, position, after, until, words, match_keys, jurisdictions, types, confidences
        )
        order = "DESC" if descending else "ASC"
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT sort_key, body FROM view_rows WHERE {where} "
                f"ORDER BY sort_key {order} LIMIT ?",
                [*params, limit],
            )
            return [(r[0], orjson.loads(r[1])) for r in c.fetchall()]

    def count(
        self,
        slot: Slot,
        position: int,
        *,
        after: str,
        until: str,
        words: Sequence[str] | None = None,
        match_keys: Sequence[str] = (),
        jurisdictions: Sequence[str] = (),
        types: Sequence[str] = (),
        confidences: Sequence[str] = (),
    ) -> int:
        """How many rows :meth:`scan` would find with no limit."""
        where, params = _scan_where(
            slot, position, after, until, words, match_keys, jurisdictions, types, confidences
        )
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) FROM view_rows WHERE {where}", params)
            return int(c.fetchone()[0])

    def versions_between(
        self, slot: Slot, after: int, upto: int, on: date | None
    ) -> list[RowVersion]:
        """Row versions opened or closed at a position in ``(after, upto]`` that hold on ``on``
        (any day when ``on`` is None): what a reader of that day saw change in between."""
        clauses = "valid_from <= ? AND valid_until > ?" if on is not None else "1"
        day = [on.toordinal()] * 2 if on is not None else []
        with self.datastore.transaction(commit=False) as c:
            self._check_slot(c, slot)
            c.execute(
                "SELECT entity, sys_from, sys_until, body FROM view_rows "
                f"WHERE slot = ? AND sys_from > ? AND sys_from <= ? AND {clauses} "
                "UNION ALL "
                "SELECT entity, sys_from, sys_until, body FROM view_rows "
                f"WHERE slot = ? AND sys_until > ? AND sys_until <= ? AND sys_until < {INF} "
                f"AND {clauses}",
                [slot.slot, after, upto, *day, slot.slot, after, upto, *day],
            )
            return [RowVersion(r[0], r[1], r[2], orjson.loads(r[3])) for r in c.fetchall()]

    def entries(self, slot: Slot, position: int, on: date) -> dict[str, dict[str, Any]]:
        """Every entry of ``slot`` (ended ones too) current at ``position`` holding on ``on``,
        by entity."""
        query, params = _stab(slot.slot, position, on, [False, True])
        with self.datastore.transaction(commit=False) as c:
            self._check_slot(c, slot)
            c.execute(query.format(columns="r.entity, r.body"), params)
            return {r[0]: orjson.loads(r[1]) for r in c.fetchall()}

    @staticmethod
    def _check_slot(c: SQLiteCursor, slot: Slot) -> None:
        # Read in the same transaction as the rows: a rebuild that replaced the slot in the
        # meantime would otherwise look like "nothing changed".
        c.execute("SELECT 1 FROM view_slots WHERE slot = ?", [slot.slot])
        if c.fetchone() is None:
            raise SlotGone(f"view slot {slot.slot} was replaced by a rebuild")


def _stab(slot: int, position: int, on: date, ended: list[bool]) -> tuple[str, list[int]]:
    """The query (its columns left as ``{columns}``) for the rows of ``slot`` current at
    ``position`` that hold on ``on``, from the trees of the entries ``ended`` names: current
    rows opened by then, and closed rows whose record interval holds ``position``. A read as
    known now finds nothing in the closed trees, whose boxes all end before the view's
    position: the search stops at their root."""
    d = on.toordinal()
    parts, params = [], []
    for is_ended in ended:
        parts.append(
            f"SELECT {{columns}} FROM {rtree(slot, is_ended)} t JOIN view_rows r ON r.id = t.id "
            "WHERE t.sys_lo <= ? AND t.valid_lo <= ? AND t.valid_hi >= ?"
        )
        params += [position, d, d]
        parts.append(
            f"SELECT {{columns}} FROM {rtree(slot, is_ended, closed=True)} t "
            "JOIN view_rows r ON r.id = t.id "
            "WHERE t.sys_lo <= ? AND t.sys_hi >= ? AND t.valid_lo <= ? AND t.valid_hi >= ?"
        )
        params += [position, position, d, d]
    return " UNION ALL ".join(parts), params


def _scan_where(
    slot: Slot,
    position: int,
    after: str,
    until: str,
    words: Sequence[str] | None,
    match_keys: Sequence[str],
    jurisdictions: Sequence[str],
    types: Sequence[str],
    confidences: Sequence[str],
) -> tuple[str, list[Any]]:
    """The WHERE clause (with ``?`` placeholders) and parameters shared by scan and count."""
    clauses = [
        "slot = ?", "sort_key > ?", "sort_key < ?", "sys_from <= ?", "sys_until > ?",
    ]  # fmt: skip
    params: list[Any] = [slot.slot, after, until, position, position]
    if words:
        searched, searched_params = text_search.sqlite_clauses(words)
        clauses += searched
        params += searched_params
    if match_keys:
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(match_keys) WHERE value IN "
            f"({','.join('?' * len(match_keys))}))"
        )
        params.extend(match_keys)
    for name, values in (
        ("jurisdiction", jurisdictions), ("type", types), ("confidence", confidences),
    ):  # fmt: skip
        if values:
            clauses.append(f"json_extract(body, '$.{name}') IN ({','.join('?' * len(values))})")
            params.extend(values)
    return " AND ".join(clauses), params
