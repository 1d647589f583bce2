"""What the runner, the readers and the streams need of a view store (the port), and the values
that cross it. The adapters are ``service.storage.views_sqlite`` and
``service.storage.views_postgres``; the system-versioned layout they share is described in
this package's docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from projections.rows import Row

INF = 2_147_483_647  # "open": the largest stored day number or position (a 32-bit integer)


def day_number(value: date | None, open_value: int) -> int:
    return value.toordinal() if value is not None else open_value


class ViewStorage(Protocol):
    """What the runner, the readers and the streams need of a view store: ``ViewStore`` here
    (SQLite) and ``service.storage.views_postgres.PostgresViewStore``."""

    def create_table(self) -> None: ...
    def slots(self) -> list[Slot]: ...
    def active_slots(self) -> list[Slot]: ...
    def active_slot(self, view: str) -> Slot | None: ...
    def ensure_active_slot(self, view: str) -> Slot: ...
    def new_slot(self, view: str) -> Slot: ...
    def activate(self, new: Slot) -> None: ...
    def drop_slot(self, slot: Slot) -> None: ...
    def position(self, slot: Slot) -> int: ...
    def active_positions(self) -> dict[str, int]: ...
    def current_rows(self, slot: Slot, policy_id: str) -> list[StoredRow]: ...
    def write(self, batch: WriteBatch) -> None: ...
    def stab(
        self, slot: Slot, position: int, on: date, *, ended: bool = False
    ) -> list[dict[str, Any]]: ...
    def scan(
        self, slot: Slot, position: int, *, after: str, until: str, limit: int,
        words: Sequence[str] | None = None, match_keys: Sequence[str] = (),
        jurisdictions: Sequence[str] = (), types: Sequence[str] = (),
        confidences: Sequence[str] = (), descending: bool = False,
    ) -> list[tuple[str, dict[str, Any]]]: ...  # fmt: skip
    def count(
        self, slot: Slot, position: int, *, after: str, until: str,
        words: Sequence[str] | None = None, match_keys: Sequence[str] = (),
        jurisdictions: Sequence[str] = (), types: Sequence[str] = (),
        confidences: Sequence[str] = (),
    ) -> int: ...  # fmt: skip
    def versions_between(
        self, slot: Slot, after: int, upto: int, on: date | None
    ) -> list[RowVersion]: ...
    def entries(self, slot: Slot, position: int, on: date) -> dict[str, dict[str, Any]]: ...


@dataclass(frozen=True)
class StoredRow:
    id: int
    entity: str
    valid_from: int
    valid_until: int
    body: dict[str, Any]


@dataclass
class Slot:
    slot: int
    view: str
    generation: int
    active: bool


@dataclass(frozen=True)
class RowVersion:
    """One version of a view entry: current for positions in ``[sys_from, sys_until)``."""

    entity: str
    sys_from: int
    sys_until: int
    body: dict[str, Any]


class SlotGone(Exception):
    """A runner tried to write to a slot a rebuild has since replaced."""


@dataclass
class WriteBatch:
    """View changes gathered by the runner for one transaction. Row ids are local (negative)
    until :meth:`ViewStore.write` assigns real ones."""

    inserts: dict[int, tuple[int, str, Row, int, list[str]]]
    closes: dict[int, int]  # row id (or local id) -> position it stops being current
    close_slots: dict[int, int]  # row id -> its slot
    positions: dict[int, int]  # slot -> position reached
    assigned: dict[int, int] | None = None

    @classmethod
    def empty(cls) -> WriteBatch:
        return cls({}, {}, {}, {})

    def insert(
        self, local_id: int, slot: int, policy_id: str, row: Row, position: int, keys: list[str]
    ) -> None:
        self.inserts[local_id] = (slot, policy_id, row, position, keys)

    def close(self, row_id: int, slot: int, position: int) -> None:
        self.closes[row_id] = position
        self.close_slots[row_id] = slot
