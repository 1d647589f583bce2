"""The SSE wire format of the live streams: each step rendered once per distinct filter into
the bytes every subscriber with that filter is sent (``id:`` the point, ``event:`` the kind,
``data:`` compact JSON)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sse_starlette import ServerSentEvent

from domain.timeline import LoggedEvent
from service.queries.filters import ItemFilter, LogFilter
from service.queries.log import entry
from service.streams.steps import LOG, Point, Step

Filter = ItemFilter | LogFilter


@dataclass(frozen=True)
class Message:
    point: Point
    data: bytes


def log_entry(event: LoggedEvent) -> dict[str, Any]:
    """The log entry as ``GET /events`` gives it, its record time as JSON text."""
    return {**entry(event), "recorded_at": event.recorded_at.isoformat().replace("+00:00", "Z")}


def render(step: Step, chosen: Filter) -> Message | None:
    """The message ``step`` makes for a subscriber with filter ``chosen``, or None when none
    of it passes the filter."""
    shown = payload(step, chosen)
    return None if shown is None else _message(step.point, *shown)


def payload(step: Step, chosen: Filter) -> tuple[str, dict[str, Any]] | None:
    """What ``step`` tells a subscriber with filter ``chosen``: the message's ``event:`` kind
    and its ``data:``, or None when none of it passes the filter (the feeds say the same)."""
    if step.stream == LOG:
        assert step.event is not None and isinstance(chosen, LogFilter)
        if not chosen.admits(step.event.fact):
            return None
        return step.event.fact["type"], log_entry(step.event)
    assert isinstance(chosen, ItemFilter)
    items: list[dict[str, Any]] = []
    kinds: set[str] = set()
    for change in step.changes:
        before = change.before if change.before and chosen.admits(change.before) else None
        after = change.after if change.after and chosen.admits(change.after) else None
        if after is not None and before is not None:
            items.append({"change": "changed", "item": after, "before": before})
        elif after is not None:
            items.append({"change": "added", "item": after})
        elif before is not None:
            items.append({"change": "removed", "item": before})
        else:
            continue
        kinds.add(items[-1]["change"])
    if not items:
        return None
    kind = "transition" if step.event is None else kinds.pop() if len(kinds) == 1 else "changed"
    data: dict[str, Any] = {
        "view": step.stream,
        "position": step.point.position,
        "at": step.point.day.isoformat() if step.point.day else None,
        "kind": kind,
        "items": items,
        "event": log_entry(step.event) if step.event is not None else None,
    }
    if step.since is not None:
        data["transition"] = {"from": step.since.isoformat(), "to": data["at"]}
    return kind, data


def data_of(step: Step, chosen: Filter) -> bytes | None:
    """The ``data:`` of the message ``step`` makes for ``chosen``, as the bytes a subscriber's
    EventSource gives (compact JSON on one line), or None when it sends nothing."""
    shown = payload(step, chosen)
    return None if shown is None else _data_text(shown[1]).encode("utf-8")


def overflow_message(last: Point, queue_size: int) -> bytes:
    data = {
        "reason": f"more than {queue_size} messages were waiting for this subscriber",
        "resume_after": last.id,
    }
    return _message(last, "overflow", data).data


def _data_text(data: dict[str, Any]) -> str:
    # One line: JSON escapes every newline inside strings, so the event has one data line.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _message(point: Point, kind: str, data: dict[str, Any]) -> Message:
    text = _data_text(data)
    return Message(point, ServerSentEvent(data=text, event=kind, id=point.id).encode())
