"""The HTTP/1.1 connection handling ``serve`` uses: uvicorn's httptools protocol with two
guards it lacks, applied before a request reaches the application.

* **Header deadline.** A connection must deliver a request's line and headers within
  ``HEADER_SECONDS`` of opening or of starting that request; otherwise it is answered 408 and
  closed. Without it a client sending half a request line holds a socket (and a file
  descriptor) for ever, and enough of them exhaust the process's open-file limit. A response
  being streamed (a live view) is not a request waiting for its headers and is never cut.
* **Header size.** A request line and headers over ``MAX_HEADER_BYTES`` are answered 431.

``serve`` also raises the soft limit on open files to the hard one, since every open
connection holds a file descriptor.
"""

from __future__ import annotations

import asyncio
import json
import resource

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from service.streams.liveness import TRANSPORT_EXTENSION

HEADER_SECONDS = 10.0
MAX_HEADER_BYTES = 32 * 1024
# Bytes that may arrive before the headers end: the headers plus the start of a body sent in
# the same packets. Past this, a header that never ends is refused before it is stored whole.
_RAW_SLACK = 256 * 1024


PROTOCOL = "service.http.server:GuardedHttpToolsProtocol"  # for uvicorn's ``http`` option


def raise_open_file_limit() -> int:
    """Raise this process's soft limit on open files to its hard limit (each connection holds
    one); returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft


class _HeadersTooLarge(Exception):
    pass


def _answer(status: int, reason: str, code: str, message: str) -> bytes:
    body = json.dumps({"error": {"code": code, "message": message, "details": []}}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


TOO_LARGE = _answer(
    431,
    "Request Header Fields Too Large",
    "headers_too_large",
    f"the request line and headers are over the limit of {MAX_HEADER_BYTES} bytes",
)
TOO_SLOW = _answer(
    408,
    "Request Timeout",
    "request_timeout",
    f"the request line and headers did not arrive within {HEADER_SECONDS:g} s",
)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    _header_timer: asyncio.TimerHandle | None = None
    _awaiting_headers = True
    _header_bytes = 0
    _raw_bytes = 0
    _too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers:
            self._raw_bytes += len(data)
            if self._raw_bytes > MAX_HEADER_BYTES + _RAW_SLACK:
                self._refuse(TOO_LARGE)
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # The connection's transport, for a live stream to bound how long its peer may stay
        # silent (service.streams.liveness); ASGI lets a server add extensions to the scope.
        self.scope["extensions"] = {TRANSPORT_EXTENSION: {"transport": self.transport}}
        self._expect_headers()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._cancel_timer()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        # The parser reports an error raised by a callback as a malformed request.
        if self._too_large:
            self._refuse(TOO_LARGE)
            return
        super().send_400_response(msg)

    def _expect_headers(self) -> None:
        self._awaiting_headers = True
        self._header_bytes = 0
        self._raw_bytes = 0
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(HEADER_SECONDS, self._headers_overdue)

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > MAX_HEADER_BYTES:
            self._too_large = True
            raise _HeadersTooLarge

    def _cancel_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_overdue(self) -> None:
        self._header_timer = None
        if self._awaiting_headers and not self.transport.is_closing():
            self._refuse(TOO_SLOW)

    def _refuse(self, answer: bytes) -> None:
        self._cancel_timer()
        if not self.transport.is_closing():
            self.transport.write(answer)
            self.transport.close()
