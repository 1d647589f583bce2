"""What a live subscriber is told: the view's changes, one *step* at a time.

A stream's state is a *point*: a log position and, for views read by date, the day the view
is read for (today, by the server's clock). The stream moves from point to point in steps:

* an **event step** ``P@D``: the event at position ``P`` changed what the view shows on day
  ``D`` (comparing the view at ``P-1`` with the view at ``P``, both read for ``D``);
* a **transition step** ``P@D2``: the day moved from ``D1`` to ``D2`` with the log at ``P``
  (a control came into force, a suspension ended, a deadline passed; no event caused it).

A message's ``id`` is the point its step reached (``P@D``; just ``P`` for the timeline and the
raw log, which are not read by date). A point names one exact state of the view, so resuming
after it is exact whatever happened in between: the server replays from the store a
transition from ``D`` to today (when the day has moved on) and then the event steps after
``P``, read for today, and continues live from there. A plain ``N`` (``?after=N``, e.g. the
``position`` of a view read) means the view at ``N`` read for today.

Each step is computed once per process from the stored row versions and shared by every
subscriber; filters then pick what each subscriber sees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from domain.log_index import LogQuery
from domain.timeline import LoggedEvent, Timeline
from projections.ports import RowVersion
from projections.registry import DATED_VIEWS
from service.runtime.projector import ProjectionHost

Item = dict[str, object]
LOG = "events"  # the raw log's stream
CHUNK = 500  # positions read per query while catching up or replaying


@dataclass(frozen=True)
class Point:
    position: int
    day: date | None = None

    @property
    def id(self) -> str:
        return f"{self.position}@{self.day.isoformat()}" if self.day else str(self.position)

    @classmethod
    def parse(cls, text: str) -> Point:
        """``N`` or ``N@YYYY-MM-DD``; ValueError otherwise."""
        number, _, day = text.strip().partition("@")
        if not (number.isascii() and number.isdigit()) or len(number) > 18:
            raise ValueError(f"{text!r} is not a stream position: N or N@YYYY-MM-DD")
        return cls(int(number), date.fromisoformat(day) if day else None)


@dataclass(frozen=True)
class Change:
    entity: str
    before: Item | None
    after: Item | None


@dataclass(frozen=True)
class Step:
    stream: str
    point: Point
    changes: tuple[Change, ...] = ()
    event: LoggedEvent | None = None  # what caused it; None for a transition
    since: date | None = None  # a transition's previous day


def dated(stream: str) -> bool:
    return stream in DATED_VIEWS


def event_steps(
    host: ProjectionHost,
    view: str,
    after: int,
    upto: int,
    on: date | None,
    events: dict[int, LoggedEvent],
) -> list[Step]:
    """The steps of ``view`` for the events at positions ``(after, upto]``, read for ``on``."""
    slot = host.views.slot(view)
    versions = host.store.versions_between(slot, after, upto, on if dated(view) else None)
    opened: dict[int, dict[str, RowVersion]] = defaultdict(dict)
    closed: dict[int, dict[str, RowVersion]] = defaultdict(dict)
    for version in versions:
        if after < version.sys_from <= upto:
            opened[version.sys_from][version.entity] = version
        if after < version.sys_until <= upto:
            closed[version.sys_until][version.entity] = version
    steps = []
    for position in sorted(opened.keys() | closed.keys()):
        new, old = opened.get(position, {}), closed.get(position, {})
        changes = _changes({e: v.body for e, v in old.items()}, {e: v.body for e, v in new.items()})
        if changes:
            day = on if dated(view) else None
            steps.append(Step(view, Point(position, day), changes, events.get(position)))
    return steps


def transition_step(
    host: ProjectionHost, view: str, position: int, since: date, on: date
) -> Step | None:
    """The change to ``view`` at ``position`` when the day moves from ``since`` to ``on``."""
    slot = host.views.slot(view)
    changes = _changes(
        host.store.entries(slot, position, since), host.store.entries(slot, position, on)
    )
    return Step(view, Point(position, on), changes, since=since) if changes else None


def log_events(timeline: Timeline, after: int, upto: int) -> dict[int, LoggedEvent]:
    if upto <= after:
        return {}
    logged = timeline.read_log(LogQuery(after=after, until_position=upto, limit=upto - after))
    return {e.position: e for e in logged}


def log_steps(events: dict[int, LoggedEvent], after: int, upto: int) -> list[Step]:
    return [Step(LOG, Point(p), event=e) for p, e in sorted(events.items()) if after < p <= upto]


def replay(
    host: ProjectionHost,
    stream: str,
    start: Point,
    end: Point,
    known: dict[int, LoggedEvent] | None = None,
) -> Iterator[list[Step]]:
    """The steps from ``start`` to ``end`` (``end``'s day is today), a chunk at a time: first the
    transition from ``start``'s day, then the events after ``start``'s position. ``known``:
    the events of the range when the caller has read them already."""
    if dated(stream) and start.day is not None and end.day is not None and start.day < end.day:
        step = transition_step(host, stream, start.position, start.day, end.day)
        if step is not None:
            yield [step]
    position = start.position
    while position < end.position:
        upto = min(position + CHUNK, end.position)
        events = known if known is not None else log_events(host.timeline, position, upto)
        if stream == LOG:
            yield log_steps(events, position, upto)
        else:
            yield event_steps(host, stream, position, upto, end.day, events)
        position = upto


def _changes(old: dict[str, Item], new: dict[str, Item]) -> tuple[Change, ...]:
    return tuple(
        Change(entity, old.get(entity), new.get(entity))
        for entity in sorted(old.keys() | new.keys())
        if old.get(entity) != new.get(entity)
    )
