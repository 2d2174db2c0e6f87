"""Find private values in folded text: one Aho-Corasick pass, real token boundaries only.

A `Needle` is a private value with what it is ("a participant's email …") and whose it is.
`Finder.find` reports the needles that occur in a text folded by `generator.fold`, where the
match has no letter or digit directly before or after it.

**Identifiers and figures.** A value made only of digits (an HR export's numeric employee id)
cannot be told from a number by its characters alone: "12345 sessions held" may be a headline
figure that happens to equal an id, and "2025" is a year. Such a needle is counted as found
only where the text treats it as an identifier:

- in a file name or URL (`Finder.find(..., path=True)`): always;
- right after an identifier cue within the few characters before it: a word such as "id",
  "no", "number", "ref", "employee", "staff", "payroll", "personnel", "participant",
  "person" or "pair", or a "#" sign ("employee 12345", "ID: 12345", "#12345"), or right before
  an "@" (an email's local part);
- within 80 characters of another private value of the same person (their name, email or
  another identifier), because a number next to a person is that person's number.

Anywhere else a digits-only value is a figure, and not a leak.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import ahocorasick

from generator.fold import loosen, token_at

_CUE = re.compile(
    r"(?:\b(?:ids?|no|nos|number|num|ref|reference|employee|staff|payroll|personnel|"
    r"participant|person|pair|emp)\b\W{0,3}|#\s?)$"
)
CUE_WINDOW = 24
OWNER_WINDOW = 80


@dataclass(frozen=True, slots=True)
class Needle:
    """A private value to look for, folded, with words saying what it is."""

    folded: str
    what: str
    owner: str = ""  # whose value it is (a participant id), for the number rule and messages
    kind: str = "text"  # "name", "email", "id", "grade", "text"
    column: str = ""  # the table column it comes from, when it comes from one

    @property
    def is_number(self) -> bool:
        """Whether the value is made of digits only (an identifier or a figure)."""
        return self.folded.isdigit()


@dataclass(frozen=True)
class Hit:
    """A needle found in a text, with where."""

    needle: Needle
    start: int
    end: int


class Finder:
    """Every needle in one automaton; finds them at token boundaries."""

    def __init__(self, needles: Iterable[Needle], loose: bool = True) -> None:
        self._automaton = ahocorasick.Automaton()
        self.loose = loose
        grouped: dict[str, list[Needle]] = {}
        for needle in needles:
            if needle.folded.strip():
                grouped.setdefault(needle.folded, []).append(needle)
            # The same value read loosely, for text read loosely (see `fold.loosen`).
            # Short values read loosely would be found in any hash or code: only from 4 characters.
            variant = loosen(needle.folded) if loose and len(needle.folded) >= 4 else ""
            if variant and variant != needle.folded:
                grouped.setdefault(variant, []).append(needle)
        for key, group in grouped.items():
            self._automaton.add_word(key, (key, tuple(group)))
        self.empty = not grouped
        if not self.empty:
            self._automaton.make_automaton()

    def find(self, text: str, path: bool = False) -> Iterator[Hit]:
        """Yield each needle found in folded *text* (a path when *path*), by the rules above.

        The text is read as it is and, when the finder is loose, loosely too.
        """
        yield from self._find(text, path)
        if self.loose:
            loose = loosen(text)
            if loose != text:
                yield from self._find(loose, path)

    def _find(self, text: str, path: bool) -> Iterator[Hit]:
        if self.empty:
            return
        hits: list[Hit] = []
        numbers: list[Hit] = []
        for end, (key, group) in self._automaton.iter(text):
            start = end - len(key) + 1
            if not token_at(text, start, end + 1):
                continue
            for needle in group:
                hit = Hit(needle, start, end + 1)
                (numbers if needle.is_number and not path else hits).append(hit)
        yield from hits
        for hit in numbers:
            if _identifier_context(text, hit) or _near_owner(hit, hits):
                yield hit

    def found(self, text: str, path: bool = False) -> set[Needle]:
        """Return the set of needles found in folded *text* (and, when loose, read loosely)."""
        found = self._found(text, path)
        if self.loose:
            loose = loosen(text)
            if loose != text:
                found |= self._found(loose, path)
        return found

    def _found(self, text: str, path: bool) -> set[Needle]:
        if self.empty:
            return set()
        found: set[Needle] = set()
        numbers: list[Hit] = []
        seen: set[str] = set()
        for end, (key, group) in self._automaton.iter(text):
            if key in seen and not group[0].is_number:
                continue  # each plain needle needs finding once
            start = end - len(key) + 1
            if not token_at(text, start, end + 1):
                continue
            seen.add(key)
            for needle in group:
                if needle.is_number and not path:
                    numbers.append(Hit(needle, start, end + 1))
                else:
                    found.add(needle)
        if numbers:
            found.update(hit.needle for hit in self._find(text, path) if hit.needle.is_number)
        return found


def _identifier_context(text: str, hit: Hit) -> bool:
    before = text[max(0, hit.start - CUE_WINDOW) : hit.start]
    after = text[hit.end : hit.end + 1]
    return bool(_CUE.search(before)) or after == "@"


def _near_owner(hit: Hit, others: list[Hit]) -> bool:
    owner = hit.needle.owner
    if not owner:
        return False
    return any(
        other.needle.owner == owner
        and other.needle.kind in {"name", "email", "id"}
        and abs(other.start - hit.start) <= OWNER_WINDOW
        for other in others
    )
