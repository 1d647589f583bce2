"""The webhooks' tables and the SQL that differs between SQLite and PostgreSQL.

Times are seconds since the epoch (``DOUBLE PRECISION``: a lease's expiry is compared in SQL).
A lease is measured by the database's clock (``now``), never a process's, so that processes on
several hosts with clocks a little apart still agree on when a lease has run out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    placeholder: str
    serial: str
    now: str  # the database's clock, in seconds since the epoch
    skip_locked: str  # appended to the claim's row selection

    def sql(self, text: str) -> str:
        """``text`` with ``?`` placeholders and ``{now}`` in this dialect."""
        return text.replace("?", self.placeholder).replace("{now}", self.now)


SQLITE = Dialect(
    placeholder="?",
    serial="INTEGER",
    now="((julianday('now') - 2440587.5) * 86400.0)",
    # SQLite has one writer at a time: the claim's transaction (BEGIN IMMEDIATE) already
    # keeps every other process out while it chooses rows.
    skip_locked="",
)
POSTGRES = Dialect(
    placeholder="%s",
    serial="BIGSERIAL",
    now="EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION",
    # Processes claiming at the same moment each take rows the others are not taking, rather
    # than queueing on the same rows (the outer WHERE checks each row again all the same).
    skip_locked=" FOR UPDATE SKIP LOCKED",
)

TABLES = (
    """CREATE TABLE IF NOT EXISTS webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    view TEXT NOT NULL,
    filters TEXT NOT NULL,
    description TEXT NOT NULL,
    secret TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    created_by TEXT NOT NULL,
    cursor TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    failing_since DOUBLE PRECISION,
    next_attempt_at DOUBLE PRECISION,
    last_delivered_at DOUBLE PRECISION,
    disabled_at DOUBLE PRECISION,
    disabled_reason TEXT,
    lease_owner TEXT,
    lease_until DOUBLE PRECISION)""",
    """CREATE TABLE IF NOT EXISTS webhook_deliveries (
    seq {serial} PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    point TEXT NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms DOUBLE PRECISION NOT NULL,
    next_retry_at DOUBLE PRECISION,
    delivered_by TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_of ON webhook_deliveries (webhook_id, seq)",
    # The processes delivering webhooks, each seen within its lease time: how many share them.
    """CREATE TABLE IF NOT EXISTS webhook_dispatchers (
    owner TEXT PRIMARY KEY,
    seen_until DOUBLE PRECISION NOT NULL)""",
)
