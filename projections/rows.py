"""What a view module produces: rows holding over valid-time intervals, and a helper that turns
"the item on day d" into such rows by evaluating it at every day something changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Row:
    """One view entry for ``valid_from <= day < valid_until`` (``None``: open-ended)."""

    entity: str
    valid_from: date | None
    valid_until: date | None
    body: dict[str, Any]
    sort_key: str = ""


@dataclass(frozen=True)
class PolicyFacts:
    """A policy's events as the timeline tells them at one log position."""

    policy_id: str
    facts: list[dict[str, Any]]  # effective: corrections applied, retractions left out
    positions: dict[str, int]  # event_id -> log position of the original event
    recorded_at: dict[str, str]  # event_id -> record time (ISO)


def day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def starts_on(fact: dict[str, Any]) -> date:
    """Valid time starts at ``effective_from``, or at ``announced_on`` without one."""
    return date.fromisoformat(fact.get("effective_from") or fact["announced_on"])


def over_time(
    entity: str,
    first_day: date,
    change_days: Iterable[date | None],
    item_on: Callable[[date], dict[str, Any] | None],
) -> list[Row]:
    """Rows for ``entity`` from ``first_day`` on: the item is evaluated on each day something
    changes and holds until the next such day; equal neighbours merge, None means absent."""
    days = sorted({first_day} | {d for d in change_days if d is not None and d > first_day})
    rows: list[Row] = []
    for index, start in enumerate(days):
        until = days[index + 1] if index + 1 < len(days) else None
        body = item_on(start)
        if body is None:
            continue
        if rows and rows[-1].valid_until == start and rows[-1].body == body:
            rows[-1] = Row(entity, rows[-1].valid_from, until, body, entity)
        else:
            rows.append(Row(entity, start, until, body, entity))
    return rows


CONFIDENCE_RANK = {"unverified": 0, "reported": 1, "confirmed": 2}


def sources_of(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str | None], dict[str, Any]] = {}
    for fact in facts:
        for source in fact.get("sources", []):
            seen.setdefault((source["title"], source.get("url")), source)
    return list(seen.values())
