"""The shapes of the API's answers, as the client returns them: the JSON as the server sent it
(dates and record times stay ISO strings, money decimal strings), typed for the reader.

They state the fields every answer of a kind carries; a server may add more."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class AppendAnswer(TypedDict):
    """``POST /events``: where the event now stands."""

    event_id: str
    policy_id: str
    version: int  # the policy's version after it: pass back as expected_version
    position: int  # its place in the global log
    recorded_at: str


class BatchItem(AppendAnswer):
    """One event of ``POST /events/batch``."""

    created: bool  # False: it was already recorded


class BatchAnswer(TypedDict):
    """``POST /events/batch``: one item per event, in the order sent."""

    count: int
    created: int
    duplicates: int
    items: list[BatchItem]


class LogEntry(TypedDict):
    """An event as the log holds it (``GET /events``, a policy's history)."""

    position: int
    version: int
    recorded_at: str
    recorded_by: str
    event: dict[str, Any]


class EventDetail(LogEntry):
    """``GET /events/{id}``: the event with the corrections and retractions about it."""

    retracted: bool
    as_corrected: dict[str, Any]
    corrections: list[LogEntry]


class ViewAnswer(TypedDict):
    """A view read: its items for one valid date ``at`` and one log ``position``."""

    view: str
    at: str | None  # None for the timeline, which is not read by date
    known_at: str
    position: int
    hint: str | None
    left_out_by_min_confidence: int
    items: Any  # a list of entries; totals with group_by; sections for materials/{material}
    next_after: str | None
    permalink: str


class PolicyDetail(TypedDict):
    """``GET /policies/{id}``: the policy on ``at`` as known at ``known_at``."""

    policy_id: str
    kind: str | None
    status: str
    version: int
    title: str | None
    jurisdiction: str | None
    at: str
    known_at: str
    position: int
    on_date: dict[str, Any]
    current: dict[str, Any]
    suspended_since: str | None
    suspended_until: str | None
    latest_progress: dict[str, Any] | None
    history: list[LogEntry]
    permalink: str


# Functional form: one of its keys, "from", is a Python keyword.
DiffAnswer = TypedDict(
    "DiffAnswer",
    {
        "view": str,
        "hint": str | None,
        "left_out_by_min_confidence": int,
        "added": list[dict[str, Any]],
        "removed": list[dict[str, Any]],
        "changed": list[dict[str, Any]],
        # between two valid dates
        "from": NotRequired[str],
        "to": NotRequired[str],
        "known_at": NotRequired[str],
        "position": NotRequired[int],
        # between two record times
        "at": NotRequired[str],
        "known_from": NotRequired[str],
        "known_to": NotRequired[str],
        "from_position": NotRequired[int],
        "to_position": NotRequired[int],
    },
)
DiffAnswer.__doc__ = """``GET /diff``: entries added, removed and changed (field by field), each
with the events that caused it, and the two points compared."""


class Message(TypedDict):
    """One message of a live stream: ``id`` the point reached (``N@YYYY-MM-DD``, or ``N`` for
    the log and the timeline), ``event`` its kind (``added``, ``removed``, ``changed``,
    ``transition``; the event's type on the log's stream), ``data`` the change as JSON."""

    id: str
    event: str
    data: dict[str, Any]
