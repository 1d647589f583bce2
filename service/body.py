"""Reading a JSON request body: bounded in size, validated strictly, errors in the API's shape.

Bodies are validated from the JSON text itself (not from a parsed dict) so that pydantic's
strict JSON mode applies: a date is a ``YYYY-MM-DD`` string, a number is not a string.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import TypeAdapter, ValidationError

from service.errors import ApiError, field_errors

T = TypeVar("T")


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body.strip():
        raise ApiError(400, "empty_body", "the request body is empty; send a JSON object")
    return body


def parse(adapter: TypeAdapter[T], body: bytes) -> T:
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
        raise ApiError(422, "invalid", f"invalid event: {fields}", details) from None


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"the body is over the limit of {limit} bytes")


def schema_ref(name: str) -> dict[str, Any]:
    """``openapi_extra`` for an endpoint whose JSON body is the component ``name``."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    }
