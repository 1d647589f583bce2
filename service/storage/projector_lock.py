"""One projector at a time: a lock the running projector holds for as long as it lives.

Several API processes (``serve --workers N``) and any ``policy-timeline project`` processes
all offer to project; the one holding this lock does, the others stand by and take over
within a second or two of its death. Both kinds of lock are released by the operating system
or the database when their holder dies, so there is nothing to clean up after a crash. (Two
projectors at once would still be correct, since each batch commits with its tracking
position, which only one can record; the lock saves the wasted work.)
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO, Any

from service.storage import application_env

PROJECTOR_LOCK = 7_421_102  # pg_try_advisory_lock key


class ProjectorLock:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
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
            return self._try_file(Path(env["SQLITE_DBNAME"] + ".projector.lock"))
        return self._try_advisory()

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the flock
            self._file = None
        if self._connection is not None:
            self._connection.close()  # ending the session drops the advisory lock
            self._connection = None

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
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", [PROJECTOR_LOCK]).fetchone()
        if not (row and row[0]):
            connection.close()
            return False
        self._connection = connection
        return True
