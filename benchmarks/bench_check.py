"""Benchmark `portal check`: wall time on synthetic programmes of 1,000 and 10,000 participants.

    python benchmarks/bench_check.py                      # 1,000 and 10,000 participants
    python benchmarks/bench_check.py --sizes 1000 --runs 5

Each programme is written by benchmarks/synthetic.py into benchmarks/_work/ (git-ignored):
about participants / 2 pairs, 10 session rows per pair and a pre/post survey. Two figures per
size, best of --runs: `check_project` in this process (load + validate, imports already paid),
and the `portal check` command in a fresh subprocess (what a programme lead waits for,
Python start-up and imports included). CPU time is printed beside wall time because a busy
machine inflates wall time but not CPU time.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import write_synthetic_programme  # noqa: E402
from generator.pipeline import check_project  # noqa: E402

WORK = ROOT / "benchmarks" / "_work"


def cpu_seconds() -> float:
    """Return the CPU time used so far by this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best_of(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    """Return the fastest wall time and the smallest CPU time of *runs* calls of *action*."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), cpu_seconds()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_seconds() - cpu)
    return min(walls), min(cpus)


def portal_command() -> list[str]:
    """Return the `portal` executable next to this Python, else `python -m generator`."""
    script = Path(sys.executable).with_name("portal")
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator"]


def run_portal_check(root: Path) -> None:
    """Run `portal check --project root` in a subprocess; fail loudly unless it exits 0."""
    result = subprocess.run(
        [*portal_command(), "check", "--project", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"portal check failed on {root}:\n{result.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--runs", type=int, default=3, help="take the best of this many runs")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print(f"portal check — synthetic programmes (seed {args.seed}), {os.cpu_count()} CPU(s)")
    print("best of", args.runs, "runs; wall time, CPU time in brackets")
    print(f"{'participants':>12} {'pairs':>6} {'sessions':>8} {'write':>6}  "
          f"{'check_project':>15}  {'portal check':>15}")  # fmt: skip
    for size in args.sizes:
        root = WORK / f"check-{size}"
        start = time.perf_counter()
        write_synthetic_programme(root, size, seed=args.seed)
        written = time.perf_counter() - start
        project = check_project(root).project  # also warms up imports and pydantic
        wall, cpu = best_of(args.runs, lambda root=root: check_project(root))
        command_wall, command_cpu = best_of(args.runs, lambda root=root: run_portal_check(root))
        print(
            f"{len(project.participants):>12,} {len(project.pairs):>6,} "
            f"{len(project.sessions):>8,} {written:>5.1f}s  "
            f"{wall:>6.2f}s ({cpu:>4.2f}s)  {command_wall:>6.2f}s ({command_cpu:>4.2f}s)"
        )


if __name__ == "__main__":
    main()
