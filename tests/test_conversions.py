"""Conversions kept between builds: the same site as converting every page, never a stale one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.conversions import FOLDER
from generator.errors import InputError, PrivacyError
from generator.pipeline import build
from tests.conftest import TODAY, tree_bytes

pytestmark = pytest.mark.build


def _cold(root: Path) -> dict[str, bytes]:
    """The site as a build that keeps nothing from before makes it."""
    shutil.rmtree(root / FOLDER, ignore_errors=True)
    return tree_bytes(build(root, today=TODAY).site_dir)


def _kept(root: Path) -> dict[str, dict[str, object]]:
    return {path.name: json.loads(path.read_bytes()) for path in (root / FOLDER).iterdir()}


def test_a_second_build_takes_each_page_as_kept_and_makes_the_same_bytes(demo: Path) -> None:
    first = build(demo, today=TODAY)
    cold = tree_bytes(first.site_dir)
    kept = _kept(demo)
    # One conversion per page from Markdown (the 404 page and the sitemap have none).
    assert len(kept) == first.pages - 1
    pair = next(k for k in kept.values() if 'class="portal-pair"' in str(k["content"]))
    assert pair["toc"] and pair["anchors"], "the table of contents and anchors are kept too"
    stamps = {path.name: path.stat().st_mtime_ns for path in (demo / FOLDER).iterdir()}
    again = build(demo, today=TODAY)
    assert tree_bytes(again.site_dir) == cold
    assert again.build.log == first.build.log, "the engine's messages are heard again"
    after = {path.name: path.stat().st_mtime_ns for path in (demo / FOLDER).iterdir()}
    assert after == stamps, "nothing was converted again, so nothing was kept anew"


def test_a_changed_page_is_converted_again_and_the_rest_kept(demo: Path) -> None:
    build(demo, today=TODAY)
    before = set(_kept(demo))
    story = demo / "content" / "stories" / "budgets-and-borders.md"
    story.write_text(story.read_text() + "\nA sentence added after the first build.\n")
    warm = tree_bytes(build(demo, today=TODAY).site_dir)
    after = set(_kept(demo))
    assert len(after - before) == 1 and len(before - after) == 1, "one page new, its old gone"
    assert b"A sentence added after the first build." in warm["stories/budgets-and-borders.html"]
    assert warm == _cold(demo)


def test_a_link_whose_page_went_is_found_again_though_the_linking_page_is_unchanged(
    demo: Path,
) -> None:
    guide = demo / "content" / "guides" / "running-a-great-first-session.md"
    guide.write_text(guide.read_text() + "\nRead [a story](../stories/budgets-and-borders.md).\n")
    build(demo, today=TODAY)
    (demo / "content" / "stories" / "budgets-and-borders.md").unlink()
    # Every page's conversion depends on the site's files: the guide is converted again, and
    # the link to a page that is no more fails the strict build as it would from nothing.
    with pytest.raises(InputError) as caught:
        build(demo, today=TODAY)
    said = " ".join(problem.message for problem in caught.value.problems)
    assert "budgets-and-borders.md" in said and "not found" in said


def test_a_change_to_mkdocs_yml_converts_every_page_again(demo: Path) -> None:
    build(demo, today=TODAY)
    before = set(_kept(demo))
    config = demo / "mkdocs.yml"
    config.write_text(config.read_text().replace("permalink: true", "permalink: false"))
    warm = tree_bytes(build(demo, today=TODAY).site_dir)
    assert not before & set(_kept(demo))
    assert warm == _cold(demo)
    assert b'class="headerlink"' not in warm["guides/faq.html"]


def test_a_kept_conversion_is_audited_like_any_page_and_a_failed_build_keeps_none(
    demo: Path,
) -> None:
    built = build(demo, today=TODAY)
    site = tree_bytes(built.site_dir)
    for path in (demo / FOLDER).iterdir():
        kept = json.loads(path.read_bytes())
        if "Budgets and borders" in str(kept["content"]):
            kept["content"] += '<script>alert("kept")</script>'
            path.write_text(json.dumps(kept))
    with pytest.raises(PrivacyError) as caught:
        build(demo, today=TODAY)
    assert any("script" in finding for finding in caught.value.findings)
    assert tree_bytes(built.site_dir) == site, "site/ is as it was"
    assert not (demo / FOLDER).exists(), "what the refused build kept is gone"
    assert tree_bytes(build(demo, today=TODAY).site_dir) == site


def test_a_kept_file_not_of_the_shape_a_build_keeps_is_not_used(demo: Path) -> None:
    cold = tree_bytes(build(demo, today=TODAY).site_dir)
    kept = sorted(path for path in (demo / FOLDER).iterdir() if not path.name.startswith("."))
    broken = [
        b"not JSON at all",
        b'{"content": "<p>too little</p>"}',
        json.dumps({**json.loads(kept[2].read_bytes()), "messages": [["properdocs", "20", "x"]]}),
        json.dumps({**json.loads(kept[3].read_bytes()), "readtime": "5"}),
        json.dumps({**json.loads(kept[4].read_bytes()), "links": {"no/such.md": {"a": "#a"}}}),
    ]
    for path, data in zip(kept, broken, strict=False):
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    assert tree_bytes(build(demo, today=TODAY).site_dir) == cold
    for path in kept[: len(broken)]:
        assert json.loads(path.read_bytes())["content"], "each page converted and kept again"
