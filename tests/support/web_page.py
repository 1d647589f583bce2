"""The harness of the page's browser tests: a real headless Chromium (Debian's ``chromium``,
driven by Playwright) against a real ``policy-timeline serve`` process with the bundled
timeline. A test module imports ``browser`` and ``site`` (its fixtures: one server and one page
for the module) and the helpers it needs.

Importing this module skips the importing test module when ``/usr/bin/chromium`` is absent,
unless ``POLICY_TIMELINE_REQUIRE_BROWSER`` is set (CI), in which case a missing browser or
driver fails instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import running_server

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = bool(os.environ.get("POLICY_TIMELINE_REQUIRE_BROWSER"))
ADMIN_KEY = "made-up-admin-key-for-the-page-test"
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--font-render-hinting=none",
]

if not CHROMIUM.exists() and not REQUIRED:
    pytest.skip(
        f"{CHROMIUM} is absent (Debian package `chromium`); set POLICY_TIMELINE_REQUIRE_BROWSER "
        "to make that a failure",
        allow_module_level=True,
    )
if not REQUIRED:
    pytest.importorskip("playwright.sync_api", reason="the dev extra `playwright` is not installed")

from playwright.sync_api import (  # noqa: E402  (only once we know a browser is wanted)
    Browser,
    ConsoleMessage,
    FloatRect,
    Locator,
    Page,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)

VIEWPORT = ViewportSize(width=1440, height=900)  # a laptop screen


@dataclass
class Site:
    base: str
    directory: Path
    page: Page
    landing: Response  # the answer to the page's first load
    problems: list[str] = field(default_factory=list)

    def assert_no_errors(self) -> None:
        assert self.problems == [], "\n".join(self.problems)

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = httpx.post(f"{self.base}/events", json=body, headers=AUTH, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():  # only when POLICY_TIMELINE_REQUIRE_BROWSER is set
        pytest.fail(
            f"POLICY_TIMELINE_REQUIRE_BROWSER is set but {CHROMIUM} is absent "
            "(apt-get install chromium)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def site(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp("web-page")
    with running_server(directory, POLICY_TIMELINE_ADMIN_KEY=ADMIN_KEY) as (base, _):
        context = browser.new_context(
            viewport=VIEWPORT, device_scale_factor=1, locale="en-GB", timezone_id="UTC"
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        problems: list[str] = []
        watch(page, problems)
        # loaded here, not in the first test, so that any test can also run on its own
        landing = page.goto(f"{base}/")
        assert landing is not None
        expect(page.locator("body[data-ready=true]")).to_be_attached()
        found = Site(base, directory, page, landing, problems)
        try:
            yield found
        finally:
            context.close()  # before the server stops, so no stream is cut under the page


def watch(page: Page, problems: list[str]) -> None:
    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text} ({message.location})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))


@contextmanager
def another_reader(site: Site, browser: Browser, address: str) -> Iterator[Page]:
    """The page opened at ``address`` in a browser of its own, for checks that must not move
    the shared page's state; its errors count as the page's."""
    context = browser.new_context(
        viewport=VIEWPORT, device_scale_factor=1, locale="en-GB", timezone_id="UTC"
    )
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        watch(page, site.problems)
        page.goto(f"{site.base}{address}")
        expect(page.locator("body[data-ready=true]")).to_be_attached()
        yield page
    finally:
        context.close()


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not shown"
    return found


def overlap(a: FloatRect, b: FloatRect) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def across(inner: FloatRect, outer: FloatRect) -> bool:
    """``inner`` lies within ``outer``'s left and right edges."""
    return outer["x"] - 0.5 <= inner["x"] and (
        inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
    )
