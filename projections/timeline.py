"""``timeline``: the events in valid-time order (``announced_on``, then log position), as
corrected; retracted events are left out. Filters: ``from``, ``to``, ``jurisdiction``,
``material``, ``type`` and ``q`` (full text over title and summary, SQLite FTS5)."""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.rows import PolicyFacts, Row, day
from projections.spec import Column, Filter, ViewSpec


def affects_from(fact: dict[str, Any]) -> date | None:
    """A new event adds its own entry; a correction or retraction can change any."""
    if fact["type"] in ("EventCorrected", "EventRetracted"):
        return None
    return day(fact["announced_on"])


def rows(policy: PolicyFacts, since: date | None = None) -> list[Row]:
    out = []
    for fact in policy.facts:
        if since is not None and fact["announced_on"] < since.isoformat():
            continue
        position = policy.positions[fact["event_id"]]
        announced = day(fact["announced_on"])
        body = {
            **fact,
            "position": position,
            "recorded_at": policy.recorded_at[fact["event_id"]],
        }
        sort_key = f"{fact['announced_on']}:{position:012d}"
        out.append(Row(fact["event_id"], announced, None, body, sort_key))
    return out


SPEC = ViewSpec(
    name="timeline",
    title="Timeline",
    consumes=frozenset(),  # every type: the timeline shows all events
    rows=rows,
    affects_from=affects_from,
    read_doc="Events in valid-time order (``announced_on``, then position), as corrected at\n"
    "``known_at``; retracted events are left out.",
    filters=(
        Filter("from_", match="announced_from", alias="from", description="announced on or after"),
        Filter("to", match="announced_to", description="announced before (exclusive)"),
        Filter("jurisdiction"),
        Filter("material", match="material"),
        Filter("type", match="event_type"),
    ),
    columns=(Column("policy_id", "policy_id"), Column("title", "title", wraps=True)),
    read_by_date=False,
    searchable=True,
    read_operation="timeline_view",
    stream_operation="timeline_stream",
)
