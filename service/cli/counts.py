"""``policy-timeline counts``: a view's entries counted at the end of each month, quarter or
year, read from the store through the same read layer as ``GET /views/<name>/counts``
(``service.queries.counts``), without starting a server."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from projections.registry import VIEWS
from service.cli.common import Confidence, app, console, errors
from service.cli.reads import _answer, _date, _now
from service.queries.counts import DEFAULT_YEARS, CountQuery, count_view, counts_permalink
from service.queries.filters import view_filter
from service.queries.problems import NotFound
from service.queries.reader import ViewReader

COUNTED = {name: spec for name, spec in VIEWS.items() if spec.read_by_date and spec.count_by}
MAX_KEYS_ACROSS = 8  # more keys than this: one row per period end and key


class Bucket(StrEnum):
    """The calendar periods a count is bucketed by (``service.queries.counts.BUCKETS``)."""

    month = "month"
    quarter = "quarter"
    year = "year"


@app.command()
def counts(
    view: Annotated[str, typer.Argument(help=", ".join(COUNTED))],
    by: Annotated[
        str,
        typer.Option(
            help="the field counted by; "
            + "; ".join(f"{name}: {', '.join(s.count_by)}" for name, s in COUNTED.items())
        ),
    ],
    bucket: Annotated[Bucket, typer.Option(help="calendar period of each bucket")] = Bucket.month,
    start: Annotated[
        str | None,
        typer.Option(
            "--from", help=f"first day, YYYY-MM-DD (default: {DEFAULT_YEARS} years before --to)"
        ),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="last day, YYYY-MM-DD (default: today, UTC)")
    ] = None,
    known_at: Annotated[
        str | None, typer.Option(help="record time: ISO datetime, date or position=N")
    ] = None,
    material: Annotated[list[str] | None, typer.Option(help="repeatable")] = None,
    jurisdiction: Annotated[
        list[str] | None, typer.Option(help="repeatable; e.g. CN, US, EU")
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(help="repeatable; the view's statuses (default: those its read shows)"),
    ] = None,
    min_confidence: Annotated[
        Confidence | None,
        typer.Option(help="leave out entries less certain than this (default: reported)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON answer")] = False,
) -> None:
    """Count VIEW's entries at the end of each --bucket from --from to --to (the last bucket
    ends on --to), per value of --by, as known at --known-at. Filters mean what the API's
    query parameters of the same names mean, default statuses included: controls in force
    need --status in_force. Funding also totals each group's USD figures."""
    spec = COUNTED.get(view)
    if spec is not None and status and not spec.statuses:
        errors.print(f"--status does not apply to {view}")
        raise typer.Exit(2)
    ask = CountQuery(
        by=by,
        bucket=bucket.value,
        start=_date(start, "--from") if start else None,
        end=_date(end, "--to") if end else None,
        known_at=known_at,
    )
    values = {"material": material, "jurisdiction": jurisdiction, "status": status}
    confidence = min_confidence.value if min_confidence else "reported"

    def read(views: ViewReader) -> dict[str, Any]:
        if spec is None:
            raise NotFound("not_found", f"no view {view!r} to count; one of {', '.join(COUNTED)}")
        return count_view(views, spec, view_filter(spec, values, confidence), ask, _now())

    answer = _answer(read)
    asked = [("by", by), ("bucket", bucket.value)]
    for name in ("material", "jurisdiction", "status"):
        asked += [(name, v) for v in values[name] or ()]
    if min_confidence:
        asked.append(("min_confidence", confidence))
    answer["permalink"] = counts_permalink(f"/views/{view}/counts", asked, answer)
    if as_json:
        console.print_json(data=answer)
        return
    console.print(counts_table(answer))
    console.print(about(answer), markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"permalink: {answer['permalink']}", markup=False, highlight=False, soft_wrap=True
    )


def counts_table(answer: dict[str, Any]) -> Table:
    """Period ends down and keys across, each cell the count (and, for funding, the group's
    USD total under it); with more keys than fit across, one row per period end and key."""
    totals = any("total_usd" in item for item in answer["items"])
    keys = sorted({item["key"] for item in answer["items"]}, key=lambda k: (k is None, k or ""))
    table = Table(title=f"{answer['view']} by {answer['by']}")
    table.add_column("period end", no_wrap=True)
    if not answer["items"]:
        table.caption = "no entries at any period end"
    if len(keys) > MAX_KEYS_ACROSS:
        table.add_column(answer["by"])
        table.add_column("count", justify="right")
        if totals:
            table.add_column("total USD", justify="right")
        for item in answer["items"]:
            total = [_usd(item["total_usd"])] if totals else []
            table.add_row(item["period_end"], _key(item["key"]), str(item["count"]), *total)
        return table
    cells: dict[tuple[str, str | None], str] = {}
    for item in answer["items"]:
        usd = f"\n{_usd(item['total_usd'])}" if totals else ""
        cells[(item["period_end"], item["key"])] = f"{item['count']}{usd}"
    for key in keys:
        table.add_column(_key(key), justify="right")
    for period_end in dict.fromkeys(item["period_end"] for item in answer["items"]):
        table.add_row(period_end, *(cells.get((period_end, key), "") for key in keys))
    return table


def about(answer: dict[str, Any]) -> str:
    """What the table counts, on a line of its own (a title would wrap to the table's width)."""
    totals = any("total_usd" in item for item in answer["items"])
    return (
        f"Entries standing at each {answer['bucket']}'s end from {answer['from']} to "
        f"{answer['to']} (the last bucket ends on {answer['to']}), as known at "
        f"{answer['known_at']} (position {answer['position']})"
        + (
            "; each cell: count, then the group's total USD (unpriced: counted, not added)"
            if totals
            else ""
        )
    )


def _key(key: str | None) -> str:
    return "(none)" if key is None else key


def _usd(total: str) -> str:
    return f"${Decimal(total):,}"
