"""Errors that pass: the database restarting, a connection dropped, a lock not yet free.

Reads of the event index retry them a few times within about three seconds
(:func:`retry_transient`); what still fails is answered ``503`` with ``Retry-After`` by the
API (``service.http.errors``), never ``500``. After a PostgreSQL restart every idle pooled
connection is dead though the pool cannot tell yet: :func:`discard_broken` has the pool
check them all and drop the dead ones, so that the next attempt gets a live connection
instead of the next dead one.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError

log = logging.getLogger("policy_timeline")

TRANSIENT: tuple[type[Exception], ...] = (
    OperationalError,  # the library's wrapping of the drivers' connection errors
    InterfaceError,
    psycopg.OperationalError,  # includes AdminShutdown and the pool's PoolTimeout
    psycopg.InterfaceError,
    sqlite3.OperationalError,  # "database is locked" past the lock timeout
)
PAUSES = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)  # 3.15 s in all, then the error goes to the caller
RETRY_AFTER_SECONDS = 2

F = TypeVar("F", bound=Callable[..., Any])


def discard_broken(datastore: Any) -> None:
    """Drop the pooled connections a database restart broke (PostgreSQL; nothing to do for
    SQLite, whose connections are files)."""
    pool = getattr(datastore, "pool", None)
    if pool is None or not hasattr(pool, "check"):
        return
    try:
        pool.check()
    except Exception:  # the database is still away: the next attempt finds out again
        log.debug("checking pooled connections failed", exc_info=True)


def retry_transient(method: F) -> F:
    """Retry a recorder method (one with ``self.datastore``) on transient errors."""

    @functools.wraps(method)
    def retried(self: Any, *args: Any, **kwargs: Any) -> Any:
        for pause in PAUSES:
            try:
                return method(self, *args, **kwargs)
            except TRANSIENT:
                discard_broken(self.datastore)
                time.sleep(pause)
        return method(self, *args, **kwargs)

    return cast(F, retried)
