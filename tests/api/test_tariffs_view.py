"""The ``tariffs`` view on the bundled real timeline (two Section 301 tariffs of the US on
Chinese goods, one in force since 2024-09-27, one from 2026-01-01), and on made-up tariffs
posted by the tests (their titles say so)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.bodies import AUTH, made_up_tariff

CRITICAL_MINERALS = "us-s301-cm-2024"
GRAPHITE_MAGNETS = "us-s301-graphite-magnets-2026"


async def tariffs(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/views/tariffs", params={"min_position": 57, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def statuses(client: httpx.AsyncClient, **params: Any) -> dict[str, str]:
    return {i["policy_id"]: i["status"] for i in (await tariffs(client, **params))["items"]}


async def test_the_real_tariffs_by_day(client: httpx.AsyncClient) -> None:
    assert await statuses(client, at="2024-09-01") == {}  # neither announced yet
    assert await statuses(client, at="2024-09-20") == {
        CRITICAL_MINERALS: "pending", GRAPHITE_MAGNETS: "pending",
    }  # fmt: skip
    assert await statuses(client, at="2025-06-01") == {
        CRITICAL_MINERALS: "in_force", GRAPHITE_MAGNETS: "pending",
    }  # fmt: skip
    assert await statuses(client, at="2026-01-01") == {
        CRITICAL_MINERALS: "in_force", GRAPHITE_MAGNETS: "in_force",
    }  # fmt: skip
    [item] = (await tariffs(client, at="2025-06-01", status="in_force"))["items"]
    assert (item["rate_percent"], item["targets"], item["effective_from"]) == (
        25,
        ["CN"],
        "2024-09-27",
    )
    assert item["sources"] and item["event_ids"]


async def test_filters_mean_what_they_mean_on_the_other_views(client: httpx.AsyncClient) -> None:
    on = {"at": "2026-02-01"}
    assert set(await statuses(client, **on, material="magnets")) == {GRAPHITE_MAGNETS}
    assert set(await statuses(client, **on, jurisdiction="US")) == {
        CRITICAL_MINERALS,
        GRAPHITE_MAGNETS,
    }
    assert await statuses(client, **on, jurisdiction="CN") == {}
    assert set(await statuses(client, **on, target="CN")) == {CRITICAL_MINERALS, GRAPHITE_MAGNETS}
    assert await statuses(client, **on, target="US") == {}
    assert await statuses(client, **on, status="lifted") == {}
    refused = await client.get("/views/tariffs", params={"status": "suspended"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid"


async def test_a_lift_ends_a_tariff_from_its_day_and_every_answer_agrees(
    client: httpx.AsyncClient,
) -> None:
    imposed = await client.post("/events", json=made_up_tariff(), headers=AUTH)
    assert imposed.status_code == 201, imposed.text
    lift = made_up_tariff(type="TariffLifted", title="Made-up lift", announced_on="2025-09-01")
    del lift["rate_percent"], lift["effective_from"]
    lifted = await client.post("/events", json=lift, headers=AUTH)
    assert lifted.status_code == 201, lifted.text
    after = {"min_position": lifted.json()["position"]}
    assert (await statuses(client, at="2025-03-15", **after))["xx-madeup-tariff"] == "pending"
    assert (await statuses(client, at="2025-08-31", **after))["xx-madeup-tariff"] == "in_force"
    assert "xx-madeup-tariff" not in await statuses(client, at="2025-09-01", **after)
    ended = await statuses(client, at="2025-09-01", status="lifted", **after)
    assert ended == {"xx-madeup-tariff": "lifted"}
    # As known before the lift was recorded, the tariff was still in force that day.
    before = await statuses(
        client, at="2025-09-01", known_at=f"position={imposed.json()['position']}"
    )
    assert before["xx-madeup-tariff"] == "in_force"
    # The policy's status and the view's agree (one computation).
    policy = (await client.get("/policies/xx-madeup-tariff", params={"at": "2025-09-01"})).json()
    assert policy["status"] == "lifted"
    assert policy["on_date"]["tariffs"]["status"] == "lifted"
    # The diff names the change and the event that caused it.
    diff = (
        await client.get(
            "/diff", params={"view": "tariffs", "from": "2025-08-31", "to": "2025-09-01",
                             "min_confidence": "unverified"},
        )
    ).json()  # fmt: skip
    [gone] = [r for r in diff["removed"] if r["policy_id"] == "xx-madeup-tariff"]
    assert [c["type"] for c in gone["caused_by"]] == ["TariffLifted"]


async def test_material_view_lists_tariffs_bearing_on_the_material(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get("/views/materials/magnets", params={"at": "2026-02-01"})).json()
    assert [t["policy_id"] for t in body["items"]["tariffs"]] == [GRAPHITE_MAGNETS]
    assert body["items"]["controls"]  # the other sections are still there
