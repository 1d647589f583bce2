"""Who may call what: every operation of the API × no key, a reader, an editor, an admin, a
revoked key and an unknown key, against a real server, with reads public and with reads
closed. Refused calls change nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from projections.registry import DATED_VIEWS, VIEWS
from service.http.app import create_app
from service.settings import Settings
from tests.support.bodies import made_up_control
from tests.support.server import running_server

# Who may call what is decided before the store is touched (the keys' store on PostgreSQL is
# tested in test_keys.py).
pytestmark = pytest.mark.backend_independent

ADMIN_KEY = "made-up-admin-key-for-the-access-test"

# The least role each operation needs (None: open to anyone, e.g. health checks). Written out
# here rather than read from the app, so that the app's own declarations are checked.
NEEDS: dict[tuple[str, str], str | None] = {
    ("GET", "/events"): "reader",
    ("POST", "/events"): "editor",
    ("POST", "/events/batch"): "editor",
    ("GET", "/events/stream"): "reader",
    ("GET", "/events/feed.atom"): "reader",
    ("GET", "/events/{event_id}"): "reader",
    ("GET", "/policies"): "reader",
    ("GET", "/policies/{policy_id}"): "reader",
    ("GET", "/views"): "reader",
    # Every view of the registry is read, streamed and fed (Atom) to readers.
    **{
        ("GET", f"/views/{name}{tail}"): "reader"
        for name in VIEWS
        for tail in ("", "/stream", "/feed.atom")
    },
    ("GET", "/views/materials/{material}"): "reader",
    # Every view read by date is counted over time by readers.
    **{("GET", f"/views/{name}/counts"): "reader" for name in DATED_VIEWS},
    ("POST", "/views/{name}/rebuild"): "admin",
    ("GET", "/diff"): "reader",
    ("GET", "/screen"): "reader",
    ("GET", "/acts"): "reader",
    ("GET", "/acts/{act_id}"): "reader",
    ("POST", "/keys"): "admin",
    ("GET", "/keys"): "admin",
    ("GET", "/keys/log"): "admin",
    ("DELETE", "/keys/{name}"): "admin",
    ("POST", "/webhooks"): "admin",
    ("GET", "/webhooks"): "admin",
    ("GET", "/webhooks/{webhook_id}"): "admin",
    ("PATCH", "/webhooks/{webhook_id}"): "admin",
    ("DELETE", "/webhooks/{webhook_id}"): "admin",
    ("GET", "/webhooks/{webhook_id}/deliveries"): "admin",
    ("POST", "/webhooks/{webhook_id}/redeliver"): "admin",
    ("GET", "/healthz"): None,
    ("GET", "/readyz"): None,
    ("GET", "/metrics"): None,
}
ROLES = ("reader", "editor", "admin")
CALLERS = ("nobody", "reader", "editor", "admin", "revoked", "unknown")


def fresh_control() -> dict[str, Any]:
    return made_up_control(event_id=str(uuid4()), policy_id=f"xx-madeup-{uuid4().hex[:10]}")


def expected(needs: str | None, caller: str, public_reads: bool) -> int | None:
    """401 or 403 for a refusal, None for "let through" (the operation's own answer)."""
    if needs is None:
        return None
    if caller == "nobody":
        return None if needs == "reader" and public_reads else 401
    if caller in ("revoked", "unknown"):
        return 401
    return None if ROLES.index(caller) >= ROLES.index(needs) else 403


class Calls:
    """One real request per operation; fresh bodies and names so that allowed writes work."""

    def __init__(self, base: str, admin: httpx.Client) -> None:
        self.base = base
        self.admin = admin

    def prepare(self, operation: tuple[str, str]) -> tuple[str, str, dict[str, Any]]:
        method, path = operation
        kwargs: dict[str, Any] = {"timeout": 10}
        if path == "/events" and method == "POST":
            kwargs["json"] = fresh_control()
        elif path == "/events/batch":
            kwargs["json"] = {"events": [fresh_control(), fresh_control()]}
        elif path == "/keys" and method == "POST":
            kwargs["json"] = {"name": f"made-up-{uuid4().hex[:12]}", "role": "reader"}
        elif path == "/diff":
            kwargs["params"] = {"view": "active-export-controls", "from": "2025-01-01",
                                "to": "2025-06-01"}  # fmt: skip
        elif path.endswith("/counts"):
            kwargs["params"] = {"by": "jurisdiction", "bucket": "year"}
        elif path == "/screen":
            kwargs["params"] = {"material": "Ga", "exporter": "CN", "on": "2025-06-01"}
        elif path == "/webhooks" and method == "POST":
            kwargs["json"] = {"url": "http://127.0.0.1:9/made-up", "view": "events"}
        elif path == "/webhooks/{webhook_id}" and method == "PATCH":
            kwargs["json"] = {"description": "made-up"}
        elif path.endswith("/redeliver"):
            kwargs["params"] = {"after": "1"}
        concrete = path.format(
            event_id=self.an_event_id(),
            policy_id="cn-us-gagesb-2024",
            material="dysprosium",
            name=self.a_fresh_key_name() if method == "DELETE" else "funding",
            webhook_id=self.a_webhook_id() if "{webhook_id}" in path else "",
            act_id="cn-mofcom-2024-46",
        )
        return method, self.base + concrete, kwargs

    @staticmethod
    def send(method: str, url: str, kwargs: dict[str, Any]) -> httpx.Response:
        if url.endswith("/stream"):
            with httpx.stream(method, url, **kwargs) as response:
                if response.status_code >= 400:
                    response.read()
                # Otherwise the status and headers are the answer: the stream has no end.
                return response
        return httpx.request(method, url, **kwargs)

    def an_event_id(self) -> str:
        page = self.admin.get("/events", params={"limit": 1}).json()
        return str(page["items"][0]["event"]["event_id"])

    def a_webhook_id(self) -> str:
        """A new webhook, disabled (nothing is sent to its made-up receiver)."""
        made = self.admin.post(
            "/webhooks", json={"url": "http://127.0.0.1:9/made-up", "view": "events"}
        )
        assert made.status_code == 201, made.text
        webhook_id = str(made.json()["id"])
        assert self.admin.patch(f"/webhooks/{webhook_id}", json={"enabled": False}).is_success
        return webhook_id

    def a_fresh_key_name(self) -> str:
        name = f"made-up-{uuid4().hex[:12]}"
        assert self.admin.post("/keys", json={"name": name, "role": "reader"}).status_code == 201
        return name


@pytest.fixture(params=[True, False], ids=["public-reads", "closed-reads"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, bool]]:
    public: bool = request.param
    with running_server(
        tmp_path,
        POLICY_TIMELINE_ADMIN_KEY=ADMIN_KEY,
        POLICY_TIMELINE_PUBLIC_READS=str(public).lower(),
        POLICY_TIMELINE_WEBHOOK_ALLOW_PRIVATE="true",  # webhooks to a made-up loopback port
    ) as (base, _):
        yield base, public


def make_keys(admin: httpx.Client) -> dict[str, str | None]:
    keys: dict[str, str | None] = {"nobody": None, "admin": ADMIN_KEY, "unknown": "pt_made_up"}
    for role in ("reader", "editor"):
        answer = admin.post("/keys", json={"name": f"made-up-{role}", "role": role})
        keys[role] = answer.json()["key"]
    revoked = admin.post("/keys", json={"name": "made-up-revoked", "role": "admin"}).json()
    assert admin.delete("/keys/made-up-revoked").status_code == 200
    keys["revoked"] = revoked["key"]
    return keys


def test_every_operation_for_every_caller(server: tuple[str, bool]) -> None:
    base, public = server
    admin = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    keys = make_keys(admin)
    calls = Calls(base, admin)
    head: Callable[[], int] = lambda: admin.get("/healthz").json()["position"]  # noqa: E731
    key_count: Callable[[], int] = lambda: len(admin.get("/keys").json()["items"])  # noqa: E731
    seen: list[str] = []
    for operation, needs in NEEDS.items():
        for caller in CALLERS:
            key = keys[caller]
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            method, url, kwargs = calls.prepare(operation)
            before = (head(), key_count())
            response = calls.send(method, url, {**kwargs, "headers": headers})
            refusal = expected(needs, caller, public)
            where = f"{operation} as {caller} (reads {'public' if public else 'closed'})"
            if refusal is None:
                assert response.status_code < 300, (where, response.status_code, response.text)
            else:
                assert response.status_code == refusal, (where, response.text)
                error = response.json()["error"]
                assert error["code"] == {401: "unauthorized", 403: "forbidden"}[refusal]
                assert error["message"], where
                if refusal == 401:
                    assert response.headers["www-authenticate"] == "Bearer"
                if caller == "revoked":
                    assert "revoked" in error["message"]
                assert (head(), key_count()) == before, f"{where} changed the store"
            seen.append(f"{operation[0]} {operation[1]}")
    assert len(seen) == len(NEEDS) * len(CALLERS)


def test_the_table_covers_every_operation_and_the_schema_declares_the_same(
    tmp_path: Path,
) -> None:
    schema = create_app(Settings(state_dir=tmp_path, _env_file=None)).openapi()  # type: ignore[call-arg]
    operations = {
        (method.upper(), path): op for path, item in schema["paths"].items()
        for method, op in item.items()
    }  # fmt: skip
    assert set(operations) == set(NEEDS)
    for operation, needs in NEEDS.items():
        security = operations[operation].get("security")
        if needs is None:
            assert security is None, operation
        elif needs == "reader":
            assert security == [{}, {"apiKey": ["reader"]}], operation  # a key is optional
            assert "401" in operations[operation]["responses"], operation
        else:
            assert security == [{"apiKey": [needs]}], operation
            assert {"401", "403"} <= set(operations[operation]["responses"]), operation
