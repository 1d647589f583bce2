"""Writing the log out: JSON lines that ``policy-timeline load`` takes back, or CSV for
spreadsheets, in position order, as known at a record time."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from domain.events import MODEL_BY_TYPE, EventBase
from domain.lifecycle import ABOUT_EVENTS
from domain.log_index import LogQuery
from domain.timeline import LoggedEvent, Timeline

PAGE = 1000
RECORD_COLUMNS = ("position", "recorded_at", "recorded_by")
# A sum of money is two columns, so that a spreadsheet can add the values up.
SPLIT_COLUMNS = {"amount": ("amount", "currency")}
NOT_STORED = frozenset({"expected_version"})
# The timeline fills these in on a correction or retraction from the event it is about.
INHERITED = ("jurisdiction", "agency", "materials")
BOM = "\ufeff"

Lookup = Callable[[str], LoggedEvent | None]  # an event by its id, as the log holds it


def catalogue_columns() -> tuple[str, ...]:
    """The record columns, then every field of every event type in the catalogue (the common
    fields first), so that a field added to a model is exported without a list to update."""
    names = dict.fromkeys(["event_id", "type"])
    models: list[type[EventBase]] = [EventBase, *MODEL_BY_TYPE.values()]
    for model in models:
        names.update(dict.fromkeys(n for n in model.model_fields if n not in NOT_STORED))
    columns = [column for name in names for column in SPLIT_COLUMNS.get(name, (name,))]
    return (*RECORD_COLUMNS, *columns)


CSV_COLUMNS = catalogue_columns()


def logged_events(timeline: Timeline, until_position: int) -> Iterator[LoggedEvent]:
    after = 0
    while after < until_position:
        page = timeline.read_log(LogQuery(after=after, limit=PAGE, until_position=until_position))
        if not page:
            return
        yield from page
        after = page[-1].position


def write_jsonl(events: Iterator[LoggedEvent], out: TextIO, advance: Callable[[], None]) -> int:
    """One event body per line, exactly as stored (event ids included, so loading the file
    into a store that has them adds nothing)."""
    count = 0
    for event in events:
        out.write(json.dumps(event.fact, ensure_ascii=False) + "\n")
        count += 1
        advance()
    return count


def write_csv(
    events: Iterator[LoggedEvent],
    out: TextIO,
    advance: Callable[[], None],
    about: Lookup = lambda _: None,
    bom: bool = False,
) -> int:
    """One row per event with where and when the log holds it; lists joined with "; ",
    objects as JSON. ``about`` finds the event a correction or retraction is about; ``bom``
    starts the text with a byte-order mark, by which spreadsheet programs know it is UTF-8."""
    if bom:
        out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for event in events:
        writer.writerow(csv_row(event, about))
        count += 1
        advance()
    return count


def csv_row(event: LoggedEvent, about: Lookup = lambda _: None) -> dict[str, Any]:
    fact = own_fields(event.fact, about)
    amount = fact.get("amount") or {}
    return {
        **{k: _cell(v) for k, v in fact.items()},
        "position": event.position,
        "recorded_at": event.recorded_at.isoformat().replace("+00:00", "Z"),
        "recorded_by": event.recorded_by,
        "amount": amount.get("value", ""),
        "currency": amount.get("currency", ""),
        "sources": "; ".join(s.get("url") or s.get("title", "") for s in fact.get("sources", [])),
    }


def own_fields(fact: dict[str, Any], about: Lookup) -> dict[str, Any]:
    """What the event itself says: a correction or retraction loses the jurisdiction, agency
    and materials it took from the event it is about (that event's row shows them), so that
    its row does not present them as the correction's."""
    if fact["type"] not in ABOUT_EVENTS:
        return fact
    original = about(fact.get("corrects") or fact["retracts"])
    if original is None:
        return fact
    kept = original.fact
    return {k: None if k in INHERITED and v == kept.get(k) else v for k, v in fact.items()}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list) and not any(isinstance(v, dict | list) for v in value):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
