"""As-of read latency: ``GET /views/active-export-controls`` at a random valid date and a random
known position (``known_at=position=P``), next to the current-state read (the last day of the
log, known now), against a real server on synthetic logs of 10k, 100k and 1M events
(``bench.logs``). 300 reads of each kind, one connection, interleaved; latency is the client's
round trip. Set BENCH_READ_SIZES to change the sizes.

Current rows and closed rows live in R*Trees of their own (``service/storage/views_sqlite.py``):
a current read stabs only rows still current, and an as-of read the current rows opened by its
position plus the closed rows whose record interval holds it."""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from datetime import date
from pathlib import Path

from bench import logs
from bench.http_load import Connection
from bench.report import table, write_section
from tests.support.server import running_server
from tests.support.stream_client import wait_for_views

READS = 300


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(base: str, head: int, last_day: date) -> tuple[list[float], list[float]]:
    rng = random.Random(head)
    connection = await Connection.open(base)
    current: list[float] = []
    as_of: list[float] = []
    first = date(2020, 1, 1).toordinal()
    for _ in range(READS):
        for kind in ("current", "as_of"):
            if kind == "current":
                path = f"/views/active-export-controls?at={last_day.isoformat()}&limit=100"
            else:
                at = date.fromordinal(rng.randint(first, last_day.toordinal()))
                path = (
                    f"/views/active-export-controls?at={at.isoformat()}"
                    f"&known_at=position%3D{rng.randint(1, head)}&limit=100"
                )
            started = time.perf_counter()
            status, _ = await connection.request("GET", path)
            elapsed = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"{status} for {path}")
            (current if kind == "current" else as_of).append(elapsed * 1000)
    connection.close()
    return current, as_of


def run() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_READ_SIZES", "10000,100000,1000000").split(",")]
    rows = []
    p95s = {}
    for n in sizes:
        print(f"  synthetic log of {n:,} events", flush=True)
        logs.build(n)
        directory = logs.WORK / f"server-{n}"
        directory.mkdir(exist_ok=True)
        with running_server(
            Path(directory),
            POLICY_TIMELINE_DATABASE_URL=logs.url(n),
            POLICY_TIMELINE_LOAD_DEMO="false",
            POLICY_TIMELINE_ADMIN_KEY="bench",
        ) as (base, _):
            import httpx

            head = httpx.get(f"{base}/healthz").json()["position"]
            # Views in an older layout (or dropped) are built by the server as it starts:
            # measure once they have caught up with the log.
            wait_for_views(base, head)
            last = httpx.get(f"{base}/events", params={"after": head - 1}).json()["items"][0]
            last_day = date.fromisoformat(last["event"]["announced_on"])
            current, as_of = asyncio.run(measure(base, head, last_day))
        p95s[n] = percentile(as_of, 0.95)
        rows.append(
            [f"{n:,}", f"{statistics.median(current):.1f}", f"{percentile(current, 0.95):.1f}",
             f"{statistics.median(as_of):.1f}", f"{percentile(as_of, 0.95):.1f}",
             f"{percentile(as_of, 0.95) / percentile(current, 0.95):.2f}"]
        )  # fmt: skip
    body = "## As-of reads (SQLite file, R*Trees over record and valid intervals)\n\n" + table(
        ["events in log", "current p50 ms", "current p95 ms", "as-of p50 ms", "as-of p95 ms",
         "as-of p95 / current p95"],
        rows,
    )  # fmt: skip
    if len(p95s) > 1:
        small, large = min(p95s), max(p95s)
        body += (
            f"\n\nas-of p95 grows {p95s[large] / p95s[small]:.2f}x from {small:,} to "
            f"{large:,} events."
        )
    body += "\n\n" + (__doc__ or "").strip()
    print(body)
    write_section("as-of-reads", body)
