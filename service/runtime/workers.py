"""Background workers that never die quietly.

Each worker (projection runner, stream hub, writer, key refresher) is a loop run by a
:class:`Worker`. Whatever the loop raises, even from inside its own error handling, is logged
and the loop is started again after a pause that doubles with each failure in a row, from
``FIRST_PAUSE`` up to ``LONGEST_PAUSE``; a loop that returns while the worker is not stopping
counts as a failure too. Only :meth:`Worker.stop` ends a worker.

The longest pause bounds how long the views stay behind once the database is back: a worker
that failed while the database was away tries again within ``LONGEST_PAUSE`` seconds of its
return. The workers' states, restarts and last successes feed ``/readyz`` and ``/metrics``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger("policy_timeline.workers")

FIRST_PAUSE = 0.1
LONGEST_PAUSE = 2.0

State = Literal["starting", "running", "standby", "restarting", "stopped"]
HEALTHY: frozenset[State] = frozenset({"running", "standby"})


@dataclass(frozen=True)
class WorkerHealth:
    name: str
    state: State
    restarts: int
    last_success: float | None  # seconds since the epoch
    last_error: str | None


class Worker:
    """Runs ``loop(worker)`` until stopped, restarting it after any failure.

    The loop calls :meth:`succeeded` after each piece of work done (or each quiet poll that
    reached the database), :meth:`standing_by` while another process does its work, and
    watches :attr:`stopping`."""

    def __init__(
        self,
        name: str,
        loop: Callable[[Worker], None],
        *,
        on_failure: Callable[[], None] = lambda: None,
        first_pause: float = FIRST_PAUSE,
        longest_pause: float = LONGEST_PAUSE,
    ) -> None:
        self.name = name
        self.stopping = threading.Event()
        self._loop = loop
        self._on_failure = on_failure
        self._first_pause = first_pause
        self._longest_pause = longest_pause
        self._thread: threading.Thread | None = None
        self.state: State = "starting"
        self.restarts = 0
        self.last_success: float | None = None
        self.last_error: str | None = None
        self._failures_in_a_row = 0

    def succeeded(self) -> None:
        self.last_success = time.time()
        self._failures_in_a_row = 0
        self.state = "running"

    def standing_by(self) -> None:
        self.last_success = time.time()
        self._failures_in_a_row = 0
        self.state = "standby"

    def health(self) -> WorkerHealth:
        return WorkerHealth(
            self.name, self.state, self.restarts, self.last_success, self.last_error
        )

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self.stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run(self) -> None:
        """The supervising loop, in the calling thread (``start`` runs it in a thread)."""
        while not self.stopping.is_set():
            try:
                self.state = "running"
                self._loop(self)
                if self.stopping.is_set():
                    break
                raise RuntimeError(f"{self.name} returned without being stopped")
            except BaseException as error:  # anything at all: the worker must not end
                if self.stopping.is_set():
                    break
                self._failed(error)
        self.state = "stopped"

    def _failed(self, error: BaseException) -> None:
        self.state = "restarting"
        self.restarts += 1
        pause = min(self._longest_pause, self._first_pause * 2**self._failures_in_a_row)
        self._failures_in_a_row += 1
        try:
            text = f"{type(error).__name__}: {error}"
        except Exception:  # an error whose text itself fails to render
            text = type(error).__name__
        try:
            # The whole traceback once per kind of failure; a failure repeating while the
            # database is away is one line each time.
            if text != self.last_error:
                log.error("%s failed; restarting in %.1f s", self.name, pause, exc_info=error)
            else:
                log.warning("%s failed again (%s); restarting in %.1f s", self.name, text, pause)
        except Exception:
            pass
        self.last_error = text
        try:
            self._on_failure()
        except Exception:
            log.warning("%s: cleaning up after a failure failed too", self.name, exc_info=True)
        self.stopping.wait(pause)


class Workers:
    """The workers of one process, for health checks and metrics."""

    def __init__(self) -> None:
        self._workers: list[Worker] = []

    def add(self, worker: Worker) -> Worker:
        self._workers.append(worker)
        return worker

    def health(self) -> list[WorkerHealth]:
        return [w.health() for w in self._workers]
