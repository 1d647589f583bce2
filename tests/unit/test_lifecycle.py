"""The lifecycle rules on the Policy aggregate, with made-up facts."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest

from domain.events import EVENT_ADAPTER
from domain.lifecycle import InvalidCorrection, RuleViolation, corrected_fact
from domain.policy import Policy
from tests.support.bodies import made_up_control, made_up_follow_up


def fact(body: dict[str, Any]) -> dict[str, Any]:
    event = EVENT_ADAPTER.validate_json(json.dumps(body))
    stored = event.model_dump(mode="json", exclude={"expected_version"})
    stored["event_id"] = str(uuid4())
    return stored


def imposed() -> Policy:
    return Policy.open("xx-madeup-control", fact(made_up_control()), "test")


def test_a_control_is_imposed_suspended_reinstated_and_lifted() -> None:
    policy = imposed()
    policy.add(fact(made_up_follow_up("ExportControlSuspended", announced_on="2025-05-01")), "t")
    assert policy.state is not None and policy.state.status == "suspended"
    policy.add(fact(made_up_follow_up("ExportControlReinstated", announced_on="2025-06-01")), "t")
    assert policy.state.status == "imposed"
    policy.add(fact(made_up_follow_up("ExportControlLifted", announced_on="2025-07-01")), "t")
    assert policy.state.status == "lifted"
    assert policy.version == 4


def test_a_control_cannot_be_lifted_twice() -> None:
    policy = imposed()
    policy.add(fact(made_up_follow_up("ExportControlLifted")), "t")
    with pytest.raises(RuleViolation) as raised:
        policy.add(fact(made_up_follow_up("ExportControlLifted")), "t")
    assert raised.value.rule == "policy_ended"


def test_a_suspension_cannot_overlap_another() -> None:
    policy = imposed()
    policy.add(fact(made_up_follow_up("ExportControlSuspended", until="2025-12-01")), "t")
    with pytest.raises(RuleViolation) as raised:
        policy.add(
            fact(made_up_follow_up("ExportControlSuspended", announced_on="2025-06-01")), "t"
        )
    assert raised.value.rule == "already_suspended"


def test_a_suspension_that_has_run_out_allows_a_new_one() -> None:
    policy = imposed()
    policy.add(fact(made_up_follow_up("ExportControlSuspended", until="2025-06-01")), "t")
    policy.add(fact(made_up_follow_up("ExportControlSuspended", announced_on="2025-07-01")), "t")
    assert policy.state is not None and policy.state.suspended_until is None


def test_only_a_suspended_control_is_reinstated() -> None:
    with pytest.raises(RuleViolation) as raised:
        imposed().add(fact(made_up_follow_up("ExportControlReinstated")), "t")
    assert raised.value.rule == "not_suspended"


def test_follow_ups_must_match_the_policy_kind() -> None:
    body = made_up_follow_up("FundingCancelled")
    with pytest.raises(RuleViolation) as raised:
        imposed().add(fact(body), "t")
    assert raised.value.rule == "wrong_policy_kind"


def test_a_follow_up_cannot_open_a_policy() -> None:
    with pytest.raises(RuleViolation) as raised:
        Policy.open("xx-madeup-control", fact(made_up_follow_up("ExportControlSuspended")), "t")
    assert raised.value.rule == "policy_not_found"


def test_a_retracted_suspension_no_longer_counts() -> None:
    policy = imposed()
    suspension = fact(made_up_follow_up("ExportControlSuspended"))
    policy.add(suspension, "t")
    retraction = made_up_follow_up(
        "EventRetracted", retracts=suspension["event_id"], reason="misreported"
    )
    policy.add(fact(retraction), "t")
    assert policy.state is not None and policy.state.status == "imposed"
    with pytest.raises(RuleViolation) as raised:
        policy.add(fact(dict(retraction, event_id=None)), "t")
    assert raised.value.rule == "event_retracted"


def test_a_correction_must_keep_the_event_valid() -> None:
    original = fact(made_up_control())
    assert corrected_fact(original, {"materials": ["terbium"]}) == {"materials": ["Tb"]}
    with pytest.raises(InvalidCorrection):
        corrected_fact(original, {"measure": "embargo"})
    with pytest.raises(InvalidCorrection):
        corrected_fact(original, {"policy_id": "other"})
    with pytest.raises(InvalidCorrection):
        corrected_fact(original, {"no_such_field": 1})
