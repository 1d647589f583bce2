"""Shared fixtures: a real SQLite store per test, the app through httpx's ASGI transport, and
the bundled real timeline."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service.app import create_app
from service.loader import bundled_timeline
from service.settings import Settings
from tests.backend import BACKEND, database_url, drop_created

ADMIN_KEY = "test-admin-key"
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The PostgreSQL half leaves out what no store backend can change (the SQLite half runs
    it), so that the two halves, run side by side, stay short."""
    if BACKEND != "postgres":
        return
    skip = pytest.mark.skip(reason="backend-independent: run in the SQLite half")
    for item in items:
        if item.get_closest_marker("backend_independent"):
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases() -> Iterator[None]:
    yield
    drop_created()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url(tmp_path),
        admin_key=ADMIN_KEY,
        state_dir=tmp_path,
        load_demo=True,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def real_events() -> list[dict[str, Any]]:
    """The bundled real timeline, one dict per event, in file order."""
    with bundled_timeline().open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://timeline") as c:
        yield c


@pytest.fixture
def empty_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"load_demo": False})


@pytest.fixture
async def empty_client(empty_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(empty_settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://timeline") as c:
            yield c


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


@pytest.fixture
def fresh_db(tmp_path: Path) -> Iterator[str]:
    yield database_url(tmp_path, "fresh")
