"""Noticing a subscriber that vanished without closing its connection.

A subscriber can disappear with no FIN and no RST: its cable is pulled, its laptop sleeps, a
NAT forgets it; or it stays connected and stops reading. Either way the server would keep its
subscriber, its queue, its socket and the kernel's buffers for as long as TCP lets it, which
by default is far too long. What the Linux kernel does, measured on 6.18 with two network
namespaces joined by a user-space wire that can be cut (``tests/support/cable.py``) and with
a reader whose receive buffer is 4 KiB:

* **A silent peer** (cable pulled). The next heartbeat stays unacknowledged; the kernel
  retransmits it with exponential backoff for ``tcp_retries2`` (15) tries, about 15 minutes
  (still established after 8 s, its backoff growing). TCP keepalive does not help: its timer
  stands aside while sent data waits for an acknowledgement, which a heartbeat always
  provides (keepalive at 1 s + 2 × 1 s dropped an idle connection after 3.5 s; one with
  heartbeats was still established after 8 s).
* **A peer that stops reading.** Its kernel acknowledges until its receive buffer is full,
  then advertises a zero window and answers the sender's zero-window probes for ever (still
  established after 12 s of probing, as RFC 1122 asks). Until that buffer is full nothing
  tells it from a live subscriber on a quiet stream: a 4 KiB buffer took 80 heartbeat
  comments (4,048 bytes), a default one (128 KiB) would take about 2,600, 11 hours at 15 s.
  It costs no more than that buffer meanwhile, and shows the moment data waits for it.
* ``TCP_USER_TIMEOUT`` bounds both: sent data unacknowledged for that long (the cut
  connection failed with ``ETIMEDOUT`` 2.0-2.5 s after its first lost write, at 2 s), and,
  since Linux 5.11, a zero window probed for that long while data waits (failed 2 s after
  probing began). Every acknowledgement, and every window a reader reopens by reading, starts
  the clock again.
* The send buffer grows by itself up to ``tcp_wmem``'s maximum (4 MiB here): the kernel took
  2.99 MB for the stalled reader before refusing more, kernel memory held per stalled
  subscriber and, at ~700 bytes a message, thousands of messages beyond the subscriber's
  bounded queue. Asked for 128 KiB (the kernel doubles it), it took 199 KB.

So a live stream's socket gets ``TCP_USER_TIMEOUT`` of one heartbeat interval
(``POLICY_TIMELINE_STREAM_HEARTBEAT_SECONDS``) and a fixed send buffer of ``SEND_BUFFER``. A
heartbeat goes out at least once per interval, so a peer that vanished has unacknowledged
data within one interval and is given up one interval later: within two heartbeats. A peer
that stopped reading is given up one interval after data started waiting for it. When the
kernel fails the socket, the event loop sees the error, uvicorn reports ``http.disconnect``,
sse-starlette ends the response and the hub's generator unsubscribes (its queue goes,
``policy_timeline_stream_subscribers`` drops). With a 1 s heartbeat the server let go of a
reader that stopped 1.4-1.6 s after data began to wait for it, and of a cut connection
2.1-2.3 s after the cut (``tests/process/test_vanished_subscriber.py``).

What counts as alive: taking some data (enough for its receive window to reopen) at least once
per heartbeat interval whenever data waits. 256 KiB in flight still carries 2.5 MB/s at a 100 ms
round trip. A reader that falls further behind is cut off and resumes exactly with
``Last-Event-ID``, as after an overflow; one that overflows first is sent its ``overflow``
message when it reads again, if it does so within the interval. Both options stay with the
connection if it serves more requests after the stream ends (a client that then takes nothing of
a response for an interval is let go too). Where ``TCP_USER_TIMEOUT`` does not exist (not Linux)
or the server does not expose the connection (a server other than ``serve``'s protocol), the
stream's send timeout remains, which acts only once the transport's own buffer is full. Behind a
reverse proxy the proxy is the peer, and its own timeouts decide about the client.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any, Protocol

# Where ``service.http.server`` puts a request's transport in the ASGI scope's extensions.
TRANSPORT_EXTENSION = "policy_timeline.transport"
# A stream socket's send buffer, asked for (Linux doubles it for its own bookkeeping).
SEND_BUFFER = 128 * 1024


class Transport(Protocol):
    """What is used of a connection's transport (asyncio's, or uvloop's, which is not an
    ``asyncio.BaseTransport``)."""

    def get_extra_info(self, name: str, default: Any = None) -> Any: ...

    def is_closing(self) -> bool: ...


def transport_of(scope: Mapping[str, Any]) -> Transport | None:
    """The connection's transport, when the server exposes it (``serve`` does)."""
    extension = scope.get("extensions", {}).get(TRANSPORT_EXTENSION, {})
    transport = extension.get("transport")
    return transport if hasattr(transport, "get_extra_info") else None


def give_up_after(transport: Transport | None, seconds: float) -> bool:
    """Have the kernel fail the connection when what is sent on it stays unacknowledged, or
    waits on a zero window, for ``seconds``, and hold at most ``SEND_BUFFER`` for it. False
    when the first cannot be done here."""
    if transport is None or transport.is_closing():
        return False
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    option = getattr(socket, "TCP_USER_TIMEOUT", None)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        if option is None:
            return False
        sock.setsockopt(socket.IPPROTO_TCP, option, max(1, round(seconds * 1000)))
    except OSError:
        return False  # the connection is already gone, or the option is refused
    return True
