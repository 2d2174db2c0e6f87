"""Benchmark the targets of issue 13 at scale: today's code and this one, side by side, one run.

    python benchmarks/bench_scale.py                        # 750 and 7,500 pages, 1,500 preview
    python benchmarks/bench_scale.py --quick                # a tenth of each size, for a check
    python benchmarks/bench_scale.py --baseline <commit>    # "today" is another commit
    python benchmarks/bench_scale.py --repeat 5             # large builds per side (median)

"Today" is the committed code before this work (BASELINE below, extracted with `git archive`
into benchmarks/_work/, never checked out); "new" is this working tree. Both run on the same
synthetic programmes (`benchmarks/synthetic.py`), each as the command a user runs, in a process
of its own, one after the other. Figures:

- **build**: wall time of `portal build` (check, generate, strict build, audit) per HTML page;
  at 7,500 pages three runs per side, today's and this one's taking turns: the first on a
  fresh project (nothing kept from an earlier build), then the median of the rebuilds of the
  same inputs (where this code takes each page's Markdown conversion as the first kept it);
- **memory**: the highest over those runs of the peak of the summed memory (Pss) of
  `portal build` and every process it starts (sampled every 50 ms from /proc), so a build
  split over processes counts them all, and a page they share once;
- **generate**: `portal generate` from an empty site_src/ at 10,000 participants, then again
  with nothing changed (in-process time, interpreter start excluded); then twice more as the
  command, each a process of its own (interpreter start and imports counted), the second
  finding nothing changed;
- **search**: the size of search/search_index.json (search_index.js is the same, inlined for
  pages opened from a file share);
- **preview**: `portal serve` on about 1,500 pages; a story is saved with a new sentence and
  the time until the server returns the page with it is measured;
- **growth**: each figure at 7,500 pages over the same at 750, against the pages' own ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import write_synthetic_programme  # noqa: E402

WORK = ROOT / "benchmarks" / "_work" / "scale"
TODAY = "2026-11-22"
# The last commit before issue 13's work: `portal build` ran MkDocs as a subprocess then.
BASELINE = "df1476edc9c38ef6a3803e80fa4648ead0228f76"
# (participants, stories, posts): about 750 and 7,700 HTML pages, and 1,500 for the preview.
SMALL = (1_000, 100, 350)
LARGE = (10_000, 1_000, 3_500)
PREVIEW = (2_000, 200, 700)

DRIVER = """
import datetime as dt, json, sys, time
from pathlib import Path
from generator.pipeline import generate
root, today = Path(sys.argv[1]), dt.date.fromisoformat(sys.argv[2])
started = time.perf_counter()
first = generate(root, today)
first_s = time.perf_counter() - started
started = time.perf_counter()
again = generate(root, today)
again_s = time.perf_counter() - started
authors = root / "site_src/blog/.authors.yml"
lines = authors.read_text().splitlines() if authors.is_file() else []
named = sum(1 for line in lines if line.strip().startswith("name:"))
print(json.dumps({"first": first_s, "again": again_s, "rewritten": len(again.report.written),
                  "authors": named}))
"""


@dataclass
class Side:
    """One version of the code: its name, its folder on sys.path, its site files."""

    name: str
    code: Path

    def env(self) -> dict[str, str]:
        # Run from the project folder: `python -m` puts the working folder first on sys.path.
        env = dict(os.environ, PYTHONPATH=str(self.code), NO_MKDOCS_2_WARNING="1")
        env.pop("PORTAL_TODAY", None)
        return env


def baseline_side(commit: str) -> Side:
    """Extract *commit*'s generator, mkdocs.yml and theme/ (no checkout, no worktree)."""
    target = WORK / f"today-{commit[:10]}"
    if not (target / "generator").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, "generator", "mkdocs.yml", "theme"],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
    return Side("today", target)


def project(side: Side, kind: str, size: tuple[int, int, int]) -> Path:
    """Write a fresh synthetic project with *side*'s mkdocs.yml and theme/."""
    people, stories, posts = size
    target = WORK / f"{side.name}-{kind}"
    shutil.rmtree(target, ignore_errors=True)
    write_synthetic_programme(target, people, stories=stories, posts=posts)
    shutil.copy2(side.code / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(side.code / "theme", target / "theme")
    return target


def _tree_memory_kb(pid: int) -> int:
    """Sum the proportional set size (Pss) over *pid* and all its descendants.

    Pss counts a page shared by two processes (a forked child's copy-on-write pages) half to
    each, so the sum is the memory the build really holds; VmRSS would count it twice.
    """
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, ()))
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total


def timed_build(side: Side, root: Path) -> dict[str, float]:
    """Run `portal build`; return wall seconds, peak memory (MB), pages, index size (MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "build", "--project", str(root), "--today", TODAY],
        env=side.env(),
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_memory_kb(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{side.name}: portal build failed:\n{err.decode()[-3000:]}")
    site = root / "site"
    index = site / "search" / "search_index.json"
    return {
        "seconds": seconds,
        "rss_mb": peak / 1024,
        "pages": sum(1 for _ in site.rglob("*.html")),
        "index_mb": index.stat().st_size / 1e6 if index.is_file() else 0.0,
    }


def timed_generate(side: Side, root: Path) -> dict[str, float]:
    """Time `generate` twice in one process: from an empty site_src/, then with no change."""
    shutil.rmtree(root / "site_src", ignore_errors=True)
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(root), TODAY],
        env=side.env(),
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{side.name}: generate failed:\n{result.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    # The same, as the command a programme lead runs: each run a process of its own (the
    # interpreter's start and imports counted), the first making what the second finds.
    for name in ("command_first", "command_again"):
        started = time.perf_counter()
        ran = subprocess.run(
            [
                sys.executable,
                "-m",
                "generator",
                "generate",
                "--project",
                str(root),
                "--today",
                TODAY,
            ],
            env=side.env(),
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        figures[name] = time.perf_counter() - started
        if ran.returncode != 0:
            raise SystemExit(f"{side.name}: portal generate failed:\n{ran.stderr[-3000:]}")
    return figures


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


@contextlib.contextmanager
def _serving(side: Side, root: Path, port: int) -> Iterator[None]:
    command = [sys.executable, "-m", "generator", "serve", "--project", str(root)]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--today", TODAY],
        env=side.env(),
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def timed_preview(side: Side, root: Path, timeout: float = 300.0) -> dict[str, float]:
    """Save a story while `portal serve` runs; time until the server returns its new text."""
    port = _free_port()
    story = sorted((root / "content" / "stories").glob("*.md"))[0]
    page = f"http://127.0.0.1:{port}/stories/{story.stem}.html"
    with _serving(side, root, port):
        started = time.perf_counter()
        while _get(page) is None:
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"{side.name}: the preview did not start in {timeout:.0f} s")
            time.sleep(0.5)
        first_s = time.perf_counter() - started
        time.sleep(2.0)  # let the server settle on the first build
        sentence = f"Saved at {time.time_ns()} for the benchmark."
        text = story.read_text(encoding="utf-8")
        saved = time.perf_counter()
        story.write_text(text.rstrip("\n") + f"\n\n{sentence}\n", encoding="utf-8")
        while True:
            served = _get(page)
            if served is not None and sentence in served:
                break
            if time.perf_counter() - saved > timeout:
                raise SystemExit(f"{side.name}: the saved story was not served in {timeout} s")
            time.sleep(0.05)
        served_s = time.perf_counter() - saved
    pages = sum(1 for _ in (root / "site_src").rglob("*.md"))
    return {"first": first_s, "saved": served_s, "pages": pages}


def scaled(size: tuple[int, int, int], by: int) -> tuple[int, int, int]:
    """Divide each count of a programme's size by *by*."""
    people, stories, posts = size
    return people // by, stories // by, posts // by


def main() -> None:
    """Measure today and new side by side; print one table with every target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="commit that is 'today'")
    parser.add_argument("--quick", action="store_true", help="a tenth of each size")
    parser.add_argument(
        "--repeat", type=int, default=3, help="large builds per side, taken in turns (median)"
    )
    args = parser.parse_args()
    by = 10 if args.quick else 1
    small, large, preview = (scaled(size, by) for size in (SMALL, LARGE, PREVIEW))
    sides = [baseline_side(args.baseline), Side("new", ROOT)]
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for side in sides:
        print(f"measuring {side.name} …", file=sys.stderr, flush=True)
        figures[side.name] = {"generate": timed_generate(side, project(side, "large", large))}
    # The large builds take turns, today's and this one's, so that a slower spell of the
    # machine falls on both; each side's figure is the median of its runs.
    runs: dict[str, list[dict[str, float]]] = {side.name: [] for side in sides}
    for turn in range(args.repeat):
        for side in sides:
            print(f"{side.name}: large build {turn + 1} of {args.repeat}", file=sys.stderr)
            runs[side.name].append(timed_build(side, WORK / f"{side.name}-large"))
    for side in sides:
        got = figures[side.name]
        # The first build of a fresh project has nothing kept from an earlier one; the next
        # ones rebuild the same inputs (this one takes each page's conversion as kept).
        first, *again = runs[side.name]
        got["large"] = first
        rebuilt = statistics.median(run["seconds"] for run in again) if again else first["seconds"]
        got["rebuild"] = {"seconds": rebuilt, "pages": first["pages"]}
        got["peak"] = {"rss_mb": max(run["rss_mb"] for run in runs[side.name])}
        got["large_runs"] = {str(n): run["seconds"] for n, run in enumerate(runs[side.name])}
        got["small"] = timed_build(side, project(side, "small", small))
        got["preview"] = timed_preview(side, project(side, "preview", preview))
        print(json.dumps(got), file=sys.stderr, flush=True)
    print_table(figures)


def print_table(figures: dict[str, dict[str, dict[str, float]]]) -> None:
    """Print the one table of issue 13's targets."""
    today, new = figures["today"], figures["new"]

    def per_page(side: dict[str, dict[str, float]], size: str) -> float:
        return 1000 * side[size]["seconds"] / side[size]["pages"]

    def growth(side: dict[str, dict[str, float]], key: str) -> str:
        large, small = side["large"][key], side["small"][key]
        return f"×{large / small:.1f}"

    pages = new["large"]["pages"] / new["small"]["pages"]
    rows = [
        (
            f"build, ms per page at {today['large']['pages']:,.0f} / {new['large']['pages']:,.0f} "
            "pages (check, generate, strict build, audit), first build of the project",
            f"{per_page(today, 'large'):.1f}",
            f"{per_page(new, 'large'):.1f}",
            "≤ 6",
        ),
        (
            "build again, same inputs (pages' conversions kept), ms per page, median",
            f"{per_page(today, 'rebuild'):.1f}",
            f"{per_page(new, 'rebuild'):.1f}",
            "≤ 6",
        ),
        (
            "build, each large run in turn, s (the first, then the rebuilds)",
            " / ".join(f"{v:.0f}" for v in today["large_runs"].values()),
            " / ".join(f"{v:.0f}" for v in new["large_runs"].values()),
            "—",
        ),
        (
            f"build, ms per page at {today['small']['pages']:,.0f} / {new['small']['pages']:,.0f}",
            f"{per_page(today, 'small'):.1f}",
            f"{per_page(new, 'small'):.1f}",
            "—",
        ),
        (
            "peak memory of `portal build` and its processes, MB (large, highest run)",
            f"{today['peak']['rss_mb']:.0f}",
            f"{new['peak']['rss_mb']:.0f}",
            "≤ 500",
        ),
        (
            "`portal generate`, 10,000 participants, s",
            f"{today['generate']['first']:.2f}",
            f"{new['generate']['first']:.2f}",
            "≤ 2",
        ),
        (
            "no-op regenerate, s (files rewritten)",
            f"{today['generate']['again']:.2f} ({today['generate']['rewritten']:.0f})",
            f"{new['generate']['again']:.2f} ({new['generate']['rewritten']:.0f})",
            "≤ 1 (0)",
        ),
        (
            "no-op `portal generate` as a command, after one (a process each), s",
            f"{today['generate']['command_again']:.2f}",
            f"{new['generate']['command_again']:.2f}",
            "≤ 1",
        ),
        (
            "search_index.json, MB (large)",
            f"{today['large']['index_mb']:.1f}",
            f"{new['large']['index_mb']:.1f}",
            "≤ 5",
        ),
        (
            "preview: save a story → new text served, s "
            f"(about {new['preview']['pages']:,.0f} pages)",
            f"{today['preview']['saved']:.1f}",
            f"{new['preview']['saved']:.1f}",
            "≤ 3",
        ),
        (
            "preview: first page served after `portal serve`, s",
            f"{today['preview']['first']:.1f}",
            f"{new['preview']['first']:.1f}",
            "—",
        ),
        (
            f"growth 750 → 7,500: build time (pages ×{pages:.1f})",
            growth(today, "seconds"),
            growth(new, "seconds"),
            f"≤ ×{pages:.1f}",
        ),
        (
            f"growth: peak memory (pages ×{pages:.1f})",
            growth(today, "rss_mb"),
            growth(new, "rss_mb"),
            f"≤ ×{pages:.1f}",
        ),
        (
            f"growth: search index (pages ×{pages:.1f})",
            growth(today, "index_mb"),
            growth(new, "index_mb"),
            f"≤ ×{pages:.1f}",
        ),
        (
            "progress on `portal build`: (pages done, of) reported by the build",
            "none",
            "up to 10 a second",
            "a bar (CLI)",
        ),
        (
            ".authors.yml entries (large)",
            f"{today['generate']['authors']:.0f}",
            f"{new['generate']['authors']:.0f}",
            "those posts use",
        ),
    ]
    print("| target | today | new | target |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
