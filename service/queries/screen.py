"""Screening a product: may it leave ``exporter`` for ``destination`` on a day?

The answer, as the timeline told it at ``known_at``, read from the ``active-export-controls``
view's stored rows (no replay of the log):

* ``binding``: the exporter's controls in force or suspended on the day that cover the product
  (some HS code or material of the query) and apply to the destination;
* ``upcoming``: those that take effect (in force or suspended) within :data:`HORIZON_DAYS`
  after the day, with the status they will have then;
* ``not_ruled_out``: when the query names HS codes, the exporter's other binding controls on
  the day whose HS list is not known to be complete: that they matched nothing does not mean
  they do not cover the product, so an empty ``binding`` is never read as "not controlled".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain import codes, hs_codes, materials
from service.queries.coverage import Match, Product, applies_to, match
from service.queries.filters import CONFIDENCES, ItemFilter
from service.queries.moments import resolve, today
from service.queries.problems import invalid
from service.queries.reader import ViewReader

VIEW = "active-export-controls"
HORIZON_DAYS = 90  # how far ahead ``upcoming`` looks
BINDING = frozenset({"in_force", "suspended"})
MAX_TERMS = 100  # HS codes, and materials, in one query


@dataclass(frozen=True)
class Screening:
    """What a screen asks, normalised: the product, the exporter (a control's
    ``jurisdiction``) and the destination (None: any)."""

    product: Product
    exporter: str
    destination: str | None

    def echo(self) -> dict[str, Any]:
        return {
            "hs_codes": [hs_codes.dotted(code) for code in self.product.hs_codes],
            "materials": list(self.product.materials),
            "exporter": self.exporter,
            "destination": self.destination,
        }


def screening(
    hs_code: list[str] | None,
    material: list[str] | None,
    exporter: str,
    destination: str | None = None,
) -> Screening:
    """The screen asked for, or ``Invalid`` naming the parameter that cannot be understood."""
    if not hs_code and not material:
        raise invalid(
            "hs_code",
            "give at least one hs_code or material to screen",
            "e.g. hs_code=2846.90 or material=Dy",
        )
    for name, given in (("hs_code", hs_code), ("material", material)):
        if len(given or ()) > MAX_TERMS:
            raise invalid(name, f"at most {MAX_TERMS} values of {name}")
    found_codes: list[str] = []
    for code in hs_code or ():
        try:
            found_codes.append(hs_codes.digits(code))
        except ValueError as error:
            raise invalid("hs_code", f"hs_code: {error}", "e.g. 2846, 2846.90, 284690") from None
    found_materials: list[str] = []
    for name in material or ():
        try:
            found_materials.append(materials.normalise(name))
        except ValueError as error:
            raise invalid("material", f"material: {error}", str(error)) from None
    product = Product(tuple(dict.fromkeys(found_codes)), tuple(dict.fromkeys(found_materials)))
    to = _jurisdiction("destination", destination) if destination is not None else None
    return Screening(product, _jurisdiction("exporter", exporter), to)


def _jurisdiction(name: str, given: str) -> str:
    # Case is forgiven (``us`` is US) but nothing else: a destination that names no
    # jurisdiction would match no control aimed at one and read as "not controlled".
    code = given.strip().upper()
    if not codes.is_jurisdiction(code):
        raise invalid(
            name,
            f"{name} {given!r} is not a jurisdiction code",
            "an ISO 3166-1 alpha-2 country code (e.g. CN, US, JP) or EU",
        )
    return code


def screen(
    views: ViewReader,
    asked: Screening,
    now: datetime,
    *,
    on: date | None = None,
    known_at: str | None = None,
    min_position: int | None = None,
    min_confidence: str = "reported",
) -> dict[str, Any]:
    """The screen's answer on ``on`` (default: today) as known at ``known_at``."""
    if min_confidence not in CONFIDENCES:
        raise invalid(
            "min_confidence",
            f"min_confidence {min_confidence!r} is not one of {', '.join(CONFIDENCES)}",
        )
    moment = resolve(views, VIEW, known_at, min_position, now)
    on = on or today(now)
    sure = ItemFilter(min_confidence=min_confidence)

    def concerned(row: dict[str, Any]) -> bool:
        """A control of the exporter, certain enough, applying to the destination."""
        return (
            row.get("jurisdiction") == asked.exporter
            and sure.certain_enough(row)
            and applies_to(row, asked.destination)
        )

    rows = [row for row in views.stab(VIEW, moment.position, on) if concerned(row)]
    binding, not_ruled_out = [], []
    for row in sorted(rows, key=_policy_id):
        if row["status"] not in BINDING:
            continue
        found = match(row, asked.product)
        if found is not None:
            binding.append(_control(row, found))
        elif asked.product.hs_codes and row.get("hs_codes_complete") is not True:
            not_ruled_out.append(_not_ruled_out(row))
    upcoming = _upcoming(views, moment.position, on, rows, asked, concerned)
    return {
        "on": on.isoformat(),
        "known_at": moment.known_at,
        "position": moment.position,
        "query": asked.echo(),
        "binding": binding,
        "upcoming": upcoming,
        "not_ruled_out": not_ruled_out,
    }


def _upcoming(
    views: ViewReader,
    position: int,
    on: date,
    rows_on: list[dict[str, Any]],
    asked: Screening,
    concerned: Callable[[dict[str, Any]], bool],
) -> list[dict[str, Any]]:
    """Controls that take effect in ``(on, on + HORIZON_DAYS]``, each as it will stand on the
    day it does. Candidates: those pending on ``on``, and every entry on the horizon (ended
    ones too: a control may take effect and end within the window); each is then read on its
    own first day, whose scope and status may differ from both."""
    horizon = _days_after(on, HORIZON_DAYS)
    later = views.stab(VIEW, position, horizon, ended=True)
    starts: dict[str, date] = {}
    for row in [r for r in rows_on if r["status"] == "pending"] + later:
        start = _date(row.get("effective_from"))
        if start is not None and on < start <= horizon:
            starts[row["policy_id"]] = start
    found: list[dict[str, Any]] = []
    for start in sorted(set(starts.values())):
        for row in views.stab(VIEW, position, start):
            if starts.get(row["policy_id"]) != start or row["status"] not in BINDING:
                continue
            if not concerned(row):
                continue
            covered = match(row, asked.product)
            if covered is not None:
                found.append({**_control(row, covered), "takes_effect": start.isoformat()})
    return sorted(found, key=lambda item: (item["takes_effect"], item["policy_id"]))


def _control(row: dict[str, Any], found: Match) -> dict[str, Any]:
    return {
        "policy_id": row["policy_id"],
        "title": row.get("title"),
        "status": row["status"],
        "measure": row.get("measure"),
        "matched_by": list(found.matched_by),
        "coverage": found.coverage,
        "hs_codes_complete": row.get("hs_codes_complete"),
        "effective_from": row.get("effective_from"),
        "suspended_since": row.get("suspended_since"),
        "suspended_until": row.get("suspended_until"),
        "targets": row.get("targets") or [],
        "excluded_targets": row.get("excluded_targets") or [],
        "sources": row.get("sources") or [],
    }


def _not_ruled_out(row: dict[str, Any]) -> dict[str, Any]:
    partial = row.get("hs_codes_complete") is False
    return {
        "policy_id": row["policy_id"],
        "title": row.get("title"),
        "status": row["status"],
        "reason": "hs_codes_incomplete" if partial else "hs_codes_unknown",
        "materials": row.get("materials") or [],
    }


def _policy_id(row: dict[str, Any]) -> str:
    return str(row["policy_id"])


def _days_after(on: date, days: int) -> date:
    try:
        return on + timedelta(days=days)
    except OverflowError:  # within 90 days of year 9999's end: the calendar's end will do
        return date.max


def _date(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
