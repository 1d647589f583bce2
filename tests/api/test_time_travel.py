"""Both time axes through the API: valid date (`at`) and record time (`known_at`)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.bodies import AUTH, made_up_follow_up

NO18 = "cn-7ree-2025"  # Announcement No. 18 of 2025, real


async def no18_event_id(client: httpx.AsyncClient) -> str:
    policy = (await client.get(f"/policies/{NO18}")).json()
    return str(policy["history"][0]["event"]["event_id"])


async def dy_controls(client: httpx.AsyncClient, **params: Any) -> set[str]:
    body = (
        await client.get("/views/active-export-controls", params={"material": "Dy", **params})
    ).json()
    return {item["policy_id"] for item in body["items"]}


async def test_a_correction_changes_answers_only_as_known_after_it(
    client: httpx.AsyncClient,
) -> None:
    before = (await client.get("/healthz")).json()["position"]
    correction = made_up_follow_up(
        "EventCorrected",
        policy_id=None,
        corrects=await no18_event_id(client),
        changes={"materials": ["Sm", "Gd", "Tb"]},
        reason="made-up test correction: not a real correction of No. 18",
    )
    posted = (await client.post("/events", json=correction, headers=AUTH)).json()
    at = {"at": "2025-06-01", "min_position": posted["position"]}
    assert NO18 in await dy_controls(client, known_at=f"position={before}", **at)
    assert NO18 not in await dy_controls(client, known_at=f"position={posted['position']}", **at)
    assert NO18 not in await dy_controls(client, **at)  # now
    # The same by record time: when the last event before the correction was recorded, and
    # when the correction was.
    page = (await client.get("/events", params={"after": before - 1})).json()
    earlier = page["items"][0]["recorded_at"]
    recorded = posted["recorded_at"]
    assert earlier < recorded
    assert NO18 in await dy_controls(client, known_at=earlier, **at)
    later = (await client.get(f"/policies/{NO18}", params={"known_at": recorded})).json()
    assert later["position"] == posted["position"]
    assert later["on_date"]["active-export-controls"]["materials"] == ["Sm", "Gd", "Tb"]
    old = (
        await client.get(
            f"/policies/{NO18}", params={"known_at": f"position={before}", "at": "2025-06-01"}
        )
    ).json()
    assert "Dy" in old["on_date"]["active-export-controls"]["materials"]
    assert old["current"]["materials"] == ["Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y"]


async def test_a_retracted_event_disappears_only_from_later_reads(
    client: httpx.AsyncClient,
) -> None:
    before = (await client.get("/healthz")).json()["position"]
    retraction = made_up_follow_up(
        "EventRetracted",
        policy_id=None,
        retracts=await no18_event_id(client),
        reason="made-up test retraction",
    )
    posted = (await client.post("/events", json=retraction, headers=AUTH)).json()
    params = {"at": "2025-06-01", "min_position": posted["position"]}
    assert NO18 in await dy_controls(client, known_at=f"position={before}", **params)
    assert NO18 not in await dy_controls(client, **params)
    timeline = (
        await client.get(
            "/views/timeline", params={"q": "seven", "min_position": posted["position"]}
        )
    ).json()
    assert NO18 not in {i["policy_id"] for i in timeline["items"]}
    old = (
        await client.get("/views/timeline", params={"q": "seven", "known_at": f"position={before}"})
    ).json()
    assert NO18 in {i["policy_id"] for i in old["items"]}


async def test_read_your_writes_with_min_position(empty_client: httpx.AsyncClient) -> None:
    from tests.support.bodies import made_up_control

    posted = (await empty_client.post("/events", json=made_up_control(), headers=AUTH)).json()
    body = (
        await empty_client.get(
            "/views/active-export-controls",
            params={"min_position": posted["position"], "at": "2025-05-01"},
        )
    ).json()
    assert body["position"] >= posted["position"]
    assert [i["policy_id"] for i in body["items"]] == ["xx-madeup-control"]
    beyond = await empty_client.get(
        "/views/funding", params={"min_position": posted["position"] + 5}
    )
    assert beyond.status_code == 409


async def test_diff_between_two_record_times(client: httpx.AsyncClient) -> None:
    first = (await client.get("/healthz")).json()["position"]
    lift = made_up_follow_up(
        "ExportControlLifted", policy_id="cn-gage-2023", announced_on="2026-01-15",
        title="Made-up test lift of the 2023 Ga/Ge control",
    )  # fmt: skip
    posted = (await client.post("/events", json=lift, headers=AUTH)).json()
    response = await client.get(
        "/diff",
        params={
            "view": "active-export-controls",
            "known_from": f"position={first}",
            "known_to": f"position={posted['position']}",
            "at": "2026-06-01",
        },
    )
    body = response.json()
    [removed] = body["removed"]
    assert removed["policy_id"] == "cn-gage-2023"
    assert [c["event_id"] for c in removed["caused_by"]] == [posted["event_id"]]
    assert body["added"] == [] and body["changed"] == []
    lifted = (
        await client.get(
            "/views/active-export-controls", params={"status": "lifted", "at": "2026-06-01"}
        )
    ).json()["items"]
    assert [(i["policy_id"], i["status"]) for i in lifted] == [("cn-gage-2023", "lifted")]


async def test_rebuild_gives_the_same_views(client: httpx.AsyncClient) -> None:
    async def snapshot() -> list[Any]:
        out = []
        for path in ("active-export-controls", "funding", "goals"):
            for at in ("2024-01-01", "2025-12-01"):
                body = (await client.get(f"/views/{path}", params={"at": at})).json()
                out.append(body["items"])
        return out

    before = await snapshot()
    started = await client.post("/views/funding/rebuild", headers=AUTH)
    assert started.status_code == 202
    for _ in range(100):
        listing = (await client.get("/views")).json()
        [funding] = [v for v in listing["items"] if v["name"] == "funding"]
        if funding["rebuild"]["state"] != "running":
            break
        await asyncio.sleep(0.05)
    assert funding["rebuild"]["state"] == "done"
    assert await snapshot() == before
    assert (await client.post("/views/funding/rebuild")).status_code == 401


async def test_an_event_reads_as_corrected_only_as_known_after_the_correction(
    client: httpx.AsyncClient,
) -> None:
    before = (await client.get("/healthz")).json()["position"]
    event_id = await no18_event_id(client)
    correction = made_up_follow_up(
        "EventCorrected",
        policy_id=None,
        corrects=event_id,
        changes={"materials": ["Sm", "Gd", "Tb"]},
        reason="made-up test correction: not a real correction of No. 18",
    )
    posted = (await client.post("/events", json=correction, headers=AUTH)).json()
    now = (await client.get(f"/events/{event_id}")).json()
    assert now["as_corrected"]["materials"] == ["Sm", "Gd", "Tb"]
    assert [c["position"] for c in now["corrections"]] == [posted["position"]]
    then = await client.get(f"/events/{event_id}", params={"known_at": f"position={before}"})
    assert then.json()["corrections"] == []
    assert "Dy" in then.json()["as_corrected"]["materials"]
    assert then.json()["recorded_by"] == now["recorded_by"] == "bundled-demo"
    first = (await client.get("/events", params={"limit": 1})).json()["items"][0]["position"]
    unrecorded = await client.get(
        f"/events/{posted['event_id']}", params={"known_at": f"position={first}"}
    )
    assert unrecorded.status_code == 404
    assert "was recorded by position=" in unrecorded.json()["error"]["message"]
