"""Projection lag: from a ``POST /events`` answer to the view showing the event, at a steady
200 events/s for 10 s, against a real server (bundled timeline loaded, projections in the
server process). After each answer the client asks ``GET /views/timeline?min_position=P``
(every event reaches the timeline view), which answers as soon as the view has applied P; the
lag is the time from the POST answer to that GET answer, so it includes one read round trip."""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench.http_load import Connection
from bench.report import table, write_section
from tests.support.server import running_server

RATE = 200
SECONDS = 10
KEY = "bench-key"


def made_up(n: int) -> bytes:
    return json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "type": "PolicyAnnounced",
            "category": "other",
            "policy_id": f"syn-lag-{n}",
            "jurisdiction": "CN",
            "agency": "synthetic",
            "title": f"Synthetic lag benchmark event {n}",
            "announced_on": "2025-06-01",
            "materials": ["Dy"],
            "sources": [{"title": "synthetic, not a real source", "url": None}],
        }
    ).encode()


async def measure(base: str) -> list[float]:
    writer = await Connection.open(base)
    reader = await Connection.open(base)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    lags = []
    started = time.perf_counter()
    for n in range(RATE * SECONDS):
        due = started + n / RATE
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        status, answer = await writer.request("POST", "/events", made_up(n), headers)
        answered = time.perf_counter()
        if status != 201:
            raise RuntimeError(answer[:200])
        position = json.loads(answer)["position"]
        status, _ = await reader.request("GET", f"/views/timeline?min_position={position}&limit=1")
        if status != 200:
            raise RuntimeError(f"view read answered {status}")
        lags.append((time.perf_counter() - answered) * 1000)
    return lags


def run() -> None:
    with (
        tempfile.TemporaryDirectory() as directory,
        running_server(Path(directory), POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, _),
    ):
        lags = asyncio.run(measure(base))
    ordered = sorted(lags)
    p99 = ordered[int(0.99 * len(ordered))]
    body = "## Projection lag (SQLite file)\n\n" + table(
        ["events/s", "events", "lag p50 ms", "lag p99 ms", "max ms"],
        [[str(RATE), str(len(lags)), f"{statistics.median(lags):.1f}", f"{p99:.1f}",
          f"{ordered[-1]:.1f}"]],
    )  # fmt: skip
    body += "\n\n" + (__doc__ or "").strip()
    print(body)
    write_section("projection-lag", body)
