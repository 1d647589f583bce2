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
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any, cast
from uuid import UUID, uuid4

import orjson
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import datetime_now_with_tzinfo
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Notification, StoredEvent

from domain import lifecycle, materials, stored_events
from domain.events import EventBase, derive_policy_id
from domain.lifecycle import InvalidCorrection, RuleViolation
from domain.log_index import EventIndex, IndexRow, LogQuery
from domain.policy import Policy, Stream, stream_id


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


@dataclass(slots=True)  # not frozen: made once per event, kept cheap
class _Staged:
    """A fact accepted into the group, to be stored as its policy's event ``version``;
    ``body`` is its JSON when that is the event's own serialisation, unchanged."""

    policy_id: str
    version: int
    fact: dict[str, Any]
    recorded_by: str
    timestamp: datetime
    body: bytes | None


@dataclass
class _Group:
    """The working state of one append: the policies' streams touched (version 0: not
    stored), the facts accepted and their index rows, in submission order."""

    streams: dict[str, Stream] = field(default_factory=dict)
    rows: dict[str, IndexRow] = field(default_factory=dict)
    staged: list[_Staged] = field(default_factory=list)
    answers: dict[str, Appended] = field(default_factory=dict)
    known: dict[str, IndexRow] = field(default_factory=dict)  # stored rows of ids named
    existing: set[str] = field(default_factory=set)  # of the policy ids asked about
    dumps: list[_Dump] = field(default_factory=list)  # one per submission


@dataclass(slots=True)  # not frozen: made once per event, kept cheap
class _Pending:
    """An answer known once the group is stored."""

    event_id: str
    created: bool


def digest(event: EventBase) -> str:
    """What makes two posts of one ``event_id`` "the same body": the validated event (so
    ``Dy`` and ``dysprosium`` are the same), without ``expected_version``. The model's own
    serialiser writes fields in declaration order, so equal events give equal bytes."""
    return _dump(event).digest


@dataclass(slots=True)  # not frozen: made once per event, kept cheap
class _Dump:
    """An event serialised once: its digest, its JSON (``model_dump_json``'s bytes, without
    ``expected_version``) and its fact, that JSON read back (what ``model_dump(mode="json")``
    gives, at less cost), which the timeline completes with its ids."""

    digest: str
    body: bytes
    fact: dict[str, Any]


def _dump(event: EventBase) -> _Dump:
    body = event.__pydantic_serializer__.to_json(event, exclude=_NOT_DIGESTED)
    return _Dump(hashlib.sha256(body).hexdigest(), body, orjson.loads(body))


_NOT_DIGESTED = {"expected_version"}


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
        group = self._group(submissions)
        results: list[Appended | AppendError | _Pending] = []
        for index, (submission, dump) in enumerate(zip(submissions, group.dumps, strict=True)):
            try:
                results.append(self._stage(submission, dump, group))
            except AppendError as error:
                error.index = index
                if atomic:
                    raise
                results.append(error)
        if group.staged:
            # Events go in submission order, so a batch keeps its order in the log; index rows
            # are in the same order, one per event. Stored through the recorder's public
            # insert API, as the stored events the Policy aggregate would have recorded
            # (domain.stored_events: the aggregate and mapper cost too much).
            rows = list(group.rows.values())
            positions = self.recorder.insert_events(
                [self._stored(staged) for staged in group.staged], index_rows=rows
            )
            assert positions is not None
            self._recent.put(s for s in group.streams.values() if s.version)
            for row, position in zip(rows, positions, strict=True):
                group.answers[row.event_id] = Appended(
                    row.event_id, row.policy_id, row.version, position, row.recorded_at, True
                )
        return [self._answer(group, r) if isinstance(r, _Pending) else r for r in results]

    def _group(self, submissions: Sequence[Submission]) -> _Group:
        """What the submissions need to know of the store, read in a few queries: the index
        rows of the event ids they name and of the events they correct or retract, which
        named policies exist (and the names a derived policy id might take), and the streams
        of the existing policies they touch."""
        group = _Group(dumps=[_dump(s.event) for s in submissions])
        facts = [d.fact for d in group.dumps]
        ids = [f["event_id"] for f in facts if f["event_id"] is not None]
        targets = [t for f in facts if (t := f.get("corrects") or f.get("retracts")) is not None]
        group.known = self.index.receipts(ids + targets)
        named = {f["policy_id"] for f in facts if f["policy_id"] is not None}
        stems = {
            derive_policy_id(s.event)
            for s, f in zip(submissions, facts, strict=True)
            if f["policy_id"] is None and f["type"] in lifecycle.OPENING_KIND
        }
        asked = named | {c for stem in stems for c in _candidates(stem)}
        group.existing = self.index.existing_policy_ids(list(asked)) if asked else set()
        # A policy id with no first event in the index has no stream (the index is written
        # with the log, in its transaction), so named new policies are not read.
        group.streams.update((p, Stream(p, [], 0)) for p in named - group.existing)
        about = {group.known[t].policy_id for t in targets if t in group.known}
        self._load_streams((named & group.existing) | about, group)
        return group

    def _load_streams(self, policy_ids: set[str], group: _Group) -> None:
        """The stored streams of ``policy_ids``, in one read (not one aggregate each). A
        stream this process stored or read lately is taken as it was when the log shows it
        unchanged (at the same version: a stored event never changes)."""
        wanted = {stream_id(p): p for p in policy_ids if p not in group.streams}
        if not wanted:
            return
        recent = self._recent.get(wanted.values())
        if recent:
            versions = self.index.stream_versions([stream_id(p) for p in recent])
            for policy_id, stream in recent.items():
                if versions.get(stream_id(policy_id)) == stream.version:
                    group.streams[policy_id] = stream.copy()
                    del wanted[stream_id(policy_id)]
            if not wanted:
                return
        stored: dict[UUID, list[StoredEvent]] = {i: [] for i in wanted}
        for event in self.index.stored_events_of(list(wanted)):
            stored[cast(UUID, event.originator_id)].append(event)
        for originator_id, events in stored.items():
            policy_id = wanted[originator_id]
            version = events[-1].originator_version if events else 0
            group.streams[policy_id] = Stream(policy_id, self._facts(events), version)

    @cached_property
    def _recent(self) -> _RecentStreams:
        return _RecentStreams()

    @cached_property
    def _plain_mapper(self) -> bool:
        """Whether stored events are the mapper's plain JSON (no compressor, no cipher), which
        the bulk path writes and reads itself; otherwise it goes through the mapper."""
        mapper = self.mapper
        return (
            mapper.cipher is None
            and mapper.compressor is None
            and type(mapper.transcoder) is JSONTranscoder
        )

    def _facts(self, events: Sequence[StoredEvent]) -> list[dict[str, Any]]:
        if self._plain_mapper:
            return stored_events.stored_facts(events)
        return [self.mapper.to_domain_event(e).fact for e in events]  # type: ignore[attr-defined]

    def _stored(self, staged: _Staged) -> StoredEvent:
        args = (staged.policy_id, staged.version, staged.fact, staged.recorded_by, staged.timestamp)
        if self._plain_mapper:
            try:
                return stored_events.stored_event(*args, body=staged.body)
            except orjson.JSONEncodeError:
                pass  # what orjson cannot write (an int over 64 bits): the mapper decides
        return self.mapper.to_stored_event(stored_events.domain_event(*args))

    @staticmethod
    def _answer(group: _Group, pending: _Pending) -> Appended:
        answer = group.answers[pending.event_id]
        return answer if pending.created else replace(answer, created=False)

    def _stage(self, submission: Submission, dump: _Dump, group: _Group) -> Appended | _Pending:
        """Apply one submission to the group's streams; return its answer, or what will be
        its answer once the group is stored."""
        event = submission.event
        this_digest, fact = dump.digest, dump.fact
        if event.event_id is not None:
            event_id = str(fact["event_id"])
            earlier = group.known.get(event_id) or group.rows.get(event_id)
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

        fact["event_id"] = event_id
        policy_id = self._policy_of(event, fact, group)
        fact["policy_id"] = policy_id
        stream = self._stream(policy_id, group)
        if event.expected_version is not None:
            current = stream.version
            if current != event.expected_version:
                raise AppendError(
                    "conflict",
                    "version_conflict",
                    f"policy {policy_id!r} is at version {current}, not "
                    f"{event.expected_version}; read it again and retry",
                    [{"field": "expected_version", "current_version": current}],
                )
        about = fact["type"] in lifecycle.ABOUT_EVENTS
        if about:
            self._complete_about_event(fact, stream)
        try:
            version = stream.record(fact)
        except RuleViolation as violation:
            raise AppendError("conflict", violation.rule, violation.message) from None
        timestamp = datetime_now_with_tzinfo()
        # Named ids, and not a correction or retraction (which are completed): the fact is the
        # event's JSON as it stands, already written.
        unchanged = event.policy_id is not None and event.event_id is not None and not about
        body = dump.body if unchanged else None
        group.staged.append(
            _Staged(policy_id, version, fact, submission.recorded_by, timestamp, body)
        )
        group.rows[event_id] = IndexRow(
            event_id=event_id,
            policy_id=policy_id,
            version=version,
            type=fact["type"],
            jurisdiction=fact["jurisdiction"],
            recorded_at=timestamp,
            recorded_by=submission.recorded_by,
            digest=this_digest,
            about=fact.get("corrects") or fact.get("retracts"),
            materials=_material_keys(tuple(fact["materials"])),
        )
        return _Pending(event_id, created=True)

    def _policy_of(self, event: EventBase, fact: dict[str, Any], group: _Group) -> str:
        target = fact.get("corrects") or fact.get("retracts")
        if target is not None:
            row = group.rows.get(target) or group.known.get(target)
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

    @staticmethod
    def _free_policy_id(stem: str, group: _Group) -> str:
        """The first of the stem's candidates neither stored nor named in the group. (The
        candidates were asked about with the group's other policy ids.)"""
        for candidate in _candidates(stem):
            if candidate not in group.existing and candidate not in group.streams:
                group.streams[candidate] = Stream(candidate, [], 0)
                return candidate
        return f"{stem}-{uuid4().hex[:8]}"

    def _stream(self, policy_id: str, group: _Group) -> Stream:
        if policy_id not in group.streams:
            self._load_streams({policy_id}, group)
        return group.streams[policy_id]

    @staticmethod
    def _complete_about_event(fact: dict[str, Any], stream: Stream) -> None:
        """Fill a correction's or retraction's missing who/what from the event it is about,
        and validate a correction's changes against the corrected event's schema."""
        target = fact.get("corrects") or fact.get("retracts")
        original = stream.fact(target) if target else None
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


class _RecentStreams:
    """The streams of the policies this process appended to lately, as stored: the policies a
    batch touches are mostly the ones the batch before touched, and reading and folding their
    whole histories again cost about as much as storing the batch. Least recently stored
    first; at most ``MAX_FACTS`` facts are held (about 2.6 KB each: some 50 MB at most)."""

    MAX_FACTS = 20_000

    def __init__(self) -> None:
        self._streams: OrderedDict[str, Stream] = OrderedDict()
        self._facts = 0
        self._lock = threading.Lock()

    def get(self, policy_ids: Iterable[str]) -> dict[str, Stream]:
        """The held streams of ``policy_ids`` (not to be changed: record into a copy)."""
        with self._lock:
            return {p: s for p in policy_ids if (s := self._streams.get(p)) is not None}

    def put(self, stored: Iterable[Stream]) -> None:
        with self._lock:
            for stream in stored:
                held = self._streams.pop(stream.policy_id, None)
                self._facts += len(stream.facts) - (len(held.facts) if held else 0)
                self._streams[stream.policy_id] = stream
            while self._facts > self.MAX_FACTS:
                self._facts -= len(self._streams.popitem(last=False)[1].facts)


@lru_cache(maxsize=4096)
def _material_keys(listed: tuple[str, ...]) -> tuple[str, ...]:
    """``materials.keys_of``, once per list of materials (events list the same ones often)."""
    return materials.keys_of(listed)


def _candidates(stem: str) -> list[str]:
    """The policy ids a derived id may take, in order of preference."""
    return [stem] + [f"{stem}-{n}" for n in range(2, 50)]


_RACE_MESSAGE = "another writer changed this policy at the same moment; read it again and retry"
