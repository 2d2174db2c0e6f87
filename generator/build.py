"""Build stage: run the real MkDocs build, strict and clean, on the generated sources."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator.errors import InputError, Problem
from generator.plugin import REPORT_VARIABLE

MKDOCS_FILE = "mkdocs.yml"
_DOC_PATH = re.compile(r"'([^']+\.md)'")


@dataclass(frozen=True)
class BuildReport:
    """What MkDocs did."""

    site_dir: Path
    seconds: float
    log: str
    # What the HTML allow-list removed, as warnings pointing at the file to fix.
    removed: tuple[Problem, ...] = ()


def mkdocs_environment(today: dt.date) -> dict[str, str]:
    """Return the environment for MkDocs: dates pinned to the build date for repeatable output."""
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = str(calendar.timegm(today.timetuple()))
    env.pop("PYTHONWARNINGS", None)
    return env


def run_mkdocs_build(root: Path, site_dir: Path, today: dt.date) -> BuildReport:
    """Run `mkdocs build --strict --clean` into *site_dir*; warnings become located problems."""
    config = root / MKDOCS_FILE
    if not config.is_file():
        raise InputError(
            [Problem(MKDOCS_FILE, f"not found in {root}; the project needs its mkdocs.yml")]
        )
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "--clean",
        "--config-file",
        str(config),
        "--site-dir",
        str(site_dir),
    ]
    started = dt.datetime.now()
    env = mkdocs_environment(today)
    with tempfile.TemporaryDirectory(prefix="portal-sanitiser-") as scratch:
        report_file = Path(scratch) / "removed.json"
        env[REPORT_VARIABLE] = str(report_file)
        result = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, check=False
        )
        removed = _removals(report_file)
    seconds = (dt.datetime.now() - started).total_seconds()
    log = result.stdout + result.stderr
    if result.returncode != 0:
        raise InputError(mkdocs_problems(log))
    if removed is None:
        raise InputError(
            [Problem(MKDOCS_FILE, "the portal plugin did not run: list '- portal' under plugins")]
        )
    return BuildReport(site_dir, seconds, log, removed)


def _removals(report_file: Path) -> tuple[Problem, ...] | None:
    """Read what the sanitiser removed (None when the plugin never ran)."""
    try:
        report = json.loads(report_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return tuple(
        Problem(
            source_of(page),
            f"the portal removed {', '.join(items)}: only the formatting the portal's pages "
            "use is published (see the front-matter reference)",
            severity="warning",
        )
        for page, items in sorted(report.items())
    )


def mkdocs_problems(log: str) -> list[Problem]:
    """Turn MkDocs warnings and errors into problems pointing at the source the user edits."""
    problems = []
    for line in log.splitlines():
        level, _, message = line.partition("-")
        if level.strip() not in {"WARNING", "ERROR"}:
            continue
        message = " ".join(message.split())
        match = _DOC_PATH.search(message)
        file = source_of(match.group(1)) if match else MKDOCS_FILE
        problems.append(Problem(file, f"the site build reported: {message}"))
    if not problems:
        tail = " ".join(log.strip().splitlines()[-3:])
        problems.append(Problem(MKDOCS_FILE, f"the site build failed: {tail}"))
    return problems


def source_of(doc_path: str) -> str:
    """Name the file a user edits for a generated page."""
    if doc_path.startswith("stories/") and doc_path != "stories/index.md":
        return "content/" + doc_path
    if doc_path.startswith("blog/posts/"):
        return "content/blog/" + doc_path.removeprefix("blog/posts/")
    if doc_path.startswith("guides/"):
        return f"content/{doc_path} or programme.yaml"
    return f"site_src/{doc_path} (from programme.yaml or the data)"
