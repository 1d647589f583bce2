"""What changed in a view: between two valid dates, or between two record times."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from projections.registry import DATED_VIEWS, VIEWS
from service.http.auth import require_reader
from service.http.errors import ErrorEnvelope
from service.http.params import Confidence
from service.http.schemas import DiffBody
from service.queries.diff import diff as diff_of

router = APIRouter(tags=["views"], dependencies=[Depends(require_reader)])

# The views a diff compares: those read at one valid date, in the registry's order.
DatedView = Literal[tuple(name for name in VIEWS if name in DATED_VIEWS)]  # type: ignore[valid-type]


@router.get(
    "/diff",
    response_model=DiffBody,
    responses={s: {"model": ErrorEnvelope} for s in (404, 409, 422, 503)},
)
def diff(
    request: Request,
    view: DatedView,  # type: ignore[valid-type]
    from_: Annotated[date | None, Query(alias="from", description="valid date before")] = None,
    to: Annotated[date | None, Query(description="valid date after")] = None,
    known_from: Annotated[
        str | None, Query(max_length=64, description="record time before")
    ] = None,
    known_to: Annotated[str | None, Query(max_length=64, description="record time after")] = None,
    at: Annotated[date | None, Query(description="valid date for a record-time diff")] = None,
    known_at: Annotated[
        str | None, Query(max_length=64, description="for a valid-time diff")
    ] = None,
    min_confidence: Confidence = "reported",
) -> JSONResponse:
    """Entries added, removed and changed (field by field), each with the events that caused
    it. Give ``from`` and ``to`` (valid dates, read as known at ``known_at``), or
    ``known_from`` and ``known_to`` (record times: ISO datetime, date or position=N, read on
    ``at``)."""
    answer = diff_of(
        request.app.state.views, view, from_=from_, to=to, known_from=known_from,
        known_to=known_to, at=at, known_at=known_at, min_confidence=min_confidence,
        now=request.app.state.clock(),
    )  # fmt: skip
    return JSONResponse(answer)
