"""Pages converted from Markdown by an earlier build, kept to be used again when nothing changed.

Converting a page's Markdown is most of the engine's work, and between two builds of a portal
nearly every page is the same. What converting a page makes is a function of a few things
only: the page's Markdown (as the plugins left it) and front matter, its source and address,
every file of the site (what its links and images resolve to), mkdocs.yml, the theme's
folder and the code of the portal and the engine. A digest of all of them names one kept
conversion (a file under `.portal/conversions/`): its HTML after the plugins, its table of
contents, the title its text gives, its anchors and the links to other pages' anchors, its
reading time, what the HTML allow-list removed, and the engine's messages, heard again as
they were first said. Anything different makes a different name, and the page is converted.

The kept HTML is not trusted any more than a fresh one: every built page is audited as ever.
A build that fails removes what it kept (its pages may hold what the audit refused); one that
succeeds keeps only its own pages' conversions.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from properdocs.structure.files import Files
from properdocs.structure.pages import Page
from properdocs.structure.toc import AnchorLink, TableOfContents
from pydantic import ConfigDict, TypeAdapter, ValidationError

from generator.fingerprint import code_digest
from generator.write import STATE_DIR, state_folder, write_atomically

FOLDER = Path(STATE_DIR) / "conversions"
# The engine's own packages: what they do to Markdown changes with their versions.
_ENGINE = ("properdocs", "mkdocs-material", "markdown", "pymdown-extensions")
# Bumped when what a kept conversion holds changes shape.
_FORMAT = "1"


@dataclass
class TocItem:
    """One entry of a page's table of contents, as the engine made it."""

    title: str  # HTML
    id: str
    level: int
    active: bool
    children: list[TocItem]

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(strict=True)


@dataclass
class Conversion:
    """What converting one page made, beside the page itself (see the module's docstring)."""

    content: str | None
    toc: list[TocItem]
    title: str | None
    anchors: list[str] | None
    links: dict[str, dict[str, str]]
    readtime: int | None
    removed: list[str]
    messages: list[tuple[str, int, str]]

    # Read back strictly: a kept file that is not exactly this shape is not used.
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(strict=True)


_READ = TypeAdapter(Conversion)


def taken_from(page: Page, removed: set[str], messages: list[tuple[str, int, str]]) -> Conversion:
    """What converting *page* has just made; *removed* and *messages* came with it."""
    links = page.links_to_anchors or {}
    anchors = page.present_anchor_ids
    return Conversion(
        page.content,
        [_toc_item(item) for item in page.toc or ()],
        page._title_from_render,
        sorted(anchors) if anchors is not None else None,
        {to.src_uri: dict(found) for to, found in links.items()},
        _readtime(page),
        sorted(removed),
        messages,
    )


def _readtime(page: Page) -> Any:
    """The reading time the blog gave *page* (None for a page that is not a post)."""
    return getattr(getattr(page, "config", None), "readtime", None)


def put_back(page: Page, kept: Conversion, files: Files) -> None:
    """Give *page* what its conversion made, as converting it would.

    KeyError: the kept links name a page the site does not have; AttributeError: it keeps a
    reading time for a page that is no post (neither comes from a build: convert instead).
    """
    page.content = kept.content
    page.toc = TableOfContents([_anchor_link(item) for item in kept.toc])
    page._title_from_render = kept.title
    page.present_anchor_ids = set(kept.anchors) if kept.anchors is not None else None
    page.links_to_anchors = {files.src_uris[uri]: dict(found) for uri, found in kept.links.items()}
    if kept.readtime is not None:
        page.config.readtime = kept.readtime  # type: ignore[attr-defined]


def _toc_item(item: AnchorLink) -> TocItem:
    children = [_toc_item(child) for child in item.children]
    return TocItem(item.title, item.id, item.level, bool(getattr(item, "active", False)), children)


def _anchor_link(item: TocItem) -> AnchorLink:
    link = AnchorLink(item.title, item.id, item.level)
    if item.active:
        link.active = True  # type: ignore[attr-defined]
    link.children = [_anchor_link(child) for child in item.children]
    return link


class Kept:
    """The conversions kept for one build of one project, named by what they depend on."""

    def __init__(self, root: Path, site: str) -> None:
        self.folder = root / FOLDER
        self._root = root
        self._site = site

    @classmethod
    def for_site(cls, root: Path, config_file: Path, files: Files) -> Kept:
        """The kept conversions for a site of *files* built with *config_file* from *root*."""
        digest = hashlib.blake2b(digest_size=20)
        digest.update(f"{_FORMAT}\0{code_digest()}\0".encode())
        for name in _ENGINE:
            try:
                digest.update(f"{name} {metadata.version(name)}\0".encode())
            except metadata.PackageNotFoundError:
                digest.update(f"{name} absent\0".encode())
        digest.update(config_file.read_bytes())
        for path in _files_under(root / "theme"):
            digest.update(f"\0{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
        for file in sorted(files, key=lambda file: file.src_uri):
            shape = (file.src_uri, file.dest_uri, file.url, file.inclusion.name)
            digest.update(json.dumps(shape).encode())
        return cls(root, digest.hexdigest())

    def name(self, page: Page) -> str:
        """The name of *page*'s conversion: a digest of everything it depends on."""
        digest = hashlib.blake2b(digest_size=20)
        meta = json.dumps(page.meta, sort_keys=True, default=str)
        head = (self._site, type(page).__name__, page.file.src_uri, page.url, meta)
        digest.update(json.dumps(head).encode())
        digest.update((page.markdown or "").encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def get(self, page: Page) -> Conversion | None:
        """The conversion kept for *page* as it is now, if there is one."""
        try:
            kept = _READ.validate_json((self.folder / self.name(page)).read_bytes())
        except (OSError, ValidationError):  # none kept, or one unreadable: convert
            return None
        return kept

    def keep(self, page: Page, made: Conversion) -> None:
        """Keep what converting *page* made (a page that cannot be kept is simply not)."""
        data = _READ.dump_json(made)
        try:
            state_folder(self._root)
            write_atomically(self.folder / self.name(page), data)
        except OSError:
            return

    def keep_only(self, wanted: Iterable[str]) -> None:
        """Remove every kept conversion but those named *wanted* (the site just built)."""
        wanted = set(wanted)
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        for name in names:
            if name not in wanted:
                with contextlib.suppress(OSError):
                    os.unlink(self.folder / name)


def forget(root: Path) -> None:
    """Remove every kept conversion of the project at *root* (after a failed build)."""
    shutil.rmtree(root / FOLDER, ignore_errors=True)


def _files_under(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for base, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            yield Path(base, name)
