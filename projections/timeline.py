"""``timeline``: the events in valid-time order (``announced_on``, then log position), as
corrected; retracted events are left out. Filters: ``from``, ``to``, ``jurisdiction``,
``material``, ``type`` and ``q`` (full text over title and summary and the original-language
title and summary: ``service.storage.text_search``)."""

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
    after = since.isoformat() if since is not None else None
    return [entry(policy, fact) for fact in policy.facts
            if after is None or fact["announced_on"] >= after]  # fmt: skip


def entry(policy: PolicyFacts, fact: dict[str, Any]) -> Row:
    """One event's entry: the row of ``fact`` (one of ``policy.facts``) alone."""
    position = policy.positions[fact["event_id"]]
    body = {**fact, "position": position, "recorded_at": policy.recorded_at[fact["event_id"]]}
    sort_key = f"{fact['announced_on']}:{position:012d}"
    return Row(fact["event_id"], day(fact["announced_on"]), None, body, sort_key)


def rows_added(policy: PolicyFacts, fact: dict[str, Any]) -> list[Row] | None:
    """The rows ``fact``, the policy's latest event, adds to the policy's rows, when it changes
    none of the others; None when it may (a correction or a retraction: recompute).

    Equal to the difference of :func:`rows` after and before: each entry is a function of its
    own fact, position and record time alone; an event that corrects or retracts nothing
    leaves every other effective fact as it was and adds itself as the last one
    (``domain.lifecycle.effective_facts``), so the entries after are those before and its own."""
    if fact["type"] in ("EventCorrected", "EventRetracted"):
        return None
    return [entry(policy, fact)]


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
    # The original-language title on the dim line under the English one.
    columns=(
        Column("policy_id", "policy_id"),
        Column("title", "title", wraps=True, details=(("original_title", "{}"),)),
    ),
    read_by_date=False,
    searchable=True,
    read_operation="timeline_view",
    stream_operation="timeline_stream",
)
