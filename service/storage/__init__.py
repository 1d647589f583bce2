"""Where the timeline is stored: the database URL decides the persistence module."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import unquote, urlparse


class UnsupportedDatabaseUrl(ValueError):
    pass


class StoreUnreachable(RuntimeError):
    """The database server did not answer, so whether it holds a timeline is unknown."""


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


def timeline_exists(database_url: str) -> bool:
    """Whether the store at ``database_url`` holds a timeline (its log's table), found out
    without creating anything: no file, folder, database or table."""
    return store_holds(database_url, (events_table(database_url),))


def events_table(database_url: str) -> str:
    """The log's table, as the eventsourcing library names it: ``stored_events`` in SQLite,
    the application's name and ``_events`` in PostgreSQL."""
    if database_url.startswith("sqlite:///"):
        return "stored_events"
    from domain.timeline import Timeline

    return f"{Timeline.name.lower()}_events"


def store_holds(database_url: str, tables: tuple[str, ...]) -> bool:
    """Whether the store exists and has at least one of ``tables``."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        if not path:
            raise UnsupportedDatabaseUrl("sqlite:/// needs a file path, e.g. sqlite:///./var/x.db")
        return _sqlite_holds(Path(path), tables)
    application_env(database_url)  # refuses what is neither SQLite nor PostgreSQL
    return _postgres_holds(database_url, tables)


def store_location(database_url: str) -> str:
    """Where a store is, for messages: the SQLite file's full path, or the PostgreSQL URL
    without its password."""
    if database_url.startswith("sqlite:///"):
        return str(Path(database_url.removeprefix("sqlite:///")).absolute())
    url = urlparse(database_url)
    user = f"{url.username}@" if url.username else ""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{user}{url.hostname}{port}{url.path}"


def _sqlite_holds(path: Path, tables: tuple[str, ...]) -> bool:
    if not path.is_file():
        return False
    # Read-only: opening a file that is not a database must not turn it into one.
    uri = path.absolute().as_uri() + "?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            marks = ", ".join("?" * len(tables))
            found = connection.execute(
                f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name IN ({marks})", tables
            ).fetchone()
    except sqlite3.DatabaseError:
        return False  # not a SQLite file
    return found is not None


def _postgres_holds(database_url: str, tables: tuple[str, ...]) -> bool:
    import psycopg

    try:
        with psycopg.connect(database_url, connect_timeout=5) as connection:
            found = connection.execute(
                "SELECT 1 FROM unnest(%s::text[]) AS t(name) WHERE to_regclass(t.name) IS NOT NULL",
                [list(tables)],
            ).fetchone()
    except psycopg.OperationalError as error:
        if _postgres_database_missing(database_url):
            return False
        raise StoreUnreachable(f"cannot reach {store_location(database_url)}: {error}") from None
    return found is not None


def _postgres_database_missing(database_url: str) -> bool:
    """Whether the server answers and has no database of that name (libpq's "does not exist"
    comes without an error code, and its wording depends on the server's language)."""
    import psycopg

    name = unquote(urlparse(database_url).path.strip("/"))
    try:
        with psycopg.connect(database_url, dbname="postgres", connect_timeout=5) as connection:
            row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return row.fetchone() is None
    except psycopg.Error:
        return False
