"""Answering view reads, for any view the registry declares: which log position a read is for
(``moments.resolve``), the view's items on ``at`` as known then, filtered and paged; funding's
totals, groups and series; the timeline in date order with full-text search; and everything
bearing on one material across the views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from projections.registry import VIEWS
from projections.spec import ViewSpec
from service.queries import funding
from service.queries.filters import ItemFilter, material_keys, select_counted
from service.queries.moments import Moment, resolve, today
from service.queries.problems import invalid
from service.queries.reader import ViewReader

MAX_PAGE = 1000  # items in one page of the log or of a view
MAX_POLICY_PAGE = 500  # each policy on a page is replayed from its events


@dataclass(frozen=True)
class ViewQuery:
    """What a read of a view asks for, beyond its filter. ``q`` (the timeline), ``group_by``
    and ``series`` (funding) apply to the views that declare them."""

    at: date | None = None
    known_at: str | None = None
    min_position: int | None = None
    limit: int = 100
    after: str = ""
    q: str | None = None
    group_by: str | None = None
    series: str | None = None
    months: int = 24


def answer(
    view: str, on: date | None, moment: Moment, left_out: int, **rest: Any
) -> dict[str, Any]:
    return {
        "view": view,
        "at": on.isoformat() if on else None,
        "known_at": moment.known_at,
        "position": moment.position,
        "hint": moment.hint,
        "left_out_by_min_confidence": left_out,
        **rest,
    }


def read_view(
    views: ViewReader, spec: ViewSpec, chosen: ItemFilter, ask: ViewQuery, now: datetime
) -> dict[str, Any]:
    """A view's answer on ``ask.at`` (default: today) as known at ``ask.known_at``."""
    moment = resolve(views, spec.name, ask.known_at, ask.min_position, now)
    if not spec.read_by_date:
        return _in_date_order(views, spec, chosen, ask, moment)
    on = ask.at or today(now)

    def choose(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        return select_counted(items, chosen)

    if spec.series and ask.series is not None:
        first = funding.months_back(on, ask.months)
        rows = funding.series(views, moment.position, first, on, choose)
        # The last month ends on ``at``: what the series leaves out is what a read on it would.
        left_out = rows[-1]["left_out_by_min_confidence"]
        return answer(spec.name, on, moment, left_out, series=ask.series, items=rows)
    found = views.stab(spec.name, moment.position, on, ended=chosen.wants_ended)
    items, left_out = choose(found)
    summary = funding.totals(items) if spec.totals else {}
    if spec.group_by and ask.group_by is not None:
        groups = funding.grouped(items, ask.group_by)
        return answer(
            spec.name, on, moment, left_out, group_by=ask.group_by, **summary, items=groups
        )
    shown, cursor = page(items, ask.after, ask.limit)
    return answer(spec.name, on, moment, left_out, **summary, items=shown, next_after=cursor)


def _in_date_order(
    views: ViewReader, spec: ViewSpec, chosen: ItemFilter, ask: ViewQuery, moment: Moment
) -> dict[str, Any]:
    """The timeline: entries in sort-key order (announced_on, then position), paged by sort
    key, optionally matching words."""
    words = _words(ask.q) if ask.q is not None else None
    query: dict[str, Any] = dict(
        after=max(ask.after, chosen.announced_from), words=words,
        match_keys=sorted(chosen.keys), jurisdictions=chosen.values("jurisdiction"),
        types=chosen.values("type"),
    )  # fmt: skip
    found = views.scan(
        spec.name, moment.position, until=chosen.announced_before, limit=ask.limit + 1,
        confidences=chosen.confidences(), **query,
    )  # fmt: skip
    shown = [item for _, item in found[: ask.limit]]
    next_after = found[ask.limit - 1][0] if len(found) > ask.limit else None
    # Counted over this page's span only (up to its last item, or to the end on the last
    # page), so that a read costs what its page does; the pages' counts add up to the whole.
    # Sort keys are unique, so "before the last item" leaves out nothing of this page.
    span_until = next_after or chosen.announced_before
    left_out = _count_left_out(views, spec.name, chosen, moment.position, until=span_until, **query)
    return answer(spec.name, None, moment, left_out, items=shown, next_after=next_after)


def read_material(
    views: ViewReader,
    material: str,
    ask: ViewQuery,
    min_confidence: str,
    recent: int,
    now: datetime,
) -> dict[str, Any]:
    """Everything bearing on one material on ``ask.at``: each dated view's entries (under the
    section the view declares) and the most recent events announced up to then."""
    keys = material_keys([material])
    sections = [spec for spec in VIEWS.values() if spec.material_section]
    moment = resolve(views, sections[0].name, ask.known_at, ask.min_position, now)
    on = ask.at or today(now)
    chosen = ItemFilter(keys=keys, min_confidence=min_confidence)
    left_out = 0
    items: dict[str, Any] = {}
    for spec in sections:
        found, dropped = select_counted(views.stab(spec.name, moment.position, on), chosen)
        left_out += dropped
        items[spec.material_section] = (
            {**funding.totals(found), "items": found} if spec.totals else found
        )
    timeline = next(spec.name for spec in VIEWS.values() if spec.searchable)
    until = on.isoformat() + ":~"
    found_events = views.scan(
        timeline, moment.position, after="", until=until, limit=recent,
        match_keys=sorted(keys), descending=True, confidences=chosen.confidences(),
    )  # fmt: skip
    if recent:
        # Events left out among the recent ones: from the oldest shown (all, when fewer than
        # ``recent`` were found) up to ``at``.
        since = found_events[-1][0] if len(found_events) == recent else ""
        left_out += _count_left_out(
            views, timeline, chosen, moment.position, after=since, until=until,
            match_keys=sorted(keys),
        )  # fmt: skip
    items["recent_events"] = [item for _, item in found_events]
    return answer(f"materials/{material}", on, moment, left_out, material=sorted(keys), items=items)


def _count_left_out(
    views: ViewReader, view: str, chosen: ItemFilter, position: int, **query: Any
) -> int:
    """Entries of ``view`` within ``query`` that ``min_confidence`` leaves out."""
    below = chosen.left_out_confidences()
    if not below:
        return 0
    return views.count(view, position, confidences=below, **query)


def page(
    items: list[dict[str, Any]], after: str, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    rest = [item for item in items if item["policy_id"] > after]
    shown = rest[:limit]
    return shown, (shown[-1]["policy_id"] if len(rest) > limit else None)


def _words(q: str) -> list[str]:
    """The words of a search; every one must appear, as a whole word, or as a substring when
    it holds Chinese or Japanese characters (``service.storage.text_search``). The store quotes
    or escapes each, so user text never reaches a query syntax (quotes, NEAR, LIKE wildcards)."""
    words = [w.replace('"', "") for w in q.split()]
    words = [w for w in words if w]
    if not words:
        raise invalid("q", "q has no words", "empty")
    return words
