"""The build stage: progress as it goes, the same bytes for the same input, a lean search index."""

from __future__ import annotations

import io
import itertools
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.pipeline import build
from tests.conftest import TODAY, add_site_files, tree_bytes

pytestmark = pytest.mark.build


def test_the_build_reports_progress_and_makes_the_same_bytes_twice(
    scratch: Callable[..., Path],
) -> None:
    root = add_site_files(scratch())
    steps: list[tuple[int, int]] = []
    first = build(root, today=TODAY, on_page=lambda done, total: steps.append((done, total)))
    once = tree_bytes(first.site_dir)
    total = steps[-1][1]
    assert steps[0] == (1, total) and steps[-1] == (total, total)
    done = [count for count, _ in steps]
    # Heard at most ten times a second (and at the end): counts only go up.
    assert done == sorted(set(done)) and len(done) <= total
    assert total == 2 * first.pages - 2  # each page read, then rendered (404 and sitemap aside)
    again = build(root, today=TODAY)
    assert tree_bytes(again.site_dir) == once


def test_pair_pages_are_searched_by_names_and_what_people_bring(
    scratch: Callable[..., Path],
) -> None:
    root = add_site_files(scratch())
    site = build(root, today=TODAY).site_dir
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    pair = next(
        p
        for p in (site / "pairs").glob("*.html")
        if "Ada Junior" in (text := p.read_text()) and 'class="portal-pair"' in text
    )
    entries = [e for e in index["docs"] if e["location"].startswith(f"pairs/{pair.name}")]
    words = " ".join(e["title"] + " " + e["text"] for e in entries)
    assert "Ada Junior" in words and "Dan Senior" in words
    assert "Mentor" in words and "Apprentice" in words, "each person's role is found"
    assert "Learn TikTok" not in words, "goals are on the page, not in the index"
    assert "I build things." not in words, "nor the bios"
    html = pair.read_text(encoding="utf-8")
    assert "Learn TikTok" in html and "I build things." in html
    assert "data-search" not in html, "the marks for the index never reach the page"
    assert not any(e["location"].startswith("tags.html") for e in index["docs"])


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_build_progress_draws_a_bar_with_counts_once_past_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`portal build` and `portal publish` hand the build's (done, total) to this bar."""
    from generator import cli

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    now = [100.0]
    monkeypatch.setattr(cli.time, "monotonic", lambda: now[0])
    with cli.counted_progress("building") as on_page:
        assert on_page is not None
        on_page(10, 400)
        assert terminal.getvalue() == ""  # under a second: nothing drawn
        now[0] = 102.0
        on_page(150, 400)
        assert "building" in terminal.getvalue() and "150/400" in terminal.getvalue()
        on_page(400, 400)
    assert "400/400" in terminal.getvalue()


def test_build_progress_is_quiet_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import cli

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with cli.counted_progress("building") as on_page:
        assert on_page is None


def test_pages_rendered_on_every_core_make_the_site_one_process_makes(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo's 57 pages are too few to share; with a share of 4 pages they are rendered in
    # two processes, and the site (search index, excerpts, every page) is the same, byte for byte.
    monkeypatch.setattr("generator.parallel.FORKING", False)
    alone = tree_bytes(build(demo, today=TODAY).site_dir)
    monkeypatch.setattr("generator.parallel.FORKING", True)
    monkeypatch.setattr("generator.parallel.MIN_SHARED", 4)
    monkeypatch.setattr("generator.build.RENDER_PROCESSES", 2)
    monkeypatch.setattr("generator.build.cores", lambda: 2)
    monkeypatch.setattr("generator.build.PROGRESS_EVERY", 0.0)  # every count is heard
    steps: list[tuple[int, int]] = []
    shared = build(demo, today=TODAY, on_page=lambda done, total: steps.append((done, total)))
    assert tree_bytes(shared.site_dir) == alone
    assert steps[-1][0] == steps[-1][1]
    assert [done for done, _ in steps] == sorted(done for done, _ in steps)
    # Each page rendered here stood for two: the other half was rendered in another process.
    assert any(b - a == 2 for (a, _), (b, _) in itertools.pairwise(steps))


def _shared_between_two_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("generator.parallel.FORKING", True)
    monkeypatch.setattr("generator.parallel.MIN_SHARED", 4)
    monkeypatch.setattr("generator.build.RENDER_PROCESSES", 2)
    monkeypatch.setattr("generator.build.cores", lambda: 2)


def test_pages_converted_as_they_render_make_the_site_the_engine_makes(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pair and story pages are converted from Markdown as they render (generator.build._Late);
    # with a plugin the portal does not know, every page is converted first, as the engine
    # does. A story holding a tags listing is converted first either way (the listing is
    # filled in before any page renders), and it shows the listing.
    story = demo / "content" / "stories" / "budgets-and-borders.md"
    story.write_text(story.read_text() + "\n<!-- material/tags -->\n", encoding="utf-8")
    _shared_between_two_processes(monkeypatch)
    late = tree_bytes(build(demo, today=TODAY).site_dir)
    monkeypatch.setattr("generator.build._KNOWN_PLUGINS", frozenset())
    engine = tree_bytes(build(demo, today=TODAY).site_dir)
    assert late == engine
    listing = late["stories/budgets-and-borders.html"].decode()
    assert listing.count('class="md-tag"') > late["pairs/index.html"].decode().count("md-tag")


@pytest.mark.parametrize("forking", [False, True], ids=["one process", "two processes"])
def test_a_link_to_a_missing_anchor_on_a_pair_page_is_still_reported(
    demo: Path, monkeypatch: pytest.MonkeyPatch, forking: bool
) -> None:
    # A pair page converted in another process sends its anchors back for the engine's check.
    from generator.errors import InputError
    from generator.pipeline import generate

    folder = generate(demo, today=TODAY).project.root / "site_src" / "pairs"
    pairs = sorted(path.name for path in folder.glob("*.md") if "\n## Goals\n" in path.read_text())
    assert len(pairs) >= 4
    guide = demo / "content" / "guides" / "running-a-great-first-session.md"
    links = "".join(
        f"\n- [{name}](../pairs/{name}#goals) and [again](../pairs/{name}#no-such-part)"
        for name in pairs
    )
    guide.write_text(guide.read_text() + "\n" + links + "\n", encoding="utf-8")
    if forking:
        _shared_between_two_processes(monkeypatch)
    else:
        monkeypatch.setattr("generator.parallel.FORKING", False)
    with pytest.raises(InputError) as caught:
        build(demo, today=TODAY)
    said = [p.message for p in caught.value.problems]
    missing = [m for m in said if "does not contain an anchor '#no-such-part'" in m]
    assert len(missing) == len(pairs), said
    assert not any("#goals" in m for m in said), said


def test_the_navigation_rendered_once_per_folder_is_what_each_page_would_render(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages and blog posts outside the nav share their folder's navigation (generator.plugin):
    # with nothing cached, every page renders its own, and the site is the same, byte for byte.
    cached = tree_bytes(build(demo, today=TODAY).site_dir)
    monkeypatch.setattr("generator.plugin._NAV_PARTIALS", ())
    assert tree_bytes(build(demo, today=TODAY).site_dir) == cached


def test_a_page_that_cannot_be_converted_is_named_even_when_converted_in_another_process(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.errors import InputError
    from generator.plugin import PortalPlugin

    real = PortalPlugin.on_page_content

    def refuse_pair_pages(self: PortalPlugin, html: str, **kwargs: object) -> str:
        page = kwargs["page"]
        if page.file.src_uri.startswith("pairs/") and "portal-pair" in html:  # type: ignore[attr-defined]
            raise ValueError("this page cannot be read")
        return real(self, html, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PortalPlugin, "on_page_content", refuse_pair_pages)
    _shared_between_two_processes(monkeypatch)
    with pytest.raises(InputError) as caught:
        build(demo, today=TODAY)
    said = " ".join(p.message for p in caught.value.problems)
    assert "Error reading page 'pairs/" in said and "this page cannot be read" in said
