"""Which log position a read answers for: ``known_at`` (an ISO datetime, an ISO date meaning the
end of that day in UTC, or ``position=N``) turned into a position, in one place for every read
of the log, of a policy and of a view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Protocol

from domain.log_index import LogQuery
from domain.timeline import Timeline
from service.queries.problems import Behind, Conflict, Invalid, NotFound

READ_WAIT_SECONDS = 5.0
MAX_POSITION = 10**18 - 1  # beyond any log; keeps positions within 64-bit database integers


@dataclass(frozen=True)
class Moment:
    """The record time a read answers for: a log position, and how the caller named it;
    ``hint`` says why the answer is empty when the record time is before anything was
    recorded."""

    position: int
    known_at: str
    hint: str | None = None


def parse_known_at(text: str) -> datetime | int:
    """``position=N`` -> N; an ISO date -> the end of that day (UTC); an ISO datetime (naive
    means UTC) -> itself."""
    if text.startswith("position="):
        number = text.removeprefix("position=")
        if not (number.isascii() and number.isdigit()) or int(number) > MAX_POSITION:
            raise _bad_known_at(text)
        return int(number)
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.max, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # In UTC, as record times are kept; an offset can push a moment past year 1 or 9999.
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise _bad_known_at(text) from None


def _bad_known_at(text: str) -> Invalid:
    return Invalid(
        "invalid",
        f"known_at {text!r} is not an ISO datetime, an ISO date or position=N",
        [{"field": "known_at", "message": "e.g. 2025-05-01T12:00:00Z, 2025-05-01, position=42"}],
    )


def position_at(timeline: Timeline, known_at: str) -> int:
    """The log position ``known_at`` names (it may lie beyond the log's end)."""
    parsed = parse_known_at(known_at)
    return parsed if isinstance(parsed, int) else timeline.position_at(parsed)


def log_position(timeline: Timeline, known_at: str | None) -> int:
    """The position a read of the log answers for: the end of the log, or what ``known_at``
    names when that is earlier."""
    head = timeline.position()
    return head if known_at is None else min(head, position_at(timeline, known_at))


def echo(known_at: str | None, now: datetime) -> str:
    """``known_at`` as an answer repeats it: as given, or now (UTC, ``Z``)."""
    return known_at if known_at is not None else now.isoformat().replace("+00:00", "Z")


def record_time_hint(timeline: Timeline, known_at: str | None, position: int) -> str | None:
    """A hint for a read whose record time (an ISO date or datetime) lies before the log's
    first record: it knows nothing, which otherwise looks like an empty answer to a question.
    The bundled timeline is recorded when a store first starts, so any earlier date asks
    for a time before it was loaded."""
    if known_at is None or position != 0 or known_at.startswith("position="):
        return None  # a record time that finds a position comes after the first record
    first = timeline.read_log(LogQuery(limit=1))
    if not first:
        return None  # an empty log: nothing to point to
    recorded = first[0].recorded_at.isoformat().replace("+00:00", "Z")
    return f"nothing was recorded by {known_at}; the log's first record time is {recorded}"


def not_recorded(timeline: Timeline, what: str, known_at: str | None, position: int) -> NotFound:
    """Not found: ``what`` ("no event …") was not recorded by ``known_at``, with the
    record-time hint when that is why."""
    when = f" by {known_at}" if known_at is not None else ""
    hint = record_time_hint(timeline, known_at, position)
    return NotFound(
        "not_found",
        f"{what} was recorded{when}" + (f" ({hint})" if hint else ""),
        [{"field": "known_at", "message": hint}] if hint else None,
    )


class Positions(Protocol):
    """What resolving a view read needs of the views: where each stands, and a bounded wait
    for one to reach a position."""

    timeline: Timeline

    def position(self, view: str) -> int: ...
    def wait_for(self, view: str, position: int, timeout: float) -> bool: ...


def resolve(
    views: Positions, view: str, known_at: str | None, min_position: int | None, now: datetime
) -> Moment:
    """The position a read of ``view`` answers for, waiting (boundedly) for the view to reach
    what the caller asked for: ``Behind`` rather than a stale answer."""
    reached = views.position(view)  # NotFound for an unknown view
    wanted = min_position or 0
    requested: int | None = None
    if known_at is not None:
        requested = position_at(views.timeline, known_at)
        wanted = max(wanted, requested)
    if wanted > reached:
        head = views.timeline.position()
        if wanted > head:
            beyond = Conflict if min_position else Invalid
            raise beyond(
                "position_not_recorded",
                f"position {wanted} is beyond the end of the log ({head})",
            )
        if not views.wait_for(view, wanted, READ_WAIT_SECONDS):
            raise Behind(
                "view_behind",
                f"view {view!r} has not reached position {wanted} yet; retry shortly",
                retry_after=1,
            )
        reached = views.position(view)
    if requested is None:
        return Moment(reached, echo(None, now))
    return Moment(
        requested, echo(known_at, now), record_time_hint(views.timeline, known_at, requested)
    )


def today(now: datetime) -> date:
    return now.astimezone(UTC).date()
