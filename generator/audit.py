"""Audit stage: read every built file and path; any private value or live script fails the build.

The audit trusts nothing it checks. Its secrets come from the validated raw inputs (the
participant, pair and org-chart tables, programme.yaml and the content's front matter), never
from the public view, the rendered pages or the site. Every file's text and every output path
(URL, file name) is folded (`generator.fold`: entities, percent-encoding, JSON escapes, NFKC,
format characters, case, confusable skeletons, accents) and searched in one pass
(`generator.finder`, real token boundaries, the identifier-or-figure rule for digits-only ids).

**What is secret.** Every participant's email, id, manager id and grade; the values of every
column the portal does not know (private columns such as a diversity network); for a person
without consent `named`, their name and every other field; for a consenting person, each field
not listed in `privacy.public_fields`; every pair id, and the goals of pairs that are not
published; org-chart ids; the titles and summaries of drafts, future-dated, unapproved and
withheld stories, posts and guides. Ids, emails and names are always searched; other values
are searched when they are distinctive, i.e. two words or more once folded (a single ordinary
word such as "Running" would be found everywhere) — except grades, which are always searched.

**What is exempt, and why.** A text value is not searched for when the raw inputs themselves
make the same text public, and each exemption names the field that does: a consenting
participant's listed public field ("Director" in the public job title "Director of Place"),
a member of staff's name, title or bio, the public sections of programme.yaml (name, purpose,
contacts, cohorts, design, session plan, ground rules, FAQ, measures), or the portal's own
template wording (generator/templates: "line manager" next to a grade called "Manager").
Authored content (stories, posts, guides, template overrides in content/templates) exempts
nothing, and ids, emails and names are never exempt, except a name that a consenting
participant or a member of staff also has. A department or location that at least
`privacy.min_group_size` participants share is an organisational unit, not a personal detail,
and is not searched for either ("Town Hall", where dozens work).

**Files.** Text files (HTML, JavaScript, JSON, XML, CSS, SVG, text) are searched; every HTML
page and every search-index entry is parsed for live script (event-handler attributes, script
links, script elements inside page content, frames and objects); compressed text (the sitemap)
is unpacked and searched; every image must be one the build re-made (its hash is in the
build's register and it decodes with no metadata); any other binary file, and any data file
(.csv, .xlsx …), is refused. Files byte-identical to a file of the installed theme are theme
assets, recognised by what they are rather than by their name or the engine that copied them.
So is an initials avatar: an SVG byte-identical to the drawing of the initials of a consenting
participant's or a member of staff's name on the programme's colour (drawn here from the raw
names), which shows two letters of a public name and nothing else, though they may spell a
grade ("EO").

**Private outputs.** The programme office's own files (the health report, certificates,
announcement e-mails and calendars, match proposals and reports) carry ``PRIVATE_MARKER`` where
their format allows: a file of the site or of site_src/ that holds it fails, whatever its name;
certificates, e-mails and calendars (.pdf, .eml, .ics) are never published at all; and a file
byte-identical to one of the private outputs on disk or to a data table fails too, renamed or
not. site_src/ is read as well as the site, because a private HTML file dropped into it as
Markdown would lose its marker to the sanitiser on the way into the site.

A finding names the file and what was found ("a participant's email (content/data/…
column 'email')" or "a link that would run script"), never the value.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from generator.config import PUBLISHABLE_FIELDS
from generator.finder import Finder, Needle
from generator.fold import fold, fold_path
from generator.markup import runs_script, unsafe_markup
from generator.model import Participant, Post, Project, Story
from generator.parallel import shared_map
from generator.private_outputs import (
    ANNOUNCEMENTS_FOLDER,
    CERTIFICATES_FOLDER,
    PRIVATE_MARKER,
    REPORTS_FOLDER,
    private_folder,
)
from generator.withhold import Decisions, name_forms

DATA_SUFFIXES = frozenset({".csv", ".xlsx", ".xlsm", ".xls", ".tsv", ".ods", ".parquet", ".db"})
TEXT_SUFFIXES = frozenset(
    {".html", ".htm", ".js", ".mjs", ".json", ".xml", ".css", ".svg", ".txt", ".map", ".conf"}
)
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})
# Certificates, announcement e-mails and calendars: private outputs, never part of a site.
PRIVATE_SUFFIXES = frozenset({".pdf", ".eml", ".ics"})
PRIVATE_OUTPUT = "a private output of the programme office (report, certificate or announcement)"
# Files read as text (disguises undone) for the private marker; others are searched as bytes.
READ_FOR_MARKER = TEXT_SUFFIXES | frozenset({".md", ".markdown", ".yml", ".yaml", ".htm", ""})
# Private files larger than this are not hashed (no output of the portal comes near it).
MAX_HASHED_BYTES = 64 * 2**20
COMPRESSED_SUFFIXES = frozenset({".gz"})
# Shorter values than this are too common to search for without drowning in false alarms.
MIN_LENGTH = 3
TEMPLATES = Path(__file__).parent / "templates"
# Sentences of this many words or more of a non-consenting person's bio are searched one by one.
SENTENCE_WORDS = 6
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+")


@dataclass(frozen=True)
class Secrets:
    """What the audit searches for, and what the raw inputs themselves make public."""

    needles: tuple[Needle, ...]
    exempt: Mapping[Needle, str]  # needle -> the public field that exempts it
    # sha256 of every private output on disk and every data table -> what it is, in words.
    private_files: Mapping[str, str] = field(default_factory=dict)
    # The generated docs folder, read for private outputs too (None: the site only).
    sources: Path | None = None
    # Thumbnails (images.likeness) of the photos that may not be published, with what they are:
    # a resized or re-encoded copy has a different sha256 but nearly the same thumbnail.
    private_pictures: tuple[tuple[bytes, str], ...] = ()
    # sha256 of the initials avatar of every public name (consenting participants, staff).
    avatars: frozenset[str] = frozenset()

    def searched(self) -> list[Needle]:
        """Return the needles that are not exempt."""
        return [n for n in self.needles if n not in self.exempt]


def _distinctive(value: str) -> bool:
    return len(value.split()) >= 2


def _needle(
    value: str, what: str, owner: str = "", kind: str = "text", column: str = ""
) -> Needle | None:
    folded = fold(value).strip()
    if len(folded) < (2 if kind in {"id", "grade"} else MIN_LENGTH):
        return None
    if kind == "text" and not _distinctive(folded):
        return None
    # Each value is one object, however many needles name it (10,000 people share a few
    # dozen descriptions): the audit's list, sent between processes, stays small.
    return Needle(folded, sys.intern(what), sys.intern(owner), sys.intern(kind), sys.intern(column))


def _person_needles(person: Participant, project: Project) -> Iterator[Needle | None]:
    table = project.config.data.participants
    public = set(project.config.privacy.public_fields)
    yield _needle(
        person.email, f"a participant's email ({table} column 'email')", person.id, "email"
    )
    yield _needle(person.id, f"a participant id ({table} column 'id')", person.id, "id")
    if person.manager_id:
        yield _needle(person.manager_id, f"a manager id ({table} column 'manager_id')", "", "id")
    yield _needle(person.grade, f"a grade ({table} column 'grade')", person.id, "grade")
    for column, value in sorted(person.extra.items()):
        yield _needle(value, f"a private column ({table} column '{column}')", person.id)
    for name in PUBLISHABLE_FIELDS:
        if person.is_named and name in public:
            continue
        what = (
            f"a field of a participant without consent ({table} column '{name}')"
            if not person.is_named
            else f"a non-public field ({table} column '{name}')"
        )
        value = getattr(person, name)
        for item in value if isinstance(value, tuple) else (value,):
            if not item:
                continue
            if name == "name":
                for form in name_forms(item):
                    yield _needle(
                        form,
                        f"the name of a participant without consent ({table} column 'name')",
                        person.id,
                        "name",
                    )
            elif name == "bio" and not person.is_named:
                # A single sentence of a bio can say as much as the whole of it.
                yield _needle(item, what, person.id, column=name)
                for sentence in _SENTENCE.split(item):
                    if len(sentence.split()) >= SENTENCE_WORDS:
                        yield _needle(sentence, what, person.id, column=name)
            elif name != "photo":
                yield _needle(item, what, person.id, column=name)


def collect_secrets(project: Project, decisions: Decisions) -> Secrets:
    """List every private value from the raw inputs, and the exemptions the inputs justify."""
    found: list[Needle | None] = []
    for person in project.participants:
        found.extend(_person_needles(person, project))
    people = project.participant_index()
    pairs_table = project.config.data.pairs
    unpublished: set[str] = set()
    for pair in project.pairs:
        found.append(_needle(pair.pair_id, f"a pair id ({pairs_table} column 'pair_id')", "", "id"))
        if pair.pair_id not in project.published_pairs:
            found += [
                _needle(goal, f"the goals of an unpublished pair ({pairs_table} column 'goals')")
                for goal in pair.goals
            ]
            unpublished.add(pair.pair_id)
    # A topic a published pair's page shows too ("Career stories") is public; the others of a
    # pair without a page are its own.
    sessions_table = project.config.data.sessions
    shown = {
        fold(topic)
        for session in project.sessions
        if session.pair_id not in unpublished
        for topic in session.topics
    }
    found += [
        _needle(
            topic, f"the session topics of an unpublished pair ({sessions_table} column 'topics')"
        )
        for session in project.sessions
        if session.pair_id in unpublished
        for topic in session.topics
        if fold(topic) not in shown
    ]
    participant_ids = set(people)
    org = project.config.data.people
    found += [
        _needle(pid, f"an org chart id ({org} column 'id')", "", "id")
        for pid in sorted(project.org_chart)
        if pid not in participant_ids
    ]
    found += _unpublished_content(project, decisions)
    if project.config.privacy.url_secret:
        found.append(
            _needle(
                project.config.privacy.url_secret, "programme.yaml's privacy.url_secret", "", "id"
            )
        )
    needles = tuple(sorted({n for n in found if n is not None}, key=lambda n: (n.folded, n.what)))
    photos = _private_photos(project)
    return Secrets(
        needles,
        _exemptions(project, needles),
        private_files=private_file_hashes(project, photos),
        sources=project.root / "site_src",
        private_pictures=photos.pictures,
        avatars=_public_avatars(project),
    )


def _public_avatars(project: Project) -> frozenset[str]:
    """The sha256 of the initials avatar drawn for each name the inputs make public."""
    from generator.images import avatar_colour, avatar_drawing
    from generator.pages import name_initials
    from generator.public import plain

    colour = avatar_colour(project.config.site.primary_colour)
    names = [p.name for p in project.participants if p.is_named]
    names += [s.name for s in project.config.staff]
    drawn: dict[str, str] = {}
    for name in names:
        shown = plain(name)
        drawn.setdefault(name_initials(shown), shown)
    return frozenset(
        hashlib.sha256(avatar_drawing(name, colour).encode("utf-8")).hexdigest()
        for name in drawn.values()
    )


def _private_files(project: Project) -> Iterator[tuple[Path, str]]:
    """Yield every private file on disk the site must never hold a copy of, with its kind."""
    data = project.config.data
    tables = (data.participants, data.pairs, data.sessions, data.surveys, data.people)
    folders: set[Path] = set()
    for table in tables:
        if table:
            path = project.root / table
            folders.add(path.parent)
            yield path, f"a copy of a data table ({table})"
    for kind in (REPORTS_FOLDER, CERTIFICATES_FOLDER, ANNOUNCEMENTS_FOLDER):
        folder = private_folder(project, kind)
        if folder.is_dir() and not folder.is_symlink():
            for path in sorted(folder.rglob("*")):
                yield path, f"a copy of {PRIVATE_OUTPUT}"
    for folder in sorted(folders):
        for pattern in ("match-report-*", "proposals-*"):
            for path in sorted(folder.glob(pattern)):
                yield path, "a copy of a private match report or proposals"


@dataclass(frozen=True)
class _PrivatePhotos:
    """What the audit knows of the photos that may not be published, each file read once."""

    hashes: dict[str, str]  # sha256 as it is and as the build would re-make it -> what it is
    pictures: tuple[tuple[bytes, str], ...]  # images.likeness thumbnails -> what it is


def _private_photos(project: Project) -> _PrivatePhotos:
    """Read each photo that may not be published: its digests and its likeness.

    A participant's photo is private unless they agreed to be named and `photo` is a public
    field. The same picture put in a story or a guide under another name is re-made by the
    build exactly as from the participants table (so both digests are searched), and a resized
    or re-encoded copy keeps nearly the same thumbnail.
    """
    from generator.images import MAX_LONG_SIDE, NotAPicture, likeness, remake_raster  # Pillow

    public = "photo" in project.config.privacy.public_fields
    table = project.config.data.participants
    what = f"a photo that may not be published ({table} column 'photo')"
    hashes: dict[str, str] = {}
    pictures: list[tuple[bytes, str]] = []
    for person in project.participants:
        if not person.photo or (public and person.is_named):
            continue
        path = project.root / "content" / person.photo
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_HASHED_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        hashes[hashlib.sha256(data).hexdigest()] = what
        try:
            hashes[hashlib.sha256(remake_raster(data, MAX_LONG_SIDE).data).hexdigest()] = what
        except NotAPicture:
            continue
        thumb = likeness(data)
        if thumb is not None:
            pictures.append((thumb, what))
    return _PrivatePhotos(hashes, tuple(pictures))


def private_file_hashes(project: Project, photos: _PrivatePhotos | None = None) -> dict[str, str]:
    """Return the sha256 of each private output, data table and private photo, with what it is."""
    hashes: dict[str, str] = dict((photos or _private_photos(project)).hashes)
    for path, what in _private_files(project):
        try:
            size = path.stat().st_size if path.is_file() and not path.is_symlink() else 0
            if not 0 < size <= MAX_HASHED_BYTES:  # an empty file is no one's secret
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
        hashes.setdefault(digest, what)
    return dict(sorted(hashes.items()))


def private_output_findings(
    path: Path, rel: str, private_files: Mapping[str, str] | None = None
) -> set[str]:
    """Say whether the file *path* (shown as *rel*) is, holds or copies a private output.

    Every file is read, whatever its suffix (site_src/ holds Markdown and YAML the site audit
    does not read): the marker is looked for in the raw bytes and in the folded text.
    """
    if path.is_symlink() or not path.is_file():
        return set()
    suffix = path.suffix.lower()
    data = path.read_bytes()
    found = {f"{rel}: {problem}" for problem in _private_output(suffix, data, private_files or {})}
    if suffix in READ_FOR_MARKER and _FOLDED_MARKER in fold(data.decode("utf-8", "replace")):
        found.add(f"{rel}: contains {PRIVATE_OUTPUT}")
    return found


def _private_output(suffix: str, data: bytes, known: Mapping[str, str]) -> Iterator[str]:
    """A report, certificate or announcement, by its kind, its bytes or its marker."""
    if suffix in PRIVATE_SUFFIXES:
        yield f"{PRIVATE_OUTPUT} must never be part of the site"
    copied = known.get(hashlib.sha256(data).hexdigest())
    if copied:
        yield copied
    if _MARKER in data.lower():
        yield f"contains {PRIVATE_OUTPUT}"


def _unpublished_content(project: Project, decisions: Decisions) -> Iterator[Needle | None]:
    """The titles and summaries of what is not published (unless published content has them)."""
    documents: list[Story | Post] = [*project.stories, *project.posts]
    published = {
        fold(text)
        for doc in documents
        if _is_published(doc, project, decisions)
        for text in (doc.title, doc.summary)
    }
    for needle in _unpublished_texts(project, decisions):
        if needle is not None and needle.folded not in published:
            yield needle


def _is_published(doc: Story | Post, project: Project, decisions: Decisions) -> bool:
    if isinstance(doc, Story):
        return (
            doc.status == "approved"
            and doc.date <= project.today
            and not decisions.is_withheld("story", doc.slug)
        )
    return (
        not doc.draft and doc.date <= project.today and not decisions.is_withheld("post", doc.slug)
    )


def _unpublished_texts(project: Project, decisions: Decisions) -> Iterator[Needle | None]:
    today = project.today
    for story in project.stories:
        published = (
            story.status == "approved"
            and story.date <= today
            and not decisions.is_withheld("story", story.slug)
        )
        if not published:
            yield _needle(story.title, f"the title of an unpublished story ({story.file})")
            yield _needle(story.summary, f"the summary of an unpublished story ({story.file})")
    for post in project.posts:
        reason = (
            "a draft"
            if post.draft
            else "a future-dated"
            if post.date > today
            else "a withheld"
            if decisions.is_withheld("post", post.slug)
            else ""
        )
        if reason:
            yield _needle(post.title, f"the title of {reason} post ({post.file})")
            if post.summary:
                yield _needle(post.summary, f"the summary of {reason} post ({post.file})")
    for guide in project.guides:
        if decisions.is_withheld("guide", guide.slug):
            yield _needle(guide.title, f"the title of a withheld guide ({guide.file})")


def _public_texts(project: Project) -> Iterator[tuple[str, str, str]]:
    """Yield (text, the field that makes it public, which kinds it may exempt)."""
    config = project.config
    table = config.data.participants
    public = set(config.privacy.public_fields)
    for person in project.participants:
        if not person.is_named:
            continue
        for name in sorted(public):
            value = getattr(person, name)
            for item in value if isinstance(value, tuple) else (value,):
                kinds = "name text grade" if name == "name" else "text grade"
                yield item, f"the public {name} of a consenting participant ({table})", kinds
    for pair in project.pairs:
        if pair.pair_id in project.published_pairs:
            for goal in pair.goals:
                yield goal, f"the goals of a published pair ({config.data.pairs})", "text grade"
    for staff in config.staff:
        yield staff.name, "a member of staff's name (programme.yaml staff)", "name text grade"
        yield staff.title, "a member of staff's title (programme.yaml staff)", "text grade"
        yield staff.bio, "a member of staff's bio (programme.yaml staff)", "text grade"
    section = config.model_dump(
        mode="json",
        include={
            "programme",
            "cohorts",
            "design",
            "session_plan",
            "ground_rules",
            "faq",
            "success_measures",
        },
    )
    for key, value in sorted(section.items()):
        for text in _strings(value):
            yield text, f"the public programme.yaml section '{key}'", "text grade"
    for template in sorted(TEMPLATES.glob("*.j2")):
        yield (
            template.read_text(encoding="utf-8"),
            f"the portal's own wording (generator/templates/{template.name})",
            "text grade",
        )


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


# Organisational units: a value that many participants share describes a group, not a person.
GROUP_COLUMNS = ("department", "location")


def _exemptions(project: Project, needles: Iterable[Needle]) -> dict[Needle, str]:
    """Map each secret that the raw inputs make public to the field that does."""
    minimum = project.config.privacy.min_group_size
    exempt: dict[Needle, str] = {}
    for column in GROUP_COLUMNS:
        counts: dict[str, int] = {}
        for person in project.participants:
            value = fold(getattr(person, column))
            counts[value] = counts.get(value, 0) + 1
        for needle in needles:
            if needle.column == column and counts.get(needle.folded, 0) >= minimum:
                exempt[needle] = f"a {column} that at least {minimum} participants share"
    by_kind: dict[str, list[Needle]] = {}
    for needle in needles:
        if needle.kind in {"text", "grade", "name"} and needle not in exempt:
            by_kind.setdefault(needle.kind, []).append(needle)
    finders = {kind: Finder(group) for kind, group in by_kind.items()}
    # One pass per source field: its texts joined (a line break is a token boundary).
    sources: dict[tuple[str, str], list[str]] = {}
    for text, source, kinds in _public_texts(project):
        if text:
            sources.setdefault((source, kinds), []).append(text)
    for (source, kinds), texts in sources.items():
        folded = fold("\n".join(texts))
        for kind in kinds.split():
            finder = finders.get(kind)
            if finder is not None:
                for needle in finder.found(folded):
                    exempt.setdefault(needle, source)
    return exempt


# --- reading the site ------------------------------------------------------------------


# The offline plugin's copy of the index, for pages opened from a file share.
_INDEX_SCRIPT = re.compile(r"\Avar __index = (?P<index>.*?);?\s*\Z", re.DOTALL)


def _no_prototype(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # JavaScript reads a "__proto__" key as the object's prototype, not as a field: what it
    # holds would be read differently there than here.
    if any(key == "__proto__" for key, _ in pairs):
        raise ValueError("a __proto__ key")
    return dict(pairs)


def _search_entries(text: str, script: bool = False) -> list[str]:
    """Check the search index's entries: titles and texts as HTML (the search box renders them),
    and each location as the address a result links to.

    *script* reads the offline copy (`var __index = {…}`), which the search box loads instead
    of the JSON when pages are opened from a file share.
    """
    if script:
        wrapped = _INDEX_SCRIPT.match(text)
        if wrapped is None:
            return ["is not a readable search index"]
        text = wrapped.group("index")
    try:
        index = json.loads(text, object_pairs_hook=_no_prototype)
    except ValueError:
        return ["is not a readable search index"]
    found: set[str] = set()
    for doc in index.get("docs", []) if isinstance(index, dict) else []:
        if not isinstance(doc, dict):
            continue
        for key in ("title", "text"):
            value = doc.get(key)
            if isinstance(value, str) and "<" in value:
                found.update(f"{problem} (in the search index)" for problem in unsafe_markup(value))
        location = doc.get("location")
        if isinstance(location, str) and runs_script(location):
            found.add("contains a link that would run script (in the search index)")
    return sorted(found)


class ThemeAssets:
    """The files of the installed theme and theme/, recognised by their bytes."""

    def __init__(self, folders: Iterable[Path]) -> None:
        self._by_size: dict[int, list[Path]] = {}
        self._known: dict[int, set[str]] = {}
        for folder in folders:
            for base, _dirs, names in os.walk(folder):
                for name in names:
                    path = Path(base, name)
                    try:
                        size = path.stat().st_size
                    except OSError:
                        continue
                    self._by_size.setdefault(size, []).append(path)

    def __contains__(self, data: object) -> bool:
        if not isinstance(data, bytes):
            return False
        size = len(data)
        candidates = self._by_size.get(size)
        if not candidates:
            return False
        if size not in self._known:
            self._known[size] = {hashlib.sha256(p.read_bytes()).hexdigest() for p in candidates}
        return hashlib.sha256(data).hexdigest() in self._known[size]


# The installed themes whose files an engine copies into a site as they are: mkdocs-material's
# (under ProperDocs or MkDocs), and Zensical's own bundle, which its successor engine ships in
# its package. A file is a theme asset when its bytes are one of these files', whatever engine
# or name put it in the site.
THEME_PACKAGES = (("material", "templates"), ("zensical", ""))


def theme_directories(project_root: Path) -> list[Path]:
    """Return the folders whose files the site engine may copy verbatim into the site."""
    folders = [project_root / "theme"]
    for package, inner in THEME_PACKAGES:
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            folders.append(Path(location) / inner)
    return folders


def audit_site(
    site_dir: Path,
    secrets: Secrets | list[Needle],
    theme: ThemeAssets | None = None,
    remade: frozenset[str] = frozenset(),
) -> list[str]:
    """Return one finding per file and kind of leak (empty when the site is clean).

    *remade* holds the sha256 of every image the build re-encoded; an image not in it is
    refused, as is every other binary file that is not a theme asset. The files are shared
    between the machine's cores (`generator.parallel`); each is read and judged on its own.
    """
    return SiteAudit(secrets, theme, remade)(site_dir)


class SiteAudit:
    """The audit of a built site (`audit_site`), set up before the site is there.

    Setting up (every private value in one search automaton) takes a second at 10,000
    participants; `portal build` does it while the engine builds the site.
    """

    def __init__(
        self,
        secrets: Secrets | list[Needle],
        theme: ThemeAssets | None = None,
        remade: frozenset[str] = frozenset(),
    ) -> None:
        self._check = _FileCheck(secrets, theme, remade)
        self._sources = secrets.sources if isinstance(secrets, Secrets) else None

    def __call__(self, site_dir: Path) -> list[str]:
        """Return the findings on *site_dir* (and the sources it was built from)."""
        jobs = [(path, site_dir, False) for path in sorted(site_dir.rglob("*"))]
        if not site_dir.is_dir():
            jobs = []
        sources = self._sources
        if sources is not None and sources.is_dir() and sources.resolve() != site_dir.resolve():
            # The sources the site was built from: private outputs copied into them.
            jobs += [(path, sources, True) for path in sorted(sources.rglob("*"))]
        findings: set[str] = set()
        for found in shared_map(self._check, jobs):
            findings.update(found)
        return sorted(findings)


class _FileCheck:
    """Judge one file or folder of the site: its path, its kind, its bytes and its text."""

    def __init__(
        self,
        secrets: Secrets | list[Needle],
        theme: ThemeAssets | None,
        remade: frozenset[str],
    ) -> None:
        needles = secrets.searched() if isinstance(secrets, Secrets) else list(secrets)
        self.finder = Finder(needles)
        self.private_files = secrets.private_files if isinstance(secrets, Secrets) else {}
        from generator.images import Likenesses  # Pillow and numpy: only for an audit

        self.pictures = Likenesses(secrets.private_pictures if isinstance(secrets, Secrets) else ())
        self.avatars = secrets.avatars if isinstance(secrets, Secrets) else frozenset()
        self.theme = theme
        self.remade = remade

    def __call__(self, job: tuple[Path, Path, bool]) -> set[str]:
        path, base, source = job
        if source:
            rel = "site_src/" + path.relative_to(base).as_posix()
            return private_output_findings(path, rel, self.private_files)
        rel = path.relative_to(base).as_posix()
        if path.is_symlink():
            return {f"{rel}: a link to another file must never be part of the site"}
        findings = {
            f"{rel}: its path contains {n.what}" for n in self.finder.found(fold_path(rel), True)
        }
        if path.is_file():
            findings.update(f"{rel}: {problem}" for problem in self._file(rel, path))
        return findings

    def _file(self, rel: str, path: Path) -> Iterator[str]:
        suffix = path.suffix.lower()
        data = path.read_bytes()
        yield from _private_output(suffix, data, self.private_files)
        if suffix in DATA_SUFFIXES:
            yield "a data file must never be part of the site"
            return
        if self.theme is not None and data in self.theme:
            return
        if suffix == ".svg" and hashlib.sha256(data).hexdigest() in self.avatars:
            return  # an initials avatar of a public name, byte for byte
        if suffix in IMAGE_SUFFIXES or suffix == ".svg":  # an SVG anywhere is a picture
            yield from self._image(suffix, data)
            if suffix != ".svg":
                return
        if suffix in COMPRESSED_SUFFIXES:
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError):
                yield "a compressed file that cannot be read"
                return
        elif suffix not in TEXT_SUFFIXES:
            yield "a kind of file the portal never publishes"
            if suffix in READ_FOR_MARKER and _FOLDED_MARKER in fold(
                data.decode("utf-8", "replace")
            ):
                yield f"contains {PRIVATE_OUTPUT}"
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            yield "not text, though its name says it is"
            return
        if b"\x1b" in data:
            # ESC switches ISO-2022 encodings, which browsers may pick even for valid UTF-8.
            yield "contains an ESC control character (it switches some encodings)"
        if rel.endswith((".xml", ".xml.gz")):
            yield from _sitemap_problems(data)
        if suffix in {".html", ".htm"}:
            yield from unsafe_markup(data)
        if rel.endswith(("search_index.json", "search_index.js")):
            yield from _search_entries(text, script=suffix == ".js")
        folded = fold(text)
        if _FOLDED_MARKER in folded:
            yield f"contains {PRIVATE_OUTPUT}"
        yield from (f"contains {n.what}" for n in self.finder.found(folded))

    def _image(self, suffix: str, data: bytes) -> Iterator[str]:
        """A published picture: one the build re-made, with no metadata, like no private one."""
        from generator.images import likeness, verify_published_image

        problem = verify_published_image(data, suffix)
        if problem:
            yield problem
        elif suffix != ".svg" and hashlib.sha256(data).hexdigest() not in self.remade:
            yield "an image the build did not re-make"
        if suffix != ".svg" and self.pictures:
            thumb = likeness(data)
            yield from (
                f"{what} (the same picture, re-encoded or resized)"
                for what in (self.pictures.like(thumb) if thumb is not None else ())
            )


_SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_SITEMAP_TAGS = frozenset(
    _SITEMAP + name for name in ("urlset", "url", "loc", "lastmod", "changefreq", "priority")
)


def _sitemap_problems(data: bytes) -> Iterator[str]:
    """The one XML file of a site is its sitemap: only the sitemap's elements, nothing else.

    A browser shows XML with its own rendering, so an element in the XHTML or SVG namespace, or
    a style sheet named by a processing instruction (XSLT), would run as a page does.
    """
    builder = _SitemapBuilder()
    try:
        parser = DefusedXMLParser(target=builder, forbid_dtd=True)
        parser.feed(data)
        root = parser.close()
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        yield "is not a readable sitemap (XML that a browser could run as a page)"
        return
    if builder.instructions or any(
        element.tag not in _SITEMAP_TAGS or element.attrib for element in root.iter()
    ):
        yield "holds more than a sitemap (XML that a browser could run as a page)"


class _SitemapBuilder(ElementTree.TreeBuilder):
    """Build the tree, and count processing instructions wherever they stand (before the root
    too, where an `xml-stylesheet` names the XSLT that would turn the file into a page)."""

    def __init__(self) -> None:
        super().__init__()
        self.instructions = 0

    def pi(self, target: str, text: str | None = None) -> ElementTree.Element:
        self.instructions += 1
        return super().pi(target, text)


_MARKER = PRIVATE_MARKER.lower().encode("ascii")
_FOLDED_MARKER = fold(PRIVATE_MARKER)
