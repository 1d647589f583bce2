"""The web page at ``/`` in a real headless Chromium (Debian's ``chromium``, driven by
Playwright) against a real ``policy-timeline serve`` process with the bundled timeline.

One server and one page for the module; the tests run in file order on that page, as a user
would: load, scrub the valid date, look, watch an event posted elsewhere arrive, open it.
Every test also checks that the page has logged no error so far.

Skipped when ``/usr/bin/chromium`` is absent, unless ``POLICY_TIMELINE_REQUIRE_BROWSER`` is set
(CI), in which case a missing browser or driver fails instead.
"""

# ruff: noqa: F811  (the fixtures browser and site are imported, then asked for by name)
from __future__ import annotations

import base64
import shutil
import time
from datetime import date, timedelta
from uuid import uuid4

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.support.web_page import (  # noqa: F401
    AUTH,
    SCREENSHOT,
    Site,
    across,
    another_reader,
    box,
    browser,
    overlap,
    site,
)

LIVE_WITHIN_SECONDS = 2.0
HEAVY_RARE_EARTHS = "cn-7ree-2025"  # MOFCOM/GAC Announcement No. 18 of 2025, from 4 April 2025

pytestmark = pytest.mark.backend_independent


def all_jurisdictions(base: str) -> set[str]:
    policies = httpx.get(f"{base}/policies?limit=500", timeout=10).json()
    assert policies["next_after"] is None
    return {p["jurisdiction"] for p in policies["items"] if p["jurisdiction"]}


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def test_the_page_loads_with_the_bundled_timeline_and_no_errors(site: Site) -> None:
    page = site.page
    answer = site.landing
    assert answer.status == 200
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    timeline = httpx.get(f"{site.base}/views/timeline?limit=1000").json()["items"]
    assert len(timeline) > 50  # the bundled real timeline
    expect(page.locator("#timeline g.ev")).to_have_count(len(timeline))
    lanes = page.locator("#timeline text.lane-code").all_text_contents()
    assert {"CN", "US", "EU", "IN"} <= set(lanes)
    expect(page.locator("#controls tbody tr[data-policy-id]").first).to_be_visible()
    expect(page.locator("#funding tbody tr").first).to_be_visible()
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    unlabelled = page.evaluate(UNLABELLED_CONTROLS)
    assert unlabelled == [], f"form controls without a label: {unlabelled}"
    site.assert_no_errors()


# Form controls and buttons a screen reader could not name.
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll("input, select, button")]
  .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")
    && !e.getAttribute("aria-labelledby") && !e.textContent.trim())
  .map((e) => e.id || e.outerHTML.slice(0, 80))"""


def test_moving_the_date_brings_the_april_2025_heavy_rare_earth_control_into_the_table(
    site: Site,
) -> None:
    page = site.page
    page.locator("#at-date").fill("2025-03-01")
    expect(page.locator("#controls-section")).to_have_attribute("data-at", "2025-03-01")
    rows = page.locator("#controls tbody tr[data-policy-id]")
    expect(rows.first).to_be_visible()
    control = page.locator(f'#controls tbody tr[data-policy-id="{HEAVY_RARE_EARTHS}"]')
    expect(control).to_have_count(0)

    slider = page.locator("#at-range")
    slider.focus()
    for _ in range(3):  # PageUp: one month later, from the keyboard
        slider.press("PageUp")
    expect(slider).to_have_attribute("aria-valuetext", "1 June 2025")
    expect(page.locator("#controls-section")).to_have_attribute("data-at", "2025-06-01")
    expect(control).to_have_count(1)
    expect(control).to_have_attribute("data-status", "in_force")
    expect(page.locator("#funding-section")).to_have_attribute("data-at", "2025-06-01")
    # ... and on the timeline the control's event is no longer in the faded future
    marker = page.locator(f'#timeline g.ev[data-policy-id="{HEAVY_RARE_EARTHS}"]').first
    assert "future" not in (marker.get_attribute("class") or "")
    site.assert_no_errors()


def test_views_without_a_section_of_their_own_get_a_table_from_the_registry(
    site: Site,
) -> None:
    """The page draws every view the registry lists: those without a hand-written section
    (the tariffs) get a table of their declared columns, re-read with the date."""
    page = site.page
    page.locator("#at-date").fill("2025-06-01")
    table = page.locator("#view-tariffs-table")
    expect(table).to_be_visible()
    headers = [h.strip() for h in table.locator("thead th").all_text_contents()]
    assert headers[:3] == ["policy_id", "status", "rate %"]
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody")).to_contain_text("us-s301-cm-2024")
    expect(table.locator("tbody")).to_contain_text("pending")  # graphite and magnets: 2026
    page.locator("#at-date").fill("2024-09-01")  # before either was announced
    expect(table.locator("tbody td.empty")).to_have_count(1)
    site.assert_no_errors()


def test_the_jurisdiction_filter_offers_every_jurisdiction_whatever_the_result(
    site: Site, browser: Browser
) -> None:
    everywhere = all_jurisdictions(site.base)
    offered = "[...document.querySelectorAll('#jurisdiction option')].map((o) => o.value)"
    # tungsten: only some jurisdictions have a move on it, so the result holds only those
    with another_reader(site, browser, "/?material=W") as page:
        lanes = set(page.locator("#timeline text.lane-code").all_text_contents())
        assert lanes and lanes < everywhere  # the result is narrower than the timeline
        assert set(page.evaluate(offered)) == {"", *everywhere}
    # a jurisdiction with nothing recorded, named by the address: offered and shown chosen
    assert "KR" not in everywhere
    with another_reader(site, browser, "/?jurisdiction=KR") as page:
        select = page.locator("#jurisdiction")
        expect(select).to_have_value("KR")
        expect(select.locator("option:checked")).to_have_text("KR · South Korea")
        assert set(page.evaluate(offered)) == {"", "KR", *everywhere}
        expect(page.locator("#timeline g.ev")).to_have_count(0)
    site.assert_no_errors()


def test_the_valid_date_stays_on_the_timeline_axis_beyond_the_last_event(
    site: Site, browser: Browser
) -> None:
    timeline = httpx.get(f"{site.base}/views/timeline?limit=1000").json()["items"]
    last = max(date.fromisoformat(e["announced_on"]) for e in timeline)
    later = last + timedelta(days=270)  # well past the last event, still on the date slider
    with another_reader(site, browser, f"/?at={later}") as page:
        expect(page.locator("#at-range")).to_have_attribute("aria-valuetext", long_date(later))
        ruler = box(page.locator("#timeline rect.ruler"))
        assert across(box(page.locator("#timeline line.at-line")), ruler)
        assert across(box(page.locator("#timeline rect.at-pill")), ruler)
        expect(page.locator("#timeline text.at-label")).to_have_text(
            f"{later.day} {later:%b %Y}".replace("Sep ", "Sept ")
        )
        marks = page.locator("#timeline g.ev")
        expect(marks).to_have_count(len(timeline))
        for mark in marks.all():
            assert across(box(mark), ruler), mark.get_attribute("aria-label")
    site.assert_no_errors()


def test_the_valid_date_label_never_covers_a_tick_label(site: Site) -> None:
    page = site.page
    shown = page.evaluate("document.getElementById('timeline').getAttribute('aria-label')")
    years = range(2021, 2026)
    # 1 June 2025 (where the label first met one), and each 1 January: right on a tick label
    for day in [date(2025, 6, 1), *(date(y, 1, 1) for y in years), date(2025, 6, 1)]:
        page.locator("#at-date").fill(day.isoformat())
        expect(page.locator("#at-range")).to_have_attribute("aria-valuetext", long_date(day))
        drawn = page.evaluate(LABEL_AND_TICKS)
        assert len(drawn["marker"]) == 2 and drawn["ticks"], (day, shown)
        hits = [
            (tick["text"], day.isoformat())
            for tick in drawn["ticks"]
            for part in drawn["marker"]
            if overlap(part, tick)
        ]
        assert hits == [], f"the valid-date label covers tick labels: {hits}"
    expect(page.locator("#controls-section")).to_have_attribute("data-at", "2025-06-01")
    site.assert_no_errors()


# The boxes of the valid-date marker's pill and label, and of every tick label, on screen.
LABEL_AND_TICKS = """() => {
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height, text: e.textContent };
  };
  const all = (css) => [...document.querySelectorAll(css)].map(box);
  return { marker: all("#timeline .at-pill, #timeline .at-label"), ticks: all("#timeline .tick") };
}"""


def test_the_funding_headline_says_what_it_adds_up(site: Site, browser: Browser) -> None:
    at = "2025-06-01"
    grouped = httpx.get(f"{site.base}/views/funding?at={at}&group_by=jurisdiction").json()
    paying = [g["key"]["jurisdiction"] for g in grouped["items"] if float(g["total_usd"]) > 0]
    assert len(paying) > 1  # so "all" really does add jurisdictions together
    headline = site.page.locator("#funding-summary")
    expect(site.page.locator("#funding-section")).to_have_attribute("data-at", at)
    expect(headline).to_contain_text("all jurisdictions added together")
    expect(headline).to_contain_text("in US dollars as its source gives it")
    for code in paying:  # and what each adds
        expect(headline).to_contain_text(f"{code} $")
    with another_reader(site, browser, f"/?at={at}&jurisdiction=US") as page:
        one = page.locator("#funding-summary")
        expect(one).to_contain_text("US · United States")
        expect(one).not_to_contain_text("all jurisdictions")
    site.assert_no_errors()


def test_a_screenshot_of_the_page_for_the_readme(site: Site, browser: Browser) -> None:
    page = site.page
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    shot = site.directory / "screenshot.png"
    page.screenshot(path=str(shot), full_page=True, animations="disabled", caret="hide")
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    # Rewritten only when the page looks different (Chromium's anti-aliasing of a few edge
    # pixels varies from run to run), so the committed copy does not churn.
    if not SCREENSHOT.exists() or not looks_the_same(browser, SCREENSHOT.read_bytes(), png):
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    site.assert_no_errors()


# Two PNGs look the same when they have the same size and no colour channel of any pixel
# differs by more than a shade (anti-aliasing); a changed word or line differs by far more.
SAME_PICTURE = """async ([first, second]) => {
  const pixels = async (base64) => {
    const image = new Image();
    image.src = "data:image/png;base64," + base64;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return context.getImageData(0, 0, image.width, image.height);
  };
  const [a, b] = await Promise.all([pixels(first), pixels(second)]);
  if (a.width !== b.width || a.height !== b.height) return false;
  for (let i = 0; i < a.data.length; i += 1) {
    if (Math.abs(a.data[i] - b.data[i]) > 24) return false;
  }
  return true;
}"""


def looks_the_same(browser: Browser, first: bytes, second: bytes) -> bool:
    if first == second:
        return True
    page = browser.new_page()  # about:blank, apart from the page under test
    try:
        encoded = [base64.b64encode(p).decode("ascii") for p in (first, second)]
        return bool(page.evaluate(SAME_PICTURE, encoded))
    finally:
        page.close()


def test_an_event_posted_elsewhere_appears_without_a_reload(site: Site) -> None:
    page = site.page
    page.evaluate("window.__notReloaded = true")
    event_id = str(uuid4())
    title = "Made-up test control on dysprosium magnets (not a real policy)"
    answer = site.post(
        {
            "event_id": event_id,
            "type": "ExportControlImposed",
            "policy_id": "jp-made-up-page-test",
            "jurisdiction": "JP",
            "agency": "Made-up agency",
            "title": title,
            "announced_on": "2025-05-20",
            "materials": ["Dy"],
            "measure": "licence_required",
            "sources": [{"title": "made-up source for a test", "url": "https://example.org/"}],
            "confidence": "confirmed",
        }
    )
    posted = time.monotonic()
    marker = page.locator(f'#timeline g.ev[data-event-id="{event_id}"]')
    expect(marker).to_be_attached(timeout=LIVE_WITHIN_SECONDS * 1000)
    row = page.locator('#controls tbody tr[data-policy-id="jp-made-up-page-test"]')
    expect(row).to_be_visible(timeout=LIVE_WITHIN_SECONDS * 1000)
    elapsed = time.monotonic() - posted
    assert elapsed < LIVE_WITHIN_SECONDS, f"shown after {elapsed:.2f} s"
    expect(page.locator("#feed li")).to_contain_text(title)
    expect(page.locator("#timeline text.lane-code", has_text="JP")).to_have_count(1)
    assert page.evaluate("window.__notReloaded") is True
    assert answer["position"] > 0
    site.assert_no_errors()


def test_an_event_posted_after_all_others_lands_on_the_timeline_axis(site: Site) -> None:
    page = site.page
    timeline = httpx.get(f"{site.base}/views/timeline?limit=1000").json()["items"]
    last = max(date.fromisoformat(e["announced_on"]) for e in timeline)
    event_id = str(uuid4())
    site.post(
        {
            "event_id": event_id,
            "type": "FundingCommitted",
            "policy_id": "jp-made-up-axis-test",
            "jurisdiction": "JP",
            "agency": "Made-up agency",
            "title": "Made-up grant for a magnet plant, dated after every other event (not real)",
            "announced_on": (last + timedelta(days=400)).isoformat(),
            "materials": ["Nd"],
            "amount": {"value": "1000000", "currency": "USD"},
            "amount_usd": "1000000",
            "mechanism": "grant",
            "sources": [{"title": "made-up source for a test", "url": None}],
        }
    )
    marker = page.locator(f'#timeline g.ev[data-event-id="{event_id}"]')
    expect(marker).to_be_attached(timeout=LIVE_WITHIN_SECONDS * 1000)
    assert across(box(marker), box(page.locator("#timeline rect.ruler")))
    assert across(box(marker), box(page.locator("#timeline-box")))
    # the valid date (1 June 2025) is still on the axis too
    assert across(
        box(page.locator("#timeline line.at-line")), box(page.locator("#timeline rect.ruler"))
    )
    site.assert_no_errors()


def test_clicking_an_event_shows_its_fields_sources_and_corrections(site: Site) -> None:
    page = site.page
    page.locator(f'#timeline g.ev[data-policy-id="{HEAVY_RARE_EARTHS}"]').first.click()
    details = page.locator("#details-body")
    expect(details.locator("h3")).to_contain_text("seven medium/heavy rare earths")
    expect(details).to_contain_text("MOFCOM/GAC Announcement No. 18 of 2025")
    expect(details.locator("ul.sources a[href^='http']").first).to_be_visible()

    made_up = page.locator('#timeline g.ev[data-policy-id="jp-made-up-page-test"]')
    made_up.click()
    expect(details.locator("h3")).to_contain_text("Made-up test control")
    event_id = made_up.get_attribute("data-event-id")
    site.post(
        {
            "type": "EventCorrected",
            "corrects": event_id,
            "changes": {"materials": ["Dy", "Tb"]},
            "reason": "made-up correction for a test",
            "title": "Made-up correction (not real)",
            "announced_on": "2025-05-21",
            "sources": [{"title": "made-up source for a test", "url": None}],
        }
    )
    # the open event is read again when the stream says it changed
    expect(details.locator("ol.corrections")).to_contain_text("made-up correction for a test")
    expect(details.locator("dd.corrected")).to_contain_text("Dy, Tb")
    site.assert_no_errors()


def test_known_at_goes_back_to_before_the_made_up_event(site: Site) -> None:
    page = site.page
    head = httpx.get(f"{site.base}/healthz").json()["position"]
    made_up = page.locator('#timeline g.ev[data-policy-id="jp-made-up-page-test"]')
    expect(made_up).to_have_count(1)
    page.locator("#known-mode").select_option("position")
    slider = page.locator("#known-position")
    expect(slider).to_be_visible()
    first = httpx.get(f"{site.base}/policies/jp-made-up-page-test").json()["history"][0]
    slider.focus()
    for _ in range(head - first["position"] + 1):
        slider.press("ArrowLeft")
    expect(made_up).to_have_count(0)
    expect(page.locator('#controls tbody tr[data-policy-id="jp-made-up-page-test"]')).to_have_count(
        0
    )
    page.locator("#known-mode").select_option("latest")
    expect(made_up).to_have_count(1)
    site.assert_no_errors()


def test_the_timeline_zooms_and_works_from_the_keyboard(site: Site) -> None:
    page = site.page
    timeline = page.locator("#timeline")
    before = timeline.get_attribute("aria-label")
    timeline.hover(position={"x": 700, "y": 120})
    page.mouse.wheel(0, -500)  # zoom in around the pointer
    expect(timeline).not_to_have_attribute("aria-label", before or "")
    page.locator("#zoom-fit").click()
    expect(timeline).to_have_attribute("aria-label", before or "")

    current = page.locator("#timeline g.ev[tabindex='0']")
    expect(current).to_have_count(1)
    current.focus()
    page.keyboard.press("Home")  # the first event, so that ArrowRight has somewhere to go
    moved = page.locator("#timeline g.ev:focus")
    first = moved.get_attribute("data-event-id")
    page.keyboard.press("ArrowRight")
    expect(moved).to_have_count(1)
    assert moved.get_attribute("data-event-id") != first
    page.keyboard.press("Enter")
    expect(page.locator("#details-body h3")).to_have_text(
        moved.get_attribute("aria-label").split(": ", 1)[1]  # type: ignore[union-attr]
    )
    site.assert_no_errors()
