"""``policy-timeline search WORDS…``: the timeline's full-text search, as
``GET /views/timeline?q=…`` answers it, with each event's original title beside its English one.

A command of its own rather than ``at DAY timeline --q``: the timeline is not read by valid
date, so ``at``'s DAY would be a required argument that means nothing to a search."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from projections.registry import VIEWS
from service.cli.common import Confidence, app, console
from service.cli.reads import _answer, _now
from service.queries.filters import view_filter
from service.queries.reader import ViewReader
from service.queries.views import MAX_PAGE, ViewQuery, read_view

TIMELINE = next(spec for spec in VIEWS.values() if spec.searchable)


@app.command()
def search(
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="WORDS",
            help="every word must appear, in the English or the original-language title or "
            "summary; English words match whole words, Chinese and Japanese ones substrings "
            "(e.g. 稀土, 出口管制)",
        ),
    ],
    known_at: Annotated[
        str | None, typer.Option(help="record time: ISO datetime, date or position=N")
    ] = None,
    min_confidence: Annotated[
        Confidence | None,
        typer.Option(help="leave out events less certain than this (default: reported)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON answer")] = False,
) -> None:
    """Events of the timeline whose text holds every one of WORDS, in date order, as known at
    --known-at (default: now)."""
    q = " ".join(words)
    confidence = min_confidence.value if min_confidence else "reported"
    ask = ViewQuery(known_at=known_at, limit=MAX_PAGE, q=q)

    def read(views: ViewReader) -> dict[str, Any]:
        chosen = view_filter(TIMELINE, {}, confidence)
        return read_view(views, TIMELINE, chosen, ask, _now())

    answer = _answer(read)
    if as_json:
        console.print_json(data=answer)
        return
    console.print(_table(q, answer))
    shown = len(answer["items"])
    more = " (the first ones; narrow the search)" if answer["next_after"] else ""
    left_out = answer["left_out_by_min_confidence"]
    less_sure = f"; {left_out} less certain left out (--min-confidence)" if left_out else ""
    console.print(f"{shown} event{'' if shown == 1 else 's'}{more}{less_sure}")


def _table(q: str, answer: dict[str, Any]) -> Table:
    table = Table(
        title=f"timeline search “{q}” as known at {answer['known_at']} "
        f"(position {answer['position']})"
    )
    table.add_column("announced", no_wrap=True)
    table.add_column("policy_id", no_wrap=True)
    # Folded, not cut: a Chinese or Japanese title has no spaces to wrap at.
    table.add_column("title", overflow="fold")
    table.add_column("original title", overflow="fold")
    for item in answer["items"]:
        table.add_row(item["announced_on"], item["policy_id"], item["title"], _original(item))
    return table


def _original(item: dict[str, Any]) -> Text:
    title = item.get("original_title")
    if not title:
        return Text()
    return Text(title) + Text(f" ({item.get('original_language', '')})", style="dim")
