"""Loading JSONL files of events (one ``POST /events`` body per line) through the API's own
validation and append path, in chunks that are each one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from uuid import UUID, uuid5

from domain.events import EVENT_ADAPTER, EventBase
from domain.timeline import Appended, AppendError, Submission, Timeline
from service.parsing import parse
from service.queries.problems import Problem

# Lines per transaction: as many as a batch may hold (a commit, and the look-ups that judge a
# group, cost the same for 1,000 lines as for 10,000).
CHUNK = 10_000
# Fixed for ever: ids derived under it must come out the same in every later load.
LOADED_LINE_NAMESPACE = UUID("0c9a5c3e-8a44-5d1b-9f6e-4b7f2a1d6e20")


@dataclass
class LoadReport:
    added: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def bundled_timeline() -> Path:
    """The real rare-earth policy timeline shipped with the service (see data/README.md)."""
    return Path(str(resources.files("service") / "data" / "rare_earth_policy_events.jsonl"))


def load_lines(
    timeline: Timeline,
    lines: Iterable[str],
    recorded_by: str,
    progress: Callable[[int], None] = lambda _: None,
) -> LoadReport:
    report = LoadReport()
    chunk: list[tuple[int, Submission]] = []
    seen: Counter[UUID] = Counter()

    def flush() -> None:
        results = timeline.append([s for _, s in chunk], atomic=False)
        for (number, _), result in zip(chunk, results, strict=True):
            if isinstance(result, AppendError):
                report.rejected.append((number, f"{result.code}: {result.message}"))
            elif isinstance(result, Appended) and result.created:
                report.added += 1
            else:
                report.duplicates += 1
        progress(len(chunk))
        chunk.clear()

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = parse(EVENT_ADAPTER, line.encode())
        except Problem as error:
            fields = "; ".join(f"{d['field']}: {d['message']}" for d in error.details)
            report.rejected.append((number, error.message + (f" ({fields})" if fields else "")))
            progress(1)
            continue
        if event.event_id is None:
            event = with_derived_id(event, seen)
        chunk.append((number, Submission(event, recorded_by)))
        if len(chunk) >= CHUNK:
            flush()
    if chunk:
        flush()
    return report


def derived_event_id(event: EventBase, occurrence: int = 1) -> UUID:
    """The id of a line that came without one: a uuid5 of the validated event written
    canonically (so ``Dy`` and ``dysprosium`` give one id), which makes loading a file again
    add nothing. Fields left at their defaults are left out, so that a field added to the
    catalogue later does not change the ids of lines that never used it. The n-th repeat of
    an identical line in one file is an event of its own (it gets its own id)."""
    canonical = event.model_dump_json(
        exclude={"event_id", "expected_version"}, exclude_defaults=True
    )
    if occurrence > 1:
        canonical += f"#{occurrence}"
    return uuid5(LOADED_LINE_NAMESPACE, canonical)


def with_derived_id(event: EventBase, seen: Counter[UUID]) -> EventBase:
    first = derived_event_id(event)
    seen[first] += 1
    return event.model_copy(update={"event_id": derived_event_id(event, seen[first])})
