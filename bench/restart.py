"""Recovery from database restarts: a real server on a private PostgreSQL cluster, four writers
posting MADE-UP events, and ``pg_ctl restart -m fast`` ten times. Per restart: the time from
the database answering again to ``/readyz`` answering 200 with every view at the position the
log had then (the writers go on writing), and what the writers were answered. Beside it, the
restart itself: how long the database was away (``pg_ctl`` asked, to a first answer)."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from bench.report import table, write_section
from tests.support.private_postgres import private_cluster
from tests.support.restart_checks import KEY, Writer, caught_up_within, log_event_ids, log_position
from tests.support.server import running_server

RESTARTS = 10
WRITERS = 4


def run() -> None:
    with private_cluster() as cluster, tempfile.TemporaryDirectory() as folder:
        url = cluster.new_database(f"bench_restart_{uuid.uuid4().hex[:8]}")
        with running_server(
            Path(folder), POLICY_TIMELINE_DATABASE_URL=url, POLICY_TIMELINE_ADMIN_KEY=KEY
        ) as (base, _):
            stop = threading.Event()
            writers = [Writer(base, n, stop) for n in range(WRITERS)]
            for writer in writers:
                writer.start()
            away, recovery = [], []
            for number in range(RESTARTS):
                time.sleep(1.0)
                asked = time.monotonic()
                back = cluster.restart()
                away.append(back - asked)
                recovery.append(caught_up_within(base, back, log_position(base)))
                print(f"restart {number + 1}: away {away[-1]:.2f} s, "
                      f"views caught up {recovery[-1]:.2f} s later", flush=True)  # fmt: skip
            stop.set()
            for writer in writers:
                writer.join(60)
            statuses: Counter[int] = Counter()
            for writer in writers:
                statuses.update(writer.statuses)
            counts = Counter(log_event_ids(base))
            acknowledged = [e for writer in writers for e in writer.acknowledged]
            lost = sum(1 for e in acknowledged if counts[e] == 0)
            doubled = sum(1 for e in acknowledged if counts[e] > 1)
    rows = [
        ["database away (pg_ctl restart -m fast, to a first answer)",
         f"{statistics.median(away):.2f} s", f"{max(away):.2f} s"],
        ["database back → /readyz 200, every view where the log was when it came back",
         f"{statistics.median(recovery):.2f} s", f"{max(recovery):.2f} s"],
    ]  # fmt: skip
    answers = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    body = (
        f"## Database restarts\n\n{RESTARTS} restarts of PostgreSQL under {WRITERS} writers "
        "(`python -m bench restart`).\n\n"
        + table(["", "median", "max"], rows)
        + f"\n\nWriters' answers: {answers}. Acknowledged events: {len(acknowledged)}; "
        f"lost: {lost}; stored twice: {doubled}.\n"
    )
    print(body)
    write_section("restart", body)
