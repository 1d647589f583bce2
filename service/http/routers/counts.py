"""Counts over time: ``GET /views/<name>/counts`` for each view read by date that declares
fields to count by, made from its declaration (its filters, as in its read)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from inspect import Parameter, Signature
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from projections.registry import VIEWS
from projections.spec import ViewSpec
from service.http.answers import json_answer
from service.http.auth import require_reader
from service.http.params import filter_dependency
from service.http.routers.views import READ_ERRORS, KnownAtParam, MinPositionParam, reader
from service.http.schemas import PERMALINK
from service.queries.counts import (
    DEFAULT_YEARS,
    MAX_BUCKETS,
    Bucket,
    CountQuery,
    count_view,
    counts_permalink,
)
from service.queries.filters import ItemFilter

router = APIRouter(tags=["views"], dependencies=[Depends(require_reader)])

BucketParam = Annotated[
    Bucket,
    Query(description="calendar month, quarter or year (default: month)"),
]
FromParam = Annotated[
    date | None,
    Query(
        alias="from",
        description=f"first day counted: its period is the first bucket (default: "
        f"{DEFAULT_YEARS} years before to)",
    ),
]
ToParam = Annotated[
    date | None,
    Query(description="last day counted: the last bucket ends on it (default: today, UTC)"),
]

COUNTS_DOC = (
    "How many entries of the view stood at the end of each calendar month, quarter or year "
    "(``bucket``) from ``from`` to ``to``, per value of ``by``, as the timeline told it at "
    "``known_at``. Each bucket is the view read on its last day (the last bucket on ``to`` "
    "itself, never later) at one log position, with the view's filters exactly as in its "
    "read, the statuses it shows by default included. ``by=material`` counts an entry once "
    "under each material it lists. Groups of no entries are left out; items come by "
    "``period_end``, then ``key`` (null last). At most "
    f"{MAX_BUCKETS} buckets (422 beyond); ``from`` after ``to`` is a 422 too. The permalink "
    "pins ``known_at=position=N``, ``from``, ``to`` and every filter."
)
FUNDING_DOC = (
    " Funding: ``count`` is every standing commitment of the group and ``total_usd`` the sum "
    "of their ``amount_usd`` (an amount in USD is its own), as the read's totals: a "
    "commitment without a USD figure is counted but adds nothing to ``total_usd`` (the "
    "read's ``count`` plus its ``unpriced``)."
)


class CountItem(BaseModel):
    period_end: str = Field(description="the day counted: the last day of the bucket, or to")
    key: str | None = Field(description="the value of by (a material, for by=material)")
    count: int = Field(description="entries standing on period_end with that value")


class FundingCountItem(CountItem):
    total_usd: str = Field(
        description="the group's USD total, a decimal string; unpriced commitments add nothing"
    )


class CountsBody(BaseModel):
    """A count of a view's entries at the end of each period, at one log position."""

    model_config = ConfigDict(populate_by_name=True)

    view: str
    by: str
    bucket: str
    from_: str = Field(alias="from", description="the first day counted (as answered)")
    to: str = Field(description="the last day counted: the last period end")
    known_at: str = Field(description="the record time answered for, as asked (default: now)")
    position: int = Field(description="the log position every bucket was read at")
    items: list[CountItem]
    permalink: str = PERMALINK


class FundingCountsBody(CountsBody):
    """Funding counted at the end of each period, with each group's USD total."""

    items: list[FundingCountItem]  # type: ignore[assignment]


def counts_endpoint(spec: ViewSpec) -> Callable[..., Response]:
    """``GET /views/<name>/counts``: ``by`` (the fields the view declares), ``bucket``,
    ``from``, ``to``, the record time, then the view's filters and ``min_confidence``."""

    def endpoint(
        request: Request,
        chosen: ItemFilter,
        by: str,
        bucket: str,
        start: date | None,
        to: date | None,
        known_at: str | None,
        min_position: int | None,
    ) -> Response:
        ask = CountQuery(by, bucket, start, to, known_at, min_position)
        answer = count_view(reader(request), spec, chosen, ask, request.app.state.clock())
        asked = request.query_params.multi_items()
        return json_answer(
            {**answer, "permalink": counts_permalink(request.url.path, asked, answer)}
        )

    chosen = Annotated[ItemFilter, Depends(filter_dependency(spec))]

    def param(name: str, annotation: Any, default: Any = None) -> Parameter:
        return Parameter(name, Parameter.KEYWORD_ONLY, default=default, annotation=annotation)

    parameters = [
        Parameter("request", Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        Parameter("chosen", Parameter.POSITIONAL_OR_KEYWORD, annotation=chosen),
        param("by", _by(spec.count_by), Parameter.empty),
        param("bucket", BucketParam, "month"),
        param("start", FromParam),
        param("to", ToParam),
        param("known_at", KnownAtParam),
        param("min_position", MinPositionParam),
    ]
    endpoint.__signature__ = Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = spec.name.replace("-", "_") + "_counts"
    endpoint.__doc__ = COUNTS_DOC + (FUNDING_DOC if spec.totals else "")
    return endpoint


def _by(fields: tuple[str, ...]) -> Any:
    return Annotated[
        Literal[fields],  # type: ignore[valid-type]
        Query(description="the field counted by: " + ", ".join(fields)),
    ]


for _spec in VIEWS.values():
    if _spec.read_by_date and _spec.count_by:
        router.add_api_route(
            f"/views/{_spec.name}/counts",
            counts_endpoint(_spec),
            methods=["GET"],
            response_model=FundingCountsBody if _spec.totals else CountsBody,
            responses=READ_ERRORS,
        )
