"""Bad input: each case gets a clear 4xx in the API's error shape and changes nothing.

Every case runs against the bundled real timeline; the log (its position and its full
contents) is compared before and after.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import uuid4

import httpx
import pytest
import pytest_asyncio

from projections.registry import DATED_VIEWS, VIEWS
from service.http.app import create_app
from service.settings import Settings
from tests.support.backend import database_url
from tests.support.bodies import ADMIN_KEY, AUTH, made_up_control, made_up_follow_up

# The async tests share one app (and so one event loop) for the module.
in_module_loop = pytest.mark.asyncio(loop_scope="module")

BODY_LIMIT = 200_000
REAL_EVENT_ID = "bd855795-8974-5ddc-9d74-957a68751758"  # the first line of the bundled file
SUSPENDED_POLICY = "cn-us-gagesb-2024"

Body = dict[str, Any] | list[Any] | bytes | Callable[[dict[str, Any]], Any] | None


def real(index: int = 0, **changes: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A bundled real event with some fields changed (so the body is otherwise valid)."""

    def build(events: dict[str, Any]) -> dict[str, Any]:
        body = dict(events["list"][index])
        for name, value in changes.items():
            if value is ...:
                body.pop(name, None)
            else:
                body[name] = value
        return body

    return build


def fresh(**changes: Any) -> dict[str, Any]:
    """A made-up control with a fresh event id, changed as given."""
    return made_up_control(**{"event_id": str(uuid4()), **changes})


def twice(key: str, first: str, second: str) -> bytes:
    """A made-up control whose JSON names ``key`` twice (first with ``first``)."""
    body = json.dumps(fresh(**{key: second}))
    return body.replace("{", "{" + json.dumps(key) + ": " + json.dumps(first) + ", ", 1).encode()


CASES: list[tuple[str, str, str, Body, int, str]] = [
    ("unknown type", "POST", "/events", fresh(type="ExportControlInvented"), 422, "invalid"),
    ("missing type", "POST", "/events", {k: v for k, v in fresh().items() if k != "type"}, 422, "invalid"),
    ("missing title", "POST", "/events", {k: v for k, v in fresh().items() if k != "title"}, 422, "invalid"),
    ("title of 100 kB", "POST", "/events", fresh(title="x" * 100_000), 422, "invalid"),
    ("blank title", "POST", "/events", fresh(title="   "), 422, "invalid"),
    ("until before from", "POST", "/events", fresh(effective_from="2025-05-01", effective_until="2025-04-01"), 422, "invalid"),
    ("until equal to from", "POST", "/events", fresh(effective_from="2025-05-01", effective_until="2025-05-01"), 422, "invalid"),
    ("30 February", "POST", "/events", fresh(announced_on="2025-02-30"), 422, "invalid"),
    ("date as a number", "POST", "/events", fresh(announced_on=20250404), 422, "invalid"),
    ("negative amount", "POST", "/events", real(0, amount={"value": "-5", "currency": "USD"}), 422, "invalid"),
    ("non-numeric amount", "POST", "/events", real(0, amount={"value": "lots", "currency": "USD"}), 422, "invalid"),
    ("amount as a float", "POST", "/events", real(0, amount={"value": 28.8e6, "currency": "USD"}), 422, "invalid"),
    ("currency XXX1", "POST", "/events", real(0, amount={"value": "5", "currency": "XXX1"}), 422, "invalid"),
    ("jurisdiction ZZZ", "POST", "/events", fresh(jurisdiction="ZZZ"), 422, "invalid"),
    ("empty material", "POST", "/events", fresh(materials=[""]), 422, "invalid"),
    ("500-character material", "POST", "/events", fresh(materials=["m" * 500]), 422, "invalid"),
    ("no materials", "POST", "/events", fresh(materials=[]), 422, "invalid"),
    ("materials as a string", "POST", "/events", fresh(materials="Dy"), 422, "invalid"),
    ("extra field", "POST", "/events", fresh(severity="high"), 422, "invalid"),
    ("title as a number", "POST", "/events", fresh(title=123), 422, "invalid"),
    ("no sources", "POST", "/events", fresh(sources=[]), 422, "invalid"),
    ("source url not http", "POST", "/events", fresh(sources=[{"title": "t", "url": "javascript:alert(1)"}]), 422, "invalid"),
    ("unknown date precision", "POST", "/events", fresh(date_precision="week"), 422, "invalid"),
    ("policy id not a slug", "POST", "/events", fresh(policy_id="Bad ID!"), 422, "invalid"),
    ("non-UUID event_id", "POST", "/events", fresh(event_id="event-1"), 422, "invalid"),
    ("negative expected_version", "POST", "/events", fresh(expected_version=-1), 422, "invalid"),
    ("suspension ends before it starts", "POST", "/events", made_up_follow_up("ExportControlSuspended", policy_id=SUSPENDED_POLICY, announced_on="2025-06-01", until="2025-05-01"), 422, "invalid"),
    ("follow-up without policy_id", "POST", "/events", {k: v for k, v in made_up_follow_up("ExportControlLifted").items() if k != "policy_id"}, 422, "policy_id_required"),
    ("JSON array body", "POST", "/events", [made_up_control()], 422, "invalid"),
    ("malformed JSON", "POST", "/events", b'{"type": "ExportControlImposed",', 400, "malformed_json"),
    ("empty body", "POST", "/events", b"", 400, "empty_body"),
    ("body over the size limit", "POST", "/events", fresh(summary="x" * (BODY_LIMIT + 10)), 413, "payload_too_large"),
    ("suspend a never-imposed control", "POST", "/events", made_up_follow_up("ExportControlSuspended", policy_id="xx-never-imposed"), 409, "policy_not_found"),
    ("suspend a suspended control again", "POST", "/events", made_up_follow_up("ExportControlSuspended", policy_id=SUSPENDED_POLICY, announced_on="2025-12-01"), 409, "already_suspended"),
    ("fund a control", "POST", "/events", made_up_follow_up("FundingCancelled", policy_id=SUSPENDED_POLICY), 409, "wrong_policy_kind"),
    ("impose an existing policy again", "POST", "/events", fresh(policy_id=SUSPENDED_POLICY), 409, "policy_exists"),
    ("correction of a missing event", "POST", "/events", made_up_follow_up("EventCorrected", corrects=str(uuid4()), changes={"title": "x"}, reason="r"), 409, "event_not_found"),
    ("correction that changes the type", "POST", "/events", made_up_follow_up("EventCorrected", policy_id=None, corrects=REAL_EVENT_ID, changes={"type": "TariffImposed"}, reason="r"), 422, "invalid_correction"),
    ("correction making the event invalid", "POST", "/events", made_up_follow_up("EventCorrected", policy_id=None, corrects=REAL_EVENT_ID, changes={"mechanism": "gift"}, reason="r"), 422, "invalid_correction"),
    ("stale expected_version", "POST", "/events", made_up_follow_up("ExportControlLifted", policy_id=SUSPENDED_POLICY, expected_version=1), 409, "version_conflict"),
    ("reused event_id, other body", "POST", "/events", real(0, title="A different title"), 409, "event_id_reused"),
    ("batch with one bad event", "POST", "/events/batch", {"events": [fresh(), fresh(jurisdiction="ZZZ")]}, 422, "invalid"),
    ("batch with one refused event", "POST", "/events/batch", {"events": [fresh(policy_id="xx-batch-one"), made_up_follow_up("ExportControlLifted", policy_id="xx-no-such")]}, 409, "policy_not_found"),
    ("empty batch", "POST", "/events/batch", {"events": []}, 422, "invalid"),
    ("batch as a bare list", "POST", "/events/batch", [made_up_control()], 422, "invalid"),
    ("paging cursor garbage", "GET", "/events?after=abc", None, 422, "invalid"),
    ("negative cursor", "GET", "/events?after=-1", None, 422, "invalid"),
    ("page too large", "GET", "/events?limit=100000", None, 422, "invalid"),
    ("unknown type filter", "GET", "/events?type=Nope", None, 422, "invalid"),
    ("event id path not a UUID", "GET", "/events/not-a-uuid", None, 422, "invalid"),
    ("unknown event", "GET", f"/events/{uuid4()}", None, 404, "not_found"),
    ("unknown policy", "GET", "/policies/xx-nothing-here", None, 404, "not_found"),
    ("unknown policy kind filter", "GET", "/policies?kind=treaty", None, 422, "invalid"),
    ("unknown route", "GET", "/nowhere", None, 404, "not_found"),
    ("view: known_at garbage", "GET", "/views/funding?known_at=last+tuesday", None, 422, "invalid"),
    ("view: position that is no number", "GET", "/views/funding?known_at=position=ten", None, 422, "invalid"),
    ("view: impossible date", "GET", "/views/active-export-controls?at=2025-02-30", None, 422, "invalid"),
    ("view: position beyond the log", "GET", "/views/goals?min_position=999999", None, 409, "position_not_recorded"),
    ("view: known position beyond the log", "GET", "/views/goals?known_at=position=999999", None, 422, "position_not_recorded"),
    ("view: unknown group", "GET", "/views/funding?group_by=planet", None, 422, "invalid"),
    ("view: unknown status", "GET", "/views/active-export-controls?status=revoked", None, 422, "invalid"),
    ("view: empty material", "GET", "/views/active-export-controls?material=", None, 422, "invalid"),
    ("view: unknown material view", "GET", "/views/materials/%20", None, 422, "invalid"),
    ("view: search without words", "GET", "/views/timeline?q=%22%20%22", None, 422, "invalid"),
    ("view: unknown event type", "GET", "/views/timeline?type=Nope", None, 422, "invalid"),
    ("view: no such view", "GET", "/views/prices", None, 404, "not_found"),
    ("stream: resume point garbage", "GET", "/views/funding/stream?after=yesterday", None, 422, "invalid"),
    ("stream: resume point beyond the log", "GET", "/views/goals/stream?after=999999", None, 409, "position_not_recorded"),
    ("stream: resume day after today", "GET", "/views/goals/stream?after=3@2999-01-01", None, 422, "invalid"),
    ("stream: impossible resume day", "GET", "/views/goals/stream?after=3@2025-02-30", None, 422, "invalid"),
    ("stream: empty material", "GET", "/views/active-export-controls/stream?material=", None, 422, "invalid"),
    ("stream: unknown status", "GET", "/views/active-export-controls/stream?status=revoked", None, 422, "invalid"),
    ("log stream: unknown event type", "GET", "/events/stream?type=Nope", None, 422, "invalid"),
    ("timeline stream: impossible from date", "GET", "/views/timeline/stream?from=2025-13-01", None, 422, "invalid"),
    ("diff without dates", "GET", "/diff?view=funding", None, 422, "invalid"),
    ("diff of both kinds at once", "GET", "/diff?view=funding&from=2025-01-01&to=2025-02-01&known_from=2025-01-01&known_to=2025-02-01", None, 422, "invalid"),
    ("rebuild of no such view", "POST", "/views/prices/rebuild", None, 404, "not_found"),
    ("policy read: known_at garbage", "GET", "/policies/cn-7ree-2025?known_at=soon", None, 422, "invalid"),
    ("wrong method", "PUT", "/events", fresh(), 405, "method_not_allowed"),
    ("NUL in a title", "POST", "/events", fresh(title="made-up \u0000 title"), 422, "invalid"),
    ("NUL in a source title", "POST", "/events", fresh(sources=[{"title": "a\u0000", "url": None}]), 422, "invalid"),
    ("NUL in a batch's third event", "POST", "/events/batch", {"events": [fresh(), fresh(), fresh(agency="x\u0000")]}, 422, "invalid"),
    ("NUL in a search", "GET", "/views/timeline?q=%00", None, 422, "invalid"),
    ("NUL in a policy id path", "GET", "/policies/cn%00", None, 422, "invalid"),
    ("known_at position in superscript digits", "GET", "/events?known_at=position=%C2%B2", None, 422, "invalid"),
    ("known_at position beyond 64 bits", "GET", "/policies/cn-7ree-2025?known_at=position=99999999999999999999", None, 422, "invalid"),
    ("known_at past year 9999 in UTC", "GET", "/events?known_at=9999-12-31T23:59:59-12:00", None, 422, "invalid"),
    ("log cursor beyond 64 bits", "GET", "/events?after=9223372036854775808", None, 422, "invalid"),
    ("funding series before year 1", "GET", "/views/funding?series=month&months=600&at=0040-01-01", None, 422, "invalid"),
    ("stream point in superscript digits", "GET", "/events/stream?after=%C2%B2", None, 422, "invalid"),
    ("key: unknown role", "POST", "/keys", {"name": "made-up-bob", "role": "boss"}, 422, "invalid"),
    ("key: no role", "POST", "/keys", {"name": "made-up-bob"}, 422, "invalid"),
    ("key: name with a space", "POST", "/keys", {"name": "bob smith", "role": "reader"}, 422, "invalid"),
    ("key: name of 65 characters", "POST", "/keys", {"name": "b" * 65, "role": "reader"}, 422, "invalid"),
    ("key: empty name", "POST", "/keys", {"name": "", "role": "reader"}, 422, "invalid"),
    ("key: extra field", "POST", "/keys", {"name": "made-up-bob", "role": "reader", "key": "mine"}, 422, "invalid"),
    ("key: reserved name", "POST", "/keys", {"name": "admin", "role": "admin"}, 409, "conflict"),
    ("key: malformed JSON", "POST", "/keys", b'{"name": "made-up-bob",', 400, "malformed_json"),
    ("key: body over the size limit", "POST", "/keys", {"name": "x" * (BODY_LIMIT + 10), "role": "reader"}, 413, "payload_too_large"),
    ("key: revoke an unknown key", "DELETE", "/keys/made-up-nobody", None, 404, "not_found"),
    ("key: revoke a malformed name", "DELETE", "/keys/bad%20name", None, 422, "invalid"),
    ("a key named twice", "POST", "/events", twice("policy_id", "xx-madeup-a", "xx-madeup-b"), 400, "duplicate_key"),
    ("a key named twice in a source", "POST", "/events", json.dumps(fresh()).replace('"url": null', '"url": null, "url": null').encode(), 400, "duplicate_key"),
    ("a key named twice in a batch", "POST", "/events/batch", b'{"events": [' + twice("title", "a", "b") + b"]}", 400, "duplicate_key"),
    ("key: a key named twice", "POST", "/keys", b'{"name": "made-up-a", "role": "reader", "name": "made-up-b"}', 400, "duplicate_key"),
    ("announced in year 1", "POST", "/events", fresh(announced_on="0001-01-01"), 422, "invalid"),
    ("announced in 9999", "POST", "/events", fresh(announced_on="9999-12-31"), 422, "invalid"),
    ("announced in 1899", "POST", "/events", fresh(announced_on="1899-12-31"), 422, "invalid"),
    ("effective until 9999", "POST", "/events", fresh(effective_until="9999-12-31"), 422, "invalid"),
    ("effective from 2200", "POST", "/events", fresh(effective_from="2200-01-01"), 422, "invalid"),
    ("suspended until 9999", "POST", "/events", made_up_follow_up("ExportControlSuspended", policy_id=SUSPENDED_POLICY, until="9999-12-31"), 422, "invalid"),
    ("correction to year 1", "POST", "/events", made_up_follow_up("EventCorrected", policy_id=None, corrects=REAL_EVENT_ID, changes={"announced_on": "0001-01-01"}, reason="r"), 422, "invalid_correction"),
]  # fmt: skip
# Every view of the registry, read and stream, gets the same bad parameters.
CASES += [
    case
    for name, spec in VIEWS.items()
    for case in (
        (f"{name}: record time not understood", "GET", f"/views/{name}?known_at=yesterday", None, 422, "invalid"),
        (f"{name}: limit out of range", "GET", f"/views/{name}?limit=0", None, 422, "invalid"),
        (f"{name} stream: resume point not understood", "GET", f"/views/{name}/stream?after=x", None, 422, "invalid"),
        *(
            [(f"{name}: unknown status", "GET", f"/views/{name}?status=nope", None, 422, "invalid")]
            if spec.statuses
            else []
        ),
    )
]  # fmt: skip

# Atom feeds take the filters of the read or the log, and refuse alike (tests/api/test_feeds.py).
CASES += [
    ("log feed: unknown event type", "GET", "/events/feed.atom?type=Nope", None, 422, "invalid"),
    *(
        (f"{name} feed: confidence not understood", "GET", f"/views/{name}/feed.atom?min_confidence=sure", None, 422, "invalid")
        for name in VIEWS
    ),
]  # fmt: skip

# Acts and their measures (tests/api/test_acts.py has the rest).
CASES += [
    ("act: malformed id", "GET", "/acts/Not_A_Slug", None, 422, "invalid"),
    ("act: unknown", "GET", "/acts/xx-no-such-act", None, 404, "not_found"),
    ("act: valid date not understood", "GET", "/acts/cn-mofcom-2024-46?at=2026-13-01", None, 422, "invalid"),
    ("acts: record time not understood", "GET", "/acts?known_at=yesterday", None, 422, "invalid"),
]  # fmt: skip

# Screening (tests/api/test_screen.py has the rest).
CASES += [
    ("screen: neither hs_code nor material", "GET", "/screen?exporter=CN", None, 422, "invalid"),
    ("screen: hs_code not digits", "GET", "/screen?exporter=CN&hs_code=28.4x", None, 422, "invalid"),
]  # fmt: skip

# Counts over time of every view read by date (tests/api/test_counts.py has the rest).
CASES += [
    case
    for name in sorted(DATED_VIEWS)
    for case in (
        (f"{name} counts: no by", "GET", f"/views/{name}/counts", None, 422, "invalid"),
        (f"{name} counts: by a field it does not count", "GET", f"/views/{name}/counts?by=recipient", None, 422, "invalid"),
        (f"{name} counts: from after to", "GET", f"/views/{name}/counts?by=jurisdiction&from=2025-02-01&to=2025-01-31", None, 422, "invalid"),
        (f"{name} counts: over 400 buckets", "GET", f"/views/{name}/counts?by=jurisdiction&from=0001-01-01&to=9999-12-31&bucket=year", None, 422, "invalid"),
    )
]  # fmt: skip

# Bad credentials, one per operation that takes no other input.
# Webhooks (tests/process/test_webhooks.py has the rest). No loopback receiver here: the
# setting that allows private addresses is off.
HOOK = "https://example.org/made-up-receiver"
CASES += [
    ("webhook: unknown view", "POST", "/webhooks", {"url": HOOK, "view": "nope"}, 422, "invalid"),
    ("webhook: a filter the stream does not take", "POST", "/webhooks", {"url": HOOK, "view": "funding", "filters": {"status": ["active"]}}, 422, "invalid"),
    ("webhook: a filter value the stream refuses", "POST", "/webhooks", {"url": HOOK, "view": "goals", "filters": {"status": ["in_force"]}}, 422, "invalid"),
    ("webhook: ftp URL", "POST", "/webhooks", {"url": "ftp://example.org/x", "view": "events"}, 422, "invalid"),
    ("webhook: loopback URL", "POST", "/webhooks", {"url": "http://127.0.0.1:9/x", "view": "events"}, 422, "invalid"),
    ("webhook: metadata URL", "POST", "/webhooks", {"url": "http://169.254.169.254/latest", "view": "events"}, 422, "invalid"),
    ("webhook: no URL", "POST", "/webhooks", {"view": "events"}, 422, "invalid"),
    ("webhook: a secret of its own", "POST", "/webhooks", {"url": HOOK, "view": "events", "secret": "whsec_mine"}, 422, "invalid"),
    ("webhook: malformed JSON", "POST", "/webhooks", b'{"url": ', 400, "malformed_json"),
    ("webhook: read an unknown one", "GET", "/webhooks/wh_made_up", None, 404, "not_found"),
    ("webhook: change an unknown one", "PATCH", "/webhooks/wh_made_up", {"enabled": True}, 404, "not_found"),
    ("webhook: change its URL", "PATCH", "/webhooks/wh_made_up", {"url": HOOK}, 422, "invalid"),
    ("webhook: delete an unknown one", "DELETE", "/webhooks/wh_made_up", None, 404, "not_found"),
    ("webhook: deliveries of an unknown one", "GET", "/webhooks/wh_made_up/deliveries", None, 404, "not_found"),
    ("webhook: deliveries page over 1000", "GET", "/webhooks/wh_made_up/deliveries?limit=1001", None, 422, "invalid"),
    ("webhook: redeliver with no point", "POST", "/webhooks/wh_made_up/redeliver", None, 422, "invalid"),
    ("webhook: redeliver an unknown one", "POST", "/webhooks/wh_made_up/redeliver?after=1", None, 404, "not_found"),
]  # fmt: skip

CREDENTIAL_CASES: list[tuple[str, str, str, dict[str, str]]] = [
    ("webhook list: unknown key", "GET", "/webhooks", {"Authorization": "Bearer pt_made_up"}),
    ("views list: Basic credentials", "GET", "/views", {"Authorization": "Basic YWRtaW46YWRtaW4="}),
    ("key list: Bearer without a key", "GET", "/keys", {"Authorization": "Bearer "}),
    ("key log: unknown key", "GET", "/keys/log", {"Authorization": "Bearer pt_made_up"}),
    ("append: key in the wrong header", "POST", "/events", {"X-Api-Key": ADMIN_KEY}),
    ("batch: lowercase scheme, wrong key", "POST", "/events/batch", {"Authorization": "bearer nope"}),
    ("log stream: unknown key", "GET", "/events/stream", {"Authorization": "Bearer pt_x"}),
]  # fmt: skip


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bad_input_client(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[httpx.AsyncClient]:
    """One store for every case: each must leave it as it found it, so they can share it (and
    a case that changed it would show in the cases after it too)."""
    directory = tmp_path_factory.mktemp("bad-input")
    settings = Settings(
        database_url=database_url(directory),
        admin_key=ADMIN_KEY,
        state_dir=directory,
        max_body_bytes=BODY_LIMIT,
        _env_file=None,  # type: ignore[call-arg]
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://timeline") as c:
            yield c


async def snapshot(client: httpx.AsyncClient) -> tuple[int, list[Any], Any, Any, Any]:
    """The log, the keys with their log, and the webhooks."""
    page = (await client.get("/events?limit=1000")).json()
    keys = (await client.get("/keys", headers=AUTH)).json()
    key_log = (await client.get("/keys/log", headers=AUTH)).json()
    webhooks = (await client.get("/webhooks", headers=AUTH)).json()
    return page["position"], page["items"], keys, key_log, webhooks


def test_there_are_at_least_40_distinct_cases_reaching_every_operation() -> None:
    names = [case[0] for case in CASES] + [case[0] for case in CREDENTIAL_CASES]
    assert len(set(names)) == len(names) >= 40
    operations = {
        (method.upper(), path) for path, item in create_app().openapi()["paths"].items()
        for method in item
    }  # fmt: skip
    reached = {
        (method, template) for _, method, path, *_ in CASES + CREDENTIAL_CASES  # type: ignore[operator]
        for m, template in operations if m == method and _matches(template, path)
    }  # fmt: skip
    unreached = (
        operations - reached - {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}
    )
    assert not unreached


def _matches(template: str, path: str) -> bool:
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    return re.fullmatch(pattern, path.split("?")[0]) is not None


@in_module_loop
@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_bad_input_is_refused_and_changes_nothing(
    bad_input_client: httpx.AsyncClient,
    real_events: list[dict[str, Any]],
    method: str,
    path: str,
    body: Body,
    status: int,
    code: str,
) -> None:
    before = await snapshot(bad_input_client)
    if callable(body):
        body = body({"list": real_events})
    content = body if isinstance(body, bytes) else None if body is None else json.dumps(body)
    headers = {**AUTH, "Content-Type": "application/json"}
    response = await bad_input_client.request(method, path, content=content, headers=headers)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    after = await snapshot(bad_input_client)
    assert after == before


@in_module_loop
@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [case[1:] for case in CREDENTIAL_CASES],
    ids=[case[0] for case in CREDENTIAL_CASES],
)
async def test_bad_credentials_are_refused_and_change_nothing(
    bad_input_client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> None:
    before = await snapshot(bad_input_client)
    body = json.dumps(fresh()) if method == "POST" else None
    response = await bad_input_client.request(method, path, content=body, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    error = response.json()["error"]
    assert error["code"] == "unauthorized" and error["message"]
    assert await snapshot(bad_input_client) == before


@in_module_loop
async def test_a_chunked_body_over_the_limit_is_cut_off(
    bad_input_client: httpx.AsyncClient,
) -> None:
    """No Content-Length to refuse at once: the body is counted as it arrives."""
    before = await snapshot(bad_input_client)

    async def chunks() -> AsyncIterator[bytes]:
        one = json.dumps(fresh()).encode()
        yield b'{"events": ['
        for _ in range(BODY_LIMIT // len(one) + 1):
            yield one + b","
        yield one + b"]}"

    headers = {**AUTH, "Content-Type": "application/json"}
    response = await bad_input_client.post("/events/batch", content=chunks(), headers=headers)
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"
    assert await snapshot(bad_input_client) == before


@in_module_loop
@pytest.mark.parametrize("path", ["/events", "/events/batch", "/keys"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_not_declared_json_is_refused_415(
    bad_input_client: httpx.AsyncClient, path: str, content_type: str | None
) -> None:
    before = await snapshot(bad_input_client)
    bodies = {"/events": fresh(), "/events/batch": {"events": [fresh()]},
              "/keys": {"name": "made-up-carol", "role": "reader"}}  # fmt: skip
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
    response = await bad_input_client.post(
        path, content=json.dumps(bodies[path]).encode(), headers=headers
    )
    assert response.status_code == 415, response.text
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert "application/json" in response.json()["error"]["message"]
    assert await snapshot(bad_input_client) == before


@in_module_loop
async def test_field_errors_name_each_bad_field(bad_input_client: httpx.AsyncClient) -> None:
    body = fresh(jurisdiction="ZZZ", announced_on="2025-02-30", materials=[""], surplus=1)
    response = await bad_input_client.post("/events", json=body, headers=AUTH)
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"jurisdiction", "announced_on", "materials.0", "surplus"}


@in_module_loop
async def test_batch_errors_name_the_event_index(bad_input_client: httpx.AsyncClient) -> None:
    events = [fresh(), fresh(), fresh(title="")]
    response = await bad_input_client.post("/events/batch", json={"events": events}, headers=AUTH)
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["events.2.title"]
