"""The API reference pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc): their scripts and
styles come from this server (the installed ``fastapi-offline`` package), not a CDN, and they
carry the same Content-Security-Policy as every other answer. So they work with no network
beyond the server, and no inline script or style is needed.

The HTTP checks run in-process. The browser checks start a real ``policy-timeline serve`` and
a headless Chromium (Debian's ``chromium``, as tests/process/test_web_page.py does) that is let
reach nothing but that server.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.server import running_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Route

pytestmark = pytest.mark.backend_independent

PAGES = ("/docs", "/redoc")
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}
CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = bool(os.environ.get("POLICY_TIMELINE_REQUIRE_BROWSER"))
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class PageParts(HTMLParser):
    """What a page makes the browser load, and whether it holds inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.assets: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        self.urls += [found[name] for name in ("src", "href") if found.get(name)]
        if tag == "script":
            if found.get("src"):
                self.assets.append(found["src"])
            else:
                self.inline.append("<script> without src")
        if tag == "link" and found.get("rel") == "stylesheet":
            self.assets.append(found["href"])
        if tag == "style" or "style" in found:
            self.inline.append(f"style in <{tag}>")
        self.inline += [f"{name} on <{tag}>" for name in found if name.startswith("on")]


async def test_the_docs_pages_load_only_their_own_assets_under_the_policy(
    empty_client: httpx.AsyncClient,
) -> None:
    policy = (await empty_client.get("/")).headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    for path in PAGES:
        answer = await empty_client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert answer.headers["content-security-policy"] == policy, path
        parts = PageParts()
        parts.feed(answer.text)
        assert parts.inline == [], path
        elsewhere = [u for u in parts.urls if urlsplit(u).scheme or urlsplit(u).netloc]
        assert elsewhere == [], f"{path} loads from elsewhere: {elsewhere}"
        assert len(parts.assets) >= 2, path  # the library and the file that starts it
        for asset in parts.assets:
            served = await empty_client.get(asset)
            assert served.status_code == 200, asset
            wanted = CONTENT_TYPES[Path(urlsplit(asset).path).suffix]
            assert served.headers["content-type"].startswith(wanted), asset
            assert served.headers["content-security-policy"] == policy, asset
            assert served.content, asset


async def test_only_the_docs_libraries_are_served_from_the_package(
    empty_client: httpx.AsyncClient,
) -> None:
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        assert (await empty_client.head(f"/static/docs/{name}")).status_code == 200, name
    for name in ("core.py", "..%2F__init__.py", "favicon.png"):
        assert (await empty_client.get(f"/static/docs/{name}")).status_code == 404, name


# --- in a browser that can reach nothing but the server ------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("docs-pages")) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if REQUIRED:
            pytest.fail(f"POLICY_TIMELINE_REQUIRE_BROWSER is set but {CHROMIUM} is absent")
        pytest.skip(f"{CHROMIUM} is absent (Debian package `chromium`)")
    if not REQUIRED:
        pytest.importorskip("playwright.sync_api", reason="the dev extra is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            launched.close()


class Offline:
    """A page whose requests to anywhere but this machine fail, as on a machine offline."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.left: list[str] = []
        self.errors: list[str] = []
        self.crashes: list[str] = []
        self.context.route("**/*", self._only_local)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.crashes.append(str(error)))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _only_local(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.left.append(route.request.url)
            route.abort("internetdisconnected")


@pytest.fixture
def offline(browser: Browser) -> Iterator[Offline]:
    opened = Offline(browser)
    try:
        yield opened
    finally:
        opened.context.close()


def test_swagger_ui_lists_the_operations_offline(base: str, offline: Offline) -> None:
    from playwright.sync_api import expect

    page = offline.page
    answer = page.goto(f"{base}/docs")
    assert answer is not None and answer.status == 200
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    events = page.locator('.opblock-summary-path[data-path="/events"]').first
    expect(events).to_be_visible()
    expect(events).to_have_text("/events")
    expect(page.locator(".opblock-tag", has_text="views").first).to_be_visible()
    assert offline.left == [], f"requests left the machine: {offline.left}"
    assert offline.errors == [] and offline.crashes == [], offline.errors + offline.crashes


def test_redoc_shows_the_reference_offline(base: str, offline: Offline) -> None:
    from playwright.sync_api import expect

    page = offline.page
    answer = page.goto(f"{base}/redoc")
    assert answer is not None and answer.status == 200
    assert "style-src 'self'" in answer.headers["content-security-policy"]
    heading = page.locator("h1", has_text="Policy Timeline")
    expect(heading).to_be_visible()
    expect(page.get_by_text("/events", exact=True).first).to_be_visible()
    expect(page.get_by_text("Something went wrong")).to_have_count(0)
    # styled, not bare markup: ReDoc's own fonts, not the browser's default serif
    assert re.search(r"sans-serif", heading.evaluate("h => getComputedStyle(h).fontFamily"))
    assert offline.left == [], f"requests left the machine: {offline.left}"
    assert offline.crashes == [], offline.crashes
    # ReDoc still tries to add inline <style> elements and its maker's logo from a CDN; the
    # policy refuses those (and the browser logs it), which is the policy at work.
    unexpected = [e for e in offline.errors if "Content Security Policy" not in e]
    assert unexpected == [], unexpected
