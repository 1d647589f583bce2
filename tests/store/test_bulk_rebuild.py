"""A bulk rebuild (``projections.bulk``, ``service.runtime.rebuilds``) writes the row versions a
rebuild by the runner writes: the same rows, opened and closed at the same positions, holding
on the same days; with almost nothing kept in memory (policies evicted and read back), in
small batches, and with its slots shared out among processes."""

from __future__ import annotations

import json
import random
import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bench.synthetic import sequence
from domain.events import EVENT_ADAPTER
from domain.timeline import Submission, Timeline
from projections.bulk import BulkBuilder
from projections.ports import Slot
from projections.registry import VIEWS
from projections.runner import Runner
from service.bootstrap import open_timeline
from service.runtime.rebuilds import build, rebuild_views
from service.storage.views import open_views, view_store
from tests.store.test_views_property import D0, made_up_event
from tests.support.backend import database_url


def versions(store: Any, slot: Slot, head: int, days: list[date]) -> Counter[str]:
    """Every row version of ``slot``: on each day, those holding that day, with the positions
    that opened and closed them (a version counts once per day it holds)."""
    found: Counter[str] = Counter()
    for on in days:
        for v in store.versions_between(slot, 0, head, on):
            found[json.dumps([on.isoformat(), v.entity, v.sys_from, v.sys_until, v.body])] += 1
    return found


def append_all(timeline: Timeline, bodies: list[dict[str, Any]], chunk: int = 500) -> None:
    for start in range(0, len(bodies), chunk):
        events = [EVENT_ADAPTER.validate_json(json.dumps(b)) for b in bodies[start : start + chunk]]
        timeline.append([Submission(e, "bulk-test") for e in events], atomic=True)


def assert_same_versions(
    store: Any, expected: list[Slot], built: list[list[Slot]], head: int, days: list[date]
) -> None:
    """Each list of ``built`` slots holds the versions ``expected`` holds (read once: on
    PostgreSQL each day of each slot is a query, and reading them dominated the test)."""
    for index, reference in enumerate(expected):
        assert store.position(reference) == head
        wanted = versions(store, reference, head, days)
        for slots in built:
            slot = slots[index]
            assert store.position(slot) == head
            assert versions(store, slot, head, days) == wanted, slot.view


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(5, 45),
    held=st.integers(1, 4),
    flush_rows=st.integers(1, 30),
)
def test_bulk_writes_the_versions_a_runner_rebuild_writes(
    seed: int, count: int, held: int, flush_rows: int
) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as directory:
        timeline = open_timeline(database_url(Path(directory)))
        store = view_store(timeline)
        earlier: list[str] = []
        for n in range(count):
            body = made_up_event(n, rng, earlier)
            try:
                event = EVENT_ADAPTER.validate_json(json.dumps(body))
            except ValidationError:
                continue
            timeline.append([Submission(event, "t")], atomic=False)
            earlier.append(body["event_id"])
        head = timeline.position()
        expected = [store.new_slot(name) for name in VIEWS]
        Runner(timeline, store, expected).run_until_caught_up()
        roomy = [store.new_slot(name) for name in VIEWS]
        assert BulkBuilder(timeline, store, roomy).run() == head
        # Almost nothing held: policies are evicted and read back, rows closed in the store.
        forgetful = [store.new_slot(name) for name in VIEWS]
        BulkBuilder(
            timeline, store, forgetful, held=held, flush_rows=flush_rows, page=rng.randint(1, 7)
        ).run()
        days = [D0 + timedelta(days=d) for d in range(-2, 86)]
        assert_same_versions(store, expected, [roomy, forgetful], head, days)
        timeline.close()


def test_views_built_in_two_processes_equal_a_runner_rebuild(tmp_path: Path) -> None:
    timeline = open_timeline(database_url(tmp_path))
    bodies = sequence(1_500, seed=11)
    append_all(timeline, bodies)
    store = view_store(timeline)
    head = timeline.position()
    expected = [store.new_slot(name) for name in VIEWS]
    Runner(timeline, store, expected).run_until_caught_up()
    built = [store.new_slot(name) for name in VIEWS]
    seen: list[int] = []
    assert build(timeline, store, built, seen.append, processes=2) == head
    assert sum(seen) == head
    first = date.fromisoformat(bodies[0]["announced_on"])
    days = [first + timedelta(days=d) for d in range(0, 160, 8)]
    assert_same_versions(store, expected, [built], head, days)
    timeline.close()


def test_rebuild_views_switches_to_the_new_slots_and_drops_the_old(tmp_path: Path) -> None:
    timeline = open_timeline(database_url(tmp_path))
    append_all(timeline, sequence(300, seed=5))
    store = open_views(timeline)
    Runner(timeline, store).run_until_caught_up()
    old = {s.view: s.slot for s in store.active_slots()}
    assert rebuild_views(timeline, store, list(VIEWS), processes=2) == timeline.position()
    new = {s.view: s for s in store.active_slots()}
    assert set(new) == set(VIEWS)
    assert all(new[v].slot != old[v] for v in VIEWS)
    assert {s.slot for s in store.slots()} == {s.slot for s in new.values()}
    assert all(store.position(s) == timeline.position() for s in new.values())
    timeline.close()


def test_a_failed_rebuild_leaves_the_serving_slots_alone(tmp_path: Path) -> None:
    timeline = open_timeline(database_url(tmp_path))
    append_all(timeline, sequence(50, seed=3))
    store = open_views(timeline)
    Runner(timeline, store).run_until_caught_up()
    before = store.slots()

    class Failing:
        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def write(self, batch: Any) -> None:
            raise RuntimeError("made-up failure")

    try:
        rebuild_views(timeline, Failing(), ["funding"])  # type: ignore[arg-type]
    except RuntimeError as error:
        assert str(error) == "made-up failure"
    else:
        raise AssertionError("the rebuild should have failed")
    assert store.slots() == before
    timeline.close()


def test_a_bulk_rebuild_starts_only_from_empty_slots(tmp_path: Path) -> None:
    timeline = open_timeline(database_url(tmp_path))
    append_all(timeline, sequence(20, seed=2))
    store = open_views(timeline)
    Runner(timeline, store).run_until_caught_up()
    try:
        BulkBuilder(timeline, store, store.active_slots())
    except ValueError as error:
        assert "not empty" in str(error)
    else:
        raise AssertionError("a slot at a position was accepted")
    timeline.close()
