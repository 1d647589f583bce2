"""The event catalogue: every kind of policy move the timeline records, as pydantic models.

A request body is one of these, chosen by its ``type``. Models are strict (a number is not a
string, a date is ``YYYY-MM-DD``) and reject unknown fields, because a field the service
silently dropped would be a fact the analyst believed was recorded and was not.

Validate with :data:`EVENT_ADAPTER` on JSON text (``validate_json``): strict mode reads dates
and UUIDs from JSON strings, and nothing else.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

from domain import codes, materials

MAX_TITLE = 500
MAX_TEXT = 10_000
MAX_NAME = 300
MAX_LIST = 100
MAX_BATCH = 10_000

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DECIMAL_PATTERN = r"^(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,6})?$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]
PolicyId = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=3, max_length=80)]
Percent = Annotated[float, Field(ge=0, le=100)]


def _jurisdiction(value: str) -> str:
    if not codes.is_jurisdiction(value):
        raise ValueError("must be an ISO 3166-1 alpha-2 country code (e.g. CN, US, IN) or EU")
    return value


def _currency(value: str) -> str:
    if not codes.is_currency(value):
        raise ValueError("must be an ISO 4217 currency code (e.g. USD, EUR, INR)")
    return value


def _material(value: str) -> str:
    return materials.normalise(value)


def _unique(values: list[str]) -> list[str]:
    # "Dy" and "dysprosium" normalise to one material; list it once.
    return list(dict.fromkeys(values))


def _decimal_string(value: str) -> str:
    # Canonical text of the exact value: "258000000.0" and "258000000" are one amount.
    normalised = format(Decimal(value).normalize(), "f")
    if Decimal(normalised) == 0:
        raise ValueError("must be greater than zero")
    return normalised


# The lengths bound what is looked up; the validators give the helpful message.
# How sure the recorded source is, from the most certain; reads leave out the less certain.
Confidence = Literal["confirmed", "reported", "unverified"]
Jurisdiction = Annotated[str, StringConstraints(max_length=8), AfterValidator(_jurisdiction)]
Currency = Annotated[str, StringConstraints(max_length=8), AfterValidator(_currency)]
Material = Annotated[str, StringConstraints(max_length=100), AfterValidator(_material)]
MaterialList = Annotated[list[Material], Field(max_length=MAX_LIST), AfterValidator(_unique)]
DecimalString = Annotated[
    str,
    StringConstraints(pattern=DECIMAL_PATTERN, max_length=40),
    AfterValidator(_decimal_string),
    Field(description='a positive exact decimal as a string, e.g. "258000000"'),
]
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2199, 12, 31)


def _policy_date(value: date) -> date:
    # Dates outside this span are typing slips (0001-01-01, 9999-12-31), not policy history or
    # plans, and the views' day arithmetic need not reach them.
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"must lie within {FIRST_DATE} … {LAST_DATE}")
    return value


PolicyDate = Annotated[
    date,
    AfterValidator(_policy_date),
    Field(
        description=f"a date YYYY-MM-DD within {FIRST_DATE} … {LAST_DATE}",
        # The span as a pattern too, so that clients generating requests from the schema
        # (schemathesis here) keep to it.
        json_schema_extra={
            "formatMinimum": str(FIRST_DATE),
            "formatMaximum": str(LAST_DATE),
            "pattern": r"^(19[0-9]{2}|2[01][0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        },
    ),
]
HsCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,10}(?:\.[0-9]{1,6})*$", max_length=32)]


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, BaseModel):
        return any(_holds_nul(v) for v in value.__dict__.values())
    return False


_NUL_WRITTEN = b"\\u0000"


def _fields_of(value: object) -> Any:
    if isinstance(value, BaseModel):
        return value.__dict__
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


class Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Source(Model):
    title: Title
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)] | None


class Money(Model):
    value: DecimalString
    currency: Currency

    def as_decimal(self) -> Decimal:
        return Decimal(self.value)


def _absent_if_none(value: object) -> bool:
    return value is None


def added_later(description: str) -> Any:
    """A field added after events were first stored: written only when given, so that an event
    stored before it existed, posted again unchanged, still has the same body (digest)."""
    return Field(default=None, description=description, exclude_if=_absent_if_none)


LanguageTag = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$", max_length=35),
    Field(description="a BCP 47 language tag, e.g. zh-Hans, ja"),
]


class Act(Model):
    """The legal act (an announcement, an order) an event is a measure of; one act may hold
    several measures, recorded as events of several policies that name the same ``id``."""

    id: PolicyId
    title: Title


class EventBase(Model):
    """The fields every event carries (docs/design.md, the write side)."""

    event_id: UUID | None = Field(
        default=None, description="client-chosen; makes the post idempotent"
    )
    policy_id: PolicyId | None = Field(
        default=None, description="slug; derived by the server on a policy's first event"
    )
    expected_version: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="optimistic concurrency: 409 unless the policy is at it"
    )
    jurisdiction: Jurisdiction
    agency: Name
    title: Title
    summary: Text = ""
    announced_on: PolicyDate
    effective_from: PolicyDate | None = None
    effective_until: PolicyDate | None = None
    materials: Annotated[MaterialList, Field(min_length=1)]
    hs_codes: Annotated[list[HsCode], Field(max_length=MAX_LIST)] = []
    targets: Annotated[list[Name], Field(max_length=MAX_LIST)] = []
    instrument: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NAME)] = ""
    sources: Annotated[list[Source], Field(min_length=1, max_length=MAX_LIST)]
    tags: Annotated[list[Name], Field(max_length=MAX_LIST)] = []
    date_precision: Literal["day", "month", "year"] = "day"
    confidence: Confidence = "confirmed"
    hs_codes_complete: bool | None = added_later(
        "whether hs_codes is the act's whole product list (false: known to be partial; "
        "absent: unknown)"
    )
    act: Act | None = added_later("the legal act this event is a measure of")
    original_language: LanguageTag | None = added_later(
        "language of original_title and original_summary (required with them)"
    )
    original_title: Title | None = added_later("the title in the original language")
    original_summary: Text | None = added_later("the summary in the original language")

    @model_validator(mode="after")
    def _original_text_has_language(self) -> EventBase:
        if (self.original_title or self.original_summary) and not self.original_language:
            raise ValueError(
                "original_language is required with original_title or original_summary"
            )
        return self

    @model_validator(mode="after")
    def _window_is_ordered(self) -> EventBase:
        starts = self.effective_from or self.announced_on
        if self.effective_until is not None and self.effective_until <= starts:
            raise ValueError(
                "effective_until must be after effective_from (or announced_on when "
                "effective_from is absent): validity intervals are [from, until)"
            )
        return self

    @model_validator(mode="after")
    def _text_has_no_nul(self) -> EventBase:
        # NUL is no character of any record worth citing, and PostgreSQL text cannot hold it.
        # Written as JSON, a NUL in any text reads ``\u0000``: one scan of that (in C) clears
        # nearly every event, where walking each value in Python was half of a validation.
        # Only text that spells it out, or a value orjson cannot write, is walked.
        try:
            written = orjson.dumps(self.__dict__, default=_fields_of)
        except TypeError:
            written = _NUL_WRITTEN
        if _NUL_WRITTEN in written:
            for name, value in self.__dict__.items():
                if _holds_nul(value):
                    raise ValueError(f"{name}: text may not contain NUL (U+0000) characters")
        return self

    @property
    def starts_on(self) -> date:
        """Valid time starts at ``effective_from``, or at ``announced_on`` without one."""
        return self.effective_from or self.announced_on


# --- export controls -------------------------------------------------------------------------


Destinations = Annotated[list[Name], Field(max_length=MAX_LIST)]


class ExportControlImposed(EventBase):
    """``targets`` empty: the control applies to every destination but ``excluded_targets``;
    otherwise to the destinations ``targets`` lists."""

    type: Literal["ExportControlImposed"]
    measure: Literal["licence_required", "ban", "extraterritorial"]
    de_minimis_percent: Percent | None = None
    excluded_targets: Destinations | None = added_later(
        "destinations the control does not apply to (with empty targets: all but these)"
    )


class ExportControlAmended(EventBase):
    """Changes a control from ``starts_on``: the event's materials, hs_codes and targets are
    the control's scope from then on; ``measure``, ``de_minimis_percent``, ``excluded_targets``
    and ``hs_codes_complete`` replace the old values when given."""

    type: Literal["ExportControlAmended"]
    measure: Literal["licence_required", "ban", "extraterritorial"] | None = None
    de_minimis_percent: Percent | None = None
    excluded_targets: Destinations | None = added_later(
        "replaces the control's excluded destinations when given ([] clears them)"
    )


class ExportControlSuspended(EventBase):
    type: Literal["ExportControlSuspended"]
    until: PolicyDate | None = Field(default=None, description="end of the suspension; null: open")

    @model_validator(mode="after")
    def _until_after_start(self) -> ExportControlSuspended:
        if self.until is not None and self.until <= self.starts_on:
            raise ValueError("until must be after the day the suspension starts")
        return self


class ExportControlReinstated(EventBase):
    type: Literal["ExportControlReinstated"]


class ExportControlLifted(EventBase):
    type: Literal["ExportControlLifted"]


# --- enforcement -----------------------------------------------------------------------------


class EnforcementActionLaunched(EventBase):
    type: Literal["EnforcementActionLaunched"]


class EnforcementActionConcluded(EventBase):
    type: Literal["EnforcementActionConcluded"]
    outcome: Text = ""


# --- funding ---------------------------------------------------------------------------------

Mechanism = Literal[
    "grant", "loan", "equity", "price_floor", "offtake", "tax_credit", "stockpile", "other"
]


class FundingCommitted(EventBase):
    type: Literal["FundingCommitted"]
    amount: Money | None = Field(description="null when the amount was not disclosed")
    amount_usd: DecimalString | None = None
    recipient: Name | None = None
    programme: Annotated[str, StringConstraints(max_length=MAX_NAME)] | None = None
    mechanism: Mechanism
    terms: Text | None = None


class FundingRevised(EventBase):
    """The new figure replaces the old one; it is not added to it."""

    type: Literal["FundingRevised"]
    amount: Money | None
    amount_usd: DecimalString | None = None
    reason: Text = ""


class FundingCancelled(EventBase):
    type: Literal["FundingCancelled"]
    reason: Text = ""


# --- self-sufficiency goals ------------------------------------------------------------------


class SelfSufficiencyGoalSet(EventBase):
    type: Literal["SelfSufficiencyGoalSet"]
    metric: Name
    target_percent: Percent | None = Field(description="null for a qualitative goal")
    comparator: Literal["at_least", "at_most"] = "at_least"
    target_description: Text | None = None
    baseline_percent: Percent | None = None
    deadline: PolicyDate | None = None


class GoalProgressReported(EventBase):
    type: Literal["GoalProgressReported"]
    value_percent: Percent
    as_of: PolicyDate


class GoalRevised(EventBase):
    """Fields given replace the goal's; fields left out stay as they were."""

    type: Literal["GoalRevised"]
    metric: Name | None = None
    target_percent: Percent | None = None
    comparator: Literal["at_least", "at_most"] | None = None
    target_description: Text | None = None
    deadline: PolicyDate | None = None


class GoalAbandoned(EventBase):
    type: Literal["GoalAbandoned"]
    reason: Text = ""


# --- tariffs and other moves -----------------------------------------------------------------


class TariffImposed(EventBase):
    type: Literal["TariffImposed"]
    rate_percent: Annotated[float, Field(ge=0, le=1000)]


class TariffLifted(EventBase):
    type: Literal["TariffLifted"]


class PolicyAnnounced(EventBase):
    type: Literal["PolicyAnnounced"]
    category: Literal[
        "regulation",
        "executive_order",
        "framework_agreement",
        "strategic_projects",
        "action_plan",
        "designation",
        "budget",
        "investment_screening",
        "other",
    ]


# --- facts about facts -----------------------------------------------------------------------


class _AboutAnEvent(EventBase):
    """Corrections and retractions belong to the corrected event's policy; jurisdiction,
    agency and materials default to that event's when left out."""

    jurisdiction: Jurisdiction | None = None  # type: ignore[assignment]
    agency: Name | None = None  # type: ignore[assignment]
    materials: MaterialList = []  # type: ignore[assignment]
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)
    ]


class EventCorrected(_AboutAnEvent):
    type: Literal["EventCorrected"]
    corrects: UUID
    changes: Annotated[dict[str, Any], Field(min_length=1, max_length=50)] = Field(
        description="fields of the corrected event with their new values"
    )


class EventRetracted(_AboutAnEvent):
    type: Literal["EventRetracted"]
    retracts: UUID


PolicyEvent = Annotated[
    ExportControlImposed
    | ExportControlAmended
    | ExportControlSuspended
    | ExportControlReinstated
    | ExportControlLifted
    | EnforcementActionLaunched
    | EnforcementActionConcluded
    | FundingCommitted
    | FundingRevised
    | FundingCancelled
    | SelfSufficiencyGoalSet
    | GoalProgressReported
    | GoalRevised
    | GoalAbandoned
    | TariffImposed
    | TariffLifted
    | PolicyAnnounced
    | EventCorrected
    | EventRetracted,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(PolicyEvent)
EVENT_TYPES: tuple[str, ...] = tuple(
    cls.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for cls in PolicyEvent.__origin__.__args__  # type: ignore[attr-defined]
)
MODEL_BY_TYPE: dict[str, type[EventBase]] = {
    cls.model_fields["type"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for cls in PolicyEvent.__origin__.__args__  # type: ignore[attr-defined]
}

# Fields a correction may not change: they name the event or where it belongs.
UNCORRECTABLE = frozenset({"type", "event_id", "policy_id", "expected_version"})


class Batch(Model):
    events: Annotated[list[PolicyEvent], Field(min_length=1, max_length=MAX_BATCH)]


BATCH_ADAPTER: TypeAdapter[Batch] = TypeAdapter(Batch)


# The title part of a derived id. With ``xx-`` before it, ``-YYYY`` after it and room for the
# longest suffix that makes it unique (``-`` and 8 hex digits), a derived id stays within the
# PolicyId limit of 80 characters.
MAX_DERIVED_STEM = 48


def derive_policy_id(event: EventBase) -> str:
    """A readable slug for a policy whose first event came without one:
    ``<jurisdiction>-<first words of the title>-<year announced>``. The title is cut after the
    last whole word that fits, never inside a word (a single word longer than the limit is
    the only thing ever cut)."""
    words = re.findall(r"[a-z0-9]+", event.title.lower())
    stem = ""
    for word in words:
        longer = f"{stem}-{word}" if stem else word
        if len(longer) > MAX_DERIVED_STEM:
            break
        stem = longer
    if not stem and words:
        stem = words[0][:MAX_DERIVED_STEM]
    jurisdiction = (event.jurisdiction or "xx").lower()
    return f"{jurisdiction}-{stem or 'policy'}-{event.announced_on.year}"
