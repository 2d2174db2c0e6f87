"""The portal's MkDocs plugin: every page's content passes the HTML allow-list inside the build.

Registered as the `portal` plugin (see pyproject.toml) and listed last in mkdocs.yml, so it runs
after every other plugin has produced its HTML: page content (`on_page_content`), the blog's
post excerpts, which Material renders separately for each listing page (`on_page_context`), and
the titles of the table of contents, which Python-Markdown takes from headings and the theme
prints outside the content. What the sanitiser removed is kept per page (`removed`) for
`portal build` to say which source file to fix, and written to the JSON file named by
$PORTAL_SANITISER_REPORT when the plugin runs under the engine's own command.

It also keeps a large portal lean, without changing a byte of any page:
- the navigation and tabs, the same on every page outside the nav (pairs, stories, posts) in one
  folder, are rendered once per folder rather than once per page;
- an excerpt that several listing pages in one folder show is sanitised once;
- pair pages are searched by what people look for (names, roles, what each offers and wants to
  learn), not by their session tables, goals and reasons; the tags page, which repeats every
  title, is not searched at all (its pages are, each under its own title).
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

# Outside a running engine (imported by `portal` itself), the plugin is ProperDocs': its alias
# makes every mkdocs.* import below (and mkdocs-material's) a ProperDocs one. Under an engine
# already running (`properdocs build`, or a bare `mkdocs build`), that engine's modules are used.
if "mkdocs" not in sys.modules:
    import properdocs.replacement  # noqa: F401

from mkdocs.config import base
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority

from generator.sanitise import Cleaned, clean_content, clean_title

PLUGIN_NAME = "portal"
REPORT_VARIABLE = "PORTAL_SANITISER_REPORT"
# Run after every other plugin (Material's blog renders excerpts at -100).
_LAST = -1000
# Before the search plugin indexes the page (at 0).
_BEFORE_SEARCH = 50
# Just after Material's blog makes a post's excerpt (at -50).
_AFTER_EXCERPT = -60
# The tree processors an excerpt's converter holds for its own post.
_EXCERPT_PROCESSORS = (("excerpt", 0), ("relpath", 1))
# The theme partials that print the whole navigation on every page.
_NAV_PARTIALS = ("partials/nav.html", "partials/tabs.html")
# The kinds of page whose navigation is cached per folder when they are outside the nav: pages,
# and the blog's posts (a view is not: the blog puts it in the nav as it renders).
_OUTSIDE_NAV = frozenset({"Page", "Post"})
# Material's search skips an element with this attribute, then strips it from the page.
_SKIP = ' data-search-exclude="true"'
_PAIR_PAGE = '<div class="portal-pair">'
_SECTION = re.compile(r"<h2(?=[ >])")
_PLAIN_PARAGRAPH = re.compile(r"<p>(?!<strong>|<img )")
_TAGS_PAGE = "tags.md"


class PortalPluginConfig(base.Config):  # type: ignore[no-untyped-call]
    """The plugin has no options: the allow-list is the portal's, not the site's."""


class PortalPlugin(BasePlugin[PortalPluginConfig]):  # type: ignore[no-untyped-call]
    """Sanitise every page's content, excerpts and table of contents; report removals."""

    def __init__(self) -> None:
        self.removed: dict[str, set[str]] = {}
        self.published: set[str] = set()
        self._excerpts: dict[tuple[str, str, bytes], Cleaned] = {}
        self._nav: dict[tuple[object, ...], str] = {}
        self._in_nav: set[int] = set()
        self._nav_items: list[Any] = []
        self._searched = False

    def on_config(self, config: Any) -> Any:
        # Snippets would let a body include any file on the machine, before any HTML exists to
        # judge: the portal refuses to build with it.
        if any("snippets" in str(name) for name in config.markdown_extensions):
            raise PluginError(
                "mkdocs.yml: markdown_extensions: pymdownx.snippets lets page text include files "
                "from this computer; remove it"
            )
        return config

    def on_pre_build(self, *, config: Any) -> None:
        self.removed = {}
        self._excerpts = {}
        self._nav = {}
        search = config.plugins.get("search") or config.plugins.get("material/search")
        self._searched = bool(search is not None and getattr(search.config, "enabled", True))

    def on_files(self, files: Any, *, config: Any) -> Any:
        self.published = {file.dest_uri for file in files}
        return files

    def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
        self._nav_items = list(_walk(nav.items))
        self._in_nav = {id(page) for page in nav.pages}
        for item in self._nav_items:
            self._in_nav.update(id(page) for page in getattr(item, "pages", None) or ())
        return nav

    @event_priority(_LAST)
    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        for name in _NAV_PARTIALS:
            try:
                template = env.get_template(name)
            except Exception:  # a theme without that partial has nothing to cache
                continue
            template.root_render_func = self._cached(template.root_render_func)
        return env

    def _cached(self, render: Callable[[Any], Iterator[str]]) -> Callable[[Any], Iterator[str]]:
        """Render a navigation partial once for all pages outside the nav in one folder."""

        def cached(context: Any) -> Iterator[str]:
            key = self._nav_key(context, render)
            if key is None:
                yield from render(context)
                return
            html = self._nav.get(key)
            if html is None:
                html = self._nav[key] = "".join(render(context))
            yield html

        return cached

    def _nav_key(self, context: Any, render: object) -> tuple[object, ...] | None:
        # A page outside the nav marks no item current; its links differ only by its folder
        # (relative URLs) and by which sections are open (a post opens the blog's).
        page = context.get("page")
        if page is None or id(page) in self._in_nav or type(page).__name__ not in _OUTSIDE_NAV:
            return None
        active = tuple(index for index, item in enumerate(self._nav_items) if item.active)
        return (id(render), posixpath.dirname(page.url), context.get("base_url"), active)

    def _is_ours(self, url: str) -> Callable[[str], bool]:
        # An image must be one of the site's own files (re-made at build): any other address
        # would show a broken picture or fetch something that is not ours.
        base = posixpath.dirname(url)

        def is_ours(src: str) -> bool:
            target = posixpath.normpath(posixpath.join(base, unquote(src.split("#")[0])))
            return target in self.published

        return is_ours

    def _clean(self, html: str, source: str, url: str) -> str:
        cleaned = clean_content(html, self._is_ours(url))
        if cleaned.removed:
            self.removed.setdefault(source, set()).update(cleaned.removed)
        return cleaned.html

    @event_priority(_AFTER_EXCERPT)
    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Any) -> str:
        # The build lets all excerpts share one converter (see generator.build): each excerpt
        # keeps its own post's tree processors, put back, on a reset converter, as it renders.
        excerpt = getattr(page, "excerpt", None)
        converter = getattr(excerpt, "md", None)
        if excerpt is not None and converter is not None and "render" not in vars(excerpt):
            own = [(converter.treeprocessors[name], name, at) for name, at in _EXCERPT_PROCESSORS]
            render = excerpt.render

            def render_own(view: Any, separator: str) -> Any:
                converter.reset()
                for processor, name, at in own:
                    converter.treeprocessors.register(processor, name, at)
                return render(view, separator)

            excerpt.render = render_own
        return markdown

    @event_priority(_LAST)
    def on_page_content(self, html: str, *, page: Any, config: Any, files: Any) -> str:
        _clean_toc(page.toc)
        return self._clean(html, page.file.src_uri, page.url)

    @event_priority(_BEFORE_SEARCH)
    def _mark_for_search(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        # Material's search leaves out what is marked, then strips the marks: the page itself
        # is published exactly as rendered.
        if not self._searched or not isinstance(page.content, str):
            return context
        if page.file.src_uri == _TAGS_PAGE:
            page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
        elif _PAIR_PAGE in page.content:
            page.content = _mark_pair_page(page.content)
        return context

    @event_priority(_LAST)
    def _clean_context(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        for excerpt in context.get("posts") or ():
            content = getattr(excerpt, "content", None)
            if isinstance(content, str):
                post = getattr(excerpt, "post", None)
                source = post.file.src_uri if post is not None else page.file.src_uri
                excerpt.content = self._clean_excerpt(content, source, page.url)
            _clean_toc(getattr(excerpt, "toc", ()))
        _clean_toc(page.toc)
        return context

    on_page_context = CombinedEvent(_mark_for_search, _clean_context)

    def _clean_excerpt(self, html: str, source: str, url: str) -> str:
        # Listing pages in one folder show the same excerpt the same way: sanitise it once.
        # Keyed by a digest of the HTML, not the HTML: 10,000 excerpts' text is not kept twice.
        digest = hashlib.blake2b(html.encode("utf-8"), digest_size=16).digest()
        key = (source, posixpath.dirname(url), digest)
        cleaned = self._excerpts.get(key)
        if cleaned is None:
            cleaned = self._excerpts[key] = clean_content(html, self._is_ours(url))
        if cleaned.removed:
            self.removed.setdefault(source, set()).update(cleaned.removed)
        return cleaned.html

    def on_post_build(self, *, config: Any) -> None:
        target = os.environ.get(REPORT_VARIABLE)
        if target:
            report = {page: sorted(items) for page, items in sorted(self.removed.items())}
            Path(target).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


def _walk(items: Any) -> Iterator[Any]:
    """Yield every item of the navigation, depth first, in order."""
    for item in items or ():
        yield item
        yield from _walk(getattr(item, "children", None))


def _mark_pair_page(html: str) -> str:
    """Leave a pair page's names and what each person offers and wants in the search index.

    Kept: the title (both names) and each person's heading (their name) with the lines under it
    that start in bold (role, offers, wants to learn, interests). Left out: every section
    heading, so the sections (what they share, why matched, goals, sessions, stories) with it,
    and the plain paragraphs (bios and the cohort line), which make most of a pair page's words.
    """
    marked = _SECTION.sub("<h2" + _SKIP, html)
    return _PLAIN_PARAGRAPH.sub("<p" + _SKIP + ">", marked)


def _clean_toc(items: Any) -> None:
    """Make every table-of-contents title plain, escaped text."""
    for item in items or ():
        item.title = clean_title(item.title)
        _clean_toc(getattr(item, "children", ()))
