"""What a newcomer following the README runs into, through the real entry point:
`load` twice, `tail` without a server and across a restart, read-only commands run from the
wrong folder, the CSV export, and `at` in an 80-column terminal."""

from __future__ import annotations

import csv
import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from domain.events import MODEL_BY_TYPE
from service.bulk.loader import bundled_timeline
from service.http.app import create_app
from service.settings import Settings
from tests.support.backend import BACKEND, database_url
from tests.support.bodies import AUTH, made_up_control
from tests.support.server import CLI, free_port, running_server, server_env

MADE_UP_CONTROL_ID = "0d5e0f0a-0000-4000-8000-00000000a001"  # made-up event ids
NO_TIMELINE_HINT = "set POLICY_TIMELINE_DATABASE_URL or run from the folder you serve from"


def cli(
    directory: Path, *args: str, columns: int = 200, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env={**server_env(directory), "COLUMNS": str(columns), **env},
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_lines(path: Path, bodies: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies), "utf-8")
    return path


def wait_until(condition: Callable[[], bool], message: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


# --- load: lines without an event_id -------------------------------------------------------------


def made_up_lines_without_ids() -> list[dict[str, Any]]:
    """Two made-up controls with neither event_id nor policy_id (the server derives both)."""
    bodies = []
    for title, material in (("Made-up control A", "dysprosium"), ("Made-up control B", "Tb")):
        body = made_up_control(title=title, materials=[material])
        del body["policy_id"]
        bodies.append(body)
    return bodies


async def test_loading_a_file_whose_lines_lack_event_ids_twice_adds_nothing_the_second_time(
    tmp_path: Path, empty_settings: Settings
) -> None:
    file = write_lines(tmp_path / "made_up_events.jsonl", made_up_lines_without_ids())
    first = cli(tmp_path, "load", str(file), "--json")
    assert json.loads(first.stdout) == {"added": 2, "duplicates": 0, "rejected": []}
    log = cli(tmp_path, "export").stdout

    second = cli(tmp_path, "load", str(file), "--json")
    assert json.loads(second.stdout) == {"added": 0, "duplicates": 2, "rejected": []}
    assert cli(tmp_path, "export").stdout == log
    # The id comes from the validated event: "Dy" and "dysprosium" are one material.
    respelled = made_up_lines_without_ids()
    respelled[0]["materials"] = ["Dy"]
    third = cli(
        tmp_path, "load", str(write_lines(tmp_path / "respelled.jsonl", respelled)), "--json"
    )
    assert json.loads(third.stdout)["added"] == 0
    assert "derived from its content" in " ".join(cli(tmp_path, "load", "--help").stdout.split())

    # POST /events still gives a post without an event_id a new random id: a second policy.
    application = create_app(empty_settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://timeline") as client:
            posted = await client.post("/events", json=made_up_lines_without_ids()[0], headers=AUTH)
    assert posted.status_code == 201, posted.text
    loaded = [json.loads(line) for line in log.splitlines()]
    assert posted.json()["event_id"] not in {e["event_id"] for e in loaded}
    assert posted.json()["policy_id"] == loaded[0]["policy_id"] + "-2"


# --- tail ----------------------------------------------------------------------------------------


@pytest.mark.backend_independent
def test_tail_without_a_server_says_at_once_that_it_cannot_connect_and_keeps_trying(
    tmp_path: Path,
) -> None:
    base = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    stderr = tmp_path / "tail.err"
    started = time.monotonic()
    with stderr.open("w") as sink:
        tail = subprocess.Popen(
            [*CLI, "tail", "events", "--server", base],
            env=server_env(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    try:
        wait_until(lambda: f"cannot connect to {base}" in stderr.read_text(), "silent", 2)
        assert time.monotonic() - started < 2
        wait_until(lambda: "retrying in" in stderr.read_text(), "no retry status", 5)
        assert tail.poll() is None  # still trying
    finally:
        tail.terminate()
        tail.wait(10)


def subscribers(base: str, stream: str) -> float:
    metric = f'policy_timeline_stream_subscribers{{stream="{stream}"}}'
    lines = httpx.get(f"{base}/metrics").text.splitlines()
    return sum(float(line.split()[-1]) for line in lines if line.startswith(metric + " "))


def printed(output: Path) -> list[dict[str, Any]]:
    text = output.read_text(encoding="utf-8") if output.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def policies_in(message: dict[str, Any]) -> set[str]:
    data = message["data"]
    if "items" in data:
        return {entry["item"]["policy_id"] for entry in data["items"]}
    return {data["event"]["policy_id"]}


def start_tail(directory: Path, stream: str, base: str, output: Path) -> subprocess.Popen[bytes]:
    with output.open("w") as sink:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [*CLI, "tail", stream, "--json", "--server", base],
            env=server_env(directory),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def test_a_tail_that_printed_nothing_gets_the_event_recorded_while_the_server_was_down(
    tmp_path: Path,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    outputs = {stream: tmp_path / f"tail-{stream}.jsonl" for stream in ("events", "goals")}
    tails: list[subprocess.Popen[bytes]] = []
    try:
        with running_server(tmp_path, port):
            tails = [start_tail(tmp_path, stream, base, o) for stream, o in outputs.items()]
            for stream in outputs:
                wait_until(lambda s=stream: subscribers(base, s) == 1, f"{stream}: no tail")
        # The server is down: record a made-up goal into its store.
        goal = made_up_control(
            type="SelfSufficiencyGoalSet", policy_id="xx-made-up-goal", title="Made-up goal",
            metric="made-up share", target_percent=50.0, deadline="2099-12-31",
        )  # fmt: skip
        del goal["measure"]
        loaded = cli(tmp_path, "load", str(write_lines(tmp_path / "made_up_goal.jsonl", [goal])))
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        assert all(printed(output) == [] for output in outputs.values())
        with running_server(tmp_path, port):
            for stream, output in outputs.items():
                wait_until(
                    lambda o=output: any("xx-made-up-goal" in policies_in(m) for m in printed(o)),
                    f"{stream}: the event recorded during the restart was missed",
                )
            time.sleep(0.5)  # a repeat would show up now
        for stream, output in outputs.items():
            assert [policies_in(m) for m in printed(output)] == [{"xx-made-up-goal"}], stream
    finally:
        for tail in tails:
            tail.terminate()
            tail.wait(10)


# --- read-only commands never create a store -----------------------------------------------------


def nowhere(tmp_path: Path) -> tuple[str, str]:
    """A store that does not exist (its URL and where the message must say it is): on SQLite
    a file in a folder that does not exist either; on PostgreSQL a new, empty database."""
    if BACKEND == "sqlite":
        path = tmp_path / "elsewhere" / "var" / "timeline.db"
        return f"sqlite:///{path}", str(path)
    url = database_url(tmp_path, "nothing-here")
    parts = urlsplit(url)  # named without its password
    return url, f"{parts.scheme}://{parts.username}@{parts.hostname}:{parts.port}{parts.path}"


def tables_of(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return [r[0] for r in rows]


READ_ONLY = [
    ("export",),
    ("export", "--format", "csv"),
    ("at", "2025-12-01", "active-export-controls"),
    ("diff", "goals", "2025-01-01", "2025-12-01"),
    ("keys", "list"),
    ("keys", "log"),
    ("rebuild",),
]


def test_read_only_commands_refuse_a_store_that_does_not_exist_and_create_nothing(
    tmp_path: Path,
) -> None:
    url, where = nowhere(tmp_path)
    target = database_url(tmp_path, "copy-target")
    commands = [*READ_ONLY, ("copy", "--from", url, "--to", target)]
    for command in commands:
        ran = cli(tmp_path, *command, POLICY_TIMELINE_DATABASE_URL=url)
        assert ran.returncode == 1, (command, ran.stdout, ran.stderr)
        assert f"no timeline at {where}" in ran.stderr and NO_TIMELINE_HINT in ran.stderr, command
        assert "exported" not in ran.stderr and f":{urlsplit(url).password}@" not in ran.stderr
    if BACKEND == "sqlite":
        assert not (tmp_path / "elsewhere").exists()
        assert not Path(target.removeprefix("sqlite:///")).exists()
    else:
        assert tables_of(url) == [] and tables_of(target) == []


@pytest.mark.backend_independent
def test_run_from_another_folder_a_command_names_the_file_it_looked_for(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in server_env(tmp_path).items() if k != "POLICY_TIMELINE_DATABASE_URL"}
    ran = subprocess.run(
        [*CLI, "export"], env=env, cwd=elsewhere, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 1 and ran.stdout == ""
    assert f"no timeline at {elsewhere / 'var' / 'timeline.db'}; {NO_TIMELINE_HINT}" in ran.stderr
    assert list(elsewhere.iterdir()) == []


# --- CSV export ----------------------------------------------------------------------------------


def made_up_corrections() -> list[dict[str, Any]]:
    source = [{"title": "made-up test source", "url": None}]
    return [
        made_up_control(event_id=MADE_UP_CONTROL_ID),
        {
            "type": "EventCorrected", "corrects": MADE_UP_CONTROL_ID,
            "title": "Made-up correction of the made-up control", "announced_on": "2025-04-10",
            "reason": "made-up correction for a test", "changes": {"materials": ["Tb", "Dy"]},
            "sources": source,
        },
        {
            "type": "EventCorrected", "corrects": MADE_UP_CONTROL_ID,
            "title": "Made-up correction posted with its own material",
            "announced_on": "2025-04-11", "materials": ["Tb"], "reason": "made-up reason",
            "changes": {"summary": "Made-up summary"}, "sources": source,
        },
    ]  # fmt: skip


def test_csv_export_has_every_catalogue_field_and_a_correction_says_only_its_own(
    tmp_path: Path, real_events: list[dict[str, Any]]
) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    made_up = write_lines(tmp_path / "made_up_corrections.jsonl", made_up_corrections())
    assert cli(tmp_path, "load", str(made_up)).returncode == 0
    exported = cli(tmp_path, "export", "--format", "csv", "--output", str(tmp_path / "log.csv"))
    assert exported.returncode == 0, exported.stderr

    raw = (tmp_path / "log.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte-order mark spreadsheets look for
    with (tmp_path / "log.csv").open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        rows = list(reader)
        header = reader.fieldnames or []
    catalogue = {name for model in MODEL_BY_TYPE.values() for name in model.model_fields}
    assert catalogue - {"expected_version"} <= set(header)
    assert len(rows) == len(real_events) + 3

    by_id = {row["event_id"]: row for row in rows}
    control = by_id[MADE_UP_CONTROL_ID]
    assert (control["materials"], control["jurisdiction"], control["agency"]) == (
        "Dy",
        "CN",
        "MOFCOM",
    )
    first, second = rows[-2:]
    assert first["type"] == "EventCorrected" and first["corrects"] == MADE_UP_CONTROL_ID
    assert json.loads(first["changes"]) == {"materials": ["Tb", "Dy"]}
    assert first["reason"] == "made-up correction for a test"
    assert first["policy_id"] == "xx-madeup-control"
    # Not the corrected event's materials, jurisdiction and agency: the correction named none.
    assert (first["materials"], first["jurisdiction"], first["agency"]) == ("", "", "")
    assert second["materials"] == "Tb" and json.loads(second["changes"]) == {
        "summary": "Made-up summary"
    }

    goal = next(r for r in rows if r["policy_id"] == "eu-crma-2024-single-country")
    assert (goal["metric"], goal["comparator"], goal["deadline"]) == (
        "share of any strategic raw material from a single third country", "at_most", "2030-12-31",
    )  # fmt: skip
    assert float(goal["target_percent"]) == 65
    loan = next(r for r in rows if r["policy_id"] == "us-mp-loan-2025")
    assert (loan["recipient"], loan["mechanism"]) == ("MP Materials", "loan")
    rupees = next(e for e in real_events if "₹" in e["title"])
    assert by_id[rupees["event_id"]]["title"] == rupees["title"]
    chinese = next(e for e in real_events if e["policy_id"] == "in-reo-50pct-claim-2025")
    assert by_id[chinese["event_id"]]["sources"] == chinese["sources"][0]["title"]
    assert "稀土" in by_id[chinese["event_id"]]["sources"]


# --- at, in an 80-column terminal ----------------------------------------------------------------


def at(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli(directory, "at", "2025-12-01", *args, columns=80)


def items(directory: Path, *args: str) -> list[dict[str, Any]]:
    answer = at(directory, *args, "--json")
    assert answer.returncode == 0, answer.stderr
    return list(json.loads(answer.stdout)["items"])


def row(table: str, policy_id: str) -> str:
    """The first line of ``policy_id``'s row (the whole id on it: ids are not split)."""
    return next(line for line in table.splitlines() if f"│ {policy_id} " in line)


def test_at_fits_80_columns_without_splitting_words_and_filters_like_the_api(
    tmp_path: Path,
) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    controls = items(tmp_path, "active-export-controls")
    table = at(tmp_path, "active-export-controls").stdout
    assert max(len(line) for line in table.splitlines()) <= 80
    for item in controls:
        assert f"│ {item['status']} " in row(table, item["policy_id"]), item["policy_id"]
    assert {i["status"] for i in controls} == {"in_force", "suspended"}

    goals = at(tmp_path, "goals").stdout
    assert "≤ 65 %" in row(goals, "eu-crma-2024-single-country")
    assert "≥ 10 %" in row(goals, "eu-crma-2024-extraction")
    assert max(len(line) for line in goals.splitlines()) <= 80

    indian = items(tmp_path, "active-export-controls", "--jurisdiction", "IN")
    assert [i["policy_id"] for i in indian] == ["in-irel-japan-halt-2025"]
    shown = at(tmp_path, "active-export-controls", "--jurisdiction", "IN").stdout
    assert "in-irel-japan-halt-2025" in shown and "cn-7ree-2025" not in shown
    both = items(tmp_path, "active-export-controls", "--jurisdiction", "IN", "--jurisdiction", "CN")
    assert len(both) == len(controls)

    suspended = items(tmp_path, "active-export-controls", "--status", "suspended")
    assert [i["policy_id"] for i in suspended] == [
        i["policy_id"] for i in controls if i["status"] == "suspended"
    ]
    assert 0 < len(suspended) < len(controls)

    claim = "in-reo-50pct-claim-2025"  # the bundled goal whose confidence is "unverified"
    assert claim in {
        i["policy_id"] for i in items(tmp_path, "goals", "--min-confidence", "unverified")
    }
    assert claim not in {i["policy_id"] for i in items(tmp_path, "goals")}  # default: reported
    assert claim not in {
        i["policy_id"] for i in items(tmp_path, "goals", "--min-confidence", "confirmed")
    }

    no_status = at(tmp_path, "funding", "--status", "lifted")
    assert no_status.returncode == 2 and "--status applies to" in no_status.stderr
