"""Webhooks (admin): each change a view's stream would send, POSTed to a receiver with
Standard Webhooks signatures (``docs/webhooks.md``). Create (the secret is shown once), list,
read, change, delete, the log of delivery attempts, and delivering again from a point."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from projections.registry import VIEWS
from service.http.auth import Principal, require_admin
from service.http.body import read_body
from service.http.errors import ApiError, ErrorEnvelope
from service.parsing import parse
from service.runtime.webhooks import Webhooks
from service.storage.webhooks import Delivery, WebhookRecord, WebhookStore
from service.streams.steps import LOG
from service.webhooks.admin import redelivery_point, register

router = APIRouter(tags=["webhooks"])

Admin = Annotated[Principal, Depends(require_admin)]
WebhookId = Annotated[str, Path(max_length=64, description="the webhook's id (wh_…)")]
Stream = Literal[(LOG, *VIEWS)]  # type: ignore[valid-type]
FilterValue = Annotated[str, Field(max_length=300)]
ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorEnvelope} for s in (400, 404, 409, 422)
}
MAX_DELIVERIES_PAGE = 1000


class WebhookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        max_length=2000,
        description="where to POST each change: https:// or http://, a host that resolves to "
        "public addresses only (unless POLICY_TIMELINE_WEBHOOK_ALLOW_PRIVATE=true)",
    )
    view: Stream = Field(  # type: ignore[valid-type]
        description="the view whose stream to follow, or `events` for the raw log"
    )
    filters: dict[str, Annotated[list[FilterValue], Field(max_length=100)] | FilterValue] = Field(
        default_factory=dict,
        max_length=20,
        description="the stream's query parameters, e.g. "
        '`{"material": ["Dy"], "status": ["in_force"]}`, checked as the stream checks them',
    )
    description: str = Field(default="", max_length=500)


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = Field(
        default=None,
        description="true re-enables a webhook (and restarts its failure clock); false "
        "stops its deliveries",
    )
    description: str | None = Field(default=None, max_length=500)


class WebhookInfo(BaseModel):
    id: str
    url: str
    view: str
    filters: dict[str, Any]
    description: str
    enabled: bool = Field(description="false once disabled, by an admin or after failing")
    created_at: datetime
    created_by: str
    cursor: str = Field(
        description="the stream point delivered up to (a message id: N@YYYY-MM-DD, or N)"
    )
    failures: int = Field(description="failed attempts in a row (0 while delivering fine)")
    failing_since: datetime | None = Field(description="when the failures in a row began")
    next_attempt_at: datetime | None = Field(description="when a failing webhook is tried again")
    last_delivered_at: datetime | None
    disabled_at: datetime | None
    disabled_reason: str | None

    @classmethod
    def of(cls, record: WebhookRecord) -> WebhookInfo:
        """Everything but the secret, which is shown once, when the webhook is created."""
        return cls(
            id=record.id, url=record.url, view=record.view, filters=record.filters,
            description=record.description, enabled=record.enabled,
            created_at=_time(record.created_at), created_by=record.created_by,
            cursor=record.cursor, failures=record.failures,
            failing_since=_maybe_time(record.failing_since),
            next_attempt_at=_maybe_time(record.next_attempt_at if record.enabled else None),
            last_delivered_at=_maybe_time(record.last_delivered_at),
            disabled_at=_maybe_time(record.disabled_at), disabled_reason=record.disabled_reason,
        )  # fmt: skip


class WebhookCreated(WebhookInfo):
    secret: str = Field(
        description="whsec_…: verifies the signatures (Standard Webhooks); shown in this "
        "answer only"
    )


class WebhookList(BaseModel):
    items: list[WebhookInfo]


class DeliveryItem(BaseModel):
    seq: int
    at: datetime = Field(description="when the attempt began")
    point_id: str = Field(description="the change sent: its stream point, the webhook-id header")
    status_code: int | None = Field(description="the receiver's answer; null when none came")
    error: str | None = Field(description="why the attempt failed (null after a 2xx)")
    duration_ms: float
    next_retry_at: datetime | None = Field(description="when the change is tried again")
    delivered_by: str = Field(description="the process that made the attempt")

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryItem:
        return cls(
            seq=delivery.seq, at=_time(delivery.at), point_id=delivery.point,
            status_code=delivery.status_code, error=delivery.error,
            duration_ms=round(delivery.duration_ms, 3),
            next_retry_at=_maybe_time(delivery.next_retry_at),
            delivered_by=delivery.delivered_by,
        )  # fmt: skip


class DeliveryList(BaseModel):
    items: list[DeliveryItem] = Field(description="newest first")
    next_before: int | None = Field(description="pass as `before` for older attempts")


WEBHOOK_REQUEST = TypeAdapter(WebhookRequest)
WEBHOOK_PATCH = TypeAdapter(WebhookPatch)


def _inline_body(adapter: TypeAdapter[Any]) -> dict[str, Any]:
    """``openapi_extra`` for a body read only once the caller is known to be an admin (FastAPI
    reads a declared body before any dependency)."""
    schema = adapter.json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _maybe_time(seconds: float | None) -> datetime | None:
    return None if seconds is None else _time(seconds)


def webhooks(request: Request) -> Webhooks:
    return request.app.state.webhooks  # type: ignore[no-any-return]


def store(request: Request) -> WebhookStore:
    return webhooks(request).store


def found(record: WebhookRecord | None, webhook_id: str) -> WebhookRecord:
    if record is None:
        raise ApiError(404, "not_found", f"no webhook {webhook_id!r}")
    return record


async def webhook_request(request: Request) -> WebhookRequest:
    return parse(WEBHOOK_REQUEST, await read_body(request), what="webhook")


async def webhook_patch(request: Request) -> WebhookPatch:
    return parse(WEBHOOK_PATCH, await read_body(request), what="webhook change")


@router.post(
    "/webhooks",
    status_code=201,
    response_model=WebhookCreated,
    responses=ERRORS,
    openapi_extra=_inline_body(WEBHOOK_REQUEST),
)
def create_webhook(
    request: Request, principal: Admin, asked: Annotated[WebhookRequest, Depends(webhook_request)]
) -> WebhookCreated:
    """A webhook on a view's stream (or `events`): from now on each change the stream would
    send with these filters is POSTed to `url`, signed with the secret in this answer (shown
    once). 422 when the view, a filter or the URL is refused."""
    state = request.app.state
    record = register(
        store(request),
        url=asked.url,
        view=asked.view,
        filters=dict(asked.filters),
        description=asked.description,
        head=state.timeline.position(),
        today=state.clock().astimezone(UTC).date(),
        allow_private=state.settings.webhook_allow_private,
        by=principal.name,
    )
    webhooks(request).changed()
    return WebhookCreated(**WebhookInfo.of(record).model_dump(), secret=record.secret)


@router.get("/webhooks", response_model=WebhookList)
def list_webhooks(request: Request, principal: Admin) -> WebhookList:
    """Every webhook, oldest first (never their secrets)."""
    return WebhookList(items=[WebhookInfo.of(r) for r in store(request).records()])


@router.get("/webhooks/{webhook_id}", response_model=WebhookInfo, responses=ERRORS)
def get_webhook(request: Request, webhook_id: WebhookId, principal: Admin) -> WebhookInfo:
    """One webhook: where its deliveries stand, whether it is failing or disabled."""
    return WebhookInfo.of(found(store(request).get(webhook_id), webhook_id))


@router.patch(
    "/webhooks/{webhook_id}",
    response_model=WebhookInfo,
    responses=ERRORS,
    openapi_extra=_inline_body(WEBHOOK_PATCH),
)
def change_webhook(
    request: Request,
    webhook_id: WebhookId,
    principal: Admin,
    asked: Annotated[WebhookPatch, Depends(webhook_patch)],
) -> WebhookInfo:
    """`{"enabled": true}` re-enables a webhook (a disabled one resumes from its cursor, and
    its failure clock starts again); `false` stops it; `description` replaces the text."""
    record = store(request).update(
        webhook_id, enabled=asked.enabled, description=asked.description, by=principal.name
    )
    webhooks(request).changed()
    return WebhookInfo.of(found(record, webhook_id))


@router.delete("/webhooks/{webhook_id}", response_model=WebhookInfo, responses=ERRORS)
def delete_webhook(request: Request, webhook_id: WebhookId, principal: Admin) -> WebhookInfo:
    """Delete a webhook and its attempts' log (a delivery under way may still arrive)."""
    record = found(store(request).delete(webhook_id), webhook_id)
    webhooks(request).changed()
    return WebhookInfo.of(record)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=DeliveryList, responses=ERRORS)
def webhook_deliveries(
    request: Request,
    webhook_id: WebhookId,
    principal: Admin,
    limit: Annotated[int, Query(ge=1, le=MAX_DELIVERIES_PAGE)] = 100,
    before: Annotated[int | None, Query(ge=1, lt=10**18, description="a `seq`")] = None,
) -> DeliveryList:
    """The webhook's delivery attempts, newest first (the last 1,000 are kept): when, the
    change (`point_id`), the answer or the error, how long it took, when it is tried again."""
    webhook_store = store(request)
    found(webhook_store.get(webhook_id), webhook_id)
    items = webhook_store.deliveries(webhook_id, limit, before)
    next_before = items[-1].seq if len(items) == limit else None
    return DeliveryList(items=[DeliveryItem.of(d) for d in items], next_before=next_before)


@router.post("/webhooks/{webhook_id}/redeliver", response_model=WebhookInfo, responses=ERRORS)
def redeliver_webhook(
    request: Request,
    webhook_id: WebhookId,
    principal: Admin,
    after: Annotated[
        str,
        Query(
            max_length=40,
            description="the point to deliver again after: a message id (N@YYYY-MM-DD or N) "
            "or a view read's position (N: the view read for today)",
        ),
    ],
) -> WebhookInfo:
    """Move the webhook's cursor to `after` (a point up to the log's end; usually back): the
    changes after it are delivered again, in order, starting at once. Sent again the same day,
    they carry the same `webhook-id`s, so receivers that drop repeats drop them."""
    webhook_store = store(request)
    record = found(webhook_store.get(webhook_id), webhook_id)
    state = request.app.state
    point = redelivery_point(
        record.view, after, state.timeline.position(), state.clock().astimezone(UTC).date()
    )
    moved = found(webhook_store.move_cursor(webhook_id, point.id), webhook_id)
    webhooks(request).changed()
    return WebhookInfo.of(moved)
