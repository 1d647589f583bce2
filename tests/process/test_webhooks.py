"""Webhooks against real servers (uvicorn processes, or the app in process where a setting
differs) and real receivers (``tests.support.receiver``: ``http.server`` on loopback). The
events posted are MADE UP (``tests.support.bodies``).

Timings are shortened by settings (retries from 0.2 s, leases of 2 s, disabled after failing
for 2 s, a receiver's timeout 1.5 s) so that the file stays cheap; one server serves the
tests that can share it, each with webhooks of its own that it deletes when done."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from service.settings import Settings
from tests.support.backend import database_url
from tests.support.bodies import made_up_control, made_up_follow_up
from tests.support.receiver import Receiver, receiving
from tests.support.server import CLI, running_server, server_env, server_process
from tests.support.stream_client import Subscriber

KEY = "webhook-test-admin-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
FAST = {
    "POLICY_TIMELINE_ADMIN_KEY": KEY,
    "POLICY_TIMELINE_WEBHOOK_ALLOW_PRIVATE": "true",
    "POLICY_TIMELINE_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
    "POLICY_TIMELINE_WEBHOOK_RETRY_MAX_SECONDS": "0.5",
    "POLICY_TIMELINE_WEBHOOK_DISABLE_AFTER_SECONDS": "2",
    "POLICY_TIMELINE_WEBHOOK_LEASE_SECONDS": "2",
    "POLICY_TIMELINE_WEBHOOK_TIMEOUT_SECONDS": "1.5",
}
CONTROLS = "active-export-controls"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    directory = tmp_path_factory.mktemp("webhooks")
    with running_server(directory, **FAST) as (base, _):
        yield base, directory


@pytest.fixture
def admin(served: tuple[str, Path]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served[0], headers=AUTH, timeout=20) as client:
        yield client
        for hook in client.get("/webhooks").json()["items"]:  # each test's own
            client.delete(f"/webhooks/{hook['id']}")


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def create(client: httpx.Client, url: str, view: str = CONTROLS, **extra: Any) -> dict[str, Any]:
    answer = client.post("/webhooks", json={"url": url, "view": view, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def post_controls(client: httpx.Client, n: int, **fields: Any) -> list[int]:
    """``n`` made-up controls, each a new policy (an ``added`` change); their positions."""
    positions = []
    for _ in range(n):
        body = made_up_control(event_id=str(uuid4()), policy_id=f"xx-wh-{uuid4().hex[:10]}")
        answer = client.post("/events", json={**body, **fields})
        assert answer.status_code == 201, answer.text
        positions.append(answer.json()["position"])
    return positions


def ids(view: str, positions: list[int]) -> list[str]:
    return [str(p) if view == "events" else f"{p}@{today()}" for p in positions]


def received_ids(receiver: Receiver, path: str, ok_only: bool = False) -> list[str]:
    return [r.id for r in receiver.at(path, ok_only)]


def cli(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``policy-timeline`` on the test server's store (loopback receivers allowed)."""
    env = server_env(directory, POLICY_TIMELINE_WEBHOOK_ALLOW_PRIVATE="true")
    return subprocess.run(
        [*CLI, *args], env=env, cwd=directory, capture_output=True, text=True, timeout=60
    )


def collapsed(values: list[str]) -> list[str]:
    """Repeats in a row counted once (a change sent again after a crash)."""
    return [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]


def wait_until(check: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return found


# --- the routes ----------------------------------------------------------------------------


def test_create_list_read_change_and_delete(
    admin: httpx.Client, receiver: Receiver, served: tuple[str, Path]
) -> None:
    url = receiver.url("/crud")
    filters = {"material": ["Dy"], "status": ["in_force"]}
    created = create(admin, url, filters=filters, description="made-up receiver")
    assert created["id"].startswith("wh_") and created["url"] == url
    assert (created["view"], created["filters"]) == (CONTROLS, filters)
    assert created["description"] == "made-up receiver" and created["enabled"] is True
    assert created["created_by"] == "admin" and created["created_at"].startswith(today())
    assert created["cursor"] == f"{admin.get('/events?limit=1').json()['position']}@{today()}"
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32
    listed = admin.get("/webhooks").json()["items"]
    one = admin.get(f"/webhooks/{created['id']}").json()
    assert listed == [one] and "secret" not in one
    assert one == {k: v for k, v in created.items() if k != "secret"}

    path = f"/webhooks/{created['id']}"
    off = admin.patch(path, json={"enabled": False}).json()
    assert off["enabled"] is False and off["disabled_reason"] == "disabled by admin"
    on = admin.patch(path, json={"enabled": True, "description": "renamed"}).json()
    assert on["enabled"] is True and on["disabled_reason"] is None
    assert on["description"] == "renamed"
    assert admin.get(f"{path}/deliveries").json() == {"items": [], "next_before": None}
    assert admin.delete(path).json()["id"] == created["id"]
    for method, tail in (("GET", ""), ("DELETE", ""), ("GET", "/deliveries")):
        gone = admin.request(method, path + tail)
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    assert admin.patch(path, json={"enabled": True}).status_code == 404
    assert admin.post(f"{path}/redeliver", params={"after": "1"}).status_code == 404

    # A webhook created with the CLI, on the store, is delivered by the running server.
    directory = served[1]
    made = cli(directory, "webhooks", "create", "--url", receiver.url("/cli"), "--view",
               "events", "--filter", "type=ExportControlImposed", "--json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    hook = json.loads(made.stdout)
    assert hook["filters"] == {"type": ["ExportControlImposed"]}
    listing = cli(directory, "webhooks", "list", "--json")
    assert [h["id"] for h in json.loads(listing.stdout)] == [hook["id"]]
    [position] = post_controls(admin, 1)
    receiver.wait(lambda: received_ids(receiver, "/cli", ok_only=True) == [str(position)])
    wait_until(lambda: admin.get(f"/webhooks/{hook['id']}").json()["cursor"] == str(position))
    tried = json.loads(cli(directory, "webhooks", "deliveries", hook["id"], "--json").stdout)
    assert [(t["point_id"], t["status_code"]) for t in tried] == [(str(position), 200)]
    assert cli(directory, "webhooks", "delete", hook["id"]).returncode == 0
    assert cli(directory, "webhooks", "delete", hook["id"]).returncode == 1


def test_only_admins_may_touch_webhooks(admin: httpx.Client, receiver: Receiver) -> None:
    hook = create(admin, receiver.url("/access"))
    keys = {"unknown": "pt_made_up"}
    for role in ("reader", "editor"):
        made = admin.post("/keys", json={"name": f"made-up-wh-{role}", "role": role})
        keys[role] = made.json()["key"]
    path = f"/webhooks/{hook['id']}"
    operations = [
        ("POST", "/webhooks", {"url": receiver.url("/x"), "view": "events"}),
        ("GET", "/webhooks", None), ("GET", path, None),
        ("PATCH", path, {"enabled": False}), ("DELETE", path, None),
        ("GET", f"{path}/deliveries", None), ("POST", f"{path}/redeliver?after=1", None),
    ]  # fmt: skip
    with httpx.Client(base_url=str(admin.base_url), timeout=20) as anyone:
        for method, url, body in operations:
            for caller in (None, "unknown", "reader", "editor"):
                headers = {"Authorization": f"Bearer {keys[caller]}"} if caller else {}
                answer = anyone.request(method, url, json=body, headers=headers)
                expected = 403 if caller in ("reader", "editor") else 401
                assert answer.status_code == expected, (method, url, caller, answer.text)
                code = answer.json()["error"]["code"]
                assert code == ("forbidden" if expected == 403 else "unauthorized")
    assert admin.get(path).json() == {k: v for k, v in hook.items() if k != "secret"}
    assert len(admin.get("/webhooks").json()["items"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://example.org/hook", "view": "no-such-view"}, "view"),
        ({"url": "https://example.org/hook", "view": "funding", "filters": {"status": ["x"]}},
         "filters.status"),
        ({"url": "https://example.org/hook", "view": CONTROLS, "filters": {"status": ["gone"]}},
         "filters.status.0"),
        ({"url": "https://example.org/hook", "view": "events", "filters": {"type": ["Nope"]}},
         "filters.type"),
        ({"url": "https://example.org/hook", "view": CONTROLS,
          "filters": {"min_confidence": "sure"}}, "filters.min_confidence"),
        ({"url": "https://example.org/hook", "view": "timeline", "filters": {"from": "soon"}},
         "filters.from"),
        ({"url": "ftp://example.org/hook", "view": "events"}, "url"),
        ({"url": "not a url", "view": "events"}, "url"),
        ({"url": "http://user:password@example.org/", "view": "events"}, "url"),
        ({"url": "http://does-not-resolve.invalid/", "view": "events"}, "url"),
        ({"view": "events"}, "url"),
        ({"url": "https://example.org/hook", "view": "events", "secret": "mine"}, "secret"),
        ({"url": "https://example.org/hook", "view": "events", "description": "x" * 501},
         "description"),
    ],
)  # fmt: skip
def test_bad_webhooks_are_refused(admin: httpx.Client, body: dict[str, Any], field: str) -> None:
    answer = admin.post("/webhooks", json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid" and field in [d["field"] for d in error["details"]]
    assert admin.get("/webhooks").json()["items"] == []


def test_bad_changes_and_redeliveries_are_refused(admin: httpx.Client, receiver: Receiver) -> None:
    hook = create(admin, receiver.url("/bad"))
    path = f"/webhooks/{hook['id']}"
    assert admin.patch(path, json={"enabled": True, "url": "x"}).status_code == 422
    malformed = admin.patch(path, content=b"{", headers={"Content-Type": "application/json"})
    assert malformed.json()["error"]["code"] == "malformed_json"
    plain = admin.patch(path, content=b"{}", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    for after, status in (("abc", 422), ("99999999", 409), ("1@2999-01-01", 422), ("", 422)):
        answer = admin.post(f"{path}/redeliver", params={"after": after})
        assert answer.status_code == status, (after, answer.text)
    assert admin.post(f"{path}/redeliver").status_code == 422
    assert admin.get(path).json()["cursor"] == hook["cursor"]


# --- deliveries ----------------------------------------------------------------------------


def test_each_change_is_the_stream_message_signed(admin: httpx.Client, receiver: Receiver) -> None:
    """What a webhook gets is what the stream with the same filters sends, message for
    message: the same ids and the same JSON, signed so that standardwebhooks verifies it."""
    view_hook = create(admin, receiver.url("/signed-view"), filters={"material": "Dy"})
    log_hook = create(admin, receiver.url("/signed-log"), view="events",
                      filters={"type": ["ExportControlSuspended"]})  # fmt: skip
    base = str(admin.base_url)
    subscribers = [
        Subscriber(base, f"/views/{CONTROLS}/stream", {"material": "Dy"},
                   after=view_hook["cursor"], quiet=0.5),
        Subscriber(base, "/events/stream", {"type": "ExportControlSuspended"},
                   after=log_hook["cursor"], quiet=0.5),
    ]  # fmt: skip
    for subscriber in subscribers:
        subscriber.start()
        assert subscriber.connected.wait(10)
    dy = post_controls(admin, 2)
    post_controls(admin, 1, materials=["gallium"], title="Made-up test control on gallium")
    policy = admin.get(f"/events?after={dy[0] - 1}&limit=1").json()["items"][0]["event"]
    suspension = made_up_follow_up(
        "ExportControlSuspended", event_id=str(uuid4()), policy_id=policy["policy_id"],
        announced_on="2025-05-01", until=None,
    )  # fmt: skip
    suspended = admin.post("/events", json=suspension)
    assert suspended.status_code == 201, suspended.text
    receiver.wait(lambda: len(receiver.at("/signed-view")) >= 3 and receiver.at("/signed-log"))
    for subscriber in subscribers:
        subscriber.done.set()
        subscriber.join(10)
        assert subscriber.error is None
    for path, hook, subscriber in (
        ("/signed-view", view_hook, subscribers[0]),
        ("/signed-log", log_hook, subscribers[1]),
    ):
        got = receiver.at(path)
        assert [(r.id, r.verified(hook["secret"])) for r in got] == [
            (m[0], m[2]) for m in subscriber.messages
        ]
        for r in got:
            assert r.headers["content-type"] == "application/json"
            assert r.headers["webhook-signature"].startswith("v1,")
            assert abs(int(r.headers["webhook-timestamp"]) - time.time()) < 60
            with pytest.raises(WebhookVerificationError):
                Webhook(hook["secret"]).verify(r.body + b" ", r.headers)
            with pytest.raises(WebhookVerificationError):
                Webhook(view_hook["secret"] if hook is log_hook else log_hook["secret"]).verify(
                    r.body, r.headers
                )
    assert [r.id for r in receiver.at("/signed-view")][:2] == ids(CONTROLS, dy)
    assert [r.id for r in receiver.at("/signed-log")] == [str(suspended.json()["position"])]


def test_a_failing_receiver_gets_every_change_once_in_order(
    admin: httpx.Client, receiver: Receiver
) -> None:
    url = receiver.script("/flaky", [500, 500, 200])
    hook = create(admin, url)
    expected = ids(CONTROLS, post_controls(admin, 3))
    receiver.wait(lambda: received_ids(receiver, "/flaky", ok_only=True) == expected)
    assert received_ids(receiver, "/flaky") == [expected[0]] * 3 + expected[1:]
    state = wait_until(
        lambda: (s := admin.get(f"/webhooks/{hook['id']}").json())["cursor"] == expected[-1] and s
    )  # stored once the last answer is in (the receiver records it as it answers)
    assert state["failures"] == 0
    assert state["failing_since"] is None and state["last_delivered_at"] is not None
    tried = admin.get(f"/webhooks/{hook['id']}/deliveries").json()["items"][::-1]
    assert [(t["point_id"], t["status_code"]) for t in tried] == [
        (expected[0], 500),
        (expected[0], 500),
        *((i, 200) for i in expected),
    ]
    first = tried[0]
    assert first["error"] == "answered 500" and first["duration_ms"] >= 0
    wait = datetime.fromisoformat(first["next_retry_at"]) - datetime.fromisoformat(first["at"])
    assert 0.099 <= wait.total_seconds() <= 0.201  # the first retry within the base (0.2 s here)
    assert all(t["next_retry_at"] is None and t["error"] is None for t in tried[2:])


def test_redeliver_sends_the_changes_after_a_point_again(
    admin: httpx.Client, receiver: Receiver
) -> None:
    hook = create(admin, receiver.url("/again"), view="events")
    expected = ids("events", post_controls(admin, 3))
    receiver.wait(lambda: received_ids(receiver, "/again") == expected)
    moved = admin.post(f"/webhooks/{hook['id']}/redeliver", params={"after": expected[0]})
    assert moved.status_code == 200 and moved.json()["cursor"] == expected[0]
    receiver.wait(lambda: received_ids(receiver, "/again") == expected + expected[1:])
    time.sleep(0.5)
    assert received_ids(receiver, "/again") == expected + expected[1:]


def test_a_webhook_failing_past_the_limit_is_disabled_until_enabled(
    admin: httpx.Client, receiver: Receiver
) -> None:
    url = receiver.script("/down", [503])
    hook = create(admin, url)
    path = f"/webhooks/{hook['id']}"
    [expected] = ids(CONTROLS, post_controls(admin, 1))
    disabled = wait_until(lambda: (s := admin.get(path).json())["enabled"] is False and s, 15)
    assert disabled["disabled_reason"].startswith("failing since")
    assert "answered 503" in disabled["disabled_reason"] and disabled["next_attempt_at"] is None
    tried = admin.get(f"{path}/deliveries").json()["items"]
    assert len(tried) >= 3 and {t["status_code"] for t in tried} == {503}
    assert tried[0]["next_retry_at"] is None  # the last one: not tried again
    count = len(receiver.at("/down"))
    time.sleep(1.0)
    assert len(receiver.at("/down")) == count  # disabled: no more attempts

    receiver.script("/down", [200])
    enabled = admin.patch(path, json={"enabled": True}).json()
    assert enabled["enabled"] is True and enabled["failures"] == 0
    assert enabled["failing_since"] is None and enabled["disabled_reason"] is None
    receiver.wait(lambda: received_ids(receiver, "/down", ok_only=True) == [expected])
    wait_until(lambda: admin.get(path).json()["cursor"] == expected, 5)


def test_a_hanging_receiver_holds_up_neither_other_webhooks_nor_the_api(
    admin: httpx.Client, receiver: Receiver
) -> None:
    create(admin, receiver.script("/hang", [200], delay=5), view="events")
    create(admin, receiver.url("/quick"), view="events")
    time.sleep(0.5)
    [position] = post_controls(admin, 1)
    posted = time.monotonic()
    receiver.wait(lambda: receiver.arrived("/hang"))
    receiver.wait(lambda: receiver.at("/quick"), timeout=5)
    assert receiver.at("/quick")[0].at - posted < 1.5
    started = time.monotonic()
    assert admin.get("/healthz").status_code == 200
    assert time.monotonic() - started < 2.0  # well inside the receiver's 5 s
    hanging = wait_until(
        lambda: [h for h in admin.get("/webhooks").json()["items"] if h["failures"]], 10
    )
    tried = admin.get(f"/webhooks/{hanging[0]['id']}/deliveries").json()["items"]
    assert tried[-1]["error"] == "no answer within 1.5 s"
    assert tried[-1]["point_id"] == str(position)


def test_addresses_that_are_not_public_are_refused_without_the_setting(
    tmp_path: Path, receiver: Receiver
) -> None:
    """With POLICY_TIMELINE_WEBHOOK_ALLOW_PRIVATE off (the default), at creation, and again at
    delivery time (a webhook whose name resolved to a public address when it was made)."""
    import asyncio

    from service.http.app import create_app

    settings = Settings(
        database_url=database_url(tmp_path), admin_key=KEY, state_dir=tmp_path, load_demo=False,
        webhook_retry_base_seconds=0.2, _env_file=None,  # type: ignore[call-arg]
    )  # fmt: skip
    assert settings.webhook_allow_private is False

    async def run() -> None:
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://timeline", headers=AUTH
            ) as client:
                for url in (
                    receiver.url("/private"),
                    f"http://localhost:{receiver.port}/",
                    "http://[::1]/", "http://10.0.0.1/", "http://192.168.1.1/hook",
                    "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/",
                    "http://100.100.100.200/", "http://0x7f000001/", "http://2130706433/",
                    "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://224.0.0.1/",
                    "http://100.64.0.1/",
                ):  # fmt: skip
                    answer = await client.post("/webhooks", json={"url": url, "view": "events"})
                    assert answer.status_code == 422, (url, answer.text)
                    assert answer.json()["error"]["details"][0]["field"] == "url"
                    assert "public addresses only" in answer.json()["error"]["message"]
                # As if its name had resolved to a public address when it was created.
                store = app.state.webhooks.store
                hook = store.create(receiver.url("/rebound"), "events", {}, "", cursor="0",
                                    secret="whsec_" + "A" * 43, by="test")  # fmt: skip
                app.state.webhooks.changed()
                answer = await client.post("/events", json=made_up_control())
                assert answer.status_code == 201, answer.text
                for _ in range(200):
                    tried = (await client.get(f"/webhooks/{hook.id}/deliveries")).json()
                    if tried["items"]:
                        break
                    await asyncio.sleep(0.05)
                first = tried["items"][-1]
                assert first["status_code"] is None and first["point_id"] == "1"
                assert first["error"].startswith("refused: 127.0.0.1 a loopback address")

    asyncio.run(run())
    assert receiver.at("/rebound") == [] and receiver.arrived("/rebound") == []


# --- crashes and several processes ---------------------------------------------------------


def test_a_server_killed_mid_delivery_resumes_with_nothing_lost(
    tmp_path: Path, receiver: Receiver
) -> None:
    url = receiver.script("/slow", [200], delay=0.4)
    with server_process(tmp_path, **FAST) as (base, _, process):
        client = httpx.Client(base_url=base, headers=AUTH, timeout=20)
        create(client, url, view="events")
        expected = ids("events", post_controls(client, 8))
        receiver.wait(lambda: len(receiver.arrived("/slow")) >= 3)  # being answered (0.4 s)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        in_flight = receiver.arrived("/slow")[-1]
    with running_server(tmp_path, **FAST):
        receiver.wait(lambda: collapsed(received_ids(receiver, "/slow")) == expected, 30)
    got = received_ids(receiver, "/slow")
    assert collapsed(got) == expected
    # At most the change in flight when the server died was sent again, with the same id.
    assert [i for i in expected if got.count(i) > 1] in ([], [in_flight])


def test_two_processes_deliver_each_change_once_and_take_over_from_each_other(
    tmp_path: Path, receiver: Receiver
) -> None:
    with ExitStack() as stack:
        first, _, first_process = stack.enter_context(server_process(tmp_path, **FAST))
        second, _ = stack.enter_context(running_server(tmp_path, **FAST))
        clients = [
            stack.enter_context(httpx.Client(base_url=b, headers=AUTH, timeout=20))
            for b in (first, second)
        ]
        hooks = {
            f"/two-{n}": create(clients[n % 2], receiver.url(f"/two-{n}"),
                                view="events" if n % 2 else CONTROLS)
            for n in range(4)
        }  # fmt: skip
        time.sleep(1.5)  # a few lease rounds: the webhooks are shared out
        positions = [p for n in range(6) for p in post_controls(clients[n % 2], 1)]
        for path, hook in hooks.items():
            want = ids(hook["view"], positions)
            count = len(want)
            receiver.wait(lambda p=path, n=count: len(received_ids(receiver, p)) >= n)
            assert received_ids(receiver, path) == want  # each once, in order
        by = {
            t["delivered_by"]
            for hook in hooks.values()
            for t in clients[1].get(f"/webhooks/{hook['id']}/deliveries").json()["items"]
        }
        assert len(by) == 2, by  # both processes delivered

        # The first process dies: the second takes over its webhooks (and projects, if the
        # first did) once their leases run out.
        os.kill(first_process.pid, signal.SIGKILL)
        first_process.wait()
        later = post_controls(clients[1], 4)
        for path, hook in hooks.items():
            want = ids(hook["view"], positions + later)
            receiver.wait(lambda p=path, w=want: collapsed(received_ids(receiver, p)) == w, 30)
            assert len(received_ids(receiver, path)) - len(want) <= 1


def test_https_receivers_are_checked_against_the_urls_host(tmp_path: Path) -> None:
    """The connection goes to the address that was checked, while TLS names the URL's host
    (SNI) and checks the certificate against it; a kept-alive connection serves the next
    attempt."""
    import asyncio
    import shutil
    import ssl

    from service.webhooks.sender import Sender
    from service.webhooks.signing import Signer, new_secret
    from service.webhooks.ssrf import parse_target

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    served_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served_tls.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    secret = new_secret()
    body = b'{"made_up":true}'
    with receiving(served_tls) as receiver:
        named = f"https://localhost:{receiver.port}/tls"

        async def attempts() -> list[Any]:
            senders = [
                Sender(parse_target(named), Signer(secret), True, 5, tls=trusting),
                Sender(parse_target(receiver.url("/tls")), Signer(secret), True, 5, tls=trusting),
                Sender(parse_target(named), Signer(secret), True, 5),  # the system's CAs
            ]
            outcomes = [await senders[0].send("1", body), await senders[0].send("2", body)]
            outcomes += [await senders[1].send("3", body), await senders[2].send("4", body)]
            for sender in senders:
                sender.close()
            return outcomes

        outcomes = asyncio.run(attempts())
        got = receiver.at("/tls")
    assert [o.status_code for o in outcomes[:2]] == [200, 200]
    assert "IP address mismatch" in outcomes[2].error  # https://127.0.0.1: not the cert's name
    assert "CERTIFICATE_VERIFY_FAILED" in outcomes[3].error  # a certificate nobody vouches for
    assert [r.id for r in got] == ["1", "2"]
    assert got[0].headers["host"] == f"localhost:{receiver.port}"
    assert [r.verified(secret) for r in got] == [{"made_up": True}] * 2
