"""Benchmark `portal build`: pages, time and size for the demo and a synthetic 1,000-pair programme.

    python benchmarks/bench_build.py                 # the demo and 1,000 pairs
    python benchmarks/bench_build.py --pairs 1000 3000

For each project: the time to check + render + write site_src/ (`generate`), the time of a second
`generate` (nothing changes, nothing is rewritten), the full `build` (generate, strict MkDocs
build, privacy audit), the number of HTML pages and the size of site/. Projects are written into
benchmarks/_work/ (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import write_synthetic_programme  # noqa: E402
from generator.pipeline import build, generate  # noqa: E402

WORK = ROOT / "benchmarks" / "_work"
TODAY = dt.date(2026, 11, 22)


def prepare_demo() -> Path:
    """Copy the demo project's inputs into a fresh folder."""
    target = WORK / "build-demo"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for part in ("programme.yaml", "mkdocs.yml"):
        shutil.copy2(ROOT / part, target / part)
    for part in ("theme", "content"):
        shutil.copytree(ROOT / part, target / part)
    return target


def prepare_synthetic(pairs: int) -> Path:
    """Write a synthetic programme with about *pairs* pairs and the repo's site files."""
    target = WORK / f"build-{pairs}-pairs"
    shutil.rmtree(target, ignore_errors=True)
    write_synthetic_programme(target, pairs * 2, stories=pairs // 20, posts=pairs // 10)
    shutil.copy2(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(ROOT / "theme", target / "theme")
    return target


def size_mb(folder: Path) -> float:
    """Return the total size of the files under *folder* in MB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def measure(name: str, root: Path) -> None:
    """Print one row of figures for a project."""
    started = time.perf_counter()
    first = generate(root, today=TODAY)
    generate_s = time.perf_counter() - started
    started = time.perf_counter()
    second = generate(root, today=TODAY)
    again_s = time.perf_counter() - started
    started = time.perf_counter()
    built = build(root, today=TODAY)
    build_s = time.perf_counter() - started
    print(
        f"| {name} | {len(first.site.pairs)} | {built.pages} | {generate_s:.2f} s | "
        f"{again_s:.2f} s ({len(second.report.written)} rewritten) | {build_s:.1f} s | "
        f"{built.build.seconds:.1f} s | {size_mb(built.site_dir):.1f} MB |",
        flush=True,
    )


def main() -> None:
    """Run the build benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", default=[1000], help="synthetic sizes")
    args = parser.parse_args()
    print(
        "| project | pair pages | HTML pages | generate | generate again | build (all) "
        "| of which MkDocs | site/ |"
    )
    print("|---|---|---|---|---|---|---|---|")
    measure("demo", prepare_demo())
    for pairs in args.pairs:
        measure(f"synthetic {pairs:,} pairs", prepare_synthetic(pairs))


if __name__ == "__main__":
    main()
