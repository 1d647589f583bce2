"""Clients for the database-restart tests and benchmark: writers that retry as a careful
client would, a /readyz watcher, and the checks made after a restart. The events are MADE UP.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.bodies import made_up_control

KEY = "made-up-restart-test-admin-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@dataclass(eq=False)
class Writer(threading.Thread):
    """Posts made-up events one by one until stopped; a 503 or a dropped connection is
    retried with the same event_id, as a careful client would."""

    base: str
    number: int
    stop: threading.Event
    acknowledged: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        with httpx.Client(base_url=self.base, headers=AUTH, timeout=30) as client:
            sent = 0
            while not self.stop.is_set():
                event_id = str(uuid.uuid4())
                body = made_up_control(
                    event_id=event_id,
                    policy_id=f"xx-madeup-restart-{self.number}-{sent}",
                    title=f"Made-up restart-test control {self.number}-{sent}",
                )
                while True:
                    try:
                        response = client.post("/events", json=body)
                    except httpx.TransportError:
                        time.sleep(0.05)
                        continue
                    self.statuses[response.status_code] += 1
                    if response.status_code == 503:
                        time.sleep(0.05)
                        continue
                    break
                if response.status_code in (200, 201):
                    self.acknowledged.append(event_id)
                sent += 1


@dataclass(eq=False)
class ReadyWatch(threading.Thread):
    """Asks /readyz every 50 ms and keeps (time, status) pairs."""

    base: str
    stop: threading.Event
    answers: list[tuple[float, int]] = field(default_factory=list)
    last_reasons: str = ""  # the body of the last answer that was not 200, to say why

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=5) as client:
            while not self.stop.is_set():
                try:
                    response = client.get("/readyz")
                    status = response.status_code
                    if status != 200:
                        self.last_reasons = response.text
                except httpx.TransportError:
                    status = 0
                self.answers.append((time.monotonic(), status))
                time.sleep(0.05)


def post(base: str, body: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        response = httpx.post(f"{base}/events", json=body, headers=AUTH, timeout=30)
        if response.status_code != 503 or time.monotonic() > deadline:
            assert response.status_code == 201, response.text
            return response.json()  # type: ignore[no-any-return]
        time.sleep(0.1)


def log_event_ids(base: str) -> list[str]:
    ids: list[str] = []
    after = 0
    while True:
        page = httpx.get(f"{base}/events", params={"after": after, "limit": 1000}, timeout=30)
        assert page.status_code == 200, page.text
        body = page.json()
        ids.extend(item["event"]["event_id"] for item in body["items"])
        if body["next_after"] is None:
            return ids
        after = body["next_after"]


def log_position(base: str) -> int:
    """The log's end, asked until the server can answer."""
    while True:
        try:
            response = httpx.get(f"{base}/healthz", timeout=5)
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code == 200:
            return int(response.json()["position"])
        time.sleep(0.02)


def caught_up_within(base: str, since: float, position: int) -> float:
    """Seconds from ``since`` until /readyz answers 200 with every view at ``position`` or
    beyond."""
    while True:
        response = httpx.get(f"{base}/readyz", timeout=5)
        body = response.json()
        if response.status_code == 200:
            reached = body["log_position"] - max(body["views"].values())
            if reached >= position:
                return time.monotonic() - since
        assert time.monotonic() - since < 30, body
        time.sleep(0.02)
