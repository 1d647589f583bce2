"""The Policy aggregate: one policy's events as one stream, guarded by the lifecycle rules."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import lifecycle

# Policy ids are slugs chosen by people; the stream id is derived from the slug so that the same
# slug always finds the same stream, in any process, without a lookup table.
POLICY_NAMESPACE = UUID("6b1f6d1e-3c55-4a4e-9a43-2f4c9d1f0a11")


@lru_cache(maxsize=65536)
def stream_id(policy_id: str) -> UUID:
    return uuid5(POLICY_NAMESPACE, policy_id)


class Facts:
    """A policy's facts in record order and what they add up to (:func:`lifecycle.fold`,
    kept up to date as facts are added): what the rules are checked against. The ``Policy``
    aggregate holds them, and so does a :class:`Stream` on the bulk write path."""

    policy_id: str
    facts: list[dict[str, Any]]
    _state: lifecycle.PolicyState | None

    def remember(self, fact: dict[str, Any]) -> None:
        self.facts.append(fact)
        if self._state is not None and lifecycle.extends(fact):
            lifecycle.advance(self._state, fact)
        else:
            self._state = None  # a correction or retraction can change anything: fold again

    @property
    def state(self) -> lifecycle.PolicyState | None:
        if self._state is None:
            self._state = lifecycle.fold(self.policy_id, self.facts)
        return self._state

    def fact(self, event_id: str) -> dict[str, Any] | None:
        return next((f for f in self.facts if f["event_id"] == event_id), None)


class Policy(Aggregate, Facts):
    """A policy and the facts recorded about it, in record order.

    ``facts`` are the events' canonical JSON bodies; what they add up to is
    :func:`domain.lifecycle.fold`, which is also what the rules are checked against.
    """

    class Opened(Aggregate.Created):
        policy_id: str
        fact: dict[str, Any]
        recorded_by: str

    class FactRecorded(Aggregate.Event):
        fact: dict[str, Any]
        recorded_by: str

        def apply(self, aggregate: Any) -> None:
            aggregate.remember(self.fact)

    def __init__(self, policy_id: str, fact: dict[str, Any], recorded_by: str) -> None:
        self.policy_id = policy_id
        self.facts = [fact]
        self._state = None

    @classmethod
    def open(cls, policy_id: str, fact: dict[str, Any], recorded_by: str) -> Policy:
        """Start a policy with its first fact, if that fact may open one."""
        lifecycle.check(None, policy_id, fact)
        return cls._create(
            cls.Opened,
            id=stream_id(policy_id),
            policy_id=policy_id,
            fact=fact,
            recorded_by=recorded_by,
        )

    def add(self, fact: dict[str, Any], recorded_by: str) -> None:
        """Record a further fact about this policy, if the lifecycle allows it."""
        lifecycle.check(self.state, self.policy_id, fact)
        self.trigger_event(self.FactRecorded, fact=fact, recorded_by=recorded_by)


class Stream(Facts):
    """A policy's stream as an append sees it: its facts and its version (0: not stored)."""

    def __init__(self, policy_id: str, facts: list[dict[str, Any]], version: int) -> None:
        self.policy_id = policy_id
        self.facts = facts
        self.version = version
        self._state = None

    def copy(self) -> Stream:
        """A stream to record into, leaving this one as it is (facts are never changed)."""
        twin = Stream(self.policy_id, list(self.facts), self.version)
        state = self._state
        if state is not None:
            twin._state = replace(
                state,
                fields=dict(state.fields),
                event_types=dict(state.event_types),
                retracted=set(state.retracted),
            )
        return twin

    def record(self, fact: dict[str, Any]) -> int:
        """Add ``fact`` if the lifecycle allows it (as ``Policy.open`` or ``Policy.add``
        would); returns its version."""
        lifecycle.check(self.state, self.policy_id, fact)
        self.version += 1
        self.remember(fact)
        return self.version
