"""Acts and their measures on the bundled real timeline: MOFCOM Announcement No. 46 of 2024
holds two policies' measures, Announcement No. 70 of 2025 five suspensions; each status is its
policy's status on the valid date as the view of its kind tells it; corrections and retractions
move measures only as known after them; permalinks keep answering the same."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from tests.support.bodies import AUTH, made_up_control, made_up_follow_up

NO46 = "cn-mofcom-2024-46"  # MOFCOM Announcement No. 46 of 2024, real
NO70 = "cn-mofcom-gac-2025-70"  # MOFCOM/GAC Announcement No. 70 of 2025, real
MILBAN = "cn-us-milban-2024"  # its clause 1: dual-use items to US military users
GAGESB = "cn-us-gagesb-2024"  # its clause 2: Ga/Ge/Sb to the US, suspended 2025-11-09
SUSPENDED_BY_NO70 = {f"cn-ann{n}-2025" for n in (56, 57, 58, 61, 62)}
MADE_UP_ACT = {"id": "xx-made-up-act", "title": "Made-up act for a test (not a real act)"}


async def measures_of(client: httpx.AsyncClient, act: str, **params: str) -> dict[str, Any]:
    answer = await client.get(f"/acts/{act}", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def listed(client: httpx.AsyncClient, **params: str) -> dict[str, dict[str, Any]]:
    answer = await client.get("/acts", params=params)
    assert answer.status_code == 200, answer.text
    return {item["id"]: item for item in answer.json()["items"]}


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> int:
    answer = await client.post("/events", json=body, headers=AUTH)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["position"])


async def test_announcement_46_holds_two_measures_one_suspended_until_november_2026(
    client: httpx.AsyncClient,
) -> None:
    statuses = {}
    for day in ("2025-06-01", "2026-01-15", "2026-12-01"):
        answer = await measures_of(client, NO46, at=day)
        assert answer["act"]["id"] == NO46
        assert "No. 46 of 2024" in answer["act"]["title"]
        assert answer["at"] == day
        statuses[day] = {m["policy_id"]: m["status"] for m in answer["measures"]}
    assert statuses["2025-06-01"] == {MILBAN: "in_force", GAGESB: "in_force"}
    assert statuses["2026-01-15"] == {MILBAN: "in_force", GAGESB: "suspended"}
    assert statuses["2026-12-01"] == {MILBAN: "in_force", GAGESB: "in_force"}  # back in force
    measure = answer["measures"][0]
    assert set(measure) >= {"event_id", "policy_id", "type", "title", "announced_on"}
    assert {m["type"] for m in answer["measures"]} == {"ExportControlImposed"}
    assert {m["announced_on"] for m in answer["measures"]} == {"2024-12-03"}


async def test_each_status_is_what_the_policy_answer_says_that_day(
    client: httpx.AsyncClient,
) -> None:
    answer = await measures_of(client, NO46, at="2026-01-15")
    for measure in answer["measures"]:
        policy = await client.get(f"/policies/{measure['policy_id']}", params={"at": "2026-01-15"})
        assert measure["status"] == policy.json()["status"]


async def test_announcement_70_holds_the_five_suspensions(client: httpx.AsyncClient) -> None:
    answer = await measures_of(client, NO70, at="2026-01-15")
    measures = answer["measures"]
    assert len(measures) == 5
    assert {m["policy_id"] for m in measures} == SUSPENDED_BY_NO70
    assert {m["type"] for m in measures} == {"ExportControlSuspended"}
    assert {m["status"] for m in measures} == {"suspended"}
    after = await measures_of(client, NO70, at="2026-12-01")  # the suspension ended 2026-11-10
    assert {m["status"] for m in after["measures"]} == {"in_force"}


async def test_an_announcement_without_a_status_view_has_null_statuses(
    client: httpx.AsyncClient,
) -> None:
    order = await measures_of(client, "cn-state-council-order-785", at="2025-01-01")
    assert [(m["policy_id"], m["kind"], m["status"]) for m in order["measures"]] == [
        ("cn-re-regulations-2024", "announcement", None)
    ]


async def test_the_list_counts_the_measures_of_every_act_the_bundled_file_names(
    client: httpx.AsyncClient, real_events: list[dict[str, Any]]
) -> None:
    answer = (await client.get("/acts")).json()
    assert set(answer) == {"known_at", "position", "items", "permalink"}
    items = {item["id"]: item for item in answer["items"]}
    assert [item["id"] for item in answer["items"]] == sorted(items)
    named = Counter(e["act"]["id"] for e in real_events if e.get("act"))
    assert {act: item["measures"] for act, item in items.items()} == dict(named)
    assert items[NO46]["measures"] == 2
    assert items[NO46]["policies"] == [GAGESB, MILBAN]
    assert items[NO46]["jurisdiction"] == "CN"
    assert items[NO46]["first_announced"] == "2024-12-03"
    assert items[NO70]["measures"] == 5
    assert set(items[NO70]["policies"]) == SUSPENDED_BY_NO70
    assert all(item["measures"] == 1 for act, item in items.items() if act not in (NO46, NO70))


async def test_a_made_up_correction_moves_a_measure_only_as_known_after_it(
    client: httpx.AsyncClient,
) -> None:
    before = (await client.get("/healthz")).json()["position"]
    milban = next(
        m for m in (await measures_of(client, NO46))["measures"] if m["policy_id"] == MILBAN
    )
    correction = made_up_follow_up(
        "EventCorrected", policy_id=None, corrects=milban["event_id"],
        changes={"act": MADE_UP_ACT}, reason="made-up test correction: not a real correction",
    )  # fmt: skip
    after = await post(client, correction)

    then = await listed(client, known_at=f"position={before}")
    now = await listed(client, known_at=f"position={after}")
    assert then[NO46]["measures"] == 2 and MADE_UP_ACT["id"] not in then
    assert now[NO46]["measures"] == 1 and now[NO46]["policies"] == [GAGESB]
    assert now[MADE_UP_ACT["id"]]["policies"] == [MILBAN]
    moved = await measures_of(client, MADE_UP_ACT["id"], known_at=f"position={after}")
    assert moved["act"] == MADE_UP_ACT
    assert [m["event_id"] for m in moved["measures"]] == [milban["event_id"]]
    earlier = await client.get(
        f"/acts/{MADE_UP_ACT['id']}", params={"known_at": f"position={before}"}
    )
    assert earlier.status_code == 404
    assert earlier.json()["error"]["code"] == "not_found"
    old46 = await measures_of(client, NO46, known_at=f"position={before}")
    assert {m["policy_id"] for m in old46["measures"]} == {MILBAN, GAGESB}


async def test_a_made_up_retraction_leaves_the_act_as_known_after_it(
    client: httpx.AsyncClient,
) -> None:
    before = (await client.get("/healthz")).json()["position"]
    suspension = (await measures_of(client, NO70))["measures"][0]
    retraction = made_up_follow_up(
        "EventRetracted", policy_id=None, retracts=suspension["event_id"],
        reason="made-up test retraction: not a real retraction",
    )  # fmt: skip
    after = await post(client, retraction)
    assert (await listed(client, known_at=f"position={before}"))[NO70]["measures"] == 5
    assert (await listed(client, known_at=f"position={after}"))[NO70]["measures"] == 4
    left = await measures_of(client, NO70, known_at=f"position={after}")
    assert suspension["event_id"] not in {m["event_id"] for m in left["measures"]}


async def test_unknown_acts_are_404_and_malformed_input_422(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/acts/xx-no-such-act")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    before_anything = await client.get(f"/acts/{NO46}", params={"known_at": "2000-01-01"})
    assert before_anything.status_code == 404
    assert "nothing was recorded by 2000-01-01" in before_anything.json()["error"]["message"]
    for path, params in (
        ("/acts/Not_A_Slug", {}),
        ("/acts/ab", {}),
        (f"/acts/{'a' * 81}", {}),
        (f"/acts/{NO46}", {"at": "2026-13-01"}),
        (f"/acts/{NO46}", {"at": "yesterday"}),
        (f"/acts/{NO46}", {"known_at": "last week"}),
        ("/acts", {"known_at": "position=x"}),
    ):
        answer = await client.get(path, params=params)
        assert answer.status_code == 422, (path, params, answer.text)
        assert answer.json()["error"]["code"] == "invalid"
    beyond = await client.get("/acts", params={"known_at": "position=999999999"})
    assert beyond.status_code == 422
    assert beyond.json()["error"]["code"] == "position_not_recorded"


async def test_permalinks_answer_the_same_after_new_events_corrections_and_retractions(
    client: httpx.AsyncClient,
) -> None:
    first_list = await client.get("/acts")
    list_link = first_list.json()["permalink"]
    assert list_link == f"/acts?known_at=position={first_list.json()['position']}"
    first_act = await client.get(f"/acts/{NO46}", params={"at": "2026-01-15"})
    act_link = first_act.json()["permalink"]
    assert (
        act_link == f"/acts/{NO46}?at=2026-01-15&known_at=position={first_act.json()['position']}"
    )
    pinned_list, pinned_act = await client.get(list_link), await client.get(act_link)
    assert pinned_list.json()["items"] == first_list.json()["items"]
    assert pinned_act.json()["measures"] == first_act.json()["measures"]
    assert pinned_act.json()["permalink"] == act_link

    gagesb = next(m for m in first_act.json()["measures"] if m["policy_id"] == GAGESB)
    milban = next(m for m in first_act.json()["measures"] if m["policy_id"] == MILBAN)
    await post(client, made_up_control(act=MADE_UP_ACT))
    await post(
        client,
        made_up_follow_up(
            "EventCorrected", policy_id=None, corrects=milban["event_id"],
            changes={"act": MADE_UP_ACT}, reason="made-up test correction",
        ),
    )  # fmt: skip
    last = await post(
        client,
        made_up_follow_up(
            "EventRetracted", policy_id=None, retracts=gagesb["event_id"],
            reason="made-up test retraction",
        ),
    )  # fmt: skip
    now = await listed(client, known_at=f"position={last}")
    assert NO46 not in now and now[MADE_UP_ACT["id"]]["measures"] == 2
    later_list, later_act = await client.get(list_link), await client.get(act_link)
    assert later_list.content == pinned_list.content
    assert later_act.content == pinned_act.content
