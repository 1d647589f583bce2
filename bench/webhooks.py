"""Webhooks: commit-to-receiver latency with 50 webhooks at 20 events/s, against a real server
(``policy-timeline serve``, SQLite file, bundled timeline loaded, projections in the server,
default webhook settings but ``POLICY_TIMELINE_WEBHOOK_ALLOW_PRIVATE=true`` for the loopback
receiver).

Fifty webhooks follow ``active-export-controls`` (no filters); the poster sends SYNTHETIC
export controls (each a new policy, so each is one ``added`` change for every webhook) at a
steady 20 events/s for ``SECONDS``. Latency is from sending the POST to the receiver reading
the webhook's request, so it covers the write and its commit, the projection, the dispatcher
noticing the view moved, reading and rendering the change, signing, the POST, and storing the
cursor of the change before (each webhook sends its next change only once the last one's
cursor is stored). The receiver is a raw asyncio protocol in the bench process that answers
200 at once and only looks for the ``webhook-id`` header (the first request of each webhook
is verified with ``standardwebhooks``); it and the poster share the 2 cores with the server.

Beside it, measured in the same run:

* the stream: one SSE subscriber on the same view (``GET /views/active-export-controls/
  stream``), POST sent to its message read: the same change reaching a client with no
  webhook machinery (the hub), i.e. what the view's commit allows;
* a bare loop: the same signed POST to the same receiver code, sent by 50 of the
  dispatcher's own senders (``service.webhooks.sender``, one per webhook, each with its
  kept-alive connection) from a plain asyncio loop in the bench process, 20 rounds per
  second for 10 s with the server idle: what 50 deliveries cost with nothing else going on.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from bench.http_load import Connection
from bench.report import machine, table, write_section
from bench.streams import Subscriber, control, percentile
from service.webhooks.sender import Sender
from service.webhooks.signing import Signer, new_secret
from service.webhooks.ssrf import parse_target
from tests.support.server import running_server

SECONDS = 60
RATE = 20
WEBHOOKS = 50
BARE_SECONDS = 10
KEY = "bench-key"
VIEW = "active-export-controls"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


class Receiver(asyncio.Protocol):
    """One connection of the receiver: records when each request arrives, by path and id."""

    def __init__(
        self,
        arrivals: dict[tuple[str, str], float],
        samples: dict[str, tuple[bytes, dict[str, str]]],
    ) -> None:
        self.arrivals = arrivals
        self.samples = samples
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            path = lines[0].split(" ")[1]
            self.arrivals.setdefault((path, headers["webhook-id"]), now)
            if path not in self.samples:
                self.samples[path] = (body, headers)
            self.transport.write(OK)


async def measure(base: str) -> dict[str, list[float]]:
    loop = asyncio.get_running_loop()
    arrivals: dict[tuple[str, str], float] = {}
    samples: dict[str, tuple[bytes, dict[str, str]]] = {}
    receiver = await loop.create_server(lambda: Receiver(arrivals, samples), "127.0.0.1", 0)
    port = receiver.sockets[0].getsockname()[1]
    auth = {"Authorization": f"Bearer {KEY}"}
    secrets: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=30) as admin:
        for n in range(WEBHOOKS):
            path = f"/hook-{n}"
            answer = await admin.post(
                "/webhooks", json={"url": f"http://127.0.0.1:{port}{path}", "view": VIEW}
            )
            answer.raise_for_status()
            secrets[path] = answer.json()["secret"]

    # The stream beside it: one subscriber of the same view.
    url = urlsplit(base)
    streamed: dict[int, list[float]] = {}
    transport, subscriber = await loop.create_connection(
        lambda: Subscriber(streamed), url.hostname, url.port
    )
    transport.write(f"GET /views/{VIEW}/stream HTTP/1.1\r\nHost: {url.hostname}\r\n\r\n".encode())
    await asyncio.wait_for(subscriber.ready, 30)

    writer = await Connection.open(base)
    headers = {**auth, "Content-Type": "application/json"}
    sent: dict[int, float] = {}
    round_trips: list[float] = []

    async def post(n: int) -> None:
        at = time.perf_counter()
        status, answer = await writer.request("POST", "/events", control(n), headers)
        if status != 201:
            raise RuntimeError(answer[:200])
        round_trips.append(time.perf_counter() - at)
        sent[json.loads(answer)["position"]] = at

    await post(-1)  # a first change: the webhooks' connections are open before measuring
    await wait_for(lambda: len(arrivals) >= WEBHOOKS, 60)
    warm = set(sent)
    sent.clear()
    started = time.perf_counter()
    for n in range(RATE * SECONDS):
        await asyncio.sleep(max(0.0, started + n / RATE - time.perf_counter()))
        await post(n)
    today = datetime.now(UTC).date().isoformat()
    expected = {(f"/hook-{h}", f"{p}@{today}") for h in range(WEBHOOKS) for p in sent}
    await wait_for(lambda: expected <= arrivals.keys() and set(sent) <= streamed.keys(), 120)
    writer.close()
    transport.close()
    for path, (body, received) in samples.items():
        Webhook(secrets[path]).verify(body, received)  # raises unless signed as it should be
    missing = [key for key in expected if key not in arrivals]
    if missing:
        raise RuntimeError(f"{len(missing)} deliveries did not arrive")
    webhook = [
        (arrivals[(path, f"{p}@{today}")] - t) * 1000
        for p, t in sent.items()
        for path in secrets
        if p not in warm
    ]
    stream = [(streamed[p][0] - t) * 1000 for p, t in sent.items()]
    bare = await bare_loop(samples)
    receiver.close()
    return {
        "webhook": webhook,
        "stream": stream,
        "bare": bare,
        "post": [r * 1000 for r in round_trips],
    }


async def bare_loop(samples: dict[str, tuple[bytes, dict[str, str]]]) -> list[float]:
    """The same signed POST of the same body to the same receiver code, 50 at a time, sent by
    the dispatcher's own sender (one per webhook, each with its kept-alive connection) from a
    plain loop, with the server idle."""
    body = next(iter(samples.values()))[0]
    arrivals: dict[tuple[str, str], float] = {}
    loop = asyncio.get_running_loop()
    receiver = await loop.create_server(lambda: Receiver(arrivals, {}), "127.0.0.1", 0)
    port = receiver.sockets[0].getsockname()[1]
    senders = [
        Sender(parse_target(f"http://127.0.0.1:{port}/bare-{i}"), Signer(new_secret()), True, 10)
        for i in range(WEBHOOKS)
    ]
    latencies: list[float] = []
    started = time.perf_counter()
    for n in range(RATE * BARE_SECONDS):
        await asyncio.sleep(max(0.0, started + n / RATE - time.perf_counter()))
        at = time.perf_counter()
        outcomes = await asyncio.gather(*(s.send(f"bare-{n}", body) for s in senders))
        if not all(o.ok for o in outcomes):
            raise RuntimeError(f"bare loop: {outcomes[0]}")
        latencies += [(arrivals[(f"/bare-{i}", f"bare-{n}")] - at) * 1000 for i in range(WEBHOOKS)]
    for sender in senders:
        sender.close()
    receiver.close()
    return latencies


async def wait_for(done: object, seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    while not done():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise RuntimeError(f"not done within {seconds} s")
        await asyncio.sleep(0.05)


def report(found: dict[str, list[float]]) -> str:
    def row(name: str, values: list[float]) -> list[str]:
        return [name, f"{len(values):,}", f"{statistics.median(values):.1f}",
                f"{percentile(values, 0.99):.1f}", f"{max(values):.1f}"]  # fmt: skip

    rows = [
        row(f"webhooks: POST /events sent → receiver ({WEBHOOKS} webhooks)", found["webhook"]),
        row("stream (the limit): POST sent → SSE message, same view, same run", found["stream"]),
        row(f"bare loop (the limit): {WEBHOOKS} signed POSTs → receiver, server idle",
            found["bare"]),
        row("POST /events round trip (the write alone)", found["post"]),
    ]  # fmt: skip
    webhook, stream = found["webhook"], found["stream"]
    body = (
        f"## Webhooks: commit-to-receiver latency ({WEBHOOKS} webhooks, {RATE} events/s, "
        f"{SECONDS} s, SQLite file)\n\n"
        + table(["path", "deliveries", "p50 ms", "p99 ms", "max ms"], rows)
        + f"\n\nWebhook p50 {statistics.median(webhook):.1f} ms against the stream's "
        f"{statistics.median(stream):.1f} ms; p99 {percentile(webhook, 0.99):.1f} ms against "
        f"{percentile(stream, 0.99):.1f} ms.\n\n" + (__doc__ or "").strip()
    )
    return body


def run(output: Path | None = None) -> None:
    with (
        tempfile.TemporaryDirectory() as directory,
        running_server(
            Path(directory),
            POLICY_TIMELINE_ADMIN_KEY=KEY,
            POLICY_TIMELINE_WEBHOOK_ALLOW_PRIVATE="true",
        ) as (base, _),
    ):
        found = asyncio.run(measure(base))
    body = report(found)
    print(body)
    if output is None:
        write_section("webhooks", body)
    else:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        output.write_text(f"{body}\n\n_Measured {stamp} on {machine()}._\n", encoding="utf-8")


if __name__ == "__main__":
    # `python -m bench.webhooks FILE`: write the section to FILE instead of results.md.
    run(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
