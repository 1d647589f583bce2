"""What a view module produces: rows holding over valid-time intervals, and a helper that turns
"the item on day d" into such rows by evaluating it at every day something changes."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, get_args

from domain.events import Confidence


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
    return _parse(value)


@lru_cache(maxsize=65536)
def _parse(text: str) -> date:
    # Views re-evaluate a policy's dates for every event of the policy: parse each text once.
    return date.fromisoformat(text)


def starts_on(fact: dict[str, Any]) -> date:
    """Valid time starts at ``effective_from``, or at ``announced_on`` without one."""
    return _parse(fact.get("effective_from") or fact["announced_on"])


def over_time(
    entity: str,
    first_day: date,
    change_days: Iterable[date | None],
    item_on: Callable[[date], dict[str, Any] | None],
    since: date | None = None,
) -> list[Row]:
    """Rows for ``entity`` from ``first_day`` (or from ``since``, when only later days are
    wanted) on: the item is evaluated on each day something changes and holds until the next
    such day; equal neighbours merge, None means absent."""
    first_day = first_day if since is None else max(first_day, since)
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


def follow_up_start(fact: dict[str, Any]) -> date | None:
    """The first day a further event can change a policy's entries: its own start, for an
    event that only moves the policy on. Openings, corrections and retractions can change
    any day (None)."""
    if fact["type"] in REWRITES:
        return None
    return starts_on(fact)


REWRITES = frozenset(
    {"ExportControlImposed", "FundingCommitted", "SelfSufficiencyGoalSet", "TariffImposed",
     "EnforcementActionLaunched", "PolicyAnnounced", "EventCorrected", "EventRetracted"}
)  # fmt: skip

# From the least certain: a filter's min_confidence admits its rank and above.
CONFIDENCE_RANK = {name: rank for rank, name in enumerate(reversed(get_args(Confidence)))}


class Provenance:
    """The events an entry on a day is built from: the policy's first event and every later
    one that has taken effect by that day, with their sources. Later segments name later
    events, so a new event leaves the rows of earlier days untouched."""

    def __init__(self, facts: list[dict[str, Any]]) -> None:
        starts = [starts_on(f) for f in facts]
        later = sorted(range(1, len(facts)), key=starts.__getitem__)
        self._facts = facts
        self._order = later
        self._starts = [starts[i] for i in later]
        self._memo: dict[int, dict[str, Any]] = {}
        # sources_of(built_from) without going through every source of every fact each time:
        # the first event is always among them and comes first, so its sources lead and a
        # later event adds only sources the first one does not cite (``_new``, by event).
        self._first = _keyed_sources(facts[:1])
        self._new: dict[int, list[tuple[tuple[str, str | None], dict[str, Any]]]] = {}
        cited = facts[0].get("sources", []) if facts else []
        for index in later:
            if facts[index].get("sources", []) == cited:
                continue  # the first event's own sources (most follow-ups cite the same)
            new = [
                (key, source)
                for source in facts[index].get("sources", [])
                if (key := (source["title"], source.get("url"))) not in self._first
            ]
            if new:
                self._new[index] = new

    def on(self, d: date) -> dict[str, Any]:
        count = bisect_right(self._starts, d)
        found = self._memo.get(count)
        if found is None:
            built_from = sorted([0, *self._order[:count]])
            seen = dict(self._first)
            if self._new:
                for index in built_from:
                    for key, source in self._new.get(index, ()):
                        seen.setdefault(key, source)
            found = self._memo[count] = {
                "sources": list(seen.values()),
                "event_ids": [self._facts[i]["event_id"] for i in built_from],
            }
        return found


def _keyed_sources(facts: list[dict[str, Any]]) -> dict[tuple[str, str | None], dict[str, Any]]:
    seen: dict[tuple[str, str | None], dict[str, Any]] = {}
    for fact in facts:
        for source in fact.get("sources", []):
            seen.setdefault((source["title"], source.get("url")), source)
    return seen


def sources_of(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(_keyed_sources(facts).values())
