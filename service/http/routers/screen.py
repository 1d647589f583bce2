"""Screening: may a product leave one jurisdiction for another on a day? The export controls
that bind it, those about to, and those whose partial HS lists cannot rule it out
(``service.queries.screen``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from service.http.answers import json_answer, pinned
from service.http.auth import require_reader
from service.http.params import ConfidenceParam
from service.http.routers.views import READ_ERRORS, KnownAtParam, MinPositionParam, reader
from service.http.schemas import PERMALINK
from service.queries.moments import today
from service.queries.screen import HORIZON_DAYS, screen, screening

router = APIRouter(tags=["screening"], dependencies=[Depends(require_reader)])

NOT_RULED_OUT = (
    "controls of the exporter binding on `on` and applying to the destination that matched "
    "no query term but whose HS list is partial or unknown, so they may still cover the "
    'product: an empty `binding` with entries here does not mean "not controlled" (only '
    "when the query has HS codes)"
)


class ScreenQueryInfo(BaseModel):
    """The query as understood."""

    hs_codes: list[str] = Field(description="HS codes asked, dotted (2846, 2846.90, 2846.90.10)")
    materials: list[str] = Field(description="materials asked, in their canonical spelling")
    exporter: str = Field(description="the jurisdiction the product leaves")
    destination: str | None = Field(description="where it goes; null: any destination")


class ScreenedControlItem(BaseModel):
    """An export control covering the product (some query term) and applying to the
    destination."""

    policy_id: str
    title: str | None
    status: Literal["in_force", "suspended"] = Field(
        description="on `on` (for `upcoming`: on `takes_effect`)"
    )
    measure: str | None = Field(description="licence_required, ban or extraterritorial")
    matched_by: list[str] = Field(
        description="every query term the control matched: `hs_code:2846.90`, `material:Dy`"
    )
    coverage: Literal["full", "partial"] = Field(
        description="full: the control covers at least one matched term whole (it lists the "
        "code or a shorter one it starts with; the material or a group holding it); partial: "
        "only part of every matched term (a longer code, a member of a queried group)"
    )
    hs_codes_complete: bool | None = Field(
        description="whether the control's HS list is its act's whole list (false: partial; "
        "null: unknown)"
    )
    effective_from: str | None
    suspended_since: str | None = Field(description="set while suspended")
    suspended_until: str | None = Field(
        description="set while suspended: the day it is back in force (null: open-ended)"
    )
    targets: list[str] = Field(description="destinations it applies to; empty: all")
    excluded_targets: list[str] = Field(description="destinations it does not apply to")
    sources: list[dict[str, Any]]


class UpcomingControlItem(ScreenedControlItem):
    takes_effect: str = Field(description="the day it takes effect, within 90 days after `on`")


class NotRuledOutItem(BaseModel):
    policy_id: str
    title: str | None
    status: Literal["in_force", "suspended"]
    reason: Literal["hs_codes_incomplete", "hs_codes_unknown"] = Field(
        description="hs_codes_incomplete: its HS list is known to be partial; "
        "hs_codes_unknown: nobody recorded whether it is complete"
    )
    materials: list[str]


class ScreenAnswer(BaseModel):
    on: str = Field(description="the valid date screened")
    known_at: str = Field(description="the record time answered for, as asked (default: now)")
    position: int = Field(description="the log position the answer reflects")
    query: ScreenQueryInfo
    binding: list[ScreenedControlItem] = Field(
        description="controls in force or suspended on `on` that cover the product"
    )
    upcoming: list[UpcomingControlItem] = Field(
        description=f"controls that take effect within {HORIZON_DAYS} days after `on`, "
        "with the status they will have then"
    )
    not_ruled_out: list[NotRuledOutItem] = Field(description=NOT_RULED_OUT)
    permalink: str = PERMALINK


@router.get("/screen", response_model=ScreenAnswer, responses=READ_ERRORS)
def screen_product(
    request: Request,
    exporter: Annotated[
        str,
        Query(
            max_length=64,
            description="the jurisdiction the product leaves (a control's `jurisdiction`), e.g. CN",
        ),
    ],
    hs_code: Annotated[
        list[str] | None,
        Query(
            description="HS code, 2 to 10 digits, dots optional (2846.90, 284690, "
            "2846.90.10); repeatable"
        ),
    ] = None,
    material: Annotated[
        list[str] | None,
        Query(description="as the views' material filter takes it (Dy, gallium, HREE); repeatable"),
    ] = None,
    destination: Annotated[
        str | None,
        Query(max_length=64, description="jurisdiction code, e.g. US (default: any destination)"),
    ] = None,
    on: Annotated[date | None, Query(description="valid date (default: today, UTC)")] = None,
    known_at: KnownAtParam = None,
    min_position: MinPositionParam = None,
    min_confidence: ConfidenceParam = "reported",
) -> Response:
    """Screen a product (HS codes and/or materials) exported from `exporter` to
    `destination` on `on`, as known at `known_at`: the export controls that bind it
    (`binding`, suspended ones included with `suspended_until`), those taking effect within
    90 days (`upcoming`), and `not_ruled_out`: controls that matched nothing but whose HS list
    is partial or unknown, so a screen finding no match is not read as "not controlled"."""
    asked = screening(hs_code, material, exporter, destination)
    now = request.app.state.clock()
    answer = screen(
        reader(request), asked, now, on=on or today(now), known_at=known_at,
        min_position=min_position, min_confidence=min_confidence,
    )  # fmt: skip
    return json_answer(pinned(request, answer, date_param="on"))
