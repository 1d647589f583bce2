"""Write path: the library's raw append rate against POST /events and POST /events/batch.

* raw: an ``eventsourcing`` Application with the stock SQLite recorder, one ``Policy`` opened
  and saved per commit, payloads validated beforehand (the library alone, no HTTP, no index).
* HTTP single: a real uvicorn process (``policy-timeline serve``, default settings) on a fresh
  SQLite file, 32 concurrent keep-alive connections (``bench/http_load.py``) posting one event
  per request. Client and server share the machine's 2 cores.
* HTTP batch: the same server, ``POST /events/batch`` with 10,000 events per request.
* Both HTTP paths are measured with the projection runner inside the server (the default: it
  competes with the writer for the interpreter) and with it switched off
  (``POLICY_TIMELINE_RUN_PROJECTIONS=false``, as when ``policy-timeline project`` runs apart);
  the projector process itself is not started, so the second figure is the write path alone.

All three use the same synthetic payloads (``bench/synthetic.py``: openings of new policies).
Each figure is the median of 5 rounds.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from eventsourcing.application import Application

from bench.http_load import post_events
from bench.report import table, write_section
from bench.synthetic import openings
from domain.events import EVENT_ADAPTER
from domain.policy import Policy
from tests.support.server import running_server

ROUNDS = 5
RAW_EVENTS = 2000
HTTP_EVENTS = 3000
CLIENTS = 32
BATCH = 10_000
KEY = "bench-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


def raw_rate(seed: int) -> float:
    with tempfile.TemporaryDirectory() as directory:
        app: Application[Any] = Application(
            env={
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": f"{directory}/raw.db",
            }
        )
        facts = []
        for body in openings(RAW_EVENTS, seed=seed):
            fact = EVENT_ADAPTER.validate_json(json.dumps(body)).model_dump(mode="json")
            facts.append(fact)
        started = time.perf_counter()
        for fact in facts:
            app.save(Policy.open(fact["policy_id"], fact, "bench"))
        elapsed = time.perf_counter() - started
        app.close()
    return RAW_EVENTS / elapsed


def http_rates(projections_in_server: bool) -> tuple[list[float], list[float]]:
    singles, batches = [], []
    with (
        tempfile.TemporaryDirectory() as directory,
        running_server(
            Path(directory),
            POLICY_TIMELINE_ADMIN_KEY=KEY,
            POLICY_TIMELINE_LOAD_DEMO="false",
            POLICY_TIMELINE_RUN_PROJECTIONS=str(projections_in_server).lower(),
        ) as (base, _),
    ):
        for round_ in range(ROUNDS):
            bodies = openings(HTTP_EVENTS, seed=100 + round_)
            rate, _ = asyncio.run(post_events(base, bodies, CLIENTS, AUTH))
            singles.append(rate)
        for round_ in range(ROUNDS):
            payload = json.dumps({"events": openings(BATCH, seed=200 + round_)})
            started = time.perf_counter()
            response = httpx.post(
                f"{base}/events/batch",
                content=payload,
                headers={**AUTH, "Content-Type": "application/json"},
                timeout=120,
            )
            elapsed = time.perf_counter() - started
            if response.status_code != 201:
                raise RuntimeError(response.text[:500])
            batches.append(BATCH / elapsed)
    return singles, batches


def run() -> None:
    raws = [raw_rate(seed) for seed in range(ROUNDS)]
    raw = statistics.median(raws)
    rows = [_row("raw library, one event per commit", raws, raw)]
    for in_server, setting in ((True, "projections in the server (default)"),
                               (False, "projections off (run apart)")):  # fmt: skip
        singles, batches = http_rates(in_server)
        rows += [
            _row(f"HTTP POST /events, {CLIENTS} clients; {setting}", singles, raw),
            _row(f"HTTP POST /events/batch, {BATCH:,} per request; {setting}", batches, raw),
        ]
    body = "## Write path (SQLite file, WAL)\n\n" + table(
        ["path", "events/s (median)", "ratio to raw", f"min–max of {ROUNDS}"], rows
    )
    body += "\n\n" + (__doc__ or "").strip()
    print(body)
    write_section("write-path", body)


def _row(label: str, values: list[float], raw: float) -> list[str]:
    median = statistics.median(values)
    spread = f"{min(values):,.0f}–{max(values):,.0f}"
    return [label, f"{median:,.0f}", f"{median / raw:.2f}", spread]
