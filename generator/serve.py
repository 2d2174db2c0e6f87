"""Preview: site_src/ regenerated (drafts marked) on every change, and only what changed rebuilt.

`portal serve` builds the preview once, whole, into a temporary folder (never site/), serves it on
127.0.0.1 with live reload, and then, whenever an input changes, regenerates site_src/ (which
writes only the files whose bytes changed) and rebuilds just the pages those files make
(`generator.build.Preview`). Saving a story shows its new text in a second or two on a large
portal; `portal build` and `portal publish` stay whole, clean and strict.
"""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from properdocs.livereload import LiveReloadServer

from generator.build import MKDOCS_FILE, Preview
from generator.errors import InputError
from generator.pipeline import PROGRAMME_FILE, generate
from generator.write import WriteReport

# How often inputs are looked at: well inside the time a person takes to switch windows.
POLL_SECONDS = 0.3


def input_fingerprint(root: Path, data_paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Return (path, size, mtime) of every input the portal is generated and built from."""
    paths = [root / PROGRAMME_FILE, root / MKDOCS_FILE, *data_paths]
    for folder in (root / "content", root / "theme"):
        if folder.is_dir():
            paths += [p for p in folder.rglob("*") if p.is_file()]
    stamps = []
    for path in sorted(paths):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        stamps.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(stamps)


def _site_files(stamps: tuple[tuple[str, int, int], ...], root: Path) -> set[tuple[str, int, int]]:
    """The stamps of what the engine reads itself: mkdocs.yml and the theme."""
    theme = str(root / "theme") + "/"
    config = str(root / MKDOCS_FILE)
    return {s for s in stamps if s[0] == config or s[0].startswith(theme)}


def serve_preview(
    root: Path, today: dt.date | None, port: int, progress: Callable[[str], None]
) -> None:
    """Generate and build the preview, serve it, and rebuild what changed until stopped."""
    root = root.resolve()
    first = generate(root, today, preview=True, progress=progress)
    config = first.project.config
    data = [
        root / p
        for p in (
            config.data.participants,
            config.data.pairs,
            config.data.sessions,
            config.data.surveys,
            config.data.people,
        )
        if p
    ]
    host = "127.0.0.1"
    site_dir = Path(tempfile.mkdtemp(prefix="portal-preview-"))
    preview = Preview(root, site_dir, first.project.today, f"http://{host}:{port}/")
    # Stopping the preview (Ctrl+C or a terminate signal) stops its server with it.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    seen = input_fingerprint(root, data)
    try:
        progress("building the preview")
        preview.build()
        server = LiveReloadServer(
            builder=lambda: None, host=host, port=port, root=str(site_dir), mount_path="/"
        )
        server.error_handler = lambda code: _error_page(site_dir, code)
        progress(f"previewing on http://{host}:{port}/ (drafts shown and marked); Ctrl+C to stop")

        watcher = _Watcher(server, root, data, seen)

        def rebuild() -> None:
            site_changed = watcher.take_site_changed()
            started = time.monotonic()
            try:
                report = generate(root, today, preview=True, progress=None).report
                _update(preview, report, site_changed)
            except InputError as exc:
                # Keep serving the last good preview; say exactly what to fix.
                for problem in exc.problems:
                    progress(str(problem))
                return
            progress(f"preview updated in {time.monotonic() - started:.1f} s")

        server.builder = rebuild
        threading.Thread(target=watcher.run, daemon=True).start()
        try:
            server.serve()  # type: ignore[no-untyped-call]
        finally:
            server.shutdown()
    finally:
        preview.close()
        shutil.rmtree(site_dir, ignore_errors=True)


def _update(preview: Preview, report: WriteReport, site_changed: bool) -> None:
    """Rebuild what *report* changed: the pages alone when it can, else the whole preview."""
    if site_changed:
        preview.build()
    elif report.written or report.removed:
        preview.update(list(report.written), list(report.removed))


class _Watcher:
    """Look at the inputs a few times a second; ask the server to rebuild when one changed."""

    def __init__(
        self,
        server: LiveReloadServer,
        root: Path,
        data: list[Path],
        seen: tuple[tuple[str, int, int], ...],
    ) -> None:
        self.server = server
        self.root = root
        self.data = data
        self.seen = seen
        self._site_changed = False
        self._lock = threading.Lock()

    def take_site_changed(self) -> bool:
        """Say whether mkdocs.yml or the theme changed since last asked."""
        with self._lock:
            changed, self._site_changed = self._site_changed, False
            return changed

    def run(self) -> None:
        """Poll until the server shuts down."""
        server = self.server
        while not server._shutdown:
            time.sleep(POLL_SECONDS)
            current = input_fingerprint(self.root, self.data)
            if current == self.seen:
                continue
            with self._lock:
                if _site_files(current, self.root) != _site_files(self.seen, self.root):
                    self._site_changed = True
            self.seen = current
            # The server's own build loop runs the rebuild, then tells browsers to reload.
            with server._rebuild_cond:
                server._want_rebuild = True
                server._rebuild_cond.notify_all()


def _error_page(site_dir: Path, code: int) -> bytes | None:
    """Serve the portal's own 404 page for a missing address."""
    page = site_dir / f"{code}.html"
    return page.read_bytes() if code in (404, 500) and page.is_file() else None
