"""The preview rebuilds only what changed, and what it rebuilds is what a full build makes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import Preview
from generator.pipeline import generate
from tests.conftest import TODAY, add_site_files

pytestmark = pytest.mark.build

STORY = (
    "---\ntitle: Budgets with Ada\ndate: 2026-05-02\nsummary: Ada and Dan on budgets.\n"
    "pair: K1\nstatus: approved\ntags: [budgets]\nconsent:\n  P1: 2026-04-01\n  P4: 2026-04-02\n"
    "---\n\n{body}\n"
)
URL = "http://127.0.0.1:8000/"


def _html(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*.html")}


def test_a_saved_story_is_rebuilt_alone_and_exactly_as_a_full_build_makes_it(
    scratch: Callable[..., Path], tmp_path: Path
) -> None:
    root = add_site_files(
        scratch({"content/stories/budgets.md": STORY.format(body="Ada showed Dan a formula.")})
    )
    generate(root, TODAY, preview=True)
    preview = Preview(root, tmp_path / "preview", TODAY, URL)
    preview.build()
    try:
        before = _html(tmp_path / "preview")
        story = root / "content" / "stories" / "budgets.md"
        story.write_text(STORY.format(body="Dan now writes his own formulas."), encoding="utf-8")
        report = generate(root, TODAY, preview=True).report
        assert "stories/budgets.md" in report.written
        rebuilt = preview.update(report.written, report.removed)
        assert rebuilt == tuple(report.written), "only the pages whose sources changed"
        partial = _html(tmp_path / "preview")
    finally:
        preview.close()
    full_build = Preview(root, tmp_path / "full", TODAY, URL)
    full_build.build()
    full_build.close()
    full = _html(tmp_path / "full")
    assert "Dan now writes his own formulas." in full["stories/budgets.html"].decode()
    assert partial["stories/budgets.html"] == full["stories/budgets.html"]
    # Every page the preview re-made is the full build's, and the rest were left alone.
    assert sorted(partial) == sorted(full)
    for page in rebuilt:
        html = page.removesuffix(".md") + ".html"
        assert partial[html] == full[html], html
    untouched = {p for p in partial if p.removesuffix(".html") + ".md" not in rebuilt}
    assert untouched and all(partial[p] == before[p] for p in untouched)


def test_a_changed_title_rebuilds_the_whole_preview(
    scratch: Callable[..., Path], tmp_path: Path
) -> None:
    root = add_site_files(scratch({"content/stories/budgets.md": STORY.format(body="First.")}))
    generate(root, TODAY, preview=True)
    preview = Preview(root, tmp_path / "preview", TODAY, URL)
    preview.build()
    try:
        story = root / "content" / "stories" / "budgets.md"
        story.write_text(
            STORY.format(body="First.").replace("Budgets with Ada", "Formulas with Ada"),
            encoding="utf-8",
        )
        report = generate(root, TODAY, preview=True).report
        # The title is on the tags page and in listings the engine makes: build it all.
        assert preview.update(report.written, report.removed) == ()
        tags = (tmp_path / "preview" / "tags.html").read_text(encoding="utf-8")
    finally:
        preview.close()
    assert "Formulas with Ada" in tags
    assert "Budgets with Ada" not in tags
