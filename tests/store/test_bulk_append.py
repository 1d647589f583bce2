"""A batch stores the same log, with the same answers, as its events appended one by one; and
what the bulk write path stores is what the library's ``Policy`` aggregate and mapper would
have stored, so every reader (the runner, ``GET /events``, policy reads) reads it as before.

The events are SYNTHETIC (``bench.synthetic``) and made up (``tests.support.bodies``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from bench.synthetic import sequence
from domain.events import EVENT_ADAPTER
from domain.log_index import LogQuery
from domain.policy import Policy, stream_id
from domain.stored_events import domain_event
from domain.timeline import Appended, AppendError, Submission, Timeline, _dump, digest
from service.bootstrap import open_timeline
from tests.support.backend import database_url
from tests.support.bodies import made_up_control, made_up_follow_up

DERIVED = "cn-made-up-control-without-an-id-2025"
FIRST = 154


def _id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def made_up_events() -> list[dict[str, Any]]:
    """SYNTHETIC histories, and made-up events that take the other ways through an append:
    derived policy ids (the second one taken, so the next is chosen), a partial correction and
    a retraction (who and what filled in from the event they are about), a follow-up with the
    right expected version, and repeats of one event inside the batch."""
    control = made_up_control(event_id=_id(1), title="Made-up control without an id")
    del control["policy_id"]
    extra = [
        control,
        {**control, "event_id": _id(2)},  # same title: derived id taken, the next one chosen
        made_up_follow_up(
            "ExportControlSuspended", event_id=_id(3), policy_id=DERIVED, expected_version=1
        ),
        {
            "type": "EventCorrected",
            "event_id": _id(4),
            "corrects": _id(1),
            "changes": {"measure": "ban", "materials": ["Dy", "terbium"]},
            "reason": "made-up correction",
            "title": "Made-up correction",
            "announced_on": "2025-05-01",
            "sources": [{"title": "made-up test source", "url": None}],
        },
        {
            "type": "EventRetracted",
            "event_id": _id(5),
            "retracts": _id(3),
            "reason": "made-up retraction",
            "title": "Made-up retraction",
            "announced_on": "2025-05-02",
            "sources": [{"title": "made-up test source", "url": None}],
        },
        made_up_follow_up(
            "ExportControlSuspended", event_id=_id(6), policy_id=DERIVED, announced_on="2025-06-01"
        ),
    ]
    events = sequence(240, seed=11)
    # The first FIRST events derive the ids; later ones name them (a batch that names an id
    # does not derive it for another policy).
    first = events[:100] + extra[:2] + events[100:150] + [events[120], events[101]]
    assert len(first) == FIRST
    return first + events[150:170] + extra[2:] + events[170:] + [events[5], extra[2]]


def submissions(bodies: list[dict[str, Any]]) -> list[Submission]:
    return [Submission(EVENT_ADAPTER.validate_json(json.dumps(b)), "tester") for b in bodies]


def answers(results: list[Appended | AppendError]) -> list[tuple[Any, ...]]:
    assert all(isinstance(r, Appended) for r in results), results
    return [(r.event_id, r.policy_id, r.version, r.position, r.created) for r in results]  # type: ignore[union-attr]


def log(timeline: Timeline) -> list[tuple[Any, ...]]:
    entries = timeline.read_log(LogQuery(limit=10_000))
    return [(e.position, e.policy_id, e.version, e.recorded_by, e.fact) for e in entries]


@pytest.fixture
def two_stores(tmp_path: Path) -> Any:
    batched = open_timeline(database_url(tmp_path, "batched"))
    single = open_timeline(database_url(tmp_path, "single"))
    yield batched, single
    batched.close()
    single.close()


def test_a_batch_stores_what_appending_one_by_one_stores(two_stores: Any) -> None:
    batched, single = two_stores
    all_submissions = submissions(made_up_events())
    first, second = all_submissions[:FIRST], all_submissions[FIRST:]
    in_batches = batched.append(first, atomic=True) + batched.append(second, atomic=True)
    one_by_one = [r for s in all_submissions for r in single.append([s], atomic=False)]

    assert answers(in_batches) == answers(one_by_one)
    assert sum(not r.created for r in in_batches) == 4  # the repeats
    assert {r.policy_id for r in in_batches} >= {DERIVED, f"{DERIVED}-2"}
    assert log(batched) == log(single)
    for policy_id in {r.policy_id for r in in_batches}:
        stored, reference = batched.policy(policy_id), single.policy(policy_id)
        assert stored is not None and reference is not None
        assert (stored.version, stored.facts, stored.state) == (
            reference.version,
            reference.facts,
            reference.state,
        )
    corrected = batched.read_log(LogQuery(about=_id(1)))
    assert [e.fact["changes"] for e in corrected] == [{"measure": "ban", "materials": ["Dy", "Tb"]}]
    assert corrected[0].fact["jurisdiction"] == "CN"  # filled in from the corrected event


def test_stored_events_are_the_ones_the_library_writes_and_reads(two_stores: Any) -> None:
    batched, _ = two_stores
    all_submissions = submissions(made_up_events())
    batched.append(all_submissions[:FIRST], atomic=True)
    batched.append(all_submissions[FIRST:], atomic=True)
    notifications = batched.recorder.select_notifications(start=1, limit=10_000)
    assert len(notifications) == batched.position()
    for notification in notifications:
        event = batched.mapper.to_domain_event(notification)
        assert isinstance(event, Policy.Opened | Policy.FactRecorded)
        policy_id = event.fact["policy_id"]  # type: ignore[union-attr]
        assert notification.originator_id == stream_id(policy_id)
        again = domain_event(
            policy_id,
            notification.originator_version,
            event.fact,  # type: ignore[union-attr]
            event.recorded_by,  # type: ignore[union-attr]
            event.timestamp,
        )
        # Byte for byte what the library's mapper writes for the aggregate's event.
        assert batched.mapper.to_stored_event(again).state == notification.state
        assert vars(batched.mapper.to_domain_event(notification)) == vars(again)


def test_digests_and_facts_are_the_ones_model_dumps_give(real_events: list[Any]) -> None:
    """Digests are compared with the digests of events stored earlier, so they must not change:
    the real timeline's and the synthetic events' digests and facts, taken from one dump, are
    what ``model_dump_json`` and ``model_dump`` give."""
    for body in [*real_events, *made_up_events()]:
        event = EVENT_ADAPTER.validate_json(json.dumps(body))
        dumped = event.model_dump_json(exclude={"expected_version"}).encode()
        assert digest(event) == hashlib.sha256(dumped).hexdigest()
        fact = event.model_dump(mode="json", exclude={"expected_version"})
        assert [(k, v, type(v)) for k, v in _dump(event).fact.items()] == [
            (k, v, type(v)) for k, v in fact.items()
        ]


def test_a_refused_batch_stores_nothing_and_names_the_first_refusal(two_stores: Any) -> None:
    batched, _ = two_stores
    bodies = made_up_events()
    batched.append(submissions(bodies[:FIRST]), atomic=True)
    head = batched.position()
    reused = {**bodies[10], "title": "Another body under a recorded event_id"}
    conflict = made_up_follow_up(
        "ExportControlAmended", event_id=_id(90), policy_id=DERIVED, expected_version=7
    )
    refused = [*bodies[FIRST : FIRST + 10], reused, conflict]
    with pytest.raises(AppendError) as raised:
        batched.append(submissions(refused), atomic=True)
    assert (raised.value.code, raised.value.index) == ("event_id_reused", 10)
    assert batched.position() == head
    results = batched.append(submissions(refused), atomic=False)
    refusals = [(i, r.code) for i, r in enumerate(results) if isinstance(r, AppendError)]
    assert refusals == [(10, "event_id_reused"), (11, "version_conflict")]
    assert batched.position() == head + 10
