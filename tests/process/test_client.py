"""The Python client (``service.client``) against real server processes: writes, reads, the
log's pages, the named exceptions, and subscriptions that outlive a server restart.

Events posted are made up (tests/support/bodies.py) or SYNTHETIC (bench/synthetic.py: titles
say so, ids start with ``syn-``); the store also holds the bundled real timeline. Answers are
compared with what the API answers to plain httpx requests.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import aclosing, closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.synthetic import sequence
from service.client import (
    AsyncTimelineClient,
    EventIdReused,
    Forbidden,
    Invalid,
    Listener,
    Message,
    NotFound,
    PolicyExists,
    PolicyNotFound,
    PositionNotRecorded,
    TimelineClient,
    TimelineError,
    Unauthorized,
    VersionConflict,
)
from tests.support.bodies import made_up_control, made_up_follow_up, made_up_tariff
from tests.support.server import free_port, running_server
from tests.support.stream_client import Subscriber, check_view_messages, wait_for_views

KEY = "client-test-key"
MADE_UP_ID = "0c1e0000-0000-4000-8000-00000000c001"  # made-up event ids
MADE_UP_FOLLOW_UP_ID = "0c1e0000-0000-4000-8000-00000000c002"


def synthetic_events(n: int, seed: int) -> list[dict[str, Any]]:
    """A valid synthetic history ending ten days before today, so that it all bears on the
    views as read today."""
    start = datetime.now(UTC).date() - timedelta(days=n // 10 + 10)
    return sequence(n, seed=seed, live_target=60, start=start)


def wait_until(condition: Callable[[], bool], message: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


def raw_pages(base: str, **params: Any) -> list[dict[str, Any]]:
    """Every entry of GET /events, paged by hand."""
    items: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        page = httpx.get(f"{base}/events", params={**params, "after": after, "limit": 1000})
        items.extend(page.json()["items"])
        after = page.json()["next_after"]
    return items


def replayed(base: str, view: str, params: dict[str, Any], after: int) -> list[Message]:
    """What a plain SSE client resuming after ``after`` is sent, from the store."""
    path = "/events/stream" if view == "events" else f"/views/{view}/stream"
    reference = Subscriber(base, path, params, after=str(after))
    reference.done.set()
    reference.run()  # replays everything, then stops once quiet
    assert reference.error is None, reference.error
    return [Message(id=i, event=e, data=d) for i, e, d in reference.messages]


# --- reads and writes ----------------------------------------------------------------------------


def test_posts_reads_diffs_policies_and_every_page_of_the_log(tmp_path: Path) -> None:
    with (
        running_server(tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, _),
        TimelineClient(base, api_key=KEY) as client,
    ):
        head = httpx.get(f"{base}/views").json()["log_position"]
        wait_for_views(base, head)

        # The log: all pages, following the cursor, with and without filters.
        log = list(client.events(page_size=7))
        assert [e["position"] for e in log] == list(range(1, head + 1))
        assert log == raw_pages(base)
        chosen = list(client.events(material="Dy", jurisdiction=["CN", "US"], page_size=2))
        assert chosen == raw_pages(base, material="Dy", jurisdiction=["CN", "US"])
        assert len(chosen) > 4  # several pages
        types = ["ExportControlImposed", "ExportControlSuspended"]
        early = list(client.events(type=types, known_at=30, after=5, page_size=3))
        assert early and all(5 < e["position"] <= 30 for e in early)
        assert early == [e for e in log[5:30] if e["event"]["type"] in types]

        # A post, its idempotent repeat, a batch.
        posted = client.post_event(made_up_control(event_id=MADE_UP_ID))
        assert (posted["position"], posted["version"]) == (head + 1, 1)
        assert posted["event_id"] == MADE_UP_ID and posted["policy_id"] == "xx-madeup-control"
        assert client.post_event(made_up_control(event_id=MADE_UP_ID)) == posted
        suspension = made_up_follow_up(
            "ExportControlSuspended", event_id=MADE_UP_FOLLOW_UP_ID, announced_on="2025-05-01",
            until="2099-01-01", expected_version=1,
        )  # fmt: skip
        batch = client.post_events([suspension, made_up_tariff()])
        assert (batch["count"], batch["created"], batch["duplicates"]) == (2, 2, 0)
        assert [i["position"] for i in batch["items"]] == [head + 2, head + 3]
        end = head + 3
        assert client.post_events([suspension])["items"][0]["created"] is False

        # View reads: filters (repeatable), min_position, known_at as a position, at.
        read = client.view("active-export-controls", material=["Dy", "Tb"], min_position=end)
        assert read["position"] == end and read["view"] == "active-export-controls"
        mine = [i for i in read["items"] if i["policy_id"] == "xx-madeup-control"]
        assert [i["status"] for i in mine] == ["suspended"]
        raw = httpx.get(
            f"{base}/views/active-export-controls",
            params={"material": ["Dy", "Tb"], "known_at": f"position={end}"},
        ).json()
        assert read["items"] == raw["items"]
        before = client.view("active-export-controls", known_at=head, material="Dy")
        assert before["position"] == head
        assert "xx-madeup-control" not in {i["policy_id"] for i in before["items"]}
        then = client.view("active-export-controls", at=date(2025, 4, 20), material="Dy")
        assert then["at"] == "2025-04-20"
        assert {"xx-madeup-control": "in_force"}.items() <= {
            i["policy_id"]: i["status"] for i in then["items"]
        }.items()
        page = client.view("timeline", from_="2025-04-04", to="2025-04-05", jurisdiction="CN")
        assert MADE_UP_ID in {i["event_id"] for i in page["items"]} and page["at"] is None
        assert "controls" in str(client.view("materials/Dy")["items"])

        # Diffs: between valid dates, and between record times (positions).
        by_date = client.diff("active-export-controls", date(2025, 4, 1), "2025-04-10")
        assert "xx-madeup-control" in {e["policy_id"] for e in by_date["added"]}
        assert (by_date["from"], by_date["to"]) == ("2025-04-01", "2025-04-10")
        by_record = client.diff(
            "active-export-controls", known_from=head, known_to=end, at="2025-06-01"
        )
        assert [e["policy_id"] for e in by_record["added"]] == ["xx-madeup-control"]
        assert (by_record["from_position"], by_record["to_position"]) == (head, end)

        # A policy, on a date and as known at a position; one event with its corrections.
        policy = client.policy("xx-madeup-control")
        assert policy["status"] == "suspended" and len(policy["history"]) == 2
        assert client.policy("xx-madeup-control", at="2025-04-20")["status"] == "in_force"
        assert len(client.policy("xx-madeup-control", known_at=head + 1)["history"]) == 1
        detail = client.event(MADE_UP_ID)
        assert detail["position"] == head + 1 and detail["corrections"] == []


# --- errors --------------------------------------------------------------------------------------


def refused(call: Callable[[], Any], expected: type[TimelineError]) -> TimelineError:
    with pytest.raises(expected) as raised:
        call()
    error = raised.value
    assert type(error) is expected and isinstance(error, TimelineError)
    assert error.code == expected.code and error.message == str(error) and error.message
    assert isinstance(error.details, list) and error.url.startswith("http://127.0.0.1:")
    return error


def test_error_answers_raise_the_exception_named_after_their_code(tmp_path: Path) -> None:
    with (
        running_server(tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, _),
        TimelineClient(base, KEY) as client,
        TimelineClient(base) as anonymous,
        TimelineClient(base, "pt_not-a-key-of-this-server") as stranger,
    ):
        made = httpx.post(f"{base}/keys", json={"name": "rita", "role": "reader"},
                          headers={"Authorization": f"Bearer {KEY}"})  # fmt: skip
        assert made.status_code == 201, made.text

        # Keys: none where one is needed, an unknown one (even on a public read), too low a role.
        assert refused(lambda: anonymous.post_event(made_up_control()), Unauthorized).status == 401
        assert refused(lambda: stranger.view("goals"), Unauthorized).status == 401
        with TimelineClient(base, made.json()["key"]) as reader:
            assert reader.view("goals")["view"] == "goals"  # a reader reads
            assert refused(lambda: reader.post_event(made_up_control()), Forbidden).status == 403

        # Nothing by that name.
        assert refused(lambda: client.policy("xx-no-such-policy"), NotFound).status == 404
        assert refused(lambda: client.view("no-such-view"), NotFound).status == 404
        refused(lambda: client.event(str(uuid.uuid4())), NotFound)

        # Bad parameters and bodies: details name the fields.
        bad_date = refused(lambda: client.view("goals", at="soon"), Invalid)
        assert bad_date.status == 422 and "at" in bad_date.details[0]["field"]
        bad_body = refused(lambda: client.post_event({"type": "ExportControlImposed"}), Invalid)
        assert {"title", "jurisdiction"} <= {d["field"] for d in bad_body.details}
        in_batch = refused(
            lambda: client.post_events([made_up_control(), {"type": "TariffImposed"}]), Invalid
        )
        assert all(d["field"].startswith("events.1.") for d in in_batch.details)
        refused(lambda: client.policy("xx-madeup-control"), NotFound)  # the batch stored nothing

        # The log's rules.
        client.post_event(made_up_control(event_id=MADE_UP_ID))
        refused(lambda: client.post_event(made_up_control()), PolicyExists)
        follow_up = made_up_follow_up("ExportControlLifted", policy_id="xx-madeup-other")
        assert refused(lambda: client.post_event(follow_up), PolicyNotFound).status == 409
        stale = made_up_follow_up("ExportControlLifted", expected_version=0)
        refused(lambda: client.post_event(stale), VersionConflict)
        retitled = made_up_control(event_id=MADE_UP_ID, title="Made-up control, retitled")
        refused(lambda: client.post_event(retitled), EventIdReused)

        # A position beyond the log's end: 422 for a read's known_at, 409 for a stream's after.
        beyond = 10**9
        read = refused(lambda: client.view("goals", known_at=beyond), PositionNotRecorded)
        assert read.status == 422
        with closing(client.subscribe("goals", after=beyond)) as messages:
            assert refused(lambda: next(messages), PositionNotRecorded).status == 409

        # A subscription that retrying cannot fix raises at once, named.
        with closing(client.subscribe("goals", status="no-such-status")) as messages:
            refused(lambda: next(messages), Invalid)
        with closing(client.subscribe("no-such-view")) as messages:
            refused(lambda: next(messages), NotFound)


# --- subscriptions across a restart --------------------------------------------------------------


class Stopped(Exception):
    """Raised by a test's listener to end its subscription."""


class Watch(Listener):
    """Counts what a subscription went through. With ``hold``, a trouble waits for
    ``release`` (so the test decides when it reconnects); once ``stop`` is set, the next
    trouble ends the subscription (a listener's exception ends it)."""

    def __init__(self, hold: bool = False) -> None:
        self.hold = hold
        self.connects = 0
        self.troubles: list[str] = []
        self.joined = threading.Event()
        self.release = threading.Event()
        self.stop = threading.Event()

    def connected(self) -> None:
        self.connects += 1
        self.joined.set()

    def trouble(self, problem: str, wait: float) -> None:
        if self.stop.is_set():
            raise Stopped
        self.troubles.append(problem)
        if self.hold:
            self.release.wait(60)


class Follower(threading.Thread):
    """One sync subscription, read in a thread until its watch says stop."""

    def __init__(self, base: str, view: str, hold: bool = False, **filters: Any) -> None:
        super().__init__(daemon=True)
        self.base, self.view, self.filters = base, view, filters
        self.watch = Watch(hold)
        self.messages: list[Message] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with TimelineClient(self.base) as client:
                for message in client.subscribe(self.view, listener=self.watch, **self.filters):
                    self.messages.append(message)
        except Stopped:
            pass
        except BaseException as error:  # reported by the test
            self.error = error

    def end(self) -> None:
        self.watch.stop.set()
        self.watch.release.set()


def test_subscribe_yields_every_change_once_in_order_across_a_server_restart(
    tmp_path: Path,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bodies = synthetic_events(240, seed=21)
    followers: dict[str, Follower] = {}
    try:
        with running_server(tmp_path, port, POLICY_TIMELINE_ADMIN_KEY=KEY):
            start = httpx.get(f"{base}/views").json()["log_position"]
            wait_for_views(base, start)
            followers = {
                "view": Follower(base, "active-export-controls"),
                "filtered": Follower(base, "active-export-controls", jurisdiction=["US", "JP"]),
                "log": Follower(base, "events"),
                # Nothing before the restart is a tariff: this one holds only the point it
                # joined at, and is kept away until the tariff is posted to the new server.
                "quiet": Follower(base, "tariffs", hold=True),
            }
            for follower in followers.values():
                follower.start()
            for name, follower in followers.items():
                assert follower.watch.joined.wait(10), name
            with TimelineClient(base, KEY) as client:
                client.post_events(bodies[:100])
                for body in bodies[100:120]:
                    client.post_event(body)
            wait_for_views(base, start + 120)
            wait_until(lambda: len(followers["log"].messages) == 120, "the log did not arrive")
            assert followers["view"].messages and followers["quiet"].messages == []
        # The server is down: each follower finds it cannot connect, and keeps trying.
        wait_until(lambda: all(f.watch.troubles for f in followers.values()), "no trouble")
        with running_server(tmp_path, port, POLICY_TIMELINE_ADMIN_KEY=KEY):
            with TimelineClient(base, KEY) as client:
                tariff = client.post_event(made_up_tariff())
                client.post_events(bodies[120:200])
                for body in bodies[200:]:
                    client.post_event(body)
            end = start + 1 + len(bodies)
            wait_for_views(base, end)
            followers["quiet"].watch.release.set()

            expected = {
                "view": replayed(base, "active-export-controls", {}, start),
                "filtered": replayed(base, "active-export-controls", followers["filtered"].filters,
                                     start),
                "log": replayed(base, "events", {}, start),
                "quiet": replayed(base, "tariffs", {}, start),
            }  # fmt: skip
            wait_until(
                lambda: all(len(f.messages) >= len(expected[n]) for n, f in followers.items()),
                "a follower did not catch up",
            )
            time.sleep(0.5)  # a repeat would show up now
            for name, follower in followers.items():
                assert follower.error is None, (name, follower.error)
                assert follower.messages == expected[name], name
                assert any("cannot connect to" in t for t in follower.watch.troubles), name
                assert follower.watch.connects >= 2, name
            # Applied to the view read at the start, the changes give the view read at the end.
            view = [(m["id"], m["event"], m["data"]) for m in followers["view"].messages]
            check_view_messages(base, "active-export-controls", {}, start, end, view)
            for follower in followers.values():
                follower.end()

        log = followers["log"].messages
        assert [m["id"] for m in log] == [str(p) for p in range(start + 1, end + 1)]
        assert [m["data"]["event"]["event_id"] for m in log] == [
            b["event_id"] for b in bodies[:120]
        ] + [tariff["event_id"]] + [b["event_id"] for b in bodies[120:]]
        [added] = followers["quiet"].messages
        assert added["id"].startswith(f"{tariff['position']}@") and added["event"] == "added"
        assert [e["item"]["policy_id"] for e in added["data"]["items"]] == ["xx-madeup-tariff"]
        assert 0 < len(followers["filtered"].messages) < len(view)
    finally:
        for follower in followers.values():
            follower.end()
        for follower in followers.values():
            follower.join(15)


# --- the async client ----------------------------------------------------------------------------


async def collect(
    client: AsyncTimelineClient,
    view: str,
    into: list[Message],
    watch: Watch,
    after: int | None = None,
) -> None:
    async with aclosing(client.subscribe(view, after, listener=watch)) as messages:
        async for message in messages:
            into.append(message)


async def until(condition: Callable[[], bool], message: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        await asyncio.sleep(0.05)


async def test_the_async_client_reads_and_follows_a_view_and_the_log_across_a_restart(
    tmp_path: Path,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bodies = synthetic_events(120, seed=22)
    received: dict[str, list[Message]] = {"active-export-controls": [], "events": []}
    watches = {view: Watch() for view in received}
    async with AsyncTimelineClient(base, KEY) as client:
        with running_server(tmp_path, port, POLICY_TIMELINE_ADMIN_KEY=KEY):
            head = httpx.get(f"{base}/views").json()["log_position"]
            wait_for_views(base, head)
            read = await client.view("active-export-controls", material="Dy")
            assert read["position"] == head and read["items"]
            log = [entry async for entry in client.events(page_size=10)]
            assert log == raw_pages(base)
            assert (await client.policy("cn-7ree-2025"))["policy_id"] == "cn-7ree-2025"
            with pytest.raises(NotFound):
                await client.view("no-such-view")
            tasks = [
                # the view from a read's position; the log from where it stands when it joins
                asyncio.create_task(collect(client, view, received[view], watches[view], after))
                for view, after in (("active-export-controls", head), ("events", None))
            ]
            await until(lambda: all(w.connects for w in watches.values()), "not connected")
            await client.post_events(bodies[:60])
            await until(lambda: len(received["events"]) == 60, "the log did not arrive")
        await until(lambda: all(w.troubles for w in watches.values()), "no trouble")
        with running_server(tmp_path, port, POLICY_TIMELINE_ADMIN_KEY=KEY):
            for body in bodies[60:]:
                await client.post_event(body)
            end = head + len(bodies)
            wait_for_views(base, end)
            expected = {view: replayed(base, view, {}, head) for view in received}
            await until(
                lambda: all(len(m) >= len(expected[v]) for v, m in received.items()),
                "a subscription did not catch up",
            )
            await asyncio.sleep(0.5)  # a repeat would show up now
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for view, messages in received.items():
                assert messages == expected[view], view
                assert watches[view].connects >= 2
            assert [m["id"] for m in received["events"]] == [
                str(p) for p in range(head + 1, end + 1)
            ]
            assert len(received["active-export-controls"]) > 10
