"""The timeline application: appends policy events and reads the log back.

``append`` takes a group of submissions and stores them in one transaction. A batch is one
atomic group: any refusal refuses the whole group and nothing is stored. Single posts that
arrive together are grouped too (group commit) but are judged one by one: a refused post is
answered with its error and the rest are stored.

Idempotency: an event's ``event_id`` is indexed with a digest of its body, in the same
transaction as the event. Posting it again with the same body answers with the first
recording; with another body it is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Notification

from domain import lifecycle, materials
from domain.events import EventBase, derive_policy_id
from domain.lifecycle import InvalidCorrection, RuleViolation
from domain.log_index import EventIndex, IndexRow, LogQuery
from domain.policy import Policy, stream_id


class AppendError(Exception):
    """A submission the timeline refuses. ``kind`` is ``conflict`` (the log's state forbids
    it) or ``invalid`` (the body cannot be an event); ``index`` is its place in the group."""

    def __init__(
        self,
        kind: str,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        index: int = 0,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message
        self.details = details or []
        self.index = index


@dataclass(frozen=True)
class Submission:
    event: EventBase
    recorded_by: str


@dataclass(frozen=True)
class Appended:
    """The answer to an accepted submission; ``created`` is False for an idempotent repeat."""

    event_id: str
    policy_id: str
    version: int
    position: int
    recorded_at: datetime
    created: bool


@dataclass(frozen=True)
class LoggedEvent:
    """One event as the log holds it."""

    position: int
    policy_id: str
    version: int
    recorded_at: datetime
    recorded_by: str
    fact: dict[str, Any]


@dataclass
class _Group:
    """The working state of one append: aggregates touched and index rows to write."""

    policies: dict[str, Policy | None] = field(default_factory=dict)
    rows: dict[str, IndexRow] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)  # in submission order
    answers: dict[str, Appended] = field(default_factory=dict)


@dataclass(frozen=True)
class _Pending:
    """An answer known once the group is stored."""

    event_id: str
    created: bool


def digest(event: EventBase) -> str:
    """What makes two posts of one ``event_id`` "the same body": the validated event (so
    ``Dy`` and ``dysprosium`` are the same), without ``expected_version``. The model's own
    serialiser writes fields in declaration order, so equal events give equal bytes."""
    return hashlib.sha256(event.model_dump_json(exclude={"expected_version"}).encode()).hexdigest()


class Timeline(Application[UUID]):
    name = "PolicyTimeline"

    @property
    def index(self) -> EventIndex:
        return cast(EventIndex, self.recorder)

    # --- write ---------------------------------------------------------------------------------

    def append(
        self, submissions: Sequence[Submission], *, atomic: bool
    ) -> list[Appended | AppendError]:
        """Store ``submissions`` in one transaction. Atomic: any refusal raises it and stores
        nothing. Not atomic: refusals are returned in place of answers, the rest is stored."""
        try:
            return self._append_once(submissions, atomic=atomic)
        except IntegrityError:
            # Another writer got there between our reads and our commit (another process, or
            # a duplicate event_id racing us). Judge again against the new state, one by one.
            if atomic:
                return self._append_once(submissions, atomic=True)
            results: list[Appended | AppendError] = []
            for submission in submissions:
                try:
                    results.extend(self._append_once([submission], atomic=False))
                except IntegrityError:
                    results.append(AppendError("conflict", "concurrent_write", _RACE_MESSAGE))
            return results

    def _append_once(
        self, submissions: Sequence[Submission], *, atomic: bool
    ) -> list[Appended | AppendError]:
        group = _Group()
        known = self.index.receipts(
            [str(s.event.event_id) for s in submissions if s.event.event_id is not None]
        )
        # One query says which named policies exist, so new ones are not looked up one by one.
        named = {s.event.policy_id for s in submissions if s.event.policy_id is not None}
        existing = self.index.existing_policy_ids(list(named)) if named else set()
        group.policies.update((p, None) for p in named - existing)
        results: list[Appended | AppendError | _Pending] = []
        for index, submission in enumerate(submissions):
            try:
                results.append(self._stage(submission, group, known))
            except AppendError as error:
                error.index = index
                if atomic:
                    raise
                results.append(error)
        if group.events:
            # Events go in submission order, so a batch keeps its order in the log; index rows
            # are in the same order, one per event.
            rows = list(group.rows.values())
            recordings = self.events.put(group.events, index_rows=rows)
            for row, recording in zip(rows, recordings, strict=True):
                group.answers[row.event_id] = Appended(
                    row.event_id, row.policy_id, row.version, recording.notification.id,
                    row.recorded_at, True,
                )  # fmt: skip
        return [self._answer(group, r) if isinstance(r, _Pending) else r for r in results]

    @staticmethod
    def _answer(group: _Group, pending: _Pending) -> Appended:
        answer = group.answers[pending.event_id]
        return answer if pending.created else replace(answer, created=False)

    def _stage(
        self, submission: Submission, group: _Group, known: dict[str, IndexRow]
    ) -> Appended | _Pending:
        """Apply one submission to the group's aggregates; return its answer, or what will be
        its answer once the group is stored."""
        event = submission.event
        this_digest = digest(event)
        if event.event_id is not None:
            event_id = str(event.event_id)
            earlier = known.get(event_id) or group.rows.get(event_id)
            if earlier is not None:
                if earlier.digest != this_digest:
                    raise AppendError(
                        "conflict",
                        "event_id_reused",
                        f"event {event_id} was already recorded with a different body; "
                        "an event_id names one event forever (post a correction to change it)",
                    )
                if earlier.position:
                    return Appended(
                        event_id,
                        earlier.policy_id,
                        earlier.version,
                        earlier.position,
                        earlier.recorded_at,
                        False,
                    )
                return _Pending(event_id, created=False)  # repeated inside this group
        else:
            event_id = str(uuid4())

        fact = event.model_dump(mode="json", exclude={"expected_version"})
        fact["event_id"] = event_id
        policy_id = self._policy_of(event, fact, group)
        fact["policy_id"] = policy_id
        policy = self._policy(policy_id, group)
        if event.expected_version is not None:
            current = policy.version if policy is not None else 0
            if current != event.expected_version:
                raise AppendError(
                    "conflict",
                    "version_conflict",
                    f"policy {policy_id!r} is at version {current}, not "
                    f"{event.expected_version}; read it again and retry",
                    [{"field": "expected_version", "current_version": current}],
                )
        if fact["type"] in ("EventCorrected", "EventRetracted"):
            self._complete_about_event(fact, policy)
        try:
            if policy is None:
                policy = Policy.open(policy_id, fact, submission.recorded_by)
                group.policies[policy_id] = policy
            else:
                policy.add(fact, submission.recorded_by)
        except RuleViolation as violation:
            raise AppendError("conflict", violation.rule, violation.message) from None
        recorded = policy.pending_events[-1]
        group.events.append(recorded)
        group.rows[event_id] = IndexRow(
            event_id=event_id,
            policy_id=policy_id,
            version=recorded.originator_version,
            type=fact["type"],
            jurisdiction=fact["jurisdiction"],
            recorded_at=recorded.timestamp,
            recorded_by=submission.recorded_by,
            digest=this_digest,
            about=fact.get("corrects") or fact.get("retracts"),
            materials=materials.keys_of(fact["materials"]),
        )
        return _Pending(event_id, created=True)

    def _policy_of(self, event: EventBase, fact: dict[str, Any], group: _Group) -> str:
        target = fact.get("corrects") or fact.get("retracts")
        if target is not None:
            row = group.rows.get(target) or self.index.receipts([target]).get(target)
            if row is None:
                raise AppendError(
                    "conflict",
                    "event_not_found",
                    f"{fact['type']} names event {target}, which is not recorded",
                )
            if event.policy_id is not None and event.policy_id != row.policy_id:
                raise AppendError(
                    "conflict",
                    "wrong_policy",
                    f"event {target} belongs to policy {row.policy_id!r}, not {event.policy_id!r}",
                )
            return row.policy_id
        if event.policy_id is not None:
            return event.policy_id
        if fact["type"] not in lifecycle.OPENING_KIND:
            raise AppendError(
                "invalid",
                "policy_id_required",
                f"policy_id is required: {fact['type']} follows an existing policy",
                [{"field": "policy_id", "message": "required for this type"}],
            )
        return self._free_policy_id(derive_policy_id(event), group)

    def _free_policy_id(self, stem: str, group: _Group) -> str:
        candidates = [stem] + [f"{stem}-{n}" for n in range(2, 50)]
        taken = self.index.existing_policy_ids(candidates) | set(group.policies)
        for candidate in candidates:
            if candidate not in taken:
                return candidate
        return f"{stem}-{uuid4().hex[:8]}"

    def _policy(self, policy_id: str, group: _Group) -> Policy | None:
        if policy_id not in group.policies:
            try:
                group.policies[policy_id] = cast(Policy, self.repository.get(stream_id(policy_id)))
            except AggregateNotFoundError:
                group.policies[policy_id] = None
        return group.policies[policy_id]

    @staticmethod
    def _complete_about_event(fact: dict[str, Any], policy: Policy | None) -> None:
        """Fill a correction's or retraction's missing who/what from the event it is about,
        and validate a correction's changes against the corrected event's schema."""
        target = fact.get("corrects") or fact.get("retracts")
        original = policy.fact(target) if policy is not None and target else None
        if original is None:
            return  # the lifecycle check names the missing event
        for name in ("jurisdiction", "agency"):
            if fact.get(name) is None:
                fact[name] = original[name]
        if not fact.get("materials"):
            fact["materials"] = original["materials"]
        if fact["type"] == "EventCorrected":
            try:
                fact["changes"] = lifecycle.corrected_fact(original, fact["changes"])
            except InvalidCorrection as error:
                raise AppendError(
                    "invalid", "invalid_correction", error.message, error.details
                ) from None

    # --- read ----------------------------------------------------------------------------------

    def position(self) -> int:
        return int(self.index.max_notification_id() or 0)

    def position_at(self, moment: datetime) -> int:
        return self.index.position_at(moment)

    def receipt(self, event_id: str) -> IndexRow | None:
        return self.index.receipts([event_id]).get(event_id)

    def logged_event(self, event_id: str) -> LoggedEvent | None:
        """One event as the log holds it, by its id (None when it is not recorded)."""
        row = self.receipt(event_id)
        if row is None:
            return None
        notification = self.index.notifications_at([row.position])
        return self._logged(row, notification[0]) if notification else None

    def read_log(self, query: LogQuery) -> list[LoggedEvent]:
        rows = self.index.find(query)
        notifications = {n.id: n for n in self.index.notifications_at([r.position for r in rows])}
        return [self._logged(row, notifications[row.position]) for row in rows]

    def _logged(self, row: IndexRow, notification: Notification) -> LoggedEvent:
        domain_event = self.mapper.to_domain_event(notification)
        return LoggedEvent(
            position=row.position,
            policy_id=row.policy_id,
            version=row.version,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            fact=domain_event.fact,  # type: ignore[attr-defined]
        )

    def policy(self, policy_id: str) -> Policy | None:
        try:
            return cast(Policy, self.repository.get(stream_id(policy_id)))
        except AggregateNotFoundError:
            return None

    def policy_at(self, policy_id: str, version: int) -> Policy:
        """The policy as its first ``version`` events left it."""
        return cast(Policy, self.repository.get(stream_id(policy_id), version=version))

    def policy_ids(
        self, after: str, limit: int, kinds: Sequence[str], jurisdictions: Sequence[str]
    ) -> list[str]:
        opening = [t for t, k in lifecycle.OPENING_KIND.items() if k in kinds] if kinds else []
        return self.index.policy_ids(after, limit, opening, jurisdictions)


_RACE_MESSAGE = "another writer changed this policy at the same moment; read it again and retry"
