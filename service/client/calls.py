"""The requests the client makes, as plain values: method, path, query and body. The sync and
async clients send the same calls, so each operation is spelled out once, here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import quote

Scalar = str | int | float | bool | date
FilterValue = Scalar | Sequence[Scalar] | None
# A record time: ISO datetime or date text, position=N, a date (the end of that day, UTC), a
# datetime, or a log position as an int (the position of an answer, say).
RecordTime = str | int | date
Query = tuple[tuple[str, str], ...]

LOG = "events"  # the raw log: its stream is /events/stream, its read /events
MAX_PAGE = 1000  # the most a page of GET /events holds


@dataclass(frozen=True)
class Call:
    """One request: ``body`` is sent as JSON when it is not None."""

    method: str
    path: str
    query: Query = ()
    body: Any = None

    def after(self, cursor: str | int) -> Call:
        """The same read for the page after ``cursor`` (a page's ``next_after``)."""
        kept = tuple((k, v) for k, v in self.query if k != "after")
        return replace(self, query=(*kept, ("after", str(cursor))))


def text(value: Scalar) -> str:
    """A parameter as the API spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    return str(value)


def record_time(value: RecordTime) -> str:
    """``known_at`` as the API takes it: an int is a log position."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"position={value}"
    return text(value)


def query(values: Mapping[str, FilterValue]) -> Query:
    """Query parameters: None left out, a list repeated, and a trailing underscore dropped
    from a name (``from_`` is ``from``, a Python keyword)."""
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        key = name.removesuffix("_")
        if value is None:
            continue
        if isinstance(value, str | int | float | bool | date):
            pairs.append((key, text(value)))
        else:
            pairs.extend((key, text(v)) for v in value)
    return tuple(pairs)


def view_path(name: str) -> str:
    """``/views/<name>``; ``materials/<material>`` keeps its slash."""
    return "/views/" + quote(name, safe="/")


def stream_paths(view: str) -> tuple[str, str]:
    """The stream of ``view`` (``events``: the raw log) and the read it follows."""
    read = "/events" if view == LOG else view_path(view)
    return read + "/stream", read


def post_event(body: Mapping[str, Any]) -> Call:
    return Call("POST", "/events", body=dict(body))


def post_events(bodies: Iterable[Mapping[str, Any]]) -> Call:
    return Call("POST", "/events/batch", body={"events": [dict(b) for b in bodies]})


def events(
    filters: Mapping[str, FilterValue], known_at: RecordTime | None, after: int, limit: int
) -> Call:
    known = record_time(known_at) if known_at is not None else None
    return Call(
        "GET", "/events", query({**filters, "known_at": known, "after": after, "limit": limit})
    )


def event(event_id: str, known_at: RecordTime | None) -> Call:
    known = record_time(known_at) if known_at is not None else None
    return Call("GET", "/events/" + quote(str(event_id), safe=""), query({"known_at": known}))


def view(
    name: str, at: date | str | None, known_at: RecordTime | None, filters: Mapping[str, Any]
) -> Call:
    known = record_time(known_at) if known_at is not None else None
    return Call("GET", view_path(name), query({"at": at, "known_at": known, **filters}))


def diff(
    view: str,
    from_: date | str | None,
    to: date | str | None,
    known_from: RecordTime | None,
    known_to: RecordTime | None,
    at: date | str | None,
    known_at: RecordTime | None,
    min_confidence: str | None,
) -> Call:
    times = {"known_from": known_from, "known_to": known_to, "known_at": known_at}
    recorded = {k: record_time(v) if v is not None else None for k, v in times.items()}
    asked = {"view": view, "from": from_, "to": to, "at": at, "min_confidence": min_confidence}
    return Call("GET", "/diff", query({**asked, **recorded}))


def policy(policy_id: str, at: date | str | None, known_at: RecordTime | None) -> Call:
    known = record_time(known_at) if known_at is not None else None
    path = "/policies/" + quote(policy_id, safe="")
    return Call("GET", path, query({"at": at, "known_at": known}))
