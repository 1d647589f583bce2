"""Reading the event log: pages in position order, and one event with the corrections and
retractions recorded about it, as known at a record time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.lifecycle import effective_facts
from domain.log_index import LogQuery
from domain.timeline import LoggedEvent, Timeline
from service.queries.filters import LogFilter
from service.queries.moments import echo, log_position, not_recorded, record_time_hint


def entry(logged: LoggedEvent) -> dict[str, Any]:
    """An event as the log holds it, with its place and who recorded it when."""
    return {
        "position": logged.position,
        "version": logged.version,
        "recorded_at": logged.recorded_at,
        "recorded_by": logged.recorded_by,
        "event": logged.fact,
    }


def log_page(
    timeline: Timeline,
    chosen: LogFilter,
    after: int,
    limit: int,
    known_at: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Events after position ``after`` recorded by ``known_at``, at most ``limit``; pass
    ``next_after`` as ``after`` for the next page."""
    position = log_position(timeline, known_at)
    query = LogQuery(
        after=after,
        limit=limit + 1,
        types=chosen.types,
        jurisdictions=chosen.jurisdictions,
        material_keys=chosen.keys,
        until_position=position,
    )
    logged = timeline.read_log(query)
    more = len(logged) > limit
    logged = logged[:limit]
    return {
        "items": [entry(e) for e in logged],
        "next_after": logged[-1].position if more else None,
        "known_at": echo(known_at, now),
        "position": position,
        "hint": record_time_hint(timeline, known_at, position),
    }


def event_detail(timeline: Timeline, event_id: str, known_at: str | None) -> dict[str, Any]:
    """One event with the corrections and retractions recorded about it by ``known_at``."""
    position = log_position(timeline, known_at)
    logged = timeline.logged_event(event_id)
    if logged is None or logged.position > position:
        raise not_recorded(timeline, f"no event {event_id}", known_at, position)
    about = timeline.read_log(LogQuery(about=event_id, limit=1000, until_position=position))
    current = effective_facts([logged.fact, *(e.fact for e in about)])
    return {
        **entry(logged),
        "retracted": not current,
        "as_corrected": current[0] if current else logged.fact,
        "corrections": [entry(e) for e in about],
    }
