"""Policies: each one's state as its events now tell it, and its history."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from domain.timeline import Timeline
from service.http.answers import pinned
from service.http.auth import require_reader
from service.http.errors import ErrorEnvelope
from service.http.schemas import PolicyDetail, PolicyPage
from service.queries.moments import today
from service.queries.policies import policy_detail, policy_page
from service.queries.views import MAX_POLICY_PAGE

router = APIRouter(tags=["policies"], dependencies=[Depends(require_reader)])

Kind = Literal["export_control", "enforcement", "funding", "goal", "tariff", "announcement"]


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
    return PolicyPage(**policy_page(app, after, limit, kind or (), jurisdiction or (), on))


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
    now = request.app.state.clock()
    on = at or today(now)
    answer = policy_detail(request.app.state.timeline, policy_id, on, known_at, now)
    return PolicyDetail(**pinned(request, answer))
