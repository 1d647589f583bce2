"""The views, by name. Adding a view: write its module (its rows and its ``SPEC``) and list it
here; the HTTP reads, streams and diffs, the CLI's tables, the page's generic tables and the
tests' list of views follow from this registry."""

from __future__ import annotations

from projections import export_controls, funding, goals, tariffs, timeline
from projections.spec import ViewSpec

VIEWS: dict[str, ViewSpec] = {
    spec.name: spec
    for spec in (export_controls.SPEC, funding.SPEC, goals.SPEC, timeline.SPEC, tariffs.SPEC)
}

# Views read at one valid date (an R*Tree per slot); the timeline is read in date order instead.
DATED_VIEWS = frozenset(name for name, spec in VIEWS.items() if spec.read_by_date)

# Entries that have ended (a lifted control, an abandoned goal) hold for ever after, so a view
# would otherwise grow with its whole history. Each slot read by date has two R*Trees, one for
# live entries and one for ended ones, and reads visit the second only when asked for those
# statuses: the cost of a default read follows what is live, not history. (One tree shared by
# all slots measured 80 ms per read at 1M events against 2 ms for a tree of its own: boxes of
# other views, open-ended in both directions, defeated the tree's pruning.)
ENDED = frozenset().union(*(spec.ended for spec in VIEWS.values()))

# The view that tells the status on a day of each kind of policy that has one.
VIEW_OF_KIND = {spec.kind: spec for spec in VIEWS.values() if spec.kind}
