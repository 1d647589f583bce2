"""API keys and the log of their creation and revocation, kept in the timeline's database.

Only a key's SHA-256 digest is stored. Keys are 256 random bits, so a fast hash is enough: no
one can search that space, and a slow password hash would cost every request. Key names are
never reused (a revoked key keeps its name), because events cite the name as ``recorded_by``.
Key changes are logged in ``api_key_log``, apart from the policy event log.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from service.storage.own_tables import Cursor, OwnTables

Role = Literal["reader", "editor", "admin"]
ROLES: tuple[Role, ...] = ("reader", "editor", "admin")
BOOTSTRAP_ADMIN = "admin"  # the name of the key made on first start (and of the env key)
KEY_PREFIX = "pt_"
KEY_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
RESERVED_NAMES = frozenset({BOOTSTRAP_ADMIN, "bundled-demo", "cli-load"})  # authors we write
SCHEMA_LOCK = 7_421_101  # pg_advisory_xact_lock key held while creating or bootstrapping


@dataclass(frozen=True)
class KeyRecord:
    name: str
    role: Role
    digest: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None


@dataclass(frozen=True)
class KeyLogEntry:
    seq: int
    at: datetime
    action: Literal["created", "revoked"]
    name: str
    role: Role
    by: str


class KeyNameRefused(Exception):
    """A name that is malformed, reserved or taken (names of revoked keys stay taken)."""


class UnknownKey(Exception):
    pass


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


_KEYS = """CREATE TABLE IF NOT EXISTS api_keys (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT)"""
_LOG = """CREATE TABLE IF NOT EXISTS api_key_log (
    seq {serial} PRIMARY KEY,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    by TEXT NOT NULL)"""
_COLUMNS = "name, role, digest, created_at, created_by, revoked_at, revoked_by"


class KeyStore(OwnTables):
    """Keys in the SQLite file or PostgreSQL database named by ``database_url``.

    One connection, used under a lock: key lookups are cached by :class:`service.http.auth.Keyring`,
    so the store sees a query or two per second, not one per request.
    """

    SCHEMA_LOCK = SCHEMA_LOCK
    LOCK_EVERY_WRITE = True  # a key's checks and its log entry, one writer at a time

    def __init__(self, database_url: str) -> None:
        super().__init__(database_url)
        with self._transaction(schema=True) as cursor:
            cursor.execute(_KEYS)
            cursor.execute(_LOG.format(serial="BIGSERIAL" if self._postgres else "INTEGER"))

    def records(self) -> list[KeyRecord]:
        with self._reading() as cursor:
            cursor.execute(f"SELECT {_COLUMNS} FROM api_keys ORDER BY created_at, name")
            return [_record(row) for row in cursor.fetchall()]

    def log(self) -> list[KeyLogEntry]:
        with self._reading() as cursor:
            cursor.execute("SELECT seq, at, action, name, role, by FROM api_key_log ORDER BY seq")
            return [
                KeyLogEntry(row[0], _time(row[1]), row[2], row[3], row[4], row[5])
                for row in cursor.fetchall()
            ]

    def create(self, name: str, role: Role, by: str) -> tuple[KeyRecord, str]:
        """A new key; the key itself is returned here and never again."""
        if not re.fullmatch(KEY_NAME_PATTERN, name):
            raise KeyNameRefused(
                f"a key name is 1 to 64 letters, digits or . _ @ - (not first): {name!r}"
            )
        if name in RESERVED_NAMES:
            raise KeyNameRefused(f"the key name {name!r} is reserved")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        key = new_key()
        with self._transaction() as cursor:
            return self._insert(cursor, name, role, digest(key), by), key

    def bootstrap_admin(self, key_digest: str) -> bool:
        """Store the first admin key unless any key exists already (another process starting
        at the same moment may have made one); True when this one was stored."""
        with self._transaction() as cursor:
            cursor.execute("SELECT 1 FROM api_keys LIMIT 1")
            if cursor.fetchall():
                return False
            self._insert(cursor, BOOTSTRAP_ADMIN, "admin", key_digest, "first start")
            return True

    def revoke(self, name: str, by: str) -> KeyRecord:
        """Revoke a key (revoking a revoked key changes nothing and answers the same)."""
        with self._transaction() as cursor:
            cursor.execute(f"SELECT {_COLUMNS} FROM api_keys WHERE name = {self._p}", [name])
            rows = cursor.fetchall()
            if not rows:
                raise UnknownKey(name)
            record = _record(rows[0])
            if record.revoked_at is not None:
                return record
            now = _now()
            cursor.execute(
                f"UPDATE api_keys SET revoked_at = {self._p}, revoked_by = {self._p} "
                f"WHERE name = {self._p}",
                [now.isoformat(), by, name],
            )
            self._log(cursor, now, "revoked", record.name, record.role, by)
            return KeyRecord(**{**record.__dict__, "revoked_at": now, "revoked_by": by})

    @property
    def _p(self) -> str:
        return "%s" if self._postgres else "?"

    def _insert(self, cursor: Cursor, name: str, role: Role, key_digest: str, by: str) -> KeyRecord:
        cursor.execute(f"SELECT 1 FROM api_keys WHERE name = {self._p}", [name])
        if cursor.fetchall():
            raise KeyNameRefused(f"a key named {name!r} exists already")
        now = _now()
        p = self._p
        cursor.execute(
            f"INSERT INTO api_keys (name, role, digest, created_at, created_by) "
            f"VALUES ({p}, {p}, {p}, {p}, {p})",
            [name, role, key_digest, now.isoformat(), by],
        )
        self._log(cursor, now, "created", name, role, by)
        return KeyRecord(name, role, key_digest, now, by)

    def _log(
        self, cursor: Cursor, at: datetime, action: str, name: str, role: str, by: str
    ) -> None:
        p = self._p
        cursor.execute(
            "INSERT INTO api_key_log (at, action, name, role, by) "
            f"VALUES ({p}, {p}, {p}, {p}, {p})",
            [at.isoformat(), action, name, role, by],
        )


def _record(row: Sequence[Any]) -> KeyRecord:
    return KeyRecord(
        name=row[0],
        role=row[1],
        digest=row[2],
        created_at=_time(row[3]),
        created_by=row[4],
        revoked_at=_time(row[5]) if row[5] else None,
        revoked_by=row[6],
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
