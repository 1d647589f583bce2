"""The web page at ``/``: plain HTML, CSS and JavaScript from ``service/web/``, served by the
app itself (no build step, nothing fetched from elsewhere), so it works under the strict
Content-Security-Policy every answer carries. The page reads the public API and follows the
live streams; it holds no data of its own. None of these routes is part of the API, so none
is in the OpenAPI schema.

The API reference pages ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) are served the same way:
their scripts and styles come from the installed ``fastapi-offline`` package, not a CDN, so
they work offline and under the same policy."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse

from projections.registry import VIEWS
from service.http.errors import ApiError

WEB = Path(__file__).resolve().parents[2] / "web"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# Browsers revalidate each time (ETag / Last-Modified), so a new release shows at once.
CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


def _files() -> dict[str, Path]:
    """The files the page may load, by name: only these are ever served (no path from a
    request reaches the file system)."""
    if not WEB.is_dir():
        return {}
    return {p.name: p for p in WEB.iterdir() if p.is_file() and p.suffix in MEDIA_TYPES}


FILES = _files()

# Libraries vendored with their licences under service/web/vendor/<library>/ (each folder's
# README says where from and how to refresh it): their scripts, by "<library>/<file>".
VENDORED = {
    f"{p.parent.name}/{p.name}": p
    for p in (WEB / "vendor").glob("*/*")
    if p.is_file() and p.suffix in MEDIA_TYPES
}

# Swagger UI's and ReDoc's own builds, as fastapi-offline ships them (its only files we use).
VENDOR = Path(str(files("fastapi_offline") / "static"))
VENDOR_FILES = {
    name: VENDOR / name
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js")
    if (VENDOR / name).is_file()
}


def _serve(name: str) -> FileResponse:
    path = FILES.get(name)
    if path is None:
        raise ApiError(404, "not_found", f"no file {name!r} in the web page's files")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=CACHE)


@router.api_route("/", methods=["GET", "HEAD"])
def page() -> FileResponse:
    """The timeline page."""
    return _serve("index.html")


@router.api_route("/static/{name}", methods=["GET", "HEAD"])
def static_file(name: str) -> FileResponse:
    """The page's scripts, styles and icons."""
    return _serve(name)


@router.api_route("/static/vendor/{library}/{name}", methods=["GET", "HEAD"])
def vendored_file(library: str, name: str) -> FileResponse:
    """A vendored library's script (Chart.js, for the page's charts)."""
    path = VENDORED.get(f"{library}/{name}")
    if path is None:
        raise ApiError(404, "not_found", f"no file {library}/{name} among the vendored libraries")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=CACHE)


# The views the page draws with hand-written sections; any other view gets a generic table.
BESPOKE = frozenset({"active-export-controls", "funding", "goals", "timeline"})


@router.get("/page/views.json")
def views_for_the_page() -> dict[str, Any]:
    """The views as the page draws them, from the registry: name, title, the filters the page
    may pass on, and the table's columns."""
    return {
        "views": [
            {
                "name": spec.name,
                "title": spec.title,
                "read_by_date": spec.read_by_date,
                "bespoke": spec.name in BESPOKE,
                "filters": [f.name for f in spec.filters],
                "columns": [{"field": c.field, "header": c.header} for c in spec.columns],
            }
            for spec in VIEWS.values()
        ]
    }


@router.api_route("/favicon.ico", methods=["GET", "HEAD"])
def favicon() -> FileResponse:
    return _serve("favicon.svg")


@router.api_route("/docs", methods=["GET", "HEAD"])
def swagger_ui() -> FileResponse:
    """The API reference in Swagger UI (try the operations from the browser)."""
    return _serve("docs.html")


@router.api_route("/redoc", methods=["GET", "HEAD"])
def redoc() -> FileResponse:
    """The API reference in ReDoc."""
    return _serve("redoc.html")


@router.api_route("/static/docs/{name}", methods=["GET", "HEAD"])
def docs_file(name: str) -> FileResponse:
    """Swagger UI's and ReDoc's scripts and styles."""
    path = VENDOR_FILES.get(name)
    if path is None:
        raise ApiError(404, "not_found", f"no file {name!r} in the API reference's files")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=CACHE)
