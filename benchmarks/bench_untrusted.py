"""Benchmark the untrusted-input stages: the HTML allow-list, image re-making and the audit.

    python benchmarks/bench_untrusted.py                   # the demo, 1,000 and 5,000 pairs
    python benchmarks/bench_untrusted.py --pairs 1000

For each project it builds the site once (`portal build`), then measures, each on its own:

- *sanitise*: the HTML allow-list (`generator.sanitise.clean_content`) over the content HTML of
  every page, converted from site_src/ with the same Markdown extensions as mkdocs.yml;
- *re-make*: re-encoding every published image from nothing (`generator.assets`), and again
  with the results of the first run kept (what a second `portal generate` does). Synthetic
  programmes get a 640 × 640 JPEG photo with EXIF for every participant, so the figure is the
  cost of real photos;
- *audit*: collecting the secrets from the raw inputs and searching every built file and path.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import markdown  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks.bench_build import prepare_demo, prepare_synthetic  # noqa: E402
from generator.assets import remake_assets  # noqa: E402
from generator.audit import ThemeAssets, audit_site, collect_secrets, theme_directories  # noqa: E402
from generator.pipeline import build, check_project  # noqa: E402
from generator.public import build_public_view  # noqa: E402
from generator.sanitise import clean_content  # noqa: E402

TODAY = dt.date(2026, 11, 22)


def add_photos(root: Path) -> int:
    """Give every synthetic participant a real JPEG photo carrying EXIF; return how many."""
    table = root / "data" / "participants.csv"
    with table.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    folder = root / "content" / "images" / "people"
    folder.mkdir(parents=True, exist_ok=True)
    chance = random.Random(0)
    for number, row in enumerate(rows):
        # A photo of its own: random colours run smoothly into each other, like no other one
        # (solid colours repeat and look alike, which the audit rightly refuses to publish).
        grid = Image.new("RGB", (8, 8))
        grid.putdata(
            [
                (chance.randrange(256), chance.randrange(256), chance.randrange(256))
                for _ in range(64)
            ]
        )
        picture = grid.resize((640, 640), Image.Resampling.BICUBIC)
        exif = Image.Exif()
        exif[0x013B] = f"Photographer {number}"
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=90, exif=exif.tobytes())
        (folder / f"{number:05d}.jpg").write_bytes(buffer.getvalue())
        row["photo"] = f"images/people/{number:05d}.jpg"
    with table.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def markdown_extensions() -> list[str]:
    """Return the Markdown extensions of mkdocs.yml that need no Python objects."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    text = text.split("markdown_extensions:", 1)[1].split("\n\n", 1)[0]
    names = []
    for line in text.splitlines():
        item = line.strip().removeprefix("- ").rstrip(":")
        if item and not line.startswith("      ") and "emoji" not in item:
            names.append(item)
    return names


def sanitise_seconds(site_src: Path) -> tuple[int, float]:
    """Convert every page to HTML, then time the allow-list over all of them."""
    converter = markdown.Markdown(extensions=markdown_extensions())
    pages = []
    for path in sorted(site_src.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---"):
            text = text.split("---", 2)[2]
        pages.append(converter.reset().convert(text))
    started = time.perf_counter()
    for html in pages:
        clean_content(html)
    return len(pages), time.perf_counter() - started


def measure(name: str, root: Path) -> None:
    """Print one row of figures for a project."""
    built = build(root, today=TODAY)
    checked = check_project(root, TODAY)
    pages, sanitise_s = sanitise_seconds(root / "site_src")
    site = build_public_view(checked.project, checked.decisions)
    scratch = root / "bench-assets"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    started = time.perf_counter()
    cold = remake_assets(root / "content", site.images, scratch)
    cold_s = time.perf_counter() - started
    for rel, data in cold.files.items():
        (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
        (scratch / rel).write_bytes(data)
    started = time.perf_counter()
    remake_assets(root / "content", site.images, scratch)
    warm_s = time.perf_counter() - started
    started = time.perf_counter()
    secrets = collect_secrets(checked.project, checked.decisions)
    collect_s = time.perf_counter() - started
    started = time.perf_counter()
    findings = audit_site(
        built.site_dir, secrets, ThemeAssets(theme_directories(root)), built.generated.remade
    )
    audit_s = time.perf_counter() - started
    files = sum(1 for p in built.site_dir.rglob("*") if p.is_file())
    print(
        f"| {name} | {built.pages} | {pages} | {sanitise_s * 1000:.0f} ms "
        f"({sanitise_s / pages * 1000:.2f} ms/page) | {len(site.images)} | {cold_s:.2f} s | "
        f"{warm_s:.2f} s | {len(secrets.needles):,} | {collect_s:.2f} s | {files:,} | "
        f"{audit_s:.2f} s | {len(findings)} |",
        flush=True,
    )


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", default=[1000, 5000])
    args = parser.parse_args()
    print(
        "| project | HTML pages | pages sanitised | sanitise | images | re-make | again "
        "| secrets | collect | files audited | audit | findings |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    measure("demo", prepare_demo())
    for pairs in args.pairs:
        root = prepare_synthetic(pairs)
        add_photos(root)
        measure(f"synthetic {pairs:,} pairs", root)


if __name__ == "__main__":
    main()
