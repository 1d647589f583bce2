"""Keeping the event index's material keys in step with how materials are matched.

The index stores, per event, the keys its materials are found under. When the derivation
changes (version 2 added the word keys of named materials, so that ``magnets`` finds
``NdFeB magnets``), a store written by an older version is re-keyed once at start, from the
events themselves; until then a filter would miss the older events.
"""

from __future__ import annotations

from typing import Any, Protocol

from domain import materials
from domain.timeline import Timeline

MATERIAL_KEYS_VERSION = 2
PAGE = 1000


class _KeyedRecorder(Protocol):
    def material_keys_version(self) -> int: ...
    def replace_material_keys(self, rows: list[tuple[str, int]], version: int) -> None: ...
    def select_notifications(self, *args: Any, **kwargs: Any) -> Any: ...


def refresh_material_keys(timeline: Timeline) -> int:
    """Re-key the store if an older derivation made its keys; returns the events re-keyed."""
    recorder: _KeyedRecorder = timeline.recorder  # type: ignore[assignment]
    if recorder.material_keys_version() >= MATERIAL_KEYS_VERSION:
        return 0
    rows: list[tuple[str, int]] = []
    position = 0
    events = 0
    while True:
        page = recorder.select_notifications(start=position, limit=PAGE, inclusive_of_start=False)
        if not page:
            break
        for notification in page:
            fact = timeline.mapper.to_domain_event(notification).fact  # type: ignore[attr-defined]
            rows.extend((key, notification.id) for key in materials.keys_of(fact["materials"]))
        events += len(page)
        position = page[-1].id
    recorder.replace_material_keys(rows, MATERIAL_KEYS_VERSION)
    return events
