"""Policy statuses by valid date, record-time hints, material matching, USD amounts,
derived ids and what min_confidence leaves out, through the HTTP API on the real store.

Facts of the bundled real timeline used here (see service/data/README.md): clause 2 of No. 46
of 2024 (cn-us-gagesb-2024) is suspended from 2025-11-09 until 2026-11-27; the 2026 Section
301 tariff on graphite and permanent magnets (us-s301-graphite-magnets-2026) was announced on
2024-09-13 and takes effect on 2026-01-01; India's only goal (in-reo-50pct-claim-2025) is
unverified; the unverified funding is the $1.3B DoD figure (lists REE) and the Urban Mining
award (lists Nd, NdFeB magnets). Everything else in these tests is made up.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from domain.events import EVENT_ADAPTER, derive_policy_id
from service.bulk.loader import bundled_timeline
from tests.support.bodies import AUTH, made_up_control, made_up_follow_up

READ_NOW = "2026-11-28"
CONTROL_STATUSES = ["pending", "in_force", "suspended", "lifted", "expired"]
GOAL_STATUSES = ["active", "met", "missed", "deadline_passed", "abandoned"]


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(path, params={**params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/events", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def made_up_funding(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "FundingCommitted",
        "policy_id": "xx-madeup-funding",
        "jurisdiction": "US",
        "agency": "made-up agency",
        "title": "Made-up test grant for magnet recycling",
        "announced_on": "2025-03-01",
        "materials": ["NdFeB magnets"],
        "sources": [{"title": "made-up test source", "url": None}],
        "amount": {"value": "5000000", "currency": "USD"},
        "mechanism": "grant",
    }
    body.update(overrides)
    return body


# --- 6. a policy's status is the views' status on a valid date ------------------------------


async def test_a_policy_status_is_the_view_status_on_the_date_asked(
    client: httpx.AsyncClient,
) -> None:
    for at, expected in [
        ("2025-06-01", "in_force"),
        ("2025-12-01", "suspended"),
        ("2026-11-27", "in_force"),
    ]:
        detail = await get(client, "/policies/cn-us-gagesb-2024", at=at)
        view = await get(client, "/views/active-export-controls", at=at, material="Ga")
        [entry] = [i for i in view["items"] if i["policy_id"] == "cn-us-gagesb-2024"]
        assert (detail["at"], detail["status"], entry["status"]) == (at, expected, expected)
        listed = await get(client, "/policies", kind="export_control", at=at)
        assert listed["at"] == at
        [summary] = [p for p in listed["items"] if p["policy_id"] == "cn-us-gagesb-2024"]
        assert summary["status"] == expected


async def test_every_listed_status_equals_the_views_on_a_date(client: httpx.AsyncClient) -> None:
    for at in ("2025-11-07", "2025-11-08", "2025-12-01", READ_NOW):
        listed = await get(client, "/policies", at=at, limit=500)
        statuses = {p["policy_id"]: p["status"] for p in listed["items"]}
        controls = await get(
            client,
            "/views/active-export-controls",
            at=at,
            status=CONTROL_STATUSES,
            min_confidence="unverified",
        )
        goals = await get(
            client, "/views/goals", at=at, min_confidence="unverified", status=GOAL_STATUSES
        )
        funding = await get(client, "/views/funding", at=at, min_confidence="unverified")
        from_views = {i["policy_id"]: i["status"] for i in controls["items"] + goals["items"]}
        from_views |= {i["policy_id"]: "committed" for i in funding["items"]}
        assert {k: statuses[k] for k in from_views} == from_views, at
        # Policies announced after the date are in no view yet.
        later = {p for p, s in statuses.items() if s == "not_announced"}
        assert later.isdisjoint(from_views), at


async def test_a_tariff_uses_the_views_words(client: httpx.AsyncClient) -> None:
    tariff = "us-s301-graphite-magnets-2026"
    before = await get(client, f"/policies/{tariff}", at="2025-06-01")
    after = await get(client, f"/policies/{tariff}", at="2026-06-01")
    assert (before["status"], after["status"]) == ("pending", "in_force")
    announced = await get(client, "/policies/us-eo14241-2025", at="2020-01-01")
    assert announced["status"] == "not_announced"


async def test_a_lift_dated_later_does_not_count_before_its_day(
    empty_client: httpx.AsyncClient,
) -> None:
    await post(empty_client, made_up_control())
    lift = made_up_follow_up("ExportControlLifted", announced_on="2030-01-01")
    posted = await post(empty_client, lift)
    for at, expected in [("2025-06-01", "in_force"), ("2030-01-01", "lifted")]:
        listed = await get(empty_client, "/policies", at=at)
        assert [p["status"] for p in listed["items"]] == [expected], at
        detail = await get(empty_client, "/policies/xx-madeup-control", at=at)
        assert detail["status"] == expected, at
        view = await get(
            empty_client,
            "/views/active-export-controls",
            at=at,
            status=CONTROL_STATUSES,
            min_position=posted["position"],
        )
        assert [i["status"] for i in view["items"]] == [expected], at


# --- 7. a record time before anything was recorded says so ----------------------------------


async def test_a_record_time_before_the_first_record_says_so(client: httpx.AsyncClient) -> None:
    first = (await get(client, "/events", limit=1))["items"][0]["recorded_at"]
    expected = f"nothing was recorded by 2025-06-01; the log's first record time is {first}"
    for path, params in [
        ("/views/active-export-controls", {}),
        ("/views/funding", {"group_by": "agency"}),
        ("/views/goals", {}),
        ("/views/timeline", {}),
        ("/views/materials/Dy", {}),
        ("/events", {}),
    ]:
        body = await get(client, path, known_at="2025-06-01", **params)
        assert body["position"] == 0, path
        assert body["hint"] == expected, path
        now = await get(client, path, **params)
        assert now["hint"] is None, path
    diff = await get(
        client,
        "/diff",
        view="funding",
        **{"from": "2024-01-01", "to": READ_NOW},
        known_at="2025-06-01",
    )
    assert diff["hint"] == expected
    policy = await client.get("/policies/cn-7ree-2025", params={"known_at": "2025-06-01"})
    assert policy.status_code == 404 and expected in policy.json()["error"]["message"]
    # A position is not a time: position=0 asks for nothing on purpose.
    assert (await get(client, "/views/goals", known_at="position=0"))["hint"] is None


def test_bundled_lines_carry_no_record_time_of_their_own() -> None:
    # So the bundled load has no record history to keep: each line is recorded when loaded.
    with bundled_timeline().open(encoding="utf-8") as lines:
        assert not any("recorded_at" in json.loads(line) for line in lines if line.strip())


# --- 9. materials match by word; group rows total what the filter does -----------------------


async def test_a_word_finds_the_named_materials_containing_it(client: httpx.AsyncClient) -> None:
    events = (await get(client, "/events", material="magnets", limit=100))["items"]
    assert [e["position"] for e in events] == [1, 10, 20, 35, 44, 48, 49, 53, 56]
    funding = await get(client, "/views/funding", material="magnets", at=READ_NOW)
    assert {i["policy_id"] for i in funding["items"]} == {
        "us-dod-evac-2023",
        "us-mp-equity-2025",
        "us-commerce-vulcan-2025",
        "us-osc-vulcan-reelement-2025",
        "in-repm-scheme-2025",
    }
    phrase = await get(
        client, "/views/active-export-controls", material="NdFeB magnets", at=READ_NOW
    )
    assert [i["policy_id"] for i in phrase["items"]] == ["cn-ann61-2025"]  # Tb/Dy-containing …


async def test_element_symbols_are_not_words_of_named_materials(
    empty_client: httpx.AsyncClient,
) -> None:
    posted = await post(empty_client, made_up_control(materials=["Tb/Dy-containing magnets"]))
    params = {"at": "2025-06-01", "min_position": posted["position"]}
    for material, found in [
        ("Dy", []),
        ("HREE", []),
        ("magnets", ["xx-madeup-control"]),
        ("dy-containing", ["xx-madeup-control"]),
    ]:
        body = await get(empty_client, "/views/active-export-controls", material=material, **params)
        assert [i["policy_id"] for i in body["items"]] == found, material


async def test_critical_minerals_are_one_term(client: httpx.AsyncClient) -> None:
    events = (await get(client, "/events", material="critical minerals", limit=100))["items"]
    materials = {m for e in events for m in e["event"]["materials"] if "critical" in m}
    assert materials == {"critical minerals", "processed critical minerals"}
    tariff = await get(client, "/policies/us-s301-cm-2024")
    assert tariff["current"]["materials"] == ["critical minerals"]


async def test_each_material_row_totals_what_the_material_filter_does(
    client: httpx.AsyncClient,
) -> None:
    grouped = await get(client, "/views/funding", group_by="material", at=READ_NOW)
    rows = {g["key"]["material"]: g for g in grouped["items"]}
    assert {"Nd", "REE", "NdFeB magnets", "critical minerals"} <= rows.keys()
    for material, row in rows.items():
        filtered = await get(client, "/views/funding", material=material, at=READ_NOW)
        totals = {k: filtered[k] for k in ("total_usd", "count", "unpriced")}
        assert {k: row[k] for k in totals} == totals, material
    assert Decimal(rows["Nd"]["total_usd"]) > 0
    # Commitments naming several materials count under each: the rows overlap.
    assert sum(Decimal(r["total_usd"]) for r in rows.values()) > Decimal(grouped["total_usd"])


# --- 10. a USD amount is its own USD figure --------------------------------------------------


async def test_a_usd_amount_without_amount_usd_is_priced(empty_client: httpx.AsyncClient) -> None:
    await post(empty_client, made_up_funding())
    await post(
        empty_client,
        made_up_funding(
            policy_id="xx-madeup-funding-inr",
            amount={"value": "80000000", "currency": "INR"},
            title="Made-up test scheme in rupees",
        ),
    )
    posted = await post(
        empty_client,
        made_up_follow_up(
            "FundingRevised",
            policy_id="xx-madeup-funding",
            jurisdiction="US",
            announced_on="2025-09-01",
            amount={"value": "7000000", "currency": "USD"},
            materials=["NdFeB magnets"],
        ),
    )
    params = {"min_position": posted["position"]}
    before = await get(empty_client, "/views/funding", at="2025-06-01", **params)
    assert {i["policy_id"]: i["amount_usd"] for i in before["items"]} == {
        "xx-madeup-funding": "5000000",
        "xx-madeup-funding-inr": None,
    }
    assert (before["total_usd"], before["count"], before["unpriced"]) == ("5000000", 1, 1)
    after = await get(empty_client, "/views/funding", at="2025-10-01", **params)
    assert (after["total_usd"], after["count"], after["unpriced"]) == ("7000000", 1, 1)


# --- 12a. derived ids end on a whole word ----------------------------------------------------


async def test_a_derived_policy_id_ends_on_a_whole_word(empty_client: httpx.AsyncClient) -> None:
    # 48 characters of the title would end in "magnet-m"
    title = "Made-up test control on samarium-cobalt magnet manufacturing equipment"
    body = made_up_control(title=title)
    del body["policy_id"]
    derived = (await post(empty_client, body))["policy_id"]
    assert derived == "cn-made-up-test-control-on-samarium-cobalt-magnet-2025"
    assert len(derived) <= 80
    one_long_word = made_up_control(title="Madeup" + "x" * 90)
    assert derive_policy_id(EVENT_ADAPTER.validate_json(json.dumps(one_long_word))) == (
        "cn-madeup" + "x" * 42 + "-2025"
    )


def test_every_bundled_line_names_its_policy() -> None:
    # Derived ids apply only to events without one: the bundled ids cannot change.
    with bundled_timeline().open(encoding="utf-8") as lines:
        assert all(json.loads(line)["policy_id"] for line in lines if line.strip())


# --- 12b. reads say what min_confidence left out ---------------------------------------------


async def test_reads_say_how_many_items_min_confidence_left_out(
    client: httpx.AsyncClient,
) -> None:
    goals = await get(client, "/views/goals", jurisdiction="IN", at=READ_NOW)
    assert (goals["items"], goals["left_out_by_min_confidence"]) == ([], 1)
    everything = await get(
        client, "/views/goals", jurisdiction="IN", at=READ_NOW, min_confidence="unverified"
    )
    assert everything["left_out_by_min_confidence"] == 0 and len(everything["items"]) == 1
    for params in ({}, {"group_by": "agency"}, {"series": "month", "months": 3}):
        funding = await get(client, "/views/funding", at=READ_NOW, **params)
        assert funding["left_out_by_min_confidence"] == 2, params
    controls = await get(client, "/views/active-export-controls", at=READ_NOW)
    assert controls["left_out_by_min_confidence"] == 0
    # Urban Mining (Nd) and the $1.3B figure (REE): their commitments and their events.
    nd = await get(client, "/views/materials/Nd", at=READ_NOW, recent=100)
    assert nd["left_out_by_min_confidence"] == 4
    diff = await get(client, "/diff", view="goals", **{"from": "2025-01-01", "to": READ_NOW})
    assert diff["left_out_by_min_confidence"] == 1


async def test_timeline_pages_count_what_they_left_out(client: httpx.AsyncClient) -> None:
    left_out, after = 0, ""
    while True:
        page = await get(client, "/views/timeline", limit=10, after=after)
        left_out += page["left_out_by_min_confidence"]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert left_out == 3  # the three unverified events of the bundled timeline
    whole = await get(client, "/views/timeline", limit=100)
    assert whole["left_out_by_min_confidence"] == 3
