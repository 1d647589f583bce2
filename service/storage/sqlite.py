"""The SQLite application recorder, extended with the event index (see ``domain.log_index``).

Index rows are inserted by ``_insert_events`` inside the library's own transaction, right after
the events, so an event and its index row are stored together or not at all. Every statement
is a constant with ``?`` placeholders: nothing from a request is ever spliced into SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from domain.log_index import IndexRow, LogQuery
from service.storage import index_sql
from service.storage.transient import retry_transient

_CHUNK = 500  # ids per IN (...) list, well under SQLite's parameter limit

_CREATE_INDEX = (
    """CREATE TABLE IF NOT EXISTS event_index (
        position INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        policy_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        type TEXT NOT NULL,
        jurisdiction TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
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
        position INTEGER NOT NULL,
        PRIMARY KEY (material, position)) WITHOUT ROWID""",
)
_INSERT_ROW = "INSERT INTO event_index VALUES (?,?,?,?,?,?,?,?,?,?)"
_INSERT_MATERIAL = "INSERT INTO event_materials VALUES (?,?)"


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _timestamp(moment: datetime) -> str:
    """Fixed-width UTC text, so that text order is time order in the index."""
    utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    if utc.year < 1000:  # strftime's %Y does not pad: kept as it was written
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.isoformat(timespec="microseconds")[:-6] + "Z"  # the same, faster: "+00:00" off


class IndexedSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *_CREATE_INDEX,
            index_sql.CREATE_VERSIONS,
        ]

    def material_keys_version(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT version FROM index_versions WHERE name = 'material_keys'")
            row = c.fetchone()
        return int(row[0]) if row else 0

    def replace_material_keys(self, rows: Sequence[tuple[str, int]], version: int) -> None:
        """Every event's material keys at once, in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM event_materials")
            c.executemany(_INSERT_MATERIAL, rows)
            c.execute(
                "INSERT INTO index_versions VALUES ('material_keys', ?) "
                "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
                [version],
            )

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        index_rows: Sequence[IndexRow] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if index_rows:
            assert positions is not None
            c.execute("SELECT MAX(recorded_at) FROM event_index")
            stored = c.fetchone()[0]
            values, materials = index_sql.insert_values(
                index_rows,
                positions,
                datetime.fromisoformat(stored) if stored else None,
                _timestamp,
            )
            c.executemany(_INSERT_ROW, values)
            c.executemany(_INSERT_MATERIAL, materials)
        return positions

    @retry_transient
    def receipts(self, event_ids: Sequence[str]) -> dict[str, IndexRow]:
        found: dict[str, IndexRow] = {}
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(list(dict.fromkeys(event_ids))):
                c.execute(
                    f"SELECT {index_sql.COLUMNS} FROM event_index "
                    f"WHERE event_id IN ({index_sql.placeholders('?', len(chunk))})",
                    list(chunk),
                )
                found.update((r["event_id"], index_sql.row(r)) for r in c.fetchall())
        return found

    @retry_transient
    def existing_policy_ids(self, policy_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(list(dict.fromkeys(policy_ids))):
                c.execute(
                    "SELECT policy_id FROM event_index WHERE version = 1 "
                    f"AND policy_id IN ({index_sql.placeholders('?', len(chunk))})",
                    list(chunk),
                )
                found.update(r["policy_id"] for r in c.fetchall())
        return found

    @retry_transient
    def find(self, query: LogQuery) -> list[IndexRow]:
        statement, params = index_sql.find(query, "?")
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [index_sql.row(r) for r in c.fetchall()]

    @retry_transient
    def position_at(self, moment: datetime) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT MAX(position) FROM event_index WHERE recorded_at <= ?", [_timestamp(moment)]
            )
            found = c.fetchone()[0]
        return int(found or 0)

    @retry_transient
    def notifications_at(self, positions: Sequence[int]) -> list[Notification]:
        found: list[Notification] = []
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(list(positions)):
                c.execute(
                    f"SELECT rowid, * FROM {self.events_table_name} "
                    f"WHERE rowid IN ({index_sql.placeholders('?', len(chunk))})",
                    list(chunk),
                )
                found.extend(
                    Notification(
                        id=r["rowid"],
                        originator_id=self.convert_originator_id(r["originator_id"]),
                        originator_version=r["originator_version"],
                        topic=r["topic"],
                        state=r["state"],
                    )
                    for r in c.fetchall()
                )
        return found

    @retry_transient
    def stored_events_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        found: list[StoredEvent] = []
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks([i.hex for i in dict.fromkeys(originator_ids)]):
                c.execute(
                    "SELECT originator_id, originator_version, topic, state "
                    f"FROM {self.events_table_name} "
                    f"WHERE originator_id IN ({index_sql.placeholders('?', len(chunk))}) "
                    "ORDER BY originator_id, originator_version",
                    list(chunk),
                )
                found.extend(StoredEvent(UUID(r[0]), r[1], r[2], r[3]) for r in c.fetchall())
        return found

    @retry_transient
    def stream_versions(self, originator_ids: Sequence[UUID]) -> dict[UUID, int]:
        found: dict[UUID, int] = {}
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks([i.hex for i in dict.fromkeys(originator_ids)]):
                c.execute(
                    "SELECT originator_id, MAX(originator_version) "
                    f"FROM {self.events_table_name} "
                    f"WHERE originator_id IN ({index_sql.placeholders('?', len(chunk))}) "
                    "GROUP BY originator_id",
                    list(chunk),
                )
                found.update((UUID(r[0]), r[1]) for r in c.fetchall())
        return found

    @retry_transient
    def policy_ids(
        self, after: str, limit: int, opening_types: Sequence[str], jurisdictions: Sequence[str]
    ) -> list[str]:
        statement, params = index_sql.policy_ids(after, limit, opening_types, jurisdictions, "?")
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [r["policy_id"] for r in c.fetchall()]
