"""The HTML allow-list: what a page's content may hold once Markdown has spoken.

Participant and author text is judged here, on the HTML that Python-Markdown produced, not on
the Markdown source: ammonia (through nh3) re-parses the content the way a browser does and
keeps only the tags, attributes, classes and URL schemes below. Each entry is there because one
of our page templates or one of the Markdown extensions in mkdocs.yml produces it; anything
else is removed (an element's text is kept, a script's or a style's is not).

The MkDocs plugin in `generator.plugin` runs `clean_content` on every page, on blog excerpts
and on table-of-contents titles, and reports what it removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import nh3
from pygments.token import STANDARD_TYPES
from selectolax.lexbor import LexborHTMLParser

# --- the allow-list ---------------------------------------------------------------------

#: Tags, each produced by a template (T) or a configured Markdown extension (E).
ALLOWED_TAGS: Final = frozenset(
    {
        # E core Markdown: paragraphs, emphasis, lists, quotes, code, rules, line breaks, images
        *("p", "em", "strong", "ul", "ol", "li", "blockquote", "pre", "code", "hr", "br"),
        *("a", "img", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("table", "thead", "tbody", "tr", "th", "td"),  # E tables
        *("dl", "dt", "dd"),  # E def_list
        "abbr",  # E abbr
        "sup",  # E footnotes (the reference mark)
        *("div", "span"),  # E admonition, footnotes, highlight, md_in_html; T cards, figures
        *("details", "summary"),  # E pymdownx.details
        "small",  # T captions under key figures and photos
        *("svg", "path"),  # E pymdownx.emoji: Material's icons are inline SVG paths
    }
)

#: Attributes per tag. Links and images get their URLs checked in `_filter_attribute`.
ALLOWED_ATTRIBUTES: Final[dict[str, set[str]]] = {
    "a": {"href", "title", "class"},  # E footnote links, toc permalinks; T buttons
    "img": {"src", "alt", "title", "width", "height", "class"},  # T photos, story images
    "abbr": {"title"},  # E abbr: the expansion
    "span": {"title", "class"},  # E emoji, content tooltips, code highlighting tokens
    "div": {"class"},  # E admonitions, highlight, footnotes; T grid cards, figures
    "p": {"class"},  # E admonition titles
    "details": {"class", "open"},  # E pymdownx.details (collapsible admonitions)
    "pre": {"class"},  # E highlight
    "code": {"class"},  # E highlight (language class)
    "th": {"style"},  # E tables: column alignment
    "td": {"style"},
    "li": {"id"},  # E footnotes: fn:1
    "sup": {"id"},  # E footnotes: fnref:1
    "svg": {"viewBox", "xmlns", "width", "height"},  # E emoji icons
    "path": {"d"},  # E emoji icons
    **{f"h{n}": {"id", "class"} for n in range(1, 7)},  # E toc anchors; T hidden page titles
}

#: Only column alignment may be styled (the tables extension writes style="text-align: …").
ALLOWED_STYLE_PROPERTIES: Final = frozenset({"text-align"})

#: URL schemes a link may use; relative URLs (a page, an anchor, a re-made image) pass too.
ALLOWED_SCHEMES: Final = frozenset({"http", "https", "mailto"})

_ADMONITION_TYPES = (
    *("note", "abstract", "summary", "tldr", "info", "todo", "tip", "hint", "important"),
    *("success", "check", "done", "question", "help", "faq", "warning", "caution"),
    *("attention", "failure", "fail", "missing", "danger", "error", "bug", "example"),
    *("quote", "cite"),
)
#: Classes, each from a template (T) or an extension (E); code tokens come from Pygments.
ALLOWED_CLASSES: Final[dict[str, frozenset[str]]] = {
    "div": frozenset(
        {
            "admonition",  # E admonition
            *_ADMONITION_TYPES,
            "highlight",  # E pymdownx.highlight (via superfences)
            "footnote",  # E footnotes: the list at the end
            "grid",  # T Material's grid cards
            "cards",
            "portal-figures",  # T the home page's key figures
            "portal-figure",
            "portal-person",  # T a pair page's people
            "portal-pair",
            "portal-banner",  # T the preview's "not published" banner
        }
    ),
    "details": frozenset(_ADMONITION_TYPES),  # E pymdownx.details
    "p": frozenset({"admonition-title"}),  # E admonition
    "a": frozenset(
        {
            "headerlink",  # E toc permalinks
            "toclink",  # E Material's blog: post headings linked in listings
            "footnote-ref",  # E footnotes
            "footnote-backref",
            "md-button",  # T calls to action
            "md-button--primary",
        }
    ),
    "span": frozenset(
        {
            "twemoji",  # E emoji
            "portal-figure__label",  # T key figures
            "portal-figure__value",
            *STANDARD_TYPES.values(),  # E Pygments token classes inside code blocks
        }
        - {""}
    ),
    "img": frozenset({"portal-avatar", "portal-story-image", "portal-photo"}),  # T
    "h1": frozenset({"portal-visually-hidden"}),  # T the home page's title for screen readers
}
# Code blocks name their language: "language-python" (a Pygments lexer alias).
_LANGUAGE_CLASS = re.compile(r"^language-[a-z0-9][a-z0-9_+#.-]{0,40}$")

# Ids are kept only in the shapes our extensions make (heading slugs, fn:1, fnref:1, and the
# tags plugin's "tags.md:12-30/slug" placeholders); never one
# starting with "__", which is how Material names the elements its scripts look up (the
# "__config" block among them): a content element with such an id could hijack them.
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9_:./-]{0,254}$")
_NUMBER = re.compile(r"^\d{1,4}(?:px|%)?$")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]+")

# --- cleaning ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cleaned:
    """Sanitised HTML and what was taken out of it (empty when nothing was)."""

    html: str
    removed: tuple[str, ...]


def _url_kind(value: str) -> str:
    """Return 'relative', a scheme name, or 'network' for '//host/…' addresses."""
    squashed = _SPACE_OR_CONTROL.sub("", value)
    if squashed.startswith(("//", "\\\\", "/\\", "\\/")):
        return "network"
    scheme = _SCHEME.match(squashed)
    return scheme.group(1).lower() if scheme else "relative"


class _Filter:
    """The attribute callback for nh3: keeps safe values and notes every removal."""

    def __init__(self, image_exists: Callable[[str], bool] | None = None) -> None:
        self.removed: list[str] = []
        self.image_exists = image_exists

    def __call__(self, tag: str, attribute: str, value: str) -> str | None:
        kept = self._decide(tag, attribute, value)
        if kept is None and attribute != "class":  # classes are reported token by token
            self.removed.append(f"the {attribute} of a <{tag}>")
        return kept

    def _decide(self, tag: str, attribute: str, value: str) -> str | None:
        if attribute == "class":
            allowed = ALLOWED_CLASSES.get(tag, frozenset())
            tokens = value.split()
            kept = [
                t
                for t in tokens
                if t in allowed or (tag in {"div", "code", "pre"} and _LANGUAGE_CLASS.match(t))
            ]
            if len(kept) != len(tokens):
                self.removed.append(
                    f"the class {' '.join(sorted(set(tokens) - set(kept)))!r} of a <{tag}>"
                )
            return " ".join(kept) or None
        if attribute == "id":
            return value if _SAFE_ID.match(value) and not value.startswith("__") else None
        if attribute in {"width", "height"}:
            return value if _NUMBER.match(value.strip()) else None
        if attribute == "href":
            kind = _url_kind(value)
            return value if kind == "relative" or kind in ALLOWED_SCHEMES else None
        if attribute == "src":
            # Images come from the site itself (re-made at build), never from another server.
            if _url_kind(value) != "relative":
                return None
            if self.image_exists is not None and not self.image_exists(value):
                self.removed.append("an image that is not part of the site")
                return None
            return value
        return value


def _cleaner(removed: _Filter) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=removed,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(ALLOWED_SCHEMES),
        filter_style_properties=set(ALLOWED_STYLE_PROPERTIES),
    )


def _census(html: str) -> list[str]:
    """List what in a fragment the allow-list does not keep, to say what the cleaner dropped.

    The fragment is parsed as the cleaner parses it (the WHATWG algorithm, in a <div>: Lexbor
    here, html5ever in ammonia), so both see the same elements and attributes.
    """
    removed: list[str] = []
    for node in LexborHTMLParser(html, is_fragment=True).css("*"):
        tag = (node.tag or "").lower()  # foreign content keeps camelCase names (viewBox)
        if tag not in ALLOWED_TAGS:
            removed.append(f"a <{tag}> element")
            continue
        allowed = _ALLOWED_LOWER.get(tag, frozenset())
        for name, value in node.attributes.items():
            if name.lower() not in allowed:
                removed.append(f"the {name.lower()} of a <{tag}>")
            elif name in {"href", "src"} and value is not None:
                kind = _url_kind(value)
                if kind not in ALLOWED_SCHEMES and kind != "relative":
                    removed.append(f"a {kind}: address in a <{tag}>")
    return removed


_ALLOWED_LOWER = {
    tag: frozenset(name.lower() for name in names) for tag, names in ALLOWED_ATTRIBUTES.items()
}


# ammonia writes its output in one canonical form (lower-case names, double-quoted values), so
# these tidy-ups of what it kept are exact: they make the page valid, not safe.
_IMG = re.compile(r"<img\b[^>]*>")
_SVG = re.compile(r"(<svg\b[^>]*>)(.*?)(</svg>)", re.DOTALL)
_PATH = re.compile(r"<path\b[^>]*>(?:</path>)?")


def _tidy_image(match: re.Match[str]) -> str:
    tag = match.group(0)
    if " src=" not in tag:
        return ""  # its address was removed: an image of nothing
    if " alt=" not in tag:
        return tag[:-1] + ' alt="">'
    return tag


def _tidy(cleaned: str) -> str:
    """Drop images left without an address, give others an alt, keep only paths in icons."""
    if "<img" in cleaned:
        cleaned = _IMG.sub(_tidy_image, cleaned)
    if "<svg" in cleaned:
        cleaned = _SVG.sub(
            lambda m: m.group(1) + "".join(_PATH.findall(m.group(2))) + m.group(3), cleaned
        )
    return cleaned


def clean_content(html: str, image_exists: Callable[[str], bool] | None = None) -> Cleaned:
    """Return page content HTML with everything outside the allow-list removed.

    With *image_exists*, an image is kept only when its address names a file of the site.
    """
    notes = _Filter(image_exists)
    cleaned = _tidy(_cleaner(notes).clean(html))
    removed = sorted(set(_census(html)) | set(notes.removed))
    return Cleaned(cleaned, tuple(removed))


def clean_title(html: str) -> str:
    """Return a table-of-contents or nav title as text: no tags at all, characters escaped."""
    return nh3.clean(html, tags=set(), clean_content_tags={"script", "style"}, attributes={})
