"""The read side of the view store: each view's active slot, where it stands, and its rows at a
(valid date, log position). Used by the HTTP API, the streams and the CLI alike."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from domain.timeline import Timeline
from projections.ports import Slot, ViewStorage
from projections.registry import VIEWS
from service.queries.problems import NotFound

POLL_SECONDS = 0.2

# wait(view, position, timeout) -> whether the view reached position in time
Wait = Callable[[str, int, float], bool]


class ViewReader:
    def __init__(self, timeline: Timeline, store: ViewStorage, wait: Wait | None = None) -> None:
        self.timeline = timeline
        self.store = store
        self._wait = wait

    def slot(self, view: str) -> Slot:
        slot = self.store.active_slot(view) if view in VIEWS else None
        if slot is None:
            raise NotFound("not_found", f"no view {view!r}")
        return slot

    def position(self, view: str) -> int:
        return self.store.position(self.slot(view))

    def positions(self) -> dict[str, int]:
        return self.store.active_positions()

    def wait_for(self, view: str, position: int, timeout: float) -> bool:
        """Whether ``view`` reaches ``position`` within ``timeout`` seconds (whoever projects)."""
        if self._wait is not None:
            return self._wait(view, position, timeout)
        deadline = time.monotonic() + timeout
        while self.position(view) < position:
            if time.monotonic() > deadline:
                return False
            time.sleep(POLL_SECONDS)
        return True

    def stab(
        self, view: str, position: int, on: date, *, ended: bool = False
    ) -> list[dict[str, Any]]:
        return self.store.stab(self.slot(view), position, on, ended=ended)

    def scan(self, view: str, position: int, **query: Any) -> list[tuple[str, dict[str, Any]]]:
        return self.store.scan(self.slot(view), position, **query)

    def count(self, view: str, position: int, **query: Any) -> int:
        return self.store.count(self.slot(view), position, **query)
