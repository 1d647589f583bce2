"""The views, by name. Adding a view: write its module (NAME, CONSUMES, rows) and list it here."""

from __future__ import annotations

from types import ModuleType

from projections import export_controls, funding, goals, timeline

VIEWS: dict[str, ModuleType] = {
    module.NAME: module for module in (export_controls, funding, goals, timeline)
}

# Views read at one valid date (an R*Tree per slot); the timeline is read in date order instead.
DATED_VIEWS = frozenset(name for name, module in VIEWS.items() if module.READ_BY_DATE)
