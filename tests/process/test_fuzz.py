"""Fuzzing the running service against its own OpenAPI schema with schemathesis (issue 7).

A real ``policy-timeline serve`` process (SQLite, or PostgreSQL with
``POLICY_TIMELINE_TEST_BACKEND=postgres``) holding the bundled timeline and a bootstrap admin
key. Schemathesis reads ``/openapi.json`` from it and sends generated requests to every
operation, valid and invalid ones (its positive and negative modes), from its coverage phase
(boundary values, each parameter wrong in turn) and its fuzzing phase (random). Every answer
must pass these checks:

* ``not_a_server_error``: no 5xx;
* ``status_code_conformance``: the status is one the operation documents;
* ``content_type_conformance``: the ``Content-Type`` is one documented for that status;
* ``response_schema_conformance``: the body matches the documented schema.

The tests, in the order they run against the one server:

1. ``test_links_are_in_the_schema``: the links are there (and adding them again is a no-op).
2. ``test_writes_that_can_succeed``: ``POST /events`` and ``/events/batch`` with generated
   bodies, fitted where the schema cannot say what is valid (ISO codes, a policy of the right
   kind for a follow-up, an event that exists for a correction), so most are recorded and the
   reads below meet events with generated texts, dates and amounts.
3. ``test_every_operation``: every operation, with the admin key.
4. ``test_linked_operations``: schemathesis' state machine over the schema's OpenAPI links
   (``service.http.openapi_links``): post, then read back the event, its policy, the log and the
   views at the position returned; post a policy's next event with its ``expected_version``;
   follow ``next_after``; rebuild a view; create and revoke keys. (schemathesis 4.32.5 never
   starts a scenario at ``POST /events``: its body names a policy and events that no operation
   "produces" by its reckoning; the links from ``GET /policies`` lead there instead. A replay
   that meets a server whose state has moved on is run again, as the schemathesis CLI does.)
5. ``test_writes_without_a_key``: every write operation with no key: 401, documented.
6. ``test_views_keep_up``: after all that, every view has applied the whole log (a write the
   projections cannot store would leave them stuck, which no single answer shows).
7. ``test_fuzz_was_not_vacuous``: every operation was called and writes were recorded.

Some values matter more than random ones: record times at the ends of the calendar and the
integer range, ``position=`` with digits ``int()`` refuses, dates 0001-01-01 and 9999-12-31, a
NUL character in text parameters. They are schemathesis *dictionaries* (``DICTIONARIES``)
bound to the parameters that take them, drawn with some probability among generated values
(``POLICY_TIMELINE_FUZZ_BOUNDARIES=0`` leaves them out, to look past the bugs they find).

Server-Sent Event streams (``/events/stream``, ``/views/*/stream``) never end by themselves.
They are fuzzed, not excluded: schemathesis reads an event stream until ``max-stream-events``
events have arrived or its request timeout has passed, closes it and checks what it read.
Their timeout is short (``STREAM_SECONDS``; the server sends heartbeats every 0.5 s so a quiet
stream is cut on time), their coverage phase is off and they get a few examples each, their
``after`` drawn from resume points (``stream-points``) so that they replay events to check.
The stateful run leaves them out (no link leads to them).

Bounded and reproducible: a fixed seed, no example database, ``MAX_EXAMPLES`` per operation.
The coverage phase of the two body operations (every boundary and wrong field of twenty event
types, ~5,000 requests) runs only with ``POLICY_TIMELINE_FUZZ_DEEP=1``. For a longer local
hunt: ``POLICY_TIMELINE_FUZZ_SEED=<n> POLICY_TIMELINE_FUZZ_EXAMPLES=<n>``. ``pytest -s``
prints how many requests were sent, per test, operation and status.

Schemathesis stops an operation at its first failure (then shrinks it), so one bug can hide
another behind it in the same operation: run again after a fix.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import hypothesis.strategies as st
import pytest
import schemathesis
from schemathesis import Case, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from domain.lifecycle import FOLLOW_UP_KIND, OPENING_KIND
from service.bulk.loader import bundled_timeline
from service.http.openapi_links import LINKS, add_links
from tests.support.backend import BACKEND
from tests.support.server import running_server

KEY = "fuzz-admin-key"
SEED = int(os.environ.get("POLICY_TIMELINE_FUZZ_SEED", "7"))
MAX_EXAMPLES = int(os.environ.get("POLICY_TIMELINE_FUZZ_EXAMPLES", "20"))
DEEP = os.environ.get("POLICY_TIMELINE_FUZZ_DEEP") == "1"
BOUNDARIES = os.environ.get("POLICY_TIMELINE_FUZZ_BOUNDARIES", "1") == "1"  # DICTIONARIES on
STREAM_EXAMPLES = 4
STREAM_SECONDS = 1.0
STEPS = 10
REQUEST_SECONDS = 15.0  # above the server's bounded 5 s waits (min_position, stream resume)
STREAMS = r"/stream$"
BODIES = r"^/events(/batch)?$"  # with POST: the event catalogue as request body
WRITE_BODIES = {"include-name-regex": r"^POST /events(/batch)?$"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

DICTIONARIES: dict[str, list[str | int]] = {
    "record-times": [
        "position=0",
        "position=2147483648",
        "position=99999999999999999999",
        "position=²",  # str.isdigit() says yes, int() says no
        "0001-01-01T00:00:00+12:00",  # before 0001-01-01 in UTC
        "9999-12-31T23:59:59-12:00",  # after 9999-12-31 in UTC
        "0001-01-01",
        "9999-12-31",
    ],
    "dates": ["0001-01-01", "0001-12-31", "9999-12-31"],
    "big-integers": [2**31, 2**63, 10**20],
    "awkward-text": ["\x00", "a\x00b", '"', "'", "NEAR(a b)", "a*", "\\"],
    # where a stream resumes: N or N@YYYY-MM-DD (a view stream's message id)
    "stream-points": ["0", "1", "1@2025-06-01", "1@9999-12-31", "99999999999999999999", "²"],
}
TEXT_QUERY = ("q", "jurisdiction", "material", "recipient", "after")
BINDINGS: dict[str, tuple[str, float]] = {
    **{f"query.{name}": ("record-times", 0.3) for name in ("known_at", "known_from", "known_to")},
    **{f"query.{name}": ("dates", 0.3) for name in ("at", "from", "to")},
    **{f"query.{name}": ("awkward-text", 0.2) for name in TEXT_QUERY},
    **{f"path.{name}": ("awkward-text", 0.2) for name in ("policy_id", "material", "name")},
    # text the event stores and the views index and search, in single events' bodies (a batch
    # of many would nearly always hold a NUL somewhere, and so never be stored)
    **{
        f"body.{name}": ("awkward-text", 0.1)
        for name in ("title", "summary", "agency", "targets[*]", "tags[*]", "instrument")
    },
}


@dataclass
class Tally:
    """Requests sent, by test, operation and status; printed when the module ends."""

    counts: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def add(self, test: str, case: Case, response: Response) -> None:
        label = case.operation.label
        if case.method.upper() != case.operation.method.upper():
            label = "(methods a path does not allow)"  # the coverage phase tries them: 405
        self.counts[(test, label, response.status_code)] += 1

    def add_note(self, note: str) -> None:
        self.notes.append(note)

    def total(self, test: str | None = None) -> int:
        return sum(n for (t, _, _), n in self.counts.items() if test in (None, t))

    def statuses(self, test: str, operation: str) -> set[int]:
        return {s for (t, o, s) in self.counts if (t, o) == (test, operation)}

    def report(self) -> str:
        lines = [
            f"fuzz ({BACKEND}, seed {SEED}, {MAX_EXAMPLES} examples per operation"
            f"{', deep' if DEEP else ''}): {self.total()} requests in "
            f"{time.monotonic() - self.started:.1f} s"
        ]
        for test in dict.fromkeys(t for t, _, _ in self.counts):
            lines.append(f"  {test}: {self.total(test)}")
            for operation in sorted({o for t, o, _ in self.counts if t == test}):
                shown = ", ".join(
                    f"{s}x{n}"
                    for (t, o, s), n in sorted(self.counts.items())
                    if (t, o) == (test, operation)
                )
                lines.append(f"    {operation}: {shown}")
        return "\n".join([*lines, *self.notes])


TALLY = Tally()


@dataclass(frozen=True)
class Server:
    base: str
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("fuzz")
    with running_server(
        directory,
        POLICY_TIMELINE_ADMIN_KEY=KEY,
        # heartbeats keep a quiet stream talking, so reading it ends at its deadline
        POLICY_TIMELINE_STREAM_HEARTBEAT_SECONDS="0.5",
    ) as (base, log):
        yield Server(base, log)
        print(f"\n{TALLY.report()}\nserver log: {log}")


def config() -> schemathesis.Config:
    """The run's settings, as a ``schemathesis.toml`` would hold them."""
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
            "request-timeout": REQUEST_SECONDS,
            "dictionaries": {name: {"values": values} for name, values in DICTIONARIES.items()},
            "parameters": {
                where: {"dictionary": name, "probability": p}
                for where, (name, p) in BINDINGS.items()
                if BOUNDARIES
            },
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                "dictionaries": (
                    {"integer": {"dictionary": "big-integers", "probability": 0.1}}
                    if BOUNDARIES
                    else {}
                ),
            },
            "phases": {"stateful": {"max-steps": STEPS}},
            "operations": [
                *([] if DEEP else [{**WRITE_BODIES, "phases": {"coverage": {"enabled": False}}}]),
                {
                    "include-path-regex": STREAMS,
                    "parameters": {"query.after": {"dictionary": "stream-points"}},
                    "request-timeout": STREAM_SECONDS,
                    "max-stream-events": 2,
                    "generation": {"max-examples": STREAM_EXAMPLES},
                    "phases": {"coverage": {"enabled": False}},
                },
            ],
        }
    )


@pytest.fixture(scope="module")
def api(server: Server) -> schemathesis.BaseSchema:
    """The schema the running server publishes, with the links of ``service.http.openapi_links``
    added (nothing changes once the app adds them itself)."""
    raw: dict[str, Any] = httpx.get(f"{server.base}/openapi.json", timeout=10).json()
    add_links(raw)
    schema = schemathesis.openapi.from_dict(raw, config=config())
    schema.config.update(base_url=server.base)
    return schema


def test_links_are_in_the_schema(server: Server) -> None:
    """Every link of ``service.http.openapi_links`` whose operations exist is added (a renamed
    path or parameter would drop one silently), and adding them twice changes nothing."""
    raw: dict[str, Any] = httpx.get(f"{server.base}/openapi.json", timeout=10).json()
    add_links(raw)
    once = json.dumps(raw, sort_keys=True)
    add_links(raw)
    assert json.dumps(raw, sort_keys=True) == once
    found = {
        (method, path, name)
        for path, operations in raw["paths"].items()
        for method, operation in operations.items()
        for response in operation.get("responses", {}).values()
        for name in response.get("links", {})
    }
    for link in LINKS:
        if not link.needs:  # the keys links wait for the keys endpoints
            assert (*link.source, link.name) in found, f"link {link.name} is missing"


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32.5's ``from_fixture`` reads and sets ``node._nodeid`` (to name each
    operation's subtest), which pytest 9 no longer has; give it one."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


api_schema = schemathesis.pytest.from_fixture("api")
bodies_schema = api_schema.include(method="POST", path_regex=BODIES)
writes_schema = api_schema.include(method=["POST", "PUT", "PATCH", "DELETE"])


@bodies_schema.parametrize()
@bodies_schema.given(data=st.data())
@hypothesis.settings(max_examples=MAX_EXAMPLES * 3)
def test_writes_that_can_succeed(case: Case, data: st.DataObject) -> None:
    fit_body(case, lambda options: data.draw(st.sampled_from(options)))
    call(case, "writes")


@api_schema.parametrize()
def test_every_operation(case: Case) -> None:
    call(case, "with key")


def test_linked_operations(api: schemathesis.BaseSchema) -> None:
    machine = api.exclude(path_regex=STREAMS).as_state_machine()
    chooser = random.Random(SEED)
    kinds: dict[str, str | None] = {}  # policies the answers named, with their kind

    class Linked(machine):  # type: ignore[valid-type, misc]
        def call(self, case: Case, **kwargs: Any) -> Response:
            fit_body(case, chooser.choice, kinds)  # so that posts succeed and links go on
            authorise(case, KEY)
            return case.call(**kwargs)

        def validate_response(
            self, response: Response, case: Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            TALLY.add("stateful", case, response)
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)
            if case.operation.label == "GET /policies/{policy_id}" and response.status_code == 200:
                body = response.json()
                kinds[body["policy_id"]] = body["kind"]

    settings = hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    for attempt in range(3):
        hypothesis.seed(SEED + attempt)(Linked)
        try:
            Linked.run(settings=settings)
            return
        except hypothesis.errors.FlakyStrategyDefinition:
            # Hypothesis replayed a scenario and the server, whose state every post moves on,
            # answered differently, so other links were open: not a finding (the schemathesis
            # CLI reruns such a scenario too). A check that failed once still fails the test:
            # that arrives as FlakyFailure, which is not caught here.
            TALLY.add_note("stateful: a replay met a changed server; ran again")


@writes_schema.parametrize()
@hypothesis.settings(max_examples=5)
def test_writes_without_a_key(case: Case) -> None:
    response = call(case, "without key", key=None)
    if case.method.upper() == case.operation.method.upper():
        if response.status_code == 422 and "NUL" in response.json()["error"]["message"]:
            return  # a NUL in the URL is refused before any key is looked at (a guard)
        assert response.status_code == 401, response.text


def test_views_keep_up(server: Server) -> None:
    """Every view reaches the end of the log: a projection that cannot store what was
    written stays behind for good (and 503s every read that asks for that position)."""
    deadline = time.monotonic() + 15
    while True:
        views = httpx.get(f"{server.base}/views", timeout=10).json()
        behind = {v["name"]: v["lag"] for v in views["items"] if v["lag"]}
        if not behind or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not behind, f"views behind the log (position {views['log_position']}): {behind}"


def test_fuzz_was_not_vacuous(api: schemathesis.BaseSchema) -> None:
    if not TALLY.total("with key"):
        pytest.skip("the fuzz tests did not run (deselected)")
    for result in api.get_all_operations():
        label = result.ok().label
        assert TALLY.statuses("with key", label), f"{label} was never called"
    assert 201 in TALLY.statuses("writes", "POST /events")
    assert 201 in TALLY.statuses("writes", "POST /events/batch")
    assert TALLY.statuses("without key", "POST /events") == {401}
    assert TALLY.total("stateful") > 0


# --- helpers ----------------------------------------------------------------------------------


def authorise(case: Case, key: str | None) -> None:
    """The admin key on ``case`` (replacing any generated one), or no key at all."""
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    case.headers = headers


def call(case: Case, test: str, key: str | None = KEY) -> Response:
    """Send ``case`` and run ``CHECKS`` on the answer."""
    authorise(case, key)
    response = case.call()
    TALLY.add(test, case, response)
    case.validate_response(response, checks=CHECKS)
    return response


def _bundled() -> list[dict[str, Any]]:
    with bundled_timeline().open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


BUNDLED = _bundled()
POLICIES_BY_KIND: dict[str, list[str]] = {}
for _event in BUNDLED:
    if _event["type"] in OPENING_KIND:
        POLICIES_BY_KIND.setdefault(OPENING_KIND[_event["type"]], []).append(_event["policy_id"])
EVENT_IDS = [e["event_id"] for e in BUNDLED]
JURISDICTIONS = sorted({e["jurisdiction"] for e in BUNDLED} | {"EU", "DE", "BR", "ZA"})
CURRENCIES = ["USD", "EUR", "CNY", "JPY", "INR", "AUD"]
MATERIALS = sorted({m for e in BUNDLED for m in e["materials"]})
SLUGS = [None, None, "fz-a", "fz-b-2", "fz-c-3-x", "cn-7ree-2025"]  # None: derived by the server

Pick = Callable[[Sequence[Any]], Any]


def fit(event: dict[str, Any], pick: Pick, linked: Mapping[str, str | None]) -> None:
    """Give the fields whose valid values the schema does not state (ISO tables, the log's
    contents) valid values, chosen with ``pick``; every other generated field stays. A
    follow-up keeps its policy (and ``expected_version``) when ``linked`` says that policy is
    of its kind: the state machine took them from an answer, along a link."""
    kind = str(event.get("type"))  # negative cases may send anything
    about = kind in ("EventCorrected", "EventRetracted")
    if not about or event.get("jurisdiction") is not None:
        event["jurisdiction"] = pick(JURISDICTIONS)
    if not about or event.get("materials"):
        event["materials"] = sorted({pick(MATERIALS) for _ in range(pick([1, 2, 3]))})
    if isinstance(event.get("amount"), dict):
        event["amount"]["currency"] = pick(CURRENCIES)
    for name in ("corrects", "retracts"):
        if name in event:
            event[name] = pick(EVENT_IDS)
    wanted = FOLLOW_UP_KIND.get(kind)
    if wanted is not None and linked.get(str(event.get("policy_id"))) == wanted:
        return
    if wanted is not None:
        event["policy_id"] = pick(POLICIES_BY_KIND[wanted])
    elif kind in OPENING_KIND:
        event["policy_id"] = pick(SLUGS)
    if pick(range(10)):  # mostly leave optimistic concurrency out
        event.pop("expected_version", None)


def fit_body(case: Case, pick: Pick, linked: Mapping[str, str | None] | None = None) -> None:
    """``fit`` each event of a ``POST /events`` or ``/events/batch`` body."""
    if case.method.upper() != "POST" or not isinstance(case.body, dict):
        return
    if case.operation.path == "/events":
        fit(case.body, pick, linked or {})
    elif case.operation.path == "/events/batch" and isinstance(case.body.get("events"), list):
        for event in case.body["events"]:
            if isinstance(event, dict):
                fit(event, pick, {})
