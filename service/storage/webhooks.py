"""Webhooks, their delivery cursors and leases, and the log of delivery attempts, kept in the
timeline's database (tables ``webhooks``, ``webhook_deliveries``, ``webhook_dispatchers``,
created on first use, as ``api_keys`` is).

**Cursor.** Each webhook row holds the point (``N`` or ``N@YYYY-MM-DD``, as a stream message's
``id``) up to which its changes were delivered. It moves only forward from a 2xx answer (or
past changes its filters leave out), in a transaction of its own before the next change is
sent, so a crash at any moment costs at most the one change in flight being sent again.

**Leases.** One process delivers a webhook at a time: the one holding its lease, a row lock
in time (``lease_owner``, ``lease_until`` by the database's clock), renewed every second or so
and taken over by another process once it runs out (a holder that died or lost the database).
Every write a holder makes is fenced: it names the lease owner and the ``revision`` it read,
and changes nothing if either moved (the lease was taken over, or an admin moved the cursor or
re-enabled the webhook), so a holder that stalled past its lease cannot move the cursor under
its successor. Why a lease with an expiry rather than a lock held by a session (an advisory
lock, ``SELECT … FOR UPDATE`` kept open): it works the same on SQLite and PostgreSQL, holds no
connection or transaction open while a receiver takes its time, and survives a connection
dropped by a database restart without two processes ever both holding it; the price is that
after a crash the webhook waits out the lease (``POLICY_TIMELINE_WEBHOOK_LEASE_SECONDS``)
before another process resumes it. Processes share the webhooks out: each takes at most its
share (the enabled webhooks divided by the processes seen in ``webhook_dispatchers``).

The secret is stored as is: it signs every message, so it cannot be kept hashed like an API key.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.storage.own_tables import Cursor, OwnTables
from service.storage.webhooks_sql import POSTGRES, SQLITE, TABLES, Dialect

SCHEMA_LOCK = 7_421_104  # pg_advisory_xact_lock key held while creating the tables
ID_PREFIX = "wh_"
KEEP_DELIVERIES = 1000  # attempts kept per webhook, newest

_COLUMNS = (
    "id, url, view, filters, description, secret, enabled, created_at, created_by, cursor, "
    "revision, failures, failing_since, next_attempt_at, last_delivered_at, disabled_at, "
    "disabled_reason, lease_owner, lease_until"
)
_ATTEMPT_COLUMNS = (
    "webhook_id, at, point, status_code, error, duration_ms, next_retry_at, delivered_by"
)


@dataclass(frozen=True)
class WebhookRecord:
    id: str
    url: str
    view: str
    filters: dict[str, Any]
    description: str
    secret: str
    enabled: bool
    created_at: float
    created_by: str
    cursor: str
    revision: int
    failures: int
    failing_since: float | None
    next_attempt_at: float | None
    last_delivered_at: float | None
    disabled_at: float | None
    disabled_reason: str | None
    lease_owner: str | None
    lease_until: float | None


@dataclass(frozen=True)
class Attempt:
    webhook_id: str
    at: float
    point: str
    status_code: int | None
    error: str | None
    duration_ms: float
    next_retry_at: float | None
    delivered_by: str


@dataclass(frozen=True)
class Delivery(Attempt):
    seq: int


@dataclass(frozen=True)
class Advance:
    """The cursor moves to ``cursor``: a change was delivered (``attempt``: the failure clock
    stops), or the changes up to it were left out by the webhook's filters (no attempt)."""

    webhook_id: str
    owner: str
    revision: int
    cursor: str
    attempt: Attempt | None = None


@dataclass(frozen=True)
class Failed:
    """An attempt failed: the next one is due at ``next_attempt_at``; with ``disable``, the
    webhook has failed for too long and is disabled for that reason."""

    webhook_id: str
    owner: str
    revision: int
    failures: int
    failing_since: float
    next_attempt_at: float
    attempt: Attempt
    disable: str | None = None


Change = Advance | Failed


@dataclass(frozen=True)
class LeaseRound:
    held: list[WebhookRecord]  # the enabled webhooks this process holds now
    share: int  # how many it should hold


def now() -> float:
    return datetime.now(UTC).timestamp()


def new_id() -> str:
    return ID_PREFIX + secrets.token_hex(8)


class WebhookStore(OwnTables):
    """Webhooks in the SQLite file or PostgreSQL database named by ``database_url``. One
    connection, used under a lock (the API and each delivering process have a store each)."""

    SCHEMA_LOCK = SCHEMA_LOCK

    def __init__(self, database_url: str) -> None:
        super().__init__(database_url)
        self._dialect: Dialect = POSTGRES if self._postgres else SQLITE
        with self._transaction(schema=True) as cursor:
            for statement in TABLES:
                cursor.execute(statement.format(serial=self._dialect.serial))

    # --- what admins do ------------------------------------------------------------------------

    def create(
        self,
        url: str,
        view: str,
        filters: dict[str, Any],
        description: str,
        *,
        cursor: str,
        secret: str,
        by: str,
    ) -> WebhookRecord:
        record = WebhookRecord(
            id=new_id(), url=url, view=view, filters=filters, description=description,
            secret=secret, enabled=True, created_at=now(), created_by=by, cursor=cursor,
            revision=0, failures=0, failing_since=None, next_attempt_at=None,
            last_delivered_at=None, disabled_at=None, disabled_reason=None, lease_owner=None,
            lease_until=None,
        )  # fmt: skip
        values = [getattr(record, c.strip()) for c in _COLUMNS.split(",")]
        values[3] = json.dumps(filters, separators=(",", ":"))
        values[6] = 1
        with self._transaction() as cursor_:
            cursor_.execute(self._sql(f"INSERT INTO webhooks ({_COLUMNS}) VALUES "
                                      f"({', '.join('?' * len(values))})"), values)  # fmt: skip
        return record

    def get(self, webhook_id: str) -> WebhookRecord | None:
        with self._reading() as cursor:
            return self._get(cursor, webhook_id)

    def records(self) -> list[WebhookRecord]:
        with self._reading() as cursor:
            cursor.execute(f"SELECT {_COLUMNS} FROM webhooks ORDER BY created_at, id")
            return [_record(row) for row in cursor.fetchall()]

    def delete(self, webhook_id: str) -> WebhookRecord | None:
        with self._transaction() as cursor:
            record = self._get(cursor, webhook_id)
            if record is not None:
                cursor.execute(self._sql("DELETE FROM webhooks WHERE id = ?"), [webhook_id])
                cursor.execute(
                    self._sql("DELETE FROM webhook_deliveries WHERE webhook_id = ?"), [webhook_id]
                )
            return record

    def update(
        self, webhook_id: str, *, enabled: bool | None, description: str | None, by: str
    ) -> WebhookRecord | None:
        """Enable (which also resets the failure clock: a webhook re-enabled after failing for
        days gets days again), disable, or describe a webhook; None when there is none."""
        sets: list[str] = []
        values: list[Any] = []
        if enabled is True:
            sets.append(
                "enabled = 1, failures = 0, failing_since = NULL, next_attempt_at = NULL, "
                "disabled_at = NULL, disabled_reason = NULL"
            )
        elif enabled is False:
            sets.append(
                "enabled = 0, disabled_at = CASE WHEN enabled = 1 THEN ? ELSE disabled_at END, "
                "disabled_reason = CASE WHEN enabled = 1 THEN ? ELSE disabled_reason END"
            )
            values += [now(), f"disabled by {by}"]
        if description is not None:
            sets.append("description = ?")
            values.append(description)
        return self._change(webhook_id, sets, values)

    def move_cursor(self, webhook_id: str, cursor: str) -> WebhookRecord | None:
        """Deliver again (or skip) from ``cursor`` on, at once."""
        return self._change(webhook_id, ["cursor = ?, next_attempt_at = NULL"], [cursor])

    def deliveries(self, webhook_id: str, limit: int, before: int | None = None) -> list[Delivery]:
        """Attempts, newest first (``before``: older than that ``seq``)."""
        with self._reading() as cursor:
            cursor.execute(
                self._sql(
                    f"SELECT {_ATTEMPT_COLUMNS}, seq FROM webhook_deliveries WHERE webhook_id = ? "
                    "AND seq < ? ORDER BY seq DESC LIMIT ?"
                ),
                [webhook_id, before if before is not None else 2**62, limit],
            )
            return [Delivery(*row) for row in cursor.fetchall()]

    # --- what the delivering processes do -----------------------------------------------------

    def busy(self, owner: str) -> bool:
        """Whether there is anything to deliver or hold: enabled webhooks, or leases of
        ``owner`` (a cheap read; an idle process does not write every second)."""
        with self._reading() as cursor:
            cursor.execute(
                self._sql("SELECT 1 FROM webhooks WHERE enabled = 1 OR lease_owner = ? LIMIT 1"),
                [owner],
            )
            return bool(cursor.fetchall())

    def lease_round(self, owner: str, seconds: float) -> LeaseRound:
        """Renew ``owner``'s leases, give up those of disabled webhooks, and take free ones (or
        ones whose lease ran out) up to its share; in one transaction."""
        with self._transaction() as cursor:
            cursor.execute(
                self._sql(
                    "INSERT INTO webhook_dispatchers (owner, seen_until) VALUES (?, {now} + ?) "
                    "ON CONFLICT (owner) DO UPDATE SET seen_until = excluded.seen_until"
                ),
                [owner, seconds],
            )
            cursor.execute(self._sql("DELETE FROM webhook_dispatchers WHERE seen_until < {now}"))
            cursor.execute("SELECT count(*) FROM webhook_dispatchers")
            processes = max(1, int(cursor.fetchall()[0][0]))
            cursor.execute(
                self._sql(
                    "UPDATE webhooks SET lease_owner = NULL, lease_until = NULL "
                    "WHERE lease_owner = ? AND enabled = 0"
                ),
                [owner],
            )
            cursor.execute(
                self._sql(
                    "UPDATE webhooks SET lease_until = {now} + ? WHERE lease_owner = ? RETURNING id"
                ),
                [seconds, owner],
            )
            held = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT count(*) FROM webhooks WHERE enabled = 1")
            share = -(-int(cursor.fetchall()[0][0]) // processes)
            if len(held) < share:
                cursor.execute(
                    self._sql(
                        "UPDATE webhooks SET lease_owner = ?, lease_until = {now} + ? "
                        "WHERE id IN (SELECT id FROM webhooks WHERE enabled = 1 AND "
                        "(lease_owner IS NULL OR lease_until < {now}) ORDER BY random() "
                        f"LIMIT ?{self._dialect.skip_locked}) "
                        "AND enabled = 1 AND (lease_owner IS NULL OR lease_until < {now}) "
                        "RETURNING id"
                    ),
                    [owner, seconds, share - len(held)],
                )
                held += [row[0] for row in cursor.fetchall()]
            records = [r for r in (self._get(cursor, i) for i in held) if r is not None]
        return LeaseRound(records, share)

    def release(self, owner: str, webhook_ids: Sequence[str] | None = None) -> None:
        """Give up leases (all of ``owner``'s, and its place among the dispatchers, when
        ``webhook_ids`` is None: the process is stopping)."""
        with self._transaction() as cursor:
            free = "UPDATE webhooks SET lease_owner = NULL, lease_until = NULL "
            free += "WHERE lease_owner = ?"
            if webhook_ids is None:
                cursor.execute(self._sql(free), [owner])
                cursor.execute(
                    self._sql("DELETE FROM webhook_dispatchers WHERE owner = ?"), [owner]
                )
                return
            for webhook_id in webhook_ids:
                cursor.execute(self._sql(free + " AND id = ?"), [owner, webhook_id])

    def apply(self, changes: Sequence[Change]) -> list[bool]:
        """Record attempts and move cursors, in one transaction (a group commit for every
        webhook that had something to record); for each change, whether it applied (False:
        the lease or the revision moved, and the holder must read the webhook again)."""
        applied = []
        with self._transaction() as cursor:
            for change in changes:
                if change.attempt is not None:
                    a = change.attempt
                    cursor.execute(
                        self._sql(
                            f"INSERT INTO webhook_deliveries ({_ATTEMPT_COLUMNS}) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                        ),
                        [a.webhook_id, a.at, a.point, a.status_code, a.error, a.duration_ms,
                         a.next_retry_at, a.delivered_by],
                    )  # fmt: skip
                fence = "WHERE id = ? AND lease_owner = ? AND revision = ?"
                where = [change.webhook_id, change.owner, change.revision]
                if isinstance(change, Advance) and change.attempt is None:
                    moved = "UPDATE webhooks SET cursor = ?, revision = revision + 1 "
                    cursor.execute(self._sql(moved + fence), [change.cursor, *where])
                elif isinstance(change, Advance):
                    assert change.attempt is not None
                    cursor.execute(
                        self._sql(
                            "UPDATE webhooks SET cursor = ?, revision = revision + 1, "
                            "failures = 0, failing_since = NULL, next_attempt_at = NULL, "
                            f"last_delivered_at = ? {fence}"
                        ),
                        [change.cursor, change.attempt.at, *where],
                    )
                else:
                    cursor.execute(
                        self._sql(
                            "UPDATE webhooks SET revision = revision + 1, failures = ?, "
                            "failing_since = ?, next_attempt_at = ?, "
                            "enabled = CASE WHEN ? THEN 0 ELSE enabled END, "
                            "disabled_at = CASE WHEN ? THEN ? ELSE disabled_at END, "
                            f"disabled_reason = COALESCE(?, disabled_reason) {fence}"
                        ),
                        [change.failures, change.failing_since, change.next_attempt_at,
                         change.disable is not None, change.disable is not None,
                         change.attempt.at, change.disable, *where],
                    )  # fmt: skip
                applied.append(cursor.rowcount == 1)
        return applied

    def prune(self, keep: int = KEEP_DELIVERIES) -> None:
        """Forget all but the newest ``keep`` attempts of each webhook, and those of webhooks
        deleted while an attempt was under way."""
        with self._transaction() as cursor:
            cursor.execute(
                self._sql(
                    "DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM (SELECT seq, "
                    "row_number() OVER (PARTITION BY webhook_id ORDER BY seq DESC) AS n "
                    "FROM webhook_deliveries) AS ranked WHERE n > ?)"
                ),
                [keep],
            )
            cursor.execute(
                "DELETE FROM webhook_deliveries WHERE webhook_id NOT IN (SELECT id FROM webhooks)"
            )

    # --- plumbing -----------------------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return self._dialect.sql(text)

    def _get(self, cursor: Cursor, webhook_id: str) -> WebhookRecord | None:
        cursor.execute(self._sql(f"SELECT {_COLUMNS} FROM webhooks WHERE id = ?"), [webhook_id])
        rows = cursor.fetchall()
        return _record(rows[0]) if rows else None

    def _change(self, webhook_id: str, sets: list[str], values: list[Any]) -> WebhookRecord | None:
        with self._transaction() as cursor:
            if sets:
                # A new revision: the process delivering it reads it again before going on.
                cursor.execute(
                    self._sql(
                        f"UPDATE webhooks SET {', '.join(sets)}, revision = revision + 1 "
                        "WHERE id = ?"
                    ),
                    [*values, webhook_id],
                )
            return self._get(cursor, webhook_id)


def _record(row: Sequence[Any]) -> WebhookRecord:
    values = list(row)
    values[3] = json.loads(values[3])
    values[6] = bool(values[6])
    return WebhookRecord(*values)
