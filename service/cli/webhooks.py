"""``webhooks``: webhooks on the configured store, without a server (running servers pick up
a change within about a second)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from service.cli.common import app, console, require_timeline, say_error
from service.settings import Settings

if TYPE_CHECKING:
    from service.storage.webhooks import WebhookStore

webhooks_app = typer.Typer(
    help="Webhooks, on the store of POLICY_TIMELINE_DATABASE_URL (no server needed).",
    no_args_is_help=True,
)
app.add_typer(webhooks_app, name="webhooks")

WEBHOOKS_TABLE = "webhooks"  # service.storage.webhooks's table


def _cli_author() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


def _filters(given: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` options as a webhook's filters (a name given twice takes both values)."""
    values: dict[str, list[str]] = {}
    for option in given:
        name, equals, value = option.partition("=")
        if not equals or not name:
            say_error(f"--filter takes NAME=VALUE (e.g. material=Dy), not {option!r}")
            raise typer.Exit(2)
        values.setdefault(name.strip(), []).append(value.strip())
    return {name: v[0] if len(v) == 1 else v for name, v in values.items()}


@webhooks_app.command("create")
def webhooks_create(
    url: Annotated[str, typer.Option(help="where to POST each change (https:// or http://)")],
    view: Annotated[str, typer.Option(help="a view's name, or events for the raw log")],
    filter_: Annotated[
        list[str] | None,
        typer.Option(
            "--filter", help="NAME=VALUE, as the view's stream takes it (repeatable): material=Dy"
        ),
    ] = None,
    description: Annotated[str, typer.Option(help="what it is for")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="print the answer as JSON")] = False,
) -> None:
    """Create a webhook and print its secret once (it verifies the signatures)."""
    from service.bootstrap import open_timeline
    from service.http.routers.webhooks import WebhookCreated, WebhookInfo
    from service.queries.problems import Problem
    from service.webhooks.admin import register

    settings = Settings()
    require_timeline(settings.database_url)
    timeline = open_timeline(settings.database_url)
    try:
        head = timeline.position()
    finally:
        timeline.close()
    with _store(settings) as store:
        try:
            record = register(
                store, url=url, view=view, filters=_filters(filter_ or []),
                description=description, head=head, today=datetime.now(UTC).date(),
                allow_private=settings.webhook_allow_private, by=_cli_author(),
            )  # fmt: skip
        except Problem as problem:
            say_error(problem.message)
            raise typer.Exit(1) from None
    if as_json:
        info = WebhookInfo.of(record).model_dump()
        print(WebhookCreated(**info, secret=record.secret).model_dump_json())
        return
    console.print(f"created webhook {record.id} on {record.view}; its secret, shown this once:")
    print(record.secret)


@webhooks_app.command("list")
def webhooks_list(
    as_json: Annotated[bool, typer.Option("--json", help="print the webhooks as JSON")] = False,
) -> None:
    """Every webhook: where its deliveries stand, failing or disabled (never the secrets)."""
    from service.http.routers.webhooks import WebhookInfo

    with _store(Settings(), reading=True) as store:
        records = [WebhookInfo.of(r) for r in store.records()]
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in records]))
        return
    table = Table(title="webhooks")
    for column in ("id", "view", "url", "state", "delivered up to", "description"):
        table.add_column(column)
    for r in records:
        state = "disabled" if not r.enabled else f"failing ({r.failures})" if r.failures else "ok"
        table.add_row(r.id, r.view, r.url, state, r.cursor, r.description)
    console.print(table)


@webhooks_app.command("delete")
def webhooks_delete(webhook_id: Annotated[str, typer.Argument(help="the webhook's id")]) -> None:
    """Delete a webhook (servers stop delivering it within a second)."""
    with _store(Settings(), reading=True) as store:
        record = store.delete(webhook_id)
    if record is None:
        say_error(f"no webhook {webhook_id!r}")
        raise typer.Exit(1)
    console.print(f"deleted webhook {record.id} ({record.view} → {record.url})")


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    webhook_id: Annotated[str, typer.Argument(help="the webhook's id")],
    limit: Annotated[int, typer.Option(min=1, max=1000, help="how many, newest first")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print the attempts as JSON")] = False,
) -> None:
    """A webhook's delivery attempts, newest first."""
    from service.http.routers.webhooks import DeliveryItem

    with _store(Settings(), reading=True) as store:
        if store.get(webhook_id) is None:
            say_error(f"no webhook {webhook_id!r}")
            raise typer.Exit(1)
        items = [DeliveryItem.of(d) for d in store.deliveries(webhook_id, limit)]
    if as_json:
        print(json.dumps([item.model_dump(mode="json") for item in items]))
        return
    table = Table(title=f"deliveries of {webhook_id}")
    for column in ("at", "change", "answer", "ms", "next try"):
        table.add_column(column)
    for d in items:
        answer = str(d.status_code) if d.error is None else d.error
        retry = f"{d.next_retry_at:%Y-%m-%d %H:%M:%S}" if d.next_retry_at else ""
        table.add_row(
            f"{d.at:%Y-%m-%d %H:%M:%S}", d.point_id, answer, f"{d.duration_ms:.0f}", retry
        )
    console.print(table)


@contextmanager
def _store(settings: Settings, reading: bool = False) -> Iterator[WebhookStore]:
    """The webhooks' store; ``reading``: only on an existing timeline (a list of a store made
    on the spot would be empty, and the store would be in the wrong place)."""
    from service.storage import UnsupportedDatabaseUrl
    from service.storage.webhooks import WebhookStore

    if reading:
        require_timeline(settings.database_url, also=(WEBHOOKS_TABLE,))
    try:
        store = WebhookStore(settings.database_url)
    except UnsupportedDatabaseUrl as error:
        say_error(str(error))
        raise typer.Exit(2) from None
    try:
        yield store
    finally:
        store.close()
