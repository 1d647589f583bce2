"""Live streams: POST-to-delivery latency with many subscribers, against a real server
(bundled timeline loaded, projections in the server process).

Each subscriber holds ``GET /views/active-export-controls/stream`` open; the poster sends
SYNTHETIC export controls (each a new policy, so each one is an ``added`` message for every
subscriber) at a steady rate for 10 s. Latency is from sending the POST to a subscriber
reading the message's ``id:`` line, so it covers the write, the projection, the hub and the
delivery. Subscribers are raw asyncio protocols that only look for ``id:`` lines: the client
shares the 2 cores with the server and must cost less than what it measures (it still used
0.3-0.6 of a core at the larger levels). Each level runs on a fresh server; a level whose p99
reaches 250 ms ends its series."""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from bench.http_load import Connection
from bench.report import table, write_section
from tests.support.server import running_server

SECONDS = 10
KEY = "bench-key"
PATH = "/views/active-export-controls/stream"
P99_LIMIT_MS = 250.0


class Subscriber(asyncio.Protocol):
    def __init__(self, arrivals: dict[int, list[float]]) -> None:
        self.arrivals = arrivals
        self.buffer = b""
        self.ready = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if not self.ready.done():
            self.ready.set_result(None)
        self.buffer += data
        while (start := self.buffer.find(b"id: ")) >= 0:
            end = self.buffer.find(b"\r\n", start)
            if end < 0:
                break
            position = int(self.buffer[start + 4 : end].split(b"@")[0])
            self.arrivals.setdefault(position, []).append(now)
            self.buffer = self.buffer[end:]
        if len(self.buffer) > 4096 and self.buffer.find(b"id: ") < 0:
            self.buffer = self.buffer[-8:]


def control(n: int) -> bytes:
    return json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "type": "ExportControlImposed",
            "measure": "licence_required",
            "policy_id": f"syn-stream-{uuid.uuid4().hex[:12]}",
            "jurisdiction": "CN",
            "agency": "synthetic",
            "title": f"Synthetic stream benchmark control {n}",
            "announced_on": "2025-06-01",
            "materials": ["Dy"],
            "sources": [{"title": "synthetic, not a real source", "url": None}],
        }
    ).encode()


async def measure(base: str, subscribers: int, rate: int) -> tuple[list[float], int]:
    """Latencies (ms) of every delivery, and how many subscribers were connected."""
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    loop = asyncio.get_running_loop()
    arrivals: dict[int, list[float]] = {}
    transports = []
    protocols = []
    request = f"GET {PATH} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    for _ in range(subscribers):
        transport, protocol = await loop.create_connection(lambda: Subscriber(arrivals), host, port)
        transport.write(request)
        transports.append(transport)
        protocols.append(protocol)
    await asyncio.wait_for(asyncio.gather(*(p.ready for p in protocols)), 60)
    writer = await Connection.open(base)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    sent: dict[int, float] = {}
    started = time.perf_counter()
    for n in range(rate * SECONDS):
        due = started + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        at = time.perf_counter()
        status, answer = await writer.request("POST", "/events", control(n), headers)
        if status != 201:
            raise RuntimeError(answer[:200])
        sent[json.loads(answer)["position"]] = at
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and any(
        len(arrivals.get(p, ())) < subscribers for p in sent
    ):
        await asyncio.sleep(0.1)
    writer.close()
    for transport in transports:
        transport.close()
    latencies = [(t - sent[p]) * 1000 for p, times in arrivals.items() if p in sent for t in times]
    missing = sum(subscribers - len(arrivals.get(p, ())) for p in sent)
    if missing:
        raise RuntimeError(f"{missing} deliveries did not arrive within 30 s")
    return latencies, subscribers


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run() -> None:
    rows = []
    held: dict[int, int] = {}
    plan = [(200, [100, 400, 800, 1200]), (10, [1000, 1500, 2000, 3000])]
    for rate, levels in plan:
        for subscribers in levels:
            with (
                tempfile.TemporaryDirectory() as directory,
                running_server(Path(directory), POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, _),
            ):
                try:
                    latencies, _ = asyncio.run(measure(base, subscribers, rate))
                except (RuntimeError, OSError, TimeoutError) as error:
                    rows.append([str(rate), str(subscribers), "-", "-", "-", f"failed: {error}"])
                    break
            p99 = percentile(latencies, 0.99)
            rows.append(
                [str(rate), str(subscribers), str(len(latencies)),
                 f"{statistics.median(latencies):.1f}", f"{p99:.1f}", f"{max(latencies):.1f}"]
            )  # fmt: skip
            print(rows[-1], flush=True)
            if p99 >= P99_LIMIT_MS:
                break
            held[rate] = subscribers
    body = "## Live streams: POST-to-delivery latency (SQLite file)\n\n" + table(
        ["events/s", "subscribers", "deliveries", "p50 ms", "p99 ms", "max ms"], rows
    )
    body += "\n\n" + "\n".join(
        f"Most subscribers held with p99 < {P99_LIMIT_MS:.0f} ms at {rate} events/s: "
        f"{held.get(rate, 0)} (largest level tried: {levels[-1]})."
        for rate, levels in plan
    )
    body += "\n\n" + (__doc__ or "").strip()
    print(body)
    write_section("streams", body)
