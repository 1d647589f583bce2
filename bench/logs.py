"""Synthetic logs of a given size, built once under bench/work/ and reused by the benchmarks
(delete the folder to build them again). Each holds ``n`` events from
``bench.synthetic.sequence`` (SYNTHETIC data, not real) with its views built."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import orjson

from bench.synthetic import sequence
from domain.events import BATCH_ADAPTER
from domain.timeline import Submission
from projections.runner import Runner
from service.bootstrap import open_timeline, tune_garbage_collector
from service.storage.views import open_views

WORK = Path(__file__).parent / "work"
CHUNK = 10_000


def url(n: int) -> str:
    return f"sqlite:///{WORK / f'synthetic-{n}.db'}"


def build(n: int, say: object = print) -> dict[str, Any]:
    """Make sure the log of ``n`` events exists with its views built; returns the load and
    projection rates measured when it was built (empty when it already existed)."""
    path = WORK / f"synthetic-{n}.db"
    marker = path.with_suffix(".ready")
    if marker.exists():
        return json.loads(marker.read_text())  # type: ignore[no-any-return]
    WORK.mkdir(parents=True, exist_ok=True)
    for stale in WORK.glob(f"synthetic-{n}.db*"):
        stale.unlink()
    tune_garbage_collector()
    timeline = open_timeline(url(n))
    events = sequence(n, seed=n)
    started = time.perf_counter()
    for start in range(0, n, CHUNK):
        # The JSON a client would send (orjson: json.dumps cost a sixth of the validation).
        body = orjson.dumps({"events": events[start : start + CHUNK]})
        batch = BATCH_ADAPTER.validate_json(body)
        timeline.append([Submission(e, "bench") for e in batch.events], atomic=True)
        if (start // CHUNK) % 10 == 9:
            say(f"  loaded {start + CHUNK:,} of {n:,}")  # type: ignore[operator]
    loaded = time.perf_counter() - started
    store = open_views(timeline)
    started = time.perf_counter()
    Runner(timeline, store).run_until_caught_up(lambda _: None)
    projected = time.perf_counter() - started
    timeline.close()
    rates = {"load_events_per_s": n / loaded, "project_events_per_s": n / projected}
    marker.write_text(json.dumps(rates))
    return {**rates, "fresh": True}
