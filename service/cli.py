"""The ``policy-timeline`` command."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from service.settings import Settings

if TYPE_CHECKING:
    from service.key_store import KeyStore


class KeyRole(StrEnum):
    reader = "reader"
    editor = "editor"
    admin = "admin"


app = typer.Typer(help="Policy Timeline: the rare-earth policy event log.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: POLICY_TIMELINE_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: POLICY_TIMELINE_PORT")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes sharing the port (one of them projects)")
    ] = 1,
) -> None:
    """Start the HTTP service (loads the bundled real timeline into an empty store)."""
    import uvicorn

    from service.http_server import PROTOCOL, raise_open_file_limit

    settings = Settings()
    open_files = raise_open_file_limit()
    errors.print(f"open-file limit {open_files}: about {open_files - 64} connections per process")
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        http=PROTOCOL,
        log_level="info",
    )


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
    from service.app import open_timeline
    from service.loader import load_lines

    settings = Settings()
    lines = file.read_text(encoding="utf-8").splitlines()
    timeline = open_timeline(settings)
    try:
        with _progress() as progress:
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
    from domain.timeline import Timeline
    from service.copier import TargetNotEmpty, copy_timeline
    from service.storage import UnsupportedDatabaseUrl, application_env

    _require_timeline(source)
    try:
        origin = Timeline(env=application_env(source))
        destination = Timeline(env=application_env(target))
    except UnsupportedDatabaseUrl as error:
        errors.print(str(error))
        raise typer.Exit(2) from None
    try:
        with _progress() as progress:
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


@app.command()
def project() -> None:
    """Keep the views up to date as a process of its own (run `serve` with
    POLICY_TIMELINE_RUN_PROJECTIONS=false). One projector runs at a time: a second one stands
    by and takes over when the first stops or dies. Stops cleanly on Ctrl-C or SIGTERM."""
    import signal

    from service.app import open_timeline
    from service.projection_host import ProjectionHost
    from service.storage.process_lock import ProcessLock

    settings = Settings()
    timeline = open_timeline(settings)
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
    from service.app import open_timeline
    from service.projection_host import open_views
    from service.projection_host import rebuild as rebuild_view

    names = [view] if view else list(VIEWS)
    unknown = [n for n in names if n not in VIEWS]
    if unknown:
        errors.print(f"unknown view {unknown[0]!r}; one of: {', '.join(VIEWS)}")
        raise typer.Exit(2)
    settings = Settings()
    _require_timeline(settings.database_url)
    timeline = open_timeline(settings)
    store = open_views(timeline)
    try:
        for name in names:
            with _progress() as progress:
                task = progress.add_task(name, total=timeline.position())

                def advance(applied: int, task: TaskID = task) -> None:
                    progress.advance(task, applied)

                applied = rebuild_view(timeline, store, name, advance)
            console.print(f"{name}: rebuilt from {applied} events")
    finally:
        timeline.close()


class Confidence(StrEnum):
    confirmed = "confirmed"
    reported = "reported"
    unverified = "unverified"


STATUS_VIEWS = ("active-export-controls", "goals")  # the views whose entries have a status
# The sections of a materials/X answer, by the view whose entries they hold.
MATERIAL_SECTIONS = {"controls": "active-export-controls", "funding": "funding", "goals": "goals"}


@app.command()
def at(
    day: Annotated[str, typer.Argument(help="valid date, YYYY-MM-DD")],
    view: Annotated[
        str,
        typer.Argument(help="active-export-controls, funding, goals, timeline or materials/X"),
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
            help="repeatable; active-export-controls: pending, in_force, suspended, lifted, "
            "expired (default: the first three); goals: active, met, missed, deadline_passed, "
            "abandoned (default: all but abandoned)"
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
    if status and view not in STATUS_VIEWS:
        errors.print(f"--status applies to {' and '.join(STATUS_VIEWS)}, not {view}")
        raise typer.Exit(2)
    chosen = {"material": material, "jurisdiction": jurisdiction, "status": status}
    params: dict[str, Any] = {"at": day, "limit": 1000, **{k: v for k, v in chosen.items() if v}}
    if known_at:
        params["known_at"] = known_at
    if min_confidence:
        params["min_confidence"] = min_confidence.value
    answer = _read(f"/views/{view}", params)
    if as_json:
        console.print_json(data=answer)
        return
    if isinstance(answer["items"], dict):  # materials/X: one table per kind of entry
        for section, rows in answer["items"].items():
            entries = rows["items"] if isinstance(rows, dict) else rows  # funding has totals
            shown = MATERIAL_SECTIONS.get(str(section), str(section))
            console.print(_view_table(shown, {**answer, "items": entries}, f"{view}: {section}"))
        return
    console.print(_view_table(view, answer))


@dataclass(frozen=True)
class Column:
    """A column of the ``at`` table. Only the last one, the prose, wraps (at spaces): the
    others hold short values (ids, statuses, dates, amounts) that must never be split."""

    header: str
    cell: Callable[[dict[str, Any]], str | Text]
    wraps: bool = False
    justify: Literal["left", "right"] = "left"


def _view_table(view: str, answer: dict[str, Any], title: str | None = None) -> Table:
    columns = VIEW_COLUMNS.get(view, DEFAULT_COLUMNS)
    table = Table(
        title=f"{title or view} on {answer['at']} as known at {answer['known_at']} "
        f"(position {answer['position']})"
    )
    for column in columns:
        table.add_column(column.header, no_wrap=not column.wraps, justify=column.justify)
    for item in answer["items"]:
        table.add_row(*(column.cell(item) for column in columns))
    return table


def _field(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda item: _cell(item.get(name))


def _prose(first: str, *details: Any) -> Text:
    """A line of prose, then the entry's other facts on a dim line (at 80 columns there is no
    room for a column each)."""
    shown = " · ".join(_cell(d) for d in details if d not in (None, "", []))
    return Text(first) + (Text("\n" + shown, style="dim") if shown else Text())


def _control_text(item: dict[str, Any]) -> Text:
    targets = item.get("targets")
    return _prose(
        item["title"],
        item["jurisdiction"],
        item["measure"],
        f"from {item['effective_from']}" if item.get("effective_from") else None,
        item.get("materials"),
        f"targets {_cell(targets)}" if targets else None,
    )


def _funding_text(item: dict[str, Any]) -> Text:
    recipient = item.get("recipient")
    who = item["agency"] + (f" → {recipient}" if recipient else "")
    return _prose(who, item["jurisdiction"], item["mechanism"], item.get("materials"))


def _goal_target(item: dict[str, Any]) -> str:
    """The target as the goal states it: "≤ 65 %" is another goal than "≥ 65 %"."""
    percent = item.get("target_percent")
    if percent is None:
        return "qualitative"
    sign = "≤" if item.get("comparator") == "at_most" else "≥"
    shown = int(percent) if percent == int(percent) else percent  # 65, not 65.0; 12.5 stays
    return f"{sign} {shown} %"


def _goal_text(item: dict[str, Any]) -> Text:
    on_track = item.get("on_track")
    return _prose(
        item["metric"],
        item.get("target_description"),
        f"by {item['deadline']}" if item.get("deadline") else None,
        None if on_track is None else ("on track" if on_track else "not on track"),
        item["jurisdiction"],
    )


POLICY_ID = Column("policy_id", _field("policy_id"))
VIEW_COLUMNS = {
    "active-export-controls": [
        POLICY_ID,
        Column("status", _field("status")),
        Column("suspended to", _field("suspended_until")),
        Column("export control", _control_text, wraps=True),
    ],
    "funding": [
        POLICY_ID,
        Column("USD", _field("amount_usd"), justify="right"),
        Column("committed", _field("committed_on")),
        Column("agency → recipient", _funding_text, wraps=True),
    ],
    "goals": [
        POLICY_ID,
        Column("status", _field("status")),
        Column("target", _goal_target),
        Column("metric", _goal_text, wraps=True),
    ],
}
DEFAULT_COLUMNS = [POLICY_ID, Column("title", _field("title"), wraps=True)]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _read(path: str, params: dict[str, Any]) -> Any:
    """Answer a read through the app itself (same code as the HTTP API), on the local store,
    after applying any events the views have not seen yet."""
    import asyncio
    import secrets

    import httpx

    from service.app import create_app

    # No demo load and a throwaway admin key: a read must not change the store or make keys.
    settings = Settings().model_copy(
        update={"load_demo": False, "admin_key": secrets.token_urlsafe(16)}
    )
    _require_timeline(settings.database_url)
    application = create_app(settings)

    async def fetch() -> Any:
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://cli") as client:
                response = await client.get(path, params=params)
        if response.status_code != 200:
            errors.print(response.json()["error"]["message"])
            raise typer.Exit(1)
        return response.json()

    return asyncio.run(fetch())


@app.command()
def tail(
    view: Annotated[
        str,
        typer.Argument(
            help="active-export-controls, funding, goals, timeline, or events (the log)"
        ),
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
    from service.tail import Refused, Tail, describe

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
            _say_error(problem)
            self.problem = problem
        self.attempts += 1
        line = f"retrying in {wait:g} s (attempt {self.attempts + 1})"
        if self.status is None:
            _say_error(line)
            return
        self.status.update(line)
        self.status.start()

    def connected(self) -> None:
        if self.problem is None:
            return
        if self.status is not None:
            self.status.stop()
        _say_error(f"connected to {self.base}")
        self.problem, self.attempts = None, 0

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()


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
    from service.app import open_timeline
    from service.errors import ApiError
    from service.exporter import logged_events, write_csv, write_jsonl
    from service.view_reads import parse_known_at

    settings = Settings()
    _require_timeline(settings.database_url)
    timeline = open_timeline(settings)
    try:
        until = timeline.position()
        if known_at:
            try:
                moment = parse_known_at(known_at)
            except ApiError as error:
                errors.print(error.message)
                raise typer.Exit(2) from None
            until = min(until, moment if isinstance(moment, int) else timeline.position_at(moment))
        out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            with _progress(disable=output is None) as progress:
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


@app.command()
def diff(
    view: Annotated[str, typer.Argument(help="active-export-controls, funding or goals")],
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
    params: dict[str, Any] = {"view": view}
    if known:
        params.update({"known_from": start, "known_to": end, **({"at": at_day} if at_day else {})})
    else:
        params.update({"from": start, "to": end})
    answer = _read("/diff", params)
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
        what = "; ".join(f"{k}: {_cell(c['from'])} → {_cell(c['to'])}"
                         for k, c in entry["changes"].items())  # fmt: skip
        table.add_row("~", entry["policy_id"], what, _causes(entry))
    console.print(table)
    counts = {k: len(answer[k]) for k in ("added", "removed", "changed")}
    console.print(", ".join(f"{n} {k}" for k, n in counts.items()))


def _causes(entry: dict[str, Any]) -> str:
    return "; ".join(f"{c['announced_on']} {c['type']}" for c in entry["caused_by"])


keys_app = typer.Typer(
    help="API keys, on the store of POLICY_TIMELINE_DATABASE_URL (no server needed).",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


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
    from service.key_store import KeyNameRefused
    from service.schemas import KeyInfo

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
    from service.schemas import KeyInfo

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
    from service.key_store import UnknownKey

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
    from service.schemas import KeyLogItem

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
    from service.key_store import KeyStore
    from service.storage import UnsupportedDatabaseUrl

    database_url = Settings().database_url
    if reading:
        _require_timeline(database_url, also=(KEYS_TABLE,))
    try:
        store = KeyStore(database_url)
    except UnsupportedDatabaseUrl as error:
        errors.print(str(error))
        raise typer.Exit(2) from None
    try:
        yield store
    finally:
        store.close()


KEYS_TABLE = "api_keys"  # service.key_store's table of keys
NO_TIMELINE = (
    "no timeline at {where}; set POLICY_TIMELINE_DATABASE_URL or run from the folder you serve from"
)


def _require_timeline(database_url: str, also: tuple[str, ...] = ()) -> None:
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
        _say_error(str(error))
        raise typer.Exit(2) from None
    except StoreUnreachable as error:
        _say_error(str(error))
        raise typer.Exit(1) from None
    if not found:
        _say_error(NO_TIMELINE.format(where=store_location(database_url)))
        raise typer.Exit(1)


def _say_error(text: str) -> None:
    # Whole and verbatim: paths and URLs neither wrapped at 80 columns nor read as markup.
    errors.print(text, markup=False, highlight=False, soft_wrap=True)


def _progress(disable: bool = False) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=errors, disable=disable,
    )  # fmt: skip


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
