"""Supervised workers: whatever a worker's loop raises, even from its own error handling, is
survived; the worker starts again and ends only when stopped.

The projection test runs the real runner on a real store (the suite's backend), with faults
injected around it: the store's writes fail at first, and so does the clean-up after each
failure (giving up the projector lock), which is where the runner used to die for good after
a database restart."""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path
from typing import Any

from domain.events import EVENT_ADAPTER
from domain.timeline import Submission
from projections.ports import ViewStorage, WriteBatch
from projections.runner import Runner
from service.bootstrap import open_timeline
from service.runtime.projector import ProjectionHost
from service.runtime.workers import Worker
from service.storage.process_lock import ProcessLock
from service.storage.views import view_store
from tests.support.backend import database_url
from tests.support.bodies import made_up_control


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("this error cannot even be described")


def test_a_worker_survives_failures_of_its_loop_and_of_its_clean_up() -> None:
    calls: list[float] = []
    done = threading.Event()

    def loop(worker: Worker) -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise Unprintable
        if len(calls) == 2:
            return  # a loop that ends by itself is a failure too
        if len(calls) < 8:
            raise ConnectionError("the database went away")
        worker.succeeded()
        done.set()
        worker.stopping.wait()

    def clean_up() -> None:
        raise OSError("cleaning up failed as well")

    worker = Worker("flaky", loop, on_failure=clean_up, first_pause=0.01, longest_pause=0.04)
    worker.start()
    assert done.wait(10)
    assert worker.restarts == 7
    assert worker.state == "running"
    assert worker.last_error == "ConnectionError: the database went away"
    gaps = [later - earlier for earlier, later in itertools.pairwise(calls)]
    assert max(gaps[3:]) < 0.04 + 0.5  # the pause stops doubling at the longest
    worker.stop()
    assert worker.state == "stopped"


class AwayAtFirst:
    """The real view store, whose first writes and position reads raise as they would while
    the database restarts: the first write fails, and then the next ``failures`` calls of
    either (the old runner's error handler read the position, and died of it)."""

    def __init__(self, store: ViewStorage, failures: int) -> None:
        self._store = store
        self.failures = failures
        self.away = False

    def _maybe_fail(self) -> None:
        if self.away and self.failures > 0:
            self.failures -= 1
            raise ConnectionError("terminating connection due to administrator command")

    def write(self, batch: WriteBatch) -> None:
        if not self.away:
            self.away = True
            raise ConnectionError("server closed the connection unexpectedly")
        self._maybe_fail()
        self._store.write(batch)

    def position(self, slot: Any) -> int:
        self._maybe_fail()
        return self._store.position(slot)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class LockWithFailingRelease(ProcessLock):
    """The real projector lock, whose release (called after every failure) fails twice."""

    failures = 2

    def release(self) -> None:
        super().release()
        if self.failures > 0:
            self.failures -= 1
            raise OSError("could not release the lock")


def test_the_runner_recovers_when_its_failure_handling_fails(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    timeline = open_timeline(url)
    try:
        host = ProjectionHost(timeline, LockWithFailingRelease(url, "projector"))
        faulty = AwayAtFirst(host.store, failures=4)
        host.runner = Runner(timeline, faulty)  # type: ignore[arg-type]
        views = view_store(timeline)
        body = made_up_control()
        appended = timeline.append(
            [Submission(EVENT_ADAPTER.validate_json(json.dumps(body)), "test")], atomic=True
        )
        position = appended[0].position  # type: ignore[union-attr]
        host.start()
        deadline = time.monotonic() + 20
        while min(views.active_positions().values()) < position:
            assert time.monotonic() < deadline, host.worker.health()
            time.sleep(0.05)
        assert host.worker.restarts >= 3
        assert host.worker.state == "running"
        host.stop()
        assert host.worker.state == "stopped"
    finally:
        timeline.close()
