"""Answering view reads: which log position a read is for, and the items of each view.

A read names a valid date (``at``) and a record time (``known_at``: an ISO datetime, an ISO
date meaning the end of that day in UTC, or ``position=N``). The record time resolves to a log
position; the view's rows current at that position and valid on ``at`` are the answer.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from domain import materials
from domain.log_index import LogQuery
from domain.timeline import Timeline
from service.errors import ApiError
from service.projection_host import ProjectionHost, UnknownView

READ_WAIT_SECONDS = 5.0

MAX_PAGE = 1000  # items in one page of the log or of a view
MAX_POSITION = 10**18 - 1  # beyond any log; keeps positions within 64-bit database integers
MAX_POLICY_PAGE = 500  # each policy on a page is replayed from its events


@dataclass(frozen=True)
class Moment:
    """The record time a read answers for: a log position, and how the caller named it;
    ``hint`` says why the answer is empty when the record time is before anything was
    recorded."""

    position: int
    known_at: str
    hint: str | None = None


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


def not_recorded(timeline: Timeline, what: str, known_at: str | None, position: int) -> ApiError:
    """404 for ``what`` ("no event …") not recorded by ``known_at``, with the record-time hint
    when that is why."""
    when = f" by {known_at}" if known_at is not None else ""
    hint = record_time_hint(timeline, known_at, position)
    return ApiError(
        404,
        "not_found",
        f"{what} was recorded{when}" + (f" ({hint})" if hint else ""),
        [{"field": "known_at", "message": hint}] if hint else None,
    )


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


def _bad_known_at(text: str) -> ApiError:
    return ApiError(
        422,
        "invalid",
        f"known_at {text!r} is not an ISO datetime, an ISO date or position=N",
        [{"field": "known_at", "message": "e.g. 2025-05-01T12:00:00Z, 2025-05-01, position=42"}],
    )


def resolve(
    host: ProjectionHost,
    view: str,
    known_at: str | None,
    min_position: int | None,
    now: datetime,
) -> Moment:
    """The position a read of ``view`` answers for, waiting (boundedly) for the view to reach
    what the caller asked for: 503 with Retry-After rather than a stale answer."""
    try:
        reached = host.position(view)
    except UnknownView:
        raise ApiError(404, "not_found", f"no view {view!r}") from None
    wanted = min_position or 0
    requested: int | None = None
    if known_at is not None:
        parsed = parse_known_at(known_at)
        requested = parsed if isinstance(parsed, int) else host.timeline.position_at(parsed)
        wanted = max(wanted, requested)
    if wanted > reached:
        if wanted > host.timeline.position():
            raise ApiError(
                409 if min_position else 422,
                "position_not_recorded",
                f"position {wanted} is beyond the end of the log ({host.timeline.position()})",
            )
        if not host.wait_for(view, wanted, READ_WAIT_SECONDS):
            raise ApiError(
                503,
                "view_behind",
                f"view {view!r} has not reached position {wanted} yet; retry shortly",
                headers={"Retry-After": "1"},
            )
        reached = host.position(view)
    if requested is None:
        return Moment(reached, now.isoformat().replace("+00:00", "Z"))
    echo = known_at if known_at is not None else ""
    return Moment(requested, echo, record_time_hint(host.timeline, known_at, requested))


# --- paging -----------------------------------------------------------------------------------


def page(
    items: list[dict[str, Any]], after: str, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    rest = [item for item in items if item["policy_id"] > after]
    shown = rest[:limit]
    return shown, (shown[-1]["policy_id"] if len(rest) > limit else None)


# --- funding arithmetic ------------------------------------------------------------------------


def totals(items: list[dict[str, Any]]) -> dict[str, Any]:
    priced = [i for i in items if i.get("amount_usd") is not None]
    total = sum((Decimal(i["amount_usd"]) for i in priced), Decimal(0))
    return {
        "total_usd": format(total, "f"),
        "count": len(priced),
        "unpriced": len(items) - len(priced),
    }


def grouped(items: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Totals per value of ``by``. By material, one row per material the commitments list,
    totalling what ``material=<that material>`` would: every commitment bearing on it, with
    group and word matching (the ``REE`` row counts a commitment listing ``Dy``, the
    ``NdFeB magnets`` row one listing ``Tb/Dy-containing NdFeB magnets``). A commitment
    naming several materials counts in full under each, so the rows overlap and do not add up
    to the grand total."""
    if by == "material":
        return _sorted(_by_material(items), by)
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        groups[item.get(by)].append(item)
    return _sorted([{"key": {by: v}, **totals(members)} for v, members in groups.items()], by)


def _by_material(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    spellings: dict[str, str] = {}  # index key -> the first spelling listed
    holding: dict[str, set[int]] = defaultdict(set)  # index key -> items listed under it
    unlisted = [item for item in items if not item.get("materials")]
    for number, item in enumerate(items):
        for material in item.get("materials") or ():
            spellings.setdefault(materials.index_key(material), material)
            for key in materials.index_keys(material):
                holding[key].add(number)
    out = []
    for material in spellings.values():
        # The items ``material=<material>`` admits: those listed under one of its keys.
        members = set().union(*(holding[k] for k in materials.matching_keys(material)))
        out.append({"key": {"material": material}, **totals([items[n] for n in members])})
    if unlisted:
        out.append({"key": {"material": None}, **totals(unlisted)})
    return out


def _sorted(groups: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    return sorted(groups, key=lambda g: (-Decimal(g["total_usd"]), str(g["key"][by])))


def month_ends(first: date, last: date) -> list[date]:
    """The last day of each month from ``first``'s month to ``last``'s (``last`` itself for
    its own month)."""
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        end = date(year, month, monthrange(year, month)[1])
        out.append(min(end, last))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def series(
    host: ProjectionHost,
    position: int,
    first: date,
    last: date,
    choose: Callable[[list[dict[str, Any]]], tuple[list[dict[str, Any]], int]],
) -> list[dict[str, Any]]:
    """Cumulative committed funding at the end of each month; ``choose`` gives the items a
    month counts and how many min_confidence left out of it."""
    out = []
    for end in month_ends(first, last):
        items, left_out = choose(host.stab("funding", position, end))
        out.append(
            {"month": end.strftime("%Y-%m"), "as_of": end.isoformat(), **totals(items),
             "left_out_by_min_confidence": left_out}
        )  # fmt: skip
    return out


def months_back(at: date, months: int) -> date:
    year, month = at.year, at.month - months + 1
    while month <= 0:
        year, month = year - 1, month + 12
    if year < 1:
        raise ApiError(422, "invalid", f"{months} months before {at} is before the year 1",
                       [{"field": "months", "message": "reaches before the year 1"}])  # fmt: skip
    return date(year, month, 1)


def today(now: datetime) -> date:
    return now.astimezone(UTC).date()
