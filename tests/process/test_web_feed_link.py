"""The page's "Atom feed" link, in a real headless Chromium against a real server with the
bundled timeline: it names the timeline's feed with the filters the page shows, follows them
as they change, and what it names is a feed a reader can parse.

Skipped when ``/usr/bin/chromium`` is absent, unless ``POLICY_TIMELINE_REQUIRE_BROWSER`` is set.
"""

# ruff: noqa: F811  (the fixtures browser and site are imported, then asked for by name)
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import feedparser
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.web_page import Site, another_reader, browser, site  # noqa: F401

pytestmark = pytest.mark.backend_independent

FEED = "/views/timeline/feed.atom"


def feed_link(page: Page) -> str:
    href = page.locator("#feed-link").get_attribute("href")
    assert href is not None
    return href


def read_feed(site: Site, href: str) -> feedparser.FeedParserDict:
    answer = httpx.get(f"{site.base}{href}", timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(answer.content)
    assert parsed.bozo == 0 and parsed.entries
    return parsed


def test_the_feed_link_sits_by_the_live_indicator_and_names_the_timeline_feed(
    site: Site,
) -> None:
    link = site.page.locator("#live #feed-link")
    expect(link).to_be_visible()
    expect(link).to_have_text("Atom feed")
    assert feed_link(site.page) == FEED
    parsed = read_feed(site, FEED)
    timeline = httpx.get(f"{site.base}/views/timeline?limit=1000", timeout=10).json()["items"]
    assert len(parsed.entries) == min(50, len(timeline))
    site.assert_no_errors()


def test_the_feed_link_follows_the_filters_as_they_change(site: Site) -> None:
    page = site.page
    page.fill("#material", "Dy")
    page.press("#material", "Enter")
    expect(page.locator("#feed-link")).to_have_attribute("href", f"{FEED}?material=Dy")
    page.select_option("#jurisdiction", "CN")
    expect(page.locator("#feed-link")).to_have_attribute(
        "href", f"{FEED}?material=Dy&jurisdiction=CN"
    )
    page.check("#unverified")
    wanted = f"{FEED}?material=Dy&jurisdiction=CN&min_confidence=unverified"
    expect(page.locator("#feed-link")).to_have_attribute("href", wanted)
    # What it names is that filtered feed: each entry one of the timeline read's events.
    parsed = read_feed(site, wanted)
    read = httpx.get(
        f"{site.base}/views/timeline",
        params={"material": "Dy", "jurisdiction": "CN", "min_confidence": "unverified"},
        timeout=10,
    ).json()["items"]
    in_read = {item["policy_id"] for item in read}
    for entry in parsed.entries:  # "new: <policy> (<type>): <title>", or "<policy>: ... changed"
        assert entry.title.removeprefix("new: ").split()[0].rstrip(":") in in_read
    page.fill("#material", "")
    page.press("#material", "Enter")
    page.select_option("#jurisdiction", "")
    page.uncheck("#unverified")
    expect(page.locator("#feed-link")).to_have_attribute("href", FEED)
    site.assert_no_errors()


def test_a_page_opened_with_filters_in_its_address_offers_their_feed(
    site: Site, browser: Browser
) -> None:
    with another_reader(site, browser, "/?material=Ga&material=Ge&jurisdiction=CN") as page:
        href = feed_link(page)
        assert urlsplit(href).path == FEED
        assert parse_qsl(urlsplit(href).query) == [
            ("material", "Ga"),
            ("material", "Ge"),
            ("jurisdiction", "CN"),
        ]
        read_feed(site, href)
    site.assert_no_errors()
