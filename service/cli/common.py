"""What every ``policy-timeline`` command shares: the Typer app, the consoles, progress bars,
and the check that a command reading a store finds one."""

from __future__ import annotations

from enum import StrEnum

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from projections.rows import CONFIDENCE_RANK

app = typer.Typer(help="Policy Timeline: the rare-earth policy event log.", no_args_is_help=True)


console = Console()


errors = Console(stderr=True)


keys_app = typer.Typer(
    help="API keys, on the store of POLICY_TIMELINE_DATABASE_URL (no server needed).",
    no_args_is_help=True,
)


app.add_typer(keys_app, name="keys")


# The confidences a --min-confidence takes, most certain first (as the catalogue names them).
Confidence = StrEnum("Confidence", {c: c for c in reversed(CONFIDENCE_RANK)})  # type: ignore[misc]


KEYS_TABLE = "api_keys"  # service.storage.keys's table of keys


NO_TIMELINE = (
    "no timeline at {where}; set POLICY_TIMELINE_DATABASE_URL or run from the folder you serve from"
)


def require_timeline(database_url: str, also: tuple[str, ...] = ()) -> None:
    """Stop a command that reads the store before anything creates one (a file, its folder,
    tables): run from the wrong folder, it would else answer from a new, empty store and
    leave it behind. ``also``: other tables that will do instead of the log's."""
    from service.storage import (
        StoreUnreachable,
        UnsupportedDatabaseUrl,
        events_table,
        store_holds,
        store_location,
    )

    try:
        found = store_holds(database_url, (events_table(database_url), *also))
    except UnsupportedDatabaseUrl as error:
        say_error(str(error))
        raise typer.Exit(2) from None
    except StoreUnreachable as error:
        say_error(str(error))
        raise typer.Exit(1) from None
    if not found:
        say_error(NO_TIMELINE.format(where=store_location(database_url)))
        raise typer.Exit(1)


def say_error(text: str) -> None:
    # Whole and verbatim: paths and URLs neither wrapped at 80 columns nor read as markup.
    errors.print(text, markup=False, highlight=False, soft_wrap=True)


def progress_bar(disable: bool = False) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=errors, disable=disable,
    )  # fmt: skip
