"""The CLI's tables of view entries, from the columns each view declares: every column on one
line except the prose column, which wraps (at spaces) and carries the entry's other facts on
a dim line under it (at 80 columns there is no room for a column each)."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from projections.registry import VIEWS
from projections.spec import Column

DEFAULT_COLUMNS = (Column("policy_id", "policy_id"), Column("title", "title", wraps=True))


def view_table(view: str, answer: dict[str, Any], title: str | None = None) -> Table:
    spec = VIEWS.get(view)
    columns = spec.columns if spec is not None else DEFAULT_COLUMNS
    table = Table(
        title=f"{title or view} on {answer['at']} as known at {answer['known_at']} "
        f"(position {answer['position']})"
    )
    for column in columns:
        table.add_column(column.header, no_wrap=not column.wraps, justify=column.justify)
    for item in answer["items"]:
        table.add_row(*(_cell_of(column, item) for column in columns))
    return table


def _cell_of(column: Column, item: dict[str, Any]) -> str | Text:
    first = column.cell(item) if column.cell is not None else cell(item.get(column.field))
    if not column.details:
        return first
    shown = [_detail(item.get(name), template) for name, template in column.details]
    line = " · ".join(s for s in shown if s)
    return Text(first) + (Text("\n" + line, style="dim") if line else Text())


def _detail(value: Any, template: str) -> str:
    """A fact for the dim line: ``template`` with the value in place of ``{}``; a yes/no fact
    has a template "if yes|if no". Absent and empty values are left out."""
    if value in (None, "", []):
        return ""
    if isinstance(value, bool):
        yes, _, no = template.partition("|")
        return yes if value else no
    return template.replace("{}", cell(value))


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
