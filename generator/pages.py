"""The page registry: the one place where every output path of the portal is decided.

Stories, posts and guides take their slug from their file name, transliterated to plain ASCII
(python-slugify: "Zoë Núñez.md" → `zoe-nunez`). A slug that comes out empty, that is a name the
portal itself uses (`index`, `tags`, `404`, `search`, a cohort id, …), or that two files share
once case, accents and `_`/`-` are set aside, is a located error naming both files. Pair pages
use opaque keys (never names); cohort pages use the cohort id. Renderers ask this module for
paths and never build one themselves.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from slugify import slugify as _slugify

from generator.errors import Problem

# Names the portal's own pages and MkDocs/Material use, in every folder.
RESERVED = frozenset(
    {
        "index",
        "tags",
        "404",
        "search",
        "sitemap",
        "assets",
        "images",
        "stylesheets",
        "javascripts",
        "archive",
        "category",
        "page",
        "posts",
        "blog",
        "pairs",
        "stories",
        "guides",
        "about",
        "impact",
    }
)


def slugify(text: str) -> str:
    """Return a URL slug: ASCII letters, digits and '-', transliterated from any script."""
    return str(_slugify(text, max_length=80, word_boundary=True))


def pair_path(key: str) -> str:
    """Return the docs path of a pair page (an opaque key, never a name)."""
    return f"pairs/{key}.md"


def cohort_path(cohort_id: str) -> str:
    """Return the docs path of a cohort's page."""
    return f"pairs/{slugify(cohort_id)}.md"


def story_path(slug: str) -> str:
    """Return the docs path of a story page."""
    return f"stories/{slug}.md"


def post_path(slug: str) -> str:
    """Return the docs path of a blog post (published at blog/<slug>.html)."""
    return f"blog/posts/{slug}.md"


def avatar_path(display_name: str) -> str:
    """Return the docs path of the initials avatar drawn for a name.

    The avatar shows only the initials, on the programme's one colour, so everyone with the
    same initials shares one file ("Chloe Brown" and "Carl Baker" draw the same "CB"). The file
    is named by ten meaningless letters, not the initials themselves: "eo.svg" would read as a
    grade or an id to the audit, which searches every path.
    """
    return f"images/initials/{letters_id('initials', name_initials(display_name))}.svg"


def letters_id(kind: str, value: str, key: bytes = b"") -> str:
    """Return a stable, meaningless 10-letter id for *value* (keyed by *key* when given).

    Letters only: a run of digits in a page address could read as someone's numeric id.
    """
    digest = hashlib.blake2b(f"{kind}\x00{value}".encode(), key=key, digest_size=10).digest()
    number = int.from_bytes(digest, "big")
    letters = []
    for _ in range(10):
        number, index = divmod(number, 26)
        letters.append(chr(ord("a") + index))
    return "".join(letters)


def name_initials(name: str) -> str:
    """The first letters of a name's first and last words ("Zoë Núñez" → "ZN", "Ng" → "N")."""
    letters = []
    for word in unicodedata.normalize("NFC", name).split():
        start = next((i for i, c in enumerate(word) if c.isalpha()), None)
        if start is None:
            continue
        end = start + 1
        while end < len(word) and unicodedata.combining(word[end]):
            end += 1  # a letter and its accents are one initial
        letter = word[start:end]
        upper = letter.upper()
        letters.append(upper if len(upper) == len(letter) else letter)
    return "".join(letters[:1] + letters[1:][-1:])


def impact_path() -> str:
    """Return the docs path of the impact page."""
    return "impact.md"


def impact_chart_path(key: str) -> str:
    """Return the docs path of a success measure's chart (measure keys are unique ids)."""
    return "images/impact/" + re.sub(r"[^A-Za-z0-9_-]", "-", key) + ".svg"


def impact_anchor(key: str) -> str:
    """Return the id of a success measure's section on the impact page."""
    return "measure-" + (re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") or "measure")


def guide_path(slug: str) -> str:
    """Return the docs path of a guide."""
    return f"guides/{slug}.md"


@dataclass(frozen=True)
class Source:
    """A content file whose name becomes a page's slug."""

    kind: str  # "story" | "post" | "guide"
    file: str  # as shown in messages: content/stories/x.md
    stem: str  # the file name without .md

    @property
    def slug(self) -> str:
        """The page slug this file gets."""
        return slugify(self.stem)


_FOLDERS = {"story": "stories", "post": "blog", "guide": "guides"}


def check_slugs(sources: Iterable[Source], cohort_ids: Sequence[str]) -> list[Problem]:
    """Report empty, reserved and colliding slugs, each naming the files involved."""
    reserved = RESERVED | {slugify(c) for c in cohort_ids}
    problems: list[Problem] = []
    seen: dict[tuple[str, str], Source] = {}
    for source in sorted(sources, key=lambda s: s.file):
        slug = source.slug
        if not slug:
            problems.append(
                Problem(
                    source.file,
                    "this file name has no letters or digits to make a web address from; "
                    "rename the file, e.g. my-story.md",
                    field="file name",
                )
            )
            continue
        if slug in reserved:
            problems.append(
                Problem(
                    source.file,
                    f"the name '{slug}' is used by the portal's own pages; rename the file, "
                    f"e.g. {slug}-{source.kind}.md",
                    field="file name",
                )
            )
            continue
        key = (_FOLDERS[source.kind], slug)
        other = seen.get(key)
        if other is not None:
            problems.append(
                Problem(
                    source.file,
                    f"this file and {other.file} would both be published as '{slug}'; "
                    "rename one of them",
                    field="file name",
                )
            )
            continue
        seen[key] = source
    return problems
