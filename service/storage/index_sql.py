"""The event index's queries, shared by the SQLite and PostgreSQL recorders.

Statements are built from constants and placeholders only (``ph`` is ``?`` or ``%s``): nothing
from a request is ever spliced into SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
