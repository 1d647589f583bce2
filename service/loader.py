"""Loading JSONL files of events (one ``POST /events`` body per line) through the API's own
validation and append path, in chunks that are each one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from domain.events import EVENT_ADAPTER
from domain.timeline import Appended, AppendError, Submission, Timeline
from service.body import parse
from service.errors import ApiError

CHUNK = 1000


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
        except ApiError as error:
            fields = "; ".join(f"{d['field']}: {d['message']}" for d in error.details)
            report.rejected.append((number, error.message + (f" ({fields})" if fields else "")))
            progress(1)
            continue
        chunk.append((number, Submission(event, recorded_by)))
        if len(chunk) >= CHUNK:
            flush()
    if chunk:
        flush()
    return report
