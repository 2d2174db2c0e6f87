"""Browser fixtures: the built demo and an injection programme, served on 127.0.0.1, and Chromium.

Every page opens in a fresh browser context whose route handler aborts, and records, any request
for a host other than 127.0.0.1: the portal must work on an intranet with no internet. Chromium
is Debian's (/usr/bin/chromium); `scripts/ensure-test-tools.sh` installs it, Java and the Nu HTML
checker when they are missing, and `make test` runs that script first.
"""

from __future__ import annotations

import functools
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    sync_playwright,
)

from tests.browser.actions import search, wait_until_ready
from tests.browser.injection import write_injection_project
from tests.browser.kinds import SEARCH_QUERY, page_path
from tests.conftest import REPO, TODAY

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # A second wall behind the route handler: no host but 127.0.0.1 even resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
LOCAL_HOST = "127.0.0.1"
NOT_LOCAL = re.compile(r"^(?!https?://127\.0\.0\.1[:/]|file:)")
SETUP = "run `bash scripts/ensure-test-tools.sh` (make test runs it) to install it"


# --- sites -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_site(built_demo: Path) -> Path:
    """Return the demo portal's site/, built (strictly, audited) once per session."""
    return built_demo / "site"


@pytest.fixture(scope="session")
def injection_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the payload programme with the repo's mkdocs.yml and theme/; return its site/."""
    from generator.pipeline import build

    root = write_injection_project(tmp_path_factory.mktemp("injection") / "project")
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "theme", root / "theme")
    return build(root, today=TODAY).site_dir


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serve files without logging each request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve *directory* on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer((LOCAL_HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def demo_url(demo_site: Path) -> Iterator[str]:
    """Serve the demo portal; return its base URL."""
    with serve(demo_site) as url:
        yield url


@pytest.fixture(scope="session")
def injection_url(injection_site: Path) -> Iterator[str]:
    """Serve the payload programme's portal; return its base URL."""
    with serve(injection_site) as url:
        yield url


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Launch Debian's Chromium, headless, once per session."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: {SETUP}", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Traffic:
    """What a page did: every request, the ones blocked, console errors and dialogs."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def is_local(url: str) -> bool:
    """Whether a request stays on this machine's test server (or never leaves the page)."""
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about", "file"} or parts.hostname == LOCAL_HOST


@dataclass
class Tab:
    """A page in its own browser context, with the record of what it did."""

    page: Page
    traffic: Traffic
    base_url: str

    def open(self, path: str) -> None:
        """Open *path* (relative to the site root); wait until its search index is loaded."""
        response = self.page.goto(self.base_url + path)
        assert response is not None, path
        assert response.ok, f"{path}: HTTP {response.status}"
        wait_until_ready(self.page)


def open_tab(browser: Browser, base_url: str, viewport: dict[str, int] = DESKTOP) -> Tab:
    """Open a fresh context and page that block and record every non-local request."""
    context: BrowserContext = browser.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        reduced_motion="reduce",
        service_workers="block",
    )
    traffic = Traffic()

    def block(route: Route) -> None:
        traffic.blocked.append(route.request.url)
        route.abort("blockedbyclient")

    context.set_default_timeout(10_000)
    # The pattern is matched inside the browser driver: requests to the test server never make
    # a round trip through Python, every other one (any scheme, any host) is blocked here.
    context.route(NOT_LOCAL, block)
    context.on("request", lambda request: traffic.requests.append(request.url))
    page = context.new_page()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            traffic.console_errors.append(f"{message.text} ({message.location})")

    page.on("console", console)
    page.on("pageerror", lambda error: traffic.console_errors.append(f"uncaught: {error}"))

    def dialog(opened: Any) -> None:
        traffic.dialogs.append(f"{opened.type}: {opened.message}")
        opened.dismiss()

    page.on("dialog", dialog)
    return Tab(page, traffic, base_url)


@pytest.fixture
def tabs(chromium: Browser) -> Iterator[Callable[..., Tab]]:
    """Return a function opening tabs (fresh contexts) on a served site; close them afterwards."""
    opened: list[Tab] = []

    def make(base_url: str, viewport: dict[str, int] = DESKTOP) -> Tab:
        tab = open_tab(chromium, base_url, viewport)
        opened.append(tab)
        return tab

    yield make
    for tab in opened:
        tab.page.context.close()


# --- one visit per page kind -------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """One page kind of the demo, opened once: what it showed, did, and what axe found."""

    kind: str
    path: str
    heading: str
    main_text: str
    traffic: Traffic
    violations: tuple[dict[str, Any], ...]  # axe violations of impact serious or critical


@pytest.fixture(scope="session")
def visit(chromium: Browser, demo_site: Path, demo_url: str) -> Callable[[str], Visit]:
    """Return a function visiting a page kind of the demo (once per session) and recording it."""
    axe = Axe()
    visits: dict[str, Visit] = {}

    def get(kind: str) -> Visit:
        if kind not in visits:
            path = page_path(demo_site, kind)
            tab = open_tab(chromium, demo_url, MOBILE if "mobile" in kind else DESKTOP)
            try:
                tab.open(path)
                if kind == "search results":
                    assert search(tab.page, SEARCH_QUERY), f"no results for {SEARCH_QUERY!r}"
                page = tab.page
                found = axe.run(page).response["violations"]
                visits[kind] = Visit(
                    kind=kind,
                    path=path,
                    heading=" ".join((page.locator("h1").first.text_content() or "").split()),
                    main_text=page.locator(".md-content").inner_text(),
                    traffic=tab.traffic,
                    violations=tuple(v for v in found if v["impact"] in {"serious", "critical"}),
                )
            finally:
                tab.page.context.close()
        return visits[kind]

    return get
