"""Rebuild throughput against its limit, on synthetic logs of 100k and 1M events
(``bench.logs``; set BENCH_REBUILD_SIZES to change the sizes).

For each log, in the same run:

* **read**: the library's ``select_notifications`` in pages of 500, every event of the log;
* **read + decode**: the same plus ``json.loads`` of each stored state;
* **read + decode + map**: the same through the library's mapper to domain events (what the
  runner starts from);
* **rebuild**: every view rebuilt from position 0 into new slots (what ``policy-timeline
  rebuild`` does), in a process of its own, with that process's peak resident memory.

The ratio column divides each rate by the read + decode rate: a rebuild in Python can at best
approach that line."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from bench import logs
from bench.report import table, write_section
from projections.registry import VIEWS
from projections.runner import Runner
from service.bootstrap import open_timeline, tune_garbage_collector
from service.storage.views import open_views

ROUNDS = 3
PAGE = 500


def run() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_REBUILD_SIZES", "100000,1000000").split(",")]
    rows = []
    for n in sizes:
        print(f"  synthetic log of {n:,} events", flush=True)
        built = logs.build(n)
        rounds = ROUNDS if n <= 100_000 else 1
        reads = {
            name: statistics.median(_read_rate(n, step) for _ in range(rounds))
            for name, step in READ_STEPS.items()
        }
        rebuilt = [_rebuild_in_a_process(n) for _ in range(rounds)]
        rate = statistics.median(r["events_per_s"] for r in rebuilt)
        peak = max(r["peak_rss_mib"] for r in rebuilt)
        limit = reads["read + decode"]
        for name, value in reads.items():
            rows.append([f"{n:,}", name, f"{value:,.0f}", f"{value / limit:.2f}", ""])
        rows.append([f"{n:,}", "**rebuild, every view**", f"**{rate:,.0f}**",
                     f"**{rate / limit:.3f}**", f"{peak:,.0f}"])  # fmt: skip
        if built.get("load_events_per_s"):
            rows.append([f"{n:,}", "batch append while building the log (10k per transaction)",
                         f"{built['load_events_per_s']:,.0f}", "", ""])  # fmt: skip
        print(f"    rebuild {rate:,.0f} events/s = {rate / limit:.3f}x read+decode", flush=True)
    body = "## Rebuild throughput against its limit (SQLite file)\n\n" + table(
        ["events in log", "step", f"events/s (median of {ROUNDS}; 1 at 1M)",
         "ratio to read + decode", "peak RSS MiB"],
        rows,
    )  # fmt: skip
    body += "\n\n" + (__doc__ or "").strip()
    print(body)
    write_section("rebuild", body)


def _read_rate(n: int, step: Callable[[object], object] | None) -> float:
    timeline = open_timeline(logs.url(n))
    try:
        started = time.perf_counter()
        after, count = 0, 0
        while True:
            page = timeline.recorder.select_notifications(
                start=after, limit=PAGE, inclusive_of_start=False
            )
            if not page:
                break
            if step is not None:
                for notification in page:
                    step((timeline, notification))
            count += len(page)
            after = page[-1].id
        return count / (time.perf_counter() - started)
    finally:
        timeline.close()


def _decode(pair: object) -> object:
    _, notification = pair  # type: ignore[misc]
    return json.loads(notification.state)


def _map(pair: object) -> object:
    timeline, notification = pair  # type: ignore[misc]
    return timeline.mapper.to_domain_event(notification)


READ_STEPS: dict[str, Callable[[object], object] | None] = {
    "read (select_notifications)": None,
    "read + decode": _decode,
    "read + decode + map": _map,
}


def _rebuild_in_a_process(n: int) -> dict[str, float]:
    """One rebuild of every view, in a fresh process (its peak memory is the rebuild's)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.rebuild", str(n)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _peak_rss_mib() -> float:
    """This process's peak resident memory. Not ``ru_maxrss``: Linux carries that across exec
    from the parent at fork (a rebuild started by a benchmark that had just built the 1M log
    reported the builder's 1,494 MiB); ``VmHWM`` is this program's own."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def rebuild_once(n: int) -> dict[str, float]:
    tune_garbage_collector()
    timeline = open_timeline(logs.url(n))
    store = open_views(timeline)
    slots = [store.new_slot(name) for name in VIEWS]
    started = time.perf_counter()
    Runner(timeline, store, slots).run_until_caught_up()
    rate = n / (time.perf_counter() - started)
    peak = _peak_rss_mib()
    for slot in slots:
        store.drop_slot(slot)
    timeline.close()
    return {"events_per_s": rate, "peak_rss_mib": peak}


if __name__ == "__main__":
    print(json.dumps(rebuild_once(int(sys.argv[1]))))
