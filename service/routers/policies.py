"""Policies: each one's state as its events now tell it, and its history."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from domain.lifecycle import effective_facts
from domain.log_index import LogQuery
from domain.policy import Policy
from domain.timeline import Timeline
from projections.registry import VIEWS
from projections.rows import PolicyFacts
from projections.status import entry_on, status_on
from service.auth import require_reader
from service.errors import ErrorEnvelope
from service.routers.events import entry
from service.schemas import PolicyDetail, PolicyPage, PolicySummary
from service.view_reads import MAX_POLICY_PAGE, not_recorded, parse_known_at, today

router = APIRouter(tags=["policies"], dependencies=[Depends(require_reader)])

Kind = Literal["export_control", "enforcement", "funding", "goal", "tariff", "announcement"]


def summary(policy: Policy, facts: PolicyFacts, on: date) -> PolicySummary:
    """The policy with its status on ``on``; ``facts`` are its events as the answer knows
    them (corrections applied, retracted ones left out)."""
    state = policy.state
    return PolicySummary(
        policy_id=policy.policy_id,
        kind=state.kind if state else None,
        status=status_on(state.kind, facts, on) if state else "retracted",
        version=policy.version,
        title=state.fields.get("title") if state else None,
        jurisdiction=state.fields.get("jurisdiction") if state else None,
    )


def known_facts(policy: Policy) -> PolicyFacts:
    """A policy's effective facts, for its status (which needs neither positions nor record
    times)."""
    return PolicyFacts(policy.policy_id, effective_facts(policy.facts), {}, {})


@router.get("/policies", response_model=PolicyPage, responses={422: {"model": ErrorEnvelope}})
def list_policies(
    request: Request,
    after: Annotated[str, Query(max_length=80, description="cursor: policy ids after this")] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_POLICY_PAGE)] = 100,
    kind: Annotated[list[Kind] | None, Query(description="repeatable")] = None,
    jurisdiction: Annotated[list[str] | None, Query(description="repeatable")] = None,
    at: Annotated[
        date | None, Query(description="valid date each status is for (default: today, UTC)")
    ] = None,
) -> PolicyPage:
    """Policies in ``policy_id`` order, with cursor paging, each with its status on ``at`` as
    the views give it."""
    app: Timeline = request.app.state.timeline
    on = at or today(request.app.state.clock())
    ids = app.policy_ids(after, limit + 1, kind or (), jurisdiction or ())
    more = len(ids) > limit
    ids = ids[:limit]
    items = [summary(p, known_facts(p), on) for p in (app.policy(i) for i in ids) if p is not None]
    return PolicyPage(at=on.isoformat(), items=items, next_after=ids[-1] if more else None)


@router.get(
    "/policies/{policy_id}",
    response_model=PolicyDetail,
    responses={404: {"model": ErrorEnvelope}, 422: {"model": ErrorEnvelope}},
)
def get_policy(
    request: Request,
    policy_id: str,
    at: Annotated[date | None, Query(description="valid date (default: today, UTC)")] = None,
    known_at: Annotated[
        str | None,
        Query(max_length=64, description="record time: ISO datetime, ISO date or position=N"),
    ] = None,
) -> PolicyDetail:
    """The policy as its events told it at ``known_at`` (default: now): its status on ``at``
    as the views give it, how each view showed it on ``at`` (``on_date``), its fields as its
    events tell them (``current``), and its history up to then."""
    app: Timeline = request.app.state.timeline
    now = request.app.state.clock()
    position = app.position()
    if known_at is not None:
        parsed = parse_known_at(known_at)
        position = min(position, parsed if isinstance(parsed, int) else app.position_at(parsed))
    history = (
        app.read_log(LogQuery(policy_id=policy_id, until_position=position, limit=100_000))
        if len(policy_id) <= 80
        else []
    )
    if not history:
        raise not_recorded(app, f"no policy {policy_id!r}", known_at, position)
    policy = app.policy_at(policy_id, history[-1].version)
    state = policy.state
    on = at or today(now)
    facts = PolicyFacts(
        policy_id,
        effective_facts([e.fact for e in history]),
        {e.fact["event_id"]: e.position for e in history},
        {e.fact["event_id"]: e.recorded_at.isoformat() for e in history},
    )
    on_date = {
        name: entry_on(view.rows(facts), on) for name, view in VIEWS.items() if name != "timeline"
    }
    return PolicyDetail(
        **summary(policy, facts, on).model_dump(),
        at=on.isoformat(),
        known_at=known_at or now.isoformat().replace("+00:00", "Z"),
        position=position,
        on_date={k: v for k, v in on_date.items() if v is not None},
        current=state.fields if state else {},
        suspended_since=_iso(state.suspended_since) if state else None,
        suspended_until=_iso(state.suspended_until) if state else None,
        latest_progress=state.latest_progress if state else None,
        history=[entry(e) for e in history],
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
