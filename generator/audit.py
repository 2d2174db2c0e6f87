"""Audit stage: scan every built file for private values; any hit fails the build.

The audit does not trust the public view: it collects the values that must never be published
straight from the private model (emails, ids, grades, managers, org chart ids, unlisted columns,
people without consent, unpublished content) and looks for each of them in every file of the
built site, after undoing HTML and JSON escaping. A finding names the file and the field, never
the value.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from generator.config import PUBLISHABLE_FIELDS
from generator.model import Participant, Project
from generator.public import PublicSite

DATA_SUFFIXES = frozenset({".csv", ".xlsx", ".xlsm", ".xls", ".tsv", ".ods"})
# Values shorter than this are too common to search for without drowning in false alarms.
MIN_LENGTH = 4
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_WORD = re.compile(r"\w")
# A URL attribute inside a real tag (text that merely shows "<a href=...>" is escaped as &lt;a).
_URL_ATTRIBUTE = re.compile(
    r"""<[A-Za-z][^<>]*?\s(?:href|src|action|formaction)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""",
    re.IGNORECASE,
)
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20]+")
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:text")


@dataclass(frozen=True)
class Secret:
    """A value that must not appear in the site, and what it is (never the value itself)."""

    value: str
    what: str


def _participant_secrets(
    person: Participant, project: Project, public_fields: set[str]
) -> Iterator[Secret]:
    table = project.config.data.participants
    yield Secret(person.email, f"a participant's email ({table} column 'email')")
    yield Secret(person.id, f"a participant id ({table} column 'id')")
    if person.manager_id:
        yield Secret(person.manager_id, f"a manager id ({table} column 'manager_id')")
    yield Secret(person.grade, f"a grade ({table} column 'grade')")
    for column, value in sorted(person.extra.items()):
        yield Secret(value, f"a private column ({table} column '{column}')")
    if not person.is_named:
        yield Secret(
            person.name, f"the name of a participant without consent ({table} column 'name')"
        )
        for name in ("bio", "job_title"):
            yield Secret(
                getattr(person, name),
                f"a field of a participant without consent ({table} column '{name}')",
            )
        return
    for name in PUBLISHABLE_FIELDS:
        if name in public_fields:
            continue
        value = getattr(person, name)
        for item in value if isinstance(value, tuple) else (value,):
            # A named person's unlisted field is low-risk; one ordinary word ("Running") would
            # raise false alarms everywhere, so only distinctive, multi-word values are searched.
            if len(item.split()) >= 2:
                yield Secret(item, f"a non-public field ({table} column '{name}')")


def collect_secrets(project: Project, site: PublicSite, template_text: str = "") -> list[Secret]:
    """List every private value, minus those that are also public in their own right.

    A value that the public view lets through for another reason (a department shared by a
    named person) or that the portal's own templates use (a grade called "Manager" next to
    "line manager") cannot be told apart from a leak, so it is not searched for.
    """
    public_fields = set(project.config.privacy.public_fields)
    secrets: list[Secret] = []
    for person in project.participants:
        secrets.extend(_participant_secrets(person, project, public_fields))
    for pair in project.pairs:
        secrets.append(
            Secret(pair.pair_id, f"a pair id ({project.config.data.pairs} column 'pair_id')")
        )
    # The org chart never reaches the public view; its ids are searched for all the same.
    participant_ids = {person.id for person in project.participants}
    org_chart = project.config.data.people
    secrets.extend(
        Secret(person_id, f"an org chart id ({org_chart} column 'id')")
        for person_id in sorted(project.org_chart)
        if person_id not in participant_ids
    )
    published_posts = {p.slug for p in site.posts if not p.draft}
    for post in project.posts:
        if post.slug not in published_posts:
            reason = (
                "a draft"
                if post.draft
                else "future-dated"
                if post.date > project.today
                else "unpublished"
            )
            secrets.append(Secret(post.title, f"the title of {reason} post ({post.file})"))
    published_stories = {s.slug for s in site.stories if not s.draft}
    for story in project.stories:
        if story.slug not in published_stories:
            secrets.append(Secret(story.title, f"the title of an unpublished story ({story.file})"))
    candidates = []
    for secret in secrets:
        value = " ".join(secret.value.split())
        if len(value) >= MIN_LENGTH and _WORD.search(value):
            candidates.append(Secret(value, secret.what))
    # One pass over the public text finds every candidate it contains (a department that is
    # private for one person and public for another); those cannot be told from a leak.
    public_text = _public_corpus(site) + "\n" + template_text.casefold()
    finder = ahocorasick.Automaton()
    for secret in candidates:
        finder.add_word(secret.value.casefold(), secret.value.casefold())
    public_values: set[str] = set()
    if candidates:
        finder.make_automaton()
        public_values = {key for _end, key in finder.iter(public_text)}
    return [s for s in candidates if s.value.casefold() not in public_values]


def _public_corpus(site: PublicSite) -> str:
    """Return all text the public view lets through, case-folded, for excluding shared values."""
    parts: list[str] = []
    for person in site.people + site.staff:
        parts += [
            person.name,
            person.job_title,
            person.department,
            person.location,
            person.bio,
            person.pronouns,
            *person.skills_offered,
            *person.skills_wanted,
            *person.interests,
        ]
    for pair in site.pairs:
        parts += [*pair.goals, pair.cohort_name]
    for story in site.stories:
        parts += [story.title, story.summary, story.body, *story.tags]
    for post in site.posts:
        parts += [post.title, post.summary, post.body, *post.categories, *post.tags]
    parts.append(
        json.dumps(
            site.config.model_dump(mode="json", exclude={"grades", "data", "matching", "publish"})
        )
    )
    return html.unescape("\n".join(parts)).casefold()


def _normalised(raw: str) -> str:
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), raw)
    text = text.replace('\\"', '"').replace("\\/", "/")
    return " ".join(html.unescape(html.unescape(text)).split()).casefold()


def _automaton(secrets: Iterable[Secret]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for secret in secrets:
        key = secret.value.casefold()
        existing = automaton.get(key, ())
        automaton.add_word(
            key, (key, (*existing[1], secret.what)) if existing else (key, (secret.what,))
        )
    automaton.make_automaton()
    return automaton


def _is_word_at(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] stands as a whole word (so 'P12' does not match 'P123')."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "_-") and not (after.isalnum() or after in "_-")


def theme_directories(project_root: Path) -> list[Path]:
    """Return the folders whose static files MkDocs copies verbatim into the site."""
    import material

    return [project_root / "theme", Path(material.__file__).parent / "templates"]


def _verbatim_theme_copy(rel: str, data: bytes, theme_dirs: list[Path]) -> bool:
    """Whether a built file is byte-for-byte a theme asset (made by nobody's data)."""
    for folder in theme_dirs:
        source = folder / rel
        if source.is_file() and source.stat().st_size == len(data) and source.read_bytes() == data:
            return True
    return False


def audit_site(
    site_dir: Path, secrets: list[Secret], theme_dirs: list[Path] | None = None
) -> list[str]:
    """Return one finding per file and field where a private value appears (empty when clean)."""
    findings: set[str] = set()
    automaton = _automaton(secrets) if secrets else None
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(site_dir).as_posix()
        if path.suffix.lower() in DATA_SUFFIXES:
            findings.add(f"{rel}: a data file must never be part of the site")
            continue
        data = path.read_bytes()
        if theme_dirs and _verbatim_theme_copy(rel, data, theme_dirs):
            continue
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # images and fonts: no text to leak through
        if rel.endswith(".html"):
            findings.update(f"{rel}: {problem}" for problem in unsafe_markup(raw))
        if automaton is None:
            continue
        text = _normalised(raw)
        for end, (key, whats) in automaton.iter(text):
            start = end - len(key) + 1
            if _is_word_at(text, start, end + 1):
                findings.update(f"{rel}: contains {what}" for what in whats)
    return sorted(findings)


def unsafe_markup(page: str) -> list[str]:
    """Return what in a built page could run script from a link (a net behind the public view)."""
    found = []
    for match in _URL_ATTRIBUTE.finditer(page):
        value = html.unescape(match.group(1).strip("\"'"))
        if ":" not in value:
            continue  # a relative link: no scheme, nothing to run
        squashed = _CONTROL_OR_SPACE.sub("", value).casefold()
        if squashed.startswith(_UNSAFE_SCHEMES):
            found.append("contains a link that would run script (from participant text)")
    return sorted(set(found))
