"""The page's "Copy link" in a real Chromium: the link pins the log position the page shows,
so that it opens later on the same answers, after events recorded since."""

# ruff: noqa: F811  (the fixtures browser and site are imported, then asked for by name)
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.web_page import Site, another_reader, browser, site  # noqa: F401

pytestmark = pytest.mark.backend_independent

MADE_UP_POLICY = "jp-made-up-permalink-test"


def control_rows(page: Page) -> list[str]:
    rows = page.locator("#controls tbody tr[data-policy-id]")
    return [str(rows.nth(i).get_attribute("data-policy-id")) for i in range(rows.count())]


def test_copy_link_pins_the_position_and_opens_on_the_same_answers_later(
    site: Site, browser: Browser
) -> None:
    page = site.page
    head = httpx.get(f"{site.base}/healthz").json()["position"]
    page.locator("#copy-link").click()
    link = page.locator("#copy-link-href")
    expect(link).to_contain_text(f"log position {head}")
    href = str(link.get_attribute("href"))
    assert parse_qs(urlsplit(href).query)["known_at"] == [f"position={head}"]
    address = href.removeprefix(site.base)
    with another_reader(site, browser, address) as before:
        expect(before.locator("#controls tbody tr[data-policy-id]").first).to_be_attached()
        shown_before = control_rows(before)

    site.post(
        {
            "event_id": str(uuid4()),
            "type": "ExportControlImposed",
            "policy_id": MADE_UP_POLICY,
            "jurisdiction": "JP",
            "agency": "Made-up agency",
            "title": "Made-up test control on dysprosium (not a real policy)",
            "announced_on": "2020-01-02",
            "materials": ["Dy"],
            "measure": "ban",
            "sources": [{"title": "made-up source for a test", "url": "https://example.org/"}],
        }
    )
    expect(page.locator(f'#controls tbody tr[data-policy-id="{MADE_UP_POLICY}"]')).to_be_visible()
    with another_reader(site, browser, address) as later:
        expect(later.locator("#controls tbody tr[data-policy-id]").first).to_be_attached()
        assert control_rows(later) == shown_before
        assert MADE_UP_POLICY not in control_rows(later)
    site.assert_no_errors()
