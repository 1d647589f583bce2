"""A real projector process (`policy-timeline project`) is killed with SIGKILL at random
moments while synthetic events stream in; after a restart the views equal a rebuild, at the
final position and at earlier ones (no lost, doubled or stray row versions)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from datetime import date
from pathlib import Path

from bench.synthetic import sequence
from domain.events import EVENT_ADAPTER
from domain.timeline import Submission
from projections.registry import VIEWS
from service.bootstrap import open_timeline
from service.storage.views import view_store
from tests.support.server import CLI, server_env
from tests.support.view_checks import assert_views_equal_a_rebuild

EVENTS = 3000
KILLS = 8


def test_projector_survives_sigkill(tmp_path: Path) -> None:
    rng = random.Random(20261128)
    env = server_env(tmp_path)
    timeline = open_timeline(env["POLICY_TIMELINE_DATABASE_URL"])
    store = view_store(timeline)
    for name in VIEWS:
        store.ensure_active_slot(name)
    bodies = sequence(EVENTS, seed=7)
    writing_done = threading.Event()

    def write() -> None:
        for start in range(0, len(bodies), 25):
            chunk = [
                Submission(EVENT_ADAPTER.validate_json(json.dumps(b)), "crash-test")
                for b in bodies[start : start + 25]
            ]
            timeline.append(chunk, atomic=True)
            time.sleep(0.06)
        writing_done.set()

    writer = threading.Thread(target=write)
    writer.start()
    log = tmp_path / "projector.log"
    reached_at_kill: list[tuple[int, int]] = []
    while len(reached_at_kill) < KILLS or not writing_done.is_set():
        process = subprocess.Popen(
            [*CLI, "project"], env=env, cwd=tmp_path, stdout=log.open("a"), stderr=subprocess.STDOUT
        )
        # Kill at a random moment after it has committed something (start-up takes a while
        # on a loaded machine, and a kill before the first commit would test nothing).
        before = store.position(store.active_slots()[0])
        deadline = time.monotonic() + 30
        while store.position(store.active_slots()[0]) == before and time.monotonic() < deadline:
            if before == timeline.position() and writing_done.is_set():
                break
            time.sleep(0.02)
        # Then at a random moment soon after a batch arrives, while the projector works on it
        # (a projector faster than the writer is otherwise mostly idle when killed).
        deadline = time.monotonic() + 2
        while (
            store.position(store.active_slots()[0]) >= timeline.position()
            and not writing_done.is_set()
            and time.monotonic() < deadline
        ):
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        reached_at_kill.append((store.position(store.active_slots()[0]), timeline.position()))
    writer.join()
    # The kills fell while the projector was working through a stream still being written.
    mid_stream = [r for r, h in reached_at_kill if 0 < r < h]
    assert len(mid_stream) >= KILLS // 2, reached_at_kill
    head = timeline.position()
    assert head == EVENTS

    starts = log.read_text().count("projecting from")
    final = subprocess.Popen([*CLI, "project"], env=env, cwd=tmp_path, stdout=log.open("a"),
                             stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 120
    while (
        log.read_text().count("projecting from") == starts
        or min(store.position(s) for s in store.active_slots()) < head
    ):
        assert time.monotonic() < deadline, "projector did not catch up"
        time.sleep(0.2)
    final.terminate()
    assert final.wait(timeout=30) == 0

    assert_views_equal_a_rebuild(timeline, store, rng, date(2020, 1, 1), EVENTS // 10 + 30)
    timeline.close()
