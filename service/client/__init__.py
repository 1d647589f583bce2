"""A Python client of the Policy Timeline API: ``TimelineClient`` (blocking) and
``AsyncTimelineClient`` (asyncio).

It needs only httpx and httpx-sse, never the server's code, so it can be used from anywhere
the API can be reached::

    from service.client import NotFound, TimelineClient

    with TimelineClient("http://localhost:8000", api_key=None) as timeline:
        controls = timeline.view("active-export-controls", material="Dy")
        for message in timeline.subscribe("active-export-controls", after=controls["position"]):
            print(message["id"], message["event"], message["data"]["items"])

Answers are the API's JSON, typed (``service.client.answers``); every error answer raises the
``TimelineError`` subclass named after its code (``service.client.errors``); ``subscribe``
follows a live stream through network errors and server restarts
(``service.client.following``).
"""

from service.client.answers import (
    AppendAnswer,
    BatchAnswer,
    BatchItem,
    DiffAnswer,
    EventDetail,
    LogEntry,
    Message,
    PolicyDetail,
    ViewAnswer,
)
from service.client.asynchronous import AsyncTimelineClient
from service.client.errors import (
    ERRORS,
    AlreadySuspended,
    BadRequest,
    CannotAmendCorrection,
    ConcurrentWrite,
    Conflict,
    DuplicateKey,
    EmptyBody,
    Error,
    EventIdReused,
    EventNotFound,
    EventRetracted,
    Forbidden,
    HeadersTooLarge,
    Internal,
    Invalid,
    InvalidCorrection,
    MalformedJson,
    MethodNotAllowed,
    NotFound,
    NotSuspended,
    PayloadTooLarge,
    PolicyEnded,
    PolicyExists,
    PolicyIdRequired,
    PolicyNotFound,
    PositionNotRecorded,
    RequestTimeout,
    TimelineError,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    VersionConflict,
    ViewBehind,
    WrongPolicy,
    WrongPolicyKind,
)
from service.client.following import Listener
from service.client.sync import TimelineClient

__all__ = [
    "ERRORS",
    "AlreadySuspended",
    "AppendAnswer",
    "AsyncTimelineClient",
    "BadRequest",
    "BatchAnswer",
    "BatchItem",
    "CannotAmendCorrection",
    "ConcurrentWrite",
    "Conflict",
    "DiffAnswer",
    "DuplicateKey",
    "EmptyBody",
    "Error",
    "EventDetail",
    "EventIdReused",
    "EventNotFound",
    "EventRetracted",
    "Forbidden",
    "HeadersTooLarge",
    "Internal",
    "Invalid",
    "InvalidCorrection",
    "Listener",
    "LogEntry",
    "MalformedJson",
    "Message",
    "MethodNotAllowed",
    "NotFound",
    "NotSuspended",
    "PayloadTooLarge",
    "PolicyDetail",
    "PolicyEnded",
    "PolicyExists",
    "PolicyIdRequired",
    "PolicyNotFound",
    "PositionNotRecorded",
    "RequestTimeout",
    "TimelineClient",
    "TimelineError",
    "Unauthorized",
    "Unavailable",
    "UnsupportedMediaType",
    "VersionConflict",
    "ViewAnswer",
    "ViewBehind",
    "WrongPolicy",
    "WrongPolicyKind",
]
