"""Counts over time: how many entries of a view read by date stood at the end of each month,
quarter or year, grouped by one field, as the timeline told it at one record time.

Every period end is read from the view's indexed rows at the one log position the answer is
for (``ViewReader.stab``, as a read on that day), so a count costs one read per bucket and
never a replay of the log, and a count pinned to a position never changes.

* Period ends: the last day of each calendar month, quarter or year that meets
  ``[from, to]``; the last one is ``to`` itself, so no bucket is evaluated past ``to``.
  ``to`` defaults to today (UTC), ``from`` to two years before ``to``; ``bucket`` to month.
* The view's filters apply exactly as in its read, its default statuses included.
* ``by=material`` counts an entry once under each material it lists (as written).
* Funding: ``count`` is every standing commitment in the group; ``total_usd`` adds their
  ``amount_usd`` (an amount in USD is its own), as the funding read's totals do. A commitment
  without a USD figure (unpriced) adds nothing to ``total_usd`` but is counted in ``count``:
  ``count`` is the read's ``count`` plus its ``unpriced``.
* Groups counting zero entries are left out; items come by period end, then key (an entry
  without the field, key null, last).
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from projections.spec import ViewSpec
from service.queries import funding
from service.queries.filters import ItemFilter
from service.queries.moments import resolve, today
from service.queries.permalinks import permalink
from service.queries.problems import NotFound, invalid
from service.queries.reader import ViewReader

Bucket = Literal["month", "quarter", "year"]
BUCKETS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}  # a bucket's length in months
MAX_BUCKETS = 400  # a monthly count over 33 years; each bucket is one read of the view
DEFAULT_YEARS = 2  # ``from`` defaults to this many years before ``to``


@dataclass(frozen=True)
class CountQuery:
    """What a count asks for beyond the view's filter (``start`` is ``from``, ``end`` is
    ``to``; None: their defaults)."""

    by: str
    bucket: str = "month"
    start: date | None = None
    end: date | None = None
    known_at: str | None = None
    min_position: int | None = None


def count_view(
    views: ViewReader, spec: ViewSpec, chosen: ItemFilter, ask: CountQuery, now: datetime
) -> dict[str, Any]:
    """The counts of ``spec``'s entries ``chosen`` admits at each period end."""
    if not spec.read_by_date or not spec.count_by:
        raise NotFound("not_found", f"view {spec.name!r} has no counts over time")
    if ask.by not in spec.count_by:
        raise invalid("by", f"{spec.name} counts by {', '.join(spec.count_by)}, not {ask.by!r}")
    if ask.bucket not in BUCKETS:
        raise invalid("bucket", f"bucket {ask.bucket!r} is not one of {', '.join(BUCKETS)}")
    end = ask.end or today(now)
    start = ask.start or years_before(end, DEFAULT_YEARS)
    if start > end:
        raise invalid("from", f"from {start} is after to {end}")
    buckets = bucket_count(start, end, ask.bucket)
    if buckets > MAX_BUCKETS:
        raise invalid(
            "bucket",
            f"{start} to {end} by {ask.bucket} makes {buckets} buckets, more than "
            f"{MAX_BUCKETS}; ask for a larger bucket or a shorter span",
        )
    moment = resolve(views, spec.name, ask.known_at, ask.min_position, now)
    items: list[dict[str, Any]] = []
    for period_end in period_ends(start, end, ask.bucket):
        found = views.stab(spec.name, moment.position, period_end, ended=chosen.wants_ended)
        admitted = [item for item in found if chosen.admits(item)]
        items += counted(admitted, ask.by, period_end, totals=spec.totals)
    return {
        "view": spec.name,
        "by": ask.by,
        "bucket": ask.bucket,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "known_at": moment.known_at,
        "position": moment.position,
        "items": items,
    }


def counted(
    items: list[dict[str, Any]], by: str, period_end: date, *, totals: bool = False
) -> list[dict[str, Any]]:
    """One period end's groups of ``items`` by ``by``, ordered by key (null last), each with
    its count and, with ``totals``, the USD total of its commitments."""
    groups: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        for key in keys_of(item, by):
            groups[key].append(item)
    out = []
    for key in sorted(groups, key=lambda k: (k is None, k or "")):
        members = groups[key]
        row: dict[str, Any] = {"period_end": period_end.isoformat(), "key": key}
        row["count"] = len(members)
        if totals:
            row["total_usd"] = funding.totals(members)["total_usd"]
        out.append(row)
    return out


def keys_of(item: dict[str, Any], by: str) -> Iterable[str | None]:
    """The keys an entry counts under: each material it lists, once; else its field's value."""
    if by == "material":
        return dict.fromkeys(item.get("materials") or ())
    value = item.get(by)
    return (None if value is None else str(value),)


def period_ends(first: date, last: date, bucket: str) -> list[date]:
    """The last day of each calendar ``bucket`` meeting ``[first, last]``, the last one
    clamped to ``last``."""
    months = BUCKETS[bucket]
    index, final = _period(first, months), _period(last, months)
    return [*(_period_end(i, months) for i in range(index, final)), last]


def bucket_count(first: date, last: date, bucket: str) -> int:
    months = BUCKETS[bucket]
    return _period(last, months) - _period(first, months) + 1


def _period(day: date, months: int) -> int:
    """The number of the calendar period of ``months`` months holding ``day``."""
    return (day.year * 12 + day.month - 1) // months


def _period_end(period: int, months: int) -> date:
    year, month0 = divmod(period * months + months - 1, 12)
    return date(year, month0 + 1, monthrange(year, month0 + 1)[1])


def years_before(day: date, years: int) -> date:
    """The same day ``years`` years earlier (29 February: the 28th), not before 1 January of
    the year 1."""
    year = day.year - years
    if year < 1:
        return date.min
    return date(year, day.month, min(day.day, monthrange(year, day.month)[1]))


def counts_permalink(path: str, asked: Iterable[tuple[str, str]], answer: dict[str, Any]) -> str:
    """The count's address pinned to its position, ``to`` and ``from`` (both as answered, so
    defaults are written out) and every other parameter as asked; the HTTP API and the CLI
    give a count the same address."""
    kept = [(k, v) for k, v in asked if k != "from"]
    kept.append(("from", answer["from"]))
    return permalink(path, kept, answer["position"], ("to", answer["to"]))
