"""Search works offline, and finds consenting participants only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.actions import search
from tests.browser.conftest import Tab, is_local
from tests.browser.kinds import CONSENTING_NAME, NON_CONSENTING_NAMES, pair_page

pytestmark = pytest.mark.browser


def test_a_consenting_participant_finds_their_pair_page(
    tabs: Callable[..., Tab], demo_url: str, demo_site: Path
) -> None:
    tab = tabs(demo_url)
    tab.open("index.html")
    results = search(tab.page, CONSENTING_NAME)
    assert results, f"no result for {CONSENTING_NAME}"
    first = urlsplit(results[0].href)
    assert first.path == "/" + pair_page(demo_site, CONSENTING_NAME)
    assert CONSENTING_NAME in results[0].title
    # Offline: the index came from this server.
    index = {"/search/search_index.json", "/search/search_index.js"}
    assert any(urlsplit(url).path in index for url in tab.traffic.requests)
    assert tab.traffic.blocked == []
    assert all(is_local(url) for url in tab.traffic.requests)


@pytest.mark.parametrize("name", NON_CONSENTING_NAMES)
def test_a_non_consenting_participant_finds_nothing(
    tabs: Callable[..., Tab], demo_url: str, name: str
) -> None:
    tab = tabs(demo_url)
    tab.open("index.html")
    for query in (name, *name.split()):
        assert search(tab.page, query) == [], f"{query!r} found something"
        tab.page.keyboard.press("Escape")


def test_search_works_from_a_file_share(tabs: Callable[..., Tab], demo_site: Path) -> None:
    """Opened from disk, search runs in an iframe (the vendored iframe-worker shim), still offline."""
    tab = tabs("")
    # Not tab.open(): from disk, Material reports the index ready only once a query is typed.
    tab.page.goto((demo_site / "index.html").as_uri())
    results = search(tab.page, CONSENTING_NAME)
    assert results and CONSENTING_NAME in results[0].title
    assert tab.traffic.blocked == []
