"""`policy-timeline search` through the real entry point, on the bundled real timeline: Chinese
words find the events whose official Chinese titles hold them, shown beside the English."""

from __future__ import annotations

import json
from pathlib import Path

from service.bulk.loader import bundled_timeline
from tests.support.commands import cli


def test_search_in_chinese_shows_the_original_title_beside_the_english(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    table = cli(tmp_path, "search", "稀土")
    assert table.returncode == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if "cn-re-regulations-2024" in line)
    assert "Regulations on Rare Earth" in row and "稀土管理条例 (zh-Hans)" in row
    assert "cn-re-quota-measures-2025" in table.stdout
    assert "cn-gage-2023" not in table.stdout
    assert "7 events" in table.stdout

    answer = json.loads(cli(tmp_path, "search", "出口管制", "--known-at", "position=10",
                            "--json").stdout)  # fmt: skip
    assert answer["position"] == 10
    assert [i["policy_id"] for i in answer["items"]] == ["cn-gage-2023"]

    both = json.loads(cli(tmp_path, "search", "smuggling", "走私", "--json").stdout)
    assert [i["policy_id"] for i in both["items"]] == [
        "cn-smuggling-campaign-2025-05", "cn-smuggling-intensify-2025-07",
    ]  # fmt: skip


def test_search_without_words_is_refused(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    missing = cli(tmp_path, "search")
    assert missing.returncode == 2 and "Missing argument" in missing.stderr
    quotes = cli(tmp_path, "search", '""')
    assert quotes.returncode == 1 and "q has no words" in quotes.stderr


def test_the_timeline_table_shows_original_titles(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    table = cli(tmp_path, "at", "2025-01-01", "timeline")
    assert table.returncode == 0, table.stderr
    assert "关于对镓、锗相关物项实施出口管制的公告" in table.stdout
