"""Browser fixtures: the built demo and an injection programme, served on 127.0.0.1, and Chromium.

Every page is opened in a fresh browser context whose route handler aborts, and records, any
request for a host other than 127.0.0.1: the portal must work on an intranet with no internet.
Chromium is Debian's (/usr/bin/chromium); `scripts/ensure-test-tools.sh` installs it, Java and
the Nu HTML checker when they are missing (`make test` runs it first).
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Route
from playwright.sync_api import sync_playwright

from tests.browser.injection import write_injection_project
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
]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
LOCAL_HOST = "127.0.0.1"
SETUP_HINT = "run `bash scripts/ensure-test-tools.sh` (make test does) to install it"


def built_site(project: Path) -> Path:
    """Build *project* strictly (with the audit) and return its site/ folder."""
    from generator.pipeline import build

    return build(project, today=TODAY).site_dir


@pytest.fixture(scope="session")
def demo_site(built_demo: Path) -> Path:
    """Return the demo portal's site/, built once per session."""
    return built_demo / "site"


@pytest.fixture(scope="session")
def injection_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write a programme whose participant text is all payloads, with the repo's site files."""
    root = write_injection_project(tmp_path_factory.mktemp("injection") / "project")
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "theme", root / "theme")
    return root


@pytest.fixture(scope="session")
def injection_site(injection_project: Path) -> Path:
    """Return the injection programme's site/, built (and audited) once per session."""
    return built_site(injection_project)


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serve files without logging every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib_contextmanager := None  # placeholder, replaced below
