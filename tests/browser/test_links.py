"""No broken internal link anywhere in the built portal: every local target and anchor exists."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.build]

LINKING = {
    "a": "href",
    "link": "href",
    "img": "src",
    "script": "src",
    "source": "src",
    "iframe": "src",
}
OUTSIDE = {"http", "https", "mailto"}  # leave the site (the footer credit, contact addresses)
ROOT = "http://site.invalid/"  # a base to resolve relative links against; never requested


class _Page(HTMLParser):
    """Collect a page's link targets and the ids (anchors) it defines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[tuple[str, str]] = []
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if values.get(name):
                self.anchors.add(str(values[name]))
        wanted = LINKING.get(tag)
        if wanted and values.get(wanted) is not None:
            self.targets.append((tag, str(values[wanted])))


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def broken_links(site: Path) -> list[str]:
    """Return every link in *site* whose file or anchor does not exist, as 'page: target'."""
    pages = {p.relative_to(site).as_posix(): _parse(p) for p in sorted(site.rglob("*.html"))}
    broken = []
    for name, page in pages.items():
        for tag, target in page.targets:
            parts = urlsplit(target.strip())
            if parts.scheme in OUTSIDE:
                continue
            if parts.scheme:  # javascript:, data:, file:, ... has no place in the portal
                broken.append(f"{name}: <{tag}> {target!r} (scheme {parts.scheme})")
                continue
            resolved = urlsplit(urljoin(ROOT + name, target))
            path = unquote(resolved.path).lstrip("/")
            if resolved.netloc != urlsplit(ROOT).netloc or path.startswith("../"):
                broken.append(f"{name}: <{tag}> {target!r} leaves the site")
                continue
            if path == "" or path.endswith("/"):
                path += "index.html"
            if not (site / PurePosixPath(path)).is_file():
                broken.append(f"{name}: <{tag}> {target!r} ({path} does not exist)")
            elif resolved.fragment and path.endswith(".html"):
                anchors = pages[path].anchors
                if unquote(resolved.fragment) not in anchors:
                    broken.append(f"{name}: <{tag}> {target!r} (no #{resolved.fragment} there)")
    return broken


def test_the_demo_portal_has_no_broken_link(demo_site: Path) -> None:
    assert broken_links(demo_site) == []


def test_the_payload_portal_has_no_broken_link(injection_site: Path) -> None:
    assert broken_links(injection_site) == []


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(
        '<a href="gone.html">x</a><a href="#nowhere">y</a><a href="index.html#top" id="top">z</a>',
        encoding="utf-8",
    )
    assert broken_links(tmp_path) == [
        "index.html: <a> 'gone.html' (gone.html does not exist)",
        "index.html: <a> '#nowhere' (no #nowhere there)",
    ]
