"""The API's errors as exceptions: one class per error ``code`` the API answers, each a
``TimelineError`` carrying the HTTP status, the code, the message and the details.

Every refusal comes as ``{"error": {"code", "message", "details"}}``; the class is chosen by
``code`` alone (``position_not_recorded`` is a 409 for a stream's ``after`` and a 422 for
``known_at``: one class, the status tells which). A code this client does not know, or an
answer without the envelope (a proxy's error page), raises ``TimelineError`` itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class TimelineError(Exception):
    """An error answer of the API. ``str(error)`` is the server's message."""

    # The code a subclass stands for (an instance holds the one answered, the same but for
    # the base class, which takes any code this client does not know).
    code: str = ""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
        url: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.retry_after = retry_after  # seconds, from Retry-After (503s and 429s)
        self.url = url  # what was asked, without its query

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r}, {self.message!r})"


# 400: the request cannot be read.
class BadRequest(TimelineError):
    """400 ``bad_request``: a request the HTTP layer cannot read."""

    code = "bad_request"


class MalformedJson(TimelineError):
    """400 ``malformed_json``: the body is not JSON."""

    code = "malformed_json"


class EmptyBody(TimelineError):
    """400 ``empty_body``: a write without a body."""

    code = "empty_body"


class DuplicateKey(TimelineError):
    """400 ``duplicate_key``: the body names a key twice in one object."""

    code = "duplicate_key"


# 401, 403: the key.
class Unauthorized(TimelineError):
    """401 ``unauthorized``: no key where one is needed, or an unknown, malformed or revoked
    key."""

    code = "unauthorized"


class Forbidden(TimelineError):
    """403 ``forbidden``: the key's role is too low."""

    code = "forbidden"


# 404, 405, 408: the route.
class NotFound(TimelineError):
    """404 ``not_found``: no such event, policy, view, key or route."""

    code = "not_found"


class MethodNotAllowed(TimelineError):
    """405 ``method_not_allowed``."""

    code = "method_not_allowed"


class RequestTimeout(TimelineError):
    """408 ``request_timeout``: the request line and headers took too long to arrive."""

    code = "request_timeout"


# 409: a policy's lifecycle.
class PolicyNotFound(TimelineError):
    """409 ``policy_not_found``: a follow-up event for a policy that does not exist."""

    code = "policy_not_found"


class PolicyExists(TimelineError):
    """409 ``policy_exists``: opening a policy twice."""

    code = "policy_exists"


class PolicyEnded(TimelineError):
    """409 ``policy_ended``: acting on a lifted or ended policy."""

    code = "policy_ended"


class WrongPolicyKind(TimelineError):
    """409 ``wrong_policy_kind``: e.g. a funding move on an export control."""

    code = "wrong_policy_kind"


class AlreadySuspended(TimelineError):
    """409 ``already_suspended``: suspending a suspended control."""

    code = "already_suspended"


class NotSuspended(TimelineError):
    """409 ``not_suspended``: reinstating what is not suspended."""

    code = "not_suspended"


# 409: corrections and retractions.
class EventNotFound(TimelineError):
    """409 ``event_not_found``: correcting or retracting an event that is not recorded."""

    code = "event_not_found"


class EventRetracted(TimelineError):
    """409 ``event_retracted``: correcting or retracting a retracted event."""

    code = "event_retracted"


class WrongPolicy(TimelineError):
    """409 ``wrong_policy``: the corrected event belongs to another policy."""

    code = "wrong_policy"


class CannotAmendCorrection(TimelineError):
    """409 ``cannot_amend_correction``: correcting a correction (correct the original)."""

    code = "cannot_amend_correction"


# 409: concurrent writers and the log's end.
class VersionConflict(TimelineError):
    """409 ``version_conflict``: ``expected_version`` is stale."""

    code = "version_conflict"


class ConcurrentWrite(TimelineError):
    """409 ``concurrent_write``: another writer changed the policy at the same moment."""

    code = "concurrent_write"


class EventIdReused(TimelineError):
    """409 ``event_id_reused``: an ``event_id`` sent again with another body."""

    code = "event_id_reused"


class PositionNotRecorded(TimelineError):
    """409 (``min_position``, a stream's ``after``) or 422 (``known_at=position=N``)
    ``position_not_recorded``: a position beyond the end of the log."""

    code = "position_not_recorded"


class Conflict(TimelineError):
    """409 ``conflict``: a key name that is taken or reserved."""

    code = "conflict"


# 413, 415, 422, 431: the request's content.
class PayloadTooLarge(TimelineError):
    """413 ``payload_too_large``: the body is over the server's limit."""

    code = "payload_too_large"


class UnsupportedMediaType(TimelineError):
    """415 ``unsupported_media_type``: the body is not sent as JSON."""

    code = "unsupported_media_type"


class Invalid(TimelineError):
    """422 ``invalid``: a body or parameter that does not validate; ``details`` names each bad
    field."""

    code = "invalid"


class InvalidCorrection(TimelineError):
    """422 ``invalid_correction``: a correction whose changes would make the event invalid."""

    code = "invalid_correction"


class PolicyIdRequired(TimelineError):
    """422 ``policy_id_required``: a follow-up event without ``policy_id``."""

    code = "policy_id_required"


class HeadersTooLarge(TimelineError):
    """431 ``headers_too_large``: the request line and headers are over the limit."""

    code = "headers_too_large"


# 5xx: the server.
class Internal(TimelineError):
    """500 ``internal``: a bug in the server."""

    code = "internal"


class ViewBehind(TimelineError):
    """503 ``view_behind``: a view has not reached the position asked for yet; retry after
    ``retry_after`` seconds."""

    code = "view_behind"


class Unavailable(TimelineError):
    """503 ``unavailable``: the database is not answering (restarting?); retry after
    ``retry_after`` seconds."""

    code = "unavailable"


class Error(TimelineError):
    """``error``: any other status the HTTP layer answers."""

    code = "error"


ERRORS: Mapping[str, type[TimelineError]] = {
    cls.code: cls for cls in TimelineError.__subclasses__() if cls.code
}


def error_from(status: int, body: bytes, headers: Mapping[str, str], url: str) -> TimelineError:
    """The exception for an error answer to ``url``: its class chosen by the envelope's
    code."""
    retry_after = _seconds(headers.get("retry-after"))
    try:
        error = json.loads(body)["error"]
        code, message = str(error["code"]), str(error["message"])
        details = list(error.get("details") or [])
    except (ValueError, KeyError, TypeError):
        # Not the API's envelope: a proxy or something else in between answered.
        message = f"{url} answered HTTP {status}"
        return TimelineError(status, "", message, [], retry_after, url)
    return ERRORS.get(code, TimelineError)(status, code, message, details, retry_after, url)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the API sends seconds, a proxy may not
