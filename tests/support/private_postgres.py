"""A PostgreSQL cluster of the test's own, which it may restart while a server uses it.

The suite's shared server cannot be restarted under the tests running beside it, so these
tests make a cluster in a temporary folder with the machine's PostgreSQL binaries (Debian's
``postgresql`` package, which ``.ci/run`` installs) on a free port, listening on loopback
only, and remove it afterwards. PostgreSQL refuses to run as root: as root, its commands run
as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg

from tests.support.server import free_port


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl, the newest version installed; None without them."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class PrivateCluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="pt-restart-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")

    def _run(self, *command: str) -> None:
        full = [str(self.bindir / command[0]), *command[1:]]
        if self._as_postgres:
            full = ["runuser", "-u", "postgres", "--", *full]
        subprocess.run(full, check=True, capture_output=True, text=True, timeout=120)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()

    def _options(self) -> str:
        return f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-o", self._options(), "-w", "start",
                  "-l", str(self.folder / "server.log"))  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, down_for: float = 0.0) -> float:
        """``pg_ctl restart -m fast`` as an operator would, or with ``down_for`` a fast stop
        and a start that many seconds later; returns the moment (monotonic) it answered
        again."""
        if down_for:
            self.stop("fast")
            time.sleep(down_for)
            self.start()
        else:
            self._run("pg_ctl", "-D", str(self.data), "-o", self._options(), "-m", "fast",
                      "-w", "restart", "-l", str(self.folder / "server.log"))  # fmt: skip
        while True:
            try:
                with psycopg.connect(self.url, connect_timeout=2):
                    return time.monotonic()
            except psycopg.OperationalError:
                time.sleep(0.02)

    def new_database(self, name: str) -> str:
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def remove(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    bindir = binaries()
    if bindir is None:
        raise FileNotFoundError("no PostgreSQL binaries (pg_ctl) on this machine")
    cluster = PrivateCluster(bindir)
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.remove()
