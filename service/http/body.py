"""Reading a JSON request body: declared as JSON and not empty (its validation is
``service.parsing``'s, shared with the loader)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from service.http.errors import ApiError

JSON_MEDIA_TYPE = "application/json"


async def read_body(request: Request) -> bytes:
    """The body (its size is bounded by ``service.http.guards.BodyLimit``), which must be
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


def schema_ref(name: str) -> dict[str, Any]:
    """``openapi_extra`` for an endpoint whose JSON body is the component ``name``."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    }
