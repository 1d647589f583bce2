"""Funding arithmetic: totals in USD, totals per value of a field, and cumulative monthly
series. Amounts are exact decimal strings; sums are ``Decimal``."""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from domain import materials
from service.queries.problems import invalid
from service.queries.reader import ViewReader


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
    views: ViewReader,
    position: int,
    first: date,
    last: date,
    choose: Callable[[list[dict[str, Any]]], tuple[list[dict[str, Any]], int]],
) -> list[dict[str, Any]]:
    """Cumulative committed funding at the end of each month; ``choose`` gives the items a
    month counts and how many min_confidence left out of it."""
    out = []
    for end in month_ends(first, last):
        items, left_out = choose(views.stab("funding", position, end))
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
        raise invalid(
            "months",
            f"{months} months before {at} is before the year 1",
            "reaches before the year 1",
        )
    return date(year, month, 1)
