"""Every page kind of the demo portal in Chromium: it renders, quietly, offline and accessibly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Tab, Visit, is_local
from tests.browser.kinds import GUIDES, PAGE_KINDS

pytestmark = pytest.mark.browser

# Serious or critical axe violations caused by mkdocs-material's own markup, by rule id and the
# CSS selector axe reports, each with the reason it is not ours to fix. Nothing else is excused.
AXE_EXCLUSIONS: dict[tuple[str, str], str] = {
    ("aria-dialog-name", ".md-search"): (
        "Material's search partial gives its overlay role=dialog and no name; its input is "
        "labelled 'Search', and the partial has no block to add one without copying it"
    ),
}


def _describe(violation: dict[str, Any], nodes: list[dict[str, Any]]) -> str:
    where = "; ".join(f"{n['target']} {n['html'][:120]!r}" for n in nodes[:5])
    return f"{violation['id']} ({violation['impact']}): {violation['help']}: {where}"


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_main_content_renders(kind: str, visit: Callable[[str], Visit]) -> None:
    seen = visit(kind)
    assert seen.heading, f"{seen.path}: no h1"
    if kind == "not found":
        assert "404" in seen.main_text
    else:
        assert len(seen.main_text) > 100, f"{seen.path}: main content is nearly empty"
        assert "404 - Not found" not in seen.main_text, seen.path


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_console_errors(kind: str, visit: Callable[[str], Visit]) -> None:
    assert visit(kind).traffic.console_errors == []


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_request_leaves_localhost(kind: str, visit: Callable[[str], Visit]) -> None:
    traffic = visit(kind).traffic
    assert traffic.blocked == []
    assert [url for url in traffic.requests if not is_local(url)] == []
    assert traffic.requests, "the page made no request at all: was it opened?"


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_serious_axe_violation(kind: str, visit: Callable[[str], Visit]) -> None:
    problems = []
    for violation in visit(kind).violations:
        nodes = [
            node
            for node in violation["nodes"]
            if (violation["id"], " ".join(map(str, node["target"]))) not in AXE_EXCLUSIONS
        ]
        if nodes:
            problems.append(_describe(violation, nodes))
    assert problems == []


def test_every_built_guide_is_a_page_kind(demo_site: Path) -> None:
    built = sorted(p.stem for p in (demo_site / "guides").glob("*.html"))
    assert built == sorted(GUIDES)


def test_the_request_blocker_blocks_and_records(tabs: Callable[..., Tab], demo_url: str) -> None:
    """The offline checks above can fail: a request for another host is stopped and recorded."""
    tab = tabs(demo_url)
    tab.open("index.html")
    failed = tab.page.evaluate(
        "() => fetch('https://fonts.googleapis.com/css?family=Roboto').then(() => false, () => true)"
    )
    assert failed
    assert tab.traffic.blocked == ["https://fonts.googleapis.com/css?family=Roboto"]
