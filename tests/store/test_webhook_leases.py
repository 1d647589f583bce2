"""The webhooks' store on a real database (SQLite file, or PostgreSQL in that half): leases
shared out and taken over, writes fenced by lease and revision, the failure clock, the log of
attempts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.storage.webhooks import Advance, Attempt, Failed, WebhookStore, now
from tests.support.backend import database_url

SECRET = "whsec_" + "A" * 43


@pytest.fixture
def store(tmp_path: Path) -> Iterator[WebhookStore]:
    opened = WebhookStore(database_url(tmp_path))
    yield opened
    opened.close()


def make(store: WebhookStore, n: int) -> list[str]:
    return [
        store.create(f"https://example.org/{i}", "events", {}, "", cursor="0", secret=SECRET,
                     by="test").id
        for i in range(n)
    ]  # fmt: skip


def attempt(webhook_id: str, point: str, status: int | None = 200) -> Attempt:
    return Attempt(webhook_id, now(), point, status, None if status == 200 else "failed", 1.0,
                   None, "test")  # fmt: skip


def test_processes_share_the_webhooks_out(store: WebhookStore, tmp_path: Path) -> None:
    other = WebhookStore(database_url(tmp_path))
    ids = make(store, 4)
    first = store.lease_round("a", 10)
    assert sorted(r.id for r in first.held) == sorted(ids) and first.share == 4
    second = other.lease_round("b", 10)
    assert (second.held, second.share) == ([], 2)  # all taken; b's share is half
    assert store.lease_round("a", 10).share == 2  # a sees b now, and hands two back:
    store.release("a", ids[:2])
    assert sorted(r.id for r in other.lease_round("b", 10).held) == sorted(ids[:2])
    assert sorted(r.id for r in store.lease_round("a", 10).held) == sorted(ids[2:])
    store.release("a")  # a stops: its webhooks and its place among the processes
    assert sorted(r.id for r in other.lease_round("b", 10).held) == sorted(ids)
    other.close()


def test_a_lease_that_runs_out_is_taken_over_and_its_old_holder_is_fenced_off(
    store: WebhookStore, tmp_path: Path
) -> None:
    other = WebhookStore(database_url(tmp_path))
    [webhook_id] = make(store, 1)
    [held] = store.lease_round("a", 0.3).held
    assert other.lease_round("b", 10).held == []  # still a's
    time.sleep(0.4)  # a stalls past its lease
    [taken] = other.lease_round("b", 10).held
    assert taken.lease_owner == "b"
    stale = Advance(webhook_id, "a", held.revision, "5", attempt(webhook_id, "5"))
    assert store.apply([stale]) == [False]
    assert other.apply([Advance(webhook_id, "b", taken.revision, "5")]) == [True]
    record = store.get(webhook_id)
    assert record is not None and (record.cursor, record.revision) == ("5", taken.revision + 1)
    assert [d.point for d in store.deliveries(webhook_id, 10)] == ["5"]  # the attempt is kept
    other.close()


def test_an_admin_change_fences_off_the_holder_until_it_reads_again(store: WebhookStore) -> None:
    [webhook_id] = make(store, 1)
    [held] = store.lease_round("a", 10).held
    moved = store.move_cursor(webhook_id, "2")
    assert moved is not None and moved.revision == held.revision + 1
    assert store.apply([Advance(webhook_id, "a", held.revision, "9")]) == [False]
    assert store.apply([Advance(webhook_id, "a", moved.revision, "3")]) == [True]
    record = store.get(webhook_id)
    assert record is not None and record.cursor == "3"


def test_failing_for_too_long_disables_and_enabling_restarts_the_clock(
    store: WebhookStore,
) -> None:
    [webhook_id] = make(store, 1)
    [held] = store.lease_round("a", 10).held
    since = now()
    failed = Failed(webhook_id, "a", held.revision, 1, since, since + 5,
                    attempt(webhook_id, "1", 500))  # fmt: skip
    assert store.apply([failed]) == [True]
    record = store.get(webhook_id)
    assert record is not None and (record.failures, record.failing_since) == (1, since)
    disable = Failed(webhook_id, "a", held.revision + 1, 2, since, since + 10,
                     attempt(webhook_id, "1", 500), disable="failing since then")  # fmt: skip
    assert store.apply([disable]) == [True]
    record = store.get(webhook_id)
    assert record is not None and not record.enabled
    assert record.disabled_reason == "failing since then"
    assert store.lease_round("a", 10).held == []  # a disabled webhook is let go, not taken
    enabled = store.update(webhook_id, enabled=True, description=None, by="admin")
    assert enabled is not None and enabled.enabled and enabled.failures == 0
    assert (enabled.failing_since, enabled.next_attempt_at, enabled.disabled_reason) == (
        None, None, None,
    )  # fmt: skip
    assert [r.id for r in store.lease_round("a", 10).held] == [webhook_id]


def test_attempts_are_listed_newest_first_and_the_oldest_are_forgotten(
    store: WebhookStore,
) -> None:
    [webhook_id] = make(store, 1)
    [held] = store.lease_round("a", 10).held
    changes = [
        Advance(webhook_id, "a", held.revision + n, str(n + 1), attempt(webhook_id, str(n + 1)))
        for n in range(12)
    ]
    assert store.apply(changes) == [True] * 12  # one transaction, in order
    listed = store.deliveries(webhook_id, 5)
    assert [d.point for d in listed] == ["12", "11", "10", "9", "8"]
    older = store.deliveries(webhook_id, 5, before=listed[-1].seq)
    assert [d.point for d in older] == ["7", "6", "5", "4", "3"]
    store.prune(keep=3)
    assert [d.point for d in store.deliveries(webhook_id, 100)] == ["12", "11", "10"]
    assert store.delete(webhook_id) is not None
    assert store.deliveries(webhook_id, 100) == [] and store.get(webhook_id) is None
