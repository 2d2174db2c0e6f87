"""Every kind of page the demo portal has, and how to find one of each in the built site."""

from __future__ import annotations

import re
from pathlib import Path

from generator.render import BUILTIN_GUIDES
from tests.conftest import REPO

# Demo facts (programme.yaml and content/data/ of the repo).
CONSENTING_NAME = "Amara Nwosu"  # named; her pair with Deborah Finch has a page
NON_CONSENTING_NAMES = ("Susan Hargreaves", "Niamh Gallagher", "Samuel Obi")  # consent: none
DRAFT_POST = "accessible-documents-start-in-word"
FUTURE_POST = "meet-the-cohort-3-pairs"
SEARCH_QUERY = "cohort"  # the query typed for the "search results" page kind

GUIDES = (
    "index",
    *(guide[0] for guide in BUILTIN_GUIDES),
    *sorted(p.stem for p in (REPO / "content" / "guides").glob("*.md")),
)

# kind -> path under site/ ("pair" is found by name: pair page ids are opaque).
PAGE_KINDS: dict[str, str] = {
    "home": "index.html",
    "home, mobile": "index.html",
    "about": "about.html",
    **{f"guide: {slug}": f"guides/{slug}.html" for slug in GUIDES},
    "pairs directory": "pairs/index.html",
    "cohort directory": "pairs/c1-2025.html",
    "pair": "",
    "stories index": "stories/index.html",
    "story": "stories/spreadsheets-to-street-level.html",
    "anonymous story": "stories/one-thumb-at-a-time.html",
    "impact": "impact.html",
    "blog index": "blog/index.html",
    "post": "blog/being-mentored-by-a-planning-officer.html",
    "archive": "blog/archive/2026.html",
    "category": "blog/category/programme-news.html",
    "tags": "tags.html",
    "search results": "index.html",
    "not found": "404.html",
}

_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def pair_page(site: Path, name: str) -> str:
    """Return the path under site/ of the pair page whose title names *name*."""
    for path in sorted((site / "pairs").glob("*.html")):
        heading = _H1.search(path.read_text(encoding="utf-8"))
        if heading and name in heading.group(1):
            return path.relative_to(site).as_posix()
    raise AssertionError(f"no pair page is titled with {name!r}")


def page_path(site: Path, kind: str) -> str:
    """Return the path under site/ of the page representing *kind*."""
    path = PAGE_KINDS[kind] or pair_page(site, CONSENTING_NAME)
    assert (site / path).is_file(), f"{kind}: {path} was not built"
    return path
