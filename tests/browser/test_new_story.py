"""From a blank file to a published story: `portal new story` → fill in → check → build → Chromium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.browser.conftest import Tab, serve
from tests.conftest import TODAY

pytestmark = [pytest.mark.browser, pytest.mark.build]

# N4HS: Jamal Ahmed mentors Aisha Rahman; both agreed to be named, and no story tells theirs yet.
PAIR = "Jamal Ahmed and Aisha Rahman"
FILE = "content/stories/the-story-of-jamal-ahmed-and-aisha-rahman.md"
SUMMARY = "A youth worker shows a director how young people plan their neighbourhoods."
BODY = (
    "Jamal brought a street map and a packet of coloured stickers to the third session.\n\n"
    "## What changed\n\n"
    "Aisha now opens every directorate meeting with a resident's photo of the place it is about.\n"
)


def fill_in(path: Path) -> None:
    """Do what the scaffold asks: write the story and summary, record consent, approve it."""
    front, _body = path.read_text(encoding="utf-8").split("\n---\n", 1)
    lines = []
    for line in front.split("\n"):
        if line.startswith("summary:"):
            line = f"summary: {SUMMARY}"
        elif line == "status: draft":
            line = "status: approved"
        elif line.startswith("  P") and line.split("#")[0].rstrip().endswith(":"):
            key, _, comment = line.partition(":")
            line = f"{key}: 2026-11-20{comment}"
        lines.append(line)
    path.write_text("\n".join(lines) + "\n---\n\n" + BODY, encoding="utf-8")


def test_a_scaffolded_story_is_published_and_shown(
    cli: Callable[..., Result], demo: Path, tabs: Callable[..., Tab]
) -> None:
    today = ("--project", str(demo), "--today", TODAY.isoformat())
    created = cli("new", "story", "--pair", PAIR, *today)
    assert created.exit_code == 0, created.output
    assert f"wrote {demo / FILE}" in created.output

    fill_in(demo / FILE)
    checked = cli("check", *today)
    assert checked.exit_code == 0, checked.output
    assert "0 warnings" in checked.output
    built = cli("build", *today)
    assert built.exit_code == 0, built.output
    assert "privacy audit clean" in built.output

    page_file = demo / "site" / "stories" / "the-story-of-jamal-ahmed-and-aisha-rahman.html"
    assert page_file.is_file()
    with serve(demo / "site") as url:
        tab = tabs(url)
        tab.open("stories/the-story-of-jamal-ahmed-and-aisha-rahman.html")
        page = tab.page
        heading = page.locator(".md-content h1").first.inner_text()
        assert "The story of Jamal Ahmed and Aisha Rahman" in heading
        text = page.locator(".md-content").inner_text()
        assert "a packet of coloured stickers to the third session" in text
        assert "Aisha now opens every directorate meeting" in text
        # It is listed among the stories, with its summary.
        tab.open("stories/index.html")
        listing = page.locator(".md-content").inner_text()
        assert "The story of Jamal Ahmed and Aisha Rahman" in listing
        assert SUMMARY in listing
        assert tab.traffic.blocked == [] and tab.traffic.console_errors == []
