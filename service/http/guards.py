"""Guards every HTTP request and response passes through: a request-body size limit, no NUL in
the URL, and security headers.

Both are plain ASGI middleware, so streaming responses (SSE) pass untouched and a body is
counted as it arrives, not after it has been buffered.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.errors import ApiError, error_response

CONTENT_SECURITY_POLICY = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    b"frame-ancestors 'none'"
)
# On every answer, the API reference pages included: they load nothing from elsewhere.
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY),
]


def too_large(limit: int) -> str:
    return f"the request body is over the limit of {limit} bytes"


class BodyLimit:
    """413 for a body over ``limit`` bytes: at once when Content-Length says so, otherwise as
    soon as the bytes read pass it (before the endpoint acts on any of it)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            answer = error_response(ApiError(413, "payload_too_large", too_large(self.limit)))
            await answer(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                # FastAPI passes an HTTPException from a body read on to the error handlers.
                raise HTTPException(413, too_large(self.limit))
            return message

        await self.app(scope, counted, send)


class NoNulInUrl:
    """422 for a NUL character anywhere in the path or query: no identifier, filter or search
    holds one, and PostgreSQL text cannot (a NUL would otherwise reach a query)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            refusal = ApiError(
                422, "invalid", "the URL holds a NUL character (%00), which no parameter takes"
            )
            await error_response(refusal)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
