"""The connection of a store of the service's own tables in the timeline's database (API keys,
webhooks): one connection per store, used under a lock, opened anew after the database dropped
it (a restart), with write transactions serialised against other processes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Protocol

from service.storage import sqlite_path


class Cursor(Protocol):
    rowcount: int

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class OwnTables:
    """A store's one connection. ``SCHEMA_LOCK`` is the PostgreSQL advisory lock its
    transactions take while creating tables (processes starting at once would otherwise race
    to create the same table), and on every write when ``LOCK_EVERY_WRITE``; SQLite writes
    take ``BEGIN IMMEDIATE``, its one writer at a time."""

    SCHEMA_LOCK: ClassVar[int]
    LOCK_EVERY_WRITE: ClassVar[bool] = False

    def __init__(self, database_url: str) -> None:
        self._lock = threading.Lock()
        self._url = database_url
        self._postgres = database_url.startswith(("postgresql://", "postgres://"))
        self._connection: Any = None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _connected(self) -> Any:
        if self._postgres:
            if self._connection is None or self._connection.closed or self._connection.broken:
                import psycopg

                self._connection = psycopg.connect(self._url, autocommit=True, connect_timeout=5)
        elif self._connection is None:
            self._connection = sqlite3.connect(
                sqlite_path(self._url), timeout=30, isolation_level=None, check_same_thread=False
            )
        return self._connection

    @contextmanager
    def _reading(self) -> Iterator[Cursor]:
        with self._lock:
            cursor = self._connected().cursor()
            try:
                yield cursor
            finally:
                cursor.close()

    @contextmanager
    def _transaction(self, schema: bool = False) -> Iterator[Cursor]:
        """A write transaction (``schema``: one that creates the tables)."""
        with self._lock:
            connection = self._connected()
            if self._postgres:
                with connection.transaction(), connection.cursor() as cursor:
                    if schema or self.LOCK_EVERY_WRITE:
                        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [self.SCHEMA_LOCK])
                    yield cursor
                return
            cursor = connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
