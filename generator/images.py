"""Re-make pictures from untrusted bytes: decode, drop every piece of metadata, encode again.

Nothing from an input file reaches the site byte for byte (DESIGN.md, Privacy rule 7). A raster
picture is decoded by Pillow and re-encoded from its pixels alone; its kind is decided from its
bytes, never from its file name. SVG is accepted only for the programme's own assets, and only
what an allow-list of drawing elements and attributes keeps. This module is pure: bytes in,
bytes out; the caller reads the files (and refuses symlinks).
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement

import filetype
import numpy
from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from PIL import Image, ImageCms, ImageOps

from generator.pages import name_initials

MAX_LONG_SIDE: int = 1600
"""The long side of a published raster picture, in pixels: larger ones are scaled down."""

MAX_PIXELS: int = 50_000_000
"""Pictures with more pixels than this are refused (decompression bombs); 50 MP phones fit."""

MAX_IMAGE_BYTES: int = 20 * 1024 * 1024
"""Files larger than this (20 MB) are refused before anything decodes them."""

MAX_SVG_DEPTH: int = 64
"""SVG elements nested deeper than this are refused."""

ACCEPTED_KINDS = "JPEG, PNG, WebP or GIF"

# Encoder settings: fixed, so the same input always gives the same bytes.
JPEG_SETTINGS: dict[str, object] = {
    "quality": 85,
    "optimize": True,
    "progressive": True,
    "subsampling": "4:2:0",
}
PNG_SETTINGS: dict[str, object] = {"optimize": True}
WEBP_SETTINGS: dict[str, object] = {"quality": 85, "method": 4}
GIF_SETTINGS: dict[str, object] = {"optimize": False}


class NotAPicture(ValueError):
    """The bytes cannot be published as a picture; `what` says why, for a comms officer."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@dataclass(frozen=True)
class RemadeImage:
    """A picture re-encoded from its pixels alone, ready to publish."""

    data: bytes
    suffix: str
    width: int
    height: int


@dataclass(frozen=True)
class _Raster:
    suffix: str
    words: str


_RASTERS: dict[str, _Raster] = {
    "JPEG": _Raster(".jpg", "a JPEG picture"),
    "PNG": _Raster(".png", "a PNG picture"),
    "WEBP": _Raster(".webp", "a WebP picture"),
    "GIF": _Raster(".gif", "a GIF picture"),
}
_SUFFIX_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".gif": "GIF"}
_SVG_WORDS = "an SVG drawing"


# --- what a file really is ------------------------------------------------------------------

_FILETYPE_WORDS = {
    "jpx": "a JPEG 2000 picture",
    "tif": "a TIFF picture",
    "cr2": "a Canon RAW photo",
    "bmp": "a BMP picture",
    "jxr": "a JPEG XR picture",
    "psd": "a Photoshop document",
    "ico": "an icon file",
    "heic": "a HEIC picture (the iPhone photo format)",
    "avif": "an AVIF picture",
    "xcf": "a GIMP picture",
    "dwg": "an AutoCAD drawing",
    "dcm": "a DICOM medical image",
    "woff": "a font file",
    "woff2": "a font file",
    "ttf": "a font file",
    "otf": "a font file",
    "eot": "a font file",
    "rtf": "a Rich Text document",
    "epub": "an EPUB e-book",
    "tar": "a TAR archive",
    "rar": "a RAR archive",
    "7z": "a 7-Zip archive",
    "gz": "a compressed file",
    "bz2": "a compressed file",
    "xz": "a compressed file",
    "zst": "a compressed file",
    "lz4": "a compressed file",
    "lz": "a compressed file",
    "lzo": "a compressed file",
    "br": "a compressed file",
    "Z": "a compressed file",
    "cab": "a Windows cabinet archive",
    "ar": "an archive",
    "deb": "a software package",
    "rpm": "a software package",
    "exe": "a Windows program",
    "elf": "a Linux program",
    "wasm": "a WebAssembly program",
    "swf": "a Flash file",
    "crx": "a browser extension",
    "sqlite": "an SQLite database",
    "ps": "a PostScript file",
    "nes": "a games console file",
}
# Kinds of picture the portal does not publish: the refusal says which kinds it does.
_OTHER_PICTURES = frozenset(
    {
        _SVG_WORDS,
        "a JPEG 2000 picture",
        "a TIFF picture",
        "a Canon RAW photo",
        "a BMP picture",
        "a JPEG XR picture",
        "an icon file",
        "a HEIC picture (the iPhone photo format)",
        "an AVIF picture",
        "a GIMP picture",
        "a Photoshop document",
    }
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_STREAMS = (
    ("Workbook", "an older Excel workbook (.xls)"),
    ("Book", "an older Excel workbook (.xls)"),
    ("WordDocument", "an older Word document (.doc)"),
    ("PowerPoint Document", "an older PowerPoint presentation (.ppt)"),
    ("__substg1.0_", "an Outlook message"),
)
_OOXML_PARTS = (
    ("xl/", "an Excel workbook"),
    ("word/", "a Word document"),
    ("ppt/", "a PowerPoint presentation"),
    ("visio/", "a Visio drawing"),
)
_ODF_TYPES = (
    ("application/vnd.oasis.opendocument.text", "an OpenDocument text document"),
    ("application/vnd.oasis.opendocument.spreadsheet", "an OpenDocument spreadsheet"),
    ("application/vnd.oasis.opendocument.presentation", "an OpenDocument presentation"),
    ("application/vnd.oasis.opendocument.graphics", "an OpenDocument drawing"),
    ("application/epub+zip", "an EPUB e-book"),
)
_TEXT_SAMPLE = 65536
_FIRST_ELEMENT = re.compile(
    r"""\s*(?:(?:<\?.*?\?>|<!--.*?-->|<!doctype[^\[>]*(?:\[.*?\])?\s*>)\s*)*"""
    r"""<(?:[a-z_][\w.-]*:)?([a-z_][\w.-]*)""",
    re.IGNORECASE | re.DOTALL,
)
_HTML_ELEMENTS = frozenset(
    {"html", "head", "body", "script", "iframe", "div", "p", "a", "meta", "link", "table", "form"}
)
_HTML_INSIDE = re.compile(r"<\s*(?:!doctype\s+html|html|script|body|iframe)\b", re.IGNORECASE)


def describe_bytes(data: bytes) -> str:
    """Say what a file really is, in words ("a JPEG picture", "an Excel workbook", …)."""
    if not data:
        return "an empty file"
    raster = _raster_format(data)
    if raster:
        return _RASTERS[raster].words
    if b"%PDF-" in data[:1024]:  # readers accept the header anywhere in the first kilobyte
        return "a PDF document"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _describe_zip(data)
    if data.startswith(_OLE_MAGIC):
        return _describe_ole(data)
    text = _as_text(data)
    if text is not None:
        return _describe_text(text)
    kind = filetype.guess(data)
    if kind is not None:
        words = _FILETYPE_WORDS.get(kind.extension)
        if words:
            return words
        mime = str(kind.mime)
        if mime.startswith("video/"):
            return "a video"
        if mime.startswith("audio/"):
            return "an audio recording"
        if mime.startswith("image/"):
            return f"a {str(kind.extension).upper()} picture"
    return "an unknown kind of file"


def picture_suffix(data: bytes) -> str:
    """Return the suffix of what the bytes are: ".jpg", ".png", ".webp", ".gif", ".svg" or ""."""
    raster = _raster_format(data)
    if raster:
        return _RASTERS[raster].suffix
    return ".svg" if describe_bytes(data) == _SVG_WORDS else ""


def _raster_format(data: bytes) -> str | None:
    """Name the accepted raster format the bytes start with, if any."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if len(data) >= 12 and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _describe_zip(data: bytes) -> str:
    """Tell office documents and e-books from plain ZIP archives by their members' names."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    mimetype = member.read(100).decode("ascii", "replace").strip()
                for prefix, words in _ODF_TYPES:
                    if mimetype.startswith(prefix):
                        return words
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return "a ZIP archive"
    if "[Content_Types].xml" in names:
        for prefix, words in _OOXML_PARTS:
            if any(name.startswith(prefix) for name in names):
                return words
        return "a Microsoft Office document"
    if "META-INF/MANIFEST.MF" in names:
        return "a Java archive"
    return "a ZIP archive"


def _describe_ole(data: bytes) -> str:
    """Name an old Office file from the stream names in its directory (UTF-16)."""
    for stream, words in _OLE_STREAMS:
        if stream.encode("utf-16-le") in data:
            return words
    return "an older Microsoft Office file"


def _as_text(data: bytes) -> str | None:
    """Decode the start of the bytes as text, or None when they are binary."""
    sample = data[:_TEXT_SAMPLE]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
        sample = sample[: len(sample) // 2 * 2]
    else:
        encoding = "utf-8-sig"
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-8-sig" and len(data) > len(sample) and exc.start > len(sample) - 4:
            text = sample[: exc.start].decode(encoding)  # a character cut by the sample's end
        else:
            try:
                text = sample.decode("cp1252")
            except UnicodeDecodeError:
                return None
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text):
        return None
    return text


def _describe_text(text: str) -> str:
    """Tell SVG, HTML, XML, CSV and plain text apart."""
    head = text.lstrip("\ufeff \t\r\n")
    low = head[:4096].lower()
    if low.startswith("%!ps"):
        return "a PostScript file"
    if low.startswith("{\\rtf"):
        return "a Rich Text document"
    if head.startswith("<"):
        match = _FIRST_ELEMENT.match(head)
        root = match.group(1).lower() if match else None
        if root == "svg":
            return _SVG_WORDS
        if root in _HTML_ELEMENTS or low.startswith("<!doctype html"):
            return "an HTML page"
        if root is not None:
            return "an XML file"
    if _HTML_INSIDE.search(low):
        return "an HTML page"
    lines = head.splitlines()[:2]
    if len(lines) == 2 and any(lines[0].count(d) and lines[1].count(d) for d in ",;\t"):
        return "a CSV table"
    return "a text file"


def _refusal(words: str) -> str:
    if words in _OTHER_PICTURES:
        return f"it is {words}; photos must be {ACCEPTED_KINDS}"
    return f"it is {words}"


# --- the layout of a file: its parts, read without decoding ---------------------------------


class _Malformed(ValueError):
    """The file's structure is broken."""


@dataclass(frozen=True)
class _Layout:
    size: tuple[int, int] | None
    extras: tuple[str, ...]
    """Parts beyond the pixels (metadata, comments, extra frames, trailing data), in words."""


_AFTER_END = "extra data after the end of the picture"
_ANIMATION = "more than one frame (an animation)"
_PNG_KEEP = frozenset({b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"})
_PNG_CHUNK_WORDS = {
    b"tEXt": "text metadata",
    b"zTXt": "text metadata",
    b"iTXt": "text metadata",
    b"eXIf": "EXIF metadata",
    b"iCCP": "an ICC colour profile",
    b"tIME": "a timestamp",
    b"acTL": _ANIMATION,
    b"fcTL": _ANIMATION,
    b"fdAT": _ANIMATION,
}
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_WEBP_KEEP = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH"})
_WEBP_CHUNK_WORDS = {
    b"ICCP": "an ICC colour profile",
    b"EXIF": "EXIF metadata",
    b"XMP ": "XMP metadata",
    b"ANIM": _ANIMATION,
    b"ANMF": _ANIMATION,
}


def _png_layout(data: bytes) -> _Layout:
    """List a PNG's chunks beyond the pixels; raise _Malformed if they do not add up."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise _Malformed("no PNG signature")
    pos, size, extras = 8, None, []
    while True:
        if pos + 8 > len(data):
            raise _Malformed("no IEND chunk")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise _Malformed("a chunk runs past the end")
        if kind == b"IHDR" and length >= 8:
            size = struct.unpack(">II", data[pos + 8 : pos + 16])
        elif kind not in _PNG_KEEP:
            extras.append(_PNG_CHUNK_WORDS.get(kind, f"a {kind.decode('latin-1')!r} chunk"))
        pos = end
        if kind == b"IEND":
            break
    if pos < len(data):
        extras.append(_AFTER_END)
    return _Layout(size, tuple(dict.fromkeys(extras)))


def _jpeg_layout(data: bytes) -> _Layout:
    """List a JPEG's segments beyond the pixels; raise _Malformed if they do not add up."""
    if not data.startswith(b"\xff\xd8"):
        raise _Malformed("no JPEG start marker")
    pos, size, extras = 2, None, []
    while True:
        if pos >= len(data) or data[pos] != 0xFF:
            raise _Malformed("no marker where one is due")
        while pos < len(data) and data[pos] == 0xFF:
            pos += 1  # fill bytes
        if pos >= len(data):
            raise _Malformed("no end marker")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            break
        if marker in _JPEG_STANDALONE:
            continue
        if pos + 2 > len(data):
            raise _Malformed("a segment runs past the end")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        segment = data[pos + 2 : pos + length]
        if length < 2 or pos + length > len(data):
            raise _Malformed("a segment runs past the end")
        pos += length
        if marker in _JPEG_SOF and len(segment) >= 5:
            height, width = struct.unpack(">HH", segment[1:5])
            size = (width, height)
        elif marker == 0xE0:
            if not segment.startswith(b"JFIF\x00"):
                extras.append("an embedded thumbnail or extension block")
        elif 0xE1 <= marker <= 0xEF:
            extras.append(_jpeg_app_words(marker, segment))
        elif marker == 0xFE:
            extras.append("a comment")
        if marker == 0xDA:
            pos = _skip_entropy_data(data, pos)
    if pos < len(data):
        extras.append(_AFTER_END)
    return _Layout(size, tuple(dict.fromkeys(extras)))


def _jpeg_app_words(marker: int, segment: bytes) -> str:
    if segment.startswith(b"Exif\x00"):
        return "EXIF metadata"
    if segment.startswith((b"http://ns.adobe.com/xap/", b"http://ns.adobe.com/xmp/")):
        return "XMP metadata"
    if segment.startswith(b"ICC_PROFILE\x00"):
        return "an ICC colour profile"
    if segment.startswith(b"Photoshop 3.0\x00"):
        return "IPTC metadata"
    return f"an APP{marker - 0xE0} metadata block"


def _skip_entropy_data(data: bytes, pos: int) -> int:
    """Return the position of the marker that ends a scan's compressed data."""
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= len(data):
            raise _Malformed("a scan runs past the end")
        following = data[found + 1]
        if following == 0xFF:
            pos = found + 1
        elif following == 0x00 or 0xD0 <= following <= 0xD7:
            pos = found + 2
        else:
            return found


def _gif_layout(data: bytes) -> _Layout:
    """List a GIF's blocks beyond one frame's pixels; raise _Malformed if they do not add up."""
    if not data.startswith((b"GIF87a", b"GIF89a")) or len(data) < 13:
        raise _Malformed("no GIF header")
    width, height = struct.unpack("<HH", data[6:10])
    pos = 13 + _gif_colour_table(data[10])
    frames, extras = 0, []
    while True:
        if pos >= len(data):
            raise _Malformed("no trailer")
        block = data[pos]
        pos += 1
        if block == 0x3B:
            break
        if block == 0x21:
            if pos >= len(data):
                raise _Malformed("an extension runs past the end")
            label = data[pos]
            if label == 0xFE:
                extras.append("a comment")
            elif label == 0xFF:
                app = data[pos + 2 : pos + 13]
                is_loop = app in (b"NETSCAPE2.0", b"ANIMEXTS1.0")
                words = "XMP metadata" if app == b"XMP DataXMP" else "an application block"
                extras.append("animation settings" if is_loop else words)
            elif label == 0x01:
                extras.append("a plain-text block")
            elif label != 0xF9:
                extras.append("an unknown extension block")
            pos = _skip_sub_blocks(data, pos + 1)
        elif block == 0x2C:
            frames += 1
            if pos + 9 > len(data):
                raise _Malformed("a frame runs past the end")
            left, top, frame_width, frame_height = struct.unpack("<4H", data[pos : pos + 8])
            # A frame reaching beyond the screen enlarges the picture (as Pillow decodes it).
            width, height = max(width, left + frame_width), max(height, top + frame_height)
            pos += 9 + _gif_colour_table(data[pos + 8]) + 1  # descriptor, table, LZW code size
            pos = _skip_sub_blocks(data, pos)
        else:
            raise _Malformed("an unknown block")
    if frames == 0:
        raise _Malformed("no frame")
    if frames > 1:
        extras.append(_ANIMATION)
    if pos < len(data):
        extras.append(_AFTER_END)
    return _Layout((width, height), tuple(dict.fromkeys(extras)))


def _gif_colour_table(flags: int) -> int:
    return 3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while True:
        if pos >= len(data):
            raise _Malformed("a block runs past the end")
        length = data[pos]
        pos += 1 + length
        if length == 0:
            return pos


def _webp_layout(data: bytes) -> _Layout:
    """List a WebP's chunks beyond the pixels; raise _Malformed if they do not add up."""
    if len(data) < 12 or not data.startswith(b"RIFF") or data[8:12] != b"WEBP":
        raise _Malformed("no WebP header")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size
    if end > len(data):
        raise _Malformed("the file is shorter than it says")
    pos, size, extras = 12, None, []
    while pos < end:
        if pos + 8 > end:
            raise _Malformed("a chunk runs past the end")
        kind = data[pos : pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if pos + 8 + length > end:
            raise _Malformed("a chunk runs past the end")
        size = size or _webp_chunk_size(kind, body)
        if kind not in _WEBP_KEEP:
            extras.append(_WEBP_CHUNK_WORDS.get(kind, f"a {kind.decode('latin-1')!r} chunk"))
        pos += 8 + length + (length & 1)
    if end < len(data):
        extras.append(_AFTER_END)
    return _Layout(size, tuple(dict.fromkeys(extras)))


def _webp_chunk_size(kind: bytes, body: bytes) -> tuple[int, int] | None:
    """Read the canvas size a VP8X, VP8 or VP8L chunk declares."""
    if kind == b"VP8X" and len(body) >= 10:
        return 1 + int.from_bytes(body[4:7], "little"), 1 + int.from_bytes(body[7:10], "little")
    if kind == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", body[6:10])
        return width & 0x3FFF, height & 0x3FFF
    if kind == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


_LAYOUTS: dict[str, Callable[[bytes], _Layout]] = {
    "JPEG": _jpeg_layout,
    "PNG": _png_layout,
    "GIF": _gif_layout,
    "WEBP": _webp_layout,
}


def _layout(data: bytes, fmt: str) -> _Layout:
    """Read a file's layout; any slip of the reader over broken bytes is _Malformed too."""
    try:
        return _LAYOUTS[fmt](data)
    except (struct.error, IndexError) as exc:
        raise _Malformed(str(exc)) from exc


def _declared_size(data: bytes, fmt: str) -> tuple[int, int] | None:
    """The size a file's header declares, for a refusal's words; None when unreadable."""
    try:
        return _layout(data, fmt).size
    except _Malformed:
        if fmt == "PNG" and data[12:16] == b"IHDR" and len(data) >= 24:
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if fmt == "GIF" and len(data) >= 10:
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        return None


# --- raster pictures --------------------------------------------------------------------------


def remake_raster(data: bytes, max_side: int = MAX_LONG_SIDE) -> RemadeImage:
    """Decode a JPEG, PNG, WebP or GIF and encode its pixels again, without any metadata.

    The EXIF orientation is applied first; the long side is capped at `max_side` (never
    enlarged); an animation keeps its first frame only; an ICC profile is converted to sRGB
    and dropped. Anything else raises NotAPicture saying what the file really is.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1, not {max_side}")
    _check_file_size(data)
    fmt = _raster_format(data)
    if fmt is None:
        raise NotAPicture(_refusal(describe_bytes(data)))
    with warnings.catch_warnings():
        _quieten_decoder_warnings()
        stored, full_size = _decode(data, fmt, max_side)
        picture = _upright(stored)
        if picture.size != stored.size:  # turned a quarter: the full size turns with it
            full_size = (full_size[1], full_size[0])
        picture = _resize(_normalise_mode(picture), _fitted_size(full_size, max_side))
        picture = _to_srgb(picture)
    encoded = _encode(picture, fmt, lossless=fmt == "WEBP" and _is_lossless_webp(data))
    leftovers = _layout(encoded, fmt).extras
    if leftovers:  # a Pillow upgrade that starts writing metadata must not pass silently
        raise RuntimeError(f"re-encoded {fmt} still carries {_join(leftovers)}")
    return RemadeImage(encoded, _RASTERS[fmt].suffix, picture.width, picture.height)


def _fitted_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The size with its long side capped at max_side, in proportion; never enlarged."""
    width, height = size
    scale = max_side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _check_file_size(data: bytes) -> None:
    if len(data) > MAX_IMAGE_BYTES:
        raise NotAPicture(
            f"it is {len(data) / 2**20:.1f} MB, more than the {MAX_IMAGE_BYTES // 2**20} MB allowed"
        )


def _quieten_decoder_warnings() -> None:
    """Turn Pillow's bomb warning into an error; its other warnings about bad input are moot."""
    # The bytes are refused or re-made either way, so "corrupt EXIF" and the like tell nobody
    # anything. DeprecationWarnings stay visible: they are about this code, not the input.
    warnings.simplefilter("ignore", UserWarning)
    warnings.simplefilter("ignore", RuntimeWarning)
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def _too_many_pixels(size: tuple[int, int] | None) -> NotAPicture:
    allowed = f"the {MAX_PIXELS // 1_000_000} megapixels allowed"
    if size is None:
        return NotAPicture(f"it declares more pixels than {allowed}")
    return NotAPicture(f"it is {size[0]:,} × {size[1]:,} pixels, more than {allowed}")


def _decode(data: bytes, fmt: str, max_side: int | None) -> tuple[Image.Image, tuple[int, int]]:
    """Decode the first frame completely, refusing bombs and damaged files.

    Returns the decoded picture and its full size: a large JPEG is decoded at a reduced scale.
    """
    damaged = NotAPicture(f"it is {_RASTERS[fmt].words} but it is damaged (cannot be decoded)")
    declared = _declared_size(data, fmt)
    if declared and declared[0] * declared[1] > MAX_PIXELS:
        raise _too_many_pixels(declared)
    try:
        picture = Image.open(io.BytesIO(data), formats=(fmt,))
        full_size = picture.size
        if picture.width * picture.height > MAX_PIXELS:
            raise _too_many_pixels(picture.size)
        if fmt == "JPEG" and max_side is not None:
            # Decode a large JPEG at 1/2, 1/4 or 1/8 scale (never below the final size):
            # several times faster, and the resize that follows hides the difference.
            wanted = _fitted_size(picture.size, max_side)
            if wanted != picture.size:
                picture.draft(None, wanted)
        picture.load()
    except NotAPicture:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(None) from None  # Pillow saw more than the header declared
    except Exception as exc:  # a decoder fed hostile bytes may raise anything: fail closed
        raise damaged from exc
    return picture, full_size


def _upright(picture: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a picture whose EXIF cannot be read stays as it is."""
    try:
        return ImageOps.exif_transpose(picture)
    except Exception:  # broken metadata is dropped anyway; the pixels are still good
        return picture


def _normalise_mode(picture: Image.Image) -> Image.Image:
    """Bring the pixels to L, LA, RGB, RGBA or CMYK, 8 bits a channel."""
    mode = picture.mode
    transparent = "transparency" in picture.info
    icc = picture.info.get("icc_profile")
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK") and not (transparent and "A" not in mode):
        result = picture
    elif mode == "1":
        result = picture.convert("L")
    elif mode.startswith("I"):  # 16-bit grey: scale to 8 bits (convert("L") would clip)
        result = picture.convert("I").point(lambda value: value / 257).convert("L")
    elif mode == "P":
        has_alpha = transparent or (picture.palette is not None and "A" in picture.palette.mode)
        result = picture.convert("RGBA" if has_alpha else "RGB")
    elif mode in ("L", "LA"):
        result = picture.convert("LA")
    else:
        result = picture.convert("RGBA" if transparent or "A" in mode else "RGB")
    if icc and result.mode in ("RGB", "RGBA", "CMYK"):
        result.info["icc_profile"] = icc  # kept only until _to_srgb has used it
    return result


def _resize(picture: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale down to `size` with a Lanczos filter (the ICC profile rides along)."""
    if picture.size == size:
        return picture
    resized = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if "icc_profile" in picture.info:
        resized.info["icc_profile"] = picture.info["icc_profile"]
    return resized


_SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(picture: Image.Image) -> Image.Image:
    """Convert through the embedded ICC profile to sRGB; CMYK without one is converted plainly."""
    icc = picture.info.get("icc_profile")
    if isinstance(icc, bytes) and icc and picture.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            colour = picture.convert("RGB") if picture.mode == "RGBA" else picture
            converted = ImageCms.profileToProfile(colour, source, _SRGB, outputMode="RGB")
            if converted is not None:
                if picture.mode == "RGBA":
                    converted.putalpha(picture.getchannel("A"))
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unusable profile: fall back to the plain conversion
    if picture.mode == "CMYK":
        return picture.convert("RGB")
    return picture


def _pixels_only(picture: Image.Image) -> Image.Image:
    """A new image holding the pixels and nothing else (no info for an encoder to pick up)."""
    return Image.frombytes(picture.mode, picture.size, picture.tobytes())


def _encode(picture: Image.Image, fmt: str, lossless: bool) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        clean = _pixels_only(picture.convert("L" if picture.mode in ("L", "LA") else "RGB"))
        clean.save(buffer, format="JPEG", **JPEG_SETTINGS)
    elif fmt == "PNG":
        _pixels_only(picture).save(buffer, format="PNG", **PNG_SETTINGS)
    elif fmt == "WEBP":
        has_alpha = picture.mode in ("LA", "RGBA")
        clean = _pixels_only(picture.convert("RGBA" if has_alpha else "RGB"))
        clean.save(buffer, format="WEBP", lossless=lossless, **WEBP_SETTINGS)
    else:
        paletted, transparency = _gif_palette(picture)
        extra: dict[str, object] = {} if transparency is None else {"transparency": transparency}
        paletted.save(buffer, format="GIF", **GIF_SETTINGS, **extra)
    return buffer.getvalue()


def _gif_palette(picture: Image.Image) -> tuple[Image.Image, int | None]:
    """Quantise to a 256-colour palette, index 255 for transparent pixels when there are any."""
    rgb = picture.convert("RGB")
    alpha = picture.getchannel("A") if picture.mode in ("LA", "RGBA") else None
    see_through = alpha.point(lambda a: 255 if a < 128 else 0) if alpha else None
    if see_through is None or see_through.getbbox() is None:
        see_through = None
    quantised = rgb.quantize(
        colors=255 if see_through else 256,
        method=Image.Quantize.MEDIANCUT,
        dither=Image.Dither.FLOYDSTEINBERG,
    )
    palette = (quantised.getpalette("RGB") or [])[: 256 * 3]
    palette += [0] * (256 * 3 - len(palette))
    clean = Image.frombytes("P", quantised.size, quantised.tobytes())
    clean.putpalette(palette, "RGB")
    if see_through is None:
        return clean, None
    clean.paste(255, mask=see_through)
    return clean, 255


def _is_lossless_webp(data: bytes) -> bool:
    """Whether a WebP's pixels are stored losslessly (VP8L), so the re-made one is too."""
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos : pos + 4]
        if kind in (b"VP8 ", b"VP8L"):
            return kind == b"VP8L"
        if kind == b"ANMF":
            return False
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        pos += 8 + length + (length & 1)
    return False


# --- checking what was published ----------------------------------------------------------

_PILLOW_INFO_KEEP = {
    "JPEG": frozenset(
        {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression"}
    ),
    "PNG": frozenset({"transparency"}),
    "GIF": frozenset({"version", "background", "transparency", "duration"}),
    "WEBP": frozenset({"loop", "background", "timestamp", "duration"}),
}
_PILLOW_INFO_WORDS = {
    "exif": "EXIF metadata",
    "xmp": "XMP metadata",
    "XML:com.adobe.xmp": "XMP metadata",
    "icc_profile": "an ICC colour profile",
    "comment": "a comment",
    "photoshop": "IPTC metadata",
    "adobe": "an Adobe colour block",
    "loop": "animation settings",
    "duration": "animation settings",
}


def verify_published_image(data: bytes, suffix: str) -> str | None:
    """Return None if `data` is a clean picture of the kind `suffix` names, else why not."""
    suffix = suffix.lower()
    if suffix == ".svg":
        return _verify_svg(data)
    fmt = _SUFFIX_FORMATS.get(suffix)
    if fmt is None:
        return f"has the suffix '{suffix}', which is not a kind of picture the portal publishes"
    words = _RASTERS[fmt].words
    if _raster_format(data) != fmt:
        return f"is {describe_bytes(data)}, not {words}"
    if len(data) > MAX_IMAGE_BYTES:
        return f"is larger than the {MAX_IMAGE_BYTES // 2**20} MB allowed"
    try:
        extras = _layout(data, fmt).extras
    except _Malformed:
        return f"is {words} but it is damaged (cannot be decoded)"
    if extras:
        return f"still carries {_join(extras)}"
    with warnings.catch_warnings():
        _quieten_decoder_warnings()
        try:
            picture, _size = _decode(data, fmt, max_side=None)
        except NotAPicture as exc:
            return exc.what.removeprefix("it ")
        found = [
            _PILLOW_INFO_WORDS.get(key, f"'{key}' metadata")
            for key in map(str, picture.info)
            if key not in _PILLOW_INFO_KEEP[fmt]
        ]
        if picture.getexif():
            found.append("EXIF metadata")
        if getattr(picture, "n_frames", 1) > 1:
            found.append(_ANIMATION)
    if found:
        return f"still carries {_join(dict.fromkeys(found))}"
    return None


def _join(parts: Iterable[str]) -> str:
    items = list(parts)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --- SVG: the programme's own drawings, through an allow-list ------------------------------

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_XML_NS = "http://www.w3.org/XML/1998/namespace"

SVG_ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "title", "desc", "symbol", "use",
        "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
        "text", "tspan", "textPath",
        "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker",
    }
)  # fmt: skip
"""Elements kept by clean_svg; any other element is dropped with everything inside it."""

_UNWRAPPED = frozenset({"a"})  # the link goes, the drawing inside it stays
_TEXT_CONTENT = frozenset({"title", "desc", "text", "tspan", "textPath"})
_SHAPES = frozenset({"path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "use"})
_NOT_RENDERED = frozenset(
    {"defs", "symbol", "clipPath", "mask", "marker", "pattern", "linearGradient", "radialGradient"}
)
_NEEDS_HREF = frozenset({"use", "textPath"})
_HREF_ELEMENTS = frozenset({"use", "textPath", "linearGradient", "radialGradient", "pattern"})

GEOMETRY_ATTRIBUTES = frozenset(
    {
        "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr",
        "width", "height", "d", "points", "viewBox", "preserveAspectRatio", "transform",
        "pathLength", "dx", "dy", "rotate", "textLength", "lengthAdjust", "startOffset",
        "method", "spacing", "side", "offset", "gradientUnits", "gradientTransform",
        "spreadMethod", "patternUnits", "patternContentUnits", "patternTransform",
        "clipPathUnits", "maskUnits", "maskContentUnits", "markerWidth", "markerHeight",
        "markerUnits", "refX", "refY", "orient",
    }
)  # fmt: skip
"""Attributes holding numbers, lengths, keywords and path data."""

PRESENTATION_PROPERTIES = frozenset(
    {
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
        "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
        "stroke-dashoffset", "opacity", "color", "display", "visibility", "clip-path",
        "clip-rule", "mask", "marker-start", "marker-mid", "marker-end", "stop-color",
        "stop-opacity", "font-family", "font-size", "font-weight", "font-style",
        "font-variant", "font-stretch", "letter-spacing", "word-spacing", "text-anchor",
        "dominant-baseline", "alignment-baseline", "baseline-shift", "text-decoration",
        "writing-mode", "direction", "unicode-bidi", "paint-order", "vector-effect",
        "shape-rendering", "text-rendering", "color-interpolation", "overflow",
        "transform-origin", "mix-blend-mode", "isolation",
    }
)  # fmt: skip
"""Presentation attributes, and the only properties a style attribute may set."""

_ROLES = frozenset({"img", "presentation", "none", "graphics-document", "graphics-symbol"})
_GEOMETRY_VALUE = re.compile(r"[0-9A-Za-z.,+\-\s%()]*")
_CSS_VALUE = re.compile(r"[#\w\s.,%()+\-'\"]*")
_CSS_FUNCTION = re.compile(r"([\w-]+)\s*\(")
_LOCAL_URL = re.compile(r"url\(\s*(['\"]?)#[A-Za-z_][\w.-]*\1\s*\)")
_CSS_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla", "url"})
_ID = re.compile(r"[A-Za-z_][\w.-]*")
_LOCAL_HREF = re.compile(r"#[A-Za-z_][\w.-]*")
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


def clean_svg(data: bytes) -> bytes:
    """Keep only allow-listed drawing elements and attributes of an SVG; serialise it stably.

    Scripts, event handlers, links, embedded pictures and pages, <style>, external references,
    comments and processing instructions go. Raises NotAPicture when the bytes are not an SVG
    drawing or nothing drawable is left.
    """
    cleaned, _removed = _clean_svg(data)
    return cleaned


def _clean_svg(data: bytes) -> tuple[bytes, list[str]]:
    """Clean an SVG; return its bytes and what was removed, in words."""
    _check_file_size(data)
    kind = describe_bytes(data)
    if kind != _SVG_WORDS:
        raise NotAPicture(f"it is {kind}, not an SVG drawing")
    try:
        root = SafeElementTree.fromstring(
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException:
        raise NotAPicture(
            "it is an SVG drawing that declares XML entities or external resources, "
            "which are not allowed"
        ) from None
    except (ParseError, ValueError) as exc:
        raise NotAPicture("it is an SVG drawing but it is damaged (not well-formed XML)") from exc
    if root.tag != f"{{{_SVG_NS}}}svg":
        raise NotAPicture("it is an XML file without the SVG namespace, not an SVG drawing")
    removed: list[str] = []
    clean_root = Element("svg", _clean_attributes(root, "svg", removed))
    _clean_children(root, clean_root, in_text=False, depth=1, removed=removed)
    if not _draws(clean_root):
        raise NotAPicture(
            "it is an SVG drawing, but nothing drawable is left once scripts, links, "
            "embedded files and styles are removed"
        )
    return _serialise(clean_root).encode("utf-8"), removed


def _svg_local(tag: object) -> str | None:
    """The local name of an element in the SVG namespace, or None for anything else."""
    if isinstance(tag, str) and tag.startswith(f"{{{_SVG_NS}}}"):
        return tag[len(_SVG_NS) + 2 :]
    return None


def _clean_children(
    source: Element, target: Element, in_text: bool, depth: int, removed: list[str]
) -> None:
    """Copy the allow-listed children of `source` into `target`, recursively."""
    if depth > MAX_SVG_DEPTH:
        raise NotAPicture(
            f"it is an SVG drawing nested more than {MAX_SVG_DEPTH} levels deep, "
            "which is not allowed"
        )
    for child in source:
        local = _svg_local(child.tag)
        if local in _UNWRAPPED:
            removed.append(f"a link (<{local}>)")
            if in_text:
                _append_text(target, child.text)
            _clean_children(child, target, in_text, depth + 1, removed)
        elif local in SVG_ELEMENTS:
            attributes = _clean_attributes(child, local, removed)
            # A <use> whose (external) reference went would draw nothing: it goes too.
            if local not in _NEEDS_HREF or "href" in attributes:
                kept = SubElement(target, local, attributes)
                text_here = in_text or local in _TEXT_CONTENT
                if text_here:
                    kept.text = child.text
                _clean_children(child, kept, text_here, depth + 1, removed)
        else:
            removed.append(_element_words(child.tag, local))
        if in_text:
            _append_text(target, child.tail)


def _element_words(tag: object, local: str | None) -> str:
    if local is not None:
        return f"a <{local}> element"
    if not isinstance(tag, str):
        return "a comment or processing instruction"
    return "an element that is not SVG"


def _append_text(target: Element, text: str | None) -> None:
    """Add text after the last child of `target` (or inside it when it has none)."""
    if not text:
        return
    children = list(target)
    if children:
        children[-1].tail = (children[-1].tail or "") + text
    else:
        target.text = (target.text or "") + text


def _clean_attributes(element: Element, local: str, removed: list[str]) -> dict[str, str]:
    """Keep the allow-listed attributes whose values are safe; name the others in `removed`."""
    kept: dict[str, str] = {}
    for key, value in element.attrib.items():
        name = _attribute_name(key)
        if name == "style":
            cleaned: str | None = _clean_style(value, removed)
        else:
            cleaned = _clean_attribute(name, value, local) if name else None
        if name is None or cleaned is None:
            removed.append(_attribute_words(name or key, value))
        elif cleaned:
            kept[name] = cleaned
    return kept


def _attribute_name(key: str) -> str | None:
    """Plain names as they are; xlink:href becomes href; xml:lang and xml:space stay."""
    if not key.startswith("{"):
        return key
    if key == f"{{{_XLINK_NS}}}href":
        return "href"
    if key in (f"{{{_XML_NS}}}lang", f"{{{_XML_NS}}}space"):
        return "xml:" + key.rsplit("}", 1)[1]
    return None


def _clean_attribute(name: str, value: str, element: str) -> str | None:
    """The value to keep for an attribute, "" to drop it quietly, or None to drop it as unsafe."""
    value = value.strip()
    if name in GEOMETRY_ATTRIBUTES:
        return value if _GEOMETRY_VALUE.fullmatch(value) else None
    if name in PRESENTATION_PROPERTIES:
        return value if _safe_css_value(value) else None
    if name == "href":
        return value if element in _HREF_ELEMENTS and _LOCAL_HREF.fullmatch(value) else None
    if name == "id":
        return value if _ID.fullmatch(value) else None
    if name in ("lang", "xml:lang"):
        return value if _LANGUAGE.fullmatch(value) else None
    if name == "xml:space":
        return value if value in ("default", "preserve") else None
    if name == "role":
        return value if value in _ROLES else None
    if name == "aria-hidden":
        return value if value in ("true", "false") else None
    if name == "aria-label":
        return value
    if name in ("xmlns", "version", "baseProfile"):
        return ""  # the namespace is written by the serialiser; the others mean nothing
    return None


def _safe_css_value(value: str) -> bool:
    """A presentation value: plain words, numbers, colours, rgb()/hsl() and url(#id) only."""
    if not _CSS_VALUE.fullmatch(value):
        return False
    for match in _CSS_FUNCTION.finditer(value):
        if match.group(1).lower() not in _CSS_FUNCTIONS:
            return False
    without_local_urls = _LOCAL_URL.sub("", value)
    return "url" not in without_local_urls.lower()


def _clean_style(value: str, removed: list[str]) -> str:
    """Keep the presentation properties of a style attribute whose values are safe."""
    declarations: dict[str, str] = {}
    for declaration in value.split(";"):
        if not declaration.strip():
            continue
        prop, colon, setting = declaration.partition(":")
        prop, setting = prop.strip().lower(), setting.strip()
        if colon and setting and prop in PRESENTATION_PROPERTIES and _safe_css_value(setting):
            declarations.pop(prop, None)  # the last one wins, as in CSS
            declarations[prop] = setting
        else:
            removed.append(f"a style property ({declaration.strip()[:40]})")
    return ";".join(f"{prop}:{setting}" for prop, setting in declarations.items())


def _attribute_words(name: str, value: str) -> str:
    if name.lower().startswith("on"):
        return f"an event handler ({name})"
    if name == "href" or name.endswith("}href"):
        return f"a link or reference ({value.strip()[:40]})"
    if name == "style":
        return "a style attribute"
    return f"a {name} attribute"


def _draws(element: Element) -> bool:
    """Whether anything would be painted: a shape, or text, outside defs and the like."""
    for child in element:
        tag = str(child.tag)
        if tag in _NOT_RENDERED or tag in ("title", "desc"):
            continue
        if tag in _SHAPES or (tag == "text" and "".join(child.itertext()).strip()):
            return True
        if _draws(child):
            return True
    return False


def _serialise(root: Element) -> str:
    """Write a cleaned tree: sorted attributes, two-space indents, text kept exactly."""
    lines: list[str] = []
    _serialise_element(root, 0, lines, is_root=True)
    return "\n".join(lines) + "\n"


def _serialise_element(element: Element, depth: int, lines: list[str], is_root: bool) -> None:
    tag = str(element.tag)
    indent = "  " * depth
    start = _start_tag(element, is_root)
    children = list(element)
    if tag in _TEXT_CONTENT:
        lines.append(indent + _inline(element, start))
    elif not children:
        lines.append(f"{indent}{start}/>")
    else:
        lines.append(f"{indent}{start}>")
        for child in children:
            _serialise_element(child, depth + 1, lines, is_root=False)
        lines.append(f"{indent}</{tag}>")


def _start_tag(element: Element, is_root: bool) -> str:
    attributes = sorted(element.attrib.items())
    if is_root:
        attributes.insert(0, ("xmlns", _SVG_NS))
    return f"<{element.tag}" + "".join(f' {k}="{_escape(v, True)}"' for k, v in attributes)


def _inline(element: Element, start: str) -> str:
    """Serialise an element holding text on one line, with its children and their tails."""
    inner = _escape(element.text or "", False)
    for child in element:
        inner += _inline(child, _start_tag(child, False)) + _escape(child.tail or "", False)
    if not inner:
        return start + "/>"
    return f"{start}>{inner}</{element.tag}>"


def _escape(text: str, attribute: bool) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
        text = text.replace("\r", "&#13;")
    return text.replace("\r", "&#13;")


def _verify_svg(data: bytes) -> str | None:
    try:
        cleaned, removed = _clean_svg(data)
    except NotAPicture as exc:
        return exc.what.removeprefix("it ")
    if removed:
        shown = list(dict.fromkeys(removed))
        more = f" (and {len(shown) - 3} more)" if len(shown) > 3 else ""
        return f"still has {_join(shown[:3])}{more}, outside the SVG allow-list"
    if cleaned != data:
        return "is an SVG drawing that has not been through the SVG allow-list (clean_svg)"
    return None


# --- avatars for people without a photo -----------------------------------------------------

_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def avatar_colour(primary_colour: str) -> str:
    """The background of initials avatars: the programme's primary colour, if it is a #rrggbb."""
    return primary_colour if primary_colour.startswith("#") else "#3f51b5"


def avatar_drawing(name: str, background: str) -> str:
    """An initials avatar as published: drawn, then passed through the SVG cleaner like any."""
    return clean_svg(initials_avatar(name, background).encode("utf-8")).decode("utf-8")


def initials_avatar(name: str, background: str) -> str:
    """Draw an SVG avatar: the initials of a display name on a circle of `background`."""
    if not _HEX_COLOUR.fullmatch(background):
        raise ValueError(f"background must be a #rrggbb colour, not {background!r}")
    svg = Element("svg", {"viewBox": "0 0 96 96", "width": "96", "height": "96", "role": "img"})
    SubElement(svg, "circle", {"cx": "48", "cy": "48", "r": "48", "fill": background.lower()})
    initials = name_initials(name)
    if initials:
        text = SubElement(
            svg,
            "text",
            {
                "x": "48",
                "y": "60",
                "font-family": "system-ui, sans-serif",
                "font-size": "34",
                "font-weight": "600",
                "text-anchor": "middle",
                "fill": text_colour_for(background),
            },
        )
        text.text = initials
    return _serialise(svg)


def text_colour_for(background: str) -> str:
    """White or black, whichever contrasts more with `background` (always above WCAG AA)."""
    luminance = _relative_luminance(background)
    on_white = 1.05 / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return "#ffffff" if on_white >= on_black else "#000000"


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours."""
    a, b = sorted((_relative_luminance(first), _relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _relative_luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


# --- likeness: the same picture, re-encoded or resized --------------------------------------

LIKENESS_SIDE = 16
# Mean difference per colour channel (0-255) between two 16 x 16 thumbnails below which two
# pictures are one picture. Re-encoding as JPEG at quality 60, or at a third of the size, stays
# under 2; the demo's portraits, drawn from one template, differ by at least 5.5.
LIKENESS_LIMIT = 3.0


def likeness(data: bytes) -> bytes | None:
    """Return a small colour thumbnail of a raster picture (None if it cannot be read).

    Upright (EXIF orientation applied) and squashed to 16 x 16, so a copy of a picture that was
    re-encoded, resized or stripped of its metadata has nearly the same thumbnail.
    """
    with warnings.catch_warnings():
        _quieten_decoder_warnings()
        try:
            with Image.open(io.BytesIO(data)) as picture:
                picture.draft("RGB", (LIKENESS_SIDE * 8, LIKENESS_SIDE * 8))
                upright = ImageOps.exif_transpose(picture)
                small = upright.convert("RGB").resize(
                    (LIKENESS_SIDE, LIKENESS_SIDE), Image.Resampling.BOX
                )
                return small.tobytes()
        except (OSError, ValueError, Image.DecompressionBombError):
            return None


def alike(a: bytes, b: bytes) -> bool:
    """Whether two thumbnails from `likeness` show the same picture."""
    if len(a) != len(b) or not a:
        return False
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a) < LIKENESS_LIMIT


# Bytes per part of a thumbnail whose sums `Likenesses` compares first.
_LIKENESS_PART = 16


class Likenesses:
    """Thumbnails (`likeness`) of many pictures, each with what it is, to find a picture among.

    `like` answers as `alike` against each of them would, in their order, without comparing
    every byte of every one: a site of thousands of photos is held against thousands of
    private ones. The bytes are cut into parts of 16, and the differences of the parts' sums
    are at most the differences of their bytes, so a thumbnail whose parts already differ too
    much is passed over; the few left are compared byte by byte.
    """

    def __init__(self, pictures: Iterable[tuple[bytes, str]]) -> None:
        self._what: list[str] = []
        by_length: dict[int, list[tuple[int, bytes]]] = {}
        for thumb, what in pictures:
            if thumb:
                by_length.setdefault(len(thumb), []).append((len(self._what), thumb))
            self._what.append(what)
        self._groups: dict[int, _LikenessGroup] = {}
        for length, group in by_length.items():
            data = numpy.array([numpy.frombuffer(t, numpy.uint8) for _, t in group], numpy.int16)
            indices = numpy.array([index for index, _ in group], dtype=numpy.int64)
            self._groups[length] = _LikenessGroup(indices, data, _part_sums(data))

    def __bool__(self) -> bool:
        return bool(self._groups)

    def like(self, thumb: bytes) -> list[str]:
        """What each picture that *thumb* shows is, in the order they were given."""
        group = self._groups.get(len(thumb))
        if group is None:
            return []
        mine = numpy.frombuffer(thumb, numpy.uint8).astype(numpy.int16)
        near = numpy.flatnonzero(
            numpy.abs(group.parts - _part_sums(mine)).sum(axis=1) / len(thumb) < LIKENESS_LIMIT
        )
        differences = numpy.abs(group.bytes[near] - mine).sum(axis=1, dtype=numpy.int64)
        found = near[differences / len(thumb) < LIKENESS_LIMIT]
        return [self._what[index] for index in sorted(group.indices[found].tolist())]


@dataclass(frozen=True)
class _LikenessGroup:
    """Thumbnails of one length: where each was given, its bytes, and its parts' sums."""

    indices: numpy.ndarray[Any, Any]
    bytes: numpy.ndarray[Any, Any]
    parts: numpy.ndarray[Any, Any]


def _part_sums(values: numpy.ndarray[Any, Any]) -> numpy.ndarray[Any, Any]:
    """The sums of each run of `_LIKENESS_PART` values (the last runs short), as int64."""
    length = values.shape[-1]
    edges = numpy.arange(0, length, _LIKENESS_PART)
    return numpy.add.reduceat(values.astype(numpy.int64), edges, axis=-1)
