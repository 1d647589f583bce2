"""A real SSE subscriber (httpx-sse) for the stream tests, the view reads it is checked
against, and the check that a subscriber's messages replay a view."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import connect_sse

Message = tuple[str, str, dict[str, Any]]  # id, event, data


@dataclass(eq=False)
class Subscriber(threading.Thread):
    """Reads ``path`` until ``done`` is set and the stream has been quiet for ``quiet`` seconds.
    With ``drop_every``, it hangs up after that many messages and reconnects with
    Last-Event-ID, as a browser's EventSource does."""

    base: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    after: str | None = None
    drop_every: int | None = None
    quiet: float = 2.0
    messages: list[Message] = field(default_factory=list)
    connects: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    connected: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        try:
            while not self._read_once():
                pass
        except BaseException as error:  # reported by the test through .error
            self.error = error

    def _read_once(self) -> bool:
        """One connection; True when finished."""
        headers = {}
        last = self.messages[-1][0] if self.messages else self.after
        if last is not None:
            headers["Last-Event-ID"] = last
        timeout = httpx.Timeout(10.0, read=self.quiet)
        with (
            httpx.Client(base_url=self.base, timeout=timeout) as client,
            connect_sse(client, "GET", self.path, params=self.params, headers=headers) as source,
        ):
            assert source.response.status_code == 200, source.response.read()
            self.connects += 1
            self.connected.set()
            received = 0
            try:
                for event in source.iter_sse():
                    if not event.data:
                        continue  # a heartbeat: httpx-sse reports one as an empty message
                    self.messages.append((event.id, event.event, json.loads(event.data)))
                    received += 1
                    if self.drop_every and received >= self.drop_every:
                        return False
            except httpx.ReadTimeout:
                return self.done.is_set()
        return self.done.is_set()


def read_view(base: str, view: str, params: dict[str, Any], position: int) -> list[dict[str, Any]]:
    """Every item of a view read at ``known_at=position=N``, following the pages."""
    items: list[dict[str, Any]] = []
    after = ""
    while True:
        page = httpx.get(
            f"{base}/views/{view}",
            params={**params, "known_at": f"position={position}", "limit": 1000, "after": after},
            timeout=30,
        )
        assert page.status_code == 200, page.text
        items.extend(page.json()["items"])
        after = page.json()["next_after"]
        if after is None:
            return items


def wait_for_views(base: str, position: int) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        while True:
            views = client.get("/views").json()["items"]
            if all(v["position"] is None or v["position"] >= position for v in views):
                return
            threading.Event().wait(0.05)


def check_view_messages(
    base: str, view: str, params: dict[str, Any], start: int, end: int, messages: list[Message]
) -> None:
    """Apply ``messages`` to the view read at ``start``; at every position a message names
    (up to 15 of them) and at ``end`` the result must equal the view read there."""
    key = "event_id" if view == "timeline" else "policy_id"
    state = {item[key]: item for item in read_view(base, view, params, start)}
    positions = [int(m[0].split("@")[0]) for m in messages]
    assert positions == sorted(set(positions)), "ids must rise, one message per position"
    checked = set(positions[:: max(1, len(positions) // 15)])
    for (_, kind, data), position in zip(messages, positions, strict=True):
        assert data["view"] == view and data["position"] == position
        assert data["event"]["position"] == position  # the causing event
        assert kind in ("added", "removed", "changed") and data["items"]
        for entry in data["items"]:
            item = entry["item"]
            if entry["change"] == "added":
                assert item[key] not in state, f"added twice: {item[key]}"
                state[item[key]] = item
            elif entry["change"] == "removed":
                assert state.pop(item[key]) == item
            else:
                assert state[item[key]] == entry["before"] != item
                state[item[key]] = item
        if position in checked:
            expected = read_view(base, view, params, position)
            assert state == {i[key]: i for i in expected}, f"{view} {params} at {position}"
    assert state == {i[key]: i for i in read_view(base, view, params, end)}
