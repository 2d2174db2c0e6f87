"""Run every benchmark, one after the other, and print their figures (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    "bench_check.py",
    "bench_build.py",
    "bench_untrusted.py",
    "bench_impact.py",
    "bench_match.py",
    # Last: the one table of issue 13's targets, today's code and this one side by side.
    "bench_scale.py",
)


def main() -> int:
    """Run each benchmark script with this interpreter; stop at the first failure."""
    for name in BENCHMARKS:
        print(f"\n## {name}\n", flush=True)
        result = subprocess.run([sys.executable, str(HERE / name)], check=False)
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
