"""A real server (`policy-timeline serve`) under concurrent write load is killed with SIGKILL at
random moments, round after round, and restarted on the same database. After each restart:

* every event that was acknowledged (2xx) is in the log exactly once, at the position its
  answer gave, and the event index agrees with the stored events;
* every request is in the log whole or not at all (a batch in its order), including those whose
  answer was lost in the kill; a request that never reached the server stored nothing;
* the log holds nothing that was not sent;
* the views the restarted server projects equal views built from the same log by a projector
  in the test that was never killed; after the last round also a rebuild from position 0.

Half the kills fall a few milliseconds after a writer posted a batch of 20-50 events, so that
some land during a batch's commit; the others at a random moment of the load.

The events are SYNTHETIC (bench/synthetic.py, with a fresh uuid4 for each). A writer whose
request got no answer posts it again in the next round if the check found it absent, as a
retrying client would; the repeat must then be stored as new. The seed is printed;
``POLICY_TIMELINE_CRASH_SEED=N`` replays its random choices (not the threads' timing).
"""

from __future__ import annotations

import json
import os
import random
import signal
import ssl
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench.synthetic import sequence
from domain.log_index import LogQuery
from domain.timeline import Timeline
from projections.ports import Slot, ViewStorage
from projections.registry import VIEWS
from projections.runner import Runner
from service.bootstrap import open_timeline
from service.storage.views import view_store
from tests.support.backend import database_url
from tests.support.server import server_process
from tests.support.view_checks import assert_views_equal_a_rebuild

ROUNDS = 20
WRITERS = 4
EVENTS_PER_WRITER = 4000  # more than a writer sends in all rounds
BATCH_SIZES = (2, 50)
SINGLE_SHARE = 0.5  # of requests; the rest are batches
BIG_BATCH = 20  # a "during-batch" kill waits for a batch at least this big
KEY = "made-up-crash-test-admin-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
# Every URL here is plain http; a client still builds a TLS context (50 ms) unless given one.
TLS = ssl.create_default_context()
SEED = int(os.environ.get("POLICY_TIMELINE_CRASH_SEED") or random.SystemRandom().randrange(10**9))

ANSWERED = "2xx"
REFUSED = "refused"
NO_ANSWER = "no answer"  # sent (maybe in part) on a connection the kill broke
NOT_CONNECTED = "not connected"  # the server was gone before the connection was made


@dataclass
class MadeUpRequest:
    """One POST of synthetic events (a single event or a batch) and what became of it."""

    writer: int
    serial: int
    bodies: list[dict[str, Any]]
    batch: bool
    attempts: list[tuple[int, str, str]] = field(default_factory=list)  # (round, outcome, detail)
    answer: tuple[int, Any] | None = None  # status and body of the 2xx
    positions: list[int] | None = None  # as acknowledged, or as found in the log
    stored: bool = False  # acknowledged, or found whole in the log

    @property
    def event_ids(self) -> list[str]:
        return [b["event_id"] for b in self.bodies]

    @property
    def acknowledged(self) -> bool:
        return self.answer is not None

    def name(self) -> str:
        kind = f"batch of {len(self.bodies)}" if self.batch else "single event"
        return f"writer {self.writer} request {self.serial} ({kind}; attempts {self.attempts})"


class MadeUpWriter:
    """A client posting its own synthetic history (its own policies) in order, one request at
    a time; a request without an answer stays pending until the check after the restart finds
    it stored (the writer moves on) or absent (it is posted again)."""

    def __init__(self, index: int, rng: random.Random) -> None:
        self.index = index
        self.rng = rng
        self.bodies = made_up_history(seed=1000 + index, n=EVENTS_PER_WRITER)
        self.cursor = 0
        self.pending: MadeUpRequest | None = None
        self.requests: list[MadeUpRequest] = []

    def next_request(self) -> MadeUpRequest:
        if self.pending is not None:
            return self.pending
        size = 1 if self.rng.random() < SINGLE_SHARE else self.rng.randint(*BATCH_SIZES)
        bodies = self.bodies[self.cursor : self.cursor + size]
        assert bodies, f"writer {self.index} ran out of synthetic events: raise EVENTS_PER_WRITER"
        self.cursor += len(bodies)
        request = MadeUpRequest(self.index, len(self.requests), bodies, batch=size > 1)
        self.requests.append(request)
        self.pending = request
        return request


def made_up_history(seed: int, n: int) -> list[dict[str, Any]]:
    """A synthetic valid history, with a fresh uuid4 for every event (and for what a
    correction names)."""
    renamed: dict[str, str] = {}
    bodies = sequence(n, seed=seed)
    for body in bodies:
        renamed[body["event_id"]] = body["event_id"] = str(uuid.uuid4())
        for about in ("corrects", "retracts"):
            if about in body:
                body[about] = renamed[body[about]]
    return bodies


@dataclass
class Round:
    number: int
    mode: str  # "during-batch" or "random"
    delay: float
    in_flight_at_kill: list[MadeUpRequest] = field(default_factory=list)
    unanswered: list[MadeUpRequest] = field(default_factory=list)

    def where(self) -> str:
        return f"(round {self.number}, kill {self.mode} + {self.delay:.3f} s, seed {SEED})"


def write_until_killed(
    base: str, process: subprocess.Popen[str], writers: list[MadeUpWriter], plan: Round
) -> None:
    """Run the writers against the server at ``base``; SIGKILL it as ``plan`` says."""
    lock = threading.Lock()
    in_flight: set[int] = set()
    batch_posted = threading.Event()
    ready = threading.Event()
    killed = threading.Event()
    crashed: list[BaseException] = []

    def post(writer: MadeUpWriter, client: httpx.Client) -> None:
        with client:
            ready.wait()
            while not killed.is_set():
                request = writer.next_request()
                with lock:
                    in_flight.add(id(request))
                if request.batch and len(request.bodies) >= BIG_BATCH:
                    batch_posted.set()
                try:
                    if request.batch:
                        response = client.post("/events/batch", json={"events": request.bodies})
                    else:
                        response = client.post("/events", json=request.bodies[0])
                except httpx.ConnectError as error:
                    request.attempts.append((plan.number, NOT_CONNECTED, type(error).__name__))
                    plan.unanswered.append(request)
                    return
                except httpx.TransportError as error:
                    request.attempts.append((plan.number, NO_ANSWER, type(error).__name__))
                    plan.unanswered.append(request)
                    return
                finally:
                    with lock:
                        in_flight.discard(id(request))
                if response.status_code not in (200, 201):
                    request.attempts.append((plan.number, REFUSED, response.text[:300]))
                    plan.unanswered.append(request)  # the check after the restart fails on it
                    return
                request.attempts.append((plan.number, ANSWERED, str(response.status_code)))
                request.answer = (response.status_code, response.json())
                request.stored = True
                writer.pending = None

    def run(writer: MadeUpWriter, client: httpx.Client) -> None:
        try:
            post(writer, client)
        except BaseException as error:
            crashed.append(error)

    # Clients are made first (each takes a while) so that the writers start together.
    clients = [httpx.Client(base_url=base, headers=AUTH, timeout=30, verify=TLS) for _ in writers]
    threads = [
        threading.Thread(target=run, args=(w, c), name=f"writer-{w.index}")
        for w, c in zip(writers, clients, strict=True)
    ]
    for thread in threads:
        thread.start()
    ready.set()
    if plan.mode == "during-batch":
        assert batch_posted.wait(timeout=30), f"no batch was posted {plan.where()}"
    time.sleep(plan.delay)
    with lock:
        plan.in_flight_at_kill = [
            w.pending for w in writers if w.pending is not None and id(w.pending) in in_flight
        ]
    os.kill(process.pid, signal.SIGKILL)
    killed.set()
    process.wait(timeout=30)
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), f"{thread.name} still waits on the killed server"
    assert not crashed, f"a writer failed {plan.where()}: {crashed!r}"


def acknowledged_positions(request: MadeUpRequest, where: str) -> list[int]:
    """The positions a 2xx gave. A request is posted again only after it was found absent, so
    every event of a 2xx must have been new (201; for a batch, ``created`` = all)."""
    assert request.answer is not None
    status, body = request.answer
    said = f"{request.name()} {where}: answer {status} {body}"
    if request.batch:
        assert body["count"] == len(request.bodies), said
        assert body["created"] == len(request.bodies), f"a repeat was stored already: {said}"
        items = body["items"]
    else:
        assert status == 201, f"a repeat was stored already: {said}"
        items = [body]
    assert [i["event_id"] for i in items] == request.event_ids, said
    return [int(i["position"]) for i in items]


def read_whole_log(timeline: Timeline) -> list[tuple[int, str]]:
    """(position, event_id) of every event in the log, read from the stored events themselves,
    and checked against the event index."""
    logged: list[tuple[int, str]] = []
    start = 0
    while page := timeline.recorder.select_notifications(
        start=start, limit=1000, inclusive_of_start=False
    ):
        for notification in page:
            fact = timeline.mapper.to_domain_event(notification).fact  # type: ignore[attr-defined]
            logged.append((notification.id, fact["event_id"]))
        start = page[-1].id
    indexed = [(r.position, r.event_id) for r in timeline.index.find(LogQuery(limit=10**9))]
    assert indexed == logged, "the event index and the stored events disagree"
    return logged


def check_log(
    timeline: Timeline, writers: list[MadeUpWriter], plan: Round, api: httpx.Client
) -> int:
    """After the restart that followed ``plan``'s kill: every acknowledged event once, at its
    position; every request whole or absent; nothing that was not sent. Settles the requests
    left without an answer. Returns how many of those were found stored."""
    where = plan.where()
    logged = read_whole_log(timeline)
    counts = Counter(event_id for _, event_id in logged)
    doubled = {e: n for e, n in counts.items() if n > 1}
    assert not doubled, f"events stored more than once {where}: {doubled}"
    position_of = {event_id: position for position, event_id in logged}

    refused = [r.name() for r in plan.unanswered if r.attempts[-1][1] == REFUSED]
    assert not refused, f"requests refused {where} (an event they follow lost?): {refused}"
    found_stored = 0
    for request in plan.unanswered:
        present = [e for e in request.event_ids if e in counts]
        assert len(present) in (0, len(request.bodies)), (
            f"half-stored {where}: {len(present)} of the {len(request.bodies)} events of "
            f"{request.name()} are in the log"
        )
        if request.attempts[-1][1] == NOT_CONNECTED:
            assert not present, f"stored, never reached the server {where}: {request.name()}"
        # The API says the same as the store.
        status = api.get(f"/events/{request.event_ids[-1]}").status_code
        assert status == (200 if present else 404), f"GET said {status}: {request.name()} {where}"
        if present:
            request.stored = True
            request.positions = [position_of[e] for e in request.event_ids]
            writers[request.writer].pending = None
            found_stored += 1

    sent = {e for w in writers for r in w.requests for e in r.event_ids}
    stray = [e for e in counts if e not in sent]
    assert not stray, f"the log holds events never sent {where}: {stray[:5]}"
    expected = 0
    for writer in writers:
        for request in writer.requests:
            if not request.stored:
                present = [e for e in request.event_ids if e in counts]
                assert not present, f"{len(present)} events of unsettled {request.name()} {where}"
                continue
            if request.positions is None:
                request.positions = acknowledged_positions(request, where)
            found = [position_of.get(e) for e in request.event_ids]
            assert found == request.positions, (
                f"{request.name()} {where}: stored at positions {request.positions}, the log "
                f"now has them at {found} (None: missing, an acknowledged event was lost)"
            )
            assert request.positions == sorted(request.positions), (
                f"batch stored out of order {where}: {request.name()}"
            )
            expected += len(request.bodies)
    assert len(logged) == expected, (
        f"{len(logged)} events in the log, {expected} acknowledged or found whole {where}"
    )
    return found_stored


def wait_for_views(api: httpx.Client, head: int, where: str) -> None:
    """Until the restarted server's projector has caught up with the log."""
    deadline = time.monotonic() + 60
    while True:
        views = api.get("/views").json()
        reached = [v["position"] for v in views["items"] if v["position"] is not None]
        if views["log_position"] == head and all(p == head for p in reached):
            return
        assert time.monotonic() < deadline, f"views did not reach {head} {where}: {views}"
        time.sleep(0.05)


def row_versions(store: ViewStorage, slot: Slot, after: int, head: int) -> list[tuple[Any, ...]]:
    """The row versions of a slot opened or closed at a position in (after, head] (a row
    closed in there appears twice: as opened and as closed), comparable."""
    return sorted(
        (v.entity, v.sys_from, v.sys_until, json.dumps(v.body, sort_keys=True))
        for v in store.versions_between(slot, after, head, None)
    )


def check_views(
    store: ViewStorage,
    reference: Runner,
    reference_slots: dict[str, Slot],
    after: int,
    head: int,
    where: str,
) -> None:
    """The row versions of every view that the server projected (in the round it was killed
    in, and since its restart) opened or closed after ``after`` equal those of a projector in
    this process that was never killed. ``after`` 0: every row version of every view."""
    reference.run_until_caught_up()
    live = {s.view: s for s in store.active_slots()}
    for name in VIEWS:
        assert store.position(live[name]) == head, (name, where)
        assert store.position(reference_slots[name]) == head, (name, where)
        projected = row_versions(store, live[name], after, head)
        built = row_versions(store, reference_slots[name], after, head)
        if projected != built:
            only_projected = [v for v in projected if v not in built][:3]
            only_built = [v for v in built if v not in projected][:3]
            raise AssertionError(
                f"view {name} differs from the log {where}: {len(projected)} row versions "
                f"projected, {len(built)} built; only projected: {only_projected}; only built: "
                f"{only_built}"
            )


def test_acknowledged_writes_survive_sigkill_of_the_server(tmp_path: Path) -> None:
    print(f"\ncrash-safety seed {SEED}")
    started = time.monotonic()
    rng = random.Random(SEED)
    writers = [MadeUpWriter(i, random.Random(rng.random())) for i in range(WRITERS)]
    timeline: Timeline | None = None
    store: ViewStorage | None = None
    reference: Runner | None = None
    reference_slots: dict[str, Slot] = {}
    plan: Round | None = None
    checked = 0  # the log position up to which the views were compared
    rounds: list[dict[str, Any]] = []
    try:
        for number in range(ROUNDS + 1):
            with (
                server_process(
                    tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY, POLICY_TIMELINE_LOAD_DEMO="false"
                ) as (base, _, process),
                httpx.Client(base_url=base, timeout=30, verify=TLS) as api,
            ):
                if timeline is None:  # opened once the server has created the tables
                    timeline = open_timeline(database_url(tmp_path))
                    store = view_store(timeline)
                    reference_slots = {name: store.new_slot(name) for name in VIEWS}
                    reference = Runner(timeline, store, list(reference_slots.values()))
                assert store is not None and reference is not None
                if plan is not None:
                    found_stored = check_log(timeline, writers, plan, api)
                    head = timeline.position()
                    wait_for_views(api, head, plan.where())
                    # What changed since the last check (everything, after the last round).
                    after = 0 if number == ROUNDS else checked
                    check_views(store, reference, reference_slots, after, head, plan.where())
                    checked = head
                    rounds.append(
                        {
                            "round": plan.number,
                            "kill": f"{plan.mode} +{plan.delay:.3f}s",
                            "head": head,
                            "in flight": len(plan.in_flight_at_kill),
                            "batches in flight": sum(r.batch for r in plan.in_flight_at_kill),
                            "unanswered": len(plan.unanswered),
                            "unanswered, found stored": found_stored,
                        }
                    )
                    print(rounds[-1])
                if number == ROUNDS:
                    break
                mode = ("during-batch", "random")[number % 2]
                delay = rng.uniform(0.0, 0.03) if mode == "during-batch" else rng.uniform(0.05, 0.4)
                plan = Round(number, mode, delay)
                write_until_killed(base, process, writers, plan)
                assert process.returncode == -signal.SIGKILL, process.returncode
        assert timeline is not None and store is not None
        for slot in reference_slots.values():
            store.drop_slot(slot)
        assert_views_equal_a_rebuild(timeline, store, rng, date(2020, 1, 1), 3 * 365)
        head = timeline.position()
    finally:
        if timeline is not None:
            timeline.close()

    requests = [r for w in writers for r in w.requests]
    acknowledged = [r for r in requests if r.acknowledged]
    print(
        f"{ROUNDS} kills in {time.monotonic() - started:.1f} s; {head} events stored; "
        f"{sum(len(r.bodies) for r in acknowledged)} events in {len(acknowledged)} requests "
        f"acknowledged; {sum(r['unanswered, found stored'] for r in rounds)} requests without "
        "an answer found stored whole"
    )
    assert len(rounds) == ROUNDS
    # The kills fell under load: requests, batches among them, were in flight in most rounds.
    with_batches = sum(r["batches in flight"] > 0 for r in rounds)
    assert with_batches >= ROUNDS // 2, f"only {with_batches} kills with a batch in flight"
    assert len(acknowledged) >= ROUNDS, f"only {len(acknowledged)} requests acknowledged"
