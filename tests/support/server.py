"""Starting the real service as a separate process, as `policy-timeline serve` does."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.backend import database_url

CLI = [sys.executable, "-m", "service.cli.main"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(directory: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_TIMELINE_")}
    env["POLICY_TIMELINE_DATABASE_URL"] = database_url(directory)
    env["POLICY_TIMELINE_STATE_DIR"] = str(directory)
    env.update(extra)
    return env


@contextmanager
def running_server(
    directory: Path, port: int | None = None, workers: int = 1, **extra: str
) -> Iterator[tuple[str, Path]]:
    """A real uvicorn process (on a free port unless given); yields its base URL once it
    answers, and the file its output goes to."""
    with server_process(directory, port, workers, **extra) as (base, output, _):
        yield base, output


@contextmanager
def server_process(
    directory: Path,
    port: int | None = None,
    workers: int = 1,
    open_files: int | None = None,
    **extra: str,
) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    """As :func:`running_server`, with the process too. Output goes to a file, not a pipe: an
    unread pipe fills up and stalls the server. ``open_files`` caps the server's open-file
    limit (soft and hard)."""

    def cap_open_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    port = port or free_port()
    output = directory / f"server-{port}.log"
    with output.open("w") as sink:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--workers", str(workers)],
            env=server_env(directory, **extra),
            cwd=directory,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=cap_open_files if open_files is not None else None,
        )
    base = f"http://127.0.0.1:{port}"
    with answering(process, base, output, "server"):
        yield base, output, process


@contextmanager
def answering(process: subprocess.Popen[Any], base: str, output: Path, what: str) -> Iterator[None]:
    """Wait until the HTTP process at ``base`` answers ``/healthz`` (failing with its output
    if it exits first, or after 30 s); on leaving, stop it (killed if it has not ended 15 s
    after being asked)."""
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited: {output.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start within 30 s")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
