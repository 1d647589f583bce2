"""The port through which the timeline finds events by id, type, jurisdiction and material.

Rows are written by the store in the same transaction as the events they describe, so the
index never disagrees with the log; the adapter lives in ``service.storage``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent


@dataclass(frozen=True)
class IndexRow:
    """What the index knows of one stored event; ``position`` is set once it is stored."""

    event_id: str
    policy_id: str
    version: int
    type: str
    jurisdiction: str
    recorded_at: datetime
    recorded_by: str
    digest: str
    about: str | None
    materials: tuple[str, ...]
    position: int = 0


@dataclass(frozen=True)
class LogQuery:
    after: int = 0
    limit: int = 100
    types: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    material_keys: frozenset[str] = frozenset()
    policy_id: str | None = None
    about: str | None = None
    until_position: int | None = None


class EventIndex(Protocol):
    """Implemented by the application recorder of each persistence module."""

    def receipts(self, event_ids: Sequence[str]) -> dict[str, IndexRow]: ...

    def existing_policy_ids(self, policy_ids: Sequence[str]) -> set[str]: ...

    def find(self, query: LogQuery) -> list[IndexRow]: ...

    def position_at(self, moment: datetime) -> int:
        """The last position recorded at or before ``moment`` (0 when none was)."""
        ...

    def notifications_at(self, positions: Sequence[int]) -> list[Notification]: ...

    def stored_events_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """Every stored event of these streams, by stream and version, read at one moment
        (the library's ``select_events`` reads one stream a query)."""
        ...

    def stream_versions(self, originator_ids: Sequence[UUID]) -> dict[UUID, int]:
        """The last stored version of each of these streams that has any."""
        ...

    def policy_ids(
        self, after: str, limit: int, kinds: Sequence[str], jurisdictions: Sequence[str]
    ) -> list[str]: ...

    def max_notification_id(self) -> Any: ...
