"""`policy-timeline acts` through the real entry point, on the bundled real timeline."""

from __future__ import annotations

import json
from pathlib import Path

from service.bulk.loader import bundled_timeline
from tests.support.commands import cli

NO46 = "cn-mofcom-2024-46"  # MOFCOM Announcement No. 46 of 2024, real


def row_of(text: str, marker: str) -> str:
    return next(line for line in text.splitlines() if marker in line)


def test_acts_lists_the_acts_with_their_measure_counts_and_a_permalink(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    listed = cli(tmp_path, "acts")
    assert listed.returncode == 0, listed.stderr
    no46 = row_of(listed.stdout, NO46)
    assert "│ CN " in no46 and "│        2 │" in no46 and "2024-12-03" in no46
    assert "│        5 │" in row_of(listed.stdout, "cn-mofcom-gac-2025-70")
    assert "permalink: /acts?known_at=position=57" in listed.stdout
    answer = json.loads(cli(tmp_path, "acts", "--known-at", "position=10", "--json").stdout)
    assert answer["position"] == 10
    assert [item["id"] for item in answer["items"]] == ["cn-mofcom-gac-2023-23"]
    assert answer["permalink"] == "/acts?known_at=position=10"


def test_acts_id_prints_its_measures_with_their_statuses_on_a_day(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    table = cli(tmp_path, "acts", NO46, "--at", "2026-01-15")
    assert table.returncode == 0, table.stderr
    assert "suspended" in row_of(table.stdout, "cn-us-gagesb-2024")
    assert "in_force" in row_of(table.stdout, "cn-us-milban-2024")
    assert f"permalink: /acts/{NO46}?at=2026-01-15&known_at=position=57" in table.stdout
    later = json.loads(cli(tmp_path, "acts", NO46, "--at", "2026-12-01", "--json").stdout)
    assert {m["policy_id"]: m["status"] for m in later["measures"]} == {
        "cn-us-gagesb-2024": "in_force",
        "cn-us-milban-2024": "in_force",
    }


def test_acts_says_what_is_wrong(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    unknown = cli(tmp_path, "acts", "xx-no-such-act")
    assert unknown.returncode == 1 and "no act 'xx-no-such-act' was recorded" in unknown.stderr
    malformed = cli(tmp_path, "acts", "Not_A_Slug")
    assert malformed.returncode == 1 and "is not a slug" in malformed.stderr
    bad_day = cli(tmp_path, "acts", NO46, "--at", "2026-13-01")
    assert bad_day.returncode == 2 and "is not a date" in bad_day.stderr
    bad_time = cli(tmp_path, "acts", "--known-at", "last week")
    assert bad_time.returncode == 1 and "known_at 'last week'" in bad_time.stderr
