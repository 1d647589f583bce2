"""Facts for the unit tests of the views' ``rows``, and readers of the rows those give.

``made_up_fact`` and ``made_up_policy`` build events of policies that do not exist (every title
and source says "Made-up"), as effective facts: corrections applied, retractions left out.
``bundled_real_policy`` reads one real policy from the bundled timeline. ``on``, ``value_on``,
``spans`` and ``clipped`` read the rows a view's ``rows`` gives for such facts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Literal, overload

from projections.rows import PolicyFacts, Row
from projections.status import entry_on

BUNDLED_EVENTS = Path(__file__).parents[2] / "service" / "data" / "rare_earth_policy_events.jsonl"


def made_up_fact(
    type_: str,
    event_id: str,
    announced_on: str = "2025-01-01",
    *,
    jurisdiction: str = "CN",
    agency: str = "Made-up Ministry",
    materials: Iterable[str] = ("Dy",),
    **fields: Any,
) -> dict[str, Any]:
    """A made-up event of ``type_`` as the timeline tells it (an effective fact); ``fields``
    add to or replace its own."""
    return {
        "event_id": event_id,
        "type": type_,
        "jurisdiction": jurisdiction,
        "agency": agency,
        "title": f"Made-up {type_} {event_id}",
        "announced_on": announced_on,
        "materials": list(materials),
        "sources": [{"title": f"Made-up source {event_id}", "url": None}],
        **fields,
    }


def made_up_policy(
    *facts: dict[str, Any],
    policy_id: str = "made-up-policy",
    positions: list[int] | None = None,
) -> PolicyFacts:
    """The made-up ``facts`` as one policy, at the given log positions (default 1, 2, ...), each
    recorded at a made-up time naming its position."""
    numbers = list(range(1, len(facts) + 1)) if positions is None else positions
    return PolicyFacts(
        policy_id,
        list(facts),
        {f["event_id"]: n for f, n in zip(facts, numbers, strict=True)},
        {f["event_id"]: f"2025-12-01T00:00:{n:02d}Z" for f, n in zip(facts, numbers, strict=True)},
    )


def bundled_real_policy(policy_id: str) -> PolicyFacts:
    """The real events of ``policy_id`` in the bundled timeline, at their positions in it, each
    recorded on 2025-12-31."""
    with BUNDLED_EVENTS.open() as lines:
        facts = [json.loads(line) for line in lines if line.strip()]
    positions = {f["event_id"]: n for n, f in enumerate(facts, start=1)}
    mine = [f for f in facts if f["policy_id"] == policy_id]
    assert mine, policy_id
    return PolicyFacts(
        policy_id,
        mine,
        {f["event_id"]: positions[f["event_id"]] for f in mine},
        {f["event_id"]: "2025-12-31T00:00:00Z" for f in mine},
    )


@overload
def on(found: list[Row], day: str, *, must_hold: Literal[True]) -> dict[str, Any]: ...


@overload
def on(found: list[Row], day: str, *, must_hold: bool = False) -> dict[str, Any] | None: ...


def on(found: list[Row], day: str, *, must_hold: bool = False) -> dict[str, Any] | None:
    """The entry holding on ``day`` (None: no entry; with ``must_hold``, there must be one)."""
    entry = entry_on(found, date.fromisoformat(day))
    assert entry is not None or not must_hold, day
    return entry


def value_on(found: list[Row], day: str, field: str = "status") -> Any:
    """The ``field`` of the entry holding on ``day`` (None: no entry)."""
    entry = on(found, day)
    return None if entry is None else entry[field]


def spans(found: list[Row], field: str = "status") -> list[tuple[str | None, str | None, Any]]:
    """Each row as (valid_from, valid_until, its ``field``), dates in ISO."""
    return [
        (
            r.valid_from.isoformat() if r.valid_from else None,
            r.valid_until.isoformat() if r.valid_until else None,
            r.body[field],
        )
        for r in found
    ]


def clipped(found: list[Row], since: date) -> list[Row]:
    """``found`` as a read from ``since`` on sees it: earlier rows left out, the row holding on
    ``since`` starting there."""
    return [
        replace(r, valid_from=max(r.valid_from, since) if r.valid_from else since)
        for r in found
        if r.valid_until is None or r.valid_until > since
    ]
