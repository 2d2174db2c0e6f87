"""Fold text to one comparable form, undoing the ways a value can be disguised.

Both the consent check over authored text (`generator.withhold`) and the privacy audit over
the built site (`generator.audit`) compare folded text with folded private values, so a name
written with a decomposed accent, a zero-width space, a soft hyphen, a Cyrillic look-alike,
full-width letters, an HTML entity or percent-encoding is still the same name:

1. HTML character references, percent-encoding and JSON ``\\uXXXX`` escapes are decoded
   (repeatedly, so ``&amp;lt;`` and ``%2520`` unwrap too);
2. Unicode compatibility normalisation (NFKC) and removal of every format character (category
   Cf: zero-width spaces and joiners, soft hyphens, byte-order marks, bidi controls);
3. case folding, then the Unicode TR39 confusable *skeleton* (ICU's SpoofChecker) of every
   character outside ASCII, so "Ѕusаn" with Cyrillic letters folds like "Susan"; then accents
   are dropped;
4. every run of white space becomes one space.

`token_at` tells whether a match stands on real token boundaries: the characters around it are
not letters or digits, so "P045" is found in "ref-P045", "(P045)" and "P045." but not in
"P0451".
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

import icu

_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")


class _Dropped(dict[int, str | None]):
    """A `str.translate` table deleting the characters of some Unicode categories.

    Each character's category is looked up the first time it is met and kept: a table made
    ahead for every code point takes half a second, in every process that folds text.
    """

    def __init__(self, categories: frozenset[str]) -> None:
        super().__init__()
        self.categories = categories

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        kept = None if unicodedata.category(char) in self.categories else char
        self[code] = kept
        return kept


# Format characters (Cf: zero-width characters, soft hyphen, BOM, bidi controls), and
# combining accents (Mn) once decomposed.
_FORMATS = _Dropped(frozenset({"Cf"}))
_ACCENTS = _Dropped(frozenset({"Mn"}))


# Separators that file names and URLs use where text has spaces.
_PATH_SEPARATORS = str.maketrans({c: " " for c in "-_./+~"})


@lru_cache(maxsize=1)
def _spoof_checker() -> icu.SpoofChecker:
    return icu.SpoofChecker()


def _decode_layers(text: str) -> str:
    if "&" not in text and "%" not in text and "\\" not in text:
        return text  # nothing any layer decodes: no reference, no percent sign, no escape
    for _ in range(4):
        decoded = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        if _PERCENT.search(decoded):
            decoded = unquote(decoded, errors="replace")
        if "&" in decoded:
            decoded = html.unescape(decoded)
        if decoded == text:
            break
        text = decoded
    return text


def fold(text: str) -> str:
    """Return *text* decoded, normalised, case-folded and reduced to its confusable skeleton."""
    text = _decode_layers(text)
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():
        # Only the runs outside ASCII need the slow steps; pages repeat the same few. No run
        # spans a line break, so only the lines that have one are searched for them.
        text = "\n".join(
            line if line.isascii() else _NON_ASCII.sub(_folded_run, line)
            for line in text.split("\n")
        )
    return _one_space(text)


def _folded_run(run: re.Match[str]) -> str:
    return _fold_run(run.group())


def _one_space(text: str) -> str:
    """Make every run of white space one space (as `re.sub(r"\\s+", " ")`, but faster)."""
    words = text.split()
    spaced = " ".join(words)
    if words and text[0].isspace():
        spaced = " " + spaced
    if text[-1:].isspace():
        spaced += " "
    return spaced


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=65536)
def _fold_run(run: str) -> str:
    """Fold a run of non-ASCII characters: drop format characters, skeleton, drop accents."""
    run = run.translate(_FORMATS).translate(_SKELETONS)
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", run).translate(_ACCENTS))


class _Skeleton(dict[int, str]):
    """Each character's confusable skeleton, computed once per character and kept.

    ASCII is left as it is, so digits stay digits ("P045" is not read as "PO45") and ordinary
    words keep their letters; every other character becomes its ASCII-most look-alike.
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = char if code < 128 else _spoof_checker().getSkeleton(0, char).casefold()
        self[code] = value
        return value


_SKELETONS = _Skeleton()


_TAG = re.compile(r"<[^<>]*>")
_NOT_WORD = re.compile(r"[\W_]+")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def loosen(folded: str) -> str:
    """Read folded text loosely: tags, punctuation and letter-digit joins become spaces.

    "Niamh<br>Gallagher", "Susan-Hargreaves", "Hargreaves, Susan", "P-006" and "Z4-PJ" then
    read like "niamh gallagher", "susan hargreaves", "hargreaves susan", "p 006" and "z 4 pj".
    """
    words = []
    for chunk in _NOT_WORD.split(_TAG.sub(" ", folded)):
        if chunk.isascii() and (chunk.isalpha() or chunk.isdigit()):
            words.append(chunk)  # most words: nothing to split (and "" adds nothing below)
        else:
            words.extend(_LETTER_DIGIT.sub(" ", chunk).split())
    return " ".join(word for word in words if word)


def fold_path(path: str) -> str:
    """Fold a file name or URL, reading its separators ('-', '_', '/', '.') as spaces."""
    return fold(_decode_layers(path).translate(_PATH_SEPARATORS))


def token_at(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] has no letter or digit directly before or after it."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()
