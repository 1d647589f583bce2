"""PostgreSQL where the service may not create the ``pg_trgm`` extension (its role lacks the
CREATE privilege on the database): the view store still opens, says once why searches in
Chinese and Japanese go without an index, and answers them as it does with the index."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from projections.runner import Runner
from service.bootstrap import open_timeline
from service.bulk.loader import bundled_timeline, load_lines
from service.storage import text_search
from service.storage.views import open_views
from tests.support.backend import ADMIN_URL, BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL only")


def _admin(statement: str, database: str | None = None) -> None:
    import psycopg

    url = ADMIN_URL if database is None else urlunsplit(
        urlsplit(ADMIN_URL)._replace(path=f"/{database}")
    )  # fmt: skip
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def _holding(text: str) -> set[str]:
    with bundled_timeline().open(encoding="utf-8") as lines:
        events = [json.loads(line) for line in lines if line.strip()]
    fields = ("title", "summary", "original_title", "original_summary")
    return {e["policy_id"] for e in events if any(text in (e.get(f) or "") for f in fields)}


def test_chinese_search_answers_without_pg_trgm_and_says_why_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_search, "_warned", [])
    name = f"pt_test_no_trgm_{uuid.uuid4().hex[:10]}"
    _admin(f"CREATE ROLE {name} LOGIN PASSWORD '{name}'")
    _admin(f'CREATE DATABASE "{name}"')
    try:
        _admin(f"GRANT USAGE, CREATE ON SCHEMA public TO {name}", database=name)
        parts = urlsplit(ADMIN_URL)
        netloc = f"{name}:{name}@{parts.hostname}:{parts.port or 5432}"
        url = urlunsplit(parts._replace(netloc=netloc, path=f"/{name}"))
        with caplog.at_level(logging.WARNING, logger="policy_timeline"):
            timeline = open_timeline(url)
            try:
                with bundled_timeline().open() as lines:
                    load_lines(timeline, lines, recorded_by="test")
                store = open_views(timeline)
                open_views(timeline)  # a second store in the process says nothing more
                Runner(timeline, store).run_until_caught_up(lambda _: None)
                slot = store.active_slot("timeline")
                assert slot is not None

                def found(*words: str) -> set[str]:
                    rows: list[tuple[str, dict[str, Any]]] = store.scan(
                        slot, timeline.position(), after="", until="~", limit=1000, words=words
                    )
                    return {body["policy_id"] for _, body in rows}

                assert found("稀土") == _holding("稀土") != set()
                assert found("出口管制") == _holding("出口管制") != set()
                assert found("smuggling", "走私") == {
                    "cn-smuggling-campaign-2025-05", "cn-smuggling-intensify-2025-07",
                }  # fmt: skip
            finally:
                timeline.close()
        warnings = [r for r in caplog.records if "pg_trgm" in r.getMessage()]
        assert len(warnings) == 1
        assert "without an index" in warnings[0].getMessage()
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f"DROP ROLE IF EXISTS {name}")
