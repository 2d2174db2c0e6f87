"""Benchmark impact, charts, the impact page, the programme-health report and certificates.

    python benchmarks/bench_impact.py                 # 10,000 participants, 100,000 sessions
    python benchmarks/bench_impact.py --participants 2000 --sessions 20000

The programme is benchmarks/synthetic.py's (5,000 pairs for 10,000 participants, with its pre
and post surveys), written into benchmarks/_work/ (git-ignored); its session table (about 10
rows per pair) is then topped up here with seeded extra rows, held and cancelled, to reach
--sessions rows. Each step runs in a fresh process, so that *max RSS MB* (the whole process:
Python, libraries and the loaded project) belongs to that step alone; *peak MB* is the
tracemalloc peak during the step (a second run: tracemalloc slows Python several times over),
*seconds* its wall time and *CPU s* its CPU time, both from the untraced run. Loading
the project (`load_project`) is timed on its own line and left out of every other step.
Certificates are drawn for --certificates people only (each takes the same time).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import AS_OF, write_synthetic_programme  # noqa: E402
from generator.model import Project  # noqa: E402
from generator.pipeline import load_project  # noqa: E402

WORK = ROOT / "benchmarks" / "_work"
STEPS = ("load", "impact", "charts", "impact-page", "report", "report-files", "certificates")


def top_up_sessions(root: Path, wanted: int, seed: int) -> int:
    """Append seeded session rows until the table has *wanted* rows; return the final count."""
    sessions = root / "data" / "sessions.csv"
    with sessions.open(encoding="utf-8", newline="") as handle:
        count = sum(1 for _ in csv.DictReader(handle))
    if count >= wanted:
        return count
    with (root / "data" / "pairs.csv").open(encoding="utf-8", newline="") as handle:
        pairs = [p for p in csv.DictReader(handle) if p["start_date"]]
    rng = random.Random(seed)
    rows = []
    for index in range(wanted - count):
        pair = pairs[index % len(pairs)]
        start = dt.date.fromisoformat(pair["start_date"])
        span = max((AS_OF - start).days, 0)
        day = start + dt.timedelta(days=rng.randint(0, min(span, 180)))
        held = rng.random() < 0.8

        mentor_rating, mentee_rating = (
            str(rng.choice([1, 2, 3, 4, 4, 5, 5, 5])) if held and rng.random() < 0.9 else ""
            for _ in range(2)
        )
        rows.append(
            [
                pair["pair_id"],
                day.isoformat(),
                "60" if held else "",
                "held" if held else "cancelled",
                "Extra" if held else "",
                mentor_rating,
                mentee_rating,
            ]
        )
    with sessions.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return wanted


def measure(action: Callable[[], Any], traced: Callable[[], Any] | None = None) -> dict[str, float]:
    """Time *action*, then run it (or *traced*) again under tracemalloc for its peak memory.

    tracemalloc slows Python several times over, so the time comes from the untraced run.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    wall = time.perf_counter()
    action()
    seconds = time.perf_counter() - wall
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu
    rss = usage.ru_maxrss / 1024
    tracemalloc.start()
    (traced or action)()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak / 2**20, "rss_mb": rss}


def run_step(step: str, root: Path, certificates: int) -> dict[str, Any]:
    """Load the project, then measure one step (in this process)."""
    if step == "load":
        out = measure(lambda: load_project(root, today=AS_OF))
        project = load_project(root, today=AS_OF)
        out["detail"] = (
            f"{len(project.pairs):,} pairs, {len(project.sessions):,} sessions, "
            f"{len(project.surveys):,} survey answers"
        )
        return out
    project = load_project(root, today=AS_OF)
    detail = ""
    if step == "impact":
        from generator.impact import compute_impact

        out = measure(lambda: compute_impact(project))
    elif step == "charts":
        from generator.charts import impact_charts
        from generator.impact import compute_impact

        impact = compute_impact(project)
        drawn: list[Any] = []

        def draw() -> None:
            drawn[:] = impact_charts(project, impact)

        out = measure(draw)
        detail = f"{len(drawn)} charts, {sum(len(c.svg) for c in drawn) // 1024} KB of SVG"
    elif step == "impact-page":
        out, detail = _impact_page(project)
    elif step == "report":
        from generator.report import build_health_report

        built: list[Any] = []
        out = measure(lambda: built.append(build_health_report(project)))
        report = built[0]
        detail = (
            f"{len(report.pairs):,} pairs, {len(report.flagged):,} flagged, "
            f"{len(report.suggestions):,} suggestions"
        )
    elif step == "report-files":
        from generator.report import build_health_report, write_health_report

        report = build_health_report(project)
        with tempfile.TemporaryDirectory(dir=WORK) as folder:
            written: list[Path] = []

            def write() -> None:
                written[:] = write_health_report(project, report, Path(folder))

            out = measure(write)
            size = sum(p.stat().st_size for p in written)
        detail = f"HTML + {len(written) - 1} CSV, {size / 2**20:.1f} MB"
    elif step == "certificates":
        out, detail = _certificates(project, certificates)
    else:  # pragma: no cover - argparse limits the choices
        raise SystemExit(f"unknown step {step}")
    out["detail"] = detail
    return out


def _impact_page(project: Project) -> tuple[dict[str, float], str]:
    """Measure what a build spends on the impact page: public figures, charts and Markdown."""
    from dataclasses import replace

    from generator.public import PublicSite, public_impact
    from generator.public_programme import public_programme
    from generator.render import make_environment, render_impact

    # Everything else of the site is left empty: only the impact page is rendered.
    site = PublicSite(
        programme=public_programme(project.config),
        today=project.today,
        people=(),
        staff=(),
        pairs=(),
        stories=(),
        posts=(),
        guides=(),
        figures=(),
        images={},
    )
    env = make_environment(project.root)
    files: dict[str, str] = {}

    def page() -> None:
        files.clear()
        files.update(render_impact(replace(site, impact=public_impact(project)), env))

    out = measure(page)
    charts = [p for p in files if p.endswith(".svg")]
    size = sum(len(text.encode("utf-8")) for text in files.values()) / 1024
    # The first chart imports matplotlib, as a build does: its import is part of the figure.
    return out, f"impact.md and {len(charts)} charts, {size:.0f} KB (matplotlib import included)"


def _certificates(project: Project, count: int) -> tuple[dict[str, float], str]:
    from generator.certificates import eligible_certificates, write_certificates

    cohort = project.config.cohorts[0].id
    earned = eligible_certificates(project, cohort)
    sample = earned[:count]
    with tempfile.TemporaryDirectory(dir=WORK) as folder:
        out = measure(
            lambda: write_certificates(project, sample, Path(folder)),
            lambda: write_certificates(project, sample[:5], Path(folder)),
        )
    each = out["seconds"] / max(len(sample), 1)
    return out, (
        f"{len(sample)} of {len(earned):,} eligible in {cohort}: {each:.2f} s each, "
        f"{each * len(earned) / 60:.0f} min for all"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--certificates", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.root, args.certificates)))
        return

    root = WORK / f"impact-{args.participants}-{args.sessions}"
    write_synthetic_programme(root, args.participants, seed=args.seed)
    rows = top_up_sessions(root, args.sessions, args.seed)
    print(
        f"impact, charts, the impact page, report and certificates — synthetic programme of "
        f"{args.participants:,} participants, {rows:,} session rows (seed {args.seed}), "
        f"{os.cpu_count()} CPU(s), as of {AS_OF}"
    )
    print()
    head = ("step", "seconds", "CPU s", "peak MB", "max RSS MB")
    print(f"| {head[0]:<13} | {head[1]:>7} | {head[2]:>6} | {head[3]:>7} | {head[4]:>10} | what |")
    print(f"|{'-' * 15}|{'-' * 8}:|{'-' * 7}:|{'-' * 8}:|{'-' * 11}:|------|")
    for step in STEPS:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--step",
                step,
                "--root",
                str(root),
                "--certificates",
                str(args.certificates),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"step {step} failed:\n{done.stderr}")
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"| {step:<13} | {r['seconds']:>7.2f} | {r['cpu']:>6.2f} | {r['peak_mb']:>7.1f} | "
            f"{r['rss_mb']:>10.0f} | {r['detail']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
