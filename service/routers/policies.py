"""Policies: each one's state as its events now tell it, and its history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from domain.log_index import LogQuery
from domain.policy import Policy
from domain.timeline import Timeline
from service.errors import ApiError, ErrorEnvelope
from service.routers.events import entry
from service.schemas import PolicyDetail, PolicyPage, PolicySummary

router = APIRouter(tags=["policies"])

Kind = Literal["export_control", "enforcement", "funding", "goal", "tariff", "announcement"]


def summary(policy: Policy) -> PolicySummary:
    state = policy.state
    return PolicySummary(
        policy_id=policy.policy_id,
        kind=state.kind if state else None,
        status=state.status if state else "retracted",
        version=policy.version,
        title=state.fields.get("title") if state else None,
        jurisdiction=state.fields.get("jurisdiction") if state else None,
    )


@router.get("/policies", response_model=PolicyPage, responses={422: {"model": ErrorEnvelope}})
def list_policies(
    request: Request,
    after: Annotated[str, Query(max_length=80, description="cursor: policy ids after this")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    kind: Annotated[list[Kind] | None, Query(description="repeatable")] = None,
    jurisdiction: Annotated[list[str] | None, Query(description="repeatable")] = None,
) -> PolicyPage:
    """Policies in ``policy_id`` order, with cursor paging."""
    app: Timeline = request.app.state.timeline
    ids = app.policy_ids(after, limit + 1, kind or (), jurisdiction or ())
    more = len(ids) > limit
    ids = ids[:limit]
    items = [summary(p) for p in (app.policy(i) for i in ids) if p is not None]
    return PolicyPage(items=items, next_after=ids[-1] if more else None)


@router.get(
    "/policies/{policy_id}",
    response_model=PolicyDetail,
    responses={404: {"model": ErrorEnvelope}},
)
def get_policy(request: Request, policy_id: str) -> PolicyDetail:
    app: Timeline = request.app.state.timeline
    policy = app.policy(policy_id) if len(policy_id) <= 80 else None
    if policy is None:
        raise ApiError(404, "not_found", f"no policy {policy_id!r} is recorded")
    state = policy.state
    history = app.read_log(LogQuery(policy_id=policy_id, limit=100_000))
    return PolicyDetail(
        **summary(policy).model_dump(),
        current=state.fields if state else {},
        suspended_since=state.suspended_since.isoformat()
        if state and state.suspended_since
        else None,
        suspended_until=state.suspended_until.isoformat()
        if state and state.suspended_until
        else None,
        latest_progress=state.latest_progress if state else None,
        history=[entry(e) for e in history],
    )
