"""The event catalogue and materials, checked without the store."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from domain import materials
from domain.events import EVENT_ADAPTER, EVENT_TYPES, derive_policy_id


def test_every_bundled_event_validates(real_events: list[dict[str, Any]]) -> None:
    types = {EVENT_ADAPTER.validate_json(json.dumps(e)).type for e in real_events}
    assert len(real_events) == 57
    assert {"ExportControlImposed", "ExportControlSuspended", "FundingRevised"} <= types


def test_catalogue_lists_every_type_of_the_design() -> None:
    assert set(EVENT_TYPES) == {
        "ExportControlImposed", "ExportControlAmended", "ExportControlSuspended",
        "ExportControlReinstated", "ExportControlLifted", "EnforcementActionLaunched",
        "EnforcementActionConcluded", "FundingCommitted", "FundingRevised", "FundingCancelled",
        "SelfSufficiencyGoalSet", "GoalProgressReported", "GoalRevised", "GoalAbandoned",
        "TariffImposed", "TariffLifted", "PolicyAnnounced", "EventCorrected", "EventRetracted",
    }  # fmt: skip


@pytest.mark.parametrize("spelling", ["Dy", "dy", "dysprosium", "Dysprosium", " DYSPROSIUM "])
def test_element_spellings_are_one_material(spelling: str) -> None:
    assert materials.normalise(spelling) == "Dy"


def test_groups_and_named_materials_keep_their_spelling() -> None:
    assert materials.normalise("hree") == "HREE"
    assert materials.normalise("ndpr") == "NdPr"
    assert materials.normalise("NdFeB  magnets") == "NdFeB magnets"
    assert materials.normalise("graphite") == "graphite"


def test_a_query_for_an_element_matches_its_groups() -> None:
    assert materials.matching_keys("Dy") == {"Dy", "HREE", "REE"}
    assert materials.matching_keys("Nd") == {"Nd", "LREE", "NdPr", "REE"}
    assert materials.matching_keys("Ga") == {"Ga"}


def test_a_query_for_a_group_matches_members_and_overlapping_groups() -> None:
    keys = materials.matching_keys("HREE")
    assert {"HREE", "REE", "Dy", "Y", "Eu"} <= keys
    assert "La" not in keys and "LREE" not in keys


def test_named_materials_match_case_insensitively() -> None:
    assert materials.matching_keys("Graphite") == {"graphite"}
    assert materials.index_key("NdFeB magnets") == "ndfeb magnets"


def test_the_same_material_twice_is_listed_once(real_events: list[dict[str, Any]]) -> None:
    body = dict(real_events[0], materials=["Dy", "dysprosium", "DY"])
    assert EVENT_ADAPTER.validate_json(json.dumps(body)).materials == ["Dy"]


def test_amounts_are_exact_decimal_strings(real_events: list[dict[str, Any]]) -> None:
    body = dict(real_events[0], amount={"value": "28800000.50", "currency": "USD"})
    event = EVENT_ADAPTER.validate_json(json.dumps(body))
    assert event.amount.value == "28800000.5"
    with pytest.raises(ValidationError):
        EVENT_ADAPTER.validate_json(
            json.dumps(dict(body, amount={"value": 1.5, "currency": "USD"}))
        )


def test_derived_policy_ids_are_readable_slugs(real_events: list[dict[str, Any]]) -> None:
    event = EVENT_ADAPTER.validate_json(json.dumps(real_events[0]))
    assert derive_policy_id(event) == "us-28-8m-dpa-title-iii-agreement-with-urban-mining-2020"


ADDED_LATER = {"act", "original_language", "original_title", "original_summary",
               "hs_codes_complete", "excluded_targets"}  # fmt: skip


def test_fields_added_later_are_written_only_when_given() -> None:
    """A body stored before these fields existed, posted again unchanged, must dump (and so
    digest) as it did then, or its retry would be refused as a different body."""
    body = {
        "type": "ExportControlImposed", "jurisdiction": "CN", "agency": "Made-up agency",
        "title": "Made-up control", "announced_on": "2024-01-01", "materials": ["Ga"],
        "measure": "ban", "sources": [{"title": "made-up", "url": None}],
    }  # fmt: skip
    event = EVENT_ADAPTER.validate_json(json.dumps(body))
    assert not ADDED_LATER & set(json.loads(event.model_dump_json()))
    given = {
        **body, "act": {"id": "made-up-act", "title": "Made-up act"},
        "original_language": "zh-Hans", "original_title": "稀土", "hs_codes_complete": False,
        "excluded_targets": [],
    }  # fmt: skip
    dumped = json.loads(EVENT_ADAPTER.validate_json(json.dumps(given)).model_dump_json())
    assert ADDED_LATER - {"original_summary"} <= set(dumped)
    assert dumped["excluded_targets"] == []


def test_original_text_needs_its_language() -> None:
    body = {
        "type": "PolicyAnnounced", "jurisdiction": "CN", "agency": "Made-up agency",
        "title": "Made-up announcement", "announced_on": "2024-01-01", "materials": ["REE"],
        "category": "other", "sources": [{"title": "made-up", "url": None}],
        "original_title": "稀土",
    }  # fmt: skip
    with pytest.raises(ValidationError, match="original_language is required"):
        EVENT_ADAPTER.validate_json(json.dumps(body))
    with pytest.raises(ValidationError, match="original_language"):
        EVENT_ADAPTER.validate_json(json.dumps({**body, "original_language": "not a tag!"}))
