"""What both view stores (SQLite and PostgreSQL) lay out alike: the layout's version, the
tracking name of a slot, and which entries are stored apart as ended."""

from __future__ import annotations

from projections.registry import DATED_VIEWS, ENDED

__all__ = ["DATED_VIEWS", "ENDED", "SCHEMA_VERSION", "tracking_name"]

# Raise when the layout of the view tables changes, or what is derived into them: views are
# then rebuilt from the log. 6: named materials indexed by word, USD amounts priced. 7: a
# control lifted after it expired reads as lifted from the lift on. 8: SQLite keeps current and
# closed rows in R*Trees of their own. 9: controls carry excluded_targets,
# hs_codes_complete and act; the timeline's text includes original-language titles.
SCHEMA_VERSION = 9


def tracking_name(slot: int) -> str:
    return f"view-slot-{slot}"
