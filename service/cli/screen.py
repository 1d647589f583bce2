"""``policy-timeline screen``: may a product leave one jurisdiction for another on a day? The
same answer as ``GET /screen`` (``service.queries.screen``), read from the configured store
without a server, as tables: the controls that bind, those about to, and those that cannot be
ruled out, with the answer's permalink."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from service.cli.common import Confidence, app, console, require_timeline, say_error
from service.queries.permalinks import permalink
from service.queries.problems import Invalid, Problem
from service.queries.screen import HORIZON_DAYS, Screening, screen, screening
from service.settings import Settings

REASONS = {
    "hs_codes_incomplete": "HS list known to be partial",
    "hs_codes_unknown": "HS list not known to be complete",
}


@app.command(name="screen")
def screen_command(
    exporter: Annotated[
        str, typer.Option("--from", help="the jurisdiction the product leaves, e.g. CN")
    ],
    hs: Annotated[
        list[str] | None,
        typer.Option("--hs", help="HS code, dots optional (2846.90, 284690); repeatable"),
    ] = None,
    material: Annotated[
        list[str] | None, typer.Option(help="e.g. Dy, gallium, HREE; repeatable")
    ] = None,
    destination: Annotated[
        str | None, typer.Option("--to", help="destination, e.g. US (default: any)")
    ] = None,
    on: Annotated[
        str | None, typer.Option(help="valid date, YYYY-MM-DD (default: today, UTC)")
    ] = None,
    known_at: Annotated[
        str | None, typer.Option(help="record time: ISO datetime, date or position=N")
    ] = None,
    min_confidence: Annotated[
        Confidence | None,
        typer.Option(help="leave out controls less certain than this (default: reported)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON answer")] = False,
) -> None:
    """Screen a product (--hs and/or --material) exported --from one jurisdiction --to another
    on a day: the export controls that bind it, those taking effect within 90 days, and those
    whose HS lists are partial or unknown, so that no match is never read as "not
    controlled"."""
    day = _date(on) if on is not None else None
    confidence = min_confidence.value if min_confidence else "reported"
    try:
        asked = screening(hs, material, exporter, destination)
    except Invalid as problem:
        say_error(problem.message)
        raise typer.Exit(2) from None
    answer = _answer(asked, day, known_at, confidence)
    given = [
        *(("hs_code", code) for code in hs or ()),
        *(("material", name) for name in material or ()),
        ("exporter", exporter),
        *((("destination", destination),) if destination is not None else ()),
        *((("min_confidence", confidence),) if min_confidence else ()),
    ]
    answer["permalink"] = permalink("/screen", given, answer["position"], ("on", answer["on"]))
    if as_json:
        console.print_json(data=answer)
        return
    _print(answer)


def _answer(
    asked: Screening, on: date | None, known_at: str | None, confidence: str
) -> dict[str, Any]:
    """The screen from the configured store; a bad --known-at exits 2, any other problem 1."""
    from service.bootstrap import open_reader

    settings = Settings()
    require_timeline(settings.database_url)
    try:
        with open_reader(settings) as views:
            return screen(
                views, asked, datetime.now(UTC), on=on, known_at=known_at,
                min_confidence=confidence,
            )  # fmt: skip
    except Problem as problem:
        say_error(problem.message)
        raise typer.Exit(2 if isinstance(problem, Invalid) else 1) from None


def _print(answer: dict[str, Any]) -> None:
    query = answer["query"]
    product = ", ".join(query["hs_codes"] + query["materials"])
    to = query["destination"] or "any destination"
    console.print(
        f"[bold]{escape(product)}[/bold] from {query['exporter']} to {to} on {answer['on']}, "
        f"as known at {answer['known_at']} (position {answer['position']})",
        highlight=False,
    )
    binding = Table(title="Binding")
    for header in ("policy_id", "status", "coverage", "matched by", "measure", "control"):
        binding.add_column(header, no_wrap=header != "control", overflow="fold")
    for item in answer["binding"]:
        binding.add_row(*_cells(
            item["policy_id"], _status(item), item["coverage"], "\n".join(item["matched_by"]),
            item["measure"] or "", item["title"] or "",
        ))  # fmt: skip
    console.print(binding if answer["binding"] else "[bold]Binding:[/bold] none found")
    upcoming = Table(title=f"Taking effect within {HORIZON_DAYS} days")
    for header in ("takes effect", "policy_id", "status", "coverage", "matched by", "control"):
        upcoming.add_column(header, no_wrap=header != "control", overflow="fold")
    for item in answer["upcoming"]:
        upcoming.add_row(*_cells(
            item["takes_effect"], item["policy_id"], _status(item), item["coverage"],
            "\n".join(item["matched_by"]), item["title"] or "",
        ))  # fmt: skip
    if answer["upcoming"]:
        console.print(upcoming)
    else:
        console.print(f"[bold]Taking effect within {HORIZON_DAYS} days:[/bold] none found")
    if query["hs_codes"]:
        left = Table(title="Not ruled out: no match, but their HS lists may be partial")
        for header in ("policy_id", "status", "why", "materials", "control"):
            left.add_column(header, no_wrap=header in ("policy_id", "status"), overflow="fold")
        for item in answer["not_ruled_out"]:
            left.add_row(*_cells(
                item["policy_id"], item["status"], REASONS.get(item["reason"], item["reason"]),
                ", ".join(item["materials"]), item["title"] or "",
            ))  # fmt: skip
        console.print(left if answer["not_ruled_out"] else "[bold]Not ruled out:[/bold] none")
    console.print(f"permalink: {answer['permalink']}", highlight=False, soft_wrap=True)


def _cells(*texts: str) -> list[Text]:
    # As text, not markup: a title may hold brackets rich would read as style tags.
    return [Text(text) for text in texts]


def _status(item: dict[str, Any]) -> str:
    if item["status"] == "suspended":
        return f"suspended until {item['suspended_until'] or 'further notice'}"
    return str(item["status"])


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        say_error(f"--on: {text!r} is not a date (YYYY-MM-DD)")
        raise typer.Exit(2) from None
