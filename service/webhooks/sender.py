"""One webhook's delivery attempts: resolve the receiver's host, check every address
(``ssrf``), POST the signed body to a checked address, and say what came of it. An attempt
never raises for the receiver's sake: a refusal, a connection error, a timeout and a non-2xx
answer are all outcomes.

The connection goes to an address that was checked, never to the name (which could resolve
elsewhere a moment later): the ``Host`` header and, for https, the TLS server name (SNI, and
the name the certificate is checked against) are still the URL's host. The connection is
kept alive between attempts while the host still resolves to its address. Redirects are not
followed (a 3xx is a failure: the receiver's URL is the one registered), no proxy is used,
and at most 64 KiB of an answer's body is read (and dropped).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from service.webhooks.connection import Connection, ProtocolError
from service.webhooks.signing import Signer
from service.webhooks.ssrf import Address, Refused, Target, check_addresses, resolve_async

USER_AGENT = b"policy-timeline-webhooks/1"
MAX_ERROR = 300  # characters of an error kept in the deliveries' log


@dataclass(frozen=True)
class Outcome:
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Sender:
    """Sends one webhook's messages, one at a time."""

    def __init__(
        self,
        target: Target,
        signer: Signer,
        allow_private: bool,
        timeout: float,
        tls: ssl.SSLContext | None = None,  # the system's CAs unless given (tests)
    ) -> None:
        self.target = target
        self.signer = signer
        self.allow_private = allow_private
        self.timeout = timeout
        self.tls = tls
        self._connection: Connection | None = None

    async def send(self, message_id: str, body: bytes) -> Outcome:
        """POST ``body``; the whole attempt (resolving included) within the timeout."""
        at = datetime.now(UTC)
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            async with asyncio.timeout(self.timeout):
                status = await self._post(message_id, body, at)
            if not 200 <= status < 300:
                error = f"answered {status}"
        except Refused as refused:
            error = f"refused: {refused}"
        except TimeoutError:
            error = f"no answer within {self.timeout:g} s"
        except (OSError, ProtocolError, ssl.SSLError, asyncio.IncompleteReadError) as failure:
            error = type(failure).__name__ + (f": {failure}" if str(failure) else "")
        if error is not None:
            self.close()  # the next attempt starts on a fresh connection
        duration = (time.perf_counter() - started) * 1000
        return Outcome(at, status, error[:MAX_ERROR] if error else None, duration)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def _post(self, message_id: str, body: bytes, at: datetime) -> int:
        target = self.target
        addresses = check_addresses(target.host, await resolve_async(target), self.allow_private)
        headers = [
            (b"Host", target.url.netloc),
            (b"User-Agent", USER_AGENT),
            (b"Content-Type", b"application/json"),
            (b"Content-Length", str(len(body)).encode()),
            *(
                (k.encode(), v.encode())
                for k, v in self.signer.headers(message_id, body, at).items()
            ),
        ]
        path = target.url.raw_path
        kept = self._connection
        if kept is not None and kept.reusable and kept.address in addresses:
            try:
                return await kept.post(path, headers, body)
            except (OSError, ProtocolError, asyncio.IncompleteReadError):
                # Closed by the receiver while idle, most likely: once more on a new one.
                self.close()
        self.close()
        self._connection = await self._connect(addresses)
        return await self._connection.post(path, headers, body)

    async def _connect(self, addresses: list[Address]) -> Connection:
        tls_name = self.target.host if self.target.url.scheme == "https" else None
        for index, address in enumerate(addresses):
            try:
                return await Connection.open(address, self.target.port, tls_name, self.tls)
            except OSError:
                if index == len(addresses) - 1:
                    raise
        raise Refused("no address")  # check_addresses never gives an empty list
