"""How read answers go out: compact JSON written by orjson, and each answer's permalink."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from service.queries.permalinks import permalink


def json_answer(answer: dict[str, Any]) -> Response:
    """The same compact JSON as ``JSONResponse`` writes, by orjson in a tenth of the time."""
    return Response(orjson.dumps(answer), media_type="application/json")


def pinned(request: Request, answer: dict[str, Any], date_param: str = "at") -> dict[str, Any]:
    """``answer`` with its ``permalink``: this read pinned to the position and valid date it
    answered for (``service.queries.permalinks``)."""
    dated = (date_param, answer.get(date_param))
    link = permalink(
        request.url.path, request.query_params.multi_items(), answer["position"], dated
    )
    return {**answer, "permalink": link}
