"""Atom feeds of every view and of the log, on the bundled real timeline plus made-up events
(their names say so): parsed by ``feedparser`` as a feed reader would, and compared with the
view reads and the log the feeds speak of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import feedparser
import httpx
import pytest
from fastapi import FastAPI

from projections.registry import VIEWS
from tests.support.bodies import AUTH, made_up_control, made_up_follow_up

ATOM = "application/atom+xml"
CONTROLS = "/views/active-export-controls"
MADE_UP_SOURCE = {"title": "made-up test source", "url": "https://example.org/made-up-source"}


async def feed(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    answer = await client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(ATOM)
    parsed = feedparser.parse(answer.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    answer = await client.post("/events", json=body, headers=AUTH)
    assert answer.status_code == 201, answer.text
    posted: dict[str, Any] = answer.json()
    # Wait until the views have applied it: a feed lists what its view has reached.
    waited = await client.get(CONTROLS, params={"min_position": posted["position"]})
    assert waited.status_code == 200
    return posted


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def hrefs(entry: Any) -> dict[str, str]:
    return {link["href"]: link["rel"] for link in entry.links}


def local(href: str) -> str:
    parts = urlsplit(href)
    return f"{parts.path}?{parts.query}"


async def test_every_view_and_the_log_have_a_valid_atom_feed(client: httpx.AsyncClient) -> None:
    for path in [*(f"/views/{name}/feed.atom" for name in VIEWS), "/events/feed.atom"]:
        parsed = await feed(client, path)
        assert 0 < len(parsed.entries) <= 50, path
        updated = [instant(e.updated) for e in parsed.entries]
        assert updated == sorted(updated, reverse=True), path
        ids = [e.id for e in parsed.entries]
        assert len(set(ids)) == len(ids) and all(i.startswith("tag:") for i in ids), path
        assert parsed.feed.title.startswith("Policy Timeline")
        assert any(link["rel"] == "self" for link in parsed.feed.links)


async def test_a_made_up_change_appears_in_words_with_its_record_time_and_links(
    client: httpx.AsyncClient,
) -> None:
    today = datetime.now(UTC).date()  # the views are read for today
    until = (today + timedelta(days=30)).isoformat()
    imposed = await post(client, made_up_control(sources=[MADE_UP_SOURCE]))
    suspended = await post(
        client,
        made_up_follow_up(
            "ExportControlSuspended", announced_on="2025-05-01", until=until,
            title="Made-up suspension of the made-up control", sources=[MADE_UP_SOURCE],
        ),
    )  # fmt: skip
    parsed = await feed(client, f"{CONTROLS}/feed.atom", material="Dy")
    latest, before = parsed.entries[0], parsed.entries[1]
    assert latest.title == f"xx-madeup-control: in_force → suspended (until {until})"
    assert before.title == "new: xx-madeup-control (in_force)"
    assert instant(latest.updated) == instant(suspended["recorded_at"])
    assert instant(before.updated) == instant(imposed["recorded_at"])
    assert "Made-up suspension of the made-up control" in latest.content[0].value
    assert [t.term for t in latest.tags] == ["changed"]
    assert latest.id.endswith(f"/{suspended['position']}@{today.isoformat()}?material=Dy")

    # The alternate link is the permalink of the read pinned at the change...
    assert hrefs(latest)[MADE_UP_SOURCE["url"]] == "related"
    pinned = local(latest.link)
    read = await client.get(
        CONTROLS,
        params={"material": "Dy", "at": today.isoformat(),
                "known_at": f"position={suspended['position']}"},
    )  # fmt: skip
    assert read.json()["permalink"] == pinned
    # ...which answers with the item as the change left it, and the one before as it was.
    then = (await client.get(pinned)).json()["items"]
    assert [i["status"] for i in then if i["policy_id"] == "xx-madeup-control"] == ["suspended"]
    earlier = (await client.get(local(before.link))).json()["items"]
    assert [i["status"] for i in earlier if i["policy_id"] == "xx-madeup-control"] == ["in_force"]
    assert dict(parse_qsl(urlsplit(before.link).query))["known_at"] == (
        f"position={imposed['position']}"
    )

    log = await feed(client, "/events/feed.atom")
    event = log.entries[0]
    assert event.title == "ExportControlSuspended: Made-up suspension of the made-up control"
    assert instant(event.updated) == instant(suspended["recorded_at"])
    assert urlsplit(event.link).path == f"/events/{suspended['event_id']}"
    assert hrefs(event)[MADE_UP_SOURCE["url"]] == "related"
    assert event.id.endswith(f":events/{suspended['position']}")


async def test_filters_apply_as_in_the_read(client: httpx.AsyncClient) -> None:
    await post(client, made_up_control())
    gallium = await feed(client, f"{CONTROLS}/feed.atom", material="Ga")
    assert gallium.entries and all("xx-madeup" not in e.title for e in gallium.entries)
    assert any("cn-us-gagesb-2024" in e.title for e in gallium.entries)
    dysprosium = await feed(client, f"{CONTROLS}/feed.atom", material="Dy")
    assert dysprosium.entries[0].title == "new: xx-madeup-control (in_force)"
    us = await feed(client, f"{CONTROLS}/feed.atom", jurisdiction="US")
    assert all(" cn-" not in f" {e.title}" for e in us.entries)

    suspensions = await feed(client, "/events/feed.atom", type="ExportControlSuspended")
    assert suspensions.entries
    assert all(e.tags[0].term == "ExportControlSuspended" for e in suspensions.entries)
    expected = (
        await client.get("/events", params={"type": "ExportControlSuspended", "limit": 1000})
    ).json()["items"]
    assert [e.id.rsplit("/", 1)[1] for e in suspensions.entries] == [
        str(i["position"]) for i in reversed(expected)
    ]
    # The filters are part of the ids: the same change in another feed is another entry.
    everything = await feed(client, f"{CONTROLS}/feed.atom")
    assert everything.entries[0].id != dysprosium.entries[0].id


async def test_a_feed_holds_the_latest_fifty_changes(client: httpx.AsyncClient) -> None:
    controls = [
        made_up_control(policy_id=f"xx-madeup-many-{i}", title=f"Made-up control {i}")
        for i in range(60)
    ]
    answer = await client.post("/events/batch", json={"events": controls}, headers=AUTH)
    assert answer.status_code == 201, answer.text
    last = answer.json()["items"][-1]["position"]
    assert (await client.get(CONTROLS, params={"min_position": last})).status_code == 200

    parsed = await feed(client, f"{CONTROLS}/feed.atom")
    assert len(parsed.entries) == 50
    assert [e.title for e in parsed.entries] == [
        f"new: xx-madeup-many-{i} (in_force)" for i in range(59, 9, -1)
    ]
    log = await feed(client, "/events/feed.atom")
    assert [int(e.id.rsplit("/", 1)[1]) for e in log.entries] == list(range(last, last - 50, -1))


@pytest.mark.parametrize(
    ("view", "params"),
    [
        ("active-export-controls", {"status": "nope"}),
        ("active-export-controls", {"min_confidence": "certain"}),
        ("funding", {"min_confidence": "sure"}),
        ("goals", {"status": ["active", "maybe"]}),
        ("timeline", {"type": "NotAnEventType"}),
        ("timeline", {"from": "2025-13-01"}),
        ("tariffs", {"status": "pending", "min_confidence": ""}),
    ],
)
async def test_bad_filters_are_the_same_422_as_the_reads(
    client: httpx.AsyncClient, view: str, params: dict[str, Any]
) -> None:
    read = await client.get(f"/views/{view}", params=params)
    answer = await client.get(f"/views/{view}/feed.atom", params=params)
    assert read.status_code == answer.status_code == 422
    assert answer.json() == read.json()


async def test_the_log_feed_refuses_what_the_log_refuses(client: httpx.AsyncClient) -> None:
    for params in ({"type": "NotAnEventType"}, {"type": ["ExportControlImposed", "Nope"]}):
        read = await client.get("/events", params=params)
        answer = await client.get("/events/feed.atom", params=params)
        assert read.status_code == answer.status_code == 422
        assert answer.json() == read.json()


async def test_a_feed_reader_holding_the_feed_is_answered_304(client: httpx.AsyncClient) -> None:
    first = await client.get(f"{CONTROLS}/feed.atom", params={"material": "Dy"})
    tag = first.headers["etag"]
    again = await client.get(
        f"{CONTROLS}/feed.atom", params={"material": "Dy"}, headers={"If-None-Match": tag}
    )
    assert again.status_code == 304 and again.headers["etag"] == tag
    await post(client, made_up_control())
    changed = await client.get(
        f"{CONTROLS}/feed.atom", params={"material": "Dy"}, headers={"If-None-Match": tag}
    )
    assert changed.status_code == 200 and changed.headers["etag"] != tag


async def test_a_day_moving_on_is_an_entry_dated_by_its_midnight(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A made-up control recorded today, in force from three days on: a feed read five days on
    lists the day it came into force (a transition, as the stream sent it on that day)."""
    today = datetime.now(UTC).date()
    comes_in = today + timedelta(days=3)
    posted = await post(client, made_up_control(effective_from=comes_in.isoformat()))
    now = datetime.now(UTC)
    app.state.clock = lambda: now + timedelta(days=5)
    parsed = await feed(client, f"{CONTROLS}/feed.atom", material="Dy")
    came, new = parsed.entries[0], parsed.entries[1]
    assert came.title == f"xx-madeup-control: pending (from {comes_in.isoformat()}) → in_force"
    assert [t.term for t in came.tags] == ["transition"]
    assert instant(came.updated) == datetime.combine(comes_in, datetime.min.time(), UTC)
    assert came.id.endswith(f"/{posted['position']}@{comes_in.isoformat()}?material=Dy")
    assert "the day moved on" in came.content[0].value
    pinned = (await client.get(local(came.link))).json()
    assert pinned["at"] == comes_in.isoformat()
    assert [i["status"] for i in pinned["items"] if i["policy_id"] == "xx-madeup-control"] == [
        "in_force"
    ]
    assert new.title == f"new: xx-madeup-control (pending, from {comes_in.isoformat()})"
    assert new.id.endswith(f"/{posted['position']}@{today.isoformat()}?material=Dy")


async def test_an_item_leaving_the_view_is_an_ended_entry(client: httpx.AsyncClient) -> None:
    await post(client, made_up_control())
    no18 = (await client.get("/policies/cn-7ree-2025")).json()  # real: Announcement No. 18
    await post(client, made_up_follow_up("ExportControlLifted", announced_on="2025-06-01"))
    shown = await feed(client, f"{CONTROLS}/feed.atom", material="Dy")
    assert shown.entries[0].title == "ended: xx-madeup-control (lifted)"
    assert [t.term for t in shown.entries[0].tags] == ["removed"]
    lifted = await feed(client, f"{CONTROLS}/feed.atom", material="Dy", status="lifted")
    assert lifted.entries[0].title == "new: xx-madeup-control (lifted)"
    # A made-up correction: No. 18 no longer lists dysprosium, so it leaves the Dy feed.
    correction = made_up_follow_up(
        "EventCorrected", policy_id=None, corrects=no18["history"][0]["event"]["event_id"],
        changes={"materials": ["Sm"]}, reason="made-up test correction",
    )  # fmt: skip
    await post(client, correction)
    shown = await feed(client, f"{CONTROLS}/feed.atom", material="Dy")
    assert shown.entries[0].title == "ended: cn-7ree-2025 (materials changed)"
    samarium = await feed(client, f"{CONTROLS}/feed.atom", material="Sm")
    assert samarium.entries[0].title.startswith("cn-7ree-2025: materials")
