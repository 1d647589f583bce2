"""Running the service: ``serve`` (the HTTP API), ``project`` (the views as a process of its
own), ``rebuild`` (views from position 0) and ``openapi`` (the schema file)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import TaskID

from service.cli.common import app, console, errors, progress_bar, require_timeline
from service.settings import Settings


def uvicorn_options(*, access_log: bool = False) -> dict[str, Any]:
    """How ``serve`` runs uvicorn, apart from the app and where it listens (the write-path
    benchmark runs its do-nothing ceiling app with the same options).

    uvicorn's access log is off unless asked for (``serve --access-log``): its line per
    request is formatted and written on the event loop, which took 6% of the loop's time
    under 32 clients posting events and 14% of a do-nothing app's (py-spy, GIL samples);
    ``/metrics`` already counts requests by route and status."""
    from service.http.server import PROTOCOL

    return {"http": PROTOCOL, "log_level": "info", "access_log": access_log}


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: POLICY_TIMELINE_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: POLICY_TIMELINE_PORT")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes sharing the port (one of them projects)")
    ] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log", help="log a line for every request")
    ] = False,
) -> None:
    """Start the HTTP service (loads the bundled real timeline into an empty store)."""
    import uvicorn

    from service.http.server import raise_open_file_limit

    settings = Settings()
    open_files = raise_open_file_limit()
    errors.print(f"open-file limit {open_files}: about {open_files - 64} connections per process")
    uvicorn.run(
        "service.http.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        **uvicorn_options(access_log=access_log),
    )


@app.command()
def project() -> None:
    """Keep the views up to date as a process of its own (run `serve` with
    POLICY_TIMELINE_RUN_PROJECTIONS=false). One projector runs at a time: a second one stands
    by and takes over when the first stops or dies. Stops cleanly on Ctrl-C or SIGTERM."""
    import signal

    from service.bootstrap import open_timeline
    from service.runtime.projector import ProjectionHost
    from service.storage.process_lock import ProcessLock

    settings = Settings()
    timeline = open_timeline(settings.database_url)
    host = ProjectionHost(timeline, ProcessLock(settings.database_url, "projector"))
    signal.signal(signal.SIGTERM, lambda *_: host.stop())
    signal.signal(signal.SIGINT, lambda *_: host.stop())
    said: list[bool] = []

    def standing_by() -> None:
        if not said:
            errors.print("standing by: another projector is running")
            said.append(True)

    errors.print(f"projecting from position {host.runner.position()} of {timeline.position()}")
    try:
        host.project(on_standby=standing_by)
        errors.print(f"stopped at position {host.runner.position()}")
    finally:
        timeline.close()


@app.command()
def rebuild(
    view: Annotated[str | None, typer.Argument(help="one view (default: all)")] = None,
) -> None:
    """Rebuild views from position 0; the old ones keep serving until the new ones are
    complete, then running services switch to them."""
    from projections.registry import VIEWS
    from service.bootstrap import open_timeline
    from service.runtime.rebuilds import rebuild_views
    from service.storage.views import open_views

    names = [view] if view else list(VIEWS)
    unknown = [n for n in names if n not in VIEWS]
    if unknown:
        errors.print(f"unknown view {unknown[0]!r}; one of: {', '.join(VIEWS)}")
        raise typer.Exit(2)
    settings = Settings()
    require_timeline(settings.database_url)
    timeline = open_timeline(settings.database_url)
    store = open_views(timeline)
    try:
        # All in one pass over the log, shared out among processes (one per core).
        with progress_bar() as progress:
            task = progress.add_task(", ".join(names), total=timeline.position())

            def advance(applied: int, task: TaskID = task) -> None:
                progress.advance(task, applied)

            applied = rebuild_views(timeline, store, names, advance)
        for name in names:
            console.print(f"{name}: rebuilt from {applied} events")
    finally:
        timeline.close()


@app.command()
def openapi(
    output: Annotated[Path, typer.Option(help="file to write")] = Path("openapi/openapi.json"),
) -> None:
    """Write the OpenAPI schema generated from the app."""
    from service.http.app import create_app
    from service.http.openapi_file import render

    output.write_text(render(create_app(Settings()).openapi()), encoding="utf-8")
    console.print(f"wrote {output}")
