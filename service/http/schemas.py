"""Response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.storage.keys import KEY_NAME_PATTERN, KeyRecord, Role


class AppendAnswer(BaseModel):
    event_id: str
    policy_id: str
    version: int = Field(description="the policy's version after this event")
    position: int = Field(description="the event's position in the global log")
    recorded_at: datetime


class BatchItem(AppendAnswer):
    created: bool = Field(description="false when the event was already recorded")


class BatchAnswer(BaseModel):
    count: int
    created: int
    duplicates: int
    items: list[BatchItem]


class LogEntry(BaseModel):
    """An event as recorded: its body plus where and when the log holds it."""

    position: int
    version: int
    recorded_at: datetime
    recorded_by: str
    event: dict[str, Any] = Field(description="the event body as stored (canonical form)")


HINT = Field(
    default=None,
    description="set when known_at (an ISO date or datetime) lies before the log's first "
    "record time, so nothing was known then: 'nothing was recorded by <known_at>; the log's "
    "first record time is <time>'; null otherwise",
)


class LogPage(BaseModel):
    items: list[LogEntry]
    next_after: int | None = Field(description="pass as ?after= for the next page; null at end")
    known_at: str = Field(description="the record time answered for, as asked (default: now)")
    position: int = Field(description="the log position this page was read at")
    hint: str | None = HINT


class EventDetail(LogEntry):
    retracted: bool
    as_corrected: dict[str, Any] = Field(description="the event with its corrections applied")
    corrections: list[LogEntry] = Field(description="corrections and retractions of this event")


class PolicySummary(BaseModel):
    policy_id: str
    kind: str | None
    status: str = Field(
        description="the policy's status on `at`, as the views give it: an export control "
        "pending, in_force, suspended, lifted or expired; funding committed or cancelled; a "
        "goal active, met, missed, deadline_passed or abandoned; a tariff pending, in_force, "
        "lifted or expired; an enforcement action pending, ongoing or concluded; another "
        "announcement announced. not_announced before the policy was announced; retracted "
        "when all its events were retracted"
    )
    version: int
    title: str | None
    jurisdiction: str | None


class PolicyPage(BaseModel):
    at: str = Field(description="the valid date each status answers for")
    items: list[PolicySummary]
    next_after: str | None


PERMALINK = Field(
    description="this answer's relative URL with its record time pinned "
    "(known_at=position=N), its valid date and every other parameter: fetched later, it "
    "answers with the same items, whatever has been recorded since"
)


class PolicyDetail(PolicySummary):
    at: str = Field(description="the valid date status and on_date answer for")
    known_at: str = Field(description="the record time answered for")
    position: int = Field(description="the log position answered for")
    on_date: dict[str, Any] = Field(description="the policy's entry in each view on `at`")
    current: dict[str, Any] = Field(description="the policy's fields as its events tell them")
    suspended_since: str | None
    suspended_until: str | None
    latest_progress: dict[str, Any] | None
    history: list[LogEntry]
    permalink: str = PERMALINK


class Health(BaseModel):
    status: str
    position: int


class ViewBody(BaseModel):
    """Every view read answers for one valid date and one log position."""

    view: str
    at: str | None = Field(description="the valid date answered for (null for the timeline)")
    known_at: str = Field(description="the record time answered for, as asked (default: now)")
    position: int = Field(description="the log position the answer reflects")
    hint: str | None = HINT
    left_out_by_min_confidence: int = Field(
        default=0,
        description="entries that matched every other filter but were left out for being "
        "less certain than min_confidence (0 with min_confidence=unverified). For the "
        "timeline: events within this page's span (after the cursor up to the page's last "
        "item; to the end on the last page), so the pages' counts add up; for "
        "materials/{material}: controls, commitments and goals, plus events among the recent "
        "ones (back to the oldest shown)",
    )
    items: Any
    next_after: str | None = None
    permalink: str = PERMALINK


class ViewInfo(BaseModel):
    name: str
    position: int | None
    lag: int | None = Field(description="events recorded that the view has not applied yet")
    rebuild: dict[str, Any] | None


class ViewList(BaseModel):
    log_position: int
    items: list[ViewInfo]


class WorkerReadiness(BaseModel):
    state: Literal["starting", "running", "standby", "restarting", "stopped"] = Field(
        description="standby: another process holds the projector lock and does this work"
    )
    restarts: int = Field(description="times the worker failed and was started again")
    last_success: datetime | None
    last_error: str | None


class Readiness(BaseModel):
    ready: bool
    reasons: list[str] = Field(description="why the process is not ready (empty when it is)")
    log_position: int
    views: dict[str, int] = Field(description="each view's lag behind the log, in events")
    lag_seconds: dict[str, float] = Field(
        description="each view's lag in seconds: how long the oldest event it has not applied "
        "has been waiting (0 when it has applied the whole log)"
    )
    workers: dict[str, WorkerReadiness]


class DiffBody(BaseModel):
    view: str
    hint: str | None = HINT
    left_out_by_min_confidence: int = Field(
        default=0,
        description="entries (policies) left out of the comparison, on either side, for "
        "being less certain than min_confidence",
    )
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]] = Field(
        description="per entry: changes {field: {from, to}} and caused_by (events)"
    )


class KeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        pattern=KEY_NAME_PATTERN,
        max_length=64,
        description="who holds the key; recorded as recorded_by of every event it writes, "
        "so it is never reused (letters, digits, . _ @ -; at most 64)",
    )
    role: Role = Field(description="reader: reads; editor: reads and writes; admin: everything")


class KeyInfo(BaseModel):
    name: str
    role: Role
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None

    @classmethod
    def of(cls, record: KeyRecord) -> KeyInfo:
        """What may be shown of a stored key: everything but its digest."""
        return cls(**{name: getattr(record, name) for name in cls.model_fields})


class KeyCreated(KeyInfo):
    key: str = Field(description="the key itself: shown in this answer only, stored hashed")


class KeyList(BaseModel):
    items: list[KeyInfo]


class KeyLogItem(BaseModel):
    seq: int
    at: datetime
    action: Literal["created", "revoked"]
    name: str
    role: Role
    by: str = Field(description="the key (or 'first start') that made the change")


class KeyLog(BaseModel):
    items: list[KeyLogItem]
