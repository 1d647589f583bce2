"""The webhook dispatcher of a serving process: a supervised worker thread running an event
loop of its own, with one task per webhook it holds.

Where it lives, and why: not on the API's event loop, so that no receiver (slow, hanging, or
sending a large answer) and no signing or rendering ever takes a turn from a request; and not
a thread per webhook, since a webhook spends nearly all its time waiting on a receiver or for
the next change. Within its loop each webhook delivers on its own task, so a receiver that
hangs for its whole timeout (``POLICY_TIMELINE_WEBHOOK_TIMEOUT_SECONDS``) holds up only its own
webhook. Database work (leases, cursors, reading steps) runs in worker threads.

What each task does, for its webhook (``service.storage.webhooks`` has the cursor and lease):

1. wait until the stream has gone past the cursor: the view's committed tracking position (or
   the log's end, for ``events``) and today's date, polled every ``POLL_SECONDS`` and at once
   when this process's projector applies a batch; so a change is sent only once it is
   committed and the view has applied it, whichever process projects;
2. read the changes after the cursor (``service.webhooks.changes``), shared by the webhooks at
   the same point;
3. send them one at a time, in order; after a 2xx, store the new cursor (one group commit for
   every webhook with something to store) and only then send the next; after a failure,
   store when to try again (``service.webhooks.backoff``) and wait; a webhook failing for
   ``POLICY_TIMELINE_WEBHOOK_DISABLE_AFTER_SECONDS`` (3 days) is disabled.

Every ``ROUND_SECONDS`` the dispatcher renews its leases, takes free ones up to its share,
hands back those over its share (after the change in flight), and re-reads its webhooks, so
that a cursor moved by ``redeliver`` or a webhook re-enabled or deleted by another process
takes effect within a round; this process's own API changes take effect at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from projections.ports import SlotGone
from projections.registry import VIEWS
from service.runtime.projector import ProjectionHost
from service.runtime.workers import Worker, Workers
from service.settings import Settings
from service.storage.transient import TRANSIENT
from service.storage.webhooks import Advance, Attempt, Change, Failed, WebhookRecord, WebhookStore
from service.streams.steps import LOG, Point, dated
from service.webhooks.backoff import retry_delay
from service.webhooks.changes import Changes, ahead
from service.webhooks.filters import StreamFilter, stream_filter
from service.webhooks.sender import Outcome, Sender
from service.webhooks.signing import Signer
from service.webhooks.ssrf import Refused, parse_target

log = logging.getLogger("policy_timeline.webhooks")

POLL_SECONDS = 0.2  # how often the streams' ends are read while webhooks are held
PASSED_SAVE_SECONDS = 5.0  # a cursor moved past filtered-out changes only is stored this late
PRUNE_SECONDS = 60.0
FIRST_PAUSE, LONGEST_PAUSE = 0.5, 30.0  # after a task's own failure (the database away)


@dataclass(eq=False)
class _Hook:
    record: WebhookRecord  # as last read or written by this process (writes are fenced on it)
    chosen: StreamFilter
    sender: Sender | None  # None: a URL that no longer parses (refused at each attempt)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    stopping: bool = False
    passed: Point | None = None  # past filtered-out changes, not stored yet
    passed_since: float = 0.0

    @classmethod
    def of(cls, record: WebhookRecord, settings: Settings) -> _Hook:
        chosen = stream_filter(record.view, record.filters)
        try:
            target = parse_target(record.url)
        except Refused:
            return cls(record, chosen, None)
        sender = Sender(
            target,
            Signer(record.secret),
            settings.webhook_allow_private,
            settings.webhook_timeout_seconds,
        )
        return cls(record, chosen, sender)

    @property
    def cursor(self) -> Point:
        return self.passed or Point.parse(self.record.cursor)


class _GroupCommit:
    """Cursor moves and attempts of every webhook, stored together: whatever waits while a
    transaction is under way goes into the next one."""

    def __init__(self, store: WebhookStore) -> None:
        self._store = store
        self._waiting: list[tuple[Change, asyncio.Future[bool]]] = []
        self._arrived = asyncio.Event()

    async def store(self, change: Change) -> bool:
        """Whether it applied (False: the lease or the webhook's revision moved)."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((change, future))
        self._arrived.set()
        return await asyncio.shield(future)

    async def run(self) -> None:
        while True:
            await self._arrived.wait()
            await self.flush()

    async def flush(self) -> None:
        self._arrived.clear()
        batch, self._waiting = self._waiting, []
        if not batch:
            return
        try:
            results = await asyncio.to_thread(self._store.apply, [c for c, _ in batch])
        except Exception as error:
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
                    future.exception()  # retrieved here: a webhook that stopped may not ask
            return
        for (_, future), applied in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(applied)


class WebhookDispatcher:
    def __init__(
        self,
        database_url: str,
        projections: ProjectionHost,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.database_url = database_url
        self.projections = projections
        self.settings = settings
        self.clock = clock
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.worker = Worker("webhook-dispatcher", self._run)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Event | None = None  # an admin change: a lease round now
        self._advanced: asyncio.Event | None = None  # a projection batch: read the ends now
        self._hooks: dict[str, _Hook] = {}
        self._ends: dict[str, Point] = {}
        self._background: set[asyncio.Task[None]] = set()  # hand-backs under way

    # --- from other threads ---------------------------------------------------------------

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stopping.set()
        self.changed()
        self.worker.stop(timeout=20)

    def changed(self) -> None:
        """Webhooks were created, changed or deleted: look at them again now."""
        self._poke(self._changed)

    def advanced(self) -> None:
        """A view or the log moved on (a projection batch committed)."""
        self._poke(self._advanced)

    def _poke(self, event: asyncio.Event | None) -> None:
        loop = self._loop
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(event.set)

    # --- the dispatcher's own loop --------------------------------------------------------

    def _run(self, worker: Worker) -> None:
        asyncio.run(self._main(worker))

    async def _main(self, worker: Worker) -> None:
        self._changed, self._advanced = asyncio.Event(), asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._store = await asyncio.to_thread(WebhookStore, self.database_url)
        self._changes = Changes(self.projections)
        self._commits = _GroupCommit(self._store)
        helpers = [
            asyncio.create_task(self._commits.run(), name="webhook-commits"),
            asyncio.create_task(self._follow_ends(), name="webhook-ends"),
        ]
        pruned = time.monotonic()
        round_seconds = min(1.0, self.settings.webhook_lease_seconds / 4)
        try:
            while not worker.stopping.is_set():
                try:
                    await self._lease_round()
                    if time.monotonic() - pruned > PRUNE_SECONDS and self._hooks:
                        await asyncio.to_thread(self._store.prune)
                        pruned = time.monotonic()
                except TRANSIENT:
                    # The database is away or just came back (its first answer on the old
                    # connection is an error; the store reconnects): the next round tries
                    # again, instead of failing the worker and leaving /readyz at 503 for
                    # the restart's backoff after everything else has recovered.
                    log.info("webhook lease round: the database is not answering; retrying")
                    await asyncio.sleep(round_seconds)
                    continue
                for helper in helpers:
                    if helper.done():
                        helper.result()  # a helper that failed fails the dispatcher
                worker.succeeded()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), round_seconds)
                self._changed.clear()
        finally:
            await self._shut_down(helpers)

    async def _shut_down(self, helpers: list[asyncio.Task[None]]) -> None:
        """Stop every webhook's task, store what is waiting, give the leases back (so that a
        restarted or another process resumes at once, not when the leases run out)."""
        tasks = [h.task for h in self._hooks.values() if h.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._commits.flush()
        for helper in helpers:
            helper.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self._store.release, self.owner)
        self._hooks.clear()
        self._loop = None
        await asyncio.to_thread(self._store.close)

    async def _lease_round(self) -> None:
        if not self._hooks and not await asyncio.to_thread(self._store.busy, self.owner):
            return
        lease = await asyncio.to_thread(
            self._store.lease_round, self.owner, self.settings.webhook_lease_seconds
        )
        held = {record.id: record for record in lease.held}
        for webhook_id, hook in list(self._hooks.items()):
            if webhook_id not in held and not hook.stopping:
                self._hand_back(hook, release=False)  # taken over, deleted or disabled
        for webhook_id, record in held.items():
            known = self._hooks.get(webhook_id)
            if known is None:
                self._start(record)
            elif known.stopping:
                continue
            elif record.revision > known.record.revision:
                self._adopt(known, record)
            elif known.task is None or known.task.done():
                self._start(record)  # its task ended (it disabled the webhook, or failed)
        delivering = [h for h in self._hooks.values() if not h.stopping]
        for hook in delivering[lease.share :]:
            self._hand_back(hook, release=True)

    def _start(self, record: WebhookRecord) -> None:
        hook = _Hook.of(record, self.settings)
        if not record.enabled:
            return
        self._hooks[record.id] = hook
        hook.task = asyncio.create_task(self._deliver_all(hook), name=f"webhook {record.id}")

    def _adopt(self, hook: _Hook, record: WebhookRecord) -> None:
        """Changed elsewhere (a cursor moved back, re-enabled): deliver as it now reads (its
        URL, secret and filters never change)."""
        hook.record = record
        hook.passed = None
        hook.wake.set()

    def _hand_back(self, hook: _Hook, release: bool) -> None:
        hook.stopping = True
        hook.wake.set()

        async def after_its_change() -> None:
            if hook.task is not None:
                await asyncio.gather(hook.task, return_exceptions=True)
            if release:
                await self._save_passed(hook)
                await asyncio.to_thread(self._store.release, self.owner, [hook.record.id])
            self._hooks.pop(hook.record.id, None)

        self._background.add(task := asyncio.create_task(after_its_change()))
        task.add_done_callback(self._background.discard)

    async def _follow_ends(self) -> None:
        """How far each stream has gone: read while webhooks are held, every POLL_SECONDS or at
        once after a projection batch; the webhooks of a stream that moved are woken."""
        assert self._advanced is not None
        while True:
            if self._hooks:
                ends = await asyncio.to_thread(self._read_ends)
                moved = {s for s, end in ends.items() if self._ends.get(s) != end}
                self._ends = ends
                for hook in self._hooks.values():
                    if hook.record.view in moved:
                        hook.wake.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._advanced.wait(), POLL_SECONDS)
            self._advanced.clear()

    def _read_ends(self) -> dict[str, Point]:
        today: date = self.clock().astimezone(UTC).date()
        positions = self.projections.views.positions()
        ends = {LOG: Point(self.projections.timeline.position())}
        for view in VIEWS:
            if view in positions:
                ends[view] = Point(positions[view], today if dated(view) else None)
        return ends

    # --- one webhook ----------------------------------------------------------------------

    async def _deliver_all(self, hook: _Hook) -> None:
        pause = 0.0
        try:
            while not hook.stopping and hook.record.enabled:
                try:
                    await self._deliver_some(hook)
                    pause = 0.0
                except (asyncio.CancelledError, GeneratorExit):
                    raise
                except Exception as error:
                    pause = min(LONGEST_PAUSE, max(FIRST_PAUSE, pause * 2))
                    if not isinstance(error, SlotGone):  # a view switched to its rebuilt copy
                        log.warning(
                            "webhook %s: %s; trying again in %.1f s", hook.record.id, error, pause
                        )
                    await self._sleep(hook, pause)
                    with contextlib.suppress(Exception):  # still failing: the next pass says
                        await self._reread(hook)
        finally:
            if hook.sender is not None:
                hook.sender.close()

    async def _deliver_some(self, hook: _Hook) -> None:
        """Send what is due, in order, until a failure or the stream's end."""
        record = hook.record
        due = record.next_attempt_at
        if due is not None and due > time.time():
            await self._sleep(hook, due - time.time())
            return
        end = self._ends.get(record.view)
        cursor = hook.cursor
        if end is None or not ahead(end, cursor):
            if hook.passed is not None:
                waited = time.monotonic() - hook.passed_since
                if waited >= PASSED_SAVE_SECONDS:
                    await self._save_passed(hook)
                    return
                await self._sleep(hook, PASSED_SAVE_SECONDS - waited)
                return
            await self._sleep(hook, None)
            return
        pending = await self._changes.after(record.view, cursor, end, hook.chosen)
        for change in pending.changes:
            if hook.stopping or hook.record is not record:
                return
            outcome = await self._attempt(hook, change.point.id, change.body)
            updated = await self._store_outcome(hook, record, change.point, outcome)
            if updated is None:
                return
            record = updated
        if ahead(pending.reached, hook.cursor):
            if hook.passed is None:
                hook.passed_since = time.monotonic()
            hook.passed = pending.reached

    async def _attempt(self, hook: _Hook, message_id: str, body: bytes) -> Outcome:
        if hook.sender is None:
            return Outcome(datetime.now(UTC), None, "refused: the URL no longer parses", 0.0)
        return await hook.sender.send(message_id, body)

    async def _store_outcome(
        self, hook: _Hook, record: WebhookRecord, point: Point, outcome: Outcome
    ) -> WebhookRecord | None:
        """Store an attempt: the new record to go on with after a success, None to stop this
        pass (a failure, or the webhook changed elsewhere)."""
        at = outcome.at.timestamp()
        attempt = Attempt(record.id, at, point.id, outcome.status_code, outcome.error,
                          outcome.duration_ms, None, self.owner)  # fmt: skip
        if outcome.ok:
            change: Change = Advance(record.id, self.owner, record.revision, point.id, attempt)
            updated = dataclasses.replace(
                record, cursor=point.id, revision=record.revision + 1, failures=0,
                failing_since=None, next_attempt_at=None, last_delivered_at=at,
            )  # fmt: skip
        else:
            failures = record.failures + 1
            failing_since = record.failing_since if record.failing_since is not None else at
            next_at = at + retry_delay(
                failures,
                self.settings.webhook_retry_base_seconds,
                self.settings.webhook_retry_max_seconds,
            )
            disable = None
            if at - failing_since >= self.settings.webhook_disable_after_seconds:
                since = datetime.fromtimestamp(failing_since, UTC).isoformat(timespec="seconds")
                disable = f"failing since {since}: {outcome.error}"
                log.warning("webhook %s disabled: %s", record.id, disable)
            attempt = dataclasses.replace(attempt, next_retry_at=None if disable else next_at)
            change = Failed(record.id, self.owner, record.revision, failures, failing_since,
                            next_at, attempt, disable)  # fmt: skip
            updated = dataclasses.replace(
                record, revision=record.revision + 1, failures=failures,
                failing_since=failing_since, next_attempt_at=next_at,
                enabled=disable is None, disabled_at=at if disable else None,
                disabled_reason=disable,
            )  # fmt: skip
        if not await self._commits.store(change):
            await self._reread(hook)
            return None
        if hook.record is not record:
            return None  # changed elsewhere meanwhile: go on from what it now reads
        hook.record = updated
        if not outcome.ok:
            return None
        hook.passed = None
        return updated

    async def _save_passed(self, hook: _Hook) -> None:
        """Store a cursor moved past changes the filters left out (a crash before this only
        costs reading them again: nothing was sent for them)."""
        record, passed = hook.record, hook.passed
        if passed is None:
            return
        change = Advance(record.id, self.owner, record.revision, passed.id)
        if await self._commits.store(change):
            if hook.record is record:
                hook.record = dataclasses.replace(
                    record, cursor=passed.id, revision=record.revision + 1
                )
                hook.passed = None
        else:
            await self._reread(hook)

    async def _reread(self, hook: _Hook) -> None:
        record = await asyncio.to_thread(self._store.get, hook.record.id)
        if record is None or record.lease_owner != self.owner:
            self._hand_back(hook, release=False)  # deleted, or taken over
            return
        if record.revision != hook.record.revision:
            self._adopt(hook, record)

    @staticmethod
    async def _sleep(hook: _Hook, seconds: float | None) -> None:
        """Until ``seconds`` have passed (None: no limit) or the webhook is woken."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hook.wake.wait(), seconds)
        hook.wake.clear()


@dataclass
class Webhooks:
    """The webhooks of a serving process: the store the API uses, and the dispatcher."""

    store: WebhookStore
    dispatcher: WebhookDispatcher

    def changed(self) -> None:
        self.dispatcher.changed()

    def stop(self) -> None:
        self.dispatcher.stop()
        self.store.close()


def start_webhooks(
    settings: Settings,
    projections: ProjectionHost,
    workers: Workers,
    clock: Callable[[], datetime],
) -> Webhooks:
    """Open the webhooks' store and start delivering (called by the app's lifespan)."""
    store = WebhookStore(settings.database_url)
    dispatcher = WebhookDispatcher(settings.database_url, projections, settings, clock)
    projections.runner.listeners.append(dispatcher.advanced)
    workers.add(dispatcher.worker)
    dispatcher.start()
    return Webhooks(store, dispatcher)
