"""Rebuild throughput: events per second from the log into every view, rebuilt from
position 0 into new slots (what `policy-timeline rebuild` does), on synthetic logs of 100k and
1M events (``bench.logs``). Set BENCH_REBUILD_SIZES to change the sizes."""

from __future__ import annotations

import os
import statistics
import time

from bench import logs
from bench.report import table, write_section
from projections.registry import VIEWS
from projections.runner import Runner
from service.bootstrap import open_timeline, tune_garbage_collector
from service.storage.views import open_views

ROUNDS = 3


def run() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_REBUILD_SIZES", "100000,1000000").split(",")]
    rows = []
    for n in sizes:
        print(f"  synthetic log of {n:,} events", flush=True)
        built = logs.build(n)
        tune_garbage_collector()
        timeline = open_timeline(logs.url(n))
        store = open_views(timeline)
        # Building the log projected it from position 0 into fresh slots: that is a rebuild,
        # so it counts as the first round (and the only one for the largest logs).
        rates = [built["project_events_per_s"]] if built.get("fresh") else []
        for _ in range((ROUNDS if n <= 100_000 else 1) - len(rates)):
            slots = [store.new_slot(name) for name in VIEWS]
            started = time.perf_counter()
            Runner(timeline, store, slots).run_until_caught_up()
            rates.append(n / (time.perf_counter() - started))
            for slot in slots:
                store.drop_slot(slot)
            print(f"    rebuild: {rates[-1]:,.0f} events/s", flush=True)
        timeline.close()
        rows.append(
            [f"{n:,}", f"{statistics.median(rates):,.0f}", str(len(rates)),
             f"{built.get('load_events_per_s', 0):,.0f}"]
        )  # fmt: skip
    body = "## Rebuild throughput (SQLite file)\n\n" + table(
        ["events in log", "rebuild events/s (median)", "rounds", "load events/s (batch append)"],
        rows,
    )
    body += "\n\n" + (__doc__ or "").strip()
    print(body)
    write_section("rebuild", body)
