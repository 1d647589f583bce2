"""A real HTTP receiver for webhook tests: ``http.server`` on loopback in a thread, recording
every request (path, headers, body) and answering each path as the test scripts it."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what it was answered
    at: float  # time.monotonic() when it arrived

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    def verified(self, secret: str) -> object:
        """The body as ``standardwebhooks`` verifies it (raises when the signature is wrong)."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Script:
    """How a path answers: ``statuses`` in turn (the last one repeated), each after ``delay``
    seconds."""

    statuses: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    served: int = 0

    def next_status(self) -> int:
        status = self.statuses[min(self.served, len(self.statuses) - 1)]
        self.served += 1
        return status


class Receiver:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.scripts: dict[str, Script] = {}
        self.requests: list[Received] = []
        self.arrivals: list[tuple[str, str]] = []  # (path, id) as each arrives, before answering
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                arrived = time.monotonic()
                with receiver._lock:
                    script = receiver.scripts.setdefault(self.path, Script())
                    status = script.next_status()
                    receiver.arrivals.append((self.path, self.headers.get("webhook-id", "")))
                if script.delay:
                    time.sleep(script.delay)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    receiver.requests.append(Received(self.path, headers, body, status, arrived))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def script(self, path: str, statuses: list[int], delay: float = 0.0) -> str:
        self.scripts[path] = Script(statuses, delay)
        return self.url(path)

    def at(self, path: str, ok_only: bool = False) -> list[Received]:
        with self._lock:
            return [
                r for r in self.requests
                if r.path == path and (not ok_only or 200 <= r.status < 300)
            ]  # fmt: skip

    def arrived(self, path: str) -> list[str]:
        """The ids of the requests to ``path`` that arrived, answered or not yet."""
        with self._lock:
            return [i for p, i in self.arrivals if p == path]

    def wait(self, done: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"not done within {timeout} s: {len(self.requests)} received")
            time.sleep(0.05)


@contextmanager
def receiving(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """A receiver on loopback; with ``tls``, answering https with that server context."""
    receiver = Receiver(tls)
    receiver._thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
