"""Where the timeline is stored: the database URL decides the persistence module."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse


class UnsupportedDatabaseUrl(ValueError):
    pass


def application_env(database_url: str) -> dict[str, str]:
    """The ``eventsourcing`` settings for a ``POLICY_TIMELINE_DATABASE_URL``."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        if not path:
            raise UnsupportedDatabaseUrl("sqlite:/// needs a file path, e.g. sqlite:///./var/x.db")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": "service.storage.sqlite:IndexedSQLiteRecorder",
        }
    scheme = urlparse(database_url).scheme or database_url
    raise UnsupportedDatabaseUrl(f"unsupported database URL scheme {scheme!r}: use sqlite:///PATH")
