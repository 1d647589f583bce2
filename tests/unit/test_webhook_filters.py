"""A webhook's filters are checked as its stream's query parameters are
(``service.webhooks.filters``)."""

from __future__ import annotations

from typing import Any

import pytest

from service.queries.filters import ItemFilter, LogFilter
from service.queries.problems import Invalid
from service.webhooks.filters import check


def test_a_view_filter_means_what_the_stream_makes_of_it() -> None:
    stored, chosen = check("active-export-controls", {"material": "Dy", "status": ["in_force"]})
    assert stored == {"material": ["Dy"], "status": ["in_force"]}
    assert isinstance(chosen, ItemFilter) and "HREE" in chosen.keys
    assert chosen.values("status") == ("in_force",)
    assert check("active-export-controls", {})[1].values("status") == (
        "pending", "in_force", "suspended",
    )  # fmt: skip


def test_the_raw_log_takes_the_log_filters() -> None:
    stored, chosen = check("events", {"type": "TariffImposed", "jurisdiction": ["EU", "US"]})
    assert stored == {"type": ["TariffImposed"], "jurisdiction": ["EU", "US"]}
    assert chosen == LogFilter(types=("TariffImposed",), jurisdictions=("EU", "US"))


def test_single_valued_parameters_stay_single() -> None:
    stored, chosen = check("timeline", {"from": "2025-01-01", "min_confidence": "confirmed"})
    assert stored == {"from": "2025-01-01", "min_confidence": "confirmed"}
    assert isinstance(chosen, ItemFilter) and chosen.announced_from == "2025-01-01"


@pytest.mark.parametrize(
    ("stream", "filters", "field"),
    [
        ("nowhere", {}, "view"),
        ("funding", {"status": ["active"]}, "filters.status"),
        ("goals", {"status": ["in_force"]}, "filters.status.0"),
        ("events", {"type": ["NoSuchEvent"]}, "filters.type"),
        ("events", {"q": "words"}, "filters.q"),
        ("timeline", {"from": "yesterday"}, "filters.from"),
        ("tariffs", {"min_confidence": ["confirmed"]}, "filters.min_confidence"),
        ("active-export-controls", {"material": [7]}, "filters.material.0"),
    ],
)
def test_what_the_stream_refuses_is_refused(
    stream: str, filters: dict[str, Any], field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        check(stream, filters)
    assert field in [d["field"] for d in refused.value.details]
