"""Screenshots for the README: home, a pair, a story and the impact page, desktop and mobile.

Written on every run into docs/screenshots/, so they always show the current portal.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, MOBILE, Tab
from tests.browser.kinds import CONSENTING_NAME, pair_page
from tests.conftest import REPO

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"
WIDTHS = {"desktop": DESKTOP, "mobile": MOBILE}


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("subject", ["home", "pair", "story", "impact"])
def test_screenshot(
    tabs: Callable[..., Tab], demo_url: str, demo_site: Path, subject: str, width: str
) -> None:
    path = {
        "home": "index.html",
        "pair": pair_page(demo_site, CONSENTING_NAME),
        "story": "stories/spreadsheets-to-street-level.html",
        # The first measure: its words, chart and table, as a reader arriving from the summary.
        "impact": "impact.html#measure-digital-confidence",
    }[subject]
    viewport = WIDTHS[width]
    tab = tabs(demo_url, viewport)
    tab.open(path)
    tab.page.evaluate("document.fonts.ready")
    target = SCREENSHOTS / f"{subject}-{width}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=target, animations="disabled", caret="hide")
    assert _png_size(target) == (viewport["width"], viewport["height"])
    assert target.stat().st_size > 10_000, "the screenshot is nearly blank"
    assert tab.traffic.blocked == []
