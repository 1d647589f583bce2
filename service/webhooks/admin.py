"""What the API and the CLI share when an admin creates a webhook or sends changes again."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.queries.problems import Conflict, invalid
from service.storage.webhooks import WebhookRecord, WebhookStore
from service.streams.steps import Point, dated
from service.webhooks import filters as stream_filters
from service.webhooks.signing import new_secret
from service.webhooks.ssrf import Refused, check_url


def register(
    store: WebhookStore,
    *,
    url: str,
    view: str,
    filters: dict[str, Any],
    description: str,
    head: int,
    today: date,
    allow_private: bool,
    by: str,
) -> WebhookRecord:
    """A new webhook on ``view``'s stream, delivering the changes after the log's ``head``
    (read for ``today`` on a view read by date); Invalid (422) for a stream, filter or URL it
    cannot have."""
    stored, _ = stream_filters.check(view, filters)
    try:
        check_url(url, allow_private)
    except Refused as refused:
        raise invalid("url", f"url: {refused}", str(refused)) from None
    cursor = Point(head, today if dated(view) else None)
    return store.create(
        url, view, stored, description, cursor=cursor.id, secret=new_secret(), by=by
    )


def redelivery_point(view: str, text: str, head: int, today: date) -> Point:
    """The point to deliver again after: a message id (``N@YYYY-MM-DD`` or ``N``) or a bare
    position (for a view read by date: that position, read for today), as a stream's
    ``after`` takes it. Invalid (422) when malformed or after today, Conflict (409) beyond
    the log."""
    try:
        point = Point.parse(text)
    except ValueError as error:
        raise invalid("after", str(error)) from None
    if not dated(view):
        point = Point(point.position)
    elif point.day is None:
        point = Point(point.position, today)
    if point.position > head:
        raise Conflict(
            "position_not_recorded",
            f"position {point.position} is beyond the end of the log ({head})",
        )
    if point.day is not None and point.day > today:
        raise invalid("after", f"{text!r} is a day after today ({today.isoformat()})")
    return point
