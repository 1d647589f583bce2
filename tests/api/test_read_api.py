"""Reading the log and the policies back, on the bundled real timeline."""

from __future__ import annotations

from typing import Any

import httpx


async def all_pages(client: httpx.AsyncClient, query: str, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        page = (await client.get(f"/events?limit={limit}&after={after}{query}")).json()
        items.extend(page["items"])
        if page["next_after"] is None:
            return items
        after = page["next_after"]


async def test_the_log_pages_in_position_order(
    client: httpx.AsyncClient, real_events: list[dict[str, Any]]
) -> None:
    items = await all_pages(client, "", limit=7)
    assert [i["position"] for i in items] == list(range(1, 58))
    assert [i["event"]["event_id"] for i in items] == [e["event_id"] for e in real_events]


async def test_the_last_full_page_says_there_is_no_more(client: httpx.AsyncClient) -> None:
    page = (await client.get("/events?after=50&limit=7")).json()
    assert len(page["items"]) == 7 and page["next_after"] is None


async def test_filter_by_material_includes_groups(
    client: httpx.AsyncClient, real_events: list[dict[str, Any]]
) -> None:
    items = await all_pages(client, "&material=dysprosium", limit=5)
    expected = [e["event_id"] for e in real_events if {"Dy", "HREE", "REE"} & set(e["materials"])]
    assert [i["event"]["event_id"] for i in items] == expected
    assert "cn-7ree-2025" in {i["event"]["policy_id"] for i in items}


async def test_filter_by_type_and_jurisdiction(
    client: httpx.AsyncClient, real_events: list[dict[str, Any]]
) -> None:
    query = "&type=ExportControlSuspended&type=ExportControlImposed&jurisdiction=CN"
    items = await all_pages(client, query, limit=100)
    expected = [
        e["event_id"]
        for e in real_events
        if e["jurisdiction"] == "CN"
        and e["type"] in ("ExportControlSuspended", "ExportControlImposed")
    ]
    assert [i["event"]["event_id"] for i in items] == expected
    assert len(expected) == 19  # 13 controls imposed, 6 suspended


async def test_a_named_material_matches_case_insensitively(client: httpx.AsyncClient) -> None:
    lower = (await client.get("/events?material=graphite&limit=100")).json()["items"]
    upper = (await client.get("/events?material=GRAPHITE&limit=100")).json()["items"]
    # 9 events list graphite itself; named materials match by word, so
    # the 5 listing "natural graphite" (the four EU CRMA goals, the 2026 Section 301 tariff)
    # bear on graphite too.
    assert lower == upper and len(lower) == 14


async def test_a_policy_shows_its_state_and_history(client: httpx.AsyncClient) -> None:
    # Read on a day inside the suspension (2025-11-09 until 2026-11-27): the status is for a
    # valid date now, and on today's date the suspension may be over.
    policy = (await client.get("/policies/cn-us-gagesb-2024?at=2025-12-01")).json()
    assert policy["kind"] == "export_control"
    assert policy["status"] == "suspended"
    assert policy["suspended_until"] == "2026-11-27"
    assert [h["event"]["type"] for h in policy["history"]] == [
        "ExportControlImposed",
        "ExportControlSuspended",
    ]


async def test_a_revised_funding_figure_replaces_the_old_one(client: httpx.AsyncClient) -> None:
    policy = (await client.get("/policies/us-dod-lynas-hree-2022")).json()
    assert policy["current"]["amount"] == {"value": "258000000", "currency": "USD"}
    assert policy["version"] == 2


async def test_policies_page_by_id_and_filter_by_kind(client: httpx.AsyncClient) -> None:
    goals = (await client.get("/policies?kind=goal")).json()["items"]
    assert sorted(g["policy_id"] for g in goals) == [
        "eu-crma-2024-extraction",
        "eu-crma-2024-processing",
        "eu-crma-2024-recycling",
        "eu-crma-2024-single-country",
        "in-reo-50pct-claim-2025",
    ]
    seen: list[str] = []
    after = ""
    while True:
        page = (await client.get(f"/policies?limit=10&after={after}")).json()
        seen.extend(p["policy_id"] for p in page["items"])
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert seen == sorted(seen) and len(seen) == 50


async def test_health_and_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "position": 57}
    await client.get("/events?limit=1")
    await client.get("/events/00000000-0000-0000-0000-000000000000")
    text = (await client.get("/metrics")).text
    assert "policy_timeline_log_position 57.0" in text
    assert 'route="/events",status="200"' in text
    assert 'route="/events/{event_id}",status="404"' in text
