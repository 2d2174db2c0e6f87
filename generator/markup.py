"""Read a built page as a browser does: what in it could run script, and the theme's scripts.

Both the privacy audit (`generator.audit`) and the Content-Security-Policy (`generator.csp`)
decide on the parsed page, not on its text. The parser is Lexbor (through selectolax), a C
implementation of the WHATWG HTML parsing algorithm that browsers follow: entities in
attributes are decoded, `<svg>` and `<math>` are foreign content, attribute names are lowercased,
duplicate attributes are dropped, and the content of every `<template>` is read as well, since a
declarative shadow root (`<template shadowrootmode>`) makes it live without any script.

`unsafe_markup` gives the audit's findings; `theme_scripts` the text of every inline script
outside the page content that the browser would run (the theme's own, for the policy). A page
is parsed as a browser that runs script parses it (`<noscript>` content is text); the audit
reads a page with a `<noscript>` a second time as a browser that does not (its content is then
markup, and a redirect in it would be followed), and reports what could run in either reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

# Attributes whose value is an address the browser may load or navigate to.
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "data",
        "poster",
        "srcset",
        "background",
        "ping",
        "cite",
        "longdesc",
        "manifest",
        "codebase",
    }
)
# Elements that embed another document or program, or re-base every address on the page.
NEVER = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base"})
# The MIME types (and `module`) a browser runs as a classic or module script; any other `type`
# makes the element a data block (Material's `__config` is application/json), which CSP ignores.
SCRIPT_TYPES = frozenset(
    {
        "",
        "module",
        "application/ecmascript",
        "application/javascript",
        "application/x-ecmascript",
        "application/x-javascript",
        "text/ecmascript",
        "text/javascript",
        "text/javascript1.0",
        "text/javascript1.1",
        "text/javascript1.2",
        "text/javascript1.3",
        "text/javascript1.4",
        "text/javascript1.5",
        "text/jscript",
        "text/livescript",
        "text/x-ecmascript",
        "text/x-javascript",
    }
)


def unsafe_markup(html: str | bytes) -> list[str]:
    """Say what in *html* (a page or a fragment) could run script, sorted (empty when nothing).

    The page is read as a browser that runs script parses it, and, when it has a `<noscript>`,
    again as one that does not, since a redirect or handler inside would then be live. A page
    given as bytes is decoded as a browser decodes it (byte-order mark, `<meta charset>`): one
    that a browser would not read as the UTF-8 it is checked as is refused.
    """
    if isinstance(html, str) and _only_plain_tags(html):
        return []
    found: set[str] = set()
    tree = LexborHTMLParser(html, scripting=True, encoding=isinstance(html, bytes))
    if isinstance(html, bytes) and tree.raw_html != html:
        found.add("is not read as UTF-8 by a browser (a byte-order mark or another charset)")
    trees = [tree]
    if b"<noscript" in tree.raw_html.lower():
        trees.append(LexborHTMLParser(tree.raw_html, scripting=False))
    for reading in trees:
        for node, in_template in _elements(reading.root):
            attributes = node.attributes
            tag = node.tag or ""
            if attributes or tag in _TAGS_OF_NOTE:
                _judge(node, tag, attributes, in_template, found)
    return sorted(found)


def theme_scripts(html: str) -> list[str]:
    """The text of each inline script outside page content (`<article>`) that the browser runs.

    Scripts with a `src`, data blocks (`type="application/json"`) and the content of templates
    are not run as the page loads, so they are left out.
    """
    tree = LexborHTMLParser(html, scripting=True)
    found = []
    for node in tree.css("script"):
        attributes = node.attributes
        kind = (attributes.get("type") or "").strip().lower()
        if "src" not in attributes and kind in SCRIPT_TYPES and not _inside_article(node):
            found.append(node.text(deep=True))
    return found


# SVG animation can set any attribute, a link's address among them, to a script address.
ANIMATIONS = frozenset({"set", "animate", "animateMotion", "animateTransform", "discard"})
# Lexbor gives HTML names in lower case; in <svg> and <math> it restores the camelCase of a
# fixed list of SVG names (viewBox, animateMotion …).
_TAGS_OF_NOTE = NEVER | ANIMATIONS | {"script"}


def _judge(
    node: LexborNode,
    tag: str,
    attributes: dict[str, str | None],
    in_template: bool,
    found: set[str],
) -> None:
    """Note in *found* what *node* could run."""
    if tag in NEVER:
        found.add(f"contains a <{tag}> element")
    elif tag in ANIMATIONS:
        found.add(f"contains an SVG animation (<{tag}>), which can turn a link into script")
    elif tag == "script" and in_template:
        # A declarative shadow root makes a template's content live; no theme script is there.
        found.add("contains a script inside a template")
    elif tag == "script" and _inside_article(node):
        found.add("contains a script inside the page content")
    elif tag == "meta" and (attributes.get("http-equiv") or "").strip().lower() == "refresh":
        found.add("contains a page redirect (meta refresh)")
    for name, value in attributes.items():
        if name.startswith("on"):
            found.add(f"contains an event handler attribute ({name})")
        elif name in URL_ATTRIBUTES and value and runs_script(value):
            found.add("contains a link that would run script")


# Every element an HTML parser makes comes from "<" and an ASCII letter. Where each of those
# is one of these tags, whole and bare, the markup holds no attribute and no element of note,
# and need not be parsed (the search index's texts: <p>, <code>, <li> …).
_START_TAG = re.compile(r"<[A-Za-z]")
_PLAIN_TAG = re.compile(
    r"<(?:p|br|hr|em|strong|b|i|u|s|code|pre|kbd|sup|sub|small|mark|del|ins|ul|ol|li|dl|dt|dd"
    r"|blockquote|table|thead|tbody|tr|th|td|h[1-6])>"
)


def _only_plain_tags(html: str) -> bool:
    return len(_START_TAG.findall(html)) == len(_PLAIN_TAG.findall(html))


def _elements(root: LexborNode | None) -> Iterator[tuple[LexborNode, bool]]:
    """Every element under *root* in document order, then those in its templates' content."""
    if root is None:
        return
    for node in root.traverse(include_text=False):
        if node.is_element_node:
            yield node, False
    for fragment in root.template_fragments():
        for node, _ in _elements(fragment):
            yield node, True


def _inside_article(node: LexborNode) -> bool:
    # A template's content has the template as its parent, so this climbs out of it too.
    parent = node.parent
    while parent is not None:
        if parent.tag == "article":
            return True
        parent = parent.parent
    return False


def runs_script(url: str) -> bool:
    """Tell whether an address would run script (any scheme but http, https and mailto)."""
    if ":" not in url:  # no scheme: a relative address
        return False
    squashed = url.translate(_INVISIBLE_IN_URLS).casefold()
    for item in squashed.split(","):  # srcset lists several addresses
        scheme, colon, _rest = item.strip().partition(":")
        if (
            colon
            and scheme.isascii()
            and scheme.replace("+", "").replace("-", "").replace(".", "").isalnum()
            and scheme not in {"http", "https", "mailto"}
        ):
            return True
    return False


# Browsers skip control characters, spaces and DEL wherever they appear in a scheme.
_INVISIBLE_IN_URLS = {code: None for code in [*range(0x21), 0x7F]}
