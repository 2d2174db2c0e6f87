"""Preview: `mkdocs serve`, with site_src/ regenerated (drafts marked) whenever an input changes."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from generator.build import MKDOCS_FILE, mkdocs_environment
from generator.errors import InputError
from generator.pipeline import PROGRAMME_FILE, generate


def input_fingerprint(root: Path, data_paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Return (path, size, mtime) of every input the portal is generated from."""
    paths = [root / PROGRAMME_FILE, *data_paths]
    content = root / "content"
    if content.is_dir():
        paths += [p for p in content.rglob("*") if p.is_file()]
    stamps = []
    for path in sorted(paths):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        stamps.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(stamps)


def serve_preview(
    root: Path, today: dt.date | None, port: int, progress: Callable[[str], None]
) -> None:
    """Generate the preview, start `mkdocs serve`, and regenerate on every change until stopped."""
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
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "serve",
        "--config-file",
        str(root / MKDOCS_FILE),
        "--dev-addr",
        f"127.0.0.1:{port}",
        "--livereload",
    ]
    server = subprocess.Popen(command, cwd=root, env=mkdocs_environment(first.project.today))
    # Stopping the preview (Ctrl+C or a terminate signal) must stop MkDocs' server with it.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    progress(f"previewing on http://127.0.0.1:{port}/ (drafts shown and marked); Ctrl+C to stop")
    seen = input_fingerprint(root, data)
    try:
        while server.poll() is None:
            time.sleep(1.0)
            current = input_fingerprint(root, data)
            if current == seen:
                continue
            seen = current
            try:
                generate(root, today, preview=True, progress=progress)
            except InputError as exc:
                # Keep serving the last good preview; say exactly what to fix.
                for problem in exc.problems:
                    progress(str(problem))
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)
