"""The bundled timeline's original-language titles, legal acts and reference HS codes come
from ``service/data/original_titles.jsonl``, where each value carries the address and an exact
excerpt of the stored source it was read from. These tests hold the bundled events to that
evidence: nothing in them that its excerpts do not print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2] / "service" / "data"
DISPUTED_GALLIUM_CODE = "8110929010"  # see service/data/README.md


def _lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line]


EVENTS = {event["event_id"]: event for event in _lines("rare_earth_policy_events.jsonl")}
EVIDENCE = _lines("original_titles.jsonl")


def _quotes(record: dict[str, Any], field: str) -> str:
    return "\n".join(item["quote"] for item in record["evidence"] if item["field"] == field)


@pytest.mark.parametrize("record", EVIDENCE, ids=lambda r: r["event_id"][:8])
def test_each_bundled_value_is_printed_in_its_evidence(record: dict[str, Any]) -> None:
    event = EVENTS[record["event_id"]]
    assert event["policy_id"] == record["policy_id"]
    if record["original_title"]:
        assert event["original_title"] == record["original_title"]
        assert record["original_title"] in _quotes(record, "original_title")
        assert event["original_language"] == record["original_language"] == "zh-Hans"
    else:
        assert "original_title" not in event
    assert event.get("act") == record["act"]
    if record["act"]:
        assert _quotes(record, "act")
    printed = _quotes(record, "hs_codes")
    assert all(code in printed for code in event["hs_codes"])
    assert set(record["hs_codes"] or ()) - {DISPUTED_GALLIUM_CODE} <= set(event["hs_codes"])
    assert event.get("hs_codes_complete") == record["hs_codes_complete"]
    cited = {source["url"] for source in event["sources"]}
    assert {item["address"] for item in record["evidence"]} <= cited


def test_the_disputed_gallium_code_is_left_out() -> None:
    assert all(DISPUTED_GALLIUM_CODE not in event["hs_codes"] for event in EVENTS.values())


def test_only_events_with_evidence_carry_original_text_or_acts() -> None:
    covered = {record["event_id"] for record in EVIDENCE}
    for event_id, event in EVENTS.items():
        if event_id not in covered:
            assert not {"original_title", "act", "hs_codes_complete"} & set(event)


def test_acts_with_several_measures_are_grouped() -> None:
    measures: dict[str, set[str]] = {}
    for event in EVENTS.values():
        if event.get("act"):
            measures.setdefault(event["act"]["id"], set()).add(event["policy_id"])
    assert measures["cn-mofcom-2024-46"] == {"cn-us-gagesb-2024", "cn-us-milban-2024"}
    assert measures["cn-mofcom-gac-2025-70"] == {
        "cn-ann56-2025", "cn-ann57-2025", "cn-ann58-2025", "cn-ann61-2025", "cn-ann62-2025"
    }  # fmt: skip
