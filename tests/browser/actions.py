"""What a reader does in the portal: search from the keyboard, read the results."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Page, expect

_COUNTED = re.compile(r"matching document", re.I)
_INITIALISING = re.compile(r"Initializing search")


@dataclass(frozen=True)
class SearchResult:
    """One search result: the page it links to and its title."""

    href: str
    title: str


def wait_until_ready(page: Page) -> None:
    """Wait until the page's search worker has loaded the index (Material's last start-up step)."""
    expect(page.locator(".md-search-result__meta")).not_to_have_text(_INITIALISING)


def search(page: Page, query: str) -> list[SearchResult]:
    """Focus search with '/', as Material binds it, type *query*; return the results shown."""
    page.keyboard.press("/")
    search_box = page.locator(".md-search__input")
    expect(search_box).to_be_focused()
    meta = page.locator(".md-search-result__meta")
    # Material searches on keyup. Clear any earlier query first, so that no count is left over.
    search_box.fill("")
    search_box.press("Backspace")
    expect(meta).not_to_have_text(_COUNTED)
    # Then the whole query at once: typed letter by letter, the results of a partial query could
    # be read before those of the full query replace them.
    search_box.fill(query)
    search_box.press("End")
    expect(meta).to_have_text(_COUNTED)
    links = page.locator(".md-search-result__item > .md-search-result__link")
    return [
        SearchResult(
            href=link.get_attribute("href") or "",
            title=" ".join(link.locator("h1, h2").first.inner_text().split()),
        )
        for link in links.all()
    ]
