"""Setting up a store from several processes at once: each one's view store is created (and
found ready) whoever comes first. Threads with connections of their own stand in for the
processes of `serve --workers 2`, whose second worker failed to start now and then."""

from __future__ import annotations

import threading
from pathlib import Path

from projections.registry import VIEWS
from service.bootstrap import open_timeline
from service.storage.views import open_views
from tests.support.backend import database_url

ROUNDS = 20
AT_ONCE = 3


def set_up_at_once(url: str) -> tuple[list[BaseException], list[dict[str, int]]]:
    """Open the view store of ``url`` from AT_ONCE threads released together: what failed,
    and each one's active slots."""
    start = threading.Barrier(AT_ONCE)
    failures: list[BaseException] = []
    slots: list[dict[str, int]] = []

    def set_up() -> None:
        timeline = open_timeline(url)
        try:
            start.wait()
            store = open_views(timeline)
            slots.append({s.view: s.slot for s in store.active_slots()})
        except BaseException as error:
            failures.append(error)
        finally:
            timeline.close()

    threads = [threading.Thread(target=set_up) for _ in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures, slots


def test_stores_set_up_at_once_all_start_and_share_one_set_of_slots(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        (tmp_path / str(round_)).mkdir()
        url = database_url(tmp_path / str(round_))
        open_timeline(url).close()  # the log exists; the views do not yet
        failures, slots = set_up_at_once(url)
        assert failures == [], f"round {round_}: {failures[0]!r}"
        assert len(slots) == AT_ONCE and all(s == slots[0] for s in slots)
        assert set(slots[0]) == set(VIEWS)
