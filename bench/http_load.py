"""A minimal HTTP/1.1 load client for the benchmarks: persistent connections on raw asyncio
streams. httpx costs more CPU per request than the server under test (measured here: it
capped POST /events at ~190/s while wrk drove the same server at ~800/s), so the benchmark
client must be lighter than what it measures."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self.reader = reader
        self.writer = writer
        self.host = host

    @classmethod
    async def open(cls, base: str) -> Connection:
        url = urlsplit(base)
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        return cls(reader, writer, f"{url.hostname}:{url.port}")

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def post_events(
    base: str, bodies: list[dict[str, Any]], clients: int, headers: dict[str, str]
) -> tuple[float, list[float]]:
    """Post each body once over ``clients`` connections; (events/s, latencies in seconds)."""
    headers = {**headers, "Content-Type": "application/json"}
    payloads = [json.dumps(b).encode() for b in bodies]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for payload in payloads:
        queue.put_nowait(payload)
    latencies: list[float] = []
    connections = [await Connection.open(base) for _ in range(clients)]

    async def worker(connection: Connection) -> None:
        while not queue.empty():
            payload = queue.get_nowait()
            sent = time.perf_counter()
            status, answer = await connection.request("POST", "/events", payload, headers)
            latencies.append(time.perf_counter() - sent)
            if status != 201:
                raise RuntimeError(f"{status}: {answer[:300]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return len(bodies) / elapsed, latencies
