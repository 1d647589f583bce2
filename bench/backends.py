"""SQLite and PostgreSQL side by side, and the write rate with 1, 2 and 4 API processes.

For each backend, on a fresh store (bundled timeline not loaded), against a real server
(``policy-timeline serve``, projections in the server):

* POST /events from 32 keep-alive connections, 3,000 SYNTHETIC openings (median of 3 rounds);
* POST /events/batch with 10,000 events per request (median of 3);
* ``policy-timeline rebuild`` of every view over the 39,000 events then stored;
* as-of and current-state reads of ``active-export-controls`` (as in ``bench.reads``), 300 of
  each, at that size;
* POST /events as above with ``serve --workers 1, 2, 4`` (one of the workers projects).

PostgreSQL runs on this machine (Debian's postgresql 15, default settings), at
POLICY_TIMELINE_TEST_POSTGRES_URL; client, server and database share the 2 cores."""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench import reads
from bench.http_load import post_events
from bench.report import table, write_section
from bench.synthetic import openings, sequence
from tests.support import backend
from tests.support.server import CLI, running_server, server_env
from tests.support.stream_client import wait_for_views

ROUNDS = 3
HTTP_EVENTS = 3000
BATCH = 10_000
CLIENTS = 32
KEY = "bench-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


def serve(directory: Path, url: str, workers: int = 1):  # type: ignore[no-untyped-def]
    return running_server(
        directory, None, workers, POLICY_TIMELINE_ADMIN_KEY=KEY,
        POLICY_TIMELINE_LOAD_DEMO="false", POLICY_TIMELINE_DATABASE_URL=url,
    )  # fmt: skip


def singles(base: str, seed: int) -> float:
    rate, _ = asyncio.run(post_events(base, openings(HTTP_EVENTS, seed=seed), CLIENTS, AUTH))
    return rate


def measure(kind: str) -> dict[str, float]:
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        url = backend.database_url(directory, "bench", kind)
        with serve(directory, url) as (base, _):
            out["single"] = statistics.median(singles(base, 300 + r) for r in range(ROUNDS))
            rates = []
            for r in range(ROUNDS):
                payload = json.dumps({"events": sequence(BATCH, seed=400 + r)
                                      if r == 0 else openings(BATCH, seed=400 + r)})  # fmt: skip
                started = time.perf_counter()
                answer = httpx.post(
                    f"{base}/events/batch", content=payload, timeout=300,
                    headers={**AUTH, "Content-Type": "application/json"},
                )  # fmt: skip
                if answer.status_code != 201:
                    raise RuntimeError(answer.text[:300])
                rates.append(BATCH / (time.perf_counter() - started))
            out["batch"] = statistics.median(rates)
            head = httpx.get(f"{base}/views").json()["log_position"]
            wait_for_views(base, head)
            last_day = date(2020, 1, 1) + timedelta(days=BATCH // 10)
            current, as_of = asyncio.run(reads.measure(base, head, last_day))
            out["current p95"] = reads.percentile(current, 0.95)
            out["as-of p95"] = reads.percentile(as_of, 0.95)
            out["events"] = head
        env = {**server_env(directory), "POLICY_TIMELINE_DATABASE_URL": url}
        started = time.perf_counter()
        subprocess.run([*CLI, "rebuild"], env=env, check=True, capture_output=True)
        out["rebuild"] = out["events"] / (time.perf_counter() - started)
        for workers in (1, 2, 4):
            with serve(directory, url, workers) as (base, _):
                out[f"workers {workers}"] = statistics.median(
                    singles(base, 500 + 10 * workers + r) for r in range(ROUNDS)
                )
    return out


def run() -> None:
    if not backend.reachable():
        raise SystemExit("no PostgreSQL server at POLICY_TIMELINE_TEST_POSTGRES_URL")
    results = {kind: measure(kind) for kind in ("sqlite", "postgres")}
    backend.drop_created()
    rows = []
    for label, key, unit in (
        ("POST /events, 32 clients", "single", "events/s"),
        ("POST /events/batch, 10,000 per request", "batch", "events/s"),
        ("rebuild, all views", "rebuild", "events/s"),
        ("current-state read p95", "current p95", "ms"),
        ("as-of read p95", "as-of p95", "ms"),
        ("POST /events, serve --workers 1", "workers 1", "events/s"),
        ("POST /events, serve --workers 2", "workers 2", "events/s"),
        ("POST /events, serve --workers 4", "workers 4", "events/s"),
    ):
        s, p = results["sqlite"][key], results["postgres"][key]
        rows.append([label, unit, f"{s:,.1f}", f"{p:,.1f}", f"{p / s:.2f}"])
    events = int(results["sqlite"]["events"])
    body = f"## SQLite and PostgreSQL side by side ({events:,} events)\n\n" + table(
        ["measure", "unit", "SQLite", "PostgreSQL", "PostgreSQL / SQLite"], rows
    )
    body += "\n\n" + (__doc__ or "").strip()
    print(body)
    write_section("backends", body)
