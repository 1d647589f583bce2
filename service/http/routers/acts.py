"""Acts: the legal acts (announcements, orders) the timeline names, and the measures each holds
(events of one or more policies that name it), with their statuses on a valid date."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from domain.events import SLUG_PATTERN
from service.http.answers import pinned
from service.http.auth import require_reader
from service.http.routers.views import READ_ERRORS, AtParam, KnownAtParam
from service.http.schemas import PERMALINK
from service.queries.acts import MAX_ACT_ID, act_measures, list_acts
from service.queries.moments import today
from service.queries.reader import ViewReader

router = APIRouter(tags=["acts"], dependencies=[Depends(require_reader)])

ActIdParam = Annotated[
    str,
    Path(
        pattern=SLUG_PATTERN,
        min_length=3,
        max_length=MAX_ACT_ID,
        description="the act's id as events name it (act.id), e.g. cn-mofcom-2024-46",
    ),
]
KNOWN_AT = Field(description="the record time answered for, as asked (default: now)")
POSITION = Field(description="the log position the answer reflects")


class ActSummary(BaseModel):
    id: str = Field(description="the act's id (act.id of its measures)")
    title: str = Field(description="the act's title, as its earliest measure names it")
    jurisdiction: str = Field(description="the jurisdiction of its earliest measure")
    measures: int = Field(description="how many events name the act (its measures)")
    policies: list[str] = Field(description="the policies its measures belong to, by id")
    first_announced: str = Field(description="the day its earliest measure was announced")


class ActList(BaseModel):
    known_at: str = KNOWN_AT
    position: int = POSITION
    items: list[ActSummary] = Field(description="the acts named as known then, by id")
    permalink: str = PERMALINK


class ActSummaryRef(BaseModel):
    id: str
    title: str = Field(description="as the act's earliest measure names it")


class MeasureEntry(BaseModel):
    event_id: str
    policy_id: str
    type: str = Field(description="the event's type, e.g. ExportControlImposed")
    kind: str | None = Field(description="the kind of policy it belongs to")
    title: str = Field(description="the event's title (as corrected)")
    announced_on: str
    effective_from: str | None
    confidence: str = Field(description="how sure its recorded source is")
    position: int = Field(description="the event's position in the log")
    status: str | None = Field(
        description="its policy's status on `at`, as the view of the policy's kind tells it "
        "(as in GET /policies/{policy_id}); null for kinds no view tells (enforcement "
        "actions, other announcements)"
    )


class ActMeasuresAnswer(BaseModel):
    act: ActSummaryRef
    at: str = Field(description="the valid date each status answers for")
    known_at: str = KNOWN_AT
    position: int = POSITION
    measures: list[MeasureEntry] = Field(
        description="the events naming the act as known then (as corrected, retracted ones "
        "left out), in timeline order: announced_on, then log position"
    )
    permalink: str = PERMALINK


def reader(request: Request) -> ViewReader:
    return request.app.state.views  # type: ignore[no-any-return]


@router.get("/acts", response_model=ActList, responses=READ_ERRORS)
def acts(request: Request, known_at: KnownAtParam = None) -> ActList:
    """The acts the timeline names as known at ``known_at``, ordered by id, with how many
    measures each holds. A correction that makes an event name another act (or a retraction)
    moves its count from the correction's record time on."""
    answer = list_acts(reader(request), known_at, request.app.state.clock())
    # No valid date: only the record time is pinned.
    return ActList(**pinned(request, answer, date_param="at"))


@router.get("/acts/{act_id}", response_model=ActMeasuresAnswer, responses=READ_ERRORS)
def act(
    request: Request, act_id: ActIdParam, at: AtParam = None, known_at: KnownAtParam = None
) -> ActMeasuresAnswer:
    """The act's measures as known at ``known_at``, each with its policy's status on ``at``
    (default: today, UTC). 404 when no event named the act as known then."""
    now = request.app.state.clock()
    answer = act_measures(reader(request), act_id, at or today(now), known_at, now)
    return ActMeasuresAnswer(**pinned(request, answer))
