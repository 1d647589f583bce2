"""``tail``: live changes to a view (or the log) from a running server, printed as they come."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from projections.registry import VIEWS
from service.cli.common import app, console, errors, say_error
from service.settings import Settings


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
    from service.cli.tail import Refused, Tail, describe

    settings = Settings()
    base = server or f"http://{settings.host}:{settings.port}"
    params: dict[str, Any] = {"material": material or [], "jurisdiction": jurisdiction or []}
    retrying = RetryStatus(base)
    follower = Tail(
        base=base,
        path="/events/stream" if view == "events" else f"/views/{view}/stream",
        params={k: v for k, v in params.items() if v},
        key=key,
        last_id=after,
        on_trouble=retrying.trouble,
        on_connected=retrying.connected,
    )
    try:
        for message in follower.messages(limit=count):
            if as_json:
                print(json.dumps(message, ensure_ascii=False), flush=True)
            else:
                console.print(describe(message))
    except KeyboardInterrupt:
        return
    except Refused as refused:
        errors.print(str(refused))
        raise typer.Exit(1) from None
    finally:
        retrying.close()


class RetryStatus:
    """What `tail` says on stderr while the server cannot be reached: the problem at once, then
    when it tries again: a status line kept up to date on a terminal, a line per attempt
    otherwise (a log file shows how long the outage lasted)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.problem: str | None = None
        self.attempts = 0
        self.status = errors.status("", spinner="dots") if errors.is_terminal else None

    def trouble(self, problem: str, wait: float) -> None:
        if problem != self.problem:
            say_error(problem)
            self.problem = problem
        self.attempts += 1
        line = f"retrying in {wait:g} s (attempt {self.attempts + 1})"
        if self.status is None:
            say_error(line)
            return
        self.status.update(line)
        self.status.start()

    def connected(self) -> None:
        if self.problem is None:
            return
        if self.status is not None:
            self.status.stop()
        say_error(f"connected to {self.base}")
        self.problem, self.attempts = None, 0

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()
