"""One kept-alive HTTP/1.1 connection to a webhook's receiver: asyncio streams, with h11 for
the protocol (framing, keep-alive, chunked answers).

Not httpx, which the rest of the service uses as a client: a delivery is one small POST, and
httpx spent about 0.7-1 ms of CPU on each here (about six times this), which at 50 webhooks
and 20 changes a second is most of a core taken from the API. A webhook sends one change at
a time, so one connection per webhook is all the pooling it needs.
"""

from __future__ import annotations

import asyncio
import ssl

import h11

from service.webhooks.ssrf import Address

READ_BYTES = 65_536
MOST_ANSWER_BYTES = 65_536  # read of an answer's body (and dropped) before hanging up
_tls: ssl.SSLContext | None = None


class ProtocolError(Exception):
    """The receiver broke HTTP/1.1, or closed the connection before answering."""


def tls_context() -> ssl.SSLContext:
    """The default context (system CAs, hostname checked), made once: loading the CAs is
    the slow part."""
    global _tls
    if _tls is None:
        _tls = ssl.create_default_context()
    return _tls


class Connection:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, address: Address
    ) -> None:
        self.address = address
        self._reader = reader
        self._writer = writer
        self._h11 = h11.Connection(h11.CLIENT)
        self.used = False  # has answered a request before (a reused connection may be stale)

    @classmethod
    async def open(
        cls, address: Address, port: int, tls_name: str | None, tls: ssl.SSLContext | None = None
    ) -> Connection:
        """Connect to ``address`` (already checked); with ``tls_name``, over TLS (``tls``, by
        default the system's CAs), checking the certificate against that name (and sending it
        as SNI)."""
        reader, writer = await asyncio.open_connection(
            str(address),
            port,
            ssl=(tls or tls_context()) if tls_name is not None else None,
            server_hostname=tls_name,
            limit=READ_BYTES,
        )
        return cls(reader, writer, address)

    @property
    def reusable(self) -> bool:
        return (
            self._h11.our_state is h11.IDLE
            and not self._writer.is_closing()
            and not self._reader.at_eof()
        )

    async def post(self, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
        """Send the request and read the answer (its body dropped); its status."""
        request = h11.Request(method=b"POST", target=target, headers=headers)
        self._writer.write(
            self._h11.send(request)  # type: ignore[operator]
            + self._h11.send(h11.Data(data=body))  # type: ignore[operator]
            + self._h11.send(h11.EndOfMessage())  # type: ignore[operator]
        )
        await self._writer.drain()
        status = 0
        read = 0
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                read += len(event.data)
                if read > MOST_ANSWER_BYTES:
                    self.close()  # a large answer is not read to its end: no reuse
                    return status
            elif isinstance(event, h11.EndOfMessage):
                break
        self.used = True
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
        else:
            self.close()
        return status

    async def _next_event(self) -> object:
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as error:
                raise ProtocolError(f"the receiver broke HTTP/1.1: {error}") from None
            if event is h11.NEED_DATA:
                self._h11.receive_data(await self._reader.read(READ_BYTES))
                continue
            if isinstance(event, h11.ConnectionClosed):
                raise ProtocolError("the receiver closed the connection without answering")
            return event

    def close(self) -> None:
        self._writer.close()
