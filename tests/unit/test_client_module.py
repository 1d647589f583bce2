"""The Python client (``service.client``) on its own: it loads nothing of the server, it has an
exception for every error code the server's code can answer, and it spells requests as the
API takes them. (Against real servers: tests/process/test_client.py.)"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import service.client
from service.client import ERRORS, NotFound, PositionNotRecorded, TimelineError, calls
from service.client.errors import error_from

ROOT = Path(__file__).resolve().parents[2]

# Where the server's code makes its errors (as tests/process/test_readme_tour.py finds them),
# plus the read layer's problems and the HTTP layer's codes per status.
ERROR_CODE_PATTERNS = (
    re.compile(r'ApiError\(\s*\d{3},\s*"([a-z_]+)"'),
    re.compile(r'AppendError\(\s*"[a-z]+",\s*"([a-z_]+)"'),
    re.compile(r'RuleViolation\(\s*"([a-z_]+)"'),
    re.compile(r'_answer\(\s*\d{3},\s*"[^"]*",\s*"([a-z_]+)"'),
    re.compile(r'\b(?:BadRequest|NotFound|Invalid|Conflict|Behind|Problem)\(\s*"([a-z_]+)"'),
)
REFERENCE = re.compile(r'^\s+\d{3}: "([a-z_]+)",$', re.MULTILINE)

# The server's own and its libraries' (not rich: httpx loads it for its command line).
SERVER_MODULES = ("fastapi", "starlette", "pydantic", "eventsourcing", "domain", "projections",
                  "uvicorn", "psycopg", "sse_starlette", "typer", "orjson")  # fmt: skip


def codes_the_server_answers() -> set[str]:
    codes = {"error"}  # what the HTTP layer answers for any status it does not name
    codes.update(REFERENCE.findall((ROOT / "service/http/errors.py").read_text("utf-8")))
    for package in ("service", "domain", "projections"):
        for source in (ROOT / package).rglob("*.py"):
            if source.is_relative_to(ROOT / "service/client"):
                continue
            text = source.read_text(encoding="utf-8")
            for pattern in ERROR_CODE_PATTERNS:
                codes.update(pattern.findall(text))
    return codes


def modules_loaded_by(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after ``statement``."""
    script = f"{statement}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout))


@pytest.mark.backend_independent
def test_the_client_loads_only_httpx_httpx_sse_and_the_standard_library() -> None:
    loaded = modules_loaded_by("import service.client")
    assert "service.client" in loaded and "httpx" in loaded and "httpx_sse" in loaded
    for name in SERVER_MODULES:
        assert not any(m == name or m.startswith(name + ".") for m in loaded), name
    service = {m for m in loaded if m == "service" or m.startswith("service.")}
    assert all(m in ("service", "service.client") or m.startswith("service.client.")
               for m in service), sorted(service)  # fmt: skip
    # Anything else is the standard library or what httpx and httpx-sse load themselves.
    theirs = modules_loaded_by("import httpx, httpx_sse")
    foreign = {
        m for m in loaded - theirs - service if m.partition(".")[0] not in sys.stdlib_module_names
    }
    assert not foreign, sorted(foreign)


@pytest.mark.backend_independent
def test_every_error_code_the_server_answers_has_its_exception() -> None:
    codes = codes_the_server_answers()
    assert len(codes) >= 30  # the search finds what it should
    for code in sorted(codes):
        name = "".join(part.capitalize() for part in code.split("_"))
        cls = getattr(service.client, name, None)
        assert isinstance(cls, type) and issubclass(cls, TimelineError), f"{code}: no {name}"
        assert cls.code == code and ERRORS[code] is cls
    assert set(ERRORS) == codes, sorted(set(ERRORS) ^ codes)


@pytest.mark.backend_independent
def test_an_error_answer_becomes_the_exception_of_its_code() -> None:
    envelope = {"error": {"code": "not_found", "message": "no policy 'x' was recorded",
                          "details": [{"field": "policy_id"}]}}  # fmt: skip
    error = error_from(404, json.dumps(envelope).encode(), {}, "http://h/policies/x")
    assert type(error) is NotFound and isinstance(error, TimelineError)
    assert (error.status, error.code, str(error)) == (
        404,
        "not_found",
        "no policy 'x' was recorded",
    )
    assert error.details == [{"field": "policy_id"}] and error.url == "http://h/policies/x"
    # One code, two statuses: the class follows the code, the status is kept.
    envelope["error"]["code"] = "position_not_recorded"
    for status in (409, 422):
        error = error_from(status, json.dumps(envelope).encode(), {}, "http://h/views/goals")
        assert type(error) is PositionNotRecorded and error.status == status


@pytest.mark.backend_independent
def test_an_unknown_code_or_an_answer_without_the_envelope_raises_the_base_class() -> None:
    unknown = {"error": {"code": "brand_new", "message": "from a newer server", "details": []}}
    error = error_from(418, json.dumps(unknown).encode(), {"retry-after": "2"}, "http://h/x")
    assert type(error) is TimelineError
    assert (error.code, error.message, error.retry_after) == ("brand_new", "from a newer server", 2)
    proxy = error_from(502, b"<html>Bad Gateway</html>", {}, "http://h/views/goals/stream")
    assert type(proxy) is TimelineError and proxy.status == 502 and proxy.code == ""
    assert str(proxy) == "http://h/views/goals/stream answered HTTP 502"


@pytest.mark.backend_independent
def test_requests_are_spelled_as_the_api_takes_them() -> None:
    call = calls.view(
        "timeline", None, 42,
        {"from_": date(2025, 4, 1), "material": ["Dy", "Tb"], "jurisdiction": None, "limit": 5},
    )  # fmt: skip
    assert call.path == "/views/timeline"
    assert call.query == (("known_at", "position=42"), ("from", "2025-04-01"),
                          ("material", "Dy"), ("material", "Tb"), ("limit", "5"))  # fmt: skip
    assert calls.view("materials/rare earths", "2025-06-01", None, {}).path == (
        "/views/materials/rare%20earths"
    )
    moment = datetime(2025, 5, 1, 12, tzinfo=UTC)
    assert calls.record_time(moment) == "2025-05-01T12:00:00+00:00"
    assert calls.record_time(date(2025, 5, 1)) == "2025-05-01"
    assert calls.record_time("position=7") == "position=7"
    assert calls.stream_paths("events") == ("/events/stream", "/events")
    assert calls.stream_paths("goals") == ("/views/goals/stream", "/views/goals")
    page = calls.events({"type": "ExportControlImposed"}, None, 0, 10).after(10).after(20)
    assert page.query == (("type", "ExportControlImposed"), ("limit", "10"), ("after", "20"))
    diff = calls.diff("goals", None, None, 3, "2025-01-01", "2025-06-01", None, None)
    assert dict(diff.query) == {"view": "goals", "at": "2025-06-01",
                                "known_from": "position=3", "known_to": "2025-01-01"}  # fmt: skip
