"""How far each view is behind the log: in events, and in seconds.

A view's lag in seconds is how long the oldest event it has not applied has been waiting
(its record time to now); 0 when the view has applied the whole log. Measured from the
stored positions and record times, so it holds whichever process projects, and a stalled
projector shows as a lag that keeps growing however quiet the log is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.log_index import LogQuery
from domain.timeline import Timeline
from projections.registry import VIEWS
from service.runtime.projector import ProjectionHost


@dataclass(frozen=True)
class Lag:
    events: int
    seconds: float


@dataclass(frozen=True)
class LagReport:
    log_position: int
    views: dict[str, Lag]


class ViewLag:
    def __init__(self, timeline: Timeline, projections: ProjectionHost) -> None:
        self.timeline = timeline
        self.projections = projections

    def measure(self) -> LagReport:
        # The views' positions first: read in one query that is not retried, they fail fast
        # while the database is away; and the head read after them is never below them.
        positions = self.projections.views.positions()
        head = self.timeline.position()
        now = datetime.now(UTC)
        waiting_since: dict[int, datetime] = {}
        views = {}
        for view in VIEWS:
            position = positions.get(view, 0)
            seconds = 0.0
            if position < head:
                if position not in waiting_since:
                    oldest = self.timeline.index.find(LogQuery(after=position, limit=1))
                    waiting_since[position] = oldest[0].recorded_at if oldest else now
                seconds = max(0.0, (now - waiting_since[position]).total_seconds())
            views[view] = Lag(max(0, head - position), round(seconds, 3))
        return LagReport(head, views)
