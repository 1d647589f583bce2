"""`policy-timeline load FILE`: through the real entry point, twice."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from service.bulk.loader import bundled_timeline
from tests.support.bodies import made_up_control
from tests.support.server import CLI, server_env


def run_load(directory: Path, file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "load", str(file)],
        env=server_env(directory),
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )


def counts(stdout: str) -> list[str]:
    """The added / duplicates / rejected cells of the report table."""
    rows = [line for line in stdout.splitlines() if "│" in line and any(c.isdigit() for c in line)]
    return [cell.strip() for cell in rows[-1].strip("│ ").split("│")]


def test_loading_the_bundled_file_twice_adds_it_once(tmp_path: Path) -> None:
    first = run_load(tmp_path, bundled_timeline())
    assert first.returncode == 0, first.stderr
    assert counts(first.stdout) == ["57", "0", "0"]
    second = run_load(tmp_path, bundled_timeline())
    assert second.returncode == 0
    assert counts(second.stdout) == ["0", "57", "0"]


def test_bad_lines_are_reported_with_reasons_and_the_rest_is_loaded(tmp_path: Path) -> None:
    file = tmp_path / "made_up_events.jsonl"
    lines = [
        json.dumps(made_up_control()),
        "{not json",
        json.dumps(made_up_control(policy_id="xx-other", jurisdiction="ZZZ")),
        json.dumps(made_up_control()),  # no event_id: a second imposition of the same policy
    ]
    file.write_text("\n".join(lines) + "\n")
    result = run_load(tmp_path, file)
    assert result.returncode == 1
    assert counts(result.stdout) == ["1", "0", "3"]
    assert "line 2: the body is not valid JSON" in result.stdout
    assert "line 3: invalid event: jurisdiction" in result.stdout
    assert "line 4: policy_exists" in result.stdout
