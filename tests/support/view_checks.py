"""Views as projected (incrementally, by whichever process) against views rebuilt from the log
in the test, compared at random (position, day) pairs."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from domain.timeline import Timeline
from projections.registry import DATED_VIEWS, VIEWS
from projections.runner import Runner

# Every view read by date, from the registry: a view added there is checked without a change here.
DATED = sorted(DATED_VIEWS)


def assert_views_equal_a_rebuild(
    timeline: Timeline, store: Any, rng: random.Random, first_day: date, days: int, pairs: int = 60
) -> None:
    head = timeline.position()
    live = {s.view: s for s in store.active_slots()}
    assert all(store.position(live[name]) == head for name in VIEWS)
    rebuilt = {name: store.new_slot(name) for name in VIEWS}
    Runner(timeline, store, list(rebuilt.values())).run_until_caught_up()
    for _ in range(pairs):
        position = rng.choice([head, rng.randint(1, head)])
        on = first_day + timedelta(days=rng.randint(0, days))
        for name in DATED:
            a = sorted(store.stab(live[name], position, on), key=lambda i: i["policy_id"])
            b = sorted(store.stab(rebuilt[name], position, on), key=lambda i: i["policy_id"])
            assert a == b, (name, position, on)
    for slot in rebuilt.values():
        store.drop_slot(slot)
