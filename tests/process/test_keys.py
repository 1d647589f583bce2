"""API keys end to end: made through the API and the `policy-timeline keys` commands, stored
hashed, cited as ``recorded_by``, revoked, logged; the first start's admin key."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from tests.support.backend import database_url
from tests.support.bodies import AUTH, made_up_control
from tests.support.server import CLI, running_server, server_env

ADMIN_KEY = "made-up-admin-key-for-the-key-tests"


def fresh_control() -> dict[str, Any]:
    return made_up_control(event_id=str(uuid4()), policy_id=f"xx-madeup-{uuid4().hex[:10]}")


def stored_key_rows(url: str) -> str:
    """Everything the keys table holds, as text, read past the service."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return repr(connection.execute("SELECT * FROM api_keys").fetchall())
    import psycopg

    with psycopg.connect(url) as connection:
        return repr(connection.execute("SELECT * FROM api_keys").fetchall())


async def test_a_key_made_through_the_api_writes_under_its_name_until_revoked(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    made = await client.post(
        "/keys", json={"name": "made-up-alice", "role": "editor"}, headers=AUTH
    )
    assert made.status_code == 201
    key = made.json()["key"]
    assert made.json()["created_by"] == "admin" and made.json()["revoked_at"] is None
    alice = {"Authorization": f"Bearer {key}"}

    posted = await client.post("/events", json=fresh_control(), headers=alice)
    assert posted.status_code == 201
    event = (await client.get(f"/events/{posted.json()['event_id']}")).json()
    assert event["recorded_by"] == "made-up-alice"
    assert event["recorded_at"] == posted.json()["recorded_at"]

    rows = stored_key_rows(database_url(tmp_path))
    assert key not in rows and hashlib.sha256(key.encode()).hexdigest() in rows
    listed = (await client.get("/keys", headers=AUTH)).json()["items"]
    assert [k["name"] for k in listed] == ["made-up-alice"]
    assert "key" not in listed[0] and key not in json.dumps(listed)

    revoked = await client.delete("/keys/made-up-alice", headers=AUTH)
    assert revoked.status_code == 200 and revoked.json()["revoked_by"] == "admin"
    again = await client.delete("/keys/made-up-alice", headers=AUTH)
    assert again.json() == revoked.json()
    refused = await client.post("/events", json=fresh_control(), headers=alice)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]["message"]
    reused = await client.post(
        "/keys", json={"name": "made-up-alice", "role": "editor"}, headers=AUTH
    )
    assert reused.status_code == 409

    log = (await client.get("/keys/log", headers=AUTH)).json()["items"]
    assert [(e["action"], e["name"], e["role"], e["by"]) for e in log] == [
        ("created", "made-up-alice", "editor", "admin"),
        ("revoked", "made-up-alice", "editor", "admin"),
    ]
    assert log[0]["at"] == made.json()["created_at"]
    # Key changes are not policy events: the log of events holds only alice's one post.
    page = (await client.get("/events", params={"limit": 1000})).json()
    assert [e["recorded_by"] for e in page["items"]].count("made-up-alice") == 1
    assert all("Key" not in e["event"]["type"] for e in page["items"])


async def test_a_reader_key_reads_closed_reads_and_cannot_write(tmp_path: Path) -> None:
    from service.http.app import create_app
    from service.settings import Settings

    settings = Settings(
        database_url=database_url(tmp_path),
        admin_key=ADMIN_KEY,
        state_dir=tmp_path,
        public_reads=False,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            made = await client.post(
                "/keys", json={"name": "made-up-r", "role": "reader"}, headers=admin
            )
            reader = {"Authorization": f"Bearer {made.json()['key']}"}
            assert (await client.get("/views/funding")).status_code == 401
            assert (await client.get("/views/funding", headers=reader)).status_code == 200
            write = await client.post("/events", json=fresh_control(), headers=reader)
            assert write.status_code == 403
            assert "reader" in write.json()["error"]["message"]


def keys_cli(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "keys", *args],
        env=server_env(directory),
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_keys_commands_work_on_a_running_server(tmp_path: Path) -> None:
    with running_server(tmp_path, POLICY_TIMELINE_ADMIN_KEY=ADMIN_KEY) as (base, _):
        created = keys_cli(tmp_path, "create", "--name", "made-up-carol", "--role", "editor")
        assert created.returncode == 0, created.stderr
        key = created.stdout.strip().splitlines()[-1]
        assert key.startswith("pt_")
        carol = {"Authorization": f"Bearer {key}"}
        posted = httpx.post(f"{base}/events", json=fresh_control(), headers=carol)
        assert posted.status_code == 201, posted.text  # at once: an unknown key re-reads

        duplicate = keys_cli(tmp_path, "create", "--name", "made-up-carol", "--role", "admin")
        assert duplicate.returncode == 1 and "exists already" in duplicate.stderr
        bad_role = keys_cli(tmp_path, "create", "--name", "made-up-dan", "--role", "boss")
        assert bad_role.returncode == 2 and "boss" in bad_role.stderr

        revoked = keys_cli(tmp_path, "revoke", "made-up-carol")
        assert revoked.returncode == 0 and "revoked 'made-up-carol'" in revoked.stdout
        deadline = time.monotonic() + 3
        while httpx.post(f"{base}/events", json=fresh_control(), headers=carol).status_code != 401:
            assert time.monotonic() < deadline, "a revoked key still writes after 3 s"
            time.sleep(0.1)

        unknown = keys_cli(tmp_path, "revoke", "made-up-nobody")
        assert unknown.returncode == 1 and "no key named" in unknown.stderr
        [listed] = json.loads(keys_cli(tmp_path, "list", "--json").stdout)
        assert listed["name"] == "made-up-carol" and listed["revoked_at"] is not None
        assert listed["created_by"].startswith("cli:") and "key" not in listed
        table = keys_cli(tmp_path, "list").stdout
        assert "made-up-carol" in table and "editor" in table
        log = json.loads(keys_cli(tmp_path, "log", "--json").stdout)
        assert [(e["action"], e["name"]) for e in log] == [
            ("created", "made-up-carol"),
            ("revoked", "made-up-carol"),
        ]
        served_log = httpx.get(f"{base}/keys/log", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert [e["action"] for e in served_log.json()["items"]] == ["created", "revoked"]


def test_first_start_makes_one_admin_key_and_prints_it_once(tmp_path: Path) -> None:
    """Two workers start at once on an empty store: one key is made, printed and written."""
    with running_server(tmp_path, workers=2) as (base, output):
        key_file = tmp_path / "admin.key"
        deadline = time.monotonic() + 10
        while "Created the first admin API key" not in output.read_text():
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.1)
        key = key_file.read_text().strip()
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        assert output.read_text().count(key) == 1
        admin = {"Authorization": f"Bearer {key}"}
        [only] = httpx.get(f"{base}/keys", headers=admin).json()["items"]
        assert (only["name"], only["role"], only["created_by"]) == ("admin", "admin", "first start")
        posted = httpx.post(f"{base}/events", json=fresh_control(), headers=admin)
        assert posted.status_code == 201
    with running_server(tmp_path) as (base, output):
        assert "Created the first admin API key" not in output.read_text()
        assert key not in output.read_text()
        assert httpx.get(f"{base}/keys", headers=admin).status_code == 200


async def test_the_environment_admin_key_is_not_stored(client: httpx.AsyncClient) -> None:
    """POLICY_TIMELINE_ADMIN_KEY (for automation) works without being written anywhere, and
    its presence means no key is generated."""
    assert (await client.get("/keys", headers=AUTH)).json()["items"] == []
    assert (await client.get("/keys/log", headers=AUTH)).json()["items"] == []
