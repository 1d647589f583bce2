"""The service as users run it: a real uvicorn process on a SQLite file."""

from __future__ import annotations

import stat
from pathlib import Path
from uuid import uuid4

import httpx

from tests.support.bodies import made_up_control
from tests.support.server import running_server

KEY = "process-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


def test_events_survive_a_restart_and_the_demo_loads_once(tmp_path: Path) -> None:
    body = made_up_control(event_id=str(uuid4()))
    with running_server(tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, _):
        first = httpx.get(f"{base}/events?limit=5").json()
        assert [i["position"] for i in first["items"]] == [1, 2, 3, 4, 5]
        assert first["items"][0]["event"]["policy_id"] == "us-dod-urbanmining-2020"
        posted = httpx.post(f"{base}/events", json=body, headers=AUTH)
        again = httpx.post(f"{base}/events", json=body, headers=AUTH)
        assert (posted.status_code, again.status_code) == (201, 200)
        assert posted.json()["position"] == 58
    with running_server(tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, _):
        assert httpx.get(f"{base}/healthz").json()["position"] == 58
        stored = httpx.get(f"{base}/events/{body['event_id']}").json()
        assert stored["position"] == 58 and stored["event"]["title"] == body["title"]
        repeat = httpx.post(f"{base}/events", json=body, headers=AUTH)
        assert repeat.status_code == 200 and repeat.json() == posted.json()


def test_first_start_without_a_key_creates_one_and_prints_it_once(tmp_path: Path) -> None:
    with running_server(tmp_path) as (base, output):
        key_file = tmp_path / "admin.key"
        key = key_file.read_text().strip()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        headers = {"Authorization": f"Bearer {key}"}
        assert (
            httpx.post(f"{base}/events", json=made_up_control(), headers=headers).status_code == 201
        )
    assert key in output.read_text()
    with running_server(tmp_path) as (base, output):
        assert (
            httpx.post(
                f"{base}/events", json=made_up_control(policy_id="xx-second"), headers=headers
            ).status_code
            == 201
        )
    assert key not in output.read_text()
