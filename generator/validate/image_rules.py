"""Rules of images: every reference points at a real picture under content/images/."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from generator.errors import Problem
from generator.model import ImageFile
from generator.validate.inputs import CrossContext, Located

_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*:")
_IMAGE_REF = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")


def body_images(doc: Located[Any], images: Mapping[str, ImageFile]) -> Iterable[Problem]:
    """Report Markdown images in a body that point at a missing file in content/images/."""
    for offset, line in enumerate(doc.source.body.split("\n")):
        for match in _IMAGE_REF.finditer(line):
            target = match.group(1)
            if _SCHEME.match(target) or target.startswith(("//", "#")):
                continue  # not a file of ours: the HTML allow-list decides what becomes of it
            found = not_a_picture(target, images, named=True)
            if found:
                yield Problem(
                    doc.source.file, found, field="image", line=doc.source.body_line + offset
                )
            if image_key(target) not in images:
                yield Problem(
                    doc.source.file,
                    f"image '{target}' was not found in content/images/",
                    field="image",
                    line=doc.source.body_line + offset,
                )


def image_key(reference: str) -> str:
    """Normalise an image reference to its path under content/ (e.g. 'images/a.png')."""
    cleaned = reference.strip().split("#")[0].split("?")[0]
    parts = [p for p in cleaned.replace("\\", "/").split("/") if p not in {"", ".", ".."}]
    if "images" not in parts:
        return "/".join(["images", *parts])
    return "/".join(parts[parts.index("images") :])


def not_a_picture(
    reference: str, images: Mapping[str, ImageFile], named: bool = False
) -> str | None:
    """Say why an image file cannot be published as named, or None when it can.

    The kind is decided from the file's bytes. Participant photos and content images must be
    JPEG, PNG, WebP or GIF (SVG is only for the programme's own logo). A content image is
    published under its own name, so its extension must say what it is.
    """
    key = image_key(reference)
    image = images.get(key)
    if image is None:
        return None
    if not image.is_raster:
        if image.suffix == ".svg":
            return (
                f"{key} is an SVG drawing; pictures must be JPEG, PNG, WebP or GIF "
                "(SVG is only for the programme's logo)"
            )
        return f"{key} is not a picture (it is {image.kind})"
    extension = PurePosixPath(key).suffix.lower().replace(".jpeg", ".jpg")
    if named and extension != image.suffix:
        return (
            f"{key} is {image.kind}, but its name ends in '{PurePosixPath(key).suffix}'; "
            f"rename it to end in '{image.suffix}'"
        )
    return None


def config_images(c: CrossContext) -> Iterable[Problem]:
    """Check the programme's logo: a picture or an SVG drawing under content/images/."""
    logo = c.inputs.config.site.logo
    if not logo:
        return
    pos = c.inputs.config_doc.position(("site", "logo"))
    image = c.inputs.images.get(image_key(logo))
    if image is None:
        yield Problem(
            c.inputs.config_file,
            f"image '{logo}' was not found in content/images/",
            field="site.logo",
            line=pos.line if pos else None,
            col=pos.col if pos else None,
        )
    elif not (image.is_raster or image.suffix == ".svg"):
        yield Problem(
            c.inputs.config_file,
            f"{image_key(logo)} is not a picture (it is {image.kind})",
            field="site.logo",
            line=pos.line if pos else None,
        )
