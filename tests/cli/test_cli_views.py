"""`policy-timeline at` and `policy-timeline rebuild` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

from service.bulk.loader import bundled_timeline
from tests.support.commands import cli


def test_at_prints_a_view_on_a_date_as_known_at_a_time(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    table = cli(tmp_path, "at", "2025-12-01", "active-export-controls", "--material", "Ga")
    assert table.returncode == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if "cn-us-gagesb-2024" in line)
    assert "suspended" in row and "2026-11-27" in row
    answer = json.loads(
        cli(tmp_path, "at", "2025-12-01", "active-export-controls", "--material", "Ga",
            "--known-at", "position=10", "--json").stdout
    )  # fmt: skip
    assert answer["position"] == 10
    assert {i["policy_id"] for i in answer["items"]} == {"cn-gage-2023"}


def test_rebuild_leaves_the_answers_unchanged(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(bundled_timeline())).returncode == 0
    before = cli(tmp_path, "at", "2025-12-01", "funding", "--json").stdout
    rebuilt = cli(tmp_path, "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "funding: rebuilt from 57 events" in rebuilt.stdout
    after = cli(tmp_path, "at", "2025-12-01", "funding", "--json").stdout
    strip = ("known_at",)
    assert {k: v for k, v in json.loads(after).items() if k not in strip} == {
        k: v for k, v in json.loads(before).items() if k not in strip
    }
    unknown = cli(tmp_path, "rebuild", "no-such-view")
    assert unknown.returncode == 2 and "unknown view" in unknown.stderr


def test_rebuild_while_a_server_serves_and_takes_writes(tmp_path: Path) -> None:
    import threading

    import httpx

    from tests.support.bodies import made_up_control
    from tests.support.server import running_server

    key = {"Authorization": "Bearer k"}
    with running_server(tmp_path, POLICY_TIMELINE_ADMIN_KEY="k") as (base, _):
        posted: list[int] = []

        def post_made_up_events() -> None:
            for n in range(40):
                body = made_up_control(policy_id=f"xx-made-up-{n}", title=f"Made-up control {n}")
                posted.append(
                    httpx.post(f"{base}/events", json=body, headers=key).json()["position"]
                )

        writer = threading.Thread(target=post_made_up_events)
        writer.start()
        rebuilt = cli(tmp_path, "rebuild", "active-export-controls")
        writer.join()
        assert rebuilt.returncode == 0, rebuilt.stderr
        answer = httpx.get(
            f"{base}/views/active-export-controls",
            params={"min_position": max(posted), "at": "2025-05-01", "limit": 1000},
        ).json()
        made_up = {i["policy_id"] for i in answer["items"] if i["policy_id"].startswith("xx-")}
        assert len(made_up) == 40
        listing = httpx.get(f"{base}/views").json()
        assert all(v["lag"] == 0 for v in listing["items"] if v["lag"] is not None)
