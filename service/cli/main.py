"""The ``policy-timeline`` command: one module per group of commands, each registering its
commands on the one Typer app (``common.app``). A command imports what it needs when it runs,
so that a read (``at``, ``diff``) loads neither the HTTP stack nor the server."""

from __future__ import annotations

from service.cli import acts, counts, data, follow, keys, reads, screen, search, serving, webhooks  # noqa: F401  (they register commands)
from service.cli.common import app

__all__ = ["app"]

if __name__ == "__main__":
    app()
