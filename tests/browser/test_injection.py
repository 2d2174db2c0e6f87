"""Participant text cannot inject: a programme made of payloads builds, and in Chromium nothing runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser.actions import search
from tests.browser.conftest import Tab
from tests.browser.injection import (
    BODY_PAYLOADS,
    CORPUS,
    MENTEE_NAME,
    MENTOR_NAME,
    OTHER_MENTEE_NAME,
    OTHER_MENTOR_NAME,
    PLAIN_PAYLOADS,
)
from tests.browser.kinds import pair_page

pytestmark = pytest.mark.browser

# Markup that must never reach a built file unescaped (HTML, search index, sitemap, feeds).
LIVE_MARKUP = ("<script>alert", "<img src=x onerror", "<svg onload", "<b onmouseover")

# Everything on the page that could run script: inline handlers, script-bearing URLs (as the
# browser resolves them, so "java\nscript:" counts), and scripts or frames inside the content.
_ACTIVE_CONTENT = r"""() => {
  const found = [];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on")) {
        found.push(`<${element.localName} ${name}="${attribute.value}">`);
      }
      if (["href", "src", "action", "formaction", "xlink:href", "data"].includes(name)) {
        let scheme = "";
        try { scheme = new URL(attribute.value, document.baseURI).protocol; } catch (e) {}
        if (["javascript:", "vbscript:"].includes(scheme)
            || (scheme === "data:" && ["a", "area", "iframe", "form"].includes(element.localName))) {
          found.push(`<${element.localName} ${name}=${JSON.stringify(attribute.value)}>`);
        }
      }
    }
  }
  for (const element of document.querySelectorAll(
      ".md-content script, .md-content iframe, .md-content object, .md-content embed")) {
    found.push(element.outerHTML.slice(0, 120));
  }
  return found;
}"""


def html_pages(site: Path) -> list[str]:
    """Return the path under site/ of every built page."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_the_payload_programme_builds_pages_of_every_kind(injection_site: Path) -> None:
    pages = set(html_pages(injection_site))
    kinds = {"index.html", "pairs/index.html", "stories/index.html", "stories/payloads.html"}
    kinds |= {"blog/index.html", "blog/payloads.html", "blog/archive/2026.html", "tags.html"}
    kinds |= {"blog/category/payloads.html"}
    assert kinds <= pages
    assert pair_page(injection_site, "Ada") in pages
    # Every class of the corpus was built for real, as a post of its own.
    assert {f"blog/corpus-{name}.html" for name in CORPUS} <= pages


def test_no_built_file_carries_live_markup(injection_site: Path) -> None:
    found = []
    for path in sorted(injection_site.rglob("*")):
        if path.suffix in {".html", ".js", ".json", ".xml"}:
            text = path.read_text(encoding="utf-8")
            found += [f"{path.relative_to(injection_site)}: {m}" for m in LIVE_MARKUP if m in text]
    assert found == []


def test_no_page_runs_or_carries_script(
    tabs: Callable[..., Tab], injection_url: str, injection_site: Path
) -> None:
    tab = tabs(injection_url)
    found: dict[str, list[str]] = {}
    for path in html_pages(injection_site):
        tab.open(path)
        # Nothing may be there to run: no handler to hover or click, no script URL to follow.
        active = tab.page.evaluate(_ACTIVE_CONTENT)
        if active:
            found[path] = active
    assert found == {}
    assert tab.traffic.dialogs == []
    assert tab.traffic.console_errors == []
    assert tab.traffic.blocked == []


@pytest.mark.parametrize(
    "name", ["abbr-title", "link-title-html", "attr-list-title", "link-title-breakout"]
)
def test_hovering_titles_runs_nothing(
    tabs: Callable[..., Tab], injection_url: str, name: str
) -> None:
    # Text in a title attribute stays text, whatever the theme does with it on hover.
    tab = tabs(injection_url)
    tab.open(f"blog/corpus-{name}.html")
    targets = tab.page.locator(".md-content [title], .md-header .md-ellipsis")
    assert targets.count() > 0
    for index in range(targets.count()):
        element = targets.nth(index)
        box = element.bounding_box() if element.is_visible() else None
        if box:
            tab.page.mouse.move(0, 0)
            tab.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=4)
            tab.page.wait_for_timeout(600)  # the theme shows tooltips after a delay
    assert tab.page.evaluate(_ACTIVE_CONTENT) == []
    assert tab.traffic.dialogs == []


# Click every link of the content that stays on the page (a fragment, "#", or no web URL at all):
# a link that smuggled script through would run it now and open a dialog.
_CLICK_LINKS_THAT_STAY = r"""() => {
  let clicked = 0;
  for (const link of document.querySelectorAll(".md-content a[href]")) {
    const url = new URL(link.href, document.baseURI);
    const here = url.origin + url.pathname === location.origin + location.pathname;
    if (here || !["http:", "https:"].includes(url.protocol)) {
      link.click();
      clicked += 1;
    }
  }
  return clicked;
}"""


@pytest.mark.parametrize("path", ["stories/payloads.html", "blog/payloads.html"])
def test_clicking_the_links_in_participant_text_runs_nothing(
    tabs: Callable[..., Tab], injection_url: str, path: str
) -> None:
    tab = tabs(injection_url)
    tab.open(path)
    assert tab.page.evaluate(_CLICK_LINKS_THAT_STAY) > 0
    tab.page.wait_for_timeout(200)  # a javascript: URL runs as a task after the click
    assert tab.traffic.dialogs == []
    assert tab.page.url.startswith(injection_url + path)


def _content_text(tab: Tab, path: str) -> str:
    tab.open(path)
    return tab.page.locator(".md-content").inner_text()


@pytest.mark.parametrize(
    ("mentor", "mentee"), [(MENTOR_NAME, MENTEE_NAME), (OTHER_MENTOR_NAME, OTHER_MENTEE_NAME)]
)
def test_names_bios_and_goals_show_as_plain_text(
    tabs: Callable[..., Tab], injection_url: str, injection_site: Path, mentor: str, mentee: str
) -> None:
    tab = tabs(injection_url)
    path = pair_page(injection_site, mentor.split()[0])
    text = _content_text(tab, path)
    heading = tab.page.locator(".md-content h1").inner_text()
    assert mentor in heading and mentee in heading
    missing = [payload for payload in PLAIN_PAYLOADS if payload not in text]
    assert missing == []
    assert tab.traffic.dialogs == []


@pytest.mark.parametrize("path", ["stories/payloads.html", "blog/payloads.html"])
def test_story_and_post_bodies_show_payloads_as_text(
    tabs: Callable[..., Tab], injection_url: str, path: str
) -> None:
    tab = tabs(injection_url)
    text = _content_text(tab, path)
    assert [payload for payload in BODY_PAYLOADS if payload not in text] == []
    assert "root:" not in text  # the snippet marker included nothing
    assert tab.traffic.dialogs == []


def test_the_payload_named_author_is_shown_as_text_on_the_post(
    tabs: Callable[..., Tab], injection_url: str
) -> None:
    tab = tabs(injection_url)
    tab.open("blog/payloads.html")
    profile = tab.page.locator(".md-post__profile")
    # Author names reach Material's templates HTML-escaped: shown exactly as written.
    assert profile.locator("strong").inner_text().strip() == MENTOR_NAME
    assert profile.locator("img").get_attribute("alt") == MENTOR_NAME
    assert profile.locator("b, script, svg, [onmouseover]").count() == 0


# "junior" finds the pair pages, indexed by their people's payload-laden names; "payload"
# finds the story and the post.
@pytest.mark.parametrize("query", ["junior", "payload"])
def test_search_results_show_payloads_as_text(
    tabs: Callable[..., Tab], injection_url: str, query: str
) -> None:
    tab = tabs(injection_url)
    tab.open("index.html")
    assert search(tab.page, query), f"no result for {query!r}"
    results = tab.page.locator(".md-search-result")
    assert "alert(1)" in results.inner_text()
    assert tab.page.evaluate(_ACTIVE_CONTENT) == []
    assert tab.traffic.dialogs == []
