"""What a real server (`policy-timeline serve`) does with requests that never finish arriving,
and with oversized headers, before any of it reaches the application."""

from __future__ import annotations

import resource
import socket
import time
from pathlib import Path

import httpx
import pytest

from service.http.server import HEADER_SECONDS, MAX_HEADER_BYTES
from tests.support.server import server_process

pytestmark = pytest.mark.backend_independent

OPEN_FILES = 1024
HALF_OPEN = 1050  # more sockets than the server may hold files


def test_headers_over_the_limit_are_answered_431(tmp_path: Path) -> None:
    with server_process(tmp_path) as (base, _, _):
        response = httpx.get(f"{base}/healthz", headers={"X-Made-Up": "a" * 65_536})
        assert response.status_code == 431
        assert response.json()["error"]["code"] == "headers_too_large"
        within = httpx.get(f"{base}/healthz", headers={"X-Made-Up": "a" * (MAX_HEADER_BYTES // 2)})
        assert within.status_code == 200


def test_half_sent_requests_are_cut_off_and_cannot_exhaust_the_server(tmp_path: Path) -> None:
    """1,050 sockets that each send half a request line, against a server allowed 1,024 open
    files: once the header deadline passes they are answered 408 and closed, and the server
    answers again."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < HALF_OPEN + 100:
        pytest.skip(f"this process may open only {hard} files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, HALF_OPEN + 100), hard))
    with server_process(tmp_path, open_files=OPEN_FILES) as (base, _, process):
        port = int(base.rsplit(":", 1)[1])
        sockets = []
        try:
            started = time.monotonic()
            for _ in range(HALF_OPEN):
                connection = socket.create_connection(("127.0.0.1", port), timeout=30)
                connection.sendall(b"GET /heal")
                sockets.append(connection)
            deadline = started + HEADER_SECONDS + 15
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not recover"
                time.sleep(0.2)
            assert process.poll() is None
            answered = sockets[0].recv(200)  # (those past the limit may be reset instead)
            assert answered.startswith(b"HTTP/1.1 408"), answered
        finally:
            for connection in sockets:
                connection.close()
