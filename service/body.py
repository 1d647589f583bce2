"""Reading a JSON request body: validated strictly, errors in the API's shape.

Bodies are validated from the JSON text itself (not from a parsed dict) so that pydantic's
strict JSON mode applies: a date is a ``YYYY-MM-DD`` string, a number is not a string.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from pydantic import TypeAdapter, ValidationError

from service.errors import ApiError, field_errors

T = TypeVar("T")


JSON_MEDIA_TYPE = "application/json"


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def read_body(request: Request) -> bytes:
    """The body (its size is bounded by ``service.http_guards.BodyLimit``), which must be
    declared JSON: a form or plain text sent by mistake is refused, not guessed at."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE and not media_type.endswith("+json"):
        declared = f"Content-Type {media_type!r}" if media_type else "no Content-Type"
        raise ApiError(
            415,
            "unsupported_media_type",
            f"the body must be JSON sent with 'Content-Type: application/json' ({declared} "
            "was sent)",
        )
    body = await request.body()
    if not body.strip():
        raise ApiError(400, "empty_body", "the request body is empty; send a JSON object")
    return body


def _unique_keys(pairs: list[tuple[str, Any]]) -> None:
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen.add(key)


def refuse_duplicate_keys(body: bytes) -> None:
    """400 for an object naming a key twice. JSON parsers keep the last one silently, so
    ``{"policy_id": "a", …, "policy_id": "b"}`` would store ``b`` while its author may have
    meant ``a``. (Malformed JSON is left for the validator to describe.)"""
    try:
        json.loads(body, object_pairs_hook=_unique_keys)
    except _DuplicateKey as duplicate:
        raise ApiError(
            400,
            "duplicate_key",
            f"the body names the key {duplicate.key!r} twice in one object; send each once",
        ) from None
    except (ValueError, RecursionError):
        pass


def parse(adapter: TypeAdapter[T], body: bytes, what: str = "event") -> T:
    refuse_duplicate_keys(body)
    try:
        return adapter.validate_json(body)
    except ValidationError as error:
        issues = error.errors()
        if issues and issues[0]["type"] == "json_invalid":
            raise ApiError(
                400, "malformed_json", f"the body is not valid JSON: {issues[0]['msg']}"
            ) from None
        details = field_errors(error)
        fields = ", ".join(dict.fromkeys(d["field"] or "(body)" for d in details))
        raise ApiError(422, "invalid", f"invalid {what}: {fields}", details) from None


def schema_ref(name: str) -> dict[str, Any]:
    """``openapi_extra`` for an endpoint whose JSON body is the component ``name``."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    }
