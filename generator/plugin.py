"""The portal's MkDocs plugin: every page's content passes the HTML allow-list inside the build.

Registered as the `portal` plugin (see pyproject.toml) and listed last in mkdocs.yml, so it runs
after every other plugin has produced its HTML: page content (`on_page_content`), the blog's
post excerpts, which Material renders separately for each listing page (`on_page_context`), and
the titles of the table of contents, which Python-Markdown takes from headings and the theme
prints outside the content. What the sanitiser removed is written, per page, to the JSON file
named by $PORTAL_SANITISER_REPORT, so `portal build` can say which source file to fix.
"""

from __future__ import annotations

import json
import os
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from mkdocs.config import base
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority

from generator.sanitise import clean_content, clean_title

REPORT_VARIABLE = "PORTAL_SANITISER_REPORT"
# Run after every other plugin (Material's blog renders excerpts at -100).
_LAST = -1000


class PortalPluginConfig(base.Config):  # type: ignore[no-untyped-call]
    """The plugin has no options: the allow-list is the portal's, not the site's."""


class PortalPlugin(BasePlugin[PortalPluginConfig]):  # type: ignore[no-untyped-call]
    """Sanitise every page's content, excerpts and table of contents; report removals."""

    def __init__(self) -> None:
        self.removed: dict[str, set[str]] = {}
        self.published: set[str] = set()

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

    def on_files(self, files: Any, *, config: Any) -> Any:
        self.published = {file.dest_uri for file in files}
        return files

    def _clean(self, html: str, source: str, url: str) -> str:
        # An image must be one of the site's own files (re-made at build): any other address
        # would show a broken picture or fetch something that is not ours.
        base = posixpath.dirname(url)

        def is_ours(src: str) -> bool:
            target = posixpath.normpath(posixpath.join(base, unquote(src.split("#")[0])))
            return target in self.published

        cleaned = clean_content(html, is_ours)
        if cleaned.removed:
            self.removed.setdefault(source, set()).update(cleaned.removed)
        return cleaned.html

    @event_priority(_LAST)
    def on_page_content(self, html: str, *, page: Any, config: Any, files: Any) -> str:
        _clean_toc(page.toc)
        return self._clean(html, page.file.src_uri, page.url)

    @event_priority(_LAST)
    def on_page_context(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        for excerpt in context.get("posts") or ():
            content = getattr(excerpt, "content", None)
            if isinstance(content, str):
                post = getattr(excerpt, "post", None)
                source = post.file.src_uri if post is not None else page.file.src_uri
                excerpt.content = self._clean(content, source, page.url)
            _clean_toc(getattr(excerpt, "toc", ()))
        _clean_toc(page.toc)
        return context

    def on_post_build(self, *, config: Any) -> None:
        target = os.environ.get(REPORT_VARIABLE)
        if target:
            report = {page: sorted(items) for page, items in sorted(self.removed.items())}
            Path(target).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


def _clean_toc(items: Any) -> None:
    """Make every table-of-contents title plain, escaped text."""
    for item in items or ():
        item.title = clean_title(item.title)
        _clean_toc(getattr(item, "children", ()))
