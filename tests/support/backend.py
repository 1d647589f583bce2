"""Which database the tests run on. ``POLICY_TIMELINE_TEST_BACKEND=postgres`` runs every test
that stores anything on the PostgreSQL server at ``POLICY_TIMELINE_TEST_POSTGRES_URL`` (one new
database per test directory, dropped at the end of the run); otherwise on SQLite files."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BACKEND = os.environ.get("POLICY_TIMELINE_TEST_BACKEND", "sqlite")
ADMIN_URL = os.environ.get(
    "POLICY_TIMELINE_TEST_POSTGRES_URL", "postgresql://postgres:postgres@localhost:5432/postgres"
)
created: list[str] = []


def database_url(directory: Path, name: str = "timeline", backend: str = BACKEND) -> str:
    """The database for the test working in ``directory``: the same one each time it asks."""
    if backend == "sqlite":
        return f"sqlite:///{directory / f'{name}.db'}"
    if backend != "postgres":
        raise RuntimeError(f"POLICY_TIMELINE_TEST_BACKEND={backend!r}: sqlite or postgres")
    digest = hashlib.sha1(f"{directory}/{name}".encode()).hexdigest()[:16]
    database = f"pt_test_{digest}"
    if database not in created:
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{database}"')
        created.append(database)
    parts = urlsplit(ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


def copy_store(template: str, target: str) -> None:
    """Make the store at ``target`` (a URL ``database_url`` gave) a copy of the store at
    ``template``, which no one has open: a file copy on SQLite, ``CREATE DATABASE … TEMPLATE``
    on PostgreSQL. Loading and projecting the bundled timeline once per run and copying it
    per test is what keeps the API tests' cost per test that of a copy."""
    if template.startswith("sqlite:///"):
        source, copy = (
            Path(template.removeprefix("sqlite:///")),
            Path(target.removeprefix("sqlite:///")),
        )
        for suffix in ("", "-wal", "-shm"):
            stale = copy.with_name(copy.name + suffix)
            stale.unlink(missing_ok=True)
            if source.with_name(source.name + suffix).exists():
                shutil.copyfile(source.with_name(source.name + suffix), stale)
        return
    source_db, copy_db = urlsplit(template).path[1:], urlsplit(target).path[1:]
    _admin(f'DROP DATABASE IF EXISTS "{copy_db}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{copy_db}" TEMPLATE "{source_db}"')


def drop_created() -> None:
    while created:
        _admin(f'DROP DATABASE IF EXISTS "{created.pop()}" WITH (FORCE)')


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def reachable() -> bool:
    try:
        _admin("SELECT 1")
    except Exception:
        return False
    return True


if __name__ == "__main__":
    # `python -m tests.support.backend`: exit 0 when the PostgreSQL test server answers (make test).
    raise SystemExit(0 if reachable() else 1)
