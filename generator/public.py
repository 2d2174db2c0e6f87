"""Public view: the only door from private data to pages.

Renderers receive the objects built here and nothing else. A participant becomes a
`PublicPerson` only with consent `named`, carrying only the programme's public fields; a pair
appears only when both people consented; a story only when approved, consented and not in the
future; a post only when it is neither a draft nor future-dated (drafts are let through, marked,
only for `portal serve`). Participant-written text is made inert here, once: plain fields become
Markdown text that cannot start any syntax, and Markdown bodies lose raw HTML, attribute lists,
snippet markers and unsafe link schemes.

The impact figures come from `generator.impact` already suppressed, as aggregates; the only
answers that pass are a chart's (before, after) points, sorted by value, for a measure whose
overall has at least the minimum group size. The home page's key figures count the same pairs
the impact page does (`impact.headline_pairs`), so one page minus the other reveals no small
group. A pair's progress lists its sessions on their real dates, from the sessions table.
Tags are merged here too: one spelling per tag, and a hand-written tag naming a cohort becomes
the cohort's automatic tag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

from generator.config import Cohort, ProgrammeConfig
from generator.impact import (
    Impact,
    MeasureImpact,
    MeasureResult,
    ProgrammeImpact,
    ProgrammeResult,
    compute_impact,
    countable,
    headline_pairs,
    pooled_scores,
)
from generator.model import Guide, ImageFile, Pair, Participant, Project, Session
from generator.pages import avatar_path, letters_id
from generator.public_programme import PublicProgramme, public_programme
from generator.validate import image_key
from generator.withhold import Decisions

# --- making text inert -------------------------------------------------------------------

# Every ASCII punctuation mark that can start Markdown, HTML, attr_list, Jinja, emoji or
# snippet syntax becomes a numeric character reference: it displays the same, and does nothing.
_ACTIVE = re.compile(r"[\\`*_{}\[\]()<>#+\-.!|:~^=&\"'$%@]")
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


def _normalise(value: str) -> str:
    return _CONTROL.sub("", unicodedata.normalize("NFC", value))


def md_text(value: str) -> str:
    """Return plain text as Markdown that renders exactly that text and nothing else."""
    single = " ".join(_normalise(value).split())
    return _ACTIVE.sub(lambda m: f"&#{ord(m.group())};", single)


def plain(value: str) -> str:
    """Return text as one normalised line: no control characters, single spaces.

    The result is still raw text. The renderer escapes it for where it goes: `md_text` inside a
    page, `theme_text` (HTML escaping) in front matter and everything the theme prints.
    """
    return " ".join(_normalise(value).split())


def theme_text(value: str) -> str:
    """Return text HTML-escaped for the theme: titles, descriptions, names, tags, categories.

    mkdocs-material prints these without escaping; escaped here, they show as written.
    """
    # The theme quotes attributes with '"': apostrophes can stay as they are.
    return html.escape(plain(value), quote=False).replace('"', "&quot;")


_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")


def md_body(text: str) -> str:
    """Return participant-written Markdown, kept as written but for what HTML cannot judge.

    Whether the Markdown becomes safe HTML is decided after Markdown has run, by the HTML
    allow-list in the build (`generator.sanitise`). Only two things are settled here: a body
    line of `---` or `...` becomes a rule that cannot be read as a front-matter fence, and a
    fence left open is closed, so it cannot swallow the rest of the page's template.
    """
    lines = _normalise(text).replace("\r\n", "\n").split("\n")
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        opening = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if opening and opening.group(2)[0] == fence[0] and len(opening.group(2)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(2)
            out.append(line)
            continue
        out.append("* * *" if line.strip() in {"---", "..."} else line)
    if fence is not None:
        out.append(fence)
    return "\n".join(out).strip("\n")


# --- opaque ids ----------------------------------------------------------------------------


def site_secret(config: ProgrammeConfig) -> str:
    """Return the key of the site's opaque ids: privacy.url_secret, with the programme's name.

    Without the url_secret the key would be public (the organisation and programme name are on
    every page), and anyone could compute the page address of each pair id and person id.
    """
    programme = config.programme
    return f"{programme.organisation}\x00{programme.name}\x00{config.privacy.url_secret}"


def opaque_id(kind: str, value: str, secret: str) -> str:
    """Return a stable, meaningless 10-letter id for a pair or person, keyed by *secret*."""
    return letters_id(kind, value, hashlib.sha256(secret.encode()).digest())


# --- public objects --------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicPerson:
    """A consenting participant or member of staff, with only publishable fields (already inert)."""

    key: str
    name: str
    role: str
    pronouns: str = ""
    job_title: str = ""
    department: str = ""
    location: str = ""
    skills_offered: tuple[str, ...] = ()
    skills_wanted: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    bio: str = ""
    photo: str = ""
    display_name: str = ""
    avatar: bool = False  # the photo is an initials avatar the renderer draws


SessionState = Literal["held", "cancelled", "planned"]


@dataclass(frozen=True)
class PairSession:
    """One line of a pair's progress: a session held or cancelled (real date), or still to come.

    *number* is the session's place in the session plan (a cancelled session has none: the
    plan moves on only when a session is held); *title* is that plan session's title, for a
    cancelled one the session it was to be. A planned session's *date* continues from the last
    held session at the cohort's cadence, and is None when it cannot be known (the pair is
    paused, or the date it would have had is already past).
    """

    number: int | None
    title: str
    date: dt.date | None
    state: SessionState
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublicPair:
    """A pair whose two people both consented to be named."""

    key: str
    cohort_id: str
    cohort_name: str
    status: str
    mentor: PublicPerson
    mentee: PublicPerson
    start_date: dt.date | None
    goals: tuple[str, ...]
    mentor_brings: tuple[str, ...]
    shared_interests: tuple[str, ...]
    reasons: tuple[str, ...]
    sessions: tuple[PairSession, ...]
    sessions_held: int
    sessions_planned: int
    stories: tuple[str, ...] = ()
    posts: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """Return the page title: both names."""
        return f"{self.mentor.display_name} and {self.mentee.display_name}"

    @property
    def cancelled(self) -> int:
        """Return how many sessions were cancelled."""
        return sum(1 for s in self.sessions if s.state == "cancelled")

    @property
    def to_come(self) -> tuple[PairSession, ...]:
        """Return the sessions still to come."""
        return tuple(s for s in self.sessions if s.state == "planned")


@dataclass(frozen=True)
class PublicStory:
    """An approved, consented story (anonymous ones carry roles, not people)."""

    slug: str
    title: str
    date: dt.date
    summary: str
    tags: tuple[str, ...]
    body: str
    anonymous: bool
    image: str
    pair_key: str = ""
    people: tuple[PublicPerson, ...] = ()
    byline: str = ""
    draft: bool = False
    withheld: str = ""  # in the preview only: why the build leaves it out
    # The cohort it belongs to: its pair's, or the one its own tags name (anonymous ones too).
    cohort_id: str = ""


@dataclass(frozen=True)
class PublicPost:
    """A blog post that is published (or, in preview, a draft shown as such)."""

    slug: str
    title: str
    date: dt.date
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    summary: str
    body: str
    draft: bool = False
    withheld: str = ""


@dataclass(frozen=True)
class PublicGuide:
    """A hand-written guide from content/guides/ (its body may use programme variables)."""

    slug: str
    file: str
    title: str
    body: str
    order: int
    withheld: str = ""


@dataclass(frozen=True)
class Figure:
    """A key figure for the home page; None when suppressed for privacy."""

    label: str
    value: int | None
    note: str = ""


@dataclass(frozen=True)
class PublicImpact:
    """The impact page's figures: aggregates only, small groups already suppressed.

    *points* holds, per measure, the (before, after) answers behind its overall figures, sorted
    by value so nothing says whose they are; a measure has points only when its overall is
    shown, which needs at least the minimum group size of people.
    """

    as_of: dt.date
    min_group_size: int
    measures: tuple[MeasureImpact, ...]
    programme: ProgrammeImpact
    points: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        """Whether any measure or programme figure of a completed cohort is shown."""
        return self.programme.overall.status == "shown" or any(
            m.overall.status == "shown" for m in self.measures
        )

    def cohort_results(self, cohort_id: str) -> list[tuple[MeasureImpact, MeasureResult]]:
        """Return each measure with its result for one cohort."""
        return [
            (m, next(r for r in m.cohorts if r.scope == cohort_id))
            for m in self.measures
            if any(r.scope == cohort_id for r in m.cohorts)
        ]

    def cohort_programme(self, cohort_id: str) -> ProgrammeResult | None:
        """Return the programme figures of one cohort (None if it has none)."""
        return next((r for r in self.programme.cohorts if r.scope == cohort_id), None)


def public_impact(project: Project, impact: Impact | None = None) -> PublicImpact:
    """Copy the already-suppressed impact figures, with each shown measure's chart points."""
    impact = impact or compute_impact(project)
    minimum = project.config.privacy.min_group_size
    points = {
        m.key: pooled_scores(project, m)
        for m in impact.measures
        if m.overall.status == "shown" and (m.overall.n.raw or 0) >= minimum
    }
    return PublicImpact(
        as_of=impact.as_of,
        min_group_size=impact.min_group_size,
        measures=impact.measures,
        programme=impact.programme,
        points=MappingProxyType(points),
    )


@dataclass(frozen=True)
class PublicSite:
    """Everything a page may show."""

    programme: PublicProgramme
    today: dt.date
    people: tuple[PublicPerson, ...]
    staff: tuple[PublicPerson, ...]
    pairs: tuple[PublicPair, ...]
    stories: tuple[PublicStory, ...]
    posts: tuple[PublicPost, ...]
    guides: tuple[PublicGuide, ...]
    figures: tuple[Figure, ...]
    images: Mapping[str, str]
    impact: PublicImpact | None = None
    unpublished_pairs: Mapping[str, int] = field(default_factory=dict)
    preview: bool = False

    def pairs_in(self, cohort_id: str) -> list[PublicPair]:
        """Return the cohort's public pairs, in page order."""
        return [p for p in self.pairs if p.cohort_id == cohort_id]

    def stories_in(self, cohort_id: str) -> list[PublicStory]:
        """Return the cohort's stories, newest first."""
        return [s for s in self.stories if s.cohort_id == cohort_id]

    def authors(self) -> tuple[PublicPerson, ...]:
        """Return the people and staff who wrote at least one of the posts, by key."""
        used = {a for post in self.posts for a in post.authors}
        return tuple(
            sorted((p for p in self.people + self.staff if p.key in used), key=lambda p: p.key)
        )


def _person(
    participant: Participant, config: ProgrammeConfig, secret: str, images: Mapping[str, ImageFile]
) -> PublicPerson:
    """Copy only the allow-listed fields of a consenting participant."""
    allowed = set(config.privacy.public_fields)

    def text(name: str) -> str:
        return md_text(getattr(participant, name)) if name in allowed else ""

    def many(name: str) -> tuple[str, ...]:
        return tuple(md_text(v) for v in getattr(participant, name)) if name in allowed else ()

    key = opaque_id("person", participant.id, secret)
    photo = ""
    image = images.get(image_key(participant.photo)) if participant.photo else None
    if "photo" in allowed and image is not None and image.is_raster:
        # Photo files are often named after the employee id: publish them under the opaque key,
        # with the suffix of what the file really is.
        photo = f"images/people/{key}{image.suffix}"
    return PublicPerson(
        key=key,
        name=md_text(participant.name),
        display_name=plain(participant.name),
        role=participant.role,
        pronouns=text("pronouns"),
        job_title=text("job_title"),
        department=text("department"),
        location=text("location"),
        skills_offered=many("skills_offered"),
        skills_wanted=many("skills_wanted"),
        interests=many("interests"),
        bio=text("bio"),
        photo=photo or avatar_path(plain(participant.name)),
        avatar=not photo,
    )


def _match_reasons(
    mentor: Participant, mentee: Participant, config: ProgrammeConfig
) -> tuple[str, ...]:
    """Explain why a pair was matched, naming rules met but never a grade."""
    rules = config.matching
    reasons = [
        "The mentor is a more junior colleague, as the programme requires, "
        "so the usual direction of advice is reversed."
    ]
    if rules.exclude_direct_line:
        reasons.append(
            "Neither is in the other's reporting line"
            + (" (directly or one level removed)" if rules.exclude_skip_level else "")
            + ", so sessions can be candid."
        )
    public = set(config.privacy.public_fields)
    for column in rules.must_differ:
        if column == "department" and "department" in public:
            reasons.append(
                "They work in different departments, "
                "so each sees a part of the organisation that is new to them."
            )
    for column in rules.must_match:
        if column == "location" and "location" in public:
            reasons.append("They work in the same place, so they can meet in person.")
    wanted = {s.casefold() for s in mentee.skills_wanted}
    overlap = [s for s in mentor.skills_offered if s.casefold() in wanted]
    if overlap and {"skills_offered", "skills_wanted"} <= public:
        reasons.append(
            "What the mentor offers matches what the mentee wants to learn "
            f"({len(overlap)} in common)."
        )
    shared = {s.casefold() for s in mentee.interests} & {s.casefold() for s in mentor.interests}
    if shared and "interests" in public:
        reasons.append(f"They share {len(shared)} interest{'s' if len(shared) > 1 else ''}.")
    return tuple(reasons)


def _progress(
    pair: Pair,
    cohort: Cohort,
    sessions: Sequence[Session],
    titles: Mapping[int, str],
    today: dt.date,
) -> tuple[PairSession, ...]:
    """List a pair's sessions: held and cancelled ones on their real dates, then those to come.

    Dates are calendar dates as the sessions table holds them (no time, no zone), so a session
    held on 31 December shows on 31 December. Sessions still to come continue from the last held
    session at the cohort's cadence (from the pair's start when none was held); a completed or
    withdrawn pair has none to come, a paused one has them without dates.
    """

    def title(number: int) -> str:
        return md_text(titles.get(number, f"Session {number}"))

    rows: list[PairSession] = []
    held = 0
    last_held: dt.date | None = None
    # On one day a held session comes before a cancelled one: the plan moved on that day.
    for session in sorted(sessions, key=lambda s: (s.date, s.status != "held")):
        topics = tuple(md_text(t) for t in session.topics)
        if session.status == "held":
            held += 1
            last_held = session.date
            rows.append(PairSession(held, title(held), session.date, "held", topics))
        else:
            rows.append(PairSession(None, title(held + 1), session.date, "cancelled", topics))
    if pair.status not in {"active", "paused"}:
        return tuple(rows)
    cadence = dt.timedelta(weeks=cohort.cadence_weeks)
    start = pair.start_date or cohort.start
    known = pair.status == "active"
    for number in range(held + 1, cohort.sessions + 1):
        date: dt.date | None = None
        if known:
            date = (
                last_held + cadence * (number - held)
                if last_held is not None
                else start + cadence * (number - 1)
            )
            if date < today:
                # Overdue: the next dates are the pair's to arrange, not ours to guess.
                known, date = False, None
        rows.append(PairSession(number, title(number), date, "planned"))
    return tuple(rows)


# --- tags ------------------------------------------------------------------------------------

# Two spellings are one tag when they differ only in case and spacing ("Power BI", "power bi",
# "power-bi"); a tag names a cohort when its letters and digits are the cohort's id, its name, or
# "cohort" and its number ("cohort 1", "Cohort-1", "c1-2025").
_SPACING = re.compile(r"[\s_\-]+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_COHORT_NUMBER = re.compile(r"\bcohort\s*(\d+)", re.IGNORECASE)
PAIRS_TAG = "pairs"


def tag_key(tag: str) -> str:
    """Return what all spellings of one tag share: case folded, spacing and hyphens removed."""
    return _SPACING.sub("", unicodedata.normalize("NFKC", tag).casefold())


def _alnum(text: str) -> str:
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def cohort_tag(cohort_name: str) -> str:
    """Return the automatic tag of a cohort (plain text: the renderer escapes it)."""
    return plain(cohort_name)


@dataclass(frozen=True)
class TagSpellings:
    """One spelling per tag, and which tags name a cohort (they become its automatic tag)."""

    spelling: Mapping[str, str]  # tag_key -> the spelling used everywhere
    cohorts: Mapping[str, str]  # letters and digits of a cohort's name, id or "cohortN" -> id
    cohort_tags: Mapping[str, str]  # cohort id -> its automatic tag

    @classmethod
    def of(cls, cohorts: Sequence[Cohort], tag_lists: Iterable[Sequence[str]]) -> TagSpellings:
        """Choose each tag's spelling: the automatic one, else the most used (ties: sorted)."""
        aliases: dict[str, set[str]] = defaultdict(set)
        for position, cohort in enumerate(cohorts, start=1):
            number = _COHORT_NUMBER.search(cohort.name)
            for alias in (
                cohort.id,
                cohort.name,
                f"cohort {number.group(1) if number else position}",
            ):
                aliases[_alnum(alias)].add(cohort.id)
        # An alias two cohorts share ("cohort 1" for two cohorts called Cohort 1) names neither.
        by_alias = {alias: next(iter(ids)) for alias, ids in aliases.items() if len(ids) == 1}
        cohort_tags = {c.id: cohort_tag(c.name) for c in cohorts}
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for tags in tag_lists:
            for tag in map(plain, tags):
                if tag and _alnum(tag) not in by_alias:
                    counts[tag_key(tag)][tag] += 1
        spelling = {
            key: min(seen.items(), key=lambda item: (-item[1], item[0]))[0]
            for key, seen in counts.items()
        }
        for automatic in (PAIRS_TAG, *cohort_tags.values()):
            spelling[tag_key(automatic)] = automatic
        return cls(spelling, by_alias, cohort_tags)

    def one(self, tag: str) -> str:
        """Return the spelling of one tag (a cohort's automatic tag when it names a cohort)."""
        cohort = self.cohorts.get(_alnum(tag))
        if cohort is not None:
            return self.cohort_tags[cohort]
        return self.spelling.get(tag_key(tag), plain(tag))

    def merge(self, tags: Iterable[str]) -> tuple[str, ...]:
        """Return tags in their chosen spellings, each once, in their first order."""
        return tuple(dict.fromkeys(self.one(t) for t in tags if t.strip()))

    def cohort_of(self, tags: Iterable[str]) -> str:
        """Return the cohort the tags name, if exactly one ('' otherwise)."""
        named = {self.cohorts[_alnum(t)] for t in tags if _alnum(t) in self.cohorts}
        return next(iter(named)) if len(named) == 1 else ""


def _suppress(count: int, minimum: int) -> int | None:
    return count if count >= minimum else None


@dataclass(frozen=True)
class _Selection:
    """Shared inputs of the selection steps."""

    project: Project
    by_id: Mapping[str, Participant]
    named: Mapping[str, Participant]
    people: Mapping[str, PublicPerson]
    preview: bool
    decisions: Decisions

    def withheld(self, kind: str, slug: str) -> str | None:
        """Return why a document is withheld ('' in the preview shows it), or None if it is not."""
        return self.decisions.withheld.get((kind, slug))


def build_public_view(
    project: Project, decisions: Decisions | None = None, preview: bool = False
) -> PublicSite:
    """Select and copy everything publishable; nothing else leaves this function."""
    config = project.config
    secret = site_secret(config)
    by_id = project.participant_index()
    named = {pid: p for pid, p in sorted(by_id.items()) if p.is_named}
    people = {pid: _person(p, config, secret, project.images) for pid, p in named.items()}
    selection = _Selection(project, by_id, named, people, preview, decisions or Decisions())

    pairs, unpublished = _select_pairs(selection, secret)
    stories = _select_stories(selection, pairs)
    posts = _select_posts(selection)
    tags = TagSpellings.of(config.cohorts, [*(s.tags for s in stories), *(p.tags for p in posts)])
    stories = [
        replace(s, tags=tags.merge(s.tags), cohort_id=s.cohort_id or tags.cohort_of(s.tags))
        for s in stories
    ]
    posts = [replace(p, tags=tags.merge(p.tags)) for p in posts]
    linked = _link_related(selection, pairs, stories, posts)
    impact = compute_impact(project)

    used = {p.key for pair in linked for p in (pair.mentor, pair.mentee)}
    used |= {a for post in posts for a in post.authors}
    used |= {p.key for story in stories for p in story.people}
    public_people = tuple(p for p in people.values() if p.key in used)
    staff = tuple(
        PublicPerson(
            key=s.id,
            name=md_text(s.name),
            display_name=plain(s.name),
            role="staff",
            job_title=md_text(s.title),
            bio=md_text(s.bio),
            photo=avatar_path(plain(s.name)),
            avatar=True,
        )
        for s in sorted(config.staff, key=lambda s: s.id)
    )
    return PublicSite(
        programme=public_programme(config),
        today=project.today,
        people=public_people,
        staff=staff,
        pairs=tuple(sorted(linked, key=lambda p: (p.cohort_id, p.title.casefold(), p.key))),
        stories=tuple(stories),
        posts=tuple(posts),
        guides=_select_guides(selection),
        figures=_figures(project, impact, len(stories)),
        images=_collect_images(selection, public_people, stories, posts),
        impact=public_impact(project, impact),
        unpublished_pairs=dict(sorted(unpublished.items())),
        preview=preview,
    )


def _select_pairs(sel: _Selection, secret: str) -> tuple[dict[str, PublicPair], dict[str, int]]:
    """Keep approved pairs whose two people both consented; count the others per cohort."""
    project, config = sel.project, sel.project.config
    public_fields = set(config.privacy.public_fields)
    cohorts = {c.id: c for c in config.cohorts}
    titles = {s.number: s.title for s in config.session_plan}
    sessions_of: dict[str, list[Session]] = defaultdict(list)
    for session in project.sessions:
        sessions_of[session.pair_id].append(session)
    pairs: dict[str, PublicPair] = {}
    unpublished: dict[str, int] = defaultdict(int)
    for pair in sorted(project.pairs, key=lambda p: (p.cohort, p.pair_id)):
        if not pair.is_approved:
            continue
        if pair.pair_id not in project.published_pairs:
            unpublished[pair.cohort] += 1
            continue
        mentor, mentee = sel.by_id[pair.mentor_id], sel.by_id[pair.mentee_id]
        brings: tuple[str, ...] = ()
        if {"skills_offered", "skills_wanted"} <= public_fields:
            wanted = {s.casefold() for s in mentee.skills_wanted}
            brings = tuple(md_text(s) for s in mentor.skills_offered if s.casefold() in wanted)
        shared: tuple[str, ...] = ()
        if "interests" in public_fields:
            theirs = {i.casefold() for i in mentee.interests}
            shared = tuple(md_text(s) for s in mentor.interests if s.casefold() in theirs)
        cohort = cohorts[pair.cohort]
        progress = _progress(pair, cohort, sessions_of[pair.pair_id], titles, project.today)
        pairs[pair.pair_id] = PublicPair(
            key=opaque_id("pair", pair.pair_id, secret),
            cohort_id=pair.cohort,
            cohort_name=plain(cohort.name),
            status=pair.status,
            mentor=sel.people[pair.mentor_id],
            mentee=sel.people[pair.mentee_id],
            start_date=pair.start_date,
            goals=tuple(md_text(g) for g in pair.goals),
            mentor_brings=brings,
            shared_interests=shared,
            reasons=_match_reasons(mentor, mentee, config),
            sessions=progress,
            sessions_held=sum(1 for s in progress if s.state == "held"),
            sessions_planned=cohort.sessions,
        )
    return pairs, unpublished


_MASK = "*(withheld from the preview: this line holds a private value)*"


def _masked(sel: _Selection, kind: str, slug: str, name: str, value: str) -> str:
    """Return a field's text, or a mask when it holds a private value of a withheld document."""
    return "(withheld)" if name in sel.decisions.masked.get((kind, slug), ()) else value


def _masked_body(sel: _Selection, kind: str, slug: str, body: str, first_line: int) -> str:
    """Return a body with each line that holds a private value replaced by a note."""
    lines = sel.decisions.masked.get((kind, slug), frozenset())
    if not any(isinstance(n, int) for n in lines):
        return body
    return "\n".join(
        _MASK if first_line + i in lines else line for i, line in enumerate(body.split("\n"))
    )


def _admit(sel: _Selection, kind: str, slug: str) -> tuple[bool, str]:
    """Whether a document goes in (withheld ones only in the preview), and why it is withheld."""
    why = sel.withheld(kind, slug)
    if why is None:
        return True, ""
    return sel.preview, why


def _select_stories(sel: _Selection, pairs: Mapping[str, PublicPair]) -> list[PublicStory]:
    """Keep approved, consented, dated stories (drafts in preview); anonymous ones lose people."""
    project = sel.project
    pair_by_id = {p.pair_id: p for p in project.pairs}
    stories: list[PublicStory] = []
    for story in sorted(project.stories, key=lambda s: (s.date, s.slug), reverse=True):
        if story.date > project.today:
            continue
        if story.status != "approved" and not (sel.preview and story.status == "draft"):
            continue
        admitted, why = _admit(sel, "story", story.slug)
        if not admitted:
            continue

        def field(name: str, value: str, slug: str = story.slug) -> str:
            return _masked(sel, "story", slug, name, plain(value))

        base = PublicStory(
            slug=story.slug,
            title=field("title", story.title),
            date=story.date,
            summary=field("summary", story.summary),
            tags=tuple(field("tags", t) for t in story.tags),
            body=md_body(_masked_body(sel, "story", story.slug, story.body, story.body_line)),
            anonymous=story.anonymous,
            image=image_key(story.image) if story.image else "",
            draft=story.status != "approved",
            withheld=why,
        )
        source_pair = pair_by_id.get(story.pair)
        if story.anonymous:
            byline = sel.decisions.bylines.get(story.slug, "A pair from the programme")
            stories.append(replace(base, byline=byline))
            continue
        public_pair = pairs.get(story.pair) if story.pair else None
        if source_pair is not None and public_pair is None:
            if why:  # the preview of a story withheld because its pair cannot be named
                stories.append(replace(base, byline="(withheld)"))
            continue  # a named story about a pair that cannot be named is never published
        members = (source_pair.mentor_id, source_pair.mentee_id) if source_pair else ()
        consented = all(pid in story.consent and pid in sel.named for pid in members)
        if story.status == "approved" and not consented:
            continue
        stories.append(
            replace(
                base,
                pair_key=public_pair.key if public_pair else "",
                people=tuple(sel.people[pid] for pid in members),
                cohort_id=public_pair.cohort_id if public_pair else "",
            )
        )
    return stories


def _select_posts(sel: _Selection) -> list[PublicPost]:
    """Keep dated posts (drafts too in preview), without authors who withdrew consent."""
    project = sel.project
    staff_ids = {s.id for s in project.config.staff}
    posts: list[PublicPost] = []
    for post in sorted(project.posts, key=lambda p: (p.date, p.slug), reverse=True):
        if post.date > project.today or (post.draft and not sel.preview):
            continue
        admitted, why = _admit(sel, "post", post.slug)
        if not admitted:
            continue
        dropped = set(sel.decisions.dropped_authors.get(post.slug, ()))
        authors = [a for a in post.authors if a not in dropped]
        if not authors or not all(a in staff_ids or a in sel.named for a in authors):
            continue  # withheld (and warned about) by the withhold stage

        def field(name: str, value: str, slug: str = post.slug) -> str:
            return _masked(sel, "post", slug, name, plain(value))

        posts.append(
            PublicPost(
                slug=post.slug,
                title=field("title", post.title),
                date=post.date,
                authors=tuple(a if a in staff_ids else sel.people[a].key for a in authors),
                categories=tuple(field("categories", c) for c in post.categories),
                tags=tuple(field("tags", t) for t in post.tags),
                summary=field("summary", post.summary),
                body=md_body(_masked_body(sel, "post", post.slug, post.body, post.body_line)),
                draft=post.draft,
                withheld=why,
            )
        )
    return posts


def _select_guides(sel: _Selection) -> tuple[PublicGuide, ...]:
    """Keep the hand-written guides that name nobody they may not."""
    guides = []
    for guide in sel.project.guides:
        admitted, why = _admit(sel, "guide", guide.slug)
        if not admitted:
            continue
        guides.append(_public_guide(sel, guide, why))
    return tuple(guides)


def _public_guide(sel: _Selection, guide: Guide, why: str) -> PublicGuide:
    body = _masked_body(sel, "guide", guide.slug, guide.body, guide.body_line)
    return PublicGuide(
        slug=guide.slug,
        file=guide.file,
        title=_masked(sel, "guide", guide.slug, "title", plain(guide.title)),
        body=md_body(body),
        order=guide.order,
        withheld=why,
    )


def _link_related(
    sel: _Selection,
    pairs: Mapping[str, PublicPair],
    stories: list[PublicStory],
    posts: list[PublicPost],
) -> list[PublicPair]:
    """Attach to each pair its stories and the posts written by either member."""
    pair_by_id = {p.pair_id: p for p in sel.project.pairs}
    person_of_key = {p.key: pid for pid, p in sel.people.items()}
    # Indexed once, so a programme of thousands of pairs and posts links in linear time.
    stories_of: dict[str, list[str]] = defaultdict(list)
    for story in stories:
        stories_of[story.pair_key].append(story.slug)
    posts_of: dict[str, set[int]] = defaultdict(set)
    for index, post in enumerate(posts):
        for author in post.authors:
            pid = person_of_key.get(author)
            if pid is not None:
                posts_of[pid].add(index)
    linked = []
    for pair_id, public_pair in pairs.items():
        source = pair_by_id[pair_id]
        written = posts_of.get(source.mentor_id, set()) | posts_of.get(source.mentee_id, set())
        linked.append(
            replace(
                public_pair,
                stories=tuple(stories_of.get(public_pair.key, ())),
                posts=tuple(posts[i].slug for i in sorted(written)),
            )
        )
    return linked


def _collect_images(
    sel: _Selection,
    people: tuple[PublicPerson, ...],
    stories: list[PublicStory],
    posts: list[PublicPost],
) -> dict[str, str]:
    """Map each image a public page shows (published path) to its file under content/."""
    config = sel.project.config
    images: dict[str, str] = {}
    if config.site.logo:
        images[image_key(config.site.logo)] = image_key(config.site.logo)
    shown = {p.key for p in people}
    for pid, person in sel.people.items():
        if person.photo and not person.avatar and person.key in shown:
            images[person.photo] = image_key(sel.named[pid].photo)
    for story in stories:
        if story.image:
            images[story.image] = story.image
    guide_bodies = [g.body for g in sel.project.guides]
    for body in [s.body for s in stories] + [p.body for p in posts] + guide_bodies:
        for match in _IMAGE_IN_BODY.finditer(body):
            key = image_key(match.group(1))
            if key in sel.project.images:
                images[key] = key
    return dict(sorted(images.items()))


_IMAGE_IN_BODY = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")


def _figures(project: Project, impact: Impact, stories: int) -> tuple[Figure, ...]:
    """Compute the home page's key figures over the pairs the impact figures may count.

    Every count is over `headline_pairs`: the cohorts the impact page's overall counts, plus the
    cohorts not yet completed when together they hold at least the minimum group size of pairs.
    A home figure minus an impact figure is then a group of at least that size, or nothing, so
    no suppressed group can be worked out from the two pages.

    Each figure says something the others do not: with one mentee per mentor, the numbers of
    mentors and of mentees are the number of pairs again, and with one-hour sessions the hours
    are the sessions again, so neither is shown.
    """
    minimum = project.config.privacy.min_group_size
    counted = headline_pairs(project, impact)
    # Pair pages show each pair's sessions: a total over the pairs without a page must cover
    # none or at least the minimum of them, or it gives their figures away (`countable`).
    # Decided cohort by cohort, like the impact page's figures, so that no total minus another
    # page's leaves the few pairs of one cohort. (headline_pairs holds approved pairs only.)
    visible = project.published_pairs
    by_cohort: dict[str, list[Pair]] = defaultdict(list)
    for pair in counted:
        by_cohort[pair.cohort].append(pair)
    summed: list[Pair] = []
    for cohort_id in sorted(by_cohort):
        group = by_cohort[cohort_id]
        if countable([(p.pair_id in visible, True) for p in group], minimum):
            summed += group
        else:
            summed += [p for p in group if p.pair_id in visible]
    ids = {p.pair_id for p in summed}
    members = {pid for p in summed for pid in (p.mentor_id, p.mentee_id)}
    held = [s for s in project.sessions if s.status == "held" and s.pair_id in ids]
    people = project.participant_index()
    departments = {people[pid].department for pid in members if pid in people}
    sessions_label = (
        "sessions held" if len(summed) == len(counted) else "sessions held by named pairs"
    )
    return (
        Figure("pairs matched", _suppress(len(counted), minimum)),
        Figure(sessions_label, _suppress(len(held), minimum)),
        Figure("departments taking part", _suppress(len(departments), minimum)),
        Figure("success stories", stories or None),
    )
