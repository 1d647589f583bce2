"""Questions analysts ask, answered through the HTTP API on the bundled real timeline.

Expected answers come from the events and sources in service/data (see its README):
Announcement No. 18 of 2025 (cn-7ree-2025, effective 2025-04-04) covers Dy and was never
suspended; No. 61 (cn-ann61-2025, Dy) was suspended on 2025-11-07 until 2026-11-10; the
2023 technology ban (cn-re-tech-ban-2023) lists REE; India's halt of exports to Japan
(in-irel-japan-halt-2025, announced 2025-06-14) lists REE. Clause 2 of No. 46 of 2024
(cn-us-gagesb-2024: Ga, Ge, Sb to the US) is suspended from 2025-11-09 until 2026-11-27.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from projections.registry import VIEWS

READ_NOW = "2026-11-28"  # a fixed "today" for these answers (the day the tests were written)


async def view(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(path, params={"min_position": 57, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def statuses(client: httpx.AsyncClient, **params: Any) -> dict[str, str]:
    body = await view(client, "/views/active-export-controls", **params)
    return {item["policy_id"]: item["status"] for item in body["items"]}


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2025-06-01", {"cn-7ree-2025": "in_force", "cn-re-tech-ban-2023": "in_force"}),
        (
            "2025-12-01",
            {
                "cn-7ree-2025": "in_force",
                "cn-re-tech-ban-2023": "in_force",
                "in-irel-japan-halt-2025": "in_force",
                "cn-ann61-2025": "suspended",
            },
        ),
        (
            READ_NOW,
            {
                "cn-7ree-2025": "in_force",
                "cn-re-tech-ban-2023": "in_force",
                "in-irel-japan-halt-2025": "in_force",
                "cn-ann61-2025": "in_force",  # the suspension ended on 2026-11-10
            },
        ),
    ],
)
async def test_controls_on_dysprosium(
    client: httpx.AsyncClient, at: str, expected: dict[str, str]
) -> None:
    assert await statuses(client, material="dysprosium", at=at) == expected


async def test_gallium_controls_aimed_at_the_us_across_the_suspension(
    client: httpx.AsyncClient,
) -> None:
    for at, status in [("2025-06-01", "in_force"), ("2025-12-01", "suspended"),
                       ("2026-11-26", "suspended"), ("2026-11-27", "in_force")]:  # fmt: skip
        assert await statuses(client, material="Ga", target="US", at=at) == {
            "cn-us-gagesb-2024": status
        }, at
    body = await view(client, "/views/active-export-controls", material="Ga", at="2025-12-01")
    [suspended] = [i for i in body["items"] if i["policy_id"] == "cn-us-gagesb-2024"]
    assert suspended["suspended_until"] == "2026-11-27"
    assert len(suspended["sources"]) >= 2  # the imposition's and the suspension's


async def test_announcements_56_57_58_were_never_in_force_before_2026_11_10(
    client: httpx.AsyncClient,
) -> None:
    ids = {"cn-ann56-2025", "cn-ann57-2025", "cn-ann58-2025"}
    for at, status in [("2025-11-07", "pending"), ("2025-11-08", "suspended"),
                       ("2026-11-09", "suspended"), ("2026-11-10", "in_force")]:  # fmt: skip
        found = await statuses(client, at=at)
        assert {found[i] for i in ids} == {status}, at


async def test_each_control_names_its_sources(client: httpx.AsyncClient) -> None:
    body = await view(client, "/views/active-export-controls", material="Dy", at=READ_NOW)
    [no18] = [i for i in body["items"] if i["policy_id"] == "cn-7ree-2025"]
    assert no18["instrument"].startswith("MOFCOM/GAC Announcement No. 18 of 2025")
    assert all(s["title"] for s in no18["sources"]) and no18["event_ids"]


async def test_the_dod_committed_total(client: httpx.AsyncClient) -> None:
    body = await view(client, "/views/funding", group_by="agency", at=READ_NOW)
    [dod] = [g for g in body["items"] if g["key"] == {"agency": "DoD"}]
    # The DESIGN's worked example; the $1.3B figure and the Urban Mining award are unverified
    # and so left out, and the MP price floor has no amount (unpriced).
    assert dod == {"key": {"agency": "DoD"}, "total_usd": "2714600000", "count": 10, "unpriced": 1}
    everything = await view(
        client, "/views/funding", group_by="agency", at=READ_NOW, min_confidence="unverified"
    )
    [all_dod] = [g for g in everything["items"] if g["key"] == {"agency": "DoD"}]
    assert all_dod["total_usd"] == str(2714600000 + 1300000000 + 28800000)


async def test_a_revised_award_replaces_the_figure_from_its_date(
    client: httpx.AsyncClient,
) -> None:
    async def amount(at: str) -> str:
        body = await view(client, "/views/funding", at=at, recipient="Lynas USA LLC")
        return next(
            i["amount_usd"] for i in body["items"] if i["policy_id"] == "us-dod-lynas-hree-2022"
        )

    assert await amount("2023-07-31") == "120000000"
    assert await amount("2023-08-01") == "258000000"


async def test_india_s_goals(client: httpx.AsyncClient) -> None:
    reported = await view(client, "/views/goals", jurisdiction="IN", at=READ_NOW)
    assert reported["items"] == []  # India's only goal in the data is an unverified claim
    everything = await view(
        client, "/views/goals", jurisdiction="IN", at=READ_NOW, min_confidence="unverified"
    )
    [goal] = everything["items"]
    assert goal["policy_id"] == "in-reo-50pct-claim-2025"
    assert (goal["target_percent"], goal["deadline"], goal["status"]) == (
        50,
        "2028-07-01",
        "active",
    )


async def test_eu_goals_have_their_targets(client: httpx.AsyncClient) -> None:
    body = await view(client, "/views/goals", jurisdiction="EU", at=READ_NOW)
    targets = {g["policy_id"]: (g["comparator"], g["target_percent"]) for g in body["items"]}
    assert targets == {
        "eu-crma-2024-extraction": ("at_least", 10),
        "eu-crma-2024-processing": ("at_least", 40),
        "eu-crma-2024-recycling": ("at_least", 25),
        "eu-crma-2024-single-country": ("at_most", 65),
    }


async def test_everything_bearing_on_dysprosium(client: httpx.AsyncClient) -> None:
    body = await view(client, "/views/materials/Dy", at="2025-12-01")
    controls = {c["policy_id"] for c in body["items"]["controls"]}
    assert controls == {"cn-7ree-2025", "cn-re-tech-ban-2023", "in-irel-japan-halt-2025",
                        "cn-ann61-2025"}  # fmt: skip
    assert body["items"]["recent_events"][0]["announced_on"] <= "2025-12-01"
    assert all("Dy" in e["materials"] or {"REE", "HREE"} & set(e["materials"])
               for e in body["items"]["recent_events"])  # fmt: skip


async def test_timeline_search_and_order(client: httpx.AsyncClient) -> None:
    found = await view(client, "/views/timeline", q="smuggling")
    assert [i["policy_id"] for i in found["items"]] == [
        "cn-smuggling-campaign-2025-05",
        "cn-smuggling-intensify-2025-07",
    ]
    first = await view(client, "/views/timeline", **{"from": "2025-01-01", "limit": 3})
    dates = [i["announced_on"] for i in first["items"]]
    assert dates == sorted(dates) and dates[0] >= "2025-01-01"
    second = await view(
        client,
        "/views/timeline",
        **{"from": "2025-01-01", "limit": 3, "after": first["next_after"]},
    )
    assert second["items"][0]["announced_on"] >= dates[-1]
    assert not {i["event_id"] for i in first["items"]} & {i["event_id"] for i in second["items"]}


async def test_diff_between_two_dates_names_the_causes(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/diff", params={"view": "active-export-controls", "from": "2025-06-01", "to": "2025-12-01"}
    )
    body = response.json()
    assert {a["policy_id"] for a in body["added"]} >= {"cn-ann61-2025", "in-irel-japan-halt-2025"}
    [gagesb] = [c for c in body["changed"] if c["policy_id"] == "cn-us-gagesb-2024"]
    assert gagesb["changes"]["status"] == {"from": "in_force", "to": "suspended"}
    assert [c["type"] for c in gagesb["caused_by"]] == ["ExportControlSuspended"]


async def test_views_say_what_they_answer_for(client: httpx.AsyncClient) -> None:
    body = await view(client, "/views/funding", at="2024-01-01")
    assert (body["view"], body["at"], body["position"]) == ("funding", "2024-01-01", 57)
    assert body["known_at"].endswith("Z")
    listing = (await client.get("/views")).json()
    assert {v["name"]: v["lag"] for v in listing["items"] if v["position"] is not None} == {
        name: 0 for name in VIEWS
    }
    assert (await client.get("/readyz")).json()["ready"] is True
