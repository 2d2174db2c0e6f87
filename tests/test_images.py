"""Pictures are re-made from their pixels, never copied: generator/images.py."""

from __future__ import annotations

import csv
import io
import random
import re
import struct
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from PIL import ExifTags, Image, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo

from generator import images
from generator.images import (
    MAX_LONG_SIDE,
    Likenesses,
    NotAPicture,
    alike,
    clean_svg,
    contrast_ratio,
    describe_bytes,
    initials_avatar,
    likeness,
    name_initials,
    remake_raster,
    verify_published_image,
)
from generator.pages import avatar_path
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parent.parent
SVG_NS = "{http://www.w3.org/2000/svg}"
HEADER_COLOUR = "#0b5d5b"  # programme.yaml site.primary_colour

CANARIES = (
    b"CANARY-ARTIST",
    b"CANARY-MAKE",
    b"CANARY-GPS-DATUM",
    b"CANARY-COMMENT",
    b"CANARY-XMP",
    b"CANARY-PNG-AUTHOR",
    b"CANARY-ITXT",
    b"CANARY-ZTXT",
)
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>CANARY-XMP</dc:creator></x:xmpmeta>'


# --- pictures made for the tests --------------------------------------------------------------


def encode(picture: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def scene(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """A small picture with distinct areas, so orientation and colours can be checked."""
    picture = Image.new("RGB", size, (30, 90, 200))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, size[0] - 1, size[1] // 4), fill=(220, 30, 30))
    draw.ellipse((size[0] // 4, size[1] // 3, size[0] // 2, size[1] * 2 // 3), fill=(250, 220, 0))
    return picture.convert(mode)


def private_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "CANARY-ARTIST Jane Example"
    exif[ExifTags.Base.Make] = "CANARY-MAKE"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 26.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    gps[ExifTags.GPS.GPSMapDatum] = "CANARY-GPS-DATUM"
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_metadata() -> bytes:
    return encode(
        scene(),
        "JPEG",
        exif=private_exif(),
        comment=b"CANARY-COMMENT",
        xmp=XMP,
        icc_profile=srgb_icc(),
    )


def png_with_metadata() -> bytes:
    info = PngInfo()
    info.add_text("Author", "CANARY-PNG-AUTHOR")
    info.add_itxt("Description", "CANARY-ITXT Jane's desk", lang="en")
    info.add_text("Comment", "CANARY-ZTXT " * 20, zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return encode(
        scene(mode="RGBA"), "PNG", pnginfo=info, exif=private_exif(), icc_profile=srgb_icc()
    )


def webp_with_metadata() -> bytes:
    return encode(scene(), "WEBP", exif=private_exif(), xmp=XMP, icc_profile=srgb_icc())


def gif_with_comment() -> bytes:
    return encode(scene().convert("P"), "GIF", comment=b"CANARY-COMMENT")


def animated(fmt: str) -> bytes:
    frames = [
        Image.new("RGB", (40, 30), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))
    ]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge picture: a decompression bomb's calling card."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + png_chunk(b"IEND", b"")
    )


def xlsx_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "name", "email"])
    sheet.append(["P001", "Jane Example", "jane.example@calderbrook.example"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_with(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


def decoded(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


def assert_no_metadata(data: bytes) -> None:
    picture = decoded(data)
    leaked = [canary for canary in CANARIES if canary in data]
    assert not leaked, leaked
    assert not picture.getexif(), dict(picture.getexif())
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop"):
        assert key not in picture.info, key
    assert not getattr(picture, "text", {})


# --- raster pictures ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "suffix"),
    [
        (jpeg_with_metadata, ".jpg"),
        (png_with_metadata, ".png"),
        (webp_with_metadata, ".webp"),
        (gif_with_comment, ".gif"),
    ],
)
def test_remade_picture_keeps_pixels_and_drops_every_piece_of_metadata(make, suffix):
    original = make()
    assert any(canary in original for canary in CANARIES)  # the test input really carries them
    remade = remake_raster(original)
    assert remade.suffix == suffix
    assert (remade.width, remade.height) == (64, 48) == decoded(remade.data).size
    assert_no_metadata(remade.data)
    top_left = decoded(remade.data).convert("RGB").getpixel((5, 2))
    assert isinstance(top_left, tuple)
    assert top_left[0] > 180 and top_left[2] < 90  # still red where the picture was red


def test_gps_and_artist_are_in_the_original_exif_but_not_in_the_remade_one():
    original = jpeg_with_metadata()
    exif = decoded(original).getexif()
    assert exif[ExifTags.Base.Artist].startswith("CANARY-ARTIST")
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    remade = decoded(remake_raster(original).data)
    assert not remade.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.Base.Artist not in remade.getexif()


def test_suffix_is_decided_from_the_bytes_not_the_name():
    assert remake_raster(encode(scene(), "PNG")).suffix == ".png"
    assert remake_raster(encode(scene(), "JPEG")).suffix == ".jpg"


def test_exif_orientation_is_applied_before_the_tag_is_dropped():
    upright = Image.new("RGB", (10, 20), (0, 0, 255))
    upright.paste((255, 0, 0), (0, 0, 10, 5))  # red along the top edge of the stored pixels
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to display"
    remade = remake_raster(encode(upright, "JPEG", exif=exif, quality=95))
    assert (remade.width, remade.height) == (20, 10)
    shown = decoded(remade.data).convert("RGB")
    right, left = shown.getpixel((18, 5)), shown.getpixel((1, 5))
    assert isinstance(right, tuple) and isinstance(left, tuple)
    assert right[0] > 200 and left[2] > 200  # the stored top edge is now on the right
    assert not decoded(remade.data).getexif()


@pytest.mark.parametrize(
    ("size", "max_side", "expected"),
    [
        ((3000, 1000), MAX_LONG_SIDE, (1600, 533)),
        ((1000, 3000), MAX_LONG_SIDE, (533, 1600)),
        ((3000, 1000), 100, (100, 33)),
        ((50, 30), MAX_LONG_SIDE, (50, 30)),  # never enlarged
        ((1600, 900), MAX_LONG_SIDE, (1600, 900)),
        ((4000, 3), MAX_LONG_SIDE, (1600, 1)),  # a sliver stays at least one pixel high
    ],
)
def test_long_side_is_capped_never_enlarged(size, max_side, expected):
    for fmt in ("PNG", "JPEG"):
        remade = remake_raster(encode(scene(size), fmt), max_side=max_side)
        assert (remade.width, remade.height) == expected
        assert decoded(remade.data).size == expected


def test_large_jpeg_is_scaled_with_a_good_filter():
    big = scene((4000, 3000))
    remade = decoded(remake_raster(encode(big, "JPEG", quality=95)).data).convert("RGB")
    assert remade.size == (1600, 1200)
    reference = big.resize((1600, 1200), Image.Resampling.LANCZOS)
    for point in ((800, 100), (600, 600), (1500, 1100)):
        got, want = remade.getpixel(point), reference.getpixel(point)
        assert isinstance(got, tuple) and isinstance(want, tuple)
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 16


@pytest.mark.parametrize(
    "make",
    [
        jpeg_with_metadata,
        png_with_metadata,
        webp_with_metadata,
        gif_with_comment,
        lambda: animated("GIF"),
        lambda: encode(scene((2400, 1800)), "JPEG"),
    ],
)
def test_remaking_is_deterministic(make):
    original = make()
    first, second = remake_raster(original), remake_raster(bytes(original))
    assert first == second


@pytest.mark.parametrize(("fmt", "suffix"), [("GIF", ".gif"), ("WEBP", ".webp")])
def test_animation_keeps_its_first_frame_only(fmt, suffix):
    original = animated(fmt)
    assert decoded(original).n_frames == 3
    remade = remake_raster(original)
    picture = decoded(remade.data)
    assert remade.suffix == suffix
    assert getattr(picture, "n_frames", 1) == 1
    colour = picture.convert("RGB").getpixel((20, 15))
    assert isinstance(colour, tuple)
    assert colour[0] > 200 and colour[1] < 60  # the red first frame
    assert "frame" in (verify_published_image(original, suffix) or "")


def test_cmyk_jpeg_becomes_rgb_with_the_same_colour():
    original = encode(Image.new("CMYK", (20, 20), (0, 255, 255, 0)), "JPEG")  # red, in ink
    assert decoded(original).mode == "CMYK"
    picture = decoded(remake_raster(original).data)
    assert picture.mode == "RGB"
    red = picture.getpixel((10, 10))
    assert isinstance(red, tuple)
    assert red[0] > 220 and red[1] < 40 and red[2] < 40


def test_sixteen_bit_png_is_scaled_to_eight_bits_not_clipped():
    ramp = Image.new("I;16", (4, 1))
    for x, value in enumerate((0, 16384, 32768, 65535)):
        ramp.putpixel((x, 0), value)
    original = encode(ramp, "PNG")
    picture = decoded(remake_raster(original).data)
    assert picture.mode == "L"
    values = [picture.getpixel((x, 0)) for x in range(4)]
    assert values[0] == 0 and values[3] == 255
    assert isinstance(values[2], int) and 120 <= values[2] <= 135


def test_palette_png_with_transparency_keeps_it():
    picture = Image.new("P", (20, 10), 0)
    picture.putpalette([0, 0, 0, 255, 128, 0] + [0, 0, 0] * 254)
    picture.paste(1, (10, 0, 20, 10))
    original = encode(picture, "PNG", transparency=0)
    remade = decoded(remake_raster(original).data).convert("RGBA")
    assert remade.getpixel((2, 2)) == (0, 0, 0, 0)
    assert remade.getpixel((15, 5)) == (255, 128, 0, 255)


def test_gif_with_transparency_keeps_it():
    rgba = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    rgba.paste((0, 128, 255, 255), (10, 0, 20, 10))
    remade = remake_raster(encode(rgba, "GIF"))
    assert verify_published_image(remade.data, ".gif") is None
    picture = decoded(remade.data).convert("RGBA")
    assert picture.getpixel((2, 2))[3] == 0  # type: ignore[index]
    assert picture.getpixel((15, 5)) == (0, 128, 255, 255)


def test_alpha_is_kept_where_the_format_has_it():
    rgba = Image.new("RGBA", (8, 8), (10, 20, 30, 0))
    rgba.paste((200, 100, 50, 255), (4, 0, 8, 8))
    for fmt in ("PNG", "WEBP"):
        picture = decoded(remake_raster(encode(rgba, fmt, lossless=True)).data)
        assert picture.mode == "RGBA"
        assert picture.getpixel((1, 1))[3] == 0  # type: ignore[index]
        assert picture.getpixel((6, 6))[3] == 255  # type: ignore[index]


def test_lossless_webp_stays_lossless():
    original = encode(scene(), "WEBP", lossless=True)
    remade = remake_raster(original)
    assert b"VP8L" in remade.data
    assert decoded(remade.data).convert("RGB").tobytes() == scene().tobytes()


def test_data_after_the_end_of_a_picture_is_not_carried_over():
    polyglot = encode(scene(), "PNG") + zip_with(["secrets.csv"])
    assert verify_published_image(polyglot, ".png") == (
        "still carries extra data after the end of the picture"
    )
    remade = remake_raster(polyglot)
    assert b"secrets.csv" not in remade.data
    assert verify_published_image(remade.data, ".png") is None


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (xlsx_workbook(), "an Excel workbook"),
        (zip_with(["[Content_Types].xml", "word/document.xml"]), "a Word document"),
        (zip_with(["[Content_Types].xml", "ppt/presentation.xml"]), "a PowerPoint presentation"),
        (zip_with(["holiday/1.jpg"]), "a ZIP archive"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "a PDF document"),
        (b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>", "an HTML page"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><circle r='1'/></svg>", "an SVG drawing"),
        (b"<?xml version='1.0'?>\n<!-- logo -->\n<svg/>", "an SVG drawing"),
        (b"<?xml version='1.0'?><note>hi</note>", "an XML file"),
        ("Dear Jane,\nthe photo is attached. — Zoë\n".encode(), "a text file"),
        (b"id,name,email\nP001,Jane,jane@example.org\n", "a CSV table"),
        (b"", "an empty file"),
        (bytes(range(256)) * 4, "an unknown kind of file"),
        (encode(scene(), "BMP"), "a BMP picture"),
        (encode(scene(), "TIFF"), "a TIFF picture"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "Workbook".encode("utf-16-le"),
            "an older Excel workbook (.xls)",
        ),
        (encode(scene(), "JPEG"), "a JPEG picture"),
        (encode(scene(), "PNG"), "a PNG picture"),
        (encode(scene(), "WEBP"), "a WebP picture"),
        (encode(scene(), "GIF"), "a GIF picture"),
    ],
)
def test_describe_bytes_says_what_a_file_really_is(data, words):
    assert describe_bytes(data) == words


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (xlsx_workbook(), "it is an Excel workbook"),
        (b"%PDF-1.4\n1 0 obj\n", "it is a PDF document"),
        (b"<html><body>hi</body></html>", "it is an HTML page"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><circle r='1'/></svg>",
            "it is an SVG drawing; photos must be JPEG, PNG, WebP or GIF",
        ),
        (encode(scene(), "BMP"), "it is a BMP picture; photos must be JPEG, PNG, WebP or GIF"),
        (b"", "it is an empty file"),
    ],
)
def test_anything_but_jpeg_png_webp_gif_is_refused_in_words(data, what):
    with pytest.raises(NotAPicture) as refused:
        remake_raster(data)
    assert refused.value.what == what
    assert str(refused.value) == what


def test_a_workbook_renamed_png_never_becomes_a_picture():
    workbook = xlsx_workbook()
    assert b"PK" in workbook[:2]
    with pytest.raises(NotAPicture, match="Excel workbook"):
        remake_raster(workbook)
    assert verify_published_image(workbook, ".png") == "is an Excel workbook, not a PNG picture"


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (30_000, 30_000),
        (10_000, 9_000),
        (8_000, 7_000),
    ],  # above, between and below Pillow's own limits
)
def test_decompression_bombs_are_refused_with_their_size(width, height):
    bomb = png_declaring(width, height)
    assert len(bomb) < 200
    with pytest.raises(NotAPicture) as refused:
        remake_raster(bomb)
    assert refused.value.what == (
        f"it is {width:,} × {height:,} pixels, more than the 50 megapixels allowed"
    )
    assert verify_published_image(bomb, ".png") == refused.value.what.removeprefix("it ")


def test_pillows_own_bomb_warning_becomes_a_refusal_not_a_warning(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 10**12)  # let the bomb past our own check
    with pytest.raises(NotAPicture, match="megapixels"):
        remake_raster(png_declaring(10_000, 9_000))  # Pillow warns above 89 MP
    with pytest.raises(NotAPicture, match="megapixels"):
        remake_raster(png_declaring(30_000, 30_000))  # and raises above 179 MP


def test_gif_frame_larger_than_its_screen_counts_as_its_size():
    gif = bytearray(encode(Image.new("P", (10, 10)), "GIF"))
    descriptor = gif.index(b",")
    gif[descriptor + 5 : descriptor + 9] = struct.pack("<HH", 20_000, 20_000)
    with pytest.raises(NotAPicture, match=r"20,000 × 20,000 pixels"):
        remake_raster(bytes(gif))


def test_a_file_too_large_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 2 * 2**20)
    padded = encode(scene(), "PNG") + b"\0" * (3 * 2**20)
    with pytest.raises(NotAPicture, match=r"it is 3\.0 MB, more than the 2 MB allowed"):
        remake_raster(padded)


@pytest.mark.parametrize(
    ("fmt", "words"),
    [
        ("JPEG", "a JPEG picture"),
        ("PNG", "a PNG picture"),
        ("GIF", "a GIF picture"),
        ("WEBP", "a WebP picture"),
    ],
)
def test_truncated_pictures_are_refused_as_damaged(fmt, words):
    noise = Image.effect_noise((200, 200), 64).convert("RGB")
    whole = encode(noise, fmt)
    with pytest.raises(NotAPicture) as refused:
        remake_raster(whole[: len(whole) // 2])
    assert refused.value.what == f"it is {words} but it is damaged (cannot be decoded)"
    assert verify_published_image(whole[: len(whole) // 2], PNG_SUFFIX[fmt]) == (
        f"is {words} but it is damaged (cannot be decoded)"
    )


PNG_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}


# --- verifying what was published -------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "suffix", "reason"),
    [
        (jpeg_with_metadata, ".jpg", "EXIF metadata"),
        (png_with_metadata, ".png", "text metadata"),
        (webp_with_metadata, ".webp", "XMP metadata"),
        (gif_with_comment, ".gif", "a comment"),
    ],
)
def test_verify_rejects_the_originals_and_accepts_the_remade(make, suffix, reason):
    original = make()
    verdict = verify_published_image(original, suffix)
    assert verdict is not None and verdict.startswith("still carries "), verdict
    assert reason in verdict
    assert verify_published_image(remake_raster(original).data, suffix) is None


def test_verify_names_every_kind_of_metadata_it_finds():
    verdict = verify_published_image(jpeg_with_metadata(), ".JPEG")
    assert verdict == (
        "still carries EXIF metadata, XMP metadata, an ICC colour profile and a comment"
    )


@pytest.mark.parametrize(
    ("data", "suffix", "reason"),
    [
        (encode(scene(), "PNG"), ".jpg", "is a PNG picture, not a JPEG picture"),
        (b"<html></html>", ".gif", "is an HTML page, not a GIF picture"),
        (
            encode(scene(), "PNG"),
            ".bmp",
            "has the suffix '.bmp', which is not a kind of picture the portal publishes",
        ),
        (
            b"\xff\xd8\xff\xe0garbage",
            ".jpg",
            "is a JPEG picture but it is damaged (cannot be decoded)",
        ),
    ],
)
def test_verify_rejects_a_file_that_is_not_what_its_suffix_says(data, suffix, reason):
    assert verify_published_image(data, suffix) == reason


# --- SVG -------------------------------------------------------------------------------------

HOSTILE_SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet href="http://evil.example/s.css"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     viewBox="0 0 100 100" width="100" height="100" onload="alert('onload')" inkscape:version="1.3">
  <!-- CANARY-COMMENT by jane.example@calderbrook.example -->
  <script>alert('script')</script>
  <style>@import url(http://evil.example/style.css); rect { fill: red }</style>
  <defs>
    <linearGradient id="grad"><stop offset="0" stop-color="#0b5d5b"/><stop offset="1" stop-color="#f28c00"/></linearGradient>
    <path id="shape" d="M10 10h20v20z"/>
  </defs>
  <rect x="0" y="0" width="100" height="100" fill="url(#grad)" onclick="alert('click')"/>
  <circle cx="50" cy="50" r="10" style="fill:url(http://evil.example/f.svg#p);stroke:#123456;behavior:url(x.htc)"/>
  <ellipse cx="20" cy="20" rx="5" ry="3" fill="url(https://evil.example/x)" stroke="javascript:alert(1)"/>
  <foreignObject width="100" height="100"><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="http://evil.example/"/></body></foreignObject>
  <a href="javascript:alert('link')"><polygon points="0,0 10,0 5,8"/></a>
  <a xlink:href="http://evil.example/"><line x1="0" y1="0" x2="9" y2="9" stroke="black"/></a>
  <use xlink:href="http://evil.example/sprite.svg#icon"/>
  <use href="#shape" x="40"/>
  <image href="https://tracker.example/pixel.png" width="1" height="1"/>
  <animate attributeName="href" to="javascript:alert('animate')"/>
  <set attributeName="onmouseover" to="alert(1)"/>
  <text x="10" y="90" font-family="Segoe UI, sans-serif">Hello <tspan font-weight="bold">there</tspan> &amp; welcome</text>
</svg>
"""

DANGERS = (
    b"script",
    b"onload",
    b"onclick",
    b"onmouseover",
    b"foreignObject",
    b"iframe",
    b"javascript",
    b"evil.example",
    b"tracker.example",
    b"<style",
    b"@import",
    b"behavior",
    b"CANARY",
    b"calderbrook",
    b"xml-stylesheet",
    b"animate",
    b"<set",
    b"<image",
    b"<a",
    b"inkscape",
    b"<!--",
    b"<?",
)


def test_svg_allow_list_removes_every_dangerous_construct():
    cleaned = clean_svg(HOSTILE_SVG)
    found = [danger for danger in DANGERS if danger in cleaned]
    assert not found, found


def test_svg_allow_list_keeps_the_drawing():
    cleaned = clean_svg(HOSTILE_SVG)
    root = ElementTree.fromstring(cleaned)
    assert root.tag == f"{SVG_NS}svg" and root.get("viewBox") == "0 0 100 100"
    kept = [element.tag.removeprefix(SVG_NS) for element in root.iter()]
    for tag in (
        "linearGradient",
        "stop",
        "path",
        "rect",
        "circle",
        "ellipse",
        "polygon",
        "line",
        "use",
        "text",
        "tspan",
    ):
        assert tag in kept, tag
    assert b'fill="url(#grad)"' in cleaned
    assert b'href="#shape"' in cleaned
    assert b'style="stroke:#123456"' in cleaned
    assert b'font-family="Segoe UI, sans-serif"' in cleaned
    assert b'Hello <tspan font-weight="bold">there</tspan> &amp; welcome' in cleaned
    assert kept.count("use") == 1  # the external one went


def test_svg_cleaning_is_deterministic_and_idempotent():
    cleaned = clean_svg(HOSTILE_SVG)
    assert clean_svg(HOSTILE_SVG) == cleaned
    assert clean_svg(cleaned) == cleaned
    reordered = b'<svg height="10" xmlns="http://www.w3.org/2000/svg" width="10"><rect width="1" height="2" x="0"/></svg>'
    assert clean_svg(reordered) == (
        b'<svg xmlns="http://www.w3.org/2000/svg" height="10" width="10">\n'
        b'  <rect height="2" width="1" x="0"/>\n'
        b"</svg>\n"
    )


def test_verify_svg_accepts_only_what_passed_the_allow_list():
    verdict = verify_published_image(HOSTILE_SVG, ".svg")
    assert verdict is not None and verdict.endswith("outside the SVG allow-list")
    assert verify_published_image(clean_svg(HOSTILE_SVG), ".svg") is None
    assert verify_published_image(xlsx_workbook(), ".svg") == (
        "is an Excel workbook, not an SVG drawing"
    )


def test_svg_with_entities_is_refused():
    laughs = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&lol2;</text></svg>"""
    with pytest.raises(NotAPicture, match="entities"):
        clean_svg(laughs)
    external = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY pw SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&pw;</text></svg>"""
    with pytest.raises(NotAPicture, match="entities"):
        clean_svg(external)


def test_plain_doctype_is_dropped_not_refused():
    svg = b"""<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg"><circle r="3"/></svg>"""
    cleaned = clean_svg(svg)
    assert b"DOCTYPE" not in cleaned and b'<circle r="3"/>' in cleaned


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"<html><body/></html>", "it is an HTML page, not an SVG drawing"),
        (encode(scene(), "PNG"), "it is a PNG picture, not an SVG drawing"),
        (
            b"<svg><circle r='3'/></svg>",
            "it is an XML file without the SVG namespace, not an SVG drawing",
        ),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><circle r='3'>",
            "it is an SVG drawing but it is damaged (not well-formed XML)",
        ),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script><foreignObject><p>hi</p></foreignObject></svg>",
            "it is an SVG drawing, but nothing drawable is left once scripts, links, embedded files and styles are removed",
        ),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'>"
            + b"<g>" * 100
            + b"<circle r='1'/>"
            + b"</g>" * 100
            + b"</svg>",
            "it is an SVG drawing nested more than 64 levels deep, which is not allowed",
        ),
    ],
)
def test_clean_svg_refuses_what_is_not_a_drawing(data, what):
    with pytest.raises(NotAPicture) as refused:
        clean_svg(data)
    assert refused.value.what == what


def test_the_logo_survives_the_allow_list_unchanged_and_contrasts_with_the_header():
    logo = (ROOT / "content" / "images" / "logo.svg").read_bytes()
    assert clean_svg(logo) == logo  # nothing it draws is removed
    assert verify_published_image(logo, ".svg") is None
    colours = set(re.findall(rb'(?:fill|stroke)="(#[0-9a-fA-F]{6})"', logo))
    assert max(contrast_ratio(c.decode(), HEADER_COLOUR) for c in colours) >= 3


# --- avatars ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("Zoë Núñez", "ZN"),
        ("Zoe\u0308 Nu\u0301n\u0303ez", "ZN"),  # decomposed accents: the same two letters
        ("Ng", "N"),
        ("richard thornbury", "RT"),
        ("Émile de la Tour", "ÉT"),
        ("Łukasz  Żółkiewski-Smith", "ŁŻ"),
        ("Siân O'Neill", "SO"),
        ("  ", ""),
    ],
)
def test_initials_are_unicode_aware(name, initials):
    assert name_initials(name) == initials


def test_initials_avatar_carries_nothing_but_shapes_and_initials():
    avatar = initials_avatar("Zoë Núñez", "#8a4b08")
    root = ElementTree.fromstring(avatar)
    assert root.get("role") == "img"
    assert [element.tag.removeprefix(SVG_NS) for element in root.iter()] == [
        "svg",
        "circle",
        "text",
    ]
    assert "".join(root.itertext()).split() == ["ZN"]
    for forbidden in ("id=", "aria-labelledby", "<title", "Zoë", "Núñez"):
        assert forbidden not in avatar
    assert initials_avatar("Zoë Núñez", "#8a4b08") == avatar
    assert verify_published_image(avatar.encode(), ".svg") is None


@pytest.mark.parametrize(
    "background",
    ["#8a4b08", "#0b5d5b", "#f28c00", "#777777", "#ffffff", "#000000", "#ffff00", "#0000ff"],
)
def test_initials_avatar_text_meets_wcag_aa_contrast(background):
    avatar = initials_avatar("Ng", background)
    text = ElementTree.fromstring(avatar).find(f"{SVG_NS}text")
    assert text is not None
    assert contrast_ratio(text.get("fill", ""), background) >= 4.5


def test_initials_avatar_needs_a_hex_colour():
    with pytest.raises(ValueError, match="#rrggbb"):
        initials_avatar("Ng", "red")


# --- the demo's own pictures --------------------------------------------------------------------


def test_demo_participant_photos_are_clean_raster_pictures():
    with (ROOT / "content" / "data" / "participants.csv").open(newline="", encoding="utf-8") as f:
        photos = [row["photo"] for row in csv.DictReader(f) if row["photo"]]
    assert photos
    for photo in photos:
        path = ROOT / "content" / photo
        assert path.suffix == ".png", photo
        assert verify_published_image(path.read_bytes(), path.suffix) is None, photo
    assert not list((ROOT / "content" / "images" / "people").glob("*.svg"))


def test_demo_story_picture_is_a_clean_raster_picture():
    story = (ROOT / "content" / "stories" / "sixty-seconds-on-the-local-plan.md").read_text()
    image = re.search(r"^image: (.+)$", story, re.MULTILINE)
    assert image is not None and image.group(1).endswith(".png")
    data = (ROOT / "content" / image.group(1)).read_bytes()
    assert verify_published_image(data, ".png") is None
    assert decoded(data).size == (1200, 630)


def test_an_initials_avatar_is_named_by_its_initials_in_letters_that_mean_nothing():
    names = ["Chloe Brown", "carl baker", "Ng", "Émile de la Tour", "Emile Tour", "  "]
    paths = [avatar_path(name) for name in names]
    assert paths[0] == paths[1], "the same initials share one file"
    assert len(set(paths)) == 5, "other initials (É is not E) have files of their own"
    for path in paths:
        stem = path.removeprefix("images/initials/").removesuffix(".svg")
        # Never the initials themselves: "eo" or "g7" in a path would read as a grade or an id.
        assert len(stem) == 10 and stem.isascii() and stem.isalpha(), path


def test_everyone_with_the_same_initials_shares_one_avatar_file(demo: Path) -> None:
    from generator.pipeline import generate

    site_src = demo / "site_src"
    generate(demo, TODAY)
    texts = [p.read_text("utf-8") for p in site_src.rglob("*") if p.suffix in {".md", ".yml"}]
    named = set(re.findall(r"images/initials/[\w-]+\.svg", "\n".join(texts)))
    drawn = {p.relative_to(site_src).as_posix() for p in (site_src / "images").rglob("*.svg")}
    assert named and named <= drawn, "every avatar a page shows is there"
    avatars = {path: (site_src / path).read_text("utf-8") for path in drawn if "initials" in path}
    assert set(avatars) == named, "and no avatar is drawn that no page shows"
    assert len(set(avatars.values())) == len(avatars), "each drawing is one file"
    assert not list((site_src / "images" / "people").glob("*.svg"))


def test_likenesses_find_what_alike_finds_picture_by_picture_in_the_given_order():
    chance = random.Random(13)
    side = 16 * 16 * 3

    def nudged(thumb: bytes, by: int) -> bytes:
        return bytes(min(255, max(0, value + chance.randint(-by, by))) for value in thumb)

    base = [bytes(chance.randrange(256) for _ in range(side)) for _ in range(40)]
    # Near copies (some within the limit, some just past it), a flat grey, an empty thumbnail
    # and one of another length: every kind the prefilter must neither miss nor invent.
    private = [(thumb, f"photo {n}") for n, thumb in enumerate(base)]
    private += [(nudged(base[n], 5), f"copy {n}") for n in range(0, 40, 3)]
    private += [(nudged(base[n], 7), f"farther copy {n}") for n in range(1, 40, 4)]
    private += [(bytes([128]) * side, "grey"), (b"", "empty"), (base[0][:-3], "short")]
    asked = [nudged(thumb, by) for thumb in base for by in (0, 2, 4, 6)]
    asked += [bytes([128]) * side, bytes([131]) * side, base[0][:-3], b"", b"\x00"]
    index = Likenesses(private)
    found_any = 0
    for thumb in asked:
        expected = [what for other, what in private if alike(thumb, other)]
        assert index.like(thumb) == expected
        found_any += bool(expected)
    assert 100 < found_any < len(asked), "the corpus has pictures found and pictures not"
    assert not Likenesses([]) and not Likenesses([(b"", "empty")]) and index


def test_likenesses_find_a_photo_resized_and_re_encoded_but_not_another_photo():
    chance = random.Random(4)
    photos = []
    for _ in range(3):
        grid = Image.new("RGB", (8, 8))
        grid.putdata([tuple(chance.randrange(256) for _ in range(3)) for _ in range(64)])
        # Upscaled smoothly, as a photo's colours run into each other.
        photos.append(grid.resize((400, 400), Image.Resampling.BICUBIC))
    thumbs = []
    for photo in photos:
        stream = io.BytesIO()
        photo.save(stream, "PNG")
        thumbs.append(likeness(stream.getvalue()))
    index = Likenesses([(t, f"photo {n}") for n, t in enumerate(thumbs) if t is not None])
    copy = io.BytesIO()
    photos[1].resize((150, 150)).save(copy, "JPEG", quality=60)
    thumb = likeness(copy.getvalue())
    assert thumb is not None and index.like(thumb) == ["photo 1"]
    assert index.like(bytes(len(thumb))) == [], "a black square is none of them"
    assert all(not alike(thumbs[0], other) for other in thumbs[1:] if other is not None)
