"""Rebuild throughput against its limit, on synthetic logs of 100k and 1M events
(``bench.logs``; set BENCH_REBUILD_SIZES to change the sizes), in SQLite and in PostgreSQL.

For each log, in the same run:

* **read**: the library's ``select_notifications`` in pages of 500, every event of the log;
* **read + decode**: the same plus ``json.loads`` of each stored state;
* **read + decode + map**: the same through the library's mapper to domain events (what the
  live runner starts from; a rebuild decodes with ``orjson`` instead);
* **rebuild, every view**: every view rebuilt from position 0 into new slots, in bulk
  (``service.runtime.rebuilds.build``: each row version written once, already closed; what
  ``rebuild_views``, and so ``policy-timeline rebuild``, does before switching), in a
  process of its own: with **1 process** (one pass over the log for every view),
  and with the slots shared out among **2 processes** (a group of views each, every process
  reading the whole log and writing its own slots). Peak RSS is that of the rebuild's
  processes together (each one's own peak, added).

The PostgreSQL rows (for the sizes in BENCH_REBUILD_PG_SIZES, default 100,000) use the same
log copied into a database of its own on the local server (Debian's postgresql 15, default
settings, at POLICY_TIMELINE_TEST_POSTGRES_URL; made once with ``service.bulk.copier`` and kept
as ``pt_bench_synthetic_<n>``): read + decode there, and the rebuild with 2 processes. Client,
server and database share the 2 cores.

The ratio column divides each rate by the read + decode rate of the same store: a rebuild in
Python can at best approach that line."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from bench import logs
from bench.report import table, write_section
from projections.registry import VIEWS
from service.bootstrap import open_timeline, tune_garbage_collector
from service.runtime.rebuilds import build
from service.storage.views import open_views

ROUNDS = 3
PAGE = 500
PROCESSES = (1, 2)


def run() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_REBUILD_SIZES", "100000,1000000").split(",")]
    pg_sizes = {int(s) for s in os.environ.get("BENCH_REBUILD_PG_SIZES", "100000").split(",")}
    rows = []
    for n in sizes:
        print(f"  synthetic log of {n:,} events", flush=True)
        built = logs.build(n)
        rounds = ROUNDS if n <= 100_000 else 1
        url = logs.url(n)
        limit = _read_rows(rows, n, url, rounds, "")
        for processes in PROCESSES:
            rows.append(_rebuild_row(n, url, processes, rounds, limit, ""))
        if built.get("load_events_per_s"):
            rows.append([f"{n:,}", "batch append while building the log (10k per transaction)",
                         f"{built['load_events_per_s']:,.0f}", "", ""])  # fmt: skip
        if n in pg_sizes:
            pg = _postgres_copy(n)
            limit = _read_rows(rows, n, pg, rounds, "PostgreSQL: ", steps=("read + decode",))
            rows.append(_rebuild_row(n, pg, 2, rounds, limit, "PostgreSQL: "))
    body = "## Rebuild throughput against its limit (SQLite file; PostgreSQL)\n\n" + table(
        ["events in log", "step", f"events/s (median of {ROUNDS}; 1 at 1M)",
         "ratio to read + decode", "peak RSS MiB"],
        rows,
    )  # fmt: skip
    body += "\n\n" + (__doc__ or "").strip()
    print(body)
    write_section("rebuild", body)


def _read_rows(
    rows: list[list[str]],
    n: int,
    url: str,
    rounds: int,
    label: str,
    steps: tuple[str, ...] = tuple(),
) -> float:
    """Add the read rates of the log at ``url`` to ``rows``; returns its read + decode rate."""
    reads = {
        name: statistics.median(_read_rate(url, step) for _ in range(rounds))
        for name, step in READ_STEPS.items()
        if not steps or name in steps
    }
    limit = reads["read + decode"]
    for name, value in reads.items():
        rows.append([f"{n:,}", label + name, f"{value:,.0f}", f"{value / limit:.2f}", ""])
    return limit


def _rebuild_row(
    n: int, url: str, processes: int, rounds: int, limit: float, label: str
) -> list[str]:
    rebuilt = [_rebuild_in_a_process(url, processes) for _ in range(rounds)]
    rate = statistics.median(r["events_per_s"] for r in rebuilt)
    peak = max(r["peak_rss_mib"] for r in rebuilt)
    what = f"{label}**rebuild, every view, {processes} process{'es' if processes > 1 else ''}**"
    print(f"    {what}: {rate:,.0f} events/s = {rate / limit:.3f}x read+decode", flush=True)
    return [f"{n:,}", what, f"**{rate:,.0f}**", f"**{rate / limit:.3f}**", f"{peak:,.0f}"]


def _read_rate(url: str, step: Callable[[object], object] | None) -> float:
    timeline = open_timeline(url)
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


def _postgres_copy(n: int) -> str:
    """The URL of a PostgreSQL database holding the synthetic log of ``n`` events: copied
    from the SQLite one the first time, kept for later runs."""
    from service.bulk.copier import copy_timeline
    from tests.support.backend import ADMIN_URL, _admin

    database = f"pt_bench_synthetic_{n}"
    url = urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{database}"))
    try:
        timeline = open_timeline(url)
    except Exception:
        timeline = None
    if timeline is not None:
        if timeline.position() == n:
            timeline.close()
            return url
        timeline.close()
    print(f"    copying the log of {n:,} events into PostgreSQL ({database})", flush=True)
    _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{database}"')
    source, target = open_timeline(logs.url(n)), open_timeline(url)
    try:
        copy_timeline(source, target)
        open_views(target)
    finally:
        source.close()
        target.close()
    return url


def _rebuild_in_a_process(url: str, processes: int) -> dict[str, float]:
    """One rebuild of every view, in a fresh process (its peak memory is the rebuild's)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.rebuild", url, str(processes)],
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


def rebuild_once(url: str, processes: int) -> dict[str, float]:
    tune_garbage_collector()
    timeline = open_timeline(url)
    store = open_views(timeline)
    slots = [store.new_slot(name) for name in VIEWS]
    started = time.perf_counter()
    applied = build(timeline, store, slots, processes=processes)
    rate = applied / (time.perf_counter() - started)
    # The rebuild's other processes have ended: the largest of their peaks (each started
    # small, from this process before it built anything).
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if processes > 1 else 0
    peak = _peak_rss_mib() + children
    for slot in slots:
        store.drop_slot(slot)
    timeline.close()
    return {"events_per_s": rate, "peak_rss_mib": peak}


if __name__ == "__main__":
    print(json.dumps(rebuild_once(sys.argv[1], int(sys.argv[2]))))
