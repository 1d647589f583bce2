"""The event index's queries, shared by the SQLite and PostgreSQL recorders.

Statements are built from constants and placeholders only (``ph`` is ``?`` or ``%s``): nothing
from a request is ever spliced into SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from domain.log_index import IndexRow, LogQuery

COLUMNS = (
    "position, event_id, policy_id, version, type, jurisdiction, recorded_at, recorded_by, "
    "digest, about"
)


def placeholders(ph: str, count: int) -> str:
    return ",".join([ph] * count)


def find(query: LogQuery, ph: str) -> tuple[str, list[Any]]:
    clauses = [f"position > {ph}"]
    params: list[Any] = [query.after]
    if query.until_position is not None:
        clauses.append(f"position <= {ph}")
        params.append(query.until_position)
    for column, values in (("type", query.types), ("jurisdiction", query.jurisdictions)):
        if values:
            clauses.append(f"{column} IN ({placeholders(ph, len(values))})")
            params.extend(values)
    for column, value in (("policy_id", query.policy_id), ("about", query.about)):
        if value is not None:
            clauses.append(f"{column} = {ph}")
            params.append(value)
    if query.material_keys:
        clauses.append(
            "position IN (SELECT position FROM event_materials "
            f"WHERE material IN ({placeholders(ph, len(query.material_keys))}))"
        )
        params.extend(sorted(query.material_keys))
    params.append(query.limit)
    statement = (
        f"SELECT {COLUMNS} FROM event_index WHERE {' AND '.join(clauses)} "
        f"ORDER BY position LIMIT {ph}"
    )
    return statement, params


def policy_ids(
    after: str, limit: int, opening_types: Sequence[str], jurisdictions: Sequence[str], ph: str
) -> tuple[str, list[Any]]:
    clauses = ["version = 1", f"policy_id > {ph}"]
    params: list[Any] = [after]
    for column, values in (("type", opening_types), ("jurisdiction", jurisdictions)):
        if values:
            clauses.append(f"{column} IN ({placeholders(ph, len(values))})")
            params.extend(values)
    params.append(limit)
    statement = (
        f"SELECT policy_id FROM event_index WHERE {' AND '.join(clauses)} "
        f"ORDER BY policy_id LIMIT {ph}"
    )
    return statement, params


def insert_values(
    index_rows: Sequence[IndexRow],
    positions: Sequence[int],
    latest: datetime | None,
    stamp: Callable[[datetime], Any],
) -> tuple[list[tuple[Any, ...]], list[tuple[str, int]]]:
    """The ``event_index`` and ``event_materials`` rows of newly stored events (one index row
    per event, in order), with record times written by ``stamp``.

    Record times must rise with position (known_at resolves through them). A writer in another
    process stamps its events before it waits for the lock the caller holds, so a later
    position can carry an earlier stamp: each is lifted to ``latest``, the latest stored."""
    assert len(positions) == len(index_rows)
    values: list[tuple[Any, ...]] = []
    materials: list[tuple[str, int]] = []
    for index_row, position in zip(index_rows, positions, strict=True):
        latest = max(index_row.recorded_at, latest) if latest else index_row.recorded_at
        values.append(
            (position, index_row.event_id, index_row.policy_id, index_row.version,
             index_row.type, index_row.jurisdiction, stamp(latest), index_row.recorded_by,
             index_row.digest, index_row.about)
        )  # fmt: skip
        materials.extend((m, position) for m in index_row.materials)
    return values, materials


def row(record: Mapping[str, Any]) -> IndexRow:
    recorded_at = record["recorded_at"]
    if not isinstance(recorded_at, datetime):
        recorded_at = datetime.fromisoformat(recorded_at)
    return IndexRow(
        position=record["position"],
        event_id=record["event_id"],
        policy_id=record["policy_id"],
        version=record["version"],
        type=record["type"],
        jurisdiction=record["jurisdiction"],
        recorded_at=recorded_at,
        recorded_by=record["recorded_by"],
        digest=record["digest"],
        about=record["about"],
        materials=(),
    )


# Which derivation of material keys (``domain.materials.keys_of``) the stored keys follow; a
# store whose keys an older one made is re-keyed at start (``service.storage.material_keys``).
CREATE_VERSIONS = (
    "CREATE TABLE IF NOT EXISTS index_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)
