"""What a reader asks of a view or of the log: filters as values.

Each filter is built once from the query parameters (the dependencies below, shared by a
view's read and its stream, so both take the same parameters and mean the same thing) and
then decides item by item. Filters are frozen: live streams render one message per distinct
filter and share it between the subscribers that asked for the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query

from domain import materials
from domain.events import EVENT_TYPES
from projections.rows import CONFIDENCE_RANK
from projections.store import ENDED
from service.errors import ApiError

Confidence = Literal["unverified", "reported", "confirmed"]
ConfidenceParam = Annotated[
    Confidence, Query(description="leave out events less certain than this")
]
Many = Annotated[list[str] | None, Query(description="repeatable")]
ControlStatus = Literal["pending", "in_force", "suspended", "lifted", "expired"]
GoalStatus = Literal["active", "met", "missed", "deadline_passed", "abandoned"]
GOAL_STATUSES_SHOWN = ("active", "met", "missed", "deadline_passed")
CONTROL_STATUSES_SHOWN = ("pending", "in_force", "suspended")
LEAST_CERTAIN = "unverified"


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
        if self.keys and not bears_on(item, self.keys):
            return False
        if (
            CONFIDENCE_RANK[item.get("confidence", "confirmed")]
            < CONFIDENCE_RANK[self.min_confidence]
        ):
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
    but for ``min_confidence`` (the items it left out only for being less certain)."""
    kept = select(items, chosen)
    if chosen.min_confidence == LEAST_CERTAIN:
        return kept, 0
    any_confidence = replace(chosen, min_confidence=LEAST_CERTAIN)
    return kept, sum(1 for item in items if any_confidence.admits(item)) - len(kept)


def _fields(**values: list[str] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((name, tuple(v)) for name, v in values.items() if v)


# --- parameters shared by a view's read and its stream -----------------------------------------


def export_control_filter(
    min_confidence: ConfidenceParam = "reported",
    material: Many = None,
    jurisdiction: Many = None,
    target: Many = None,
    measure: Many = None,
    status: Annotated[
        list[ControlStatus] | None, Query(description="default: pending, in_force, suspended")
    ] = None,
) -> ItemFilter:
    return ItemFilter(
        keys=material_keys(material),
        min_confidence=min_confidence,
        equals=_fields(
            jurisdiction=jurisdiction,
            measure=measure,
            status=list(status or CONTROL_STATUSES_SHOWN),
        ),
        contains=_fields(targets=target),
    )


def funding_filter(
    min_confidence: ConfidenceParam = "reported",
    material: Many = None,
    jurisdiction: Many = None,
    agency: Many = None,
    recipient: Many = None,
    mechanism: Many = None,
) -> ItemFilter:
    return ItemFilter(
        keys=material_keys(material),
        min_confidence=min_confidence,
        equals=_fields(
            jurisdiction=jurisdiction, agency=agency, recipient=recipient, mechanism=mechanism
        ),
    )


def goal_filter(
    min_confidence: ConfidenceParam = "reported",
    material: Many = None,
    jurisdiction: Many = None,
    status: Annotated[
        list[GoalStatus] | None, Query(description="default: all but abandoned")
    ] = None,
) -> ItemFilter:
    return ItemFilter(
        keys=material_keys(material),
        min_confidence=min_confidence,
        equals=_fields(jurisdiction=jurisdiction, status=list(status or GOAL_STATUSES_SHOWN)),
    )


def timeline_filter(
    min_confidence: ConfidenceParam = "reported",
    from_: Annotated[date | None, Query(alias="from", description="announced on or after")] = None,
    to: Annotated[date | None, Query(description="announced before (exclusive)")] = None,
    jurisdiction: Many = None,
    material: Many = None,
    type: Many = None,
) -> ItemFilter:
    return ItemFilter(
        keys=material_keys(material),
        min_confidence=min_confidence,
        equals=_fields(jurisdiction=jurisdiction, type=event_types(type)),
        announced_from=from_.isoformat() if from_ else "",
        announced_before=to.isoformat() if to else "~",
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


def log_filter(
    type: Annotated[list[str] | None, Query(description="event types (repeatable)")] = None,
    jurisdiction: Many = None,
    material: Annotated[
        list[str] | None,
        Query(
            description="Dy matches events listing Dy, HREE or REE; a word matches named "
            "materials containing it (magnets: NdFeB magnets) (repeatable)"
        ),
    ] = None,
) -> LogFilter:
    return LogFilter(
        types=tuple(event_types(type)),
        jurisdictions=tuple(jurisdiction or ()),
        keys=material_keys(material),
    )


ExportControlFilter = Annotated[ItemFilter, Depends(export_control_filter)]
FundingFilter = Annotated[ItemFilter, Depends(funding_filter)]
GoalFilter = Annotated[ItemFilter, Depends(goal_filter)]
TimelineFilter = Annotated[ItemFilter, Depends(timeline_filter)]
EventLogFilter = Annotated[LogFilter, Depends(log_filter)]


# --- checking names ----------------------------------------------------------------------------


def event_types(names: list[str] | None) -> list[str]:
    unknown = sorted(set(names or ()) - set(EVENT_TYPES))
    if unknown:
        raise ApiError(
            422,
            "invalid",
            f"unknown event type {', '.join(unknown)}",
            [{"field": "type", "message": f"one of {', '.join(EVENT_TYPES)}"}],
        )
    return list(names or ())


def material_keys(names: list[str] | None) -> frozenset[str]:
    keys: set[str] = set()
    for name in names or ():
        try:
            keys |= materials.matching_keys(name)
        except ValueError as error:
            raise ApiError(
                422, "invalid", f"material: {error}", [{"field": "material", "message": str(error)}]
            ) from None
    return frozenset(keys)
