"""The blog in the browser: archive and category pages list the posts; drafts and future posts don't."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from tests.browser.conftest import Tab
from tests.browser.kinds import DRAFT_POST, FUTURE_POST
from tests.conftest import REPO, TODAY

pytestmark = pytest.mark.browser

TEXT_SUFFIXES = {".html", ".js", ".json", ".xml", ".txt", ".yml"}


def _front_matter(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n", 2)[1])  # type: ignore[no-any-return]


def published_posts() -> dict[str, dict[str, object]]:
    """Return the front matter of each demo post that a build on TODAY publishes, by slug."""
    posts = {}
    for path in sorted((REPO / "content" / "blog").glob("*.md")):
        meta = _front_matter(path)
        date = meta["date"]
        assert isinstance(date, dt.date)
        if not meta.get("draft") and date <= TODAY:
            posts[path.stem] = meta
    return posts


def listed_posts(tab: Tab, path: str) -> tuple[str, list[str]]:
    """Open a blog listing and its further pages; return its h1 and the slugs of its posts."""
    page = tab.page
    tab.open(path)
    heading = page.locator(".md-content h1").first.inner_text().strip().rstrip("¶").strip()
    slugs: list[str] = []
    while True:
        for link in page.locator(".md-post--excerpt .md-post__content h2 a").all():
            target = urljoin(page.url, link.get_attribute("href") or "")
            slugs.append(PurePosixPath(urlsplit(target).path).stem)
        following = page.locator(".md-pagination a[rel=next], .md-pagination__link--next")
        if following.count() == 0:
            return heading, slugs
        following.first.click()
        page.wait_for_load_state()


def test_the_demo_has_a_draft_and_a_future_post_to_leave_out() -> None:
    posts = published_posts()
    assert DRAFT_POST not in posts and (REPO / f"content/blog/{DRAFT_POST}.md").is_file()
    assert FUTURE_POST not in posts and (REPO / f"content/blog/{FUTURE_POST}.md").is_file()


def test_archive_pages_list_every_published_post_once(
    tabs: Callable[..., Tab], demo_url: str, demo_site: Path
) -> None:
    tab = tabs(demo_url)
    posts = published_posts()
    by_year: dict[str, list[str]] = {}
    for archive in sorted((demo_site / "blog" / "archive").glob("*.html")):
        heading, slugs = listed_posts(tab, archive.relative_to(demo_site).as_posix())
        by_year[heading] = sorted(slugs)
    expected: dict[str, list[str]] = defaultdict(list)
    for slug, meta in posts.items():
        expected[str(meta["date"])[:4]].append(slug)
    assert by_year == {year: sorted(slugs) for year, slugs in expected.items()}


def test_category_pages_list_their_posts(
    tabs: Callable[..., Tab], demo_url: str, demo_site: Path
) -> None:
    tab = tabs(demo_url)
    by_category: dict[str, list[str]] = {}
    for category in sorted((demo_site / "blog" / "category").glob("*.html")):
        heading, slugs = listed_posts(tab, category.relative_to(demo_site).as_posix())
        by_category[heading] = sorted(slugs)
    expected: dict[str, list[str]] = defaultdict(list)
    for slug, meta in published_posts().items():
        for name in meta.get("categories") or []:  # type: ignore[attr-defined]
            expected[str(name)].append(slug)
    assert by_category == {name: sorted(slugs) for name, slugs in expected.items()}


def test_the_blog_index_lists_the_published_posts(tabs: Callable[..., Tab], demo_url: str) -> None:
    _, slugs = listed_posts(tabs(demo_url), "blog/index.html")
    assert sorted(slugs) == sorted(published_posts())


@pytest.mark.parametrize("slug", [DRAFT_POST, FUTURE_POST])
def test_draft_and_future_posts_are_nowhere_in_the_site(demo_site: Path, slug: str) -> None:
    title = str(_front_matter(REPO / "content" / "blog" / f"{slug}.md")["title"])
    assert not list(demo_site.rglob(f"{slug}.html"))
    mentions = [
        path.relative_to(demo_site).as_posix()
        for path in sorted(demo_site.rglob("*"))
        if path.suffix in TEXT_SUFFIXES
        and (slug in (text := path.read_text(encoding="utf-8")) or title in text)
    ]
    assert mentions == []
