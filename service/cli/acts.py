"""``policy-timeline acts``: the legal acts the timeline names and, for one act, its measures
with their statuses on a day. Read from the store through the read layer (``service.queries``),
as ``at`` is, without starting a server."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from service.cli.common import app, console, errors, require_timeline, say_error
from service.queries.acts import act_measures, list_acts
from service.queries.moments import today
from service.queries.permalinks import permalink
from service.queries.problems import Problem
from service.settings import Settings


@app.command()
def acts(
    act_id: Annotated[
        str | None,
        typer.Argument(metavar="ID", help="an act's id, e.g. cn-mofcom-2024-46 (none: all)"),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="with ID: the valid date of the statuses (default: today)"),
    ] = None,
    known_at: Annotated[
        str | None, typer.Option(help="record time: ISO datetime, date or position=N")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON answer")] = False,
) -> None:
    """The legal acts the timeline names, with how many measures each holds; with ID, that
    act's measures (events of its policies) and each policy's status on --at."""
    now = datetime.now(UTC)
    on = _date(at) if at is not None else today(now)
    answer = _read(act_id, on, known_at, now)
    if as_json:
        console.print_json(data=answer)
        return
    console.print(_acts_table(answer) if act_id is None else _measures_table(answer))
    console.print(f"permalink: {answer['permalink']}", markup=False, highlight=False)


def _read(act_id: str | None, on: date, known_at: str | None, now: datetime) -> dict[str, Any]:
    """The answer, with its permalink, from the configured store; a problem is printed, exit
    status 1."""
    from service.bootstrap import open_reader

    settings = Settings()
    require_timeline(settings.database_url)
    try:
        with open_reader(settings) as views:
            if act_id is None:
                answer = list_acts(views, known_at, now)
                return {**answer, "permalink": permalink("/acts", [], answer["position"], None)}
            answer = act_measures(views, act_id, on, known_at, now)
    except Problem as problem:
        say_error(problem.message)
        raise typer.Exit(1) from None
    link = permalink(f"/acts/{act_id}", [], answer["position"], ("at", answer["at"]))
    return {**answer, "permalink": link}


def _acts_table(answer: dict[str, Any]) -> Table:
    table = Table(title=f"Acts as known at {answer['known_at']} (position {answer['position']})")
    table.add_column("act", no_wrap=True)
    table.add_column("title")
    table.add_column("where", no_wrap=True)
    table.add_column("measures", justify="right")
    table.add_column("policies")
    table.add_column("first announced", no_wrap=True)
    for item in answer["items"]:
        table.add_row(
            item["id"], item["title"], item["jurisdiction"], str(item["measures"]),
            ", ".join(item["policies"]), item["first_announced"],
        )  # fmt: skip
    return table


def _measures_table(answer: dict[str, Any]) -> Table:
    act = answer["act"]
    table = Table(
        title=f"{act['title']} ({act['id']}): measures on {answer['at']} as known at "
        f"{answer['known_at']} (position {answer['position']})"
    )
    table.add_column("policy_id", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("announced", no_wrap=True)
    table.add_column("title")
    for measure in answer["measures"]:
        table.add_row(
            measure["policy_id"], measure["status"] or "—", measure["type"],
            measure["announced_on"], measure["title"],
        )  # fmt: skip
    return table


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.print(f"--at: {text!r} is not a date (YYYY-MM-DD)", markup=False)
        raise typer.Exit(2) from None
