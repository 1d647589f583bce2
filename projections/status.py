"""A policy's status on a valid date, in the words the views use for it.

Kinds with a view take the view's answer for that day, computed from the same rows the view
stores, so ``GET /policies`` can never disagree with a view read at the same log position:

* an export control: ``pending``, ``in_force``, ``suspended``, ``lifted`` or ``expired``
  (``active-export-controls``);
* a funding commitment: ``committed`` while the ``funding`` view counts it, ``cancelled``
  from the day a cancellation takes effect;
* a goal: ``active``, ``met``, ``missed``, ``deadline_passed`` or ``abandoned`` (``goals``);
* any other kind with a view (``spec.kind``): that view's ``status`` field.

Kinds without a view follow the same rules, valid time starting at ``effective_from`` (or
``announced_on``): an enforcement action is ``pending``, ``ongoing`` or ``concluded``; any
other announcement ``announced``. On a day before the policy was announced (and before it took
effect) every kind is ``not_announced``: the views hold no entry for it then.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.lifecycle import OPENING_KIND
from projections.registry import VIEW_OF_KIND
from projections.rows import PolicyFacts, Row, day, starts_on

NOT_ANNOUNCED = "not_announced"


def status_on(kind: str, policy: PolicyFacts, on: date) -> str:
    """The status of a policy of ``kind`` on ``on``; ``policy.facts`` are its effective facts
    (corrections applied, retracted events left out) and start with its opening event."""
    facts = policy.facts
    view = VIEW_OF_KIND.get(kind)
    if view is not None:
        entry = entry_on(view.rows(policy), on)
        if entry is not None:
            return str(entry.get("status", view.default_status))
        if kind == "funding" and _ended_by(facts, "FundingCancelled", on):
            return "cancelled"
        return NOT_ANNOUNCED
    # The policy's opening as its state was folded from (the last one, should an earlier
    # opening have been retracted and the policy opened again).
    opened = [f for f in facts if f["type"] in OPENING_KIND][-1]
    if on < min(starts_on(opened), day(opened["announced_on"]) or starts_on(opened)):
        return NOT_ANNOUNCED
    if kind == "enforcement":
        if _ended_by(facts, "EnforcementActionConcluded", on):
            return "concluded"
        return "pending" if on < starts_on(opened) else "ongoing"
    return "announced"


def entry_on(rows: list[Row], on: date) -> dict[str, Any] | None:
    """The body of the row holding on ``on``, if any."""
    for row in rows:
        starts = row.valid_from is None or row.valid_from <= on
        if starts and (row.valid_until is None or on < row.valid_until):
            return row.body
    return None


def _ended_by(facts: list[dict[str, Any]], ending: str, on: date) -> bool:
    return any(f["type"] == ending and starts_on(f) <= on for f in facts)
