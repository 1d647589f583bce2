"""``GET /views/tariffs/stream`` on a real server: made-up tariffs (their titles say so) posted
while subscribers listen, each subscriber told exactly the changes its filter admits, in
order, so that applying them to a read gives the next read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.support.server import running_server
from tests.support.stream_client import Subscriber, check_view_messages, wait_for_views

KEY = "tariff-stream-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
FILTERS: list[dict[str, Any]] = [
    {},
    {"material": "Dy"},
    {"jurisdiction": "EU"},
    {"status": "lifted"},
]


def made_up_tariffs() -> list[dict[str, Any]]:
    """Six made-up tariffs in effect before today, every other one lifted again."""
    today = datetime.now(UTC).date()
    bodies: list[dict[str, Any]] = []
    for n in range(6):
        policy = f"xx-madeup-tariff-{n}"
        common = {
            "policy_id": policy,
            "jurisdiction": ("EU", "US", "JP")[n % 3],
            "agency": "Made-up agency",
            "materials": [("Dy", "Nd", "graphite")[n % 3]],
            "sources": [{"title": "made-up test source", "url": None}],
        }
        bodies.append({
            **common, "type": "TariffImposed", "title": f"Made-up tariff {n}",
            "announced_on": (today - timedelta(days=60)).isoformat(),
            "effective_from": (today - timedelta(days=50 - n)).isoformat(),
            "rate_percent": 5 * (n + 1), "targets": ["CN"],
        })  # fmt: skip
        if n % 2:
            bodies.append({
                **common, "type": "TariffLifted", "title": f"Made-up lift {n}",
                "announced_on": (today - timedelta(days=10 - n)).isoformat(),
            })  # fmt: skip
    return bodies


def test_tariff_subscribers_each_get_exactly_their_changes(tmp_path: Path) -> None:
    with running_server(tmp_path, POLICY_TIMELINE_ADMIN_KEY=KEY) as (base, _):
        start = httpx.get(f"{base}/views").json()["log_position"]
        subscribers = [
            Subscriber(base, "/views/tariffs/stream", params, after=str(start))
            for params in FILTERS
        ]
        for subscriber in subscribers:
            subscriber.start()
        for subscriber in subscribers:
            assert subscriber.connected.wait(10)
        with httpx.Client(base_url=base, headers=AUTH, timeout=30) as client:
            for body in made_up_tariffs():
                answer = client.post("/events", json=body)
                assert answer.status_code == 201, answer.text
                end = answer.json()["position"]
        wait_for_views(base, end)
        for subscriber in subscribers:
            subscriber.done.set()
        for subscriber in subscribers:
            subscriber.join(30)
            assert subscriber.error is None, subscriber.error
        for params, subscriber in zip(FILTERS, subscribers, strict=True):
            check_view_messages(base, "tariffs", params, start, end, subscriber.messages)
        counts = [len(s.messages) for s in subscribers]
        # 6 tariffs added and 3 of them lifted (removed from the default read): 9 messages.
        assert counts[0] == 9
        # Dy and EU: tariffs 0 and 3 added, then tariff 3 lifted.
        assert counts[1] == 3 and counts[2] == 3
        assert counts[3] == 3  # the lifts, seen by a reader of lifted tariffs
