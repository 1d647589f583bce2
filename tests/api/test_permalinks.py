"""Citable answers: every view and policy answer carries a permalink that pins its record time
(``known_at=position=N``), its valid date and its filters, and answers the same later,
whatever is recorded, corrected or retracted meanwhile."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.support.bodies import AUTH, made_up_control, made_up_follow_up

NO18 = "cn-7ree-2025"  # Announcement No. 18 of 2025, real


async def test_a_permalink_answers_the_same_after_new_events_corrections_and_retractions(
    client: httpx.AsyncClient,
) -> None:
    asked = {"material": ["Dy", "Ga"], "at": "2025-06-01", "limit": "50"}
    first = (await client.get("/views/active-export-controls", params=asked)).json()
    link = first["permalink"]
    path, query = urlsplit(link).path, parse_qsl(urlsplit(link).query)
    assert path == "/views/active-export-controls"
    assert ("known_at", f"position={first['position']}") in query
    assert ("at", "2025-06-01") in query
    assert [v for k, v in query if k == "material"] == ["Dy", "Ga"]
    assert ("limit", "50") in query
    pinned = await client.get(link)
    assert pinned.json()["items"] == first["items"]
    assert pinned.json()["permalink"] == link  # the permalink of a permalink is itself

    no18 = (await client.get(f"/policies/{NO18}")).json()
    policy_link = no18["permalink"]
    changes = [
        made_up_control(title="Made-up control on dysprosium", materials=["Dy"]),
        made_up_follow_up(
            "EventCorrected", policy_id=None, corrects=no18["history"][0]["event"]["event_id"],
            changes={"materials": ["Sm"]}, reason="made-up test correction",
        ),
    ]  # fmt: skip
    for body in changes:
        assert (await client.post("/events", json=body, headers=AUTH)).status_code == 201
    gage = (await client.get("/policies/cn-gage-2023")).json()
    retraction = made_up_follow_up(
        "EventRetracted", policy_id=None, retracts=gage["history"][0]["event"]["event_id"],
        reason="made-up test retraction",
    )  # fmt: skip
    posted = (await client.post("/events", json=retraction, headers=AUTH)).json()

    now = (
        await client.get(
            "/views/active-export-controls", params={**asked, "min_position": posted["position"]}
        )
    ).json()
    assert now["items"] != first["items"]  # the new facts show in a read as known now
    later = await client.get(link)
    assert later.content == pinned.content
    later_policy = (await client.get(policy_link)).json()
    assert later_policy["current"] == no18["current"]
    assert later_policy["history"] == no18["history"]


async def test_every_view_answer_carries_its_permalink(client: httpx.AsyncClient) -> None:
    views = (await client.get("/views")).json()["items"]
    for name in (v["name"] for v in views if "{" not in v["name"]):
        body = (await client.get(f"/views/{name}", params={"known_at": "2025-12-31"})).json()
        again = (await client.get(body["permalink"])).json()
        assert again["items"] == body["items"], name
    dy = (await client.get("/views/materials/Dy", params={"at": "2025-01-01"})).json()
    assert (await client.get(dy["permalink"])).json()["items"] == dy["items"]
