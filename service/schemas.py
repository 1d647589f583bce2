"""Response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


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


class LogPage(BaseModel):
    items: list[LogEntry]
    next_after: int | None = Field(description="pass as ?after= for the next page; null at end")
    position: int = Field(description="the log position this page was read at")


class EventDetail(LogEntry):
    retracted: bool
    as_corrected: dict[str, Any] = Field(description="the event with its corrections applied")
    corrections: list[LogEntry] = Field(description="corrections and retractions of this event")


class PolicySummary(BaseModel):
    policy_id: str
    kind: str | None
    status: str
    version: int
    title: str | None
    jurisdiction: str | None


class PolicyPage(BaseModel):
    items: list[PolicySummary]
    next_after: str | None


class PolicyDetail(PolicySummary):
    current: dict[str, Any] = Field(description="the policy's fields as its events now tell them")
    suspended_since: str | None
    suspended_until: str | None
    latest_progress: dict[str, Any] | None
    history: list[LogEntry]


class Health(BaseModel):
    status: str
    position: int
