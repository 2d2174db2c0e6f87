"""Files and names from outside: pictures typed by their bytes, one registry for page paths."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from PIL import Image

from generator.pipeline import build, generate
from tests.conftest import TODAY, add_site_files, copy_demo
from tests.scratch import PARTICIPANTS, run_check


def workbook_bytes() -> bytes:
    book = Workbook()
    book.active.append(["email"])
    book.active.append(["ada@example.org"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    picture = Image.new("RGB", (40, 20), (10, 120, 90))
    exif = Image.Exif()
    exif[0x013B] = "Canary Photographer"
    gps = exif.get_ifd(0x8825)
    gps[2] = (51.0, 30.0, 12.0)
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def with_photo(name: str) -> str:
    """Give Ada (row 2) a photo."""
    return PARTICIPANTS.replace("I build things.,,", f"I build things.,images/people/{name},")


def test_a_workbook_named_png_is_refused_with_its_row(scratch: Callable[..., Path]) -> None:
    root = scratch({"data/participants.csv": with_photo("P1.png")})
    (root / "content" / "images" / "people").mkdir(parents=True)
    (root / "content" / "images" / "people" / "P1.png").write_bytes(workbook_bytes())
    code, lines = run_check(root)
    assert code == 2
    assert lines[0] == (
        "data/participants.csv:row 2: column 'photo': images/people/P1.png is not a picture "
        "(it is an Excel workbook)"
    )


def test_an_svg_photo_is_refused(scratch: Callable[..., Path]) -> None:
    root = scratch({"data/participants.csv": with_photo("P1.svg")})
    (root / "content" / "images" / "people").mkdir(parents=True)
    svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="4" height="4"/></svg>'
    (root / "content" / "images" / "people" / "P1.svg").write_text(svg)
    code, lines = run_check(root)
    assert code == 2
    assert lines[0] == (
        "data/participants.csv:row 2: column 'photo': images/people/P1.svg is an SVG drawing; "
        "pictures must be JPEG, PNG, WebP or GIF (SVG is only for the programme's logo)"
    )


def test_a_photo_is_published_re_made_without_metadata_under_its_real_type(
    scratch: Callable[..., Path],
) -> None:
    # A JPEG named .png: typed by its bytes, published as .jpg under an opaque name.
    root = add_site_files(scratch({"data/participants.csv": with_photo("P1.png")}))
    (root / "programme.yaml").write_text(
        (root / "programme.yaml")
        .read_text()
        .replace(
            "public_fields: [name, job_title, department, bio]",
            "public_fields: [name, job_title, department, bio, photo]",
        )
    )
    (root / "content" / "images" / "people").mkdir(parents=True)
    original = jpeg_with_gps()
    (root / "content" / "images" / "people" / "P1.png").write_bytes(original)
    built = build(root, today=TODAY)
    photos = [p for p in (built.site_dir / "images" / "people").iterdir() if p.suffix == ".jpg"]
    assert len(photos) == 1 and "P1" not in photos[0].name
    published = photos[0].read_bytes()
    assert published != original
    assert b"Canary Photographer" not in published
    with Image.open(io.BytesIO(published)) as picture:
        assert picture.format == "JPEG" and not picture.getexif()


def test_every_published_file_of_the_demo_is_re_made_or_a_theme_asset(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "demo")
    built = build(root, today=TODAY)
    # No sanitiser removal on the demo: its pages use only what the allow-list allows.
    assert built.build.removed == ()
    published = [p for p in (built.site_dir / "images").rglob("*") if p.suffix == ".png"]
    assert len(published) == 31  # 30 photos of the people shown and the story picture
    register = built.generated.remade
    assert [
        p for p in published if hashlib.sha256(p.read_bytes()).hexdigest() not in register
    ] == []


# --- the page registry ---------------------------------------------------------------------


def story(title: str = "A story") -> str:
    return f"---\ntitle: {title}\ndate: 2026-05-01\nsummary: S.\nstatus: draft\n---\n\nText.\n"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"content/stories/Zoë Núñez.md": story(), "content/stories/zoe_nunez.md": story()},
            "content/stories/zoe_nunez.md: file name: this file and content/stories/Zoë Núñez.md "
            "would both be published as 'zoe-nunez'; rename one of them",
        ),
        (
            {"content/stories/Lunch.md": story(), "content/stories/lunch.md": story()},
            "content/stories/lunch.md: file name: this file and content/stories/Lunch.md would "
            "both be published as 'lunch'; rename one of them",
        ),
        (
            {"content/stories/index.md": story()},
            "content/stories/index.md: file name: the name 'index' is used by the portal's own "
            "pages; rename the file, e.g. index-story.md",
        ),
        (
            {"content/blog/c1.md": story()},
            "content/blog/c1.md: file name: the name 'c1' is used by the portal's own pages; "
            "rename the file, e.g. c1-post.md",
        ),
        (
            {"content/stories/___.md": story()},
            "content/stories/___.md: file name: this file name has no letters or digits to make "
            "a web address from; rename the file, e.g. my-story.md",
        ),
    ],
)
def test_slugs_that_cannot_be_pages_are_located_errors(
    scratch: Callable[..., Path], files: dict[str, str], expected: str
) -> None:
    code, lines = run_check(scratch(files))
    assert expected in lines, "\n".join(lines)
    assert code == 2


def test_slugs_are_transliterated(scratch: Callable[..., Path]) -> None:
    root = add_site_files(scratch({"content/stories/Zoë Núñez.md": story()}))
    generate(root, today=TODAY, preview=True)
    assert (root / "site_src" / "stories" / "zoe-nunez.md").is_file()


def test_the_preview_shows_a_withheld_story_with_a_banner_and_no_private_value(
    scratch: Callable[..., Path],
) -> None:
    susan = "P5,Susan Hargreaves,susan@example.org,mentee,B2,Housing,Director,HQ,,,,,,,,c1,none\n"
    body = "---\ntitle: Lunch\ndate: 2026-05-01\nsummary: S.\nstatus: draft\n---\n\nFine line.\n\nSusan Hargreaves came.\n"
    root = add_site_files(
        scratch({"data/participants.csv": PARTICIPANTS + susan, "content/stories/lunch.md": body})
    )
    generate(root, today=TODAY, preview=True)
    page = (root / "site_src" / "stories" / "lunch.md").read_text()
    assert "Withheld: this story will not be published" in page
    assert "Fine line." in page
    assert "Susan" not in page and "Hargreaves" not in page
    # And a real generate leaves it out altogether.
    generate(root, today=TODAY)
    assert not (root / "site_src" / "stories" / "lunch.md").exists()


def test_material_tooltips_stay_off() -> None:
    # Material's content.tooltips builds a tooltip from a title attribute with innerHTML, so
    # escaped text in an abbreviation, link or long page title ran as markup on hover.
    mkdocs = (Path(__file__).resolve().parent.parent / "mkdocs.yml").read_text(encoding="utf-8")
    assert "content.tooltips" not in mkdocs
