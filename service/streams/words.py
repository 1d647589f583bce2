"""A stream's message in words, for people (a feed entry's title and text): what changed in
the view, item by item, and why.

* ``cn-us-gagesb-2024: in_force → suspended (until 2026-11-27)``: an item's status changed;
* ``cn-7ree-2025: materials, hs_codes changed``: other fields changed;
* ``new: xx-madeup-control (in_force)``, ``new: xx-madeup-control (pending, from 2026-12-02)``,
  ``ended: cn-ann61-2025 (lifted)``: an item came into the view (as filtered) or left it;
  ``new: cn-7ree-2025 (ExportControlImposed): Export licensing for ...``: an event came into
  the timeline.

For the log: the event's type and title.
"""

from __future__ import annotations

from typing import Any

from projections.spec import ViewSpec
from service.streams.feeds import Sent
from service.streams.steps import LOG

TITLE_ITEMS = 3  # items named in a title; the text names them all
QUIET_FIELDS = ("event_ids", "sources")  # named only when nothing else changed


def headline(sent: Sent, spec: ViewSpec | None) -> str:
    """One line: the change in words (``spec``: the view's; None for the log)."""
    if sent.step.stream == LOG or spec is None:
        event = sent.data["event"]
        return f"{event['type']}: {event['title']}"
    parts = item_lines(sent, spec)
    more = len(parts) - TITLE_ITEMS
    return "; ".join(parts[:TITLE_ITEMS]) + (f"; and {more} more" if more > 0 else "")


def text(sent: Sent, spec: ViewSpec | None) -> str:
    """A few lines: each item's change, its cause and the point the view reached."""
    if sent.step.stream == LOG or spec is None:
        event = sent.data["event"]
        return "\n".join(_cause(event, sent.data))
    lines = item_lines(sent, spec)
    event = sent.data.get("event")
    if event is not None:
        lines += _cause(event["event"], event)
    elif "transition" in sent.data:
        moved = sent.data["transition"]
        lines.append(f"No event: the day moved on from {moved['from']} to {moved['to']}.")
    day = sent.step.point.day
    on = f" as read for {day.isoformat()}" if day else ""
    lines.append(f"The view {spec.name}{on} after log position {sent.step.point.position}.")
    return "\n".join(lines)


def item_lines(sent: Sent, spec: ViewSpec) -> list[str]:
    """One line per item of a view's message."""
    return [_item_line(entry, sent, spec) for entry in sent.data["items"]]


def _item_line(entry: dict[str, Any], sent: Sent, spec: ViewSpec) -> str:
    item = entry["item"]
    name = item.get("policy_id") or item.get("event_id") or "?"
    if entry["change"] == "added":
        # An entry of the timeline is an event: its title says what it is.
        untold = not (item.get("status") or spec.default_status)
        title = f": {item['title']}" if untold and item.get("title") else ""
        return f"new: {name} ({_state(item, spec, ', ')}){title}"
    if entry["change"] == "removed":
        # The message holds the item as last shown; what became of it lies outside the filter
        # (lifted, say, or no longer about the material asked for), or it is gone (retracted).
        after = next((c.after for c in sent.step.changes if c.before == item), None)
        if after is None:
            return f"ended: {name}"
        if _state(after, spec) != _state(item, spec):
            return f"ended: {name} ({_state(after, spec, ', ')})"
        return f"ended: {name} ({_changed(item, after)} changed)"
    before = entry["before"]
    if _state(before, spec) != _state(item, spec):
        return f"{name}: {_state(before, spec)} → {_state(item, spec)}"
    return f"{name}: {_changed(before, item)} changed"


def _changed(before: dict[str, Any], after: dict[str, Any]) -> str:
    fields = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    loud = [k for k in fields if k not in QUIET_FIELDS] or fields
    return ", ".join(loud)


def _state(item: dict[str, Any], spec: ViewSpec, joined: str = "") -> str:
    """An item's status with what qualifies it (``suspended (until 2026-11-27)``; joined by
    ``joined`` instead when the state itself goes in brackets), or (the timeline) its event
    type."""
    status = item.get("status") or spec.default_status
    if not status:
        return str(item.get("type", "entry"))
    qualifier = ""
    if status == "suspended" and item.get("suspended_until"):
        qualifier = f"until {item['suspended_until']}"
    elif status == "pending" and item.get("effective_from"):
        qualifier = f"from {item['effective_from']}"
    if not qualifier:
        return str(status)
    return f"{status}{joined}{qualifier}" if joined else f"{status} ({qualifier})"


def _cause(event: dict[str, Any], logged: dict[str, Any]) -> list[str]:
    lines = [f"{event['type']}: {event['title']}"]
    if event.get("summary"):
        lines.append(str(event["summary"]))
    where = ", ".join(
        part
        for part in (
            event.get("jurisdiction"),
            event.get("agency"),
            f"announced {event['announced_on']}" if event.get("announced_on") else None,
        )
        if part
    )
    lines.append(f"{where}; recorded {logged['recorded_at']} at log position {logged['position']}.")
    return lines
