"""What some views can say about one more event of a policy beyond their ``rows()``: steps that
spare recomputing (and comparing) rows the event cannot change. The runner and the bulk rebuild
use them; each is provably what recomputing every row and keeping the equal ones would find
(see each function's docstring); ``tests/unit/test_incremental_steps.py`` compares them with
full recomputation event by event, ``tests/store/test_views_property.py`` the views with a
naive fold.

* ``ROWS_ADDED[view](policy, fact)``: the rows ``fact`` (the policy's latest effective fact)
  adds when it leaves every other row as it was; None when it may not.
* ``AFFECTS_FROM_IN[view](facts, fact)``: the view's ``affects_from(fact)`` knowing the
  policy's effective facts (``fact`` the last of them), which can name a day where
  ``affects_from`` alone must say "any day" (an export control's reinstatement).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from projections import export_controls, timeline
from projections.rows import PolicyFacts, Row

ROWS_ADDED: dict[str, Callable[[PolicyFacts, dict[str, Any]], list[Row] | None]] = {
    timeline.SPEC.name: timeline.rows_added,
}
AFFECTS_FROM_IN: dict[str, Callable[[list[dict[str, Any]], dict[str, Any]], date | None]] = {
    export_controls.SPEC.name: export_controls.affects_from_in,
}
