"""A store whose views were built before their text was indexed for Chinese and Japanese (no
SQLite trigram table, no PostgreSQL column; the same layout version) is rebuilt on open, so
that a search in Chinese finds what the log holds rather than nothing."""

from __future__ import annotations

from pathlib import Path

from eventsourcing.sqlite import SQLiteDatastore

from domain.timeline import Timeline
from projections.ports import ViewStorage
from projections.runner import Runner
from service.bootstrap import open_timeline
from service.bulk.loader import bundled_timeline, load_lines
from service.storage.views import open_views
from tests.support.backend import database_url


def chinese_search(store: ViewStorage, timeline: Timeline, *words: str) -> set[str]:
    slot = store.active_slot("timeline")
    assert slot is not None
    found = store.scan(slot, timeline.position(), after="", until="~", limit=1000, words=words)
    return {body["policy_id"] for _, body in found}


def forget_the_cjk_index(timeline: Timeline) -> None:
    datastore = timeline.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as cursor:
        if isinstance(datastore, SQLiteDatastore):
            cursor.execute("DROP TABLE view_text_cjk")
        else:
            cursor.execute("ALTER TABLE view_rows DROP COLUMN search_cjk")


def test_views_built_without_the_cjk_index_are_rebuilt(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    timeline = open_timeline(url)
    with bundled_timeline().open() as lines:
        load_lines(timeline, lines, recorded_by="test")
    store = open_views(timeline)
    Runner(timeline, store).run_until_caught_up(lambda _: None)
    before = chinese_search(store, timeline, "稀土")
    assert {"cn-re-regulations-2024", "cn-re-quota-measures-2025"} <= before
    forget_the_cjk_index(timeline)
    timeline.close()

    timeline = open_timeline(url)
    store = open_views(timeline)
    assert all(store.position(slot) == 0 for slot in store.active_slots())  # dropped
    Runner(timeline, store).run_until_caught_up(lambda _: None)
    assert chinese_search(store, timeline, "稀土") == before
    assert chinese_search(store, timeline, "稀土", "管理条例") == {"cn-re-regulations-2024"}
    timeline.close()
