"""Write path: the library's raw append rate and a do-nothing FastAPI app (the ceiling) against
POST /events and POST /events/batch.

* raw: an ``eventsourcing`` Application with the stock SQLite recorder, one ``Policy`` opened
  and saved per commit, payloads validated beforehand (the library alone, no HTTP, no index).
* ceiling: ``bench/ceiling_app.py``, a FastAPI app whose one ``POST /events`` takes the JSON
  body as a ``dict`` and answers 201 with a small JSON object (no auth, no validation, no
  database), run by uvicorn in a process of its own with the options ``serve`` uses. It is
  what HTTP, uvicorn and FastAPI alone allow with this client on this machine; the "ratio to
  ceiling" column divides a POST /events rate by it.
* HTTP single: a real uvicorn process (``policy-timeline serve``, default settings) on a fresh
  SQLite file, 32 concurrent keep-alive connections (``bench/http_load.py``) posting one event
  per request. Client and server share the machine's 2 cores.
* HTTP batch: the same server, ``POST /events/batch`` with 10,000 events per request.
* Both HTTP paths are measured with the projection runner inside the server (the default: it
  competes with the writer for the interpreter) and with it switched off
  (``POLICY_TIMELINE_RUN_PROJECTIONS=false``, as when ``policy-timeline project`` runs apart);
  the projector process itself is not started, so the second figure is the write path alone.

All use the same synthetic payloads (``bench/synthetic.py``: openings of new policies); the
ceiling and the single posts get the same bodies over the same 32 connections. Each figure is
the median of 5 rounds. The rounds of raw, ceiling and POST /events (projections in the
server) alternate, so the three ratios compare figures taken under the same load on the
machine; each next round waits until the server's views have caught up with the log.

``python -m bench.write_path profile [FILE.svg]`` records a py-spy flame graph of the server
under the single-post load (default ``bench/profiles/post-events.svg``).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from eventsourcing.application import Application

from bench.ceiling_app import running_ceiling
from bench.http_load import post_events
from bench.report import table, write_section
from bench.synthetic import openings
from domain.events import EVENT_ADAPTER
from domain.policy import Policy
from tests.support.server import free_port, running_server, server_process

ROUNDS = 5
RAW_EVENTS = 2000
HTTP_EVENTS = 3000
CLIENTS = 32
BATCH = 10_000
KEY = "bench-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROFILE = Path(__file__).parent / "profiles" / "post-events.svg"


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


def single_rate(base: str, round_: int) -> float:
    """POST /events at ``base``: HTTP_EVENTS bodies over CLIENTS connections (events/s)."""
    rate, _ = asyncio.run(
        post_events(base, openings(HTTP_EVENTS, seed=100 + round_), CLIENTS, AUTH)
    )
    return rate


def batch_rates(base: str) -> list[float]:
    rates = []
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
        rates.append(BATCH / elapsed)
    return rates


def settle(base: str, timeout: float = 120) -> None:
    """Wait until every view of the server at ``base`` has applied the whole log: its
    projection runner catches up after a round, and the next round (of any path) should not
    share the machine with it."""
    deadline = time.monotonic() + timeout
    while any(httpx.get(f"{base}/readyz", timeout=10).json()["views"].values()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the views did not catch up within {timeout:g} s")
        time.sleep(0.1)


@contextmanager
def service(directory: Path, projections_in_server: bool) -> Iterator[str]:
    with running_server(
        directory,
        POLICY_TIMELINE_ADMIN_KEY=KEY,
        POLICY_TIMELINE_LOAD_DEMO="false",
        POLICY_TIMELINE_RUN_PROJECTIONS=str(projections_in_server).lower(),
    ) as (base, _):
        yield base


def run() -> None:
    raws: list[float] = []
    ceilings: list[float] = []
    singles: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "ceiling").mkdir()
        (root / "in-server").mkdir()
        (root / "apart").mkdir()
        with (
            running_ceiling(root / "ceiling", free_port()) as ceiling,
            service(root / "in-server", projections_in_server=True) as base,
        ):
            for round_ in range(ROUNDS):
                raws.append(raw_rate(round_))
                ceilings.append(single_rate(ceiling, round_))
                singles.append(single_rate(base, round_))
                settle(base)
            batches = batch_rates(base)
        with service(root / "apart", projections_in_server=False) as base:
            singles_apart = [single_rate(base, round_) for round_ in range(ROUNDS)]
            batches_apart = batch_rates(base)
    raw, top = statistics.median(raws), statistics.median(ceilings)
    in_server, apart = "projections in the server (default)", "projections off (run apart)"
    rows = [
        _row("raw library, one event per commit", raws, raw),
        _row(f"do-nothing FastAPI POST /events (ceiling), {CLIENTS} clients", ceilings, raw, top),
        _row(f"HTTP POST /events, {CLIENTS} clients; {in_server}", singles, raw, top),
        _row(f"HTTP POST /events/batch, {BATCH:,} per request; {in_server}", batches, raw),
        _row(f"HTTP POST /events, {CLIENTS} clients; {apart}", singles_apart, raw, top),
        _row(f"HTTP POST /events/batch, {BATCH:,} per request; {apart}", batches_apart, raw),
    ]
    body = "## Write path (SQLite file, WAL)\n\n" + table(
        ["path", "events/s (median)", "ratio to raw", "ratio to ceiling", f"min–max of {ROUNDS}"],
        rows,
    )
    single = statistics.median(singles)
    body += (
        f"\n\nPOST /events, {CLIENTS} clients, projections in the server: {single / raw:.2f}x "
        f"the raw library and {single / top:.2f}x the do-nothing ceiling, measured alongside."
    )
    body += "\n\n" + (__doc__ or "").strip()
    print(body)
    write_section("write-path", body)


def _row(label: str, values: list[float], raw: float, ceiling: float | None = None) -> list[str]:
    median = statistics.median(values)
    spread = f"{min(values):,.0f}–{max(values):,.0f}"
    to_ceiling = f"{median / ceiling:.2f}" if ceiling else ""
    return [label, f"{median:,.0f}", f"{median / raw:.2f}", to_ceiling, spread]


def profile(output: Path = PROFILE, seconds: int = 15) -> None:
    """A py-spy flame graph (every thread, CPU samples) of ``serve`` (projections in the
    server) while 32 clients post single events, as in :func:`run`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as directory,
        server_process(
            Path(directory),
            POLICY_TIMELINE_ADMIN_KEY=KEY,
            POLICY_TIMELINE_LOAD_DEMO="false",
        ) as (base, _, process),
    ):
        single_rate(base, -1)  # warm up
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("py-spy")), "record",
                "--pid", str(process.pid), "--rate", "100", "--duration", str(seconds),
                "--threads", "--nonblocking", "--format", "flamegraph",
                "--output", str(output),
            ]
        )  # fmt: skip
        time.sleep(1)  # py-spy attaches
        rates, round_ = [], 0
        while spy.poll() is None:
            rates.append(single_rate(base, round_))
            round_ += 1
        if spy.returncode:
            raise RuntimeError(f"py-spy failed ({spy.returncode}); it needs ptrace rights")
    print(f"{output}: POST /events at {statistics.median(rates):,.0f}/s while recorded")


if __name__ == "__main__":
    if sys.argv[1:2] == ["profile"]:
        profile(Path(sys.argv[2]) if len(sys.argv) > 2 else PROFILE)
    else:
        run()
