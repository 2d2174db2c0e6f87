"""The Content-Security-Policy in Chromium: injected scripts never run, the theme's always do.

The demo is built, a script and an event handler are written into a page's content by hand (as
if something had slipped past the HTML allow-list), the policy is computed, and the site is
served by Debian's nginx with the shipped deploy/nginx.conf and the policy file it includes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.csp import NGINX_INCLUDE, POLICY_DIR, POLICY_TEXT, write_csp
from tests.browser.actions import search, wait_until_ready
from tests.browser.conftest import Tab
from tests.nginx import serve_with_nginx

pytestmark = pytest.mark.browser

INJECTED_PAGE = "about.html"
INJECTED = (
    "<p><img src=\"injected-missing.png\" onerror=\"document.title='pwned';alert('handler')\">"
    "</p><script>document.title='pwned';alert('inline')</script>"
)
# Record every violation the page reports, from before its first script runs.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push({directive: event.effectiveDirective, blocked: event.blockedURI});
});
"""


@pytest.fixture(scope="module")
def csp_webroot(built_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a web root laid out as the deploy hook leaves it, the injected demo live."""
    webroot = tmp_path_factory.mktemp("csp") / "www"
    release = webroot / "releases" / "20261122T101500Z-0123456789ab"
    shutil.copytree(built_demo / "site", release)
    page = release / INJECTED_PAGE
    html = page.read_text(encoding="utf-8")
    content = '<article class="md-content__inner md-typeset">'
    assert content in html, f"{INJECTED_PAGE} has no content article"
    page.write_text(html.replace(content, content + INJECTED, 1), encoding="utf-8")
    # Written after the injection: a script in page content is never the theme's, never hashed.
    write_csp(release)
    os.symlink(f"releases/{release.name}", webroot / "current")
    shutil.copy2(release / POLICY_DIR / NGINX_INCLUDE, webroot / "csp.conf")
    return webroot


@pytest.fixture(scope="module")
def csp_url(csp_webroot: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the web root with nginx and the shipped configuration; return the base URL."""
    with serve_with_nginx(csp_webroot, tmp_path_factory.mktemp("nginx")) as url:
        yield url


def open_recorded(tab: Tab, path: str) -> str:
    """Open *path*, recording CSP violations; return the Content-Security-Policy it came with."""
    tab.page.add_init_script(RECORD_VIOLATIONS)
    response = tab.page.goto(tab.base_url + path)
    assert response is not None and response.ok, path
    wait_until_ready(tab.page)
    return response.headers["content-security-policy"]


def violations(tab: Tab) -> list[dict[str, Any]]:
    """Return the violations the page reported."""
    found: list[dict[str, Any]] = tab.page.evaluate("window.__violations")
    return found


def test_injected_scripts_never_run_and_the_themes_scripts_do(
    tabs: Callable[..., Tab], csp_url: str, csp_webroot: Path
) -> None:
    tab = tabs(csp_url)
    policy = open_recorded(tab, INJECTED_PAGE)
    page = tab.page

    live = csp_webroot / "current"
    assert policy == (live / POLICY_DIR / POLICY_TEXT).read_text(encoding="utf-8").rstrip("\n")
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert page.title() != "pwned" and "About" in page.title()
    assert tab.traffic.dialogs == []
    assert sorted(v["directive"] for v in violations(tab)) == [
        "script-src-attr",  # the onerror handler
        "script-src-elem",  # the inline <script>
    ]
    assert all(v["blocked"] == "inline" for v in violations(tab))
    refused = [e for e in tab.traffic.console_errors if "Content Security Policy" in e]
    assert len(refused) == 2, tab.traffic.console_errors
    # The theme's own inline scripts ran: Material's helpers exist, and search works.
    assert page.evaluate("window.__md_scope instanceof URL")
    assert page.evaluate("typeof __md_get === 'function' && typeof __md_set === 'function'")
    assert search(page, "mentor"), "search opened with '/' and found pages"
    assert len(violations(tab)) == 2, "the theme caused no violation while searching"
    assert tab.traffic.blocked == []


def test_no_page_of_the_demo_breaks_the_policy(
    tabs: Callable[..., Tab], csp_url: str, csp_webroot: Path
) -> None:
    live = csp_webroot / "current"
    pages = sorted(
        p.relative_to(live).as_posix()
        for p in live.rglob("*.html")
        if p.name != INJECTED_PAGE and not p.relative_to(live).as_posix().startswith(".")
    )
    assert len(pages) > 20
    tab = tabs(csp_url)
    broken = {}
    for path in pages:
        open_recorded(tab, path)
        if violations(tab):
            broken[path] = violations(tab)
        assert tab.page.evaluate("window.__md_scope instanceof URL"), path
    assert broken == {}
    assert not [e for e in tab.traffic.console_errors if "Content Security Policy" in e]
