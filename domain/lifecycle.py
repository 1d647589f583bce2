"""How policies live: which events open a policy, which may follow, and what state they leave.

Every policy is one kind, fixed by its opening event:

* an **export control** is imposed, may be amended, suspended (for a while or until further
  notice), reinstated while suspended, and lifted once;
* an **enforcement action** is launched and concluded once;
* a **funding commitment** is committed, revised (the new figure replaces the old) and
  cancelled once;
* a **self-sufficiency goal** is set, gets progress reports and revisions, and is abandoned once;
* a **tariff** is imposed and lifted once;
* any other **announcement** is one event.

Corrections and retractions may follow any event of the policy that is neither retracted nor
itself a correction or retraction. The log never changes: the state here is always a fold of the
policy's events, with corrections applied and retracted events left out, so a rule is checked
against what the timeline currently says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from domain.events import MODEL_BY_TYPE, UNCORRECTABLE

OPENING_KIND: dict[str, str] = {
    "ExportControlImposed": "export_control",
    "EnforcementActionLaunched": "enforcement",
    "FundingCommitted": "funding",
    "SelfSufficiencyGoalSet": "goal",
    "TariffImposed": "tariff",
    "PolicyAnnounced": "announcement",
}
FOLLOW_UP_KIND: dict[str, str] = {
    "ExportControlAmended": "export_control",
    "ExportControlSuspended": "export_control",
    "ExportControlReinstated": "export_control",
    "ExportControlLifted": "export_control",
    "EnforcementActionConcluded": "enforcement",
    "FundingRevised": "funding",
    "FundingCancelled": "funding",
    "GoalProgressReported": "goal",
    "GoalRevised": "goal",
    "GoalAbandoned": "goal",
    "TariffLifted": "tariff",
}
ABOUT_EVENTS = frozenset({"EventCorrected", "EventRetracted"})
KIND_NAMES = {
    "export_control": "an export control",
    "enforcement": "an enforcement action",
    "funding": "a funding commitment",
    "goal": "a self-sufficiency goal",
    "tariff": "a tariff",
    "announcement": "an announcement",
}
ENDING_STATUS = {
    "ExportControlLifted": "lifted",
    "EnforcementActionConcluded": "concluded",
    "FundingCancelled": "cancelled",
    "GoalAbandoned": "abandoned",
    "TariffLifted": "lifted",
}
OPEN_STATUS = {
    "export_control": "imposed",
    "enforcement": "ongoing",
    "funding": "committed",
    "goal": "set",
    "tariff": "imposed",
    "announcement": "announced",
}
_ENDED = frozenset(ENDING_STATUS.values())
# Fields that belong to one event, not to the policy's current state.
EVENT_ONLY_FIELDS = frozenset(
    {"event_id", "policy_id", "expected_version", "type", "recorded_at", "recorded_by",
     "reason", "until", "summary", "sources", "date_precision", "confidence"}
)  # fmt: skip


class RuleViolation(Exception):
    """An event that breaks a lifecycle rule; ``rule`` names it for the API's error code."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class InvalidCorrection(Exception):
    """A correction whose changes would make the corrected event invalid."""

    def __init__(self, message: str, details: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


@dataclass
class PolicyState:
    """What a policy's events currently say, folded in record order."""

    policy_id: str
    kind: str
    status: str
    fields: dict[str, Any]
    suspended_since: date | None = None
    suspended_until: date | None = None
    latest_progress: dict[str, Any] | None = None
    event_types: dict[str, str] = field(default_factory=dict)
    retracted: set[str] = field(default_factory=set)

    @property
    def ended(self) -> bool:
        return self.status in _ENDED

    def suspended_on(self, day: date) -> bool:
        """Whether a suspension recorded so far covers ``day`` (its window is half-open)."""
        if self.suspended_since is None:
            return False
        return self.suspended_until is None or day < self.suspended_until


def effective_facts(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The policy's facts as the timeline now tells them: corrections applied to the events
    they correct, retracted events and the correction/retraction events themselves left out."""
    return [{**fact} for fact in _effective(facts)]


def _effective(facts: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """``effective_facts``, the facts themselves where no correction applies (not copies)."""
    corrections: dict[str, dict[str, Any]] = {}
    retracted: set[str] = set()
    for fact in facts:
        if fact["type"] == "EventCorrected":
            corrections.setdefault(fact["corrects"], {}).update(fact["changes"])
        elif fact["type"] == "EventRetracted":
            retracted.add(fact["retracts"])
    for fact in facts:
        if fact["type"] not in ABOUT_EVENTS and fact["event_id"] not in retracted:
            changes = corrections.get(fact["event_id"])
            yield {**fact, **changes} if changes else fact


def fold(policy_id: str, facts: list[dict[str, Any]]) -> PolicyState | None:
    """The state of a policy from its stored facts, or None when nothing of it remains."""
    state: PolicyState | None = None
    for fact in _effective(facts):  # read only: the facts are not copied
        kind = OPENING_KIND.get(fact["type"])
        if kind is not None:
            own = {k: v for k, v in fact.items() if k not in EVENT_ONLY_FIELDS}
            state = PolicyState(policy_id, kind, OPEN_STATUS[kind], own)
        elif state is not None:
            _apply_follow_up(state, fact)
    if state is not None:
        for fact in facts:
            state.event_types[fact["event_id"]] = fact["type"]
            if fact["type"] == "EventRetracted":
                state.retracted.add(fact["retracts"])
    return state


def extends(fact: dict[str, Any]) -> bool:
    """Whether ``fact`` only moves a policy on (so :func:`advance` may apply it to a folded
    state) rather than reopening or rewriting what came before."""
    return fact["type"] in FOLLOW_UP_KIND


def advance(state: PolicyState, fact: dict[str, Any]) -> None:
    """Apply one more follow-up to a folded state; the same as folding again."""
    _apply_follow_up(state, fact)
    state.event_types[fact["event_id"]] = fact["type"]


def _apply_follow_up(state: PolicyState, fact: dict[str, Any]) -> None:
    kind = fact["type"]
    if kind in ENDING_STATUS:
        state.status = ENDING_STATUS[kind]
    elif kind == "ExportControlAmended":
        for name in ("materials", "hs_codes", "targets", "measure", "de_minimis_percent"):
            if fact.get(name) is not None:
                state.fields[name] = fact[name]
    elif kind == "ExportControlSuspended":
        state.status = "suspended"
        state.suspended_since = _starts_on(fact)
        state.suspended_until = _date_or_none(fact.get("until") or fact.get("effective_until"))
    elif kind == "ExportControlReinstated":
        state.status = "imposed"
        state.suspended_since = state.suspended_until = None
    elif kind == "FundingRevised":
        state.fields["amount"] = fact["amount"]
        state.fields["amount_usd"] = fact.get("amount_usd")
    elif kind == "GoalRevised":
        for name in ("metric", "target_percent", "comparator", "target_description", "deadline"):
            if fact.get(name) is not None:
                state.fields[name] = fact[name]
    elif kind == "GoalProgressReported":
        state.latest_progress = {"value_percent": fact["value_percent"], "as_of": fact["as_of"]}


def _date_or_none(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _starts_on(fact: dict[str, Any]) -> date:
    return date.fromisoformat(fact.get("effective_from") or fact["announced_on"])


def check(state: PolicyState | None, policy_id: str, fact: dict[str, Any]) -> None:
    """Raise :class:`RuleViolation` unless ``fact`` may follow a policy in ``state``."""
    kind = fact["type"]
    if kind in OPENING_KIND:
        if state is not None:
            raise RuleViolation(
                "policy_exists",
                f"policy {policy_id!r} already exists; {kind} opens a new policy, so give a "
                "new policy_id (or leave it out to have one derived)",
            )
        return
    if kind in ABOUT_EVENTS:
        _check_about_event(state, policy_id, fact)
        return
    wanted = FOLLOW_UP_KIND[kind]
    if state is None:
        raise RuleViolation(
            "policy_not_found",
            f"{kind} needs {KIND_NAMES[wanted]} to exist first, and policy {policy_id!r} "
            "has not been recorded (or all of its events were retracted)",
        )
    if state.kind != wanted:
        raise RuleViolation(
            "wrong_policy_kind",
            f"{kind} applies to {KIND_NAMES[wanted]}, but {policy_id!r} is "
            f"{KIND_NAMES[state.kind]}",
        )
    if state.ended:
        raise RuleViolation(
            "policy_ended",
            f"{policy_id!r} is already {state.status}; nothing may follow except corrections "
            "and retractions",
        )
    starts = _starts_on(fact)
    if kind == "ExportControlSuspended" and state.suspended_on(starts):
        until = state.suspended_until.isoformat() if state.suspended_until else "further notice"
        raise RuleViolation(
            "already_suspended",
            f"{policy_id!r} is already suspended on {starts.isoformat()} (until {until}); "
            "reinstate it first or correct the existing suspension",
        )
    if kind == "ExportControlReinstated" and not state.suspended_on(starts):
        raise RuleViolation(
            "not_suspended",
            f"{policy_id!r} is not suspended on {starts.isoformat()}, so it cannot be reinstated",
        )


def _check_about_event(state: PolicyState | None, policy_id: str, fact: dict[str, Any]) -> None:
    target = fact.get("corrects") or fact.get("retracts")
    verb = "corrected" if fact["type"] == "EventCorrected" else "retracted"
    if state is None or target not in state.event_types:
        raise RuleViolation(
            "event_not_found", f"event {target} is not recorded in policy {policy_id!r}"
        )
    if state.event_types[target] in ABOUT_EVENTS:
        raise RuleViolation(
            "cannot_amend_correction",
            f"event {target} is itself a correction or retraction and cannot be {verb}; "
            "correct the original event instead",
        )
    if target in state.retracted:
        raise RuleViolation("event_retracted", f"event {target} was retracted and cannot be {verb}")


def corrected_fact(original: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The corrected event as it will read, validated against its type's schema, so that a
    correction can never make the timeline say something the catalogue forbids."""
    forbidden = sorted(set(changes) & UNCORRECTABLE)
    if forbidden:
        raise InvalidCorrection(
            f"a correction cannot change {', '.join(forbidden)}",
            [{"field": f"changes.{name}", "message": "cannot be corrected"} for name in forbidden],
        )
    model = MODEL_BY_TYPE[original["type"]]
    unknown = sorted(set(changes) - set(model.model_fields))
    if unknown:
        raise InvalidCorrection(
            f"{original['type']} has no field {', '.join(unknown)}",
            [{"field": f"changes.{name}", "message": "no such field"} for name in unknown],
        )
    merged = {k: v for k, v in {**original, **changes}.items() if k in model.model_fields}
    try:
        validated = model.model_validate_json(json.dumps(merged))
    except ValidationError as error:
        details = [
            {
                "field": "changes." + ".".join(str(part) for part in issue["loc"]),
                "message": issue["msg"],
            }
            for issue in error.errors(include_url=False)
        ]
        raise InvalidCorrection("the corrected event would be invalid", details) from None
    canonical = validated.model_dump(mode="json")
    # A field added later is left out of the dump when null (``events.added_later``).
    return {name: canonical.get(name) for name in changes}
