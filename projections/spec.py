"""What a view declares about itself, once: the registry (``registry.py``) turns these
declarations into the HTTP reads, streams and diffs, the CLI's tables, the page's generic
tables, the OpenAPI links and the tests' list of views. Nothing here knows about HTTP or SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

from projections.rows import PolicyFacts, Row


class RowsOf(Protocol):
    """A view's rows for one policy (from ``since`` on, when only later days are wanted)."""

    def __call__(self, policy: PolicyFacts, since: date | None = None) -> list[Row]: ...


Match = Literal["equals", "contains", "material", "event_type", "announced_from", "announced_to"]


@dataclass(frozen=True)
class Filter:
    """One query parameter of a view's read and stream (repeatable unless it is a date).

    ``equals``: the item's ``field`` is one of the values; ``contains``: the item's list
    ``field`` shares one; ``material``: the item bears on one of the named materials (group
    and word matching); ``event_type``: an event type of the catalogue; ``announced_from`` /
    ``announced_to``: a date bound on ``announced_on`` (the timeline)."""

    name: str
    match: Match = "equals"
    field: str = ""  # the item field compared; default: the parameter's name
    choices: tuple[str, ...] = ()  # the values allowed; empty: any text
    shown: tuple[str, ...] = ()  # the values assumed when the parameter is absent
    description: str = "repeatable"
    alias: str = ""  # the parameter as spelled in a URL, when its name is a Python keyword

    @property
    def item_field(self) -> str:
        return self.field or self.name


@dataclass(frozen=True)
class Column:
    """A column of the view's table (CLI and page). The CLI wraps only a ``wraps`` column (the
    prose) and prints its ``details`` (item fields, each with an optional "{}" template) on a
    dim line under it; ``cell`` renders a value the item does not hold as text."""

    header: str
    field: str
    wraps: bool = False
    justify: Literal["left", "right"] = "left"
    details: tuple[tuple[str, str], ...] = ()
    cell: Callable[[dict[str, Any]], str] | None = None


@dataclass(frozen=True)
class ViewSpec:
    """A view, declared once."""

    name: str
    title: str  # the view's heading on the page
    consumes: frozenset[str]  # event types that change it (empty: every type)
    rows: RowsOf
    affects_from: Callable[[dict[str, Any]], date | None]
    read_doc: str  # what a read answers (the OpenAPI description of GET /views/<name>)
    filters: tuple[Filter, ...]
    columns: tuple[Column, ...]
    read_by_date: bool = True  # False: read in date order (the timeline), not at one date
    kind: str | None = None  # the policy kind whose status on a day the view tells
    statuses: tuple[str, ...] = ()
    ended: frozenset[str] = frozenset()  # statuses of entries that have ended (stored apart)
    default_status: str = ""  # an entry's status when it has no ``status`` field
    group_by: tuple[str, ...] = ()  # fields a read may total by (with ``totals``)
    totals: bool = False  # a read sums ``amount_usd`` (funding)
    series: bool = False  # a read may give cumulative monthly totals (funding)
    # Fields ``GET /views/<name>/counts`` may count entries by: only fields the view's items
    # hold (``material`` counts an entry under each material it lists); empty: no counts.
    count_by: tuple[str, ...] = ()
    searchable: bool = False  # a read takes ``q``, words in title or summary (timeline)
    material_section: str = ""  # its key in ``GET /views/materials/{material}``'s items
    # Names of the read and stream operations (OpenAPI operationIds start with them), kept
    # stable for clients generated from the published schema.
    read_operation: str = ""
    stream_operation: str = ""
    label: str = ""  # the view in OpenAPI link names (``Read<label>View``); default from name

    @property
    def link_label(self) -> str:
        return self.label or "".join(word.title() for word in self.name.split("-"))

    @property
    def statuses_shown(self) -> tuple[str, ...]:
        status = next((f for f in self.filters if f.name == "status"), None)
        return status.shown if status is not None else ()
