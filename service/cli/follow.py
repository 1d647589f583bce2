"""``tail``: live changes to a view (or the log) from a running server, printed as they come."""

from __future__ import annotations

import json
from contextlib import closing
from itertools import islice
from typing import TYPE_CHECKING, Annotated

import typer

from projections.registry import VIEWS
from service.cli.common import app, console, errors
from service.settings import Settings

if TYPE_CHECKING:
    from service.client import Message


@app.command()
def tail(
    view: Annotated[
        str,
        typer.Argument(help=", ".join(VIEWS) + ", or events (the log)"),
    ],
    server: Annotated[
        str | None,
        typer.Option(envvar="POLICY_TIMELINE_SERVER", help="default: http://HOST:PORT of settings"),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(envvar="POLICY_TIMELINE_API_KEY", help="API key, if reads need one"),
    ] = None,
    material: Annotated[list[str] | None, typer.Option(help="repeatable")] = None,
    jurisdiction: Annotated[list[str] | None, typer.Option(help="repeatable")] = None,
    after: Annotated[
        str | None, typer.Option(help="resume after this message id (or a view read's position)")
    ] = None,
    count: Annotated[int | None, typer.Option(help="stop after this many messages")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per message")] = False,
) -> None:
    """Print live changes to VIEW as they happen, from the moment it first reaches the server
    (or after --after). After a network error, a server restart or an overflow it reconnects
    and resumes after the last message received (Last-Event-ID), or from where it joined, so
    nothing is missed or printed twice. While the server cannot be reached it says so on
    stderr and keeps trying."""
    # Imported here: only `tail` needs an HTTP client (see service.cli).
    from service.cli.tail import RetryStatus, describe
    from service.client import TimelineClient, TimelineError

    def show(message: Message) -> None:
        if as_json:
            print(json.dumps(message, ensure_ascii=False), flush=True)
        else:
            console.print(describe(message))

    settings = Settings()
    base = server or f"http://{settings.host}:{settings.port}"
    retrying = RetryStatus(base, show)
    try:
        with (
            TimelineClient(base, key) as client,
            closing(
                client.subscribe(
                    view, after, listener=retrying, material=material, jurisdiction=jurisdiction
                )
            ) as messages,
        ):
            for message in islice(messages, count):
                show(message)
    except KeyboardInterrupt:
        return
    except TimelineError as refused:  # what retrying cannot fix: a bad filter, a bad key
        errors.print(str(refused))
        raise typer.Exit(1) from None
    finally:
        retrying.close()
