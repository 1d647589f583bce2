"""Moving events in and out of a store: ``load`` a JSONL file, ``copy`` a whole timeline to
another store, ``export`` the log as JSON lines or CSV."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from service.cli.common import app, console, errors, progress_bar, require_timeline
from service.settings import Settings


@app.command()
def load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    recorded_by: Annotated[str, typer.Option(help="recorded as the events' author")] = "cli-load",
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Load a JSONL file of events (one POST /events body per line). Safe to run twice:
    events already recorded are skipped as duplicates. A line without an event_id is given
    one derived from its content (a uuid5 of the validated event), so loading the file again
    adds nothing; an edited line is a new event, so give lines you may edit an event_id."""
    from service.bootstrap import open_timeline
    from service.bulk.loader import load_lines

    settings = Settings()
    lines = file.read_text(encoding="utf-8").splitlines()
    timeline = open_timeline(settings.database_url)
    try:
        with progress_bar() as progress:
            task = progress.add_task("loading", total=sum(1 for line in lines if line.strip()))
            report = load_lines(timeline, lines, recorded_by, lambda n: progress.advance(task, n))
    finally:
        timeline.close()
    if as_json:
        rejected = [{"line": n, "reason": r} for n, r in report.rejected]
        print(json.dumps({"added": report.added, "duplicates": report.duplicates,
                          "rejected": rejected}))  # fmt: skip
        sys.exit(1 if report.rejected else 0)
    table = Table(title=f"{file.name}")
    table.add_column("added", justify="right")
    table.add_column("duplicates skipped", justify="right")
    table.add_column("rejected", justify="right")
    table.add_row(str(report.added), str(report.duplicates), str(len(report.rejected)))
    console.print(table)
    for number, reason in report.rejected:
        console.print(f"line {number}: {reason}", markup=False, highlight=False)
    if report.rejected:
        sys.exit(1)


@app.command()
def copy(
    source: Annotated[str, typer.Option("--from", help="database URL to copy from")],
    target: Annotated[str, typer.Option("--to", help="database URL of an empty store")],
) -> None:
    """Copy a whole timeline to another store (e.g. SQLite to PostgreSQL), keeping event ids,
    order, record times and authors. The target's views are built when it is first served or
    projected."""
    from service.bootstrap import open_timeline
    from service.bulk.copier import TargetNotEmpty, copy_timeline
    from service.storage import UnsupportedDatabaseUrl

    require_timeline(source)
    try:
        origin = open_timeline(source)
        destination = open_timeline(target)
    except UnsupportedDatabaseUrl as error:
        errors.print(str(error))
        raise typer.Exit(2) from None
    try:
        with progress_bar() as progress:
            task = progress.add_task("copying", total=origin.position())
            report = copy_timeline(origin, destination, lambda n: progress.advance(task, n))
    except TargetNotEmpty as error:
        errors.print(str(error))
        raise typer.Exit(1) from None
    finally:
        origin.close()
        destination.close()
    console.print(
        f"copied {report.copied} events; the source ends at position {report.source_head}, "
        f"the copy at {report.target_head}"
    )


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


@app.command()
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write (default: stdout)")
    ] = None,
    format: Annotated[ExportFormat, typer.Option(help="jsonl (loadable) or csv")] = (
        ExportFormat.jsonl
    ),
    known_at: Annotated[
        str | None,
        typer.Option(help="only events recorded by then: ISO datetime, date or position=N"),
    ] = None,
    bom: Annotated[
        bool | None,
        typer.Option(
            "--bom/--no-bom",
            help="start a CSV with a UTF-8 byte-order mark (default: with --output only)",
        ),
    ] = None,
) -> None:
    """Write the log in position order: JSON lines (one event body per line, which `load`
    takes back) or CSV (one row per event, with position, recorded_at and recorded_by, then a
    column for every field of the event catalogue: lists joined with "; ", a correction's
    changes as JSON, an amount as value and currency). A CSV file starts with a byte-order
    mark, by which spreadsheet programs know it is UTF-8 (₹, Chinese titles). On a correction
    or retraction row, jurisdiction, agency and materials are empty unless it was posted with
    its own: the timeline fills them in from the event it is about (named in corrects or
    retracts), whose row shows them."""
    from service.bootstrap import open_timeline
    from service.bulk.exporter import logged_events, write_csv, write_jsonl
    from service.queries.moments import log_position
    from service.queries.problems import Problem

    settings = Settings()
    require_timeline(settings.database_url)
    timeline = open_timeline(settings.database_url)
    try:
        try:
            until = log_position(timeline, known_at)
        except Problem as problem:
            errors.print(problem.message)
            raise typer.Exit(2) from None
        out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            with progress_bar(disable=output is None) as progress:
                task = progress.add_task("exporting", total=until)
                events = logged_events(timeline, until)
                if format is ExportFormat.jsonl:
                    count = write_jsonl(events, out, lambda: progress.advance(task))
                else:
                    count = write_csv(
                        events,
                        out,
                        lambda: progress.advance(task),
                        about=timeline.logged_event,
                        bom=output is not None if bom is None else bom,
                    )
        finally:
            if output:
                out.close()
    finally:
        timeline.close()
    errors.print(f"exported {count} events (positions 1-{until})")
