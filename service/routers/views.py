"""Views: current-state read models, answered at any valid date and any record time."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from projections import export_controls, funding, goals
from projections.registry import VIEWS
from service import view_reads
from service.auth import Principal, require_admin, require_reader
from service.errors import ApiError, ErrorEnvelope
from service.projection_host import ProjectionHost
from service.schemas import ViewBody, ViewInfo, ViewList
from service.view_filters import (
    ConfidenceParam,
    ExportControlFilter,
    FundingFilter,
    GoalFilter,
    ItemFilter,
    TimelineFilter,
    material_keys,
    select_counted,
)
from service.view_reads import MAX_PAGE, MAX_POSITION, Moment, page, resolve, today

router = APIRouter(tags=["views"], dependencies=[Depends(require_reader)])

READ_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorEnvelope} for s in (404, 409, 422, 503)
}

AtParam = Annotated[date | None, Query(description="valid date (default: today, UTC)")]
KnownAtParam = Annotated[
    str | None,
    Query(
        max_length=64,
        description="record time: ISO datetime, ISO date (end of that day, UTC) or position=N "
        "(default: now)",
    ),
]
MinPositionParam = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_POSITION,
        description="answer once the view has applied this log position (or 503)",
    ),
]
LimitParam = Annotated[int, Query(ge=1, le=MAX_PAGE)]
AfterParam = Annotated[str, Query(max_length=200, description="cursor: next_after of a page")]


def host(request: Request) -> ProjectionHost:
    return request.app.state.projections  # type: ignore[no-any-return]


def body(view: str, on: date | None, moment: Moment, left_out: int, **rest: Any) -> dict[str, Any]:
    return {
        "view": view,
        "at": on.isoformat() if on else None,
        "known_at": moment.known_at,
        "position": moment.position,
        "hint": moment.hint,
        "left_out_by_min_confidence": left_out,
        **rest,
    }


@router.get("/views", response_model=ViewList)
def list_views(request: Request) -> ViewList:
    """Each view with the log position it has reached and how far it lags the log."""
    projections = host(request)
    head = projections.timeline.position()
    items = []
    for name in VIEWS:
        reached = projections.position(name)
        rebuild = projections.rebuilds.get(name)
        items.append(
            ViewInfo(
                name=name,
                position=reached,
                lag=head - reached,
                rebuild={k: v for k, v in rebuild.items() if k != "thread"} if rebuild else None,
            )
        )
    items.append(ViewInfo(name="materials/{material}", position=None, lag=None, rebuild=None))
    return ViewList(log_position=head, items=items)


@router.post(
    "/views/{name}/rebuild",
    status_code=202,
    responses={404: {"model": ErrorEnvelope}},
)
async def rebuild_view(
    request: Request, name: str, principal: Annotated[Principal, Depends(require_admin)]
) -> dict[str, Any]:
    """Rebuild a view from position 0 in the background; the old one serves until the new
    one has caught up. Progress shows in ``GET /views``."""
    if name not in VIEWS:
        raise ApiError(404, "not_found", f"no view {name!r}; one of {', '.join(VIEWS)}")
    status = host(request).rebuild_in_background(name)
    return {k: v for k, v in status.items() if k != "thread"}


@router.get("/views/active-export-controls", response_model=ViewBody, responses=READ_ERRORS)
def active_export_controls(
    request: Request,
    chosen: ExportControlFilter,
    at: AtParam = None,
    known_at: KnownAtParam = None,
    min_position: MinPositionParam = None,
    limit: LimitParam = 100,
    after: AfterParam = "",
) -> JSONResponse:
    """Export controls that bind or will bind on ``at``: ``pending`` (not yet in effect),
    ``in_force`` or ``suspended``, as the timeline told it at ``known_at``. Ask for
    ``status=lifted`` or ``status=expired`` to see controls that had ended by ``at``."""
    on, moment = _when(request, export_controls.NAME, at, known_at, min_position)
    items, left_out = select_counted(
        host(request).stab(export_controls.NAME, moment.position, on, ended=chosen.wants_ended),
        chosen,
    )
    shown, cursor = page(items, after, limit)
    return JSONResponse(
        body(export_controls.NAME, on, moment, left_out, items=shown, next_after=cursor)
    )


@router.get("/views/funding", response_model=ViewBody, responses=READ_ERRORS)
def funding_view(
    request: Request,
    chosen: FundingFilter,
    at: AtParam = None,
    known_at: KnownAtParam = None,
    min_position: MinPositionParam = None,
    group_by: Annotated[
        Literal["jurisdiction", "agency", "recipient", "material", "mechanism"] | None,
        Query(description="totals per value instead of commitments"),
    ] = None,
    series: Annotated[
        Literal["month"] | None,
        Query(description="cumulative totals at the end of each month up to at"),
    ] = None,
    months: Annotated[
        int, Query(ge=1, le=600, description="how many months the series covers")
    ] = 24,
    limit: LimitParam = 100,
    after: AfterParam = "",
) -> JSONResponse:
    """Funding committed on ``at``: commitments (default), totals ``group_by`` a field, or a
    cumulative monthly ``series``. ``total_usd`` adds ``amount_usd`` (an amount in USD is its
    own); commitments without one are left out of it and counted in ``unpriced``. By
    ``material``, each row totals what ``material=<that material>`` would; a commitment naming
    several materials counts in full under each, so the rows do not add up to the total. Each
    month of a series has its own ``left_out_by_min_confidence``."""
    on, moment = _when(request, funding.NAME, at, known_at, min_position)

    def choose(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        return select_counted(items, chosen)

    if series is not None:
        first = view_reads.months_back(on, months)
        rows = view_reads.series(host(request), moment.position, first, on, choose)
        # The last month ends on ``at``: what the series leaves out is what a read on it would.
        left_out = rows[-1]["left_out_by_min_confidence"]
        return JSONResponse(body(funding.NAME, on, moment, left_out, series="month", items=rows))
    items, left_out = choose(host(request).stab(funding.NAME, moment.position, on))
    summary = view_reads.totals(items)
    if group_by is not None:
        groups = view_reads.grouped(items, group_by)
        return JSONResponse(
            body(funding.NAME, on, moment, left_out, group_by=group_by, **summary, items=groups)
        )
    shown, cursor = page(items, after, limit)
    return JSONResponse(
        body(funding.NAME, on, moment, left_out, **summary, items=shown, next_after=cursor)
    )


@router.get("/views/goals", response_model=ViewBody, responses=READ_ERRORS)
def goals_view(
    request: Request,
    chosen: GoalFilter,
    at: AtParam = None,
    known_at: KnownAtParam = None,
    min_position: MinPositionParam = None,
    limit: LimitParam = 100,
    after: AfterParam = "",
) -> JSONResponse:
    """Self-sufficiency goals on ``at`` with their latest progress and status (see the
    ``projections.goals`` docstring for how ``on_track`` is computed)."""
    on, moment = _when(request, goals.NAME, at, known_at, min_position)
    items, left_out = select_counted(
        host(request).stab(goals.NAME, moment.position, on, ended=chosen.wants_ended), chosen
    )
    shown, cursor = page(items, after, limit)
    return JSONResponse(body(goals.NAME, on, moment, left_out, items=shown, next_after=cursor))


@router.get("/views/timeline", response_model=ViewBody, responses=READ_ERRORS)
def timeline_view(
    request: Request,
    chosen: TimelineFilter,
    known_at: KnownAtParam = None,
    min_position: MinPositionParam = None,
    q: Annotated[str | None, Query(max_length=200, description="words in title or summary")] = None,
    limit: LimitParam = 100,
    after: AfterParam = "",
) -> JSONResponse:
    """Events in valid-time order (``announced_on``, then position), as corrected at
    ``known_at``; retracted events are left out."""
    _, moment = _when(request, "timeline", None, known_at, min_position)
    words = _words(q) if q is not None else None
    query: dict[str, Any] = dict(
        after=max(after, chosen.announced_from), words=words, match_keys=sorted(chosen.keys),
        jurisdictions=chosen.values("jurisdiction"), types=chosen.values("type"),
    )  # fmt: skip
    found = host(request).scan(
        "timeline", moment.position, until=chosen.announced_before, limit=limit + 1,
        confidences=chosen.confidences(), **query,
    )  # fmt: skip
    shown = [item for _, item in found[:limit]]
    next_after = found[limit - 1][0] if len(found) > limit else None
    # Counted over this page's span only (up to its last item, or to the end on the last
    # page), so that a read costs what its page does; the pages' counts add up to the whole.
    # Sort keys are unique, so "before the last item" leaves out nothing of this page.
    span_until = next_after or chosen.announced_before
    left_out = _count_left_out(request, chosen, moment.position, until=span_until, **query)
    return JSONResponse(
        body("timeline", None, moment, left_out, items=shown, next_after=next_after)
    )


@router.get("/views/materials/{material}", response_model=ViewBody, responses=READ_ERRORS)
def material_view(
    request: Request,
    material: str,
    at: AtParam = None,
    known_at: KnownAtParam = None,
    min_position: MinPositionParam = None,
    min_confidence: ConfidenceParam = "reported",
    recent: Annotated[int, Query(ge=0, le=100, description="how many recent events")] = 10,
) -> JSONResponse:
    """Everything bearing on one material on ``at``: controls, funding, goals and the most
    recent events announced up to ``at``."""
    keys = material_keys([material])
    on, moment = _when(request, export_controls.NAME, at, known_at, min_position)
    projections = host(request)

    chosen = ItemFilter(keys=keys, min_confidence=min_confidence)
    left_out = 0

    def of(view: str) -> list[dict[str, Any]]:
        nonlocal left_out
        items, dropped = select_counted(projections.stab(view, moment.position, on), chosen)
        left_out += dropped
        return items

    controls, commitments, goal_items = of(export_controls.NAME), of(funding.NAME), of(goals.NAME)
    until = on.isoformat() + ":~"
    found = projections.scan(
        "timeline",
        moment.position,
        after="",
        until=until,
        limit=recent,
        match_keys=sorted(keys),
        descending=True,
        confidences=chosen.confidences(),
    )
    if recent:
        # Events left out among the recent ones: from the oldest shown (all, when fewer than
        # ``recent`` were found) up to ``at``.
        since = found[-1][0] if len(found) == recent else ""
        left_out += _count_left_out(
            request, chosen, moment.position, after=since, until=until, match_keys=sorted(keys)
        )
    return JSONResponse(
        body(
            f"materials/{material}",
            on,
            moment,
            left_out,
            material=sorted(keys),
            items={
                "controls": controls,
                "funding": {**view_reads.totals(commitments), "items": commitments},
                "goals": goal_items,
                "recent_events": [item for _, item in found],
            },
        )
    )


def _count_left_out(request: Request, chosen: ItemFilter, position: int, **query: Any) -> int:
    """Timeline events within ``query`` that ``min_confidence`` leaves out."""
    below = chosen.left_out_confidences()
    if not below:
        return 0
    projections = host(request)
    return projections.store.count(
        projections.slot("timeline"), position, confidences=below, **query
    )


def _when(
    request: Request, view: str, at: date | None, known_at: str | None, min_position: int | None
) -> tuple[date, Moment]:
    now = request.app.state.clock()
    moment = resolve(host(request), view, known_at, min_position, now)
    return at or today(now), moment


def _words(q: str) -> list[str]:
    """The words of a search; every one must appear. The store quotes each as a plain word, so
    user text never reaches a full-text query syntax (quotes, NEAR, column filters)."""
    words = [w.replace('"', "") for w in q.split()]
    words = [w for w in words if w]
    if not words:
        raise ApiError(422, "invalid", "q has no words", [{"field": "q", "message": "empty"}])
    return words
