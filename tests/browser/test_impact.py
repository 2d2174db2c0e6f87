"""The impact page in Chromium: accessible, every chart described in words, readable on a phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, MOBILE, Tab, is_local
from tests.browser.test_pages import AXE_EXCLUSIONS

pytestmark = pytest.mark.browser

IMPACT = "impact.html"
WIDTHS = {"desktop": DESKTOP, "mobile": MOBILE}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_impact_page_has_no_serious_axe_violation(
    tabs: Callable[..., Tab], demo_url: str, width: str
) -> None:
    tab = tabs(demo_url, WIDTHS[width])
    tab.open(IMPACT)
    found = Axe().run(tab.page).response["violations"]
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']}: {[n['target'] for n in v['nodes']]}"
        for v in found
        if v["impact"] in {"serious", "critical"}
        and any(
            (v["id"], " ".join(map(str, n["target"]))) not in AXE_EXCLUSIONS for n in v["nodes"]
        )
    ]
    assert problems == []
    assert tab.traffic.console_errors == []
    assert tab.traffic.blocked == [] and all(is_local(u) for u in tab.traffic.requests)


def test_every_chart_has_a_text_alternative_and_loads(
    tabs: Callable[..., Tab], demo_url: str, demo_site: Path
) -> None:
    tab = tabs(demo_url)
    tab.open(IMPACT)
    charts = tab.page.locator("article img[src*='images/impact/']")
    assert charts.count() == len(list((demo_site / "images" / "impact").glob("*.svg"))) == 4
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        alt = (chart.get_attribute("alt") or "").strip()
        assert alt.startswith("On average, ") and "target" in alt, alt
        loaded = chart.evaluate("img => img.complete && img.naturalWidth > 0")
        assert loaded, chart.get_attribute("src")
    # The same numbers stand in a table next to each chart.
    assert tab.page.locator("article table").count() >= 5


def test_the_impact_page_fits_a_phone(tabs: Callable[..., Tab], demo_url: str) -> None:
    tab = tabs(demo_url, MOBILE)
    tab.open(IMPACT)
    page = tab.page
    # Nothing but a table's own scroll box is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    chart = page.locator("article img[src*='images/impact/']").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= MOBILE["width"] and box["width"] >= 300
    # Drawn at 360 pt for 12 pt text: at this width the text is at least 10 px tall.
    assert box["height"] == pytest.approx(box["width"] * 540 / 720, abs=2)
    assert page.locator("a", has_text="Impact").count() >= 1
