"""A network cable that can be pulled, for tests of a peer that vanishes without closing: two
network namespaces joined by a wire in user space (a TUN device in each, and a thread copying
packets between them). Pulling it drops every packet both ways while both kernels' TCP stacks
stay up, as a pulled cable, a sleeping laptop or a NAT that forgot the connection do; the
loopback device cannot do this (it has no queueing disciplines to drop with here).

Linux only, and it needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root) and ``/dev/net/tun``;
``unavailable()`` says why it cannot be made here. A network namespace belongs to a thread:
``unshare`` and ``setns`` move only the calling thread, and a process started from it
(a server) starts in that thread's namespace. So a test runs in a thread of its own while it
uses a cable, and leaves the rest of the test process where it was.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import select
import shutil
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
SERVER_ADDRESS = "10.77.0.1"
CLIENT_ADDRESS = "10.77.0.2"
IP = shutil.which("ip") or "/usr/sbin/ip"

T = TypeVar("T")


def unavailable() -> str | None:
    """Why a cable cannot be made here, or None when it can."""
    if not sys.platform.startswith("linux"):
        return "network namespaces are Linux only"
    if os.geteuid() != 0:
        return "making network namespaces and TUN devices needs root"
    if not Path("/dev/net/tun").exists():
        return "/dev/net/tun is absent"
    if not Path(IP).exists():
        return "iproute2's ip is absent"
    try:
        on_own_thread(lambda: Cable().close())
    except OSError as error:
        return f"cannot make a cable here: {error}"
    return None


def on_own_thread(work: Callable[[], T]) -> T:
    """``work()`` on a new thread, so that the namespaces it enters stay with that thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


class Cable:
    """Made on the calling thread, which it leaves on the server's side of the cable."""

    def __init__(self) -> None:
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._own: list[int] = []
        self.original = self._open_namespace()
        try:
            self._unshare()
            self._server_tun = self._tun("pt-server", SERVER_ADDRESS, CLIENT_ADDRESS)
            self.server_namespace = self._open_namespace()
            self._unshare()
            self._client_tun = self._tun("pt-client", CLIENT_ADDRESS, SERVER_ADDRESS)
            self.client_namespace = self._open_namespace()
            self._enter(self.server_namespace)
        except BaseException:
            self.close()
            raise
        self._pulled = threading.Event()
        self._stop_read, self._stop_write = os.pipe()
        self._own += [self._stop_read, self._stop_write]
        self._copier = threading.Thread(target=self._copy, name="cable", daemon=True)
        self._copier.start()

    def pull(self) -> None:
        """From now on every packet, either way, is lost."""
        self._pulled.set()

    @contextmanager
    def client_side(self) -> Iterator[None]:
        """Sockets made meanwhile are the client's, at ``CLIENT_ADDRESS``."""
        self._enter(self.client_namespace)
        try:
            yield
        finally:
            self._enter(self.server_namespace)

    def close(self) -> None:
        """Back to the namespace the thread started in; the namespaces go with their last
        user (the server process, when it ends)."""
        if hasattr(self, "_stop_write"):
            os.write(self._stop_write, b"x")
            self._copier.join(5)
        self._enter(self.original)
        for descriptor in self._own:
            os.close(descriptor)
        self._own.clear()

    def _copy(self) -> None:
        ends = {self._server_tun: self._client_tun, self._client_tun: self._server_tun}
        while True:
            ready, _, _ = select.select([*ends, self._stop_read], [], [])
            if self._stop_read in ready:
                return
            for source in ready:
                packet = os.read(source, 65536)
                if not self._pulled.is_set():
                    os.write(ends[source], packet)

    def _tun(self, name: str, address: str, peer: str) -> int:
        descriptor = os.open("/dev/net/tun", os.O_RDWR)
        self._own.append(descriptor)
        fcntl.ioctl(descriptor, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
        for command in (
            ["link", "set", "lo", "up"],
            ["addr", "add", address, "peer", peer, "dev", name],
            ["link", "set", name, "up"],
        ):
            subprocess.run([IP, *command], check=True, capture_output=True)
        return descriptor

    def _open_namespace(self) -> int:
        # The calling thread's own namespace, not the process's (/proc/self is the main thread).
        descriptor = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        self._own.append(descriptor)
        return descriptor

    def _unshare(self) -> None:
        if self._libc.unshare(CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"unshare(CLONE_NEWNET): {os.strerror(error)}")

    def _enter(self, namespace: int) -> None:
        if self._libc.setns(namespace, CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"setns: {os.strerror(error)}")
