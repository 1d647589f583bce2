"""``policy-timeline at DAY tariffs`` prints the view's table from its declared columns."""

from __future__ import annotations

from pathlib import Path

from service.bulk.loader import bundled_timeline
from tests.support.commands import cli


def test_at_prints_the_tariffs_of_a_day(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    table = cli(tmp_path, "at", "2025-06-01", "tariffs")
    assert table.returncode == 0, table.stderr
    assert "us-s301-cm-2024" in table.stdout and "in_force" in table.stdout
    assert "us-s301-graphite-magnets-2026" in table.stdout and "pending" in table.stdout
    assert "rate %" in table.stdout and "25.0" in table.stdout
    ended = cli(tmp_path, "at", "2025-06-01", "tariffs", "--status", "lifted")
    assert ended.returncode == 0 and "us-s301" not in ended.stdout
    wrong = cli(tmp_path, "at", "2025-06-01", "tariffs", "--status", "suspended")
    assert wrong.returncode == 1 and "suspended" in wrong.stderr
