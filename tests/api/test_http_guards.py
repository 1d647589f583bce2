"""Security headers, CORS (off unless configured) and the limits the OpenAPI schema states."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from domain.events import MAX_BATCH
from service.http.app import create_app
from service.settings import Settings

pytestmark = pytest.mark.backend_independent

DASHBOARD = "https://dash.example.org"  # a made-up origin


async def test_every_answer_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    for path in ("/views/funding", "/nowhere", "/events?limit=abc"):
        response = await client.get(path)
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "no-referrer", path
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, path


async def test_cors_is_off_by_default(client: httpx.AsyncClient) -> None:
    read = await client.get("/views/funding", headers={"Origin": DASHBOARD})
    assert read.status_code == 200
    assert "access-control-allow-origin" not in read.headers
    preflight = await client.options(
        "/events",
        headers={"Origin": DASHBOARD, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


@pytest.fixture
async def cors_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"cors_origins": f"{DASHBOARD}, https://x.test"}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://timeline") as c:
            yield c


async def test_configured_origins_may_call_and_others_may_not(
    cors_client: httpx.AsyncClient,
) -> None:
    asked = {
        "Origin": DASHBOARD,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    preflight = await cors_client.options("/events", headers=asked)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == DASHBOARD
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    read = await cors_client.get("/views/funding", headers={"Origin": DASHBOARD})
    assert read.headers["access-control-allow-origin"] == DASHBOARD
    stranger = await cors_client.options(
        "/events", headers={**asked, "Origin": "https://evil.test"}
    )
    assert stranger.status_code == 400
    assert "access-control-allow-origin" not in stranger.headers


def walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}/{index}")


def test_the_schema_bounds_every_string_and_list_a_client_may_send() -> None:
    """Every free-text field and every list in an event body, and every paging parameter,
    has a stated maximum; every operation with a body states its 413."""
    schema = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]
    unbounded = []
    for where, node in walk(schema["components"]["schemas"]):
        if node.get("type") == "string" and not (
            "maxLength" in node or "enum" in node or "const" in node
            or node.get("format") in ("date", "date-time", "uuid")
            or where.endswith(("/AppendAnswer", "/LogEntry"))  # answers, not inputs
        ):  # fmt: skip
            unbounded.append(where)
        if node.get("type") == "array" and "maxItems" not in node:
            unbounded.append(where)
    inputs = [w for w in unbounded if _is_input(w)]
    assert not inputs, inputs
    assert schema["components"]["schemas"]["Batch"]["properties"]["events"]["maxItems"] == MAX_BATCH
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "limit":
                    assert parameter["schema"]["maximum"] <= 1000, (method, path)
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)
    assert "413 beyond" in schema["info"]["description"]


def _is_input(where: str) -> bool:
    """Schemas of request bodies: the event catalogue and the key request."""
    answers = ("Answer", "Entry", "Page", "Detail", "Body", "Info", "List", "Log", "Item",
               "Health", "Readiness", "Summary", "Created", "Error", "Validation")  # fmt: skip
    name = where.split("/")[1]
    return not any(part in name for part in answers)
