"""Every test in tests/process starts real processes (servers, projectors, a PostgreSQL
cluster of its own) or a browser: all of them are marked ``slow`` here, not file by file."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A conftest's hook sees every collected item, not only this folder's.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.slow)
