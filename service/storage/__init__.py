"""Where the timeline is stored: the database URL decides the persistence module."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse


class UnsupportedDatabaseUrl(ValueError):
    pass


def sqlite_path(database_url: str) -> str:
    """The file of a ``sqlite:///PATH`` URL (its folder is created if missing)."""
    path = database_url.removeprefix("sqlite:///")
    if not path:
        raise UnsupportedDatabaseUrl("sqlite:/// needs a file path, e.g. sqlite:///./var/x.db")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return path


def application_env(database_url: str) -> dict[str, str]:
    """The ``eventsourcing`` settings for a ``POLICY_TIMELINE_DATABASE_URL``."""
    if database_url.startswith("sqlite:///"):
        path = sqlite_path(database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": "service.storage.sqlite:IndexedSQLiteRecorder",
        }
    url = urlparse(database_url)
    if url.scheme in ("postgresql", "postgres"):
        if not url.hostname or not url.path.strip("/"):
            raise UnsupportedDatabaseUrl(
                "postgresql:// needs a host and a database, e.g. "
                "postgresql://user:password@localhost:5432/timeline"
            )
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(url.path.strip("/")),
            "POSTGRES_HOST": url.hostname,
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            # Writer, projection runner, stream hub and request threads share the pool.
            "POSTGRES_POOL_SIZE": "8",
            "POSTGRES_MAX_OVERFLOW": "8",
            "POSTGRES_LOCK_TIMEOUT": "30",
            # How long a request waits for a pooled connection: while the database is away,
            # it answers 503 after this rather than hanging (the library's default is 5 s).
            "POSTGRES_CONNECT_TIMEOUT": "2",
            "APPLICATION_RECORDER_TOPIC": "service.storage.postgres:IndexedPostgresRecorder",
        }
    scheme = url.scheme or database_url
    raise UnsupportedDatabaseUrl(
        f"unsupported database URL scheme {scheme!r}: use sqlite:///PATH or postgresql://…"
    )
