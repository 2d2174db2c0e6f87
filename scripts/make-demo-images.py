"""Draw the demo programme's pictures with Pillow: participant portraits and one story picture.

    .venv/bin/python scripts/make-demo-images.py

For every participant in content/data/participants.csv who has a photo, draws a friendly,
clearly illustrative head-and-shoulders portrait (320 × 320 PNG; skin tone, hair, clothes and
background chosen deterministically from the row), writes it as content/images/people/<id>.png,
removes the old SVG, and points the row's `photo` at the PNG (no other byte of the CSV changes).
Draws content/images/stories/sixty-seconds.png (1200 × 630) and points the story at it.
Every picture goes through generator.images.remake_raster, so the files kept in the repository
are exactly what the portal publishes. Running it again gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from generator.images import remake_raster, verify_published_image

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
PARTICIPANTS = CONTENT / "data" / "participants.csv"
PEOPLE = CONTENT / "images" / "people"
STORY = CONTENT / "stories" / "sixty-seconds-on-the-local-plan.md"
STORY_OLD_IMAGE = "images/stories/sixty-seconds.svg"
STORY_IMAGE = "images/stories/sixty-seconds.png"

PORTRAIT_SIZE = 320
SUPERSAMPLE = 4  # draw large, then scale down: smooth edges without antialiasing primitives

Colour = tuple[int, int, int]

BACKGROUNDS = (
    "#cfe8e5",
    "#f9dcc4",
    "#dbe4f3",
    "#e8dff5",
    "#fde7a9",
    "#d4edda",
    "#f7d6e0",
    "#ffe5d0",
)
SKIN_TONES = (
    "#f7d9c4",
    "#eec1a0",
    "#e0ac84",
    "#c68a63",
    "#a86f4c",
    "#8d5a3b",
    "#6f4329",
    "#52301f",
)
HAIR_COLOURS = (
    "#1f1a17",
    "#3b2a20",
    "#5a3b25",
    "#8a5a33",
    "#b5462b",
    "#d9b26f",
    "#9e9e9e",
    "#e3e0da",
)
CLOTHES = ("#0b5d5b", "#2f4b7c", "#7a3b69", "#c05640", "#3d7a3b", "#444b59", "#b8860b", "#2a6f97")
# Weighted by repetition: a headscarf is one in twelve.
HAIR_STYLES = (
    "short", "short", "crop", "side-part", "side-part", "curly",
    "curly", "bun", "long", "long", "bald", "scarf",
)  # fmt: skip
NECKLINES = ("crew", "vee", "shirt")


def hex_colour(value: str) -> Colour:
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def mix(first: Colour, second: Colour, amount: float) -> Colour:
    """Blend `amount` of `second` into `first`."""
    r, g, b = (round(a + (b - a) * amount) for a, b in zip(first, second, strict=True))
    return r, g, b


WHITE: Colour = (255, 255, 255)
BLACK: Colour = (0, 0, 0)


class Choices:
    """Deterministic choices from a participant's row."""

    def __init__(self, key: str) -> None:
        self.digest = hashlib.sha256(key.encode("utf-8")).digest()

    def pick(self, slot: int, options: Sequence[str]) -> str:
        return options[self.digest[slot] % len(options)]

    def chance(self, slot: int, one_in: int) -> bool:
        return self.digest[slot] % one_in == 0


# --- portraits ---------------------------------------------------------------------------------


def draw_portrait(key: str) -> Image.Image:
    """A friendly, flat, clearly illustrative head-and-shoulders portrait."""
    choose = Choices(key)
    background = hex_colour(choose.pick(0, BACKGROUNDS))
    skin = hex_colour(choose.pick(1, SKIN_TONES))
    hair = hex_colour(choose.pick(2, HAIR_COLOURS))
    clothes = hex_colour(choose.pick(3, CLOTHES))
    style = choose.pick(4, HAIR_STYLES)
    neckline = choose.pick(5, NECKLINES)
    glasses = choose.chance(6, 4)
    beard = choose.chance(7, 5) and style not in ("long", "scarf", "bun")
    scarf = hex_colour(choose.pick(8, CLOTHES))
    if scarf == clothes:
        scarf = mix(clothes, WHITE, 0.35)

    s = SUPERSAMPLE
    canvas = Image.new("RGB", (PORTRAIT_SIZE * s, PORTRAIT_SIZE * s), background)
    draw = ImageDraw.Draw(canvas)

    def box(*xy: float) -> list[float]:
        return [v * s for v in xy]

    shade = mix(skin, BLACK, 0.12)
    draw.ellipse(box(35, 25, 285, 275), fill=mix(background, WHITE, 0.45))

    # Hair or scarf behind the head.
    if style == "long":
        draw.rounded_rectangle(box(94, 78, 226, 262), radius=60 * s, fill=hair)
    if style == "scarf":
        draw.ellipse(box(88, 56, 232, 236), fill=scarf)

    # Shoulders, neck and neckline.
    draw.ellipse(box(38, 232, 282, 480), fill=clothes)
    draw.rectangle(box(140, 180, 180, 250), fill=shade)
    if neckline == "vee":
        draw.polygon(box(130, 238, 190, 238, 160, 286), fill=shade)
    elif neckline == "shirt":
        draw.polygon(box(136, 240, 184, 240, 160, 276), fill=shade)
        draw.polygon(box(126, 236, 160, 264, 140, 288), fill=(244, 244, 240))
        draw.polygon(box(194, 236, 160, 264, 180, 288), fill=(244, 244, 240))
    else:
        draw.ellipse(box(136, 230, 184, 256), fill=shade)
        draw.arc(box(130, 226, 190, 262), 0, 180, fill=mix(clothes, BLACK, 0.25), width=5 * s)
    if style == "scarf":
        draw.polygon(box(104, 168, 216, 168, 244, 262, 76, 262), fill=scarf)
        draw.ellipse(box(60, 236, 260, 300), fill=scarf)

    # Ears and head.
    if style not in ("scarf",):
        draw.ellipse(box(101, 126, 123, 162), fill=shade)
        draw.ellipse(box(197, 126, 219, 162), fill=shade)
    face = box(118, 92, 202, 206) if style == "scarf" else box(110, 70, 210, 206)
    draw.ellipse(face, fill=skin)

    # Hair in front.
    if style in ("short", "long", "bun", "side-part"):
        draw.chord(box(106, 58, 214, 150), 180, 360, fill=hair)
        draw.rectangle(box(106, 100, 118, 132), fill=hair)
        draw.rectangle(box(202, 100, 214, 132), fill=hair)
    if style == "crop":
        draw.chord(box(110, 62, 210, 128), 180, 360, fill=hair)
    if style == "side-part":
        draw.polygon(box(118, 104, 150, 70, 206, 96, 210, 112, 168, 96), fill=hair)
    if style == "bun":
        draw.ellipse(box(136, 24, 184, 72), fill=hair)
    if style == "long":
        draw.polygon(box(108, 104, 160, 72, 212, 104, 200, 90, 160, 66, 120, 90), fill=hair)
    if style == "curly":
        draw.chord(box(104, 56, 216, 146), 180, 360, fill=hair)
        for x, y in (
            (108, 110),
            (114, 86),
            (130, 66),
            (152, 56),
            (176, 58),
            (196, 70),
            (210, 92),
            (214, 114),
        ):
            draw.ellipse(box(x - 17, y - 17, x + 17, y + 17), fill=hair)
    if style in ("short", "long", "bun", "side-part", "crop", "curly"):
        draw.ellipse(box(124, 94, 196, 150), fill=skin)  # a curved hairline
    if style == "bald":
        draw.chord(box(104, 96, 124, 150), 90, 270, fill=hair)
        draw.chord(box(196, 96, 216, 150), 270, 90, fill=hair)

    # Face.
    if beard:
        draw.chord(box(112, 120, 208, 208), 0, 180, fill=mix(hair, skin, 0.35))
        draw.ellipse(box(144, 160, 176, 182), fill=skin)
    brows = mix(hair, BLACK, 0.3) if style not in ("scarf", "bald") else mix(skin, BLACK, 0.55)
    eyes = (43, 43, 43)
    for x in (140, 180):
        draw.ellipse(box(x - 6, 131, x + 6, 145), fill=eyes)
        draw.ellipse(box(x - 2, 133, x + 2, 137), fill=WHITE)
        draw.arc(box(x - 13, 117, x + 13, 133), 200, 340, fill=brows, width=4 * s)
    draw.arc(box(154, 142, 166, 160), 30, 150, fill=mix(skin, BLACK, 0.3), width=3 * s)
    draw.arc(box(140, 152, 180, 180), 25, 155, fill=(122, 59, 46), width=4 * s)
    for x in (128, 192):
        draw.ellipse(box(x - 10, 158, x + 10, 170), fill=mix(skin, (232, 120, 120), 0.25))
    if glasses:
        frame = (51, 51, 51)
        for x in (140, 180):
            draw.rounded_rectangle(
                box(x - 17, 124, x + 17, 152), radius=9 * s, outline=frame, width=4 * s
            )
        draw.line(box(157, 136, 163, 136), fill=frame, width=4 * s)

    return canvas.resize((PORTRAIT_SIZE, PORTRAIT_SIZE), Image.Resampling.LANCZOS)


# --- the story picture ----------------------------------------------------------------------------


def draw_story_picture() -> Image.Image:
    """A phone playing a short video in front of the Town Hall (the story's old SVG, as pixels)."""
    width, height, s = 1200, 630, 2
    scale, top = width / 640, (height - 320 * width / 640) / 2
    sky, teal, orange = hex_colour("#e6f2f1"), hex_colour("#0b5d5b"), hex_colour("#f28c00")
    canvas = Image.new("RGBA", (width * s, height * s), (*sky, 255))

    def box(*xy: float) -> list[float]:
        return [(v * scale + (top if i % 2 else 0)) * s for i, v in enumerate(xy)]

    def layer(opacity: float, paint: Callable[[ImageDraw.ImageDraw], None]) -> None:
        """Paint shapes on their own layer, then lay it over the picture at `opacity`."""
        sheet = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
        paint(ImageDraw.Draw(sheet))
        sheet.putalpha(sheet.getchannel("A").point(lambda a: round(a * opacity)))
        canvas.alpha_composite(sheet)

    draw = ImageDraw.Draw(canvas)
    draw.ellipse(box(506, 36, 574, 104), fill=hex_colour("#f7c97f"))

    def town_hall(d: ImageDraw.ImageDraw) -> None:
        d.rectangle(box(60, 150, 360, 300), fill=teal)
        d.rectangle(box(170, 80, 250, 160), fill=teal)
        d.polygon(box(160, 80, 210, 40, 260, 80), fill=teal)
        for x in (80, 130, 260, 310):
            d.rectangle(box(x, 190, x + 30, 240), fill=sky)
        d.rectangle(box(190, 220, 230, 300), fill=sky)

    layer(0.35, town_hall)
    draw = ImageDraw.Draw(canvas)
    draw.ellipse(box(192, 100, 228, 136), fill=sky)
    hand = 4 * scale * s
    draw.line(box(210, 106, 210, 118, 218, 124), fill=teal, width=round(hand), joint="curve")
    for x, y in ((210, 106), (218, 124)):
        cx, cy = box(x, y)
        draw.ellipse((cx - hand / 2, cy - hand / 2, cx + hand / 2, cy + hand / 2), fill=teal)

    draw.rounded_rectangle(
        box(400, 60, 550, 310), radius=22 * scale * s, fill=hex_colour("#1d2b2b")
    )
    draw.rounded_rectangle(box(412, 84, 538, 284), radius=8 * scale * s, fill=teal)
    layer(0.9, lambda d: d.ellipse(box(441, 136, 509, 204), fill=WHITE))
    layer(
        0.4,
        lambda d: d.rounded_rectangle(box(424, 258, 526, 264), radius=3 * scale * s, fill=WHITE),
    )
    draw = ImageDraw.Draw(canvas)
    draw.polygon(box(464, 152, 464, 188, 494, 170), fill=orange)
    draw.rounded_rectangle(box(424, 258, 486, 264), radius=3 * scale * s, fill=orange)
    draw.rounded_rectangle(
        box(455, 70, 495, 75), radius=2.5 * scale * s, fill=hex_colour("#3b4d4d")
    )
    return canvas.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)


# --- files ---------------------------------------------------------------------------------------


def png_bytes(picture: Image.Image) -> bytes:
    """Encode a drawing, then re-make it as the portal would: the kept file is what publishes."""
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    remade = remake_raster(buffer.getvalue())
    assert remade.suffix == ".png" and verify_published_image(remade.data, ".png") is None
    return remade.data


def csv_field_spans(text: str, delimiter: str) -> list[list[tuple[int, int]]]:
    """The [start, end) span of every raw field (quotes included) of every record."""
    records: list[list[tuple[int, int]]] = []
    record: list[tuple[int, int]] = []
    start, pos, quoted = 0, 0, False
    while pos < len(text):
        char = text[pos]
        if quoted:
            if char == '"':
                if text[pos + 1 : pos + 2] == '"':
                    pos += 1
                else:
                    quoted = False
        elif char == '"' and pos == start:
            quoted = True
        elif char == delimiter:
            record.append((start, pos))
            start = pos + 1
        elif char in "\r\n":
            record.append((start, pos))
            records.append(record)
            record = []
            if char == "\r" and text[pos + 1 : pos + 2] == "\n":
                pos += 1
            start = pos + 1
        pos += 1
    if start < len(text) or record:
        record.append((start, len(text)))
        records.append(record)
    return records


def unquote(raw: str) -> str:
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        return raw[1:-1].replace('""', '"')
    return raw


def set_photo_column(text: str, photos: dict[str, str]) -> str:
    """Change the `photo` values of the given ids, keeping every other character as it is."""
    first_line = text.splitlines()[0] if text else ""
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    records = csv_field_spans(text, delimiter)
    header = [unquote(text[a:b]).lstrip("\ufeff") for a, b in records[0]]
    id_col, photo_col = header.index("id"), header.index("photo")
    edits: list[tuple[int, int, str]] = []
    for record in records[1:]:
        if len(record) <= max(id_col, photo_col):
            continue
        pid = unquote(text[slice(*record[id_col])])
        if pid in photos:
            start, end = record[photo_col]
            raw = text[start:end]
            new = photos[pid]
            edits.append((start, end, f'"{new}"' if raw.startswith('"') else new))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def main() -> None:
    raw = PARTICIPANTS.read_bytes()
    text = raw.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    PEOPLE.mkdir(parents=True, exist_ok=True)
    photos: dict[str, str] = {}
    for row in rows:
        if not row.get("photo"):
            continue
        pid = row["id"]
        target = PEOPLE / f"{pid}.png"
        target.write_bytes(png_bytes(draw_portrait(f"{pid}:{row['name']}")))
        photos[pid] = f"images/people/{pid}.png"
        for old in {CONTENT / row["photo"], PEOPLE / f"{pid}.svg"}:
            if old.suffix == ".svg" and old.is_file() and not old.is_symlink():
                old.unlink()
    updated = set_photo_column(text, photos)
    before = list(csv.DictReader(io.StringIO(text, newline="")))
    after = list(csv.DictReader(io.StringIO(updated, newline="")))
    for old_row, new_row in zip(before, after, strict=True):
        assert {k: v for k, v in old_row.items() if k != "photo"} == {
            k: v for k, v in new_row.items() if k != "photo"
        }
        assert new_row["photo"] == photos.get(new_row["id"], old_row["photo"])
    if updated != text:
        PARTICIPANTS.write_bytes(updated.encode("utf-8"))

    story_picture = CONTENT / STORY_IMAGE
    story_picture.write_bytes(png_bytes(draw_story_picture()))
    old_story_picture = CONTENT / STORY_OLD_IMAGE
    if old_story_picture.is_file() and not old_story_picture.is_symlink():
        old_story_picture.unlink()
    story = STORY.read_bytes()
    pointed = story.replace(
        f"\nimage: {STORY_OLD_IMAGE}\n".encode(), f"\nimage: {STORY_IMAGE}\n".encode()
    )
    if pointed != story:
        STORY.write_bytes(pointed)
    print(f"{len(photos)} portraits in {PEOPLE.relative_to(ROOT)}/, story picture {STORY_IMAGE}")


if __name__ == "__main__":
    main()
