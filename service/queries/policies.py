"""Policies: each one's status on a day as the views give it, and one policy in detail as its
events told it at a record time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from domain.lifecycle import effective_facts
from domain.log_index import LogQuery
from domain.policy import Policy
from domain.timeline import Timeline
from projections.registry import DATED_VIEWS, VIEWS
from projections.rows import PolicyFacts
from projections.status import entry_on, status_on
from service.queries.log import entry
from service.queries.moments import echo, log_position, not_recorded

MAX_POLICY_ID = 80


def summary(policy: Policy, facts: PolicyFacts, on: date) -> dict[str, Any]:
    """The policy with its status on ``on``; ``facts`` are its events as the answer knows
    them (corrections applied, retracted ones left out)."""
    state = policy.state
    return {
        "policy_id": policy.policy_id,
        "kind": state.kind if state else None,
        "status": status_on(state.kind, facts, on) if state else "retracted",
        "version": policy.version,
        "title": state.fields.get("title") if state else None,
        "jurisdiction": state.fields.get("jurisdiction") if state else None,
    }


def known_facts(policy: Policy) -> PolicyFacts:
    """A policy's effective facts, for its status (which needs neither positions nor record
    times)."""
    return PolicyFacts(policy.policy_id, effective_facts(policy.facts), {}, {})


def policy_page(
    timeline: Timeline,
    after: str,
    limit: int,
    kinds: Sequence[str],
    jurisdictions: Sequence[str],
    on: date,
) -> dict[str, Any]:
    ids = timeline.policy_ids(after, limit + 1, kinds, jurisdictions)
    more = len(ids) > limit
    ids = ids[:limit]
    policies = (timeline.policy(i) for i in ids)
    items = [summary(p, known_facts(p), on) for p in policies if p is not None]
    return {"at": on.isoformat(), "items": items, "next_after": ids[-1] if more else None}


def policy_detail(
    timeline: Timeline, policy_id: str, on: date, known_at: str | None, now: datetime
) -> dict[str, Any]:
    """The policy as its events told it at ``known_at``: its status on ``on``, how each dated
    view showed it on ``on``, its fields, and its history up to then."""
    position = log_position(timeline, known_at)
    history = (
        timeline.read_log(LogQuery(policy_id=policy_id, until_position=position, limit=100_000))
        if len(policy_id) <= MAX_POLICY_ID
        else []
    )
    if not history:
        raise not_recorded(timeline, f"no policy {policy_id!r}", known_at, position)
    policy = timeline.policy_at(policy_id, history[-1].version)
    state = policy.state
    facts = PolicyFacts(
        policy_id,
        effective_facts([e.fact for e in history]),
        {e.fact["event_id"]: e.position for e in history},
        {e.fact["event_id"]: e.recorded_at.isoformat() for e in history},
    )
    on_date = {name: entry_on(VIEWS[name].rows(facts, None), on) for name in sorted(DATED_VIEWS)}
    return {
        **summary(policy, facts, on),
        "at": on.isoformat(),
        "known_at": echo(known_at, now),
        "position": position,
        "on_date": {k: v for k, v in on_date.items() if v is not None},
        "current": state.fields if state else {},
        "suspended_since": _iso(state.suspended_since) if state else None,
        "suspended_until": _iso(state.suspended_until) if state else None,
        "latest_progress": state.latest_progress if state else None,
        "history": [entry(e) for e in history],
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
