"""Live streams against a real uvicorn process, read with a real SSE client (httpx-sse).

The events posted are SYNTHETIC (bench/synthetic.py: titles say so, ids start with ``syn-``);
the store also holds the bundled real timeline. Every message is checked against the view
reads: applying a subscriber's messages to the view it read at the start must give, at each
position checked, exactly the view read at that position.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import h11
import httpx
import pytest

from bench.synthetic import sequence
from tests.support.backend import database_url
from tests.support.server import CLI, free_port, running_server, server_env, server_process
from tests.support.stream_client import Message, Subscriber, check_view_messages, wait_for_views

KEY = "stream-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}

# (stream path, filter): 20 subscribers over the views the synthetic log fills and the raw log
# (it holds no tariffs: test_tariffs_stream.py follows those).
FILTERS: list[tuple[str, dict[str, Any]]] = [
    ("active-export-controls", {}),
    ("active-export-controls", {"material": "Dy"}),
    ("active-export-controls", {"material": "HREE"}),
    ("active-export-controls", {"jurisdiction": "CN"}),
    ("active-export-controls", {"jurisdiction": ["US", "JP"]}),
    ("active-export-controls", {"status": "lifted"}),
    ("active-export-controls", {"status": ["suspended", "pending"]}),
    ("active-export-controls", {"target": "US"}),
    ("active-export-controls", {"measure": "ban", "material": "Nd"}),
    ("active-export-controls", {"min_confidence": "confirmed"}),
    ("funding", {}),
    ("funding", {"material": "Ga"}),
    ("funding", {"agency": "DoD"}),
    ("funding", {"mechanism": ["loan", "equity"], "jurisdiction": "IN"}),
    ("goals", {}),
    ("goals", {"status": "abandoned"}),
    ("timeline", {}),
    ("timeline", {"type": "ExportControlAmended", "material": "Tb"}),
    ("events", {}),
    ("events", {"type": "ExportControlSuspended", "material": "REE"}),
]


RESUMED: list[tuple[str, dict[str, Any]]] = [("active-export-controls", {}), ("events", {})]


def synthetic_events(n: int, seed: int) -> list[dict[str, Any]]:
    """A valid synthetic history ending ten days before today, so that it all bears on the
    views as read today."""
    start = datetime.now(UTC).date() - timedelta(days=n // 10 + 10)
    return sequence(n, seed=seed, live_target=60, start=start)


def post_all(base: str, bodies: list[dict[str, Any]]) -> int:
    with httpx.Client(base_url=base, headers=AUTH, timeout=30) as client:
        position = 0
        for body in bodies:
            answer = client.post("/events", json=body)
            assert answer.status_code == 201, answer.text
            position = answer.json()["position"]
    return position


def stream_path(view: str) -> str:
    return "/events/stream" if view == "events" else f"/views/{view}/stream"


def check_log_messages(
    base: str, params: dict[str, Any], start: int, messages: list[Message]
) -> None:
    expected, after = [], start
    while after is not None:
        page = httpx.get(f"{base}/events", params={**params, "after": after, "limit": 1000})
        expected.extend(page.json()["items"])
        after = page.json()["next_after"]
    assert [(m[0], m[1], m[2]) for m in messages] == [
        (str(e["position"]), e["event"]["type"], e) for e in expected
    ]


def test_twenty_filtered_subscribers_each_get_exactly_their_changes(tmp_path: Path) -> None:
    with running_server(tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, _):
        start = httpx.get(f"{base}/views").json()["log_position"]
        subscribers = [
            Subscriber(base, stream_path(view), params, after=str(start))
            for view, params in FILTERS
        ]
        for subscriber in subscribers:
            subscriber.start()
        for subscriber in subscribers:
            assert subscriber.connected.wait(10)
        end = post_all(base, synthetic_events(1000, seed=11))
        assert end == start + 1000
        wait_for_views(base, end)
        for subscriber in subscribers:
            subscriber.done.set()
        for subscriber in subscribers:
            subscriber.join(30)
            assert subscriber.error is None, subscriber.error
        for (view, params), subscriber in zip(FILTERS, subscribers, strict=True):
            if view == "events":
                check_log_messages(base, params, start, subscriber.messages)
            else:
                check_view_messages(base, view, params, start, end, subscriber.messages)
        counts = [len(s.messages) for s in subscribers]
        assert counts[0] > 100 and counts[-2] == 1000  # the checks above are not vacuous
        assert 0 < counts[1] < counts[0]


def test_hanging_up_and_resuming_with_last_event_id_loses_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, _):
        start = str(httpx.get(f"{base}/views").json()["log_position"])
        pairs = [
            (
                Subscriber(base, stream_path(view), params, after=start),
                Subscriber(base, stream_path(view), params, after=start, drop_every=25),
            )
            for view, params in RESUMED
        ]
        for steady, flaky in pairs:
            steady.start()
            flaky.start()
            assert steady.connected.wait(10) and flaky.connected.wait(10)
        end = post_all(base, synthetic_events(400, seed=12))
        wait_for_views(base, end)
        for steady, flaky in pairs:
            steady.done.set()
            flaky.done.set()
            steady.join(30)
            flaky.join(30)
            assert steady.error is None and flaky.error is None
            assert flaky.connects >= 4
            assert flaky.messages == steady.messages
            assert len(steady.messages) > 100


def test_tail_resumes_across_a_server_restart(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bodies = synthetic_events(300, seed=13)
    output = tmp_path / "tail.jsonl"
    tail: subprocess.Popen[bytes] | None = None
    try:
        with running_server(tmp_path, port, POLICY_TIMELINE_ADMIN_KEY=KEY):
            start = httpx.get(f"{base}/views").json()["log_position"]
            tail = subprocess.Popen(
                [*CLI, "tail", "active-export-controls", "--json", "--server", base,
                 "--after", str(start)],
                env=server_env(tmp_path), stdout=output.open("w"), stderr=subprocess.STDOUT,
            )  # fmt: skip
            wait_for_views(base, post_all(base, bodies[:150]))
            _wait_until(lambda: len(_lines(output)) > 10, "tail printed nothing")
        before_restart = len(_lines(output))
        with running_server(tmp_path, port, POLICY_TIMELINE_ADMIN_KEY=KEY):
            end = post_all(base, bodies[150:])
            wait_for_views(base, end)
            reference = Subscriber(base, stream_path("active-export-controls"), after=str(start))
            reference.done.set()
            reference.run()  # replays everything from the store, then stops when quiet
            assert reference.error is None
            expected = [{"id": i, "event": e, "data": d} for i, e, d in reference.messages]
            _wait_until(lambda: len(_lines(output)) >= len(expected), "tail did not catch up")
            time.sleep(0.5)  # anything extra (a repeat) would show up now
        assert 0 < before_restart < len(expected)
        assert _lines(output) == expected
    finally:
        if tail is not None:
            tail.terminate()
            tail.wait(10)


def test_streams_end_promptly_when_the_server_stops(tmp_path: Path) -> None:
    with server_process(tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, output, process):
        subscribers = [
            Subscriber(base, stream_path(view), quiet=30) for view in ("goals", "events")
        ]
        for subscriber in subscribers:
            subscriber.done.set()  # one connection each: end when the server ends it
            subscriber.start()
            assert subscriber.connected.wait(10)
        stopping = time.monotonic()
        process.terminate()
        for subscriber in subscribers:
            subscriber.join(10)
            assert not subscriber.is_alive() and subscriber.error is None
        process.wait(10)
        assert time.monotonic() - stopping < 5
        # uvicorn re-raises the signal it stopped for once it has shut down cleanly
        assert process.returncode in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in output.read_text()


def _lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _wait_until(condition: Any, message: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


def _metric(base: str, name: str) -> float:
    text = httpx.get(f"{base}/metrics").text
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ")]
    return values[0] if values else 0.0


def test_a_stalled_subscriber_is_cut_off_with_an_overflow_message_and_memory_stays_bounded(
    tmp_path: Path,
) -> None:
    queue_max = 20
    with running_server(
        tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY, POLICY_TIMELINE_STREAM_QUEUE_MAX=str(queue_max)
    ) as (base, _):
        start = httpx.get(f"{base}/views").json()["log_position"]
        port = int(base.rsplit(":", 1)[1])
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", port))
        stalled.sendall(f"GET /events/stream?after={start} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
        bodies = synthetic_events(20_000, seed=14)
        longest = 0.0
        with httpx.Client(base_url=base, headers=AUTH, timeout=60) as client:
            for first in range(0, len(bodies), 100):
                batch = client.post("/events/batch", json={"events": bodies[first : first + 100]})
                assert batch.status_code == 201, batch.text
                longest = max(longest, _metric(base, "policy_timeline_stream_queue_longest"))
                if _metric(base, "policy_timeline_stream_overflows_total") >= 1:
                    break
        end = httpx.get(f"{base}/views").json()["log_position"]
        assert _metric(base, "policy_timeline_stream_overflows_total") == 1
        assert longest <= queue_max
        # What the stalled subscriber was sent: positions in order from the start, then the
        # overflow message naming the last of them; then the server hung up.
        received = b""
        stalled.settimeout(20)
        while chunk := stalled.recv(1 << 20):
            received += chunk
        stalled.close()
        text = _http_body(received).decode().replace("\r\n", "\n")
        frames = [f for f in text.split("\n\n") if f.strip()]
        ids = [line[4:] for f in frames for line in f.splitlines() if line.startswith("id: ")]
        kinds = [line[7:] for f in frames for line in f.splitlines() if line.startswith("event: ")]
        assert kinds[-1] == "overflow" and "overflow" not in kinds[:-1]
        positions = [int(i) for i in ids[:-1]]
        assert positions == list(range(start + 1, start + 1 + len(positions)))
        overflow = json.loads(frames[-1].split("data: ", 1)[1].split("\n")[0])
        assert overflow["resume_after"] == ids[-1] == ids[-2]
        assert _metric(base, 'policy_timeline_stream_subscribers{stream="events"}') == 0
        # Resuming where it says gives the rest of the log, once each.
        rest = Subscriber(base, "/events/stream", after=overflow["resume_after"])
        rest.done.set()
        rest.run()
        assert [int(m[0]) for m in rest.messages] == list(range(int(ids[-1]) + 1, end + 1))


def _http_body(response: bytes) -> bytes:
    """The body of a raw HTTP/1.1 response (chunked, as streams are)."""
    connection = h11.Connection(h11.CLIENT)
    connection.send(h11.Request(method="GET", target="/", headers=[("Host", "test")]))
    connection.send(h11.EndOfMessage())
    connection.receive_data(response)
    body = b""
    while True:
        event = connection.next_event()
        if isinstance(event, h11.Data):
            body += event.data
        elif event in (h11.NEED_DATA, h11.PAUSED) or isinstance(event, h11.EndOfMessage):
            return body


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clocked_server(tmp_path: Path) -> Any:
    """A real uvicorn server, run in this process so that the test can move its clock."""
    import uvicorn

    from service.http.app import create_app
    from service.settings import Settings

    clock = FakeClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    settings = Settings(
        database_url=database_url(tmp_path),
        admin_key=KEY,
        state_dir=tmp_path,
        load_demo=False,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    app.state.clock = clock
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                       timeout_graceful_shutdown=5)
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_until(lambda: server.started, "server did not start", 15)
    yield f"http://127.0.0.1:{port}", clock
    server.should_exit = True
    thread.join(15)


def test_a_suspension_ending_on_a_fake_clock_day_sends_one_transition(
    clocked_server: tuple[str, FakeClock],
) -> None:
    from tests.support.bodies import made_up_control, made_up_follow_up

    base, clock = clocked_server
    posts = [
        made_up_control(announced_on="2026-01-05"),
        made_up_control(policy_id="xx-madeup-other", materials=["gallium"],
                        announced_on="2026-01-06"),
        made_up_follow_up("ExportControlSuspended", announced_on="2026-02-01",
                          until="2026-03-03"),
    ]  # fmt: skip
    with httpx.Client(base_url=base, headers=AUTH) as client:
        for body in posts:
            assert client.post("/events", json=body).status_code == 201
    wait_for_views(base, len(posts))
    before = httpx.get(f"{base}/views/active-export-controls", params={"material": "Dy"}).json()
    assert before["at"] == "2026-03-01"
    assert [i["status"] for i in before["items"]] == ["suspended"]
    subscriber = Subscriber(
        base, "/views/active-export-controls/stream", {"material": "Dy"},
        after=f"{before['position']}@2026-03-01", quiet=5.0,  # no reconnect while quiet
    )  # fmt: skip
    subscriber.start()
    assert subscriber.connected.wait(10)
    clock.now = datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC)  # still suspended: nothing to say
    time.sleep(1.0)
    assert subscriber.messages == []
    clock.now = datetime(2026, 3, 3, 0, 0, 1, tzinfo=UTC)  # the suspension has ended
    _wait_until(lambda: subscriber.messages, "no transition message", 10)
    clock.now = datetime(2026, 3, 4, 0, 0, 1, tzinfo=UTC)
    time.sleep(1.0)
    subscriber.done.set()
    subscriber.join(10)
    assert subscriber.error is None and subscriber.connects == 1
    [(message_id, kind, data)] = subscriber.messages
    assert (message_id, kind) == (f"{before['position']}@2026-03-03", "transition")
    assert data["transition"] == {"from": "2026-03-02", "to": "2026-03-03"}
    [change] = data["items"]
    assert change["change"] == "changed" and change["before"]["status"] == "suspended"
    read = httpx.get(
        f"{base}/views/active-export-controls", params={"material": "Dy", "at": "2026-03-03"}
    ).json()
    assert read["items"] == [change["item"]] and change["item"]["status"] == "in_force"
    # Resuming replays what was missed up to today (2026-03-04): from before the suspension
    # ended, one transition with the same change; from the transition's id, nothing.
    for after, expected in [(f"{before['position']}@2026-03-01", 1), (message_id, 0)]:
        replay = Subscriber(base, "/views/active-export-controls/stream", {"material": "Dy"},
                            after=after, quiet=1.0)  # fmt: skip
        replay.done.set()
        replay.run()
        assert len(replay.messages) == expected
        for replayed_id, replayed_kind, replayed in replay.messages:
            assert replayed_id == f"{before['position']}@2026-03-04"
            assert replayed_kind == "transition" and replayed["items"] == data["items"]
            assert replayed["transition"] == {"from": "2026-03-01", "to": "2026-03-04"}
