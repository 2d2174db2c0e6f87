"""The private health report opens offline in Chromium: one file, no request beyond it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route

from generator.pipeline import load_project
from generator.report import build_health_report, write_health_report
from tests.conftest import TODAY

pytestmark = pytest.mark.browser


def test_the_report_opens_offline_in_chromium(
    chromium: Browser, demo: Path, tmp_path: Path
) -> None:

    project = load_project(demo, today=TODAY)
    (page_file, *_) = write_health_report(project, build_health_report(project), tmp_path)
    attempted: list[str] = []
    blocked: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context = chromium.new_context(viewport={"width": 390, "height": 844})
    try:
        context.route("**/*", guard)
        context.on("request", lambda request: attempted.append(request.url))
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(page_file.as_uri())
        assert page.locator("h1").inner_text() == "Programme health: Switch Mentoring"
        assert page.locator("#attention + .table tbody tr").count() == 2
        assert "Harpreet Kaur (P033)" in page.locator("#consent + .table").inner_text()
        # Styled by its own inline CSS: the private notice has its border.
        border = page.locator(".private").evaluate("e => getComputedStyle(e).borderTopWidth")
        assert border == "2px"
    finally:
        context.close()
    assert attempted == [page_file.as_uri()]
    assert blocked == [] and errors == []
