"""What an export control's scope covers of a screened product, and where the control applies.

A screened product is named by HS codes and materials (query *terms*). A control matches a term
when it covers at least part of it, and covers the product **fully** when it covers at least
one term whole (a heading covering the queried subheading, ``REE`` covering ``Dy``), else
**partially** (a control listing one line of the queried subheading, or ``Dy`` for a query of
``HREE``): then only part of what was asked is controlled, and the reader has to check which.
Pure: nothing here reads a store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from domain import hs_codes, materials
from domain.hs_codes import Coverage


@dataclass(frozen=True)
class Product:
    """The screened product: HS codes as digits and materials in their canonical spelling,
    each in the order asked, without repeats."""

    hs_codes: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """The query terms a control matched (``hs_code:2846.90``, ``material:Dy``) and how it
    covers the product."""

    matched_by: tuple[str, ...]
    coverage: Coverage


def material_coverage(listed: str, asked: str) -> Coverage | None:
    """How a control listing ``listed`` covers the material ``asked`` (both canonical), by the
    views' own matching (``domain.materials``): ``full`` when ``listed`` is ``asked`` or a group
    holding all of it (``REE`` for ``Dy`` or for ``HREE``), ``partial`` when it matches only a
    part (``Dy`` for ``HREE``; the named material ``NdFeB magnets`` for ``magnets``)."""
    if materials.index_keys(listed).isdisjoint(materials.matching_keys(asked)):
        return None
    if materials.is_named(asked):
        return "full" if materials.index_key(listed) == asked.lower() else "partial"
    if listed == asked:
        return "full"
    within = materials.GROUPS.get(listed, frozenset())
    return "full" if materials.GROUPS.get(asked, frozenset({asked})) <= within else "partial"


def match(control: dict[str, Any], product: Product) -> Match | None:
    """Which terms of ``product`` the control (a view entry: ``hs_codes``, ``materials``)
    matches, or None when it matches none."""
    terms: list[tuple[str, Coverage]] = []
    listed_codes = control.get("hs_codes") or []
    for code in product.hs_codes:
        found = hs_codes.covered_by(listed_codes, code)
        if found is not None:
            terms.append((f"hs_code:{hs_codes.dotted(code)}", found))
    listed_materials = control.get("materials") or []
    for material in product.materials:
        found = _best(material_coverage(listed, material) for listed in listed_materials)
        if found is not None:
            terms.append((f"material:{material}", found))
    if not terms:
        return None
    whole = _best(found for _, found in terms)
    return Match(tuple(term for term, _ in terms), whole or "partial")


def applies_to(control: dict[str, Any], destination: str | None) -> bool:
    """Whether a control applies to exports to ``destination`` (None: any destination): its
    ``targets`` are empty (every destination) or list it, and its ``excluded_targets`` do not.
    Names are compared exactly: a target may be a company, which no country code stands for."""
    if destination is None:
        return True
    targets = control.get("targets") or []
    excluded = control.get("excluded_targets") or []
    return (not targets or destination in targets) and destination not in excluded


def _best(found: Iterable[Coverage | None]) -> Coverage | None:
    seen = set(found)
    if "full" in seen:
        return "full"
    return "partial" if "partial" in seen else None
