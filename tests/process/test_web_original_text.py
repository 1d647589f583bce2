"""Original-language titles and the timeline's search on the page, in a real headless Chromium
against a real server with the bundled timeline: the official Chinese title shows beside the
English one (marked with its language) in the event panel and the export-controls table, and
the toolbar's search narrows the timeline in Chinese and Japanese.

One server and one page for the module; the tests run in file order on that page."""

# ruff: noqa: F811  (the fixtures browser and site are imported, then asked for by name)
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.web_page import Site, box, browser, site  # noqa: F401

pytestmark = pytest.mark.backend_independent

REGULATIONS = "cn-re-regulations-2024"  # 稀土管理条例, State Council Order No. 785
HEAVY_RARE_EARTHS = "cn-7ree-2025"  # MOFCOM/GAC Announcement No. 18 of 2025, in force since
NO18_ORIGINAL = "商务部 海关总署公告2025年第18号 公布对部分中重稀土相关物项实施出口管制的决定"
MADE_UP_JAPANESE = "jp-made-up-original-text-test"


def searched(base: str, q: str) -> set[str]:
    answer = httpx.get(f"{base}/views/timeline", params={"q": q, "limit": 1000}, timeout=10)
    return {item["event_id"] for item in answer.json()["items"]}


def test_the_event_panel_shows_the_original_title_beside_the_english(site: Site) -> None:
    page = site.page
    page.locator(f'#timeline g.ev[data-policy-id="{REGULATIONS}"]').first.click()
    head = page.locator("#details-body .detail-head")
    expect(head.locator("h3")).to_contain_text("Regulations on Rare Earth Management")
    original = head.locator(".original-title")
    expect(original).to_have_text("稀土管理条例")
    expect(original).to_have_attribute("lang", "zh-Hans")
    title, under = box(head.locator("h3")), box(original)
    assert title["y"] < under["y"] and abs(title["x"] - under["x"]) < 2  # right under it
    site.assert_no_errors()


def test_the_controls_table_shows_the_original_title_under_the_control(site: Site) -> None:
    cell = site.page.locator(f'#controls tr[data-policy-id="{HEAVY_RARE_EARTHS}"] td.control')
    expect(cell.locator("button.title")).to_contain_text("seven medium/heavy rare earths")
    original = cell.locator(".original-title")
    expect(original).to_have_text(NO18_ORIGINAL)
    expect(original).to_have_attribute("lang", "zh-Hans")
    site.assert_no_errors()


def test_searching_in_chinese_narrows_the_timeline_and_the_address_keeps_it(site: Site) -> None:
    page = site.page
    every = page.locator("#timeline g.ev").count()
    wanted = searched(site.base, "稀土")
    assert 2 <= len(wanted) < every
    page.locator("#q").fill("稀土")
    page.locator("#q").press("Enter")
    marks = page.locator("#timeline g.ev")
    expect(marks).to_have_count(len(wanted))
    shown = {marks.nth(i).get_attribute("data-event-id") for i in range(len(wanted))}
    assert shown == wanted
    expect(page.locator(f'#timeline g.ev[data-policy-id="{REGULATIONS}"]')).to_be_attached()
    page.wait_for_function("() => location.search.includes('q=')")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["稀土"]
    site.assert_no_errors()


def test_an_event_recorded_while_searching_in_japanese_shows_when_it_matches(site: Site) -> None:
    page = site.page
    page.locator("#q").fill("輸出")
    page.locator("#q").press("Enter")
    expect(page.locator("#timeline g.ev")).to_have_count(len(searched(site.base, "輸出")))
    site.post(
        {
            "event_id": str(uuid4()),
            "type": "ExportControlImposed",
            "policy_id": MADE_UP_JAPANESE,
            "jurisdiction": "JP",
            "agency": "Made-up agency",
            "title": "Made-up test control on rare-earth exports (not a real policy)",
            "original_language": "ja",
            "original_title": "レアアースの輸出規制（架空）",
            "announced_on": "2025-02-03",
            "materials": ["Dy"],
            "measure": "licence_required",
            "sources": [{"title": "made-up source for a test", "url": None}],
        }
    )
    made_up = page.locator(f'#timeline g.ev[data-policy-id="{MADE_UP_JAPANESE}"]')
    expect(made_up).to_be_attached()
    expect(page.locator("#timeline g.ev")).to_have_count(len(searched(site.base, "輸出")))
    made_up.click()
    original = page.locator("#details-body .detail-head .original-title")
    expect(original).to_have_text("レアアースの輸出規制（架空）")
    expect(original).to_have_attribute("lang", "ja")

    page.locator("#q").fill("")
    page.locator("#q").press("Enter")
    everything = httpx.get(f"{site.base}/views/timeline", params={"limit": 1000}).json()
    expect(page.locator("#timeline g.ev")).to_have_count(len(everything["items"]))
    site.assert_no_errors()
