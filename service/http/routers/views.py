"""Views: current-state read models, answered at any valid date and any record time. One read
route per view of the registry, made from its declaration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from inspect import Parameter, Signature
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from projections.registry import VIEWS
from projections.spec import ViewSpec
from service.http.answers import json_answer, pinned
from service.http.auth import Principal, require_admin, require_reader
from service.http.errors import ApiError, ErrorEnvelope
from service.http.params import ConfidenceParam, filter_dependency
from service.http.schemas import ViewBody, ViewInfo, ViewList
from service.queries.filters import ItemFilter
from service.queries.moments import MAX_POSITION
from service.queries.reader import ViewReader
from service.queries.views import MAX_PAGE, ViewQuery, read_material, read_view
from service.runtime.projector import ProjectionHost

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
QParam = Annotated[
    str | None,
    Query(
        max_length=200,
        description="words that must all appear in the title or summary, English or original "
        "language: whole words, case-insensitive; Chinese and Japanese words match as "
        "substrings (e.g. 稀土)",
    ),
]
SeriesParam = Annotated[
    Literal["month"] | None,
    Query(description="cumulative totals at the end of each month up to at"),
]
MonthsParam = Annotated[int, Query(ge=1, le=600, description="how many months the series covers")]


def host(request: Request) -> ProjectionHost:
    return request.app.state.projections  # type: ignore[no-any-return]


def reader(request: Request) -> ViewReader:
    return request.app.state.views  # type: ignore[no-any-return]


@router.get("/views", response_model=ViewList)
def list_views(request: Request) -> ViewList:
    """Each view with the log position it has reached and how far it lags the log."""
    projections = host(request)
    head = projections.timeline.position()
    positions = reader(request).positions()  # one transaction, not two queries per view
    items = []
    for name in VIEWS:
        reached = positions[name]
        rebuild = projections.rebuilds.get(name)
        items.append(
            ViewInfo(
                name=name,
                position=reached,
                lag=head - reached,
                rebuild=dict(rebuild) if rebuild else None,
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
    return dict(host(request).rebuilds.start(name))


def read_endpoint(spec: ViewSpec) -> Callable[..., Response]:
    """``GET /views/<name>``: the parameters every read takes, those the view's declaration
    adds (``at`` for a view read by date, ``q``, ``group_by``, ``series``), then its filters."""

    def endpoint(request: Request, chosen: ItemFilter, **asked: Any) -> Response:
        now = request.app.state.clock()
        answer = read_view(reader(request), spec, chosen, ViewQuery(**asked), now)
        return json_answer(pinned(request, answer))

    def param(name: str, annotation: Any, default: Any = None) -> Parameter:
        return Parameter(name, Parameter.KEYWORD_ONLY, default=default, annotation=annotation)

    chosen = Annotated[ItemFilter, Depends(filter_dependency(spec))]
    parameters = [
        Parameter("request", Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        Parameter("chosen", Parameter.POSITIONAL_OR_KEYWORD, annotation=chosen),
        *([param("at", AtParam)] if spec.read_by_date else []),
        param("known_at", KnownAtParam),
        param("min_position", MinPositionParam),
        *([param("q", QParam)] if spec.searchable else []),
        *([param("group_by", _group_by(spec.group_by))] if spec.group_by else []),
        *([param("series", SeriesParam), param("months", MonthsParam, 24)] if spec.series else []),
        param("limit", LimitParam, 100),
        param("after", AfterParam, ""),
    ]
    endpoint.__signature__ = Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = spec.read_operation or spec.name.replace("-", "_") + "_view"
    endpoint.__doc__ = spec.read_doc
    return endpoint


def _group_by(fields: tuple[str, ...]) -> Any:
    return Annotated[
        Literal[fields] | None,  # type: ignore[valid-type]
        Query(description="totals per value instead of commitments"),
    ]


for _spec in VIEWS.values():
    router.add_api_route(
        f"/views/{_spec.name}",
        read_endpoint(_spec),
        methods=["GET"],
        response_model=ViewBody,
        responses=READ_ERRORS,
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
) -> Response:
    """Everything bearing on one material on ``at``: the entries of each view read by date,
    under the section it declares (controls, funding, goals, ...), and the most recent events
    announced up to ``at``."""
    ask = ViewQuery(at=at, known_at=known_at, min_position=min_position)
    now = request.app.state.clock()
    answer = read_material(reader(request), material, ask, min_confidence, recent, now)
    return json_answer(pinned(request, answer))
