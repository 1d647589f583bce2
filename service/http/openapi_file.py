"""The committed ``openapi/openapi.json``: one rendering, used by ``make openapi`` and the test
that fails when the file is stale."""

from __future__ import annotations

import json
from typing import Any


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
