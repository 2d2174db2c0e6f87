"""Build stage: run the real ProperDocs build (MkDocs 1.x), strict and clean, from Python.

ProperDocs is the maintained continuation of MkDocs 1.x; mkdocs-material and the `portal`
plugin run on it unchanged (its `mkdocs.*` import alias is installed below, before any plugin is
imported). The build is run step for step as `properdocs build --strict --clean` runs it, not as
a command: `portal build` runs it in a forked copy of itself (nothing is imported or read twice,
and the site's memory goes back to the system before the audit), each page reports progress,
and a preview keeps the built state to re-make only the pages whose sources changed (`Preview`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import gc
import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin

import markdown
import properdocs.replacement  # noqa: F401  (first: every later mkdocs.* import is ProperDocs)
import yaml
from properdocs.commands import build as engine
from properdocs.config import load_config
from properdocs.exceptions import Abort, BuildError, ConfigurationError, PluginError
from properdocs.structure import pages as engine_pages
from properdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from properdocs.structure.nav import Navigation, get_navigation
from properdocs.structure.pages import Page
from properdocs.utils import CountHandler, clean_directory

from generator.conversions import Conversion, Kept, put_back, taken_from
from generator.errors import InputError, Problem
from generator.parallel import (
    Forked,
    Tell,
    begin,
    cores,
    fewer_full_collections,
    shared_map,
    shares,
    trim_heap,
)
from generator.plugin import PLUGIN_NAME, PortalPlugin

MKDOCS_FILE = "mkdocs.yml"
_DOC_PATH = re.compile(r"'([^']+\.md)'")
# The engine's loggers: ProperDocs', and the legacy name that mkdocs-material logs under.
_LOGGERS = ("properdocs", "mkdocs")

BuildProgress = Callable[[int, int], None]
"""Called with (pages done, pages in all) while the site builds."""


@dataclass(frozen=True)
class BuildReport:
    """What the site build did."""

    site_dir: Path
    seconds: float
    log: str
    # What the HTML allow-list removed, as warnings pointing at the file to fix.
    removed: tuple[Problem, ...] = ()


def source_date_epoch(today: dt.date) -> str:
    """Return the build date as SOURCE_DATE_EPOCH: dates pinned for repeatable output."""
    return str(calendar.timegm(today.timetuple()))


def starting_mkdocs_build(
    root: Path, site_dir: Path, today: dt.date, on_page: BuildProgress | None = None
) -> Forked[BuildReport]:
    """Start building *site_dir* from site_src/ strictly and cleanly; return at once.

    The build runs in a forked copy of this process (`generator.parallel.begin`): it starts
    with everything already loaded (nothing is imported or read twice), and the memory it needs
    for the site (every page, the search index, the blog) is handed back whole when it ends.
    Its `result` is the `BuildReport`; warnings become located problems (`InputError`).
    *on_page* hears (steps done, steps in all), at most ten times a second and at the end,
    so the copy never waits for a busy listener.
    """

    def build(tell: Tell) -> BuildReport:
        heard = _every_tenth_of_a_second(lambda *done: tell(done)) if on_page else None
        return _build_site(root, site_dir, today, heard)

    hear = (lambda done: on_page(*done)) if on_page is not None else None
    return begin(build, hear, passed=(InputError,), what="the site build")


# Seconds between two counts heard from the build (`starting_mkdocs_build`).
PROGRESS_EVERY = 0.1


def _every_tenth_of_a_second(progress: BuildProgress) -> BuildProgress:
    last = -1.0

    def heard(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done >= total or now - last >= PROGRESS_EVERY:
            last = now
            progress(done, total)

    return heard


def _build_site(
    root: Path, site_dir: Path, today: dt.date, progress: BuildProgress | None
) -> BuildReport:
    """Run the whole build in this process."""
    started = dt.datetime.now()
    with _engine(root, today) as capture, fewer_full_collections():
        config = _load(root, site_dir, capture, command="build")
        try:
            state = _build(config, capture, progress=progress, keep=True)
            removed = _removals(state.portal)
        finally:
            _shut_down(config)
    seconds = (dt.datetime.now() - started).total_seconds()
    del state, config
    gc.collect()
    return BuildReport(site_dir, seconds, capture.text(), removed)


class Preview:
    """A preview build kept in memory: built whole once, then only the pages whose sources changed.

    `update` is told which files of site_src/ the last generate wrote or removed. When each is an
    existing page whose front matter and title stay the same, only those pages are read and
    rendered again, with everything else (navigation, blog, tags, theme) as the full build left
    it, so each comes out exactly as a full build would make it. Anything else (a page added or
    removed, a blog post, the navigation, an image, mkdocs.yml) builds the whole preview again.
    The search index is brought up to date by the next whole build.
    """

    def __init__(self, root: Path, site_dir: Path, today: dt.date, serve_url: str) -> None:
        self.root = root
        self.site_dir = site_dir
        self.today = today
        self.serve_url = serve_url
        self._state: _State | None = None

    def build(self) -> BuildReport:
        """Build the whole preview (drafts included)."""
        started = dt.datetime.now()
        self.close()
        with _engine(self.root, self.today) as capture:
            config = _load(self.root, self.site_dir, capture, command="serve")
            config.site_url = self.serve_url
            try:
                self._state = _build(config, capture, serve_url=self.serve_url)
            except BaseException:
                _shut_down(config)
                raise
        seconds = (dt.datetime.now() - started).total_seconds()
        return BuildReport(self.site_dir, seconds, capture.text(), _removals(self._state.portal))

    def update(self, changed: Sequence[str], removed: Sequence[str] = ()) -> tuple[str, ...]:
        """Re-make the pages for site_src/ files *changed*; return the pages re-made.

        An empty answer means the whole preview was built again.
        """
        state = self._state
        pages = self._pages(changed) if state is not None and not removed else None
        if state is None or pages is None:
            self.build()
            return ()
        with _engine(self.root, self.today) as capture, _pooled_markdown():
            config = state.config
            before = [(page, dict(page.meta), page.title) for page in pages]
            for page in pages:
                state.portal.removed.pop(page.file.src_uri, None)
                engine._populate_page(page, config, state.files)
            if any(dict(page.meta) != meta or page.title != title for page, meta, title in before):
                capture.lines.clear()
                pages = []  # a title or tags elsewhere on the site changed with them
            for page in pages:
                engine._build_page(
                    page,
                    config,
                    state.doc_files,
                    state.nav,
                    state.env,
                    excluded=page.file.inclusion.is_excluded(),  # type: ignore[no-untyped-call]
                )
                page.validate_anchor_links(
                    files=state.files, log_level=config.validation.links.anchors
                )
        if not pages:
            self.build()
            return ()
        return tuple(page.file.src_uri for page in pages)

    def _pages(self, changed: Sequence[str]) -> list[Page] | None:
        """The existing pages for *changed* sources, or None when a whole build is needed."""
        assert self._state is not None
        pages = []
        for src_uri in changed:
            file = self._state.files.get_file_from_path(src_uri)
            if (
                file is None
                or not file.is_documentation_page()
                or file.page is None
                or type(file.page) is not Page  # blog posts and views are the blog's own
                or src_uri.startswith("blog/")
            ):
                return None
            pages.append(file.page)
        return pages

    def close(self) -> None:
        """Let the last build's plugins clean up and go."""
        if self._state is not None:
            _shut_down(self._state.config)
            self._state = None


# --- the engine, step by step ------------------------------------------------------------


class _Capture(logging.Handler):
    """Keep the engine's messages as `LEVEL - message` lines, as its command line prints them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} - {record.getMessage()}")

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)


@contextmanager
def _engine(root: Path, today: dt.date) -> Iterator[_Capture]:
    """Run the engine with the build date pinned, its messages captured, from the project."""
    capture = _Capture()
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    main, legacy = loggers
    saved = [(lg, lg.level, lg.propagate, lg.parent) for lg in loggers]
    # As `properdocs` itself does: the legacy logger feeds ProperDocs' (strict mode counts it).
    main.setLevel(logging.INFO)
    main.propagate = False
    legacy.parent = main
    legacy.setLevel(logging.NOTSET)
    legacy.propagate = True
    main.addHandler(capture)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(today)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        # Third-party deprecation notices are the engine's business, not the user's (and
        # pytest's warnings-as-errors must not turn them into a failed build).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield capture
    except InputError:
        raise
    except (Abort, BuildError, ConfigurationError, PluginError) as exc:
        capture.lines.append(f"ERROR - {exc}")
        raise InputError(mkdocs_problems(capture.text())) from None
    except Exception as exc:
        # A theme override or template that fails to render is the project's to fix, as it
        # was when the build ran as a command of its own.
        capture.lines.append(f"ERROR - {type(exc).__name__}: {exc}")
        raise InputError(mkdocs_problems(capture.text())) from exc
    finally:
        os.chdir(cwd)
        if epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = epoch
        main.removeHandler(capture)
        for lg, level, propagate, parent in saved:
            lg.setLevel(level)
            lg.propagate = propagate
            if lg is legacy:
                lg.parent = parent


def _load(
    root: Path, site_dir: Path, capture: _Capture, *, command: Literal["build", "serve"]
) -> Any:
    """Load mkdocs.yml (strict) for *command* ("build" or "serve")."""
    path = root / MKDOCS_FILE
    if not path.is_file():
        raise InputError(
            [Problem(MKDOCS_FILE, f"not found in {root}; the project needs its mkdocs.yml")]
        )
    config = load_config(config_file=str(path), site_dir=str(site_dir), strict=True)
    if not isinstance(config.plugins.get(PLUGIN_NAME), PortalPlugin):
        raise InputError(
            [Problem(MKDOCS_FILE, "the portal plugin did not run: list '- portal' under plugins")]
        )
    config.plugins.on_startup(command=command, dirty=False)
    return config


def _shut_down(config: Any) -> None:
    """Let the plugins clean up, then let them go: the next build starts with new ones.

    The engine keeps one instance of each plugin for the whole process (its own `serve` reuses
    them between builds), and those instances hold the whole site (the search index, the blog's
    posts, the tags): a finished build lets them go, so the memory serves the audit. The blog's
    temporary folder goes with its instance, which is why none is reused after its shutdown.
    """
    try:
        config.plugins.on_shutdown()
    finally:
        for key, option in type(config)._schema:
            if key == "plugins":
                option.plugin_cache.clear()


class _MarkdownPool:
    """One Markdown converter per configuration, reset between pages instead of made anew.

    The engine builds a converter, and loads every extension into it, for each page (and the
    blog one more for each post's excerpt): a tenth of the build, and for 3,500 excerpts kept
    alive, a hundred megabytes. A reset converter converts the same; each page's own tree
    processors (links, anchors, title) replace the last page's, as they are registered under
    the same names, and the `portal` plugin puts each excerpt's own back before it renders.
    """

    def __init__(self) -> None:
        self._made: dict[tuple[str, str], markdown.Markdown] = {}

    def Markdown(self, **options: Any) -> markdown.Markdown:
        # By value: the blog copies the configuration for each excerpt.
        key = (repr(options.get("extensions")), repr(options.get("extension_configs")))
        converter = self._made.get(key)
        if converter is None:
            converter = self._made[key] = markdown.Markdown(**options)
        else:
            converter.reset()
        return converter

    def __call__(self, **options: Any) -> markdown.Markdown:
        return self.Markdown(**options)


@contextmanager
def _pooled_markdown() -> Iterator[None]:
    """Let the engine's pages, and the blog's excerpts, share converters while the build runs."""
    pool = _MarkdownPool()
    saved = vars(engine_pages)["markdown"]
    setattr(engine_pages, "markdown", pool)  # noqa: B010 (a module's private name)
    blog = sys.modules.get("material.plugins.blog.structure")
    excerpts = vars(blog).get("Markdown") if blog is not None else None
    if blog is not None and excerpts is not None:
        setattr(blog, "Markdown", pool)  # noqa: B010
    try:
        yield
    finally:
        setattr(engine_pages, "markdown", saved)  # noqa: B010
        if blog is not None and excerpts is not None:
            setattr(blog, "Markdown", excerpts)  # noqa: B010


@contextmanager
def _libyaml_for_posts() -> Iterator[None]:
    """Let the blog read its posts' front matter with libyaml, as the engine reads every page's.

    The same safe loader (constructor and resolver) on the C parser: the same values, five
    times sooner, for the 3,500 posts the blog reads before any page is built.
    """
    blog = sys.modules.get("material.plugins.blog.structure")
    if blog is None or not getattr(yaml, "__with_libyaml__", False):
        yield
        return
    saved = vars(blog).get("SafeLoader")
    setattr(blog, "SafeLoader", yaml.CSafeLoader)  # noqa: B010 (a module's private name)
    try:
        yield
    finally:
        setattr(blog, "SafeLoader", saved)  # noqa: B010


@dataclass
class _State:
    """What a build knows once it is done: enough to re-make one page the same way."""

    config: Any
    files: Files
    nav: Navigation
    env: Any
    doc_files: Sequence[File]
    portal: PortalPlugin
    serve_url: str | None
    warnings: CountHandler = field(default_factory=CountHandler)


def _build(
    config: Any,
    capture: _Capture,
    *,
    serve_url: str | None = None,
    progress: BuildProgress | None = None,
    keep: bool = False,
) -> _State:
    """Build the whole site as `properdocs build --strict --clean` does; return its state.

    With *keep*, each page's conversion is kept for the next build and taken from the last
    one's when nothing it depends on has changed (`generator.conversions`).
    """
    counter = CountHandler()
    counter.setLevel(logging.WARNING)
    main = logging.getLogger("properdocs")
    main.addHandler(counter)
    inclusion = InclusionLevel.is_in_serve if serve_url else InclusionLevel.is_included
    try:
        with _libyaml_for_posts():
            return _build_steps(config, counter, inclusion, serve_url, progress, keep)
    except Exception as exc:
        config.plugins.on_build_error(error=exc)
        raise
    finally:
        main.removeHandler(counter)


def _build_steps(
    config: Any,
    counter: CountHandler,
    inclusion: Callable[[InclusionLevel], bool],
    serve_url: str | None,
    progress: BuildProgress | None,
    keep: bool,
) -> _State:
    """Run the build's steps, from the configuration to the last page (see `_build`)."""
    config = config.plugins.on_config(config)
    config.plugins.on_pre_build(config=config)
    clean_directory(config.site_dir)
    files = get_files(config)
    env = config.theme.get_env()
    files.add_files_from_theme(env, config)
    files = config.plugins.on_files(files, config=config)
    set_exclusions(files, config)
    nav = get_navigation(files, config)
    nav = config.plugins.on_nav(nav, config=config, files=files)
    pages = list(files.documentation_pages(inclusion=inclusion))
    _index_blogs(config)
    total = 2 * len(pages)
    done = 0
    excluded = []
    late = _Late(config, nav)
    posts: list[Page] = []
    kept = _kept_for(config, files) if keep and late.enabled else None
    with _pooled_markdown(), _keeping(kept):
        for file in pages:
            if file.page is None and file.inclusion.is_not_in_nav():
                if serve_url and file.inclusion.is_excluded():
                    excluded.append(urljoin(serve_url, file.url))
                Page(None, file, config)
            assert file.page is not None
            _read_page(file.page, config, files)
            if late.is_post(file.page):
                posts.append(file.page)
            elif not late.wait(file.page):
                _convert_page(file.page, config, files)
            done += 1
            if progress is not None:
                progress(done, total)
        # Named now, when every page is read and before any renders (a render may add to a
        # page's front matter, which is part of the name).
        wanted = [kept.name(file.page) for file in pages if file.page] if kept else []
        _convert_posts(posts, config, files)
        env = config.plugins.on_env(env, config=config, files=files)
        files.copy_static_files(inclusion=inclusion)
        for template in config.theme.static_templates:
            engine._build_theme_template(template, env, files, config, nav)
        for template in config.extra_templates:
            engine._build_extra_template(template, files, config, nav)
        doc_files = files.documentation_pages(inclusion=inclusion)
        _render_pages(config, files, doc_files, nav, env, late, done, total, progress)
    level = config.validation.links.anchors
    for file in doc_files:
        assert file.page is not None
        file.page.validate_anchor_links(files=files, log_level=level)
    config.plugins.on_post_build(config=config)
    if counts := counter.get_counts():
        message = ", ".join(f"{v} {k.lower()}s" for k, v in counts)
        raise Abort(f"Aborted with {message} in strict mode!")
    if kept is not None:
        kept.keep_only(wanted)
    portal = config.plugins[PLUGIN_NAME]
    return _State(config, files, nav, env, doc_files, portal, serve_url)


# The plugins whose hooks `_Late` was written against: with any other, every page is converted
# before any is rendered, as the engine itself does.
_KNOWN_PLUGINS = frozenset(
    {"material/search", "material/blog", "material/tags", "material/offline", PLUGIN_NAME}
)


class _Late:
    """Which pages are converted from Markdown only as they render, each by the process that
    renders it, instead of all before any renders.

    The engine converts every page before it renders the first because a page's template may
    show what others are: the navigation shows titles, a blog view its posts' excerpts and
    reading times, a tags page the tags of every page. A page that is in no navigation, is no
    blog post or view, holds no tags listing and is titled by its front matter shows nothing of
    itself to any other page: all they see of it (title, address, tags) is known once its
    front matter is read. The pair and story pages are such pages, nearly half the site. Left
    to the render, their conversion is shared between the cores with it, and no process holds
    thousands of pages' HTML at once. What the anchor check needs later comes back from each
    (`_Rendered.anchors`).
    """

    def __init__(self, config: Any, nav: Navigation) -> None:
        self.enabled = set(config.plugins) <= _KNOWN_PLUGINS
        self._in_nav = {id(page) for page in nav.pages}
        self._listings = [
            plugin.listings
            for plugin in config.plugins.values()
            if isinstance(getattr(plugin, "listings", None), Iterable)
        ]
        self.pages: set[str] = set()

    def is_post(self, page: Page) -> bool:
        """Whether *page* is a blog post, converted once every page is read (`_convert_posts`).

        What other pages show of a post (its excerpt, title and reading time) is first used
        when they render, and nothing read before then uses what converting it makes.
        """
        return self.enabled and type(page).__name__ == "Post" and page.file.page is page

    def wait(self, page: Page) -> bool:
        """Whether *page*, read, waits for its render to be converted (and is noted if so)."""
        if (
            not self.enabled
            or type(page) is not Page
            or page.file.page is not page
            or id(page) in self._in_nav
            or "title" not in page.meta
            or any(listing.page is page for listings in self._listings for listing in listings)
        ):
            return False
        self.pages.add(page.file.src_uri)
        return True


def _read_page(page: Page, config: Any, files: Files) -> None:
    """Read *page* and run the plugins on its Markdown: the first half of the engine's
    `_populate_page`."""
    with _reading(page, config):
        page = config.plugins.on_pre_page(page, config=config, files=files)
        page.read_source(config)
        assert page.markdown is not None
        page.markdown = config.plugins.on_page_markdown(
            page.markdown, page=page, config=config, files=files
        )


# The conversions kept between builds, while a build that keeps them runs (`_keeping`).
_kept: Kept | None = None


def _kept_for(config: Any, files: Files) -> Kept:
    config_file = Path(config.config_file_path)
    return Kept.for_site(config_file.parent, config_file, files)


@contextmanager
def _keeping(kept: Kept | None) -> Iterator[None]:
    global _kept
    _kept = kept
    try:
        yield
    finally:
        _kept = None


def _convert_page(page: Page, config: Any, files: Files) -> None:
    """Convert *page*'s Markdown and run the plugins on its HTML: the second half.

    While a build keeps conversions (`_keeping`), one kept for the page as it is now is put
    back instead, with what the allow-list removed and the engine's messages as they were.
    """
    kept = _kept
    if kept is None:
        _convert(page, config, files)
        return
    found = kept.get(page)
    if found is not None:
        try:
            _take(page, found, config, files)
            return
        except (KeyError, AttributeError):  # links to a page not in the site, or the like
            pass
    kept.keep(page, _recorded(page, config, lambda: _convert(page, config, files)))


def _recorded(page: Page, config: Any, convert: Callable[[], None]) -> Conversion:
    """Run *convert* on *page*; return what it made, with the removals and messages it caused."""
    portal: PortalPlugin = config.plugins[PLUGIN_NAME]
    source = page.file.src_uri
    before = set(portal.removed.get(source, ()))
    main = logging.getLogger("properdocs")
    messages = _Messages()
    main.addHandler(messages)
    try:
        convert()
    finally:
        main.removeHandler(messages)
    return taken_from(page, portal.removed.get(source, set()) - before, messages.kept)


def _take(page: Page, made: Conversion, config: Any, files: Files) -> None:
    """Give *page* what a conversion made earlier or elsewhere; say its messages here."""
    put_back(page, made, files)
    if made.removed:
        portal: PortalPlugin = config.plugins[PLUGIN_NAME]
        portal.removed.setdefault(page.file.src_uri, set()).update(made.removed)
    for name, level, message in made.messages:
        logging.getLogger(name).log(level, "%s", message)


def _convert(page: Page, config: Any, files: Files) -> None:
    with _reading(page, config):
        page.render(config, files)
        assert page.content is not None
        page.content = config.plugins.on_page_content(
            page.content, page=page, config=config, files=files
        )


@contextmanager
def _reading(page: Page, config: Any) -> Iterator[None]:
    """Make *page* the engine's current page; log a failure to read it as the engine does."""
    config._current_page = page
    try:
        yield
    except Exception as exc:
        message = f"Error reading page '{page.file.src_uri}':"
        if not isinstance(exc, BuildError):  # its own message is logged already
            message += f" {exc}"
        logging.getLogger("properdocs.commands.build").error(message)
        raise
    finally:
        config._current_page = None


Anchors = tuple[set[str] | None, dict[str, dict[str, str]]]
"""A converted page's anchors, and the anchors it links to by the source of their page."""


def _anchors(page: Page) -> Anchors:
    links = page.links_to_anchors or {}
    return page.present_anchor_ids, {to.src_uri: dict(found) for to, found in links.items()}


def _put_anchors(page: Page, anchors: Anchors, files: Files) -> None:
    page.present_anchor_ids, links = anchors
    page.links_to_anchors = {files.src_uris[uri]: found for uri, found in links.items()}


def _convert_posts(posts: Sequence[Page], config: Any, files: Files) -> None:
    """Convert the blog's posts on every core (see `_Late.is_post`), as `_convert_page` would.

    Each post converted elsewhere comes back whole (`conversions.Conversion`): its HTML, table
    of contents, title from the text, anchors, reading time (the blog's), what the allow-list
    removed, and the engine's messages, heard here in the posts' order.
    """
    here = os.getpid()

    def convert(page: Page) -> tuple[int, Conversion]:
        return os.getpid(), _recorded(page, config, lambda: _convert_page(page, config, files))

    results = shared_map(convert, list(posts), min(RENDER_PROCESSES, cores()))
    for page, (pid, made) in zip(posts, results, strict=True):
        if pid != here:
            _take(page, made, config, files)


# How many processes render the pages (at most; never more than the cores). Each holds what its
# own pages need as they render, and copies part of the state they share as it goes (about 80
# MB at 8,000 pages): two keep the build within 500 MB, and a build machine has two cores.
RENDER_PROCESSES = 2


@dataclass
class _Rendered:
    """What rendering one page left behind, for the process that ends the build."""

    pid: int
    # The page's entries for each search index, in the order of `_search_indexes`.
    entries: list[list[Any]]
    # What the HTML allow-list removed from the excerpts it showed, by source.
    removed: dict[str, set[str]]
    # The engine's messages about the page, as (logger, level, message).
    messages: list[tuple[str, int, str]]
    # For a page converted as it rendered (`_Late`): the anchors it has, and the anchors it
    # links to, by the source of the page they are on.
    anchors: Anchors | None = None


class _Messages(logging.Handler):
    """Keep each message of the engine as it comes, for `_render_pages`."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.kept: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.kept.append((record.name, record.levelno, record.getMessage()))


def _render_pages(
    config: Any,
    files: Files,
    doc_files: Sequence[File],
    nav: Navigation,
    env: Any,
    late: _Late,
    done: int,
    total: int,
    progress: BuildProgress | None,
) -> None:
    """Render and write every page, in `RENDER_PROCESSES` processes.

    Each page renders on its own once every page is read: its template sees the navigation,
    the blog and the tags, all complete and the same in every process. What rendering leaves
    behind in the plugins comes back with the page (`_Rendered`) and is put together here in
    the pages' order, so the site is the same, byte for byte, as one process would make it: the
    search index's entries, what the allow-list removed from excerpts, and the engine's
    warnings, which strict mode counts.
    """
    indexes = _search_indexes(config)
    portal: PortalPlugin = config.plugins[PLUGIN_NAME]
    main = logging.getLogger("properdocs")
    messages = _Messages()
    main.addHandler(messages)
    here = os.getpid()
    rendered = 0
    # Each page rendered here stands for one in every process.
    processes = min(RENDER_PROCESSES, cores())
    step = shares(len(doc_files), processes)

    def render(file: File) -> _Rendered:
        nonlocal rendered
        page = file.page
        assert page is not None
        counts = [len(index.entries) for index in indexes]
        removed = {source: set(items) for source, items in portal.removed.items()}
        heard = len(messages.kept)
        excluded = file.inclusion.is_excluded()  # type: ignore[no-untyped-call]
        converted = file.src_uri in late.pages
        if converted:
            _convert_page(page, config, files)
        engine._build_page(page, config, doc_files, nav, env, excluded=excluded)
        # Written, a page's HTML is needed no more (what else uses a page reads its title,
        # address, anchors and, for a post, its Markdown): 8,000 pages' HTML is not kept.
        page.content = None
        entries = []
        for index, count in zip(indexes, counts, strict=True):
            entries.append(index.entries[count:])
            del index.entries[count:]
        added = {
            source: items - removed.get(source, set())
            for source, items in portal.removed.items()
            if items - removed.get(source, set())
        }
        said = messages.kept[heard:]
        del messages.kept[heard:]
        if progress is not None and os.getpid() == here:
            rendered += 1
            progress(min(done + rendered * step, total), total)
        return _Rendered(os.getpid(), entries, added, said, _anchors(page) if converted else None)

    # What reading the pages left behind goes back to the system before they render (and
    # before any copy is forked: the less each process holds, the less they hold together).
    gc.collect()
    trim_heap()
    try:
        results = shared_map(render, list(doc_files), processes)
    finally:
        main.removeHandler(messages)
    for file, result in zip(doc_files, results, strict=True):
        if result.anchors is not None and result.pid != here:
            assert file.page is not None
            _put_anchors(file.page, result.anchors, files)
        for index, entries in zip(indexes, result.entries, strict=True):
            index.entries.extend(entries)
        for source, items in result.removed.items():
            portal.removed.setdefault(source, set()).update(items)
        if result.pid != here:  # heard in another process: tell this one's handlers
            for name, level, message in result.messages:
                logging.getLogger(name).log(level, "%s", message)
    if progress is not None and done + rendered * step < total:  # the other processes' last
        progress(total, total)


def _search_indexes(config: Any) -> list[Any]:
    """The search plugins' indexes, whose entries each page adds to as it renders."""
    found = []
    for plugin in config.plugins.values():
        index = getattr(plugin, "search_index", None)
        if isinstance(getattr(index, "entries", None), list):
            found.append(index)
    return found


class _Members(list[Any]):
    """A list whose `in` asks "is it one of these objects?", not "does it equal one?".

    Material's blog asks, for every page, whether it is one of the blog's posts and views
    (`page in self.blog.posts`): a list search that compares pages by title, a property worked
    out anew for each comparison, so 8,000 pages against 3,500 posts made 47 million of them, a
    third of the build. A page equals another only when they are the same file's page, and each
    file has one page, so asking by identity gives the same answers.
    """

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__(items)
        self._ids = frozenset(id(item) for item in self)

    def __contains__(self, item: object) -> bool:
        return id(item) in self._ids


def _index_blogs(config: Any) -> None:
    """Let each blog find its posts and views by identity (see `_Members`).

    Called once the navigation is made, when the blog's posts and views are all known.
    """
    for plugin in config.plugins.values():
        blog = getattr(plugin, "blog", None)
        resolve = getattr(plugin, "_resolve_views", None)
        if type(plugin).__name__ != "BlogPlugin" or blog is None or resolve is None:
            continue
        blog.posts = _Members(blog.posts)
        views = _Members(resolve(blog))

        def resolve_views(
            view: Any, root: Any = blog, views: _Members = views, resolve: Any = resolve
        ) -> Any:
            return views if view is root else resolve(view)

        plugin._resolve_views = resolve_views


def _removals(portal: PortalPlugin) -> tuple[Problem, ...]:
    """Say what the sanitiser removed, per source file."""
    return tuple(
        Problem(
            source_of(page),
            f"the portal removed {', '.join(sorted(items))}: only the formatting the portal's "
            "pages use is published (see the front-matter reference)",
            severity="warning",
        )
        for page, items in sorted(portal.removed.items())
    )


def mkdocs_problems(log: str) -> list[Problem]:
    """Turn the engine's warnings and errors into problems pointing at the source to edit."""
    problems = []
    for line in log.splitlines():
        level, _, message = line.partition("-")
        if level.strip() not in {"WARNING", "ERROR"}:
            continue
        message = " ".join(message.split())
        if message.startswith("Aborted with"):
            continue  # the summary of the warnings above, each already reported
        match = _DOC_PATH.search(message)
        file = source_of(match.group(1)) if match else MKDOCS_FILE
        problems.append(Problem(file, f"the site build reported: {message}"))
    if not problems:
        tail = " ".join(log.strip().splitlines()[-3:])
        problems.append(Problem(MKDOCS_FILE, f"the site build failed: {tail}"))
    return problems


def source_of(doc_path: str) -> str:
    """Name the file a user edits for a generated page."""
    if doc_path.startswith("stories/") and doc_path != "stories/index.md":
        return "content/" + doc_path
    if doc_path.startswith("blog/posts/"):
        return "content/blog/" + doc_path.removeprefix("blog/posts/")
    if doc_path.startswith("guides/"):
        return f"content/{doc_path} or programme.yaml"
    return f"site_src/{doc_path} (from programme.yaml or the data)"
