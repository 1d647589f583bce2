"""The PostgreSQL application recorder, extended with the event index (see
``domain.log_index``), as ``service.storage.sqlite`` does for SQLite.

Index rows are inserted inside the library's own insert transaction, right after the events
have their positions, so an event and its index row are stored together or not at all. Schema
creation takes an advisory lock, so that processes starting at once do not race.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from domain.log_index import IndexRow, LogQuery
from service.storage import index_sql
from service.storage.transient import retry_transient

SCHEMA_LOCK = 7_421_100  # pg_advisory_xact_lock key held while creating tables
TYPES_LOCK = 7_421_104  # pg_advisory_lock key held around the whole of the log's schema set-up

_CREATE_INDEX = (
    """CREATE TABLE IF NOT EXISTS event_index (
        position BIGINT PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        policy_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        type TEXT NOT NULL,
        jurisdiction TEXT NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL,
        recorded_by TEXT NOT NULL,
        digest TEXT NOT NULL,
        about TEXT)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS event_index_policy ON event_index (policy_id, version)",
    "CREATE INDEX IF NOT EXISTS event_index_type ON event_index (type, position)",
    "CREATE INDEX IF NOT EXISTS event_index_jurisdiction ON event_index (jurisdiction, position)",
    "CREATE INDEX IF NOT EXISTS event_index_about ON event_index (about) WHERE about IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS event_index_recorded_at ON event_index (recorded_at)",
    """CREATE TABLE IF NOT EXISTS event_materials (
        material TEXT NOT NULL,
        position BIGINT NOT NULL,
        PRIMARY KEY (material, position))""",
)
# Every event's material keys at once (re-keying), in one statement (arrays, not executemany).
_INSERT_MATERIALS = "INSERT INTO event_materials SELECT * FROM unnest(%s::text[], %s::bigint[])"
# A group's index rows go by COPY, one statement per table whatever the number of events: as
# arrays they cost as much as the rest of an append (psycopg writes array parameters in
# Python; COPY rows are written by its C extension).
_COPY_ROWS = (
    "COPY event_index (position, event_id, policy_id, version, type, jurisdiction, recorded_at, "
    "recorded_by, digest, about) FROM STDIN"
)
_COPY_MATERIALS = "COPY event_materials (material, position) FROM STDIN"


def create_tables_locked(curs: Cursor[DictRow]) -> None:
    """Serialise schema creation across processes for the rest of this transaction."""
    curs.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])


class IndexedPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statements = (*_CREATE_INDEX, index_sql.CREATE_VERSIONS)
        self.sql_create_statements.extend(SQL(s).format() for s in statements)  # type: ignore[arg-type]

    def create_table(self) -> None:
        """As the library's, one process at a time: it creates its composite type in a
        transaction of its own first, and two processes doing so at the same moment collide
        on PostgreSQL's catalogue (a unique violation the library does not expect), which
        failed the start of one of two workers now and then."""
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", [TYPES_LOCK])
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", [TYPES_LOCK])

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        create_tables_locked(curs)
        super()._create_table(curs)

    @retry_transient
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """As the library's, without pipeline mode: here a pipelined transaction carrying a few
        MB (the library's own recorder saving 5,000 events of 1.2 KB in one go; this recorder
        with 5,000 synthetic events) hung for good with psycopg 3.3.9, the server waiting to
        read what the client believed sent. The statements are the same single ones. A dropped
        connection is retried as the index reads are (``service.storage.transient``)."""
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return []
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        index_rows: Sequence[IndexRow] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if index_rows:
            assert positions is not None
            curs.execute("SELECT MAX(recorded_at) AS latest FROM event_index")
            latest = (curs.fetchone() or {}).get("latest")
            values, materials = index_sql.insert_values(
                index_rows, positions, latest, lambda moment: moment
            )
            with curs.copy(_COPY_ROWS) as copy:
                for value in values:
                    copy.write_row(value)
            if materials:
                with curs.copy(_COPY_MATERIALS) as copy:
                    for material in materials:
                        copy.write_row(material)
        return positions

    def material_keys_version(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT version FROM index_versions WHERE name = 'material_keys'")
            row = c.fetchone()
        return int(row["version"]) if row else 0

    def replace_material_keys(self, rows: Sequence[tuple[str, int]], version: int) -> None:
        """Every event's material keys at once, in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM event_materials")
            if rows:
                c.execute(_INSERT_MATERIALS, [list(column) for column in zip(*rows, strict=True)])
            c.execute(
                "INSERT INTO index_versions VALUES ('material_keys', %s) "
                "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
                [version],
            )

    @retry_transient
    def receipts(self, event_ids: Sequence[str]) -> dict[str, IndexRow]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT {index_sql.COLUMNS} FROM event_index WHERE event_id = ANY(%s)",
                [list(dict.fromkeys(event_ids))],
            )
            return {r["event_id"]: index_sql.row(r) for r in c.fetchall()}

    @retry_transient
    def existing_policy_ids(self, policy_ids: Sequence[str]) -> set[str]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT policy_id FROM event_index WHERE version = 1 AND policy_id = ANY(%s)",
                [list(policy_ids)],
            )
            return {r["policy_id"] for r in c.fetchall()}

    @retry_transient
    def find(self, query: LogQuery) -> list[IndexRow]:
        statement, params = index_sql.find(query, "%s")
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [index_sql.row(r) for r in c.fetchall()]

    @retry_transient
    def position_at(self, moment: datetime) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT MAX(position) AS found FROM event_index WHERE recorded_at <= %s", [moment]
            )
            found = c.fetchone()
        return int((found or {}).get("found") or 0)

    @retry_transient
    def notifications_at(self, positions: Sequence[int]) -> list[Notification]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT * FROM {self.events_table_name} WHERE notification_id = ANY(%s) "
                "ORDER BY notification_id",
                [list(positions)],
            )
            return [
                Notification(
                    id=r["notification_id"],
                    originator_id=r["originator_id"],
                    originator_version=r["originator_version"],
                    topic=r["topic"],
                    state=bytes(r["state"]),
                )
                for r in c.fetchall()
            ]

    @retry_transient
    def stored_events_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT originator_id, originator_version, topic, state "
                f"FROM {self.events_table_name} WHERE originator_id = ANY(%s) "
                "ORDER BY originator_id, originator_version",
                [list(dict.fromkeys(originator_ids))],
            )
            return [
                StoredEvent(
                    r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])
                )
                for r in c.fetchall()
            ]

    @retry_transient
    def stream_versions(self, originator_ids: Sequence[UUID]) -> dict[UUID, int]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT originator_id, MAX(originator_version) AS version "
                f"FROM {self.events_table_name} WHERE originator_id = ANY(%s) "
                "GROUP BY originator_id",
                [list(dict.fromkeys(originator_ids))],
            )
            return {r["originator_id"]: r["version"] for r in c.fetchall()}

    @retry_transient
    def policy_ids(
        self, after: str, limit: int, opening_types: Sequence[str], jurisdictions: Sequence[str]
    ) -> list[str]:
        statement, params = index_sql.policy_ids(after, limit, opening_types, jurisdictions, "%s")
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)  # type: ignore[arg-type]
            return [r["policy_id"] for r in c.fetchall()]
