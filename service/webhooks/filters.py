"""A webhook's filters: the query parameters of the stream it follows, given as JSON.

They are checked by the very declarations the stream's query parameters are made from
(``service.http.params``), turned into a pydantic model per stream, so a filter a stream
refuses is refused here too, with the same words, and one it takes means the same thing.
Two differences, because a stored filter is read long after it was written: a name the stream
does not take is refused (a stream ignores unknown parameters, so a misspelt filter would
silently pass everything), and a single value may be given bare (``"Dy"`` for ``["Dy"]``), as
a query string cannot tell the two apart either.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from projections.registry import VIEWS
from service.http.params import filter_dependency, log_filter
from service.parsing import field_errors
from service.queries.filters import ItemFilter, LogFilter
from service.queries.problems import Invalid, Problem
from service.streams.steps import LOG

STREAMS = (LOG, *VIEWS)
StreamFilter = ItemFilter | LogFilter


@functools.cache
def _parameters(stream: str) -> tuple[type[BaseModel], Callable[..., StreamFilter]]:
    """The stream's query parameters as a model, and the function that makes its filter."""
    make: Callable[..., StreamFilter]
    if stream == LOG:
        make = log_filter
        hints = typing.get_type_hints(log_filter, include_extras=True)
        keyword = inspect.Parameter.KEYWORD_ONLY
        parameters = [
            inspect.Parameter(n, keyword, default=p.default, annotation=hints[n])
            for n, p in inspect.signature(log_filter).parameters.items()
        ]
    else:
        make = filter_dependency(VIEWS[stream])
        parameters = list(inspect.signature(make).parameters.values())
    fields: dict[str, Any] = {p.name: (p.annotation, p.default) for p in parameters}
    model = create_model(  # type: ignore[call-overload]
        f"{stream}-filters", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model, make


def _listed(annotation: Any) -> bool:
    """Whether a parameter takes several values (``list[...] | None``)."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_listed(a) for a in typing.get_args(annotation))
    return typing.get_origin(annotation) is list


def check(stream: str, given: Mapping[str, Any]) -> tuple[dict[str, Any], StreamFilter]:
    """The filters as stored (single values of repeatable parameters made lists), and the
    filter they make; Invalid (422) naming each bad one as ``filters.<name>``."""
    if stream not in STREAMS:
        raise Invalid(
            "invalid",
            f"no stream named {stream!r}",
            [{"field": "view", "message": f"one of {', '.join(STREAMS)}"}],
        )
    model, make = _parameters(stream)
    by_alias = {(f.alias or name): (name, f) for name, f in model.model_fields.items()}
    values: dict[str, Any] = {}
    for name, value in given.items():
        known = by_alias.get(name)
        if known is not None and _listed(known[1].annotation) and isinstance(value, str):
            value = [value]
        values[name] = value
    try:
        parsed = model.model_validate(values)
    except ValidationError as error:
        details = field_errors(error, prefix="filters.")
        unknown = [d["field"] for d in details if d.get("type") == "extra_forbidden"]
        message = (
            f"{stream} takes no filter {', '.join(f[8:] for f in unknown)} (it takes "
            f"{', '.join(by_alias)})"
            if unknown
            else f"invalid filters: {', '.join(d['field'] for d in details)}"
        )
        raise Invalid("invalid", message, details) from None
    arguments = {name: getattr(parsed, name) for name in model.model_fields}
    try:
        chosen = make(**arguments)
    except Problem as problem:
        details = [{**d, "field": f"filters.{d['field']}"} for d in problem.details]
        raise Invalid("invalid", problem.message, details) from None
    stored = {name: value for name, value in values.items() if value is not None}
    return stored, chosen


def stream_filter(stream: str, stored: Mapping[str, Any]) -> StreamFilter:
    """The filter of stored filters (checked when they were stored)."""
    return check(stream, stored)[1]
