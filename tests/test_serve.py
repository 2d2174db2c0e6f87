"""`portal serve`: a live preview on 127.0.0.1 that shows drafts, marked, and follows edits."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import add_site_files

DRAFT_POST = "---\ntitle: A post still being written\ndate: 2026-05-01\nauthors: [office]\ndraft: true\n---\n\nNot ready.\n"
DRAFT_STORY = "---\ntitle: A story in draft\ndate: 2026-05-01\nsummary: Work in progress.\nstatus: draft\n---\n\nSoon.\n"
NEW_STORY = (
    "---\ntitle: A story added while previewing\ndate: 2026-05-02\nsummary: Fresh.\npair: K1\n"
    "status: approved\nconsent:\n  P1: 2026-04-01\n  P4: 2026-04-02\n---\n\nJust written.\n"
)

pytestmark = pytest.mark.build


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait_for(url: str, seconds: float, contains: str = "") -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = _fetch(url)
        if page is not None and contains in page:
            return page
        time.sleep(0.5)
    raise AssertionError(f"{url} did not show {contains!r} within {seconds} s")


@pytest.fixture
def preview(scratch: Callable[..., Path]) -> Iterator[tuple[Path, str]]:
    """Run `portal serve` on a scratch project with a draft post and a draft story."""
    root = add_site_files(
        scratch({"content/blog/draft.md": DRAFT_POST, "content/stories/draft.md": DRAFT_STORY})
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generator",
            "serve",
            "--project",
            str(root),
            "--port",
            str(port),
            "--today",
            "2026-11-22",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(base + "index.html", 90)
        yield root, base
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert _fetch(base + "index.html") is None, "stopping portal serve must stop the preview server"


def test_preview_shows_drafts_marked_and_follows_edits(preview: tuple[Path, str]) -> None:
    root, base = preview
    post = _wait_for(base + "blog/draft.html", 30)
    assert "Draft: not published" in post
    story = _wait_for(base + "stories/draft.html", 30)
    assert "Draft: not published" in story
    (root / "content" / "stories" / "added.md").write_text(NEW_STORY, encoding="utf-8")
    added = _wait_for(base + "stories/added.html", 60, "Just written.")
    assert "Draft" not in added.split("Just written.")[0].split("<article")[-1]
    assert not (root / "site").exists(), "the preview must not write the published site"
