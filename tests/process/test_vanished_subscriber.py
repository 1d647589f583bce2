"""Live subscribers that vanish without closing are let go within two heartbeats, against a
real server process (``service.streams.liveness`` says how, and what the kernel does).

* One stops reading and never closes: a raw socket with a small receive buffer that reads the
  response's headers and nothing more, while made-up events are posted.
* One whose cable is pulled: a real TCP connection across a wire between two network
  namespaces, cut in the middle (``tests.support.cable``; needs root, skipped otherwise).
* One that reads, only slowly, through the same small buffer: it is kept, and gets everything.

The events posted are made up (their titles say so); the store also holds the bundled real
timeline.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from tests.support import cable
from tests.support.server import free_port, running_server
from tests.support.stream_client import Subscriber

pytestmark = pytest.mark.backend_independent

KEY = "made-up-admin-key-for-vanishing-subscribers"
HEARTBEAT = 1.0  # seconds; the default is 15
# Two heartbeats, plus time for the hub to hand the posted events out (it polls every 0.2 s),
# for the kernel's timer to fire and for uvicorn and the hub to let the subscriber go.
WITHIN = 2 * HEARTBEAT + 1.5
SUBSCRIBERS = 'policy_timeline_stream_subscribers{stream="events"}'


def server(
    directory: Path, port: int | None = None, **extra: str
) -> AbstractContextManager[tuple[str, Path]]:
    return running_server(
        directory,
        port,
        POLICY_TIMELINE_ADMIN_KEY=KEY,
        POLICY_TIMELINE_STREAM_HEARTBEAT_SECONDS=str(HEARTBEAT),
        **extra,
    )


def metric(base: str, name: str) -> float:
    text = httpx.get(f"{base}/metrics", timeout=5).text
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ")]
    return values[0] if values else 0.0


def wait_until(condition: Callable[[], bool], message: str, seconds: float) -> float:
    """Seconds it took ``condition`` to hold; fails after ``seconds``."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, message
        time.sleep(0.02)
    return time.monotonic() - start


def subscribe_by_hand(address: tuple[str, int], receive_buffer: int | None = 4096) -> socket.socket:
    """A raw connection to ``/events/stream``, read up to the end of the response's headers."""
    raw = socket.socket()
    if receive_buffer is not None:
        # Set before connecting, so that the window it offers is small from the start.
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    raw.settimeout(10)
    raw.connect(address)
    raw.sendall(b"GET /events/stream HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = raw.recv(1)  # byte by byte: nothing of the body is taken off the socket
        assert chunk, "the server closed the connection"
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head
    return raw


def post_made_up_events(base: str, count: int, tag: str) -> int:
    """``count`` made-up export controls in one batch (about 700 bytes each on the stream);
    the position of the last."""
    events = [
        {
            "type": "ExportControlImposed",
            "policy_id": f"xx-madeup-{tag}-{i}",
            "jurisdiction": "CN",
            "agency": "MOFCOM",
            "title": f"Made-up control {i} for a test of vanishing subscribers (not real)",
            "announced_on": "2025-04-04",
            "materials": ["dysprosium"],
            "sources": [{"title": "made-up test source", "url": None}],
            "measure": "licence_required",
        }
        for i in range(count)
    ]
    answer = httpx.post(
        f"{base}/events/batch",
        json={"events": events},
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["items"][-1]["position"])


def others_are_still_served(base: str, after: int, end: int) -> None:
    reader = Subscriber(base, "/events/stream", after=str(after), quiet=1.0)
    reader.done.set()
    reader.run()
    assert reader.error is None
    assert [int(m[0]) for m in reader.messages] == list(range(after + 1, end + 1))


def test_a_subscriber_that_stops_reading_and_never_closes_is_let_go_within_two_heartbeats(
    tmp_path: Path,
) -> None:
    with server(tmp_path) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        start = httpx.get(f"{base}/views", timeout=5).json()["log_position"]
        stalled = subscribe_by_hand(("127.0.0.1", port))
        wait_until(lambda: metric(base, SUBSCRIBERS) == 1, "the subscriber was not counted", 5)
        # Until data waits for it, a reader that stopped looks like one on a quiet stream (its
        # buffer takes the heartbeats): still counted after three of them.
        time.sleep(3 * HEARTBEAT)
        assert metric(base, SUBSCRIBERS) == 1
        # ~40 kB of messages: more than its 4 KiB buffer (doubled by the kernel) takes.
        end = post_made_up_events(base, 60, "stalled")
        took = wait_until(
            lambda: metric(base, SUBSCRIBERS) == 0, "the stalled subscriber was kept", 30
        )
        assert took <= WITHIN, f"let go after {took:.2f} s"
        others_are_still_served(base, start, end)
        # The server has forgotten the connection: what the stalled socket still holds can be
        # read, then the connection is reset or ended, never continued.
        stalled.settimeout(10)
        with pytest.raises(ConnectionResetError):
            while stalled.recv(65536):
                pass
            raise ConnectionResetError("ended")
        stalled.close()
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200


def test_a_subscriber_that_reads_slowly_is_kept_and_gets_every_message(tmp_path: Path) -> None:
    with server(tmp_path) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        start = httpx.get(f"{base}/views", timeout=5).json()["log_position"]
        slow = subscribe_by_hand(("127.0.0.1", port))
        wait_until(lambda: metric(base, SUBSCRIBERS) == 1, "the subscriber was not counted", 5)
        end = post_made_up_events(base, 300, "slow")
        # 2 KiB every 50 ms, 40 kB/s: ~200 kB takes it about five heartbeats, its window
        # closing and reopening all along.
        received = b""
        began = time.monotonic()
        while received.count(b"\nid: ") < end - start:  # each message's id line
            chunk = slow.recv(2048)
            assert chunk, f"cut off after {time.monotonic() - began:.1f} s"
            received += chunk
            time.sleep(0.05)
        assert time.monotonic() - began > 3 * HEARTBEAT  # slow enough to matter
        assert metric(base, SUBSCRIBERS) == 1
        slow.close()


def test_a_subscriber_whose_cable_is_pulled_is_let_go_within_two_heartbeats(
    tmp_path: Path,
) -> None:
    why = cable.unavailable()
    if why is not None:
        pytest.skip(why)
    cable.on_own_thread(lambda: _cable_pulled(tmp_path))


def _cable_pulled(directory: Path) -> None:
    wire = cable.Cable()  # this thread is now on the server's side
    try:
        port = free_port()
        # Listening on every address: the client reaches it across the cable.
        with server(directory, port, POLICY_TIMELINE_HOST="0.0.0.0") as (base, _):
            with wire.client_side():
                far = subscribe_by_hand((cable.SERVER_ADDRESS, port), receive_buffer=None)
            wait_until(lambda: metric(base, SUBSCRIBERS) == 1, "the subscriber was not counted", 5)
            time.sleep(2 * HEARTBEAT)  # heartbeats cross the cable and are acknowledged
            assert metric(base, SUBSCRIBERS) == 1
            wire.pull()
            took = wait_until(
                lambda: metric(base, SUBSCRIBERS) == 0, "the vanished subscriber was kept", 30
            )
            assert took <= WITHIN, f"let go after {took:.2f} s"
            start = httpx.get(f"{base}/views", timeout=5).json()["log_position"]
            others_are_still_served(base, start - 5, start)
            far.close()
    finally:
        wire.close()
