"""Running a `policy-timeline` command through the real entry point, in a test's folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.server import CLI, server_env


def cli(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env={**server_env(directory), "COLUMNS": "200"},
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
