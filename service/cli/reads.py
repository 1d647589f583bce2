"""Reading views from the command line: ``at`` (a view on a day, as known at a record time)
and ``diff`` (what changed between two days or two record times). Both read the store through
the same read layer as the HTTP API (``service.queries``), without starting a server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from projections.registry import DATED_VIEWS, VIEWS
from service.cli.common import Confidence, app, console, errors, require_timeline
from service.cli.tables import cell, view_table
from service.queries.diff import diff as diff_of
from service.queries.filters import view_filter
from service.queries.problems import NotFound, Problem
from service.queries.reader import ViewReader
from service.queries.views import MAX_PAGE, ViewQuery, read_material, read_view
from service.settings import Settings

STATUS_VIEWS = [spec for spec in VIEWS.values() if spec.statuses]  # entries with a status
# The sections of a materials/X answer, by the view whose entries they hold.
SECTION_VIEWS = {spec.material_section: spec.name for spec in VIEWS.values()}


@app.command()
def at(
    day: Annotated[str, typer.Argument(help="valid date, YYYY-MM-DD")],
    view: Annotated[
        str,
        typer.Argument(help=", ".join(VIEWS) + " or materials/X"),
    ],
    known_at: Annotated[
        str | None, typer.Option(help="record time: ISO datetime, date or position=N")
    ] = None,
    material: Annotated[list[str] | None, typer.Option(help="repeatable")] = None,
    jurisdiction: Annotated[
        list[str] | None, typer.Option(help="repeatable; e.g. CN, US, EU")
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            help="repeatable; "
            + "; ".join(
                f"{s.name}: {', '.join(s.statuses)} (default: {', '.join(s.statuses_shown)})"
                for s in STATUS_VIEWS
            )
        ),
    ] = None,
    min_confidence: Annotated[
        Confidence | None,
        typer.Option(help="leave out entries less certain than this (default: reported)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON answer")] = False,
) -> None:
    """Print a view as it stood on DAY (as known at --known-at), as a table. Filters mean what
    the API's query parameters of the same names mean."""
    names = [s.name for s in STATUS_VIEWS]
    if status and view not in names:
        errors.print(f"--status applies to {' and '.join(names)}, not {view}")
        raise typer.Exit(2)
    on = _date(day, "DAY")
    values = {"material": material, "jurisdiction": jurisdiction, "status": status}
    confidence = min_confidence.value if min_confidence else "reported"
    ask = ViewQuery(at=on, known_at=known_at, limit=MAX_PAGE)

    def read(views: ViewReader) -> dict[str, Any]:
        if view.startswith("materials/"):
            return read_material(
                views, view.removeprefix("materials/"), ask, confidence, 10, _now()
            )
        spec = VIEWS.get(view)
        if spec is None:
            raise NotFound("not_found", f"no view {view!r}; one of {', '.join(VIEWS)}")
        chosen = view_filter(spec, values, confidence)
        return read_view(views, spec, chosen, ask, _now())

    answer = _answer(read)
    if as_json:
        console.print_json(data=answer)
        return
    if isinstance(answer["items"], dict):  # materials/X: one table per kind of entry
        for section, rows in answer["items"].items():
            entries = rows["items"] if isinstance(rows, dict) else rows  # funding has totals
            shown = SECTION_VIEWS.get(str(section), str(section))
            console.print(view_table(shown, {**answer, "items": entries}, f"{view}: {section}"))
        return
    console.print(view_table(view, answer))


@app.command()
def diff(
    view: Annotated[str, typer.Argument(help=", ".join(sorted(DATED_VIEWS)))],
    start: Annotated[str, typer.Argument(metavar="FROM", help="valid date, YYYY-MM-DD")],
    end: Annotated[str, typer.Argument(metavar="TO", help="valid date, YYYY-MM-DD")],
    known: Annotated[
        bool,
        typer.Option(
            "--known", help="FROM and TO are record times (ISO datetime, date or position=N)"
        ),
    ] = False,
    at_day: Annotated[
        str | None, typer.Option("--at", help="with --known: the valid date (default: today)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON answer")] = False,
) -> None:
    """What changed in VIEW between two valid dates (or, with --known, between two record
    times): entries added, removed and changed field by field, with the events that did it."""
    from_, to = (None, None) if known else (_date(start, "FROM"), _date(end, "TO"))

    def read(views: ViewReader) -> dict[str, Any]:
        if view not in DATED_VIEWS:
            raise NotFound("not_found", f"no view {view!r} to diff; one of "
                           f"{', '.join(sorted(DATED_VIEWS))}")  # fmt: skip
        return diff_of(
            views, view, from_=from_, to=to,
            known_from=start if known else None, known_to=end if known else None,
            at=_date(at_day, "--at") if at_day else None, known_at=None,
            min_confidence="reported", now=_now(),
        )  # fmt: skip

    answer = _answer(read)
    if as_json:
        console.print_json(data=answer)
        return
    span = f"{start} → {end}" + (" (record time)" if known else "")
    table = Table(title=f"{view}: {span}")
    for column in ("", "policy_id", "what", "caused by"):
        table.add_column(column, overflow="fold")
    for kind, mark in (("added", "+"), ("removed", "-")):
        for entry in answer[kind]:
            table.add_row(mark, entry["policy_id"], entry["item"].get("title", ""),
                          _causes(entry))  # fmt: skip
    for entry in answer["changed"]:
        what = "; ".join(f"{k}: {cell(c['from'])} → {cell(c['to'])}"
                         for k, c in entry["changes"].items())  # fmt: skip
        table.add_row("~", entry["policy_id"], what, _causes(entry))
    console.print(table)
    counts = {k: len(answer[k]) for k in ("added", "removed", "changed")}
    console.print(", ".join(f"{n} {k}" for k, n in counts.items()))


def _causes(entry: dict[str, Any]) -> str:
    return "; ".join(f"{c['announced_on']} {c['type']}" for c in entry["caused_by"])


def _answer(read: Callable[[ViewReader], dict[str, Any]]) -> dict[str, Any]:
    """``read``'s answer from the configured store; a problem is printed, exit status 1."""
    from service.bootstrap import open_reader

    settings = Settings()
    require_timeline(settings.database_url)
    try:
        with open_reader(settings) as views:
            return read(views)
    except Problem as problem:
        errors.print(problem.message, markup=False, highlight=False)
        raise typer.Exit(1) from None


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.print(f"{name}: {text!r} is not a date (YYYY-MM-DD)", markup=False)
        raise typer.Exit(2) from None


def _now() -> datetime:
    return datetime.now(UTC)
