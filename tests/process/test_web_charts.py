"""The page's charts over time in a real headless Chromium against a real server with the
bundled timeline: export controls in force by jurisdiction and funding standing by agency,
drawn by the vendored Chart.js from ``GET /views/<view>/counts``, under the page's strict
Content-Security-Policy, with no console error.

Each test compares what the chart holds (the Chart.js instance's data) with the API's answer
for the same question, as a reader checking the picture against the numbers would.
"""

# ruff: noqa: F811  (the fixtures browser and site are imported, then asked for by name)
from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.web_page import (  # noqa: F401
    Site,
    another_reader,
    browser,
    site,
)

pytestmark = pytest.mark.backend_independent

CHARTS = {
    "controls": ("active-export-controls", {"by": "jurisdiction", "status": "in_force"}),
    "funding": ("funding", {"by": "agency"}),
}

# What the Chart.js instance on a canvas holds: its x labels and each series' key and values.
CHART_DATA = """(id) => {
  const chart = Chart.getChart(document.getElementById(id));
  if (!chart) return null;
  return {
    labels: chart.data.labels,
    series: chart.data.datasets.map((d) => ({ key: d.key, data: d.data })),
    width: chart.width,
    height: chart.height,
  };
}"""


def counts(base: str, name: str, section: dict[str, str], **filters: Any) -> dict[str, Any]:
    """The API's counts for chart ``name``, at the bucket, range and position it shows."""
    view, asked = CHARTS[name]
    params = {
        **asked,
        "bucket": section["bucket"],
        "from": "2020-01-01",
        "to": section["to"],
        "known_at": f"position={section['position']}",
        **filters,
    }
    answer = httpx.get(f"{base}/views/{view}/counts", params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def shown(page: Page) -> dict[str, str]:
    section = page.locator("#charts-section")
    return {
        name: str(section.get_attribute(f"data-{name}")) for name in ("bucket", "to", "position")
    }


def assert_chart_matches(page: Page, name: str, answer: dict[str, Any]) -> None:
    drawn = page.evaluate(CHART_DATA, f"{name}-chart")
    assert drawn is not None, f"no chart on #{name}-chart"
    assert drawn["width"] > 100 and drawn["height"] > 100
    labels = drawn["labels"]
    assert labels[-1] == answer["to"]  # no bucket past the last day asked for
    value = "total_usd" if name == "funding" else "count"
    expected = {(i["period_end"], i["key"]): float(i[value]) for i in answer["items"]}
    assert {s["key"] for s in drawn["series"]} == {key for _, key in expected}
    for series in drawn["series"]:
        for label, number in zip(labels, series["data"], strict=True):
            assert number == expected.get((label, series["key"]), 0), (name, label, series["key"])
    assert {end for end, _ in expected} <= set(labels)


def test_both_charts_are_drawn_from_the_counts_with_no_errors(site: Site) -> None:
    page = site.page
    expect(page.locator("#charts-section[data-position]")).to_be_attached()
    section = shown(page)
    assert section["bucket"] == "quarter"
    for name in CHARTS:
        answer = counts(site.base, name, section)
        assert answer["items"], name  # the bundled timeline has controls and funding
        assert_chart_matches(page, name, answer)
        canvas = page.locator(f"#{name}-chart")
        expect(canvas).to_be_visible()
        # The text alternative: the canvas is an image labelled with the summary, and the
        # numbers are in a table, a row per period end.
        expect(canvas).to_have_attribute("role", "img")
        summary = page.locator(f"#{name}-chart-summary").text_content() or ""
        assert summary and summary in (canvas.get_attribute("aria-label") or "")
        labels = page.evaluate(CHART_DATA, f"{name}-chart")["labels"]
        expect(page.locator(f"#{name}-chart-table tbody tr")).to_have_count(len(labels))
    last = [
        i
        for i in counts(site.base, "controls", section)["items"]
        if i["period_end"] == section["to"]
    ]
    cn = next(i["count"] for i in last if i["key"] == "CN")
    expect(page.locator("#controls-chart-summary")).to_contain_text(f"CN {cn}")
    site.assert_no_errors()


def test_the_vendored_chart_library_is_served_by_the_app_with_its_licence(site: Site) -> None:
    script = httpx.get(f"{site.base}/static/vendor/chart.js/chart.min.js", timeout=10)
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "Chart.js v3.9.1" in script.text[:200]
    assert "script-src 'self'" in script.headers["content-security-policy"]
    assert httpx.get(f"{site.base}/static/vendor/chart.js/LICENSE", timeout=10).status_code == 404
    page_html = httpx.get(f"{site.base}/", timeout=10).text
    assert '<script src="/static/vendor/chart.js/chart.min.js"></script>' in page_html
    assert page_html.index("chart.min.js") < page_html.index("/static/app.js")


def test_choosing_the_year_redraws_the_charts_at_year_ends(site: Site) -> None:
    page = site.page
    page.locator("#chart-bucket").select_option("year")
    expect(page.locator("#charts-section")).to_have_attribute("data-bucket", "year")
    section = shown(page)
    for name in CHARTS:
        answer = counts(site.base, name, section)
        assert_chart_matches(page, name, answer)
        labels = page.evaluate(CHART_DATA, f"{name}-chart")["labels"]
        assert labels[:3] == ["2020-12-31", "2021-12-31", "2022-12-31"]
    page.locator("#chart-bucket").select_option("quarter")
    expect(page.locator("#charts-section")).to_have_attribute("data-bucket", "quarter")
    site.assert_no_errors()


def test_the_charts_follow_the_filters_and_the_record_time(site: Site, browser: Browser) -> None:
    address = "/?at=2025-12-31&material=Dy&jurisdiction=US&known_at=position=40"
    with another_reader(site, browser, address) as page:
        expect(page.locator("#charts-section")).to_have_attribute("data-position", "40")
        section = shown(page)
        assert section["to"] == "2025-12-31"
        for name in CHARTS:
            answer = counts(site.base, name, section, material="Dy", jurisdiction="US")
            assert_chart_matches(page, name, answer)
        agencies = counts(site.base, "funding", section, material="Dy", jurisdiction="US")
        assert agencies["items"] and {i["key"] for i in agencies["items"]} <= {
            i["key"] for i in counts(site.base, "funding", section)["items"]
        }
    site.assert_no_errors()
