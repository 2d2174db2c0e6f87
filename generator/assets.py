"""Assets stage: every image a page shows is re-made from its pixels, never copied.

The public view decides which images are published and under which names; this stage reads
each source file once, re-makes it with `generator.images` (rasters decoded and re-encoded with
no metadata, the long side capped; the logo's SVG through the SVG allow-list), and hands the
bytes to the write stage. A register of the re-made pictures' hashes goes to the audit, which
refuses any image in the site that is not one of them.

Re-encoding is the slowest part of generating a large portal, so the result for each source is
kept in `site_src/.images.json` (the source's and the result's hashes): when neither changed,
the file already in site_src/ is reused rather than made again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator import images
from generator.errors import InputError, Problem
from generator.load import read_input
from generator.model import ImageFile

MANIFEST = ".images.json"


def image_file(data: bytes) -> ImageFile:
    """Type a file under content/images/ by its bytes."""
    return ImageFile(images.describe_bytes(data), images.picture_suffix(data))


@dataclass(frozen=True)
class Assets:
    """The re-made images for site_src/, and the register the audit checks the site against."""

    files: Mapping[str, bytes]
    remade: frozenset[str]  # sha256 of every raster picture written


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def remake_assets(
    content: Path, wanted: Mapping[str, str], site_src: Path, max_side: int = images.MAX_LONG_SIDE
) -> Assets:
    """Re-make each published image (site path -> source under content/) from its bytes.

    Sources are read through the loader (never through a link, at most the image size limit).
    """
    previous = _read_manifest(site_src)
    files: dict[str, bytes] = {}
    manifest: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    for dest, source in sorted(wanted.items()):
        data = read_input(
            content / source,
            f"content/{source}",
            images.MAX_IMAGE_BYTES,
            root=content.parent,
            setting="max_image_bytes",
        )
        source_hash = _digest(data)
        key = f"{source_hash}:{max_side}"
        known = previous.get(dest)
        existing = site_src / dest
        if known and known.get("source") == key and existing.is_file():
            kept = existing.read_bytes()
            if _digest(kept) == known.get("result"):
                files[dest] = kept
                manifest[dest] = known
                continue
        try:
            made = _remake(data, PurePosixPath(dest).suffix.lower(), max_side)
        except images.NotAPicture as exc:
            problems.append(Problem(f"content/{source}", f"cannot be published: {exc.what}"))
            continue
        files[dest] = made
        manifest[dest] = {"source": key, "result": _digest(made)}
    if problems:
        raise InputError(problems)
    files[MANIFEST] = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    remade = frozenset(
        entry["result"] for dest, entry in manifest.items() if not dest.endswith(".svg")
    )
    return Assets(files, remade)


def _remake(data: bytes, suffix: str, max_side: int) -> bytes:
    if suffix == ".svg":
        return images.clean_svg(data)
    made = images.remake_raster(data, max_side)
    if made.suffix != suffix.replace(".jpeg", ".jpg"):
        # Validation makes names and contents agree; a mismatch here is a bug, not input.
        raise ValueError(f"a {made.suffix} picture cannot be published as {suffix}")
    return made.data


def _read_manifest(site_src: Path) -> dict[str, dict[str, str]]:
    try:
        loaded = json.loads((site_src / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
