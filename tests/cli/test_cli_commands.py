"""`policy-timeline export`, `diff` and every command's --help, through the real entry point.

(`serve` runs in tests/support/server.py, `project` in tests/process/test_projector_crash.py,
`load` in test_load_command.py, `at` and `rebuild` in test_cli_views.py, `copy` in
test_copy_command.py, `tail` in tests/process/test_streams.py, `keys` in
tests/process/test_keys.py.)"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from service.bulk.loader import bundled_timeline
from service.cli.main import app
from tests.support.commands import cli


def test_export_jsonl_loads_back_into_an_empty_store_as_the_same_events(tmp_path: Path) -> None:
    source, copy = tmp_path / "source", tmp_path / "copy"
    source.mkdir(), copy.mkdir()
    assert cli(source, "load", str(bundled_timeline())).returncode == 0
    exported = cli(source, "export", "--output", str(tmp_path / "log.jsonl"))
    assert exported.returncode == 0, exported.stderr
    assert "exported 57 events" in exported.stderr
    lines = (tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()
    bundled = [json.loads(line) for line in bundled_timeline().read_text().splitlines() if line]
    assert [json.loads(line)["event_id"] for line in lines] == [e["event_id"] for e in bundled]

    loaded = cli(copy, "load", str(tmp_path / "log.jsonl"), "--json")
    assert json.loads(loaded.stdout) == {"added": 57, "duplicates": 0, "rejected": []}
    assert cli(copy, "export").stdout.splitlines() == lines  # the same bodies, in order
    again = cli(source, "load", str(tmp_path / "log.jsonl"), "--json")
    assert json.loads(again.stdout)["duplicates"] == 57


def test_export_as_known_at_a_record_time_and_as_csv(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    early = cli(tmp_path, "export", "--known-at", "position=30")
    assert len(early.stdout.splitlines()) == 30
    before_any = cli(tmp_path, "export", "--known-at", "2001-01-01")
    assert before_any.returncode == 0 and before_any.stdout == ""

    table = cli(tmp_path, "export", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == 57
    assert [r["position"] for r in rows] == [str(n) for n in range(1, 58)]
    control = next(r for r in rows if r["policy_id"] == "cn-7ree-2025")
    assert control["type"] == "ExportControlImposed" and control["recorded_by"] == "cli-load"
    assert control["materials"] == "Sm; Gd; Tb; Dy; Lu; Sc; Y"
    assert control["sources"].startswith("https://")

    refused = cli(tmp_path, "export", "--known-at", "last week")
    assert refused.returncode == 2 and "not an ISO datetime" in refused.stderr


def test_diff_between_two_dates_and_two_record_times(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    spring = cli(tmp_path, "diff", "active-export-controls", "2025-03-01", "2025-06-01")
    assert spring.returncode == 0, spring.stderr
    added = next(line for line in spring.stdout.splitlines() if "cn-7ree-2025" in line)
    assert added.split()[1] == "+"  # "│ + │ cn-7ree-2025 │ ..."
    answer = json.loads(
        cli(tmp_path, "diff", "active-export-controls", "2025-03-01", "2025-06-01", "--json").stdout
    )
    assert "cn-7ree-2025" in [e["policy_id"] for e in answer["added"]]
    assert answer["removed"] == []

    known = json.loads(
        cli(tmp_path, "diff", "active-export-controls", "position=20", "position=57",
            "--known", "--at", "2025-06-01", "--json").stdout
    )  # fmt: skip
    assert (known["from_position"], known["to_position"]) == (20, 57)
    assert "cn-7ree-2025" in [e["policy_id"] for e in known["added"]]

    wrong = cli(tmp_path, "diff", "prices", "2025-03-01", "2025-06-01")
    assert wrong.returncode == 1 and "view" in wrong.stderr


@pytest.mark.backend_independent
def test_every_command_explains_itself(tmp_path: Path) -> None:
    names = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    groups = [g.name for g in app.registered_groups]
    assert {"serve", "project", "load", "export", "at", "diff", "tail", "rebuild", "copy"} <= set(
        names
    )
    assert "keys" in groups
    for name in [*names, *groups, "keys create", "keys list", "keys revoke", "keys log"]:
        shown = cli(tmp_path, *name.split(), "--help")
        assert shown.returncode == 0, (name, shown.stderr)
        assert "Usage:" in shown.stdout and "--help" in shown.stdout, name
