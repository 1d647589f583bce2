"""Copying a whole timeline from one store to another (SQLite to PostgreSQL, say), as stored:
the same events in the same order, with their event ids, record times and authors. Events are
copied as the library stored them (not re-appended), so nothing is re-validated or re-stamped;
the target's views are built from the copy by its projector."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from eventsourcing.persistence import StoredEvent

from domain import materials
from domain.log_index import LogQuery
from domain.timeline import Timeline

CHUNK = 1000


class TargetNotEmpty(Exception):
    pass


@dataclass
class CopyReport:
    copied: int
    source_head: int
    target_head: int


def copy_timeline(
    source: Timeline, target: Timeline, progress: Callable[[int], None] = lambda _: None
) -> CopyReport:
    """Copy every event of ``source`` into the empty ``target``, a transaction per chunk."""
    if target.position() > 0:
        raise TargetNotEmpty(
            f"the target already holds {target.position()} events; copy into an empty store"
        )
    after = 0
    copied = 0
    while True:
        notifications = source.recorder.select_notifications(
            start=after, limit=CHUNK, inclusive_of_start=False
        )
        if not notifications:
            break
        upto = notifications[-1].id
        query = LogQuery(after=after, until_position=upto, limit=len(notifications))
        rows = {r.position: r for r in source.index.find(query)}
        index_rows = []
        for notification in notifications:
            fact = source.mapper.to_domain_event(notification).fact  # type: ignore[attr-defined]
            keys = materials.keys_of(fact["materials"])
            index_rows.append(replace(rows[notification.id], materials=keys, position=0))
        target.recorder.insert_events(
            [
                StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
                for n in notifications
            ],
            index_rows=index_rows,
        )
        copied += len(notifications)
        progress(len(notifications))
        after = upto
    return CopyReport(copied, source.position(), target.position())
