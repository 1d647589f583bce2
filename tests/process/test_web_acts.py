"""The act of an event in the page's event panel, in a real headless Chromium against a real
server with the bundled timeline: MOFCOM Announcement No. 46 of 2024 and its two measures,
each with its policy's status on the page's valid date; clicking a measure opens its event.

Skipped when ``/usr/bin/chromium`` is absent, unless ``POLICY_TIMELINE_REQUIRE_BROWSER`` is set.
"""

# ruff: noqa: F811  (the fixtures browser and site are imported, then asked for by name)
from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.web_page import Site, browser, site  # noqa: F401

NO46 = "cn-mofcom-2024-46"  # MOFCOM Announcement No. 46 of 2024, real
MILBAN = "cn-us-milban-2024"  # its clause 1
GAGESB = "cn-us-gagesb-2024"  # its clause 2, suspended from 2025-11-09 until 2026-11-27

pytestmark = pytest.mark.backend_independent


def measure_event(site: Site, policy_id: str) -> str:
    answer = httpx.get(f"{site.base}/acts/{NO46}", timeout=10).json()
    return next(str(m["event_id"]) for m in answer["measures"] if m["policy_id"] == policy_id)


def open_on(site: Site, day: str, event_id: str) -> Page:
    page = site.page
    page.goto(f"{site.base}/?at={day}")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    page.locator(f'#timeline g.ev[data-event-id="{event_id}"]').click()
    return page


def test_an_event_of_announcement_46_shows_the_act_and_its_two_measures_statuses(
    site: Site,
) -> None:
    page = open_on(site, "2026-01-15", measure_event(site, GAGESB))
    details = page.locator("#details-body")
    expect(details.locator("h3")).to_contain_text("clause 2 of Announcement No. 46")
    act = details.locator(f'section.act[data-act-id="{NO46}"]')
    expect(act.locator(".act-of")).to_have_text(
        "Measure of MOFCOM Announcement No. 46 of 2024 on strengthening export control of "
        "relevant dual-use items to the United States"
    )
    measures = act.locator("ol.act-measures > li")
    expect(measures).to_have_count(2)
    expect(act.locator("h4")).to_have_text("2 measures of this act on 15 January 2026")
    clause2 = act.locator(f'li[data-policy-id="{GAGESB}"]')
    expect(clause2.locator(".badge")).to_have_text("Suspended")
    expect(clause2).to_have_attribute("aria-current", "true")  # the event shown
    clause1 = act.locator(f'li[data-policy-id="{MILBAN}"]')
    expect(clause1.locator(".badge")).to_have_text("In force")
    expect(clause1).to_contain_text("Ban on exports of all dual-use items to US military")
    site.assert_no_errors()


def test_clicking_a_measure_opens_its_event_with_the_same_act(site: Site) -> None:
    page = open_on(site, "2026-01-15", measure_event(site, GAGESB))
    act = page.locator("#details-body section.act")
    act.locator(f'li[data-policy-id="{MILBAN}"] button').click()
    details = page.locator("#details-body")
    expect(details.locator("h3")).to_contain_text("clause 1 of Announcement No. 46")
    expect(act.locator(f'li[data-policy-id="{MILBAN}"]')).to_have_attribute("aria-current", "true")
    expect(act.locator(f'li[data-policy-id="{GAGESB}"] button')).to_be_visible()
    site.assert_no_errors()


def test_on_a_later_valid_date_the_suspended_clause_is_back_in_force(site: Site) -> None:
    page = open_on(site, "2026-12-01", measure_event(site, MILBAN))
    act = page.locator("#details-body section.act")
    expect(act.locator("h4")).to_have_text("2 measures of this act on 1 December 2026")
    expect(act.locator(f'li[data-policy-id="{GAGESB}"] .badge')).to_have_text("In force")
    expect(act.locator(f'li[data-policy-id="{MILBAN}"] .badge')).to_have_text("In force")
    site.assert_no_errors()


def test_an_event_naming_no_act_shows_no_act(site: Site) -> None:
    timeline = httpx.get(f"{site.base}/views/timeline?limit=1000", timeout=10).json()["items"]
    without = next(e for e in timeline if "act" not in e and e["jurisdiction"] == "US")
    page = open_on(site, "2026-01-15", without["event_id"])
    expect(page.locator("#details-body h3")).to_have_text(without["title"])
    expect(page.locator("#details-body section.act")).to_have_count(0)
    site.assert_no_errors()


def test_moving_the_valid_date_updates_the_statuses_shown(site: Site) -> None:
    page = open_on(site, "2026-01-15", measure_event(site, GAGESB))
    act = page.locator("#details-body section.act")
    expect(act.locator(f'li[data-policy-id="{GAGESB}"] .badge')).to_have_text("Suspended")
    page.locator("#at-date").fill("2026-12-01")
    page.locator("#at-date").dispatch_event("change")
    expect(act.locator("h4")).to_have_text("2 measures of this act on 1 December 2026")
    expect(act.locator(f'li[data-policy-id="{GAGESB}"] .badge')).to_have_text("In force")
    site.assert_no_errors()
