"""What a reader asks of a view or of the log: filters as values.

A view's filter is built once from the values of its declared filters (``view_filter``; the
HTTP layer turns the same declarations into query parameters, shared by the view's read and
its stream, so both take the same parameters and mean the same thing) and then decides item
by item. Filters are frozen: live streams render one message per distinct filter and share
it between the subscribers that asked for the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain import materials
from domain.events import EVENT_TYPES
from projections.registry import ENDED
from projections.rows import CONFIDENCE_RANK
from projections.spec import ViewSpec
from service.queries.problems import invalid

CONFIDENCES = tuple(CONFIDENCE_RANK)  # from the least certain


@dataclass(frozen=True)
class ItemFilter:
    """Items of a view that bear on one of ``keys`` (material index keys; empty: any), are at
    least ``min_confidence``, have each ``equals`` field among its values, each ``contains``
    list field sharing one of its values, and (the timeline) were announced in
    ``[announced_from, announced_before)``."""

    keys: frozenset[str] = frozenset()
    min_confidence: str = "reported"
    equals: tuple[tuple[str, tuple[str, ...]], ...] = ()
    contains: tuple[tuple[str, tuple[str, ...]], ...] = ()
    announced_from: str = ""
    announced_before: str = "~"

    def admits(self, item: dict[str, Any]) -> bool:
        return self.certain_enough(item) and self.admits_but_confidence(item)

    def certain_enough(self, item: dict[str, Any]) -> bool:
        return (
            CONFIDENCE_RANK[item.get("confidence", "confirmed")]
            >= CONFIDENCE_RANK[self.min_confidence]
        )

    def admits_but_confidence(self, item: dict[str, Any]) -> bool:
        """Whether every part of the filter but ``min_confidence`` admits ``item``."""
        if self.keys and not bears_on(item, self.keys):
            return False
        if any(item.get(name) not in values for name, values in self.equals):
            return False
        if any(not set(item.get(name) or ()) & set(values) for name, values in self.contains):
            return False
        return self.announced_from <= item.get("announced_on", "") < self.announced_before

    def values(self, name: str) -> tuple[str, ...]:
        return next((values for field, values in self.equals if field == name), ())

    @property
    def wants_ended(self) -> bool:
        """Whether the filter asks for entries that have ended (lifted, expired, abandoned),
        which reads find in a tree of their own."""
        return bool(ENDED & set(self.values("status")))

    def confidences(self) -> list[str]:
        rank = CONFIDENCE_RANK[self.min_confidence]
        return [c for c, r in CONFIDENCE_RANK.items() if r >= rank]

    def left_out_confidences(self) -> list[str]:
        """The confidences ``min_confidence`` leaves out."""
        rank = CONFIDENCE_RANK[self.min_confidence]
        return [c for c, r in CONFIDENCE_RANK.items() if r < rank]


def bears_on(item: dict[str, Any], keys: frozenset[str]) -> bool:
    """Whether an item (or event) lists a material under one of ``keys``."""
    return any(not materials.index_keys(m).isdisjoint(keys) for m in item.get("materials") or ())


def select(items: list[dict[str, Any]], chosen: ItemFilter) -> list[dict[str, Any]]:
    """The items ``chosen`` admits, in ``policy_id`` order."""
    return sorted((i for i in items if chosen.admits(i)), key=lambda item: item["policy_id"])


def select_counted(
    items: list[dict[str, Any]], chosen: ItemFilter
) -> tuple[list[dict[str, Any]], int]:
    """The items ``chosen`` admits, in ``policy_id`` order, and how many more it would admit
    but for ``min_confidence`` (the items it left out only for being less certain). One pass:
    a read of thousands of entries spent half its time in a second one."""
    kept = []
    left_out = 0
    for item in items:
        if chosen.admits_but_confidence(item):
            if chosen.certain_enough(item):
                kept.append(item)
            else:
                left_out += 1
    kept.sort(key=lambda item: item["policy_id"])
    return kept, left_out


def view_filter(
    spec: ViewSpec, values: Mapping[str, Any], min_confidence: str = "reported"
) -> ItemFilter:
    """The filter a read (or stream) of ``spec`` with these values of its declared filters
    asks for; a filter given no value admits anything, except a status filter, which then
    admits the statuses the view shows by default."""
    keys: frozenset[str] = frozenset()
    equals: list[tuple[str, tuple[str, ...]]] = []
    contains: list[tuple[str, tuple[str, ...]]] = []
    announced_from, announced_before = "", "~"
    for declared in spec.filters:
        given = values.get(declared.name)
        if declared.match == "announced_from":
            announced_from = given.isoformat() if given else ""
            continue
        if declared.match == "announced_to":
            announced_before = given.isoformat() if given else "~"
            continue
        chosen = tuple(given or declared.shown)
        wrong = [v for v in chosen if declared.choices and v not in declared.choices]
        if wrong:
            raise invalid(
                declared.name,
                f"{declared.name} {wrong[0]!r} is not one of {', '.join(declared.choices)}",
            )
        if declared.match == "material":
            keys = material_keys(list(chosen))
        elif declared.match == "event_type":
            equals.append(("type", tuple(event_types(list(chosen)))))
        elif declared.match == "contains":
            contains.append((declared.item_field, chosen))
        else:
            equals.append((declared.item_field, chosen))
    return ItemFilter(
        keys=keys,
        min_confidence=min_confidence,
        equals=tuple((name, v) for name, v in equals if v),
        contains=tuple((name, v) for name, v in contains if v),
        announced_from=announced_from,
        announced_before=announced_before,
    )


@dataclass(frozen=True)
class LogFilter:
    """Events of the log by type, jurisdiction and material, as the event index selects them
    (an event bears on a material when it lists one of ``keys``)."""

    types: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    keys: frozenset[str] = frozenset()

    def admits(self, fact: dict[str, Any]) -> bool:
        return (
            (not self.types or fact["type"] in self.types)
            and (not self.jurisdictions or fact["jurisdiction"] in self.jurisdictions)
            and (not self.keys or bears_on(fact, self.keys))
        )


# --- checking names ----------------------------------------------------------------------------


def event_types(names: list[str] | None) -> list[str]:
    unknown = sorted(set(names or ()) - set(EVENT_TYPES))
    if unknown:
        raise invalid(
            "type", f"unknown event type {', '.join(unknown)}", f"one of {', '.join(EVENT_TYPES)}"
        )
    return list(names or ())


def material_keys(names: list[str] | None) -> frozenset[str]:
    keys: set[str] = set()
    for name in names or ():
        try:
            keys |= materials.matching_keys(name)
        except ValueError as error:
            raise invalid("material", f"material: {error}", str(error)) from None
    return frozenset(keys)
