"""POST /events and POST /events/batch through the real app and a real store (SQLite, or
PostgreSQL in that half of the suite)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx

from bench.synthetic import sequence
from domain.events import MAX_BATCH
from tests.support.bodies import AUTH, made_up_control, made_up_follow_up


async def log_position(client: httpx.AsyncClient) -> int:
    return int((await client.get("/healthz")).json()["position"])


async def test_post_stores_an_event_and_answers_its_place(empty_client: httpx.AsyncClient) -> None:
    response = await empty_client.post("/events", json=made_up_control(), headers=AUTH)
    assert response.status_code == 201
    body = response.json()
    assert body["policy_id"] == "xx-madeup-control"
    assert body["version"] == 1 and body["position"] == 1
    stored = (await empty_client.get(f"/events/{body['event_id']}")).json()
    assert stored["event"]["materials"] == ["Dy"]
    assert stored["recorded_by"] == "admin"
    assert stored["recorded_at"] == body["recorded_at"]


async def test_same_event_id_and_body_is_stored_once(empty_client: httpx.AsyncClient) -> None:
    body = made_up_control(event_id=str(uuid4()))
    first = await empty_client.post("/events", json=body, headers=AUTH)
    again = await empty_client.post("/events", json=body, headers=AUTH)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert await log_position(empty_client) == 1


async def test_a_repeat_with_a_now_stale_expected_version_is_still_the_same_post(
    empty_client: httpx.AsyncClient,
) -> None:
    body = made_up_control(event_id=str(uuid4()), expected_version=0)
    first = await empty_client.post("/events", json=body, headers=AUTH)
    again = await empty_client.post("/events", json=body, headers=AUTH)
    assert (first.status_code, again.status_code) == (201, 200)


async def test_expected_version_guards_concurrent_edits(empty_client: httpx.AsyncClient) -> None:
    await empty_client.post("/events", json=made_up_control(), headers=AUTH)
    suspend = made_up_follow_up("ExportControlSuspended", expected_version=1)
    ok = await empty_client.post("/events", json=suspend, headers=AUTH)
    assert ok.status_code == 201 and ok.json()["version"] == 2
    lift = made_up_follow_up("ExportControlLifted", expected_version=1)
    stale = await empty_client.post("/events", json=lift, headers=AUTH)
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "version_conflict"
    assert "version 2" in stale.json()["error"]["message"]


async def test_the_server_derives_a_policy_id_for_a_first_event(
    empty_client: httpx.AsyncClient,
) -> None:
    body = made_up_control()
    del body["policy_id"]
    first = await empty_client.post("/events", json=body, headers=AUTH)
    second = await empty_client.post("/events", json=body, headers=AUTH)
    assert first.json()["policy_id"] == "cn-made-up-test-control-on-dysprosium-2025"
    assert second.json()["policy_id"] == "cn-made-up-test-control-on-dysprosium-2025-2"


async def test_batch_is_stored_in_order_in_one_go(
    empty_client: httpx.AsyncClient, real_events: list[dict[str, Any]]
) -> None:
    response = await empty_client.post("/events/batch", json={"events": real_events}, headers=AUTH)
    assert response.status_code == 201
    body = response.json()
    assert body["created"] == 57 and body["duplicates"] == 0
    assert [i["position"] for i in body["items"]] == list(range(1, 58))
    assert [i["event_id"] for i in body["items"]] == [e["event_id"] for e in real_events]
    again = await empty_client.post("/events/batch", json={"events": real_events}, headers=AUTH)
    assert again.status_code == 200 and again.json()["duplicates"] == 57
    assert await log_position(empty_client) == 57


async def test_the_largest_batch_is_stored_whole(empty_client: httpx.AsyncClient) -> None:
    # 10,000 SYNTHETIC events, a few MB in one transaction (this once hung on PostgreSQL).
    events = sequence(MAX_BATCH, seed=41)
    response = await empty_client.post("/events/batch", json={"events": events}, headers=AUTH)
    assert response.status_code == 201 and response.json()["created"] == MAX_BATCH
    assert await log_position(empty_client) == MAX_BATCH
    last = (await empty_client.get(f"/events/{events[-1]['event_id']}")).json()
    assert last["position"] == MAX_BATCH and last["event"]["title"] == events[-1]["title"]


async def test_batch_with_one_refused_event_stores_nothing(
    empty_client: httpx.AsyncClient,
) -> None:
    events = [
        made_up_control(),
        made_up_follow_up("ExportControlLifted"),
        made_up_follow_up("ExportControlLifted"),
    ]
    response = await empty_client.post("/events/batch", json={"events": events}, headers=AUTH)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "policy_ended" and error["details"][0]["index"] == 2
    assert await log_position(empty_client) == 0


async def test_correction_and_retraction_are_new_facts(empty_client: httpx.AsyncClient) -> None:
    imposed = (await empty_client.post("/events", json=made_up_control(), headers=AUTH)).json()
    correction = made_up_follow_up(
        "EventCorrected",
        corrects=imposed["event_id"],
        changes={"materials": ["Tb", "dysprosium"]},
        reason="the source lists terbium too",
    )
    del correction["policy_id"], correction["materials"], correction["jurisdiction"]
    corrected = await empty_client.post("/events", json=correction, headers=AUTH)
    assert corrected.status_code == 201
    assert corrected.json()["policy_id"] == "xx-madeup-control"
    detail = (await empty_client.get(f"/events/{imposed['event_id']}")).json()
    assert detail["event"]["materials"] == ["Dy"]
    assert detail["as_corrected"]["materials"] == ["Tb", "Dy"]
    assert [c["event"]["type"] for c in detail["corrections"]] == ["EventCorrected"]
    retraction = made_up_follow_up(
        "EventRetracted", retracts=imposed["event_id"], reason="never happened"
    )
    assert (await empty_client.post("/events", json=retraction, headers=AUTH)).status_code == 201
    detail = (await empty_client.get(f"/events/{imposed['event_id']}")).json()
    assert detail["retracted"] is True
    policy = (await empty_client.get("/policies/xx-madeup-control")).json()
    assert policy["status"] == "retracted"
    assert len(policy["history"]) == 3


async def test_writes_need_a_key(empty_client: httpx.AsyncClient) -> None:
    missing = await empty_client.post("/events", json=made_up_control())
    wrong = await empty_client.post(
        "/events", json=made_up_control(), headers={"Authorization": "Bearer nope"}
    )
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.json()["error"]["code"] == "unauthorized"
    assert await log_position(empty_client) == 0


async def test_reads_can_be_closed_to_strangers(empty_settings: Any) -> None:
    from service.http.app import create_app

    application = create_app(empty_settings.model_copy(update={"public_reads": False}))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for path in ("/events", "/policies", "/views/funding", "/views/timeline"):
                assert (await client.get(path)).status_code == 401, path
                assert (await client.get(path, headers=AUTH)).status_code == 200, path
            assert (await client.get("/healthz")).status_code == 200
