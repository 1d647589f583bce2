"""Fixtures shared by the rooms: a real store per test (SQLite, or PostgreSQL in the
PostgreSQL half), the app through httpx's ASGI transport, and the bundled real timeline.

The application is imported inside the fixtures that need it, so that tests/unit and
tests/store collect without importing the HTTP app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.support.backend import BACKEND, copy_store, database_url, drop_created
from tests.support.bodies import ADMIN_KEY

if TYPE_CHECKING:
    from fastapi import FastAPI

    from service.settings import Settings


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
    from service.settings import Settings

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
    from service.bulk.loader import bundled_timeline

    with bundled_timeline().open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with the bundled timeline loaded and every view caught up, made once per run;
    ``app`` starts on a copy of it (``copy_store``), as a server would on such a store."""
    directory = tmp_path_factory.mktemp("loaded-store")
    url = database_url(directory)
    asyncio.run(_load_and_project(url, directory))
    return url


async def _load_and_project(url: str, directory: Path) -> None:
    from service.http.app import create_app
    from service.settings import Settings

    settings = Settings(
        database_url=url, admin_key=ADMIN_KEY, state_dir=directory, load_demo=True,
        _env_file=None,  # type: ignore[call-arg]
    )  # fmt: skip
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://timeline") as c:
            for _ in range(600):
                views = (await c.get("/views")).json()["items"]
                if all(view["lag"] in (0, None) for view in views):
                    return
                await asyncio.sleep(0.05)
    raise RuntimeError("the views did not catch up with the bundled timeline")


@pytest.fixture
async def app(settings: Settings, loaded_store: str) -> AsyncIterator[FastAPI]:
    from service.http.app import create_app

    copy_store(loaded_store, settings.database_url)
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
    from service.http.app import create_app

    application = create_app(empty_settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://timeline") as c:
            yield c


@pytest.fixture
def fresh_db(tmp_path: Path) -> Iterator[str]:
    yield database_url(tmp_path, "fresh")
