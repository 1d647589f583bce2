"""The suite's admin key for the in-process app, and made-up event bodies for tests that need
a policy to change (not real policies)."""

from __future__ import annotations

from typing import Any

ADMIN_KEY = "test-admin-key"
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


def made_up_control(**overrides: Any) -> dict[str, Any]:
    """A made-up export control (not a real policy), for tests that need one to change."""
    body: dict[str, Any] = {
        "type": "ExportControlImposed",
        "policy_id": "xx-madeup-control",
        "jurisdiction": "CN",
        "agency": "MOFCOM",
        "title": "Made-up test control on dysprosium",
        "announced_on": "2025-04-04",
        "materials": ["dysprosium"],
        "sources": [{"title": "made-up test source", "url": None}],
        "measure": "licence_required",
    }
    body.update(overrides)
    return body


def made_up_follow_up(kind: str, **overrides: Any) -> dict[str, Any]:
    body = made_up_control(type=kind, title=f"Made-up {kind}")
    del body["measure"]
    body.update(overrides)
    return body


def made_up_tariff(**overrides: Any) -> dict[str, Any]:
    """A made-up tariff (not a real policy), for tests that need one to change."""
    body: dict[str, Any] = {
        "type": "TariffImposed",
        "policy_id": "xx-madeup-tariff",
        "jurisdiction": "EU",
        "agency": "European Commission",
        "title": "Made-up test tariff on neodymium magnets",
        "announced_on": "2025-03-01",
        "effective_from": "2025-04-01",
        "materials": ["NdFeB magnets"],
        "targets": ["CN"],
        "rate_percent": 10,
        "sources": [{"title": "made-up test source", "url": None}],
    }
    body.update(overrides)
    return body
