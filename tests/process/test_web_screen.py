"""The page's screening form in a real headless Chromium against a real ``policy-timeline
serve`` process with the bundled timeline: gallium from China to the US on 2026-01-15, while
clause 2 of MOFCOM Announcement No. 46 of 2024 (the US-only ban, ``cn-us-gagesb-2024``) is
suspended and MOFCOM/GAC Announcement No. 23 of 2023 (``cn-gage-2023``, licences for every
destination) is in force.

Skipped when ``/usr/bin/chromium`` is absent, unless ``POLICY_TIMELINE_REQUIRE_BROWSER`` is set.
"""

# ruff: noqa: F811  (the fixtures browser and site are imported, then asked for by name)
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.support.web_page import VIEWPORT, Site, browser, site  # noqa: F401

US_BAN = "cn-us-gagesb-2024"
NO23 = "cn-gage-2023"
NO18 = "cn-7ree-2025"

pytestmark = pytest.mark.backend_independent


def test_the_form_follows_the_page_s_valid_date(site: Site) -> None:
    page = site.page
    expect(page.locator("#screen-on")).to_have_value(page.locator("#at-date").input_value())
    page.locator("#at-date").fill("2026-01-15")
    expect(page.locator("#controls-section")).to_have_attribute("data-at", "2026-01-15")
    page.locator("#screen-hs").focus()  # the form takes the page's date when it is used
    expect(page.locator("#screen-on")).to_have_value("2026-01-15")
    site.assert_no_errors()


def test_screening_gallium_to_the_us_shows_the_suspended_ban_and_no_23_in_force(
    site: Site,
) -> None:
    page = site.page
    page.locator("#screen-hs").fill("8112.92.90.90")
    page.locator("#screen-material").fill("gallium")
    page.locator("#screen-exporter").select_option("CN")
    page.locator("#screen-destination").fill("US")
    page.locator("#screen-on").fill("2026-01-15")
    page.locator("#screen-run").click()

    expect(page.locator("#screen-section")).to_have_attribute("data-on", "2026-01-15")
    ban = page.locator(f'#screen-binding tbody tr[data-policy-id="{US_BAN}"]')
    expect(ban).to_have_attribute("data-status", "suspended")
    expect(ban).to_contain_text("Suspended")
    expect(ban).to_contain_text("until 2026-11-27")
    expect(ban).to_contain_text("material:Ga")
    no23 = page.locator(f'#screen-binding tbody tr[data-policy-id="{NO23}"]')
    expect(no23).to_have_attribute("data-status", "in_force")
    expect(no23).to_contain_text("In force")
    expect(no23).to_contain_text("hs_code:8112.92.90.90")
    expect(page.locator("#screen-binding tbody tr")).to_have_count(2)
    expect(page.locator("#screen-upcoming tbody td.empty")).to_have_count(1)
    left = page.locator(f'#screen-not-ruled-out tbody tr[data-policy-id="{NO18}"]')
    expect(left).to_contain_text("HS list known to be partial")
    expect(page.locator("#screen-summary")).to_contain_text("2 binding (1 suspended)")

    link = page.locator("#screen-permalink")
    address = link.get_attribute("href") or ""
    expect(link).to_have_text(address)
    asked = dict(parse_qsl(urlsplit(address).query))
    assert urlsplit(address).path == "/screen"
    assert asked["on"] == "2026-01-15" and asked["destination"] == "US"
    assert asked["known_at"].startswith("position=")
    pinned = httpx.get(f"{site.base}{address}", timeout=10).json()
    assert {c["policy_id"]: c["status"] for c in pinned["binding"]} == {
        NO23: "in_force",
        US_BAN: "suspended",
    }
    site.assert_no_errors()


def test_japan_gets_no_23_but_not_the_us_only_ban(site: Site) -> None:
    page = site.page
    page.locator("#screen-destination").fill("JP")
    page.locator("#screen-run").click()
    expect(page.locator("#screen-summary")).to_contain_text("to JP")
    rows = page.locator("#screen-binding tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-policy-id", NO23)
    site.assert_no_errors()


def test_an_empty_form_and_a_bad_hs_code_are_explained(site: Site, browser: Browser) -> None:
    """In a page of its own: the browser reports the 422 as a failed resource load on the
    console, which is expected here and only here."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="UTC")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        logged: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                logged.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: logged.append(f"page error: {error}"))
        page.goto(f"{site.base}/")
        expect(page.locator("body[data-ready=true]")).to_be_attached()
        error = page.locator("#screen-error")
        page.locator("#screen-run").click()  # nothing to screen: said at once, nothing asked
        expect(error).to_have_text("Give at least one HS code or material to screen.")
        assert logged == []
        page.locator("#screen-hs").fill("28.4x")
        page.locator("#screen-run").click()
        expect(error).to_have_text("hs_code: '28.4x' is not an HS code: digits, optionally "
                                   "grouped by dots")  # fmt: skip
        expect(page.locator("#screen-results")).to_be_hidden()
        assert all("status of 422" in text for text in logged), logged
    finally:
        context.close()
    site.assert_no_errors()
