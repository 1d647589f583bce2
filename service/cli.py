"""The ``policy-timeline`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.settings import Settings

app = typer.Typer(help="Policy Timeline: the rare-earth policy event log.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: POLICY_TIMELINE_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: POLICY_TIMELINE_PORT")] = None,
) -> None:
    """Start the HTTP service (loads the bundled real timeline into an empty store)."""
    import uvicorn

    from service.app import create_app

    settings = Settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
    )


@app.command()
def load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    recorded_by: Annotated[str, typer.Option(help="recorded as the events' author")] = "cli-load",
) -> None:
    """Load a JSONL file of events (one POST /events body per line). Safe to run twice:
    events already recorded are skipped as duplicates."""
    from service.app import open_timeline
    from service.loader import load_lines

    settings = Settings()
    lines = file.read_text(encoding="utf-8").splitlines()
    timeline = open_timeline(settings)
    try:
        with Progress(
            TextColumn("loading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=errors,
        ) as progress:  # fmt: skip
            task = progress.add_task("load", total=sum(1 for line in lines if line.strip()))
            report = load_lines(timeline, lines, recorded_by, lambda n: progress.advance(task, n))
    finally:
        timeline.close()
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
def openapi(
    output: Annotated[Path, typer.Option(help="file to write")] = Path("openapi/openapi.json"),
) -> None:
    """Write the OpenAPI schema generated from the app."""
    from service.app import create_app
    from service.openapi_file import render

    output.write_text(render(create_app(Settings()).openapi()), encoding="utf-8")
    console.print(f"wrote {output}")


if __name__ == "__main__":
    app()
