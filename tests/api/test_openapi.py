"""The committed OpenAPI file is the app's schema (regenerate with `make openapi`)."""

from __future__ import annotations

from pathlib import Path

from service.http.app import create_app
from service.http.openapi_file import render
from service.settings import Settings

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def test_openapi_file_is_current() -> None:
    current = render(create_app(Settings(_env_file=None)).openapi())  # type: ignore[call-arg]
    assert COMMITTED.read_text(encoding="utf-8") == current, "stale: run `make openapi`"


def test_openapi_documents_the_event_catalogue() -> None:
    schema = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]
    body = schema["paths"]["/events"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/PolicyEvent"}
    assert "ExportControlSuspended" in schema["components"]["schemas"]
