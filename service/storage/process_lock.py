"""Locks held across processes on one store, released by the operating system or the database
when their holder dies.

``projector``: one projector at a time, held for as long as it lives. Several API processes
(``serve --workers N``) and any ``policy-timeline project`` processes all offer to project;
the one holding this lock does, the others stand by and take over within a second or two of
its death, with nothing to clean up after a crash. (Two projectors at once would still be
correct, since each batch commits with its tracking position, which only one can record; the
lock saves the wasted work.)

``start-up``: held while a process starting on a store brings its index up to date and, if
the store is empty, loads the bundled timeline into it, so that processes starting at once do
each once (on PostgreSQL a second load would be refused, but only after taking a log position
it leaves unused).
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from service.storage import application_env

Purpose = Literal["projector", "start-up"]
ADVISORY_KEYS: dict[Purpose, int] = {"projector": 7_421_102, "start-up": 7_421_103}
WAIT_SECONDS = 0.05


class ProcessLock:
    def __init__(self, database_url: str, purpose: Purpose) -> None:
        self.database_url = database_url
        self.purpose = purpose
        self._file: IO[bytes] | None = None
        self._connection: Any = None

    @property
    def held(self) -> bool:
        return self._file is not None or self._connection is not None

    def try_acquire(self) -> bool:
        if self.held:
            return True
        env = application_env(self.database_url)
        if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
            return self._try_file(Path(env["SQLITE_DBNAME"] + f".{self.purpose}.lock"))
        return self._try_advisory()

    @contextlib.contextmanager
    def held_while(self) -> Iterator[None]:
        """Wait for the lock, hold it for the block, then release it."""
        while not self.try_acquire():
            time.sleep(WAIT_SECONDS)
        try:
            yield
        finally:
            self.release()

    def confirm(self) -> None:
        """Raise when the lock may have been lost: on PostgreSQL, when the session that holds
        it has ended (a database restart ends every session, and so frees the lock for
        another process). A file lock lasts as long as this process."""
        if self._connection is not None:
            self._connection.execute("SELECT 1")

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the flock
            self._file = None
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(Exception):  # a session the database ended is closed
                connection.close()  # ending the session drops the advisory lock

    def _try_file(self, path: Path) -> bool:
        handle = path.open("a+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def _try_advisory(self) -> bool:
        import psycopg

        connection = psycopg.connect(self.database_url, autocommit=True)
        key = ADVISORY_KEYS[self.purpose]
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()
        if not (row and row[0]):
            connection.close()
            return False
        self._connection = connection
        return True
