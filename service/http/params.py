"""Query parameters made from the views' declarations: one dependency per view that turns its
declared filters into parameters (shared by the view's read and its stream, so both take the
same parameters and mean the same thing), and the event log's filter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from inspect import Parameter, Signature
from typing import Annotated, Any, Literal

from fastapi import Depends, Query

from projections.spec import Filter, ViewSpec
from service.queries.filters import (
    CONFIDENCES,
    ItemFilter,
    LogFilter,
    event_types,
    material_keys,
    view_filter,
)

Confidence = Literal[CONFIDENCES]  # type: ignore[valid-type]
ConfidenceParam = Annotated[
    Confidence, Query(description="leave out events less certain than this")
]
Many = Annotated[list[str] | None, Query(description="repeatable")]


def _annotation(declared: Filter) -> Any:
    if declared.match in ("announced_from", "announced_to"):
        return Annotated[
            date | None, Query(alias=declared.alias or None, description=declared.description)
        ]
    values: Any = Literal[declared.choices] if declared.choices else str  # type: ignore[valid-type]
    return Annotated[list[values] | None, Query(description=declared.description)]


def filter_dependency(spec: ViewSpec) -> Callable[..., ItemFilter]:
    """A FastAPI dependency taking ``min_confidence`` and each declared filter of ``spec`` as
    query parameters, and giving the view's ``ItemFilter``."""

    def dependency(min_confidence: str = "reported", **values: Any) -> ItemFilter:
        return view_filter(spec, values, min_confidence)

    parameters = [
        Parameter(
            "min_confidence", Parameter.KEYWORD_ONLY, default="reported", annotation=ConfidenceParam
        ),
        *(
            Parameter(f.name, Parameter.KEYWORD_ONLY, default=None, annotation=_annotation(f))
            for f in spec.filters
        ),
    ]
    dependency.__signature__ = Signature(parameters, return_annotation=ItemFilter)  # type: ignore[attr-defined]
    return dependency


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


EventLogFilter = Annotated[LogFilter, Depends(log_filter)]
