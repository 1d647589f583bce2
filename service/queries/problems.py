"""Why a read or a write cannot be answered, without any transport: the HTTP edge maps each
kind to a status (``service.http.errors``), the CLI prints the message and exits non-zero.

Each problem carries the API's error ``code`` and, for an invalid parameter, ``details``
naming the field."""

from __future__ import annotations

from typing import Any


class Problem(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or []
        self.retry_after = retry_after


class BadRequest(Problem):
    """The request cannot be read at all (malformed JSON, a key named twice) (400)."""


class NotFound(Problem):
    """Nothing by that name (a view, an event, a policy) was recorded."""


class Invalid(Problem):
    """A parameter cannot be understood or asks for something that cannot be (422)."""


class Conflict(Problem):
    """The request is valid but disagrees with the state of the log (409)."""


class Behind(Problem):
    """A view has not yet reached what the caller asked for; retrying soon will do (503)."""


def invalid(field: str, message: str, detail: str | None = None) -> Invalid:
    """An ``invalid`` problem with one field named in its details."""
    return Invalid("invalid", message, [{"field": field, "message": detail or message}])
