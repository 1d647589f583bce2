"""``keys``: API keys on the configured store, without a server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from service.cli.common import KEYS_TABLE, console, errors, keys_app, require_timeline
from service.settings import Settings

if TYPE_CHECKING:
    from service.storage.keys import KeyStore


class KeyRole(StrEnum):
    reader = "reader"
    editor = "editor"
    admin = "admin"


def _cli_author() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="who holds it; recorded as the events' recorded_by")],
    role: Annotated[KeyRole, typer.Option(help="reader, editor or admin")],
    as_json: Annotated[bool, typer.Option("--json", help="print the answer as JSON")] = False,
) -> None:
    """Create a key and print it once: only its hash is stored, so it cannot be shown again."""
    from service.http.schemas import KeyInfo
    from service.storage.keys import KeyNameRefused

    with _key_store() as store:
        try:
            record, key = store.create(name, role.value, by=_cli_author())
        except KeyNameRefused as refused:
            errors.print(str(refused))
            raise typer.Exit(1) from None
    if as_json:
        print(json.dumps({**KeyInfo.of(record).model_dump(mode="json"), "key": key}))
        return
    console.print(f"created {role.value} key {record.name!r}; it is shown this once:")
    print(key)


@keys_app.command("list")
def keys_list(
    as_json: Annotated[bool, typer.Option("--json", help="print the keys as JSON")] = False,
) -> None:
    """Every key ever created, revoked ones included (never the keys themselves)."""
    from service.http.schemas import KeyInfo

    with _key_store(reading=True) as store:
        records = store.records()
    if as_json:
        print(json.dumps([KeyInfo.of(r).model_dump(mode="json") for r in records]))
        return
    table = Table(title="API keys")
    for column in ("name", "role", "created", "by", "revoked", "by"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r.name, r.role, f"{r.created_at:%Y-%m-%d %H:%M}", r.created_by,
            f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "", r.revoked_by or "",
        )  # fmt: skip
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="the key's name")]) -> None:
    """Revoke a key: running servers refuse it within a second."""
    from service.storage.keys import UnknownKey

    with _key_store() as store:
        try:
            record = store.revoke(name, by=_cli_author())
        except UnknownKey:
            errors.print(f"no key named {name!r}")
            raise typer.Exit(1) from None
    console.print(
        f"revoked {record.name!r} ({record.role}) at {record.revoked_at:%Y-%m-%d %H:%M:%S}Z"
    )


@keys_app.command("log")
def keys_log(
    as_json: Annotated[bool, typer.Option("--json", help="print the log as JSON")] = False,
) -> None:
    """Key creations and revocations, oldest first."""
    from service.http.schemas import KeyLogItem

    with _key_store(reading=True) as store:
        entries = store.log()
    if as_json:
        print(json.dumps([KeyLogItem(**e.__dict__).model_dump(mode="json") for e in entries]))
        return
    table = Table(title="API key log")
    for column in ("#", "at", "action", "name", "role", "by"):
        table.add_column(column)
    for e in entries:
        table.add_row(str(e.seq), f"{e.at:%Y-%m-%d %H:%M:%S}", e.action, e.name, e.role, e.by)
    console.print(table)


@contextmanager
def _key_store(reading: bool = False) -> Iterator[KeyStore]:
    """The key store; ``reading``: only an existing one (a key list of a store made on the
    spot would be empty, and the store would be in the wrong place)."""
    from service.storage import UnsupportedDatabaseUrl
    from service.storage.keys import KeyStore

    database_url = Settings().database_url
    if reading:
        require_timeline(database_url, also=(KEYS_TABLE,))
    try:
        store = KeyStore(database_url)
    except UnsupportedDatabaseUrl as error:
        errors.print(str(error))
        raise typer.Exit(2) from None
    try:
        yield store
    finally:
        store.close()
