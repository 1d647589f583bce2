"""Views stored in an older table layout are dropped when the service opens the store, and the
runner builds them again from the log: after an upgrade every view answers as before, at every
date and every known position."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from eventsourcing.sqlite import SQLiteDatastore

from domain.timeline import Timeline
from projections.ports import ViewStorage
from projections.registry import DATED_VIEWS
from projections.runner import Runner
from service.bootstrap import open_timeline
from service.bulk.loader import bundled_timeline, load_lines
from service.storage.view_layout import SCHEMA_VERSION
from service.storage.views import open_views
from tests.support.backend import database_url

DAYS = [date(2021, 1, 1), date(2023, 7, 1), date(2024, 12, 15), date(2025, 6, 1), date(2027, 1, 1)]


def every_answer(store: ViewStorage, head: int) -> dict[tuple[str, int, date], list[Any]]:
    """Each dated view's entries (ended ones too) at each of DAYS, known at ten positions."""
    positions = sorted({1, head, *range(1, head + 1, max(1, head // 8))})
    answers = {}
    for slot in store.active_slots():
        if slot.view not in DATED_VIEWS:
            continue
        for position in positions:
            for day in DAYS:
                found = store.stab(slot, position, day, ended=True)
                answers[slot.view, position, day] = sorted(found, key=str)
    return answers


def mark_layout_older(timeline: Timeline) -> None:
    datastore = timeline.factory.datastore  # type: ignore[attr-defined]
    placeholder = "?" if isinstance(datastore, SQLiteDatastore) else "%s"
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(f"UPDATE view_schema SET version = {placeholder}", [SCHEMA_VERSION - 1])


def test_views_in_an_older_layout_are_rebuilt_and_answer_as_before(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    timeline = open_timeline(url)
    with bundled_timeline().open() as lines:
        load_lines(timeline, lines, recorded_by="test")
    head = timeline.position()
    store = open_views(timeline)
    Runner(timeline, store).run_until_caught_up(lambda _: None)
    before = every_answer(store, head)
    assert sum(len(found) for found in before.values()) > 100  # the real timeline answered
    mark_layout_older(timeline)
    timeline.close()

    timeline = open_timeline(url)
    store = open_views(timeline)
    assert all(store.position(slot) == 0 for slot in store.active_slots())  # dropped
    Runner(timeline, store).run_until_caught_up(lambda _: None)
    assert every_answer(store, head) == before
    timeline.close()
