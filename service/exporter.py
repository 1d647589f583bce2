"""Writing the log out: JSON lines that ``policy-timeline load`` takes back, or CSV for
spreadsheets, in position order, as known at a record time."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from domain.log_index import LogQuery
from domain.timeline import LoggedEvent, Timeline

PAGE = 1000
CSV_COLUMNS = (
    "position", "recorded_at", "recorded_by", "event_id", "type", "policy_id", "jurisdiction",
    "agency", "title", "announced_on", "effective_from", "effective_until", "materials",
    "hs_codes", "targets", "measure", "amount", "currency", "amount_usd", "confidence",
    "sources", "summary",
)  # fmt: skip


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


def write_csv(events: Iterator[LoggedEvent], out: TextIO, advance: Callable[[], None]) -> int:
    """One row per event with where and when the log holds it; lists joined with "; "."""
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for event in events:
        writer.writerow(csv_row(event))
        count += 1
        advance()
    return count


def csv_row(event: LoggedEvent) -> dict[str, Any]:
    fact = event.fact
    amount = fact.get("amount") or {}
    row: dict[str, Any] = {
        **{k: _cell(v) for k, v in fact.items()},
        "position": event.position,
        "recorded_at": event.recorded_at.isoformat().replace("+00:00", "Z"),
        "recorded_by": event.recorded_by,
        "amount": amount.get("value", ""),
        "currency": amount.get("currency", ""),
        "sources": "; ".join(s.get("url") or s.get("title", "") for s in fact.get("sources", [])),
    }
    return row


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value
