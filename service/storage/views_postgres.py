"""The views in PostgreSQL: the same system-versioned rows and slots as ``views_sqlite``
(SQLite), with PostgreSQL's own tools. Each slot read by date has four partial GiST indexes
(live and ended entries, current and closed rows) over the record interval (a point, the
opening position, for current rows) and ``int4range(valid_from, valid_until)``, so an (``at``,
``known_at``) read is one indexed query;
the timeline's words are a ``tsvector`` with a GIN index, its CJK text a column with a
trigram index (``service.storage.text_search``). Tracking positions are the library's
tracking table, written in the same transaction as the rows. Statements are constants with
``%s`` placeholders; the only names built at run time are index names made from integers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

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
from service.storage.postgres import create_tables_locked
from service.storage.view_layout import DATED_VIEWS, ENDED, SCHEMA_VERSION, tracking_name

SLOTS_LOCK = 7_421_101  # pg_advisory_xact_lock key held while slots are created or swapped

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS view_schema (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS view_slots (
        slot SERIAL PRIMARY KEY,
        view TEXT NOT NULL,
        generation INTEGER NOT NULL,
        active BOOLEAN NOT NULL DEFAULT false,
        UNIQUE (view, generation))""",
    """CREATE TABLE IF NOT EXISTS view_rows (
        id BIGSERIAL PRIMARY KEY,
        slot INTEGER NOT NULL,
        policy_id TEXT NOT NULL,
        entity TEXT NOT NULL,
        sort_key TEXT NOT NULL,
        sys_from INTEGER NOT NULL,
        sys_until INTEGER NOT NULL,
        valid_from INTEGER NOT NULL,
        valid_until INTEGER NOT NULL,
        ended BOOLEAN NOT NULL,
        match_keys TEXT[] NOT NULL,
        body JSON NOT NULL,
        search TSVECTOR,
        search_cjk TEXT)""",
    f"""CREATE INDEX IF NOT EXISTS view_rows_current ON view_rows (slot, policy_id)
        WHERE sys_until = {INF}""",
    "CREATE INDEX IF NOT EXISTS view_rows_sorted ON view_rows (slot, sort_key)",
    "CREATE INDEX IF NOT EXISTS view_rows_opened ON view_rows (slot, sys_from)",
    f"""CREATE INDEX IF NOT EXISTS view_rows_closed ON view_rows (slot, sys_until)
        WHERE sys_until < {INF}""",
    "CREATE INDEX IF NOT EXISTS view_rows_search ON view_rows USING gin (search)",
)


# One statement per batch whatever its size (arrays, not executemany: psycopg pipelines
# executemany, and a pipelined transaction of a few MB hung in psycopg 3.3.9).
_CLOSE_ROWS = (
    "UPDATE view_rows SET sys_until = u.until FROM unnest(%s::integer[], %s::bigint[]) "
    "AS u(until, id) WHERE view_rows.id = u.id"
)
_INSERT_ROWS = (
    "INSERT INTO view_rows (id, slot, policy_id, entity, sort_key, sys_from, sys_until, "
    "valid_from, valid_until, ended, match_keys, body, search, search_cjk) "
    "SELECT id, slot, policy_id, entity, sort_key, sys_from, sys_until, "
    "valid_from, valid_until, ended, ARRAY(SELECT json_array_elements_text(keys::json)), "
    "body::json, CASE WHEN words IS NULL THEN NULL ELSE to_tsvector('simple', words) END, cjk "
    "FROM unnest(%s::bigint[], %s::integer[], %s::text[], %s::text[], %s::text[], "
    "%s::integer[], %s::integer[], %s::integer[], %s::integer[], %s::boolean[], %s::text[], "
    "%s::text[], %s::text[], %s::text[]) AS u(id, slot, policy_id, entity, sort_key, sys_from, "
    "sys_until, valid_from, valid_until, ended, keys, body, words, cjk)"
)


def _when_index(slot: int, ended: bool, closed: bool) -> str:
    kind = f"{'ended' if ended else 'live'}_{'closed' if closed else 'current'}"
    return f"view_rows_when_{int(slot)}_{kind}"


# A slot's rows in four partial GiST indexes: live and ended entries, current and closed rows.
# Current rows are indexed by the position that opened them (a point), not by a range reaching
# to "still current": otherwise every index page's bounds reach there too and a stab visits
# most of the index (the same as in the SQLite store's R*Trees).
_WHEN_INDEXES = (
    (False, "int4range(sys_from, sys_from + 1)", f"sys_until = {INF}"),
    (True, "int4range(sys_from, sys_until)", f"sys_until < {INF}"),
)


class PostgresViewStore(PostgresTrackingRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sql_create_statements.extend(SQL(s).format() for s in _SCHEMA)  # type: ignore[arg-type]

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        create_tables_locked(curs)
        # The library looked for its tracking table before this lock was held; a process
        # starting at the same moment may have made it since. Look again, or the library would
        # record its table migration a second time and fail (IntegrityError).
        table = f'"{self.datastore.schema}"."{self.tracking_table_name}"'
        curs.execute("SELECT to_regclass(%s) AS found", [table])
        if (curs.fetchone() or {}).get("found") is not None:
            curs.execute(self.max_tracking_id_statement, [self.table_migration_identifier])
            migrated = (curs.fetchone() or {}).get("max")
            self.tracking_table_exists = True
            self.tracking_migration_current = self.tracking_migration_previous = migrated
        super()._create_table(curs)
        without_cjk = text_search.add_postgres_column(curs)
        curs.execute("SELECT MAX(version) AS v FROM view_schema")
        found = (curs.fetchone() or {}).get("v")
        if found != SCHEMA_VERSION or without_cjk:
            # Views are derived data: an older layout is dropped and rebuilt from the log.
            curs.execute("SELECT slot FROM view_slots")
            for record in curs.fetchall():
                self._drop_slot(curs, record["slot"])
            curs.execute("DELETE FROM view_schema")
            curs.execute("INSERT INTO view_schema VALUES (%s)", [SCHEMA_VERSION])
        text_search.prepare_postgres(curs)

    # --- slots ---------------------------------------------------------------------------------

    def slots(self) -> list[Slot]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT slot, view, generation, active FROM view_slots ORDER BY slot")
            return [Slot(r["slot"], r["view"], r["generation"], r["active"]) for r in c.fetchall()]

    def active_slots(self) -> list[Slot]:
        return [s for s in self.slots() if s.active]

    def active_slot(self, view: str) -> Slot | None:
        return next((s for s in self.active_slots() if s.view == view), None)

    def ensure_active_slot(self, view: str) -> Slot:
        with self.datastore.transaction(commit=True) as c:
            c.execute("SELECT pg_advisory_xact_lock(%s)", [SLOTS_LOCK])
            c.execute("SELECT slot, generation FROM view_slots WHERE view = %s AND active", [view])
            found = c.fetchone()
            if found is not None:
                return Slot(found["slot"], view, found["generation"], True)
            return self._insert_slot(c, view, 1, active=True)

    def new_slot(self, view: str) -> Slot:
        with self.datastore.transaction(commit=True) as c:
            c.execute("SELECT pg_advisory_xact_lock(%s)", [SLOTS_LOCK])
            c.execute(
                "SELECT COALESCE(MAX(generation), 0) + 1 AS g FROM view_slots WHERE view = %s",
                [view],
            )
            generation = (c.fetchone() or {})["g"]
            return self._insert_slot(c, view, generation, active=False)

    def activate(self, new: Slot) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("SELECT pg_advisory_xact_lock(%s)", [SLOTS_LOCK])
            c.execute(
                "SELECT slot FROM view_slots WHERE view = %s AND slot != %s", [new.view, new.slot]
            )
            old = [r["slot"] for r in c.fetchall()]
            c.execute("UPDATE view_slots SET active = (slot = %s) WHERE view = %s",
                      [new.slot, new.view])  # fmt: skip
            for slot in old:
                self._drop_slot(c, slot)
        new.active = True

    def drop_slot(self, slot: Slot) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("SELECT pg_advisory_xact_lock(%s)", [SLOTS_LOCK])
            self._drop_slot(c, slot.slot)

    def _insert_slot(self, c: Cursor[DictRow], view: str, generation: int, *, active: bool) -> Slot:
        c.execute(
            "INSERT INTO view_slots (view, generation, active) VALUES (%s, %s, %s) RETURNING slot",
            [view, generation, active],
        )
        slot = Slot((c.fetchone() or {})["slot"], view, generation, active)
        if view in DATED_VIEWS:
            for ended in (False, True):
                for closed, record, rows in _WHEN_INDEXES:
                    c.execute(
                        f"CREATE INDEX IF NOT EXISTS {_when_index(slot.slot, ended, closed)} "  # type: ignore[arg-type]
                        f"ON view_rows USING gist ({record}, int4range(valid_from, valid_until)) "
                        f"WHERE slot = {int(slot.slot)} AND ended = {'true' if ended else 'false'} "
                        f"AND {rows}"
                    )
        return slot

    def _drop_slot(self, c: Cursor[DictRow], slot: int) -> None:
        for ended in (False, True):
            for closed in (False, True):
                c.execute(f"DROP INDEX IF EXISTS {_when_index(slot, ended, closed)}")  # type: ignore[arg-type]
        c.execute("DELETE FROM view_rows WHERE slot = %s", [slot])
        c.execute("DELETE FROM view_slots WHERE slot = %s", [slot])
        c.execute(
            f"DELETE FROM {self.tracking_table_name} WHERE application_name = %s",  # type: ignore[arg-type]
            [tracking_name(slot)],
        )

    def position(self, slot: Slot) -> int:
        return int(self.max_tracking_id(tracking_name(slot.slot)) or 0)

    def active_positions(self) -> dict[str, int]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT s.view, t.notification_id FROM view_slots s "  # type: ignore[arg-type]
                f"LEFT JOIN {self.tracking_table_name} t "
                "ON t.application_name = 'view-slot-' || s.slot WHERE s.active"
            )
            positions: dict[str, int] = {}
            for r in c.fetchall():
                positions[r["view"]] = max(positions.get(r["view"], 0), r["notification_id"] or 0)
            return positions

    # --- writing -------------------------------------------------------------------------------

    def current_rows(self, slot: Slot, policy_id: str) -> list[StoredRow]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT id, entity, valid_from, valid_until, body FROM view_rows "
                f"WHERE slot = %s AND policy_id = %s AND sys_until = {INF}",  # type: ignore[arg-type]
                [slot.slot, policy_id],
            )
            return [
                StoredRow(r["id"], r["entity"], r["valid_from"], r["valid_until"], r["body"])
                for r in c.fetchall()
            ]

    def write(self, batch: WriteBatch) -> None:
        with self.datastore.transaction(commit=True) as c:
            for slot_id, position in batch.positions.items():
                self._insert_tracking(c, Tracking(tracking_name(slot_id), position))
            slots = sorted(batch.positions)
            c.execute("SELECT slot FROM view_slots WHERE slot = ANY(%s)", [slots])
            if len(c.fetchall()) != len(slots):
                raise SlotGone("a view slot was replaced by a rebuild; reload the slots")
            ids: dict[int, int] = {}
            if batch.inserts:
                c.execute(
                    "SELECT nextval('view_rows_id_seq') AS id FROM generate_series(1, %s)",
                    [len(batch.inserts)],
                )
                fresh = [r["id"] for r in c.fetchall()]
                ids = dict(zip(batch.inserts, fresh, strict=True))
            closes = [(p, i) for i, p in batch.closes.items() if i not in batch.inserts]
            if closes:
                c.execute(_CLOSE_ROWS, [list(column) for column in zip(*closes, strict=True)])
            rows = []
            for local, (slot, policy_id, row, position, keys) in batch.inserts.items():
                rows.append(
                    (ids[local], slot, policy_id, row.entity, row.sort_key, position,
                     batch.closes.get(local, INF), day_number(row.valid_from, 1),
                     day_number(row.valid_until, INF), row.body.get("status") in ENDED,
                     json.dumps(keys), json.dumps(row.body), text_search.words_text(row.body),
                     text_search.substring_text(row.body))
                )  # fmt: skip
            if rows:
                c.execute(_INSERT_ROWS, [list(column) for column in zip(*rows, strict=True)])
        batch.assigned = ids

    # --- reading -------------------------------------------------------------------------------

    def stab(
        self, slot: Slot, position: int, on: date, *, ended: bool = False
    ) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(_stab(slot, ended, "body"), {"position": position, "day": on.toordinal()})
            return [r["body"] for r in c.fetchall()]

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
        where, params = _scan_where(
            slot, position, after, until, words, match_keys, jurisdictions, types, confidences
        )
        order = "DESC" if descending else "ASC"
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT sort_key, body FROM view_rows WHERE {where} "  # type: ignore[arg-type]
                f"ORDER BY sort_key {order} LIMIT %s",
                [*params, limit],
            )
            return [(r["sort_key"], r["body"]) for r in c.fetchall()]

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
        where, params = _scan_where(
            slot, position, after, until, words, match_keys, jurisdictions, types, confidences
        )
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) AS n FROM view_rows WHERE {where}", params)  # type: ignore[arg-type]
            return int((c.fetchone() or {"n": 0})["n"])

    def versions_between(
        self, slot: Slot, after: int, upto: int, on: date | None
    ) -> list[RowVersion]:
        day = "AND valid_from <= %s AND valid_until > %s" if on is not None else ""
        days = [on.toordinal()] * 2 if on is not None else []
        with self.datastore.transaction(commit=False) as c:
            self._check_slot(c, slot)
            c.execute(
                "SELECT entity, sys_from, sys_until, body FROM view_rows "  # type: ignore[arg-type]
                f"WHERE slot = %s AND sys_from > %s AND sys_from <= %s {day} "
                "UNION ALL SELECT entity, sys_from, sys_until, body FROM view_rows "
                f"WHERE slot = %s AND sys_until > %s AND sys_until <= %s AND sys_until < {INF} "
                f"{day}",
                [slot.slot, after, upto, *days, slot.slot, after, upto, *days],
            )
            return [
                RowVersion(r["entity"], r["sys_from"], r["sys_until"], r["body"])
                for r in c.fetchall()
            ]

    def entries(self, slot: Slot, position: int, on: date) -> dict[str, dict[str, Any]]:
        with self.datastore.transaction(commit=False) as c:
            self._check_slot(c, slot)
            c.execute(
                _stab(slot, True, "entity, body"), {"position": position, "day": on.toordinal()}
            )
            return {r["entity"]: r["body"] for r in c.fetchall()}

    @staticmethod
    def _check_slot(c: Cursor[DictRow], slot: Slot) -> None:
        c.execute("SELECT 1 FROM view_slots WHERE slot = %s", [slot.slot])
        if c.fetchone() is None:
            raise SlotGone(f"view slot {slot.slot} was replaced by a rebuild")


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
    """The WHERE clause (with ``%s`` placeholders) and parameters shared by scan and count."""
    clauses = [
        "slot = %s", "sort_key > %s", "sort_key < %s", "sys_from <= %s", "sys_until > %s",
    ]  # fmt: skip
    params: list[Any] = [slot.slot, after, until, position, position]
    if words:
        searched, searched_params = text_search.postgres_clauses(words)
        clauses += searched
        params += searched_params
    if match_keys:
        clauses.append("match_keys && %s")
        params.append(list(match_keys))
    for name, values in (
        ("jurisdiction", jurisdictions), ("type", types), ("confidence", confidences),
    ):  # fmt: skip
        if values:
            clauses.append(f"body->>'{name}' = ANY(%s)")
            params.append(list(values))
    return " AND ".join(clauses), params


def _stab(slot: Slot, ended: bool, columns: str) -> Any:
    """Rows of ``slot`` current at ``%(position)s`` holding on ``%(day)s``: live ones, and with
    ``ended`` the ended ones too; from each, the current rows opened by then and the closed rows
    whose record interval holds the position. The slot number is written into the statement
    (an integer from our own table) so that the planner can match the slot's partial GiST
    indexes."""
    base = f"SELECT {columns} FROM view_rows WHERE slot = {int(slot.slot)} AND ended = {{ended}} "
    valid = "AND int4range(valid_from, valid_until) @> %(day)s::int"
    current = (
        f"{base}AND sys_until = {INF} "
        "AND int4range(sys_from, sys_from + 1) <@ int4range(NULL, %(position)s::int + 1) "
        f"{valid}"
    )
    closed = (
        f"{base}AND sys_until < {INF} AND int4range(sys_from, sys_until) @> %(position)s::int "
        f"{valid}"
    )
    parts = [
        part.format(ended=e)
        for e in (["false", "true"] if ended else ["false"])
        for part in (current, closed)
    ]
    return " UNION ALL ".join(parts)
