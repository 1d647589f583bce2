"""`policy-timeline copy` from a SQLite file to the store the suite runs on (a PostgreSQL
database in the PostgreSQL half: the migration the README describes), through the real entry
point. The copy must read exactly like the original."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx

from bench.synthetic import sequence
from tests.support.backend import database_url
from tests.support.server import CLI, running_server, server_env

KEY = "copy-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


def whole_log(base: str) -> list[dict[str, Any]]:
    items, after = [], 0
    while after is not None:
        page = httpx.get(f"{base}/events", params={"after": after, "limit": 1000}).json()
        items.extend(page["items"])
        after = page["next_after"]
    return items


def test_copy_keeps_ids_order_record_times_and_answers(tmp_path: Path) -> None:
    source_dir, target_dir = tmp_path / "source", tmp_path / "target"
    source_dir.mkdir()
    target_dir.mkdir()
    source_url = f"sqlite:///{source_dir / 'timeline.db'}"
    with running_server(
        source_dir, POLICY_TIMELINE_ADMIN_KEY=KEY, POLICY_TIMELINE_DATABASE_URL=source_url
    ) as (base, _):
        batch = {"events": sequence(400, seed=31)}  # SYNTHETIC events on top of the real ones
        assert httpx.post(f"{base}/events/batch", json=batch, headers=AUTH).status_code == 201
        original = whole_log(base)
        head = original[-1]["position"]
        controls = httpx.get(f"{base}/views/active-export-controls",
                             params={"at": "2020-02-01", "limit": 1000, "min_position": head},
                             ).json()  # fmt: skip
    target_url = database_url(target_dir)
    command = [*CLI, "copy", "--from", source_url, "--to", target_url]
    copied = subprocess.run(command, env=server_env(target_dir), capture_output=True, text=True)
    assert copied.returncode == 0, copied.stderr
    assert f"copied {len(original)} events" in copied.stdout
    with running_server(target_dir, POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, _):
        assert whole_log(base) == original
        again = httpx.get(f"{base}/views/active-export-controls",
                          params={"at": "2020-02-01", "limit": 1000, "min_position": head},
                          ).json()  # fmt: skip
        assert again["items"] == controls["items"] and len(controls["items"]) > 10
    refused = subprocess.run(command, env=server_env(target_dir), capture_output=True, text=True)
    assert refused.returncode == 1 and "empty store" in refused.stderr
