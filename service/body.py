"""Reading a JSON request body: validated strictly, errors in the API's shape.

Bodies are validated from the JSON text itself (not from a parsed dict) so that pydantic's
strict JSON mode applies: a date is a ``YYYY-MM-DD`` string, a number is not a string.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import TypeAdapter, ValidationError

from service.errors import ApiError, field_errors

T = TypeVar("T")


async def read_body(request: Request) -> bytes:
    """The body (its size is bounded by ``service.http_guards.BodyLimit``)."""
    body = await request.body()
    if not body.strip():
        raise ApiError(400, "empty_body", "the request body is empty; send a JSON object")
    return body


def parse(adapter: TypeAdapter[T], body: bytes, what: str = "event") -> T:
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
