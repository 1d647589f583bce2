"""The ceiling for ``POST /events``: a FastAPI app that does nothing with what it is sent.

Its one ``POST /events`` takes the JSON body as a ``dict`` and answers 201 with a small JSON
object; no auth, no validation of an event, no database. It runs under uvicorn in a process of
its own with the options ``policy-timeline serve`` uses (``service.cli.serving.uvicorn_options``),
so the write-path benchmark can load it with the same client and the same payloads as the
real service and tell what HTTP and FastAPI alone cost on this machine.

``python -m bench.ceiling_app PORT`` serves it on 127.0.0.1:PORT.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from tests.support.server import answering


def create_app() -> FastAPI:
    app = FastAPI(title="do-nothing ceiling")
    positions = count(1)

    @app.post("/events", status_code=201)
    async def post_event(body: dict[str, Any]) -> dict[str, Any]:
        return {"event_id": body.get("event_id"), "position": next(positions)}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


@contextmanager
def running_ceiling(directory: Path, port: int) -> Iterator[str]:
    """The ceiling app in a process of its own; yields its base URL once it answers. Output
    goes to a file in ``directory`` (an unread pipe would stall the server)."""
    output = directory / f"ceiling-{port}.log"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.ceiling_app", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parent.parent,
        )
    base = f"http://127.0.0.1:{port}"
    with answering(process, base, output, "ceiling app"):
        yield base


def main(port: int) -> None:
    import uvicorn

    from service.cli.serving import uvicorn_options

    uvicorn.run(
        "bench.ceiling_app:create_app", factory=True, host="127.0.0.1", port=port,
        **uvicorn_options(),
    )  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]))
