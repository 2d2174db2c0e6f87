"""The portal from the keyboard alone: skip link, main navigation, search."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Tab
from tests.browser.kinds import CONSENTING_NAME, pair_page

pytestmark = pytest.mark.browser

_FOCUSED = """() => {
  const e = document.activeElement;
  return {
    classes: [...e.classList],
    href: e.getAttribute("href") || "",
    text: e.textContent.trim(),
    outline: getComputedStyle(e).outlineStyle,
  };
}"""


def focused(page: Page) -> dict[str, Any]:
    """Describe the element that has the keyboard focus."""
    return page.evaluate(_FOCUSED)  # type: ignore[no-any-return]


def tab_until(
    page: Page, wanted: Callable[[dict[str, Any]], bool], limit: int = 40
) -> dict[str, Any]:
    """Press Tab until the focused element is *wanted*; fail after *limit* presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if wanted(element):
            return element
    raise AssertionError(f"{limit} presses of Tab never reached the element")


def test_the_first_tab_stop_is_the_skip_link_and_it_skips_to_the_content(
    tabs: Callable[..., Tab], demo_url: str
) -> None:
    tab = tabs(demo_url)
    tab.open("about.html")
    page = tab.page
    page.keyboard.press("Tab")
    skip = focused(page)
    assert "md-skip" in skip["classes"]
    assert skip["text"] == "Skip to content"
    expect(page.locator(".md-skip")).to_be_visible()  # shown while focused
    page.keyboard.press("Enter")
    # Following the link is asynchronous: wait (up to the default timeout) for the address.
    expect(page).to_have_url(re.compile(re.escape(skip["href"]) + "$"))
    assert urlsplit(page.url).fragment == skip["href"].lstrip("#")
    target = page.locator(skip["href"])
    expect(target).to_be_in_viewport()
    assert target.evaluate("e => !!e.closest('.md-content')")


@pytest.mark.parametrize(
    ("label", "path"), [("Pairs", "pairs/index.html"), ("Blog", "blog/index.html")]
)
def test_the_main_navigation_works_from_the_keyboard(
    tabs: Callable[..., Tab], demo_url: str, label: str, path: str
) -> None:
    tab = tabs(demo_url)
    tab.open("guides/mentors.html")
    page = tab.page
    link = tab_until(page, lambda e: "md-tabs__link" in e["classes"] and e["text"] == label)
    assert link["outline"] != "none", "the focused tab shows no focus outline"
    page.keyboard.press("Enter")
    page.wait_for_url(demo_url + path)
    expect(page.locator(".md-tabs__item--active")).to_have_text(label)
    expect(page.locator(".md-content h1").first).to_be_attached()


def test_search_works_from_the_keyboard(
    tabs: Callable[..., Tab], demo_url: str, demo_site: Path
) -> None:
    tab = tabs(demo_url)
    tab.open("stories/index.html")
    page = tab.page
    page.keyboard.press("/")
    expect(page.locator(".md-search__input")).to_be_focused()
    page.keyboard.type(CONSENTING_NAME)
    # Results are redrawn as each letter arrives: wait for those of the whole name.
    highlight = "h=" + "+".join(CONSENTING_NAME.lower().split())
    first_result = page.locator(".md-search-result__link").first
    expect(first_result).to_have_attribute("href", re.compile(re.escape(highlight) + "$"))
    page.keyboard.press("ArrowDown")
    first = focused(page)
    assert "md-search-result__link" in first["classes"]
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo_url}{pair_page(demo_site, CONSENTING_NAME)}*")
    expect(page.locator(".md-content h1")).to_contain_text(CONSENTING_NAME)


def test_escape_closes_search_and_returns_to_the_page(
    tabs: Callable[..., Tab], demo_url: str
) -> None:
    tab = tabs(demo_url)
    tab.open("about.html")
    page = tab.page
    page.keyboard.press("/")
    expect(page.locator(".md-search__input")).to_be_focused()
    expect(page.locator("#__search")).to_be_checked()  # Material's search overlay is open
    page.keyboard.press("Escape")
    expect(page.locator("#__search")).not_to_be_checked()
    expect(page.locator(".md-search__input")).not_to_be_focused()
    assert page.url == demo_url + "about.html"
