"""``goals``: each self-sufficiency goal, its target, deadline, latest progress and status.

On day d the latest progress is the last report whose ``as_of`` is on or before d. Status:
``active`` until the deadline; then ``met`` or ``missed`` by the latest progress against the
target (``deadline_passed`` without any report); ``abandoned`` from the day it was abandoned.

On track (``on_track``): the straight line from the baseline on the day the goal was set to the
target on the deadline gives the value expected on the day of the latest report; a goal is on
track when the report is at or beyond that (``at_least``) or at or below it (``at_most``).
Without a baseline the line starts at the first report. Null when there is nothing to compare
(no target, no deadline, or fewer points than the line needs).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.rows import (
    PolicyFacts,
    Provenance,
    Row,
    day,
    follow_up_start,
    over_time,
    starts_on,
)
from projections.spec import Column, Filter, ViewSpec

CONSUMES = frozenset(
    {"SelfSufficiencyGoalSet", "GoalProgressReported", "GoalRevised", "GoalAbandoned",
     "EventCorrected", "EventRetracted"}
)  # fmt: skip
STATUSES = ("active", "met", "missed", "deadline_passed", "abandoned")
SHOWN = ("active", "met", "missed", "deadline_passed")
TERMS = ("metric", "target_percent", "comparator", "target_description", "deadline")


def rows(policy: PolicyFacts, since: date | None = None) -> list[Row]:
    facts = policy.facts
    if not facts or facts[0]["type"] != "SelfSufficiencyGoalSet":
        return []
    goal = facts[0]
    set_on = day(goal["announced_on"])
    assert set_on is not None
    revisions = [f for f in facts if f["type"] == "GoalRevised"]
    reports = sorted(
        (f for f in facts if f["type"] == "GoalProgressReported"), key=lambda f: f["as_of"]
    )
    abandoned = min((starts_on(f) for f in facts if f["type"] == "GoalAbandoned"), default=None)

    built_from = Provenance(facts)

    def item_on(d: date) -> dict[str, Any] | None:
        terms = {name: goal.get(name) for name in TERMS}
        for revision in revisions:
            if starts_on(revision) <= d:
                terms.update({k: revision[k] for k in TERMS if revision.get(k) is not None})
        known = [r for r in reports if day(r["as_of"]) <= d]  # type: ignore[operator]
        latest = known[-1] if known else None
        deadline = day(terms["deadline"])
        return {
            "policy_id": policy.policy_id,
            "jurisdiction": goal["jurisdiction"],
            "agency": goal["agency"],
            "title": goal["title"],
            **terms,
            "baseline_percent": goal.get("baseline_percent"),
            "set_on": goal["announced_on"],
            "latest_progress": (
                {"value_percent": latest["value_percent"], "as_of": latest["as_of"]}
                if latest
                else None
            ),
            "status": _status(d, terms, latest, deadline, abandoned),
            "on_track": _on_track(goal, terms, known, set_on, deadline),
            "materials": goal["materials"],
            "confidence": goal.get("confidence", "confirmed"),
            **built_from.on(d),
        }

    change_days: list[date | None] = [abandoned, *(starts_on(r) for r in revisions)]
    change_days += [day(r["as_of"]) for r in reports]
    change_days += [day(f.get("deadline")) for f in (goal, *revisions)]
    return over_time(policy.policy_id, set_on, change_days, item_on, since)


def affects_from(fact: dict[str, Any]) -> date | None:
    """A progress report changes the goal from its ``as_of`` day, which may be earlier than the
    day it was published."""
    start = follow_up_start(fact)
    if start is not None and fact["type"] == "GoalProgressReported":
        return min(start, day(fact["as_of"]))  # type: ignore[type-var]
    return start


def _meets(value: float, target: float, comparator: str) -> bool:
    return value >= target if comparator == "at_least" else value <= target


def _status(
    d: date,
    terms: dict[str, Any],
    latest: dict[str, Any] | None,
    deadline: date | None,
    abandoned: date | None,
) -> str:
    if abandoned is not None and d >= abandoned:
        return "abandoned"
    if deadline is None or d < deadline:
        return "active"
    if latest is None or terms["target_percent"] is None:
        return "deadline_passed"
    met = _meets(latest["value_percent"], terms["target_percent"], terms["comparator"])
    return "met" if met else "missed"


def _on_track(
    goal: dict[str, Any],
    terms: dict[str, Any],
    reports: list[dict[str, Any]],
    set_on: date,
    deadline: date | None,
) -> bool | None:
    target = terms["target_percent"]
    if target is None or deadline is None or not reports:
        return None
    if goal.get("baseline_percent") is not None:
        origin, base = set_on, float(goal["baseline_percent"])
    elif len(reports) >= 2:
        origin, base = day(reports[0]["as_of"]), float(reports[0]["value_percent"])  # type: ignore[assignment]
    else:
        return None
    latest = reports[-1]
    when = day(latest["as_of"])
    assert when is not None
    span = (deadline - origin).days
    if span <= 0:
        return _meets(latest["value_percent"], target, terms["comparator"])
    progress = min(max((when - origin).days / span, 0.0), 1.0)
    expected = base + (target - base) * progress
    return _meets(latest["value_percent"], expected, terms["comparator"])


def target_in_words(item: dict[str, Any]) -> str:
    """The target as the goal states it: "≤ 65 %" is another goal than "≥ 65 %"."""
    percent = item.get("target_percent")
    if percent is None:
        return "qualitative"
    sign = "≤" if item.get("comparator") == "at_most" else "≥"
    shown = int(percent) if percent == int(percent) else percent  # 65, not 65.0; 12.5 stays
    return f"{sign} {shown} %"


SPEC = ViewSpec(
    name="goals",
    title="Self-sufficiency goals",
    consumes=CONSUMES,
    rows=rows,
    affects_from=affects_from,
    read_doc="Self-sufficiency goals on ``at`` with their latest progress and status (see the\n"
    "``projections.goals`` docstring for how ``on_track`` is computed).",
    filters=(
        Filter("material", match="material"),
        Filter("jurisdiction"),
        Filter("status", choices=STATUSES, shown=SHOWN, description="default: all but abandoned"),
    ),
    columns=(
        Column("policy_id", "policy_id"),
        Column("status", "status"),
        Column("target", "target_percent", cell=target_in_words),
        Column(
            "metric",
            "metric",
            wraps=True,
            details=(
                ("target_description", "{}"),
                ("deadline", "by {}"),
                ("on_track", "on track|not on track"),
                ("jurisdiction", "{}"),
            ),
        ),
    ),
    kind="goal",
    statuses=STATUSES,
    ended=frozenset({"abandoned"}),
    count_by=("jurisdiction", "material", "status", "agency"),
    material_section="goals",
    read_operation="goals_view",
    stream_operation="goal_stream",
)
