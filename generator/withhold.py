"""Withhold stage: consent holds in free text.

Runs on the validated model, before the public view. Every piece of authored text (story and
post bodies, titles, summaries, tags, categories, guides, and the file names that become URLs)
is folded (`generator.fold`) and searched for the people it may not name:

- anyone whose consent is not `named`: their full name, email or participant id;
- anyone at all: their email or participant id, and any pair id (never published);
- in an anonymous story, the people of the story's own pair.

A document that names one of them is **withheld**: it is left out of the build (shown in
`portal serve` with a banner saying why), and a warning names the file, the line and the
person; `--strict` turns the warnings into errors. Withdrawing consent therefore takes effect
in one build: the person's pair page goes (the public view never shows it), their pair's named
stories and the posts they wrote alone are withheld, and they are dropped from the authors of
posts written with others, each with a warning. The content files stay as they are.

Anonymous stories are described by attributes that at least `privacy.min_group_size`
participants share (see `anonymous_byline`), and a body that mentions the pair's own
department, job title or location so that fewer people fit gets a warning naming the words.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from generator.errors import Problem
from generator.finder import Finder, Hit, Needle
from generator.fold import fold, fold_path, token_at
from generator.model import Pair, Participant, Post, Project, Story
from generator.wording import join_and, plural


@dataclass(frozen=True)
class Decisions:
    """What the build leaves out, and why."""

    # (kind, slug) -> why, in words for the preview's banner ("names Susan Hargreaves, who …")
    withheld: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # post slug -> participant ids dropped from its authors (consent withdrawn)
    dropped_authors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # (kind, slug) -> the fields ("title", "tags", …) and body lines holding a private value,
    # masked when the preview shows a withheld document, so no private value is ever written
    masked: Mapping[tuple[str, str], frozenset[str | int]] = field(default_factory=dict)
    # story slug -> the byline of an anonymous story
    bylines: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()

    def is_withheld(self, kind: str, slug: str) -> bool:
        """Whether a story, post or guide is left out of the build."""
        return (kind, slug) in self.withheld


@dataclass(frozen=True)
class _Text:
    """One authored string and where it sits in its file."""

    field: str
    text: str
    line: int
    path: bool = False


@dataclass
class _Document:
    kind: str  # story | post | guide
    slug: str
    file: str
    texts: list[_Text]
    body: str = ""
    body_line: int = 1


def _who(person: Participant) -> str:
    return f"{person.name} ({person.id})"


def private_values(
    participants: Sequence[Participant], pairs: Sequence[Pair], staff_names: Iterable[str]
) -> Finder:
    """Find the private values no authored text may contain (for `decide`).

    Made from the tables alone, so that checking can make it while content/ is still read.
    """
    return Finder(_needles(participants, pairs, staff_names))


def _needles(
    participants: Sequence[Participant], pairs: Sequence[Pair], staff_names: Iterable[str]
) -> list[Needle]:
    needles: list[Needle] = []
    # A name that a consenting participant also has is theirs to use (the audit agrees).
    public_names = {fold(p.name) for p in participants if p.is_named}
    public_names |= {fold(name) for name in staff_names}
    for person in participants:
        who = _who(person)
        if not person.is_named and fold(person.name) not in public_names:
            needles += [
                Needle(form, f"names {who}, who has not agreed to be named", person.id, "name")
                for form in name_forms(person.name)
            ]
        needles.append(
            Needle(
                fold(person.email),
                f"gives the email address of {who}; participants' emails are never published",
                person.id,
                "email",
            )
        )
        needles.append(
            Needle(
                fold(person.id),
                f"gives the participant id of {who}; ids are never published",
                person.id,
                "id",
            )
        )
    people = {p.id: p for p in participants}
    for pair in pairs:
        members = [people[p].name for p in (pair.mentor_id, pair.mentee_id) if p in people]
        needles.append(
            Needle(
                fold(pair.pair_id),
                f"gives the id of pair {pair.pair_id} ({join_and(members)}); "
                "pair ids are never published",
                kind="id",
            )
        )
    return needles


TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr")


def name_forms(name: str) -> tuple[str, ...]:
    """A full name folded, in its own order, surname first ("Hargreaves, Susan"), and the
    surname after a title ("Ms Hargreaves"). Not after an initial: "Ada Junior" would make
    "a junior" a name, and every "a junior colleague" a leak."""
    words = fold(name).split()
    forms = [" ".join(words)]
    if len(words) >= 2:
        surname = words[-1]
        forms.append(" ".join([surname, *words[:-1]]))
        forms += [f"{title} {surname}" for title in TITLES]
        forms += [f"{title}. {surname}" for title in TITLES]
    return tuple(dict.fromkeys(forms))


def _pair_needles(pair: Pair, people: Mapping[str, Participant]) -> list[Needle]:
    """The people of an anonymous story's own pair, by name."""
    found = []
    for pid in (pair.mentor_id, pair.mentee_id):
        person = people.get(pid)
        if person is not None:
            found.append(
                Needle(
                    fold(person.name),
                    f"names {_who(person)}, who is in this anonymous story's pair",
                    person.id,
                    "name",
                )
            )
    return found


def _meta_texts(record: Story | Post, lines: Mapping[str, int]) -> list[_Text]:
    texts = [
        _Text("title", record.title, lines.get("title", 1)),
        _Text("summary", record.summary, lines.get("summary", 1)),
        _Text("file name", record.file.rsplit("/", 1)[-1], 1, path=True),
    ]
    texts += [_Text("tags", tag, lines.get("tags", 1)) for tag in record.tags]
    if isinstance(record, Post):
        texts += [_Text("categories", c, lines.get("categories", 1)) for c in record.categories]
    return texts


def _documents(project: Project) -> Iterator[_Document]:
    for story in project.stories:
        yield _Document(
            "story",
            story.slug,
            story.file,
            _meta_texts(story, story.lines),
            story.body,
            story.body_line,
        )
    for post in project.posts:
        yield _Document(
            "post", post.slug, post.file, _meta_texts(post, post.lines), post.body, post.body_line
        )
    for guide in project.guides:
        yield _Document(
            "guide",
            guide.slug,
            guide.file,
            [
                _Text("title", guide.title, 2),
                _Text("file name", guide.file.rsplit("/", 1)[-1], 1, path=True),
            ],
            guide.body,
            guide.body_line,
        )


def _scan(doc: _Document, finders: Sequence[Finder]) -> list[tuple[Hit, str, int]]:
    """Return (hit, field, line) for every private value the document contains."""
    found: list[tuple[Hit, str, int]] = []
    for text in doc.texts:
        folded = fold_path(text.text) if text.path else fold(text.text)
        for finder in finders:
            found += [(hit, text.field, text.line) for hit in finder.find(folded, text.path)]
    if doc.body:
        whole = fold(doc.body)
        for finder in finders:
            hits = list(finder.find(whole))
            if hits:
                found += _locate(doc, finder, {h.needle for h in hits})
    return found


def _locate(doc: _Document, finder: Finder, needles: set[Needle]) -> list[tuple[Hit, str, int]]:
    """Find the body line of each needle; one split over two lines gets the first of them."""
    lines = doc.body.split("\n")
    located: list[tuple[Hit, str, int]] = []
    left = set(needles)
    for width in (1, 2, 3):
        for index in range(len(lines)):
            if not left:
                return located
            window = fold(" ".join(lines[index : index + width]))
            for hit in finder.find(window):
                if hit.needle in left:
                    left.discard(hit.needle)
                    located.append((hit, "body", doc.body_line + index))
    located += [(Hit(n, 0, 0), "body", doc.body_line) for n in sorted(left, key=str)]
    return located


def decide(project: Project, everyone: Finder) -> Decisions:
    """Decide what authored content the build must leave out, with a warning for each.

    *everyone* finds the `private_values` of the project's tables.
    """
    people = project.participant_index()
    pairs = {p.pair_id: p for p in project.pairs}
    minimum = project.config.privacy.min_group_size
    withheld: dict[tuple[str, str], str] = {}
    masked: dict[tuple[str, str], set[str | int]] = {}
    warnings: list[Problem] = []

    def withhold(doc: _Document, reasons: Iterable[tuple[str, str, int]]) -> None:
        seen: set[str] = set()
        for what, where, line in sorted(reasons, key=lambda r: (r[2], r[1], r[0])):
            masked.setdefault((doc.kind, doc.slug), set()).add(line if where == "body" else where)
            if what in seen:
                continue
            seen.add(what)
            warnings.append(
                Problem(doc.file, f"withheld: {what}", field=where, line=line, severity="warning")
            )
        if seen:
            withheld[(doc.kind, doc.slug)] = _banner(seen)

    stories = {s.slug: s for s in project.stories}
    for doc in _documents(project):
        finders = [everyone]
        story = stories.get(doc.slug) if doc.kind == "story" else None
        if story is not None and story.anonymous and story.pair in pairs:
            finders.append(Finder(_pair_needles(pairs[story.pair], people)))
        withhold(doc, ((hit.needle.what, where, line) for hit, where, line in _scan(doc, finders)))

    for story in project.stories:
        pair = pairs.get(story.pair)
        if pair is None or story.anonymous or ("story", story.slug) in withheld:
            continue
        absent = [
            people[pid]
            for pid in (pair.mentor_id, pair.mentee_id)
            if pid in people and not people[pid].is_named
        ]
        if absent and story.status == "approved":
            members = " and ".join(
                people[pid].name if pid in people else pid
                for pid in (pair.mentor_id, pair.mentee_id)
            )
            reason = (
                f"is about the pair {members} ({pair.pair_id}), and "
                + join_and(_who(p) for p in absent)
                + (" has" if len(absent) == 1 else " have")
                + " not agreed to be named; make the story anonymous or leave it out"
            )
            line = story.lines.get("pair", 1)
            withhold(_Document("story", story.slug, story.file, []), [(reason, "pair", line)])

    staff = {s.id for s in project.config.staff}
    dropped: dict[str, tuple[str, ...]] = {}
    for post in project.posts:
        if ("post", post.slug) in withheld:
            continue
        gone = tuple(
            a for a in post.authors if a not in staff and a in people and not people[a].is_named
        )
        if not gone:
            continue
        doc = _Document("post", post.slug, post.file, [])
        line = post.lines.get("authors", 1)
        names = join_and(_who(people[a]) for a in gone)
        if len(gone) == len(post.authors):
            withhold(doc, [(f"is by {names}, who has not agreed to be named", "authors", line)])
            continue
        dropped[post.slug] = gone
        warnings.append(
            Problem(
                post.file,
                f"{names} {'is' if len(gone) == 1 else 'are'} left out of the authors: "
                "not agreed to be named",
                field="authors",
                line=line,
                severity="warning",
            )
        )

    bylines: dict[str, str] = {}
    for story in project.stories:
        if not story.anonymous:
            continue
        pair = pairs.get(story.pair)
        bylines[story.slug] = anonymous_byline(pair, project, minimum)
        if pair is not None:
            warnings += _quasi_identifiers(story, pair, project, minimum)
    return Decisions(
        withheld=dict(sorted(withheld.items())),
        dropped_authors=dict(sorted(dropped.items())),
        masked={key: frozenset(value) for key, value in sorted(masked.items())},
        bylines=bylines,
        warnings=tuple(warnings),
    )


def _banner(reasons: set[str]) -> str:
    """Say why a document is withheld without repeating any private value (for the preview)."""
    kinds = []
    if any(r.startswith(("names", "is by", "is about")) for r in reasons):
        kinds.append("names someone who has not agreed to be named")
    if any(r.startswith("gives") for r in reasons):
        kinds.append("gives an email address or an id that is never published")
    return " and ".join(kinds) + "; the warnings in the terminal say who and on which line"


# --- anonymous stories -----------------------------------------------------------------

_ROLE_WORDS = {"mentor": "a junior colleague", "mentee": "a senior leader"}


def _describe(person: Participant, project: Project, minimum: int) -> str:
    """The most specific description of a person that at least *minimum* participants fit."""
    cohort = project.config.cohort(person.cohort)
    same_role = [p for p in project.participants if p.role == person.role]
    candidates = [
        (
            f"{'a mentor' if person.role == 'mentor' else 'a mentee'} in {person.department}",
            [p for p in same_role if fold(p.department) == fold(person.department)],
        ),
        (
            f"{'a mentor' if person.role == 'mentor' else 'a mentee'} from "
            f"{cohort.name if cohort else 'the programme'}",
            [p for p in same_role if p.cohort == person.cohort],
        ),
    ]
    for words, fits in candidates:
        if len(fits) >= minimum:
            return words
    return _ROLE_WORDS[person.role]


def anonymous_byline(pair: Pair | None, project: Project, minimum: int) -> str:
    """Describe an anonymous story's pair by attributes shared by at least *minimum* people."""
    if pair is None:
        return "A pair from the programme"
    people = project.participant_index()
    mentor, mentee = people.get(pair.mentor_id), people.get(pair.mentee_id)
    if mentor is None or mentee is None:
        return "A pair from the programme"
    first = _describe(mentor, project, minimum)
    second = _describe(mentee, project, minimum)
    mentor_words, _, mentor_where = first.partition(" from ")
    mentee_words, _, mentee_where = second.partition(" from ")
    if mentor_where and mentor_where == mentee_where:  # "a mentor and a mentee from Cohort 1"
        first, second = mentor_words, f"{mentee_words} from {mentee_where}"
    return f"{first[0].upper()}{first[1:]} and {second}"


_QUASI_FIELDS = (("department", "department"), ("job_title", "job title"), ("location", "location"))


def _quasi_identifiers(story: Story, pair: Pair, project: Project, minimum: int) -> list[Problem]:
    """Warn when an anonymous story's words narrow its people down to fewer than *minimum*."""
    people = project.participant_index()
    text = fold(" ".join([story.title, story.summary, story.body]))
    problems = []
    for pid in (pair.mentor_id, pair.mentee_id):
        person = people.get(pid)
        if person is None:
            continue
        mentioned = []
        for name, label in _QUASI_FIELDS:
            value = getattr(person, name)
            folded = fold(value) if value else ""
            if folded and _contains(text, folded):
                mentioned.append((name, label, value))
        if not mentioned:
            continue
        fits = [
            p
            for p in project.participants
            if p.role == person.role
            and all(fold(getattr(p, name)) == fold(value) for name, _l, value in mentioned)
        ]
        if len(fits) < minimum:
            words = join_and(f"'{value}'" for _n, _l, value in mentioned)
            problems.append(
                Problem(
                    story.file,
                    f"this anonymous story mentions {words}: only "
                    f"{plural(len(fits), person.role)} in the programme "
                    f"{'fits' if len(fits) == 1 else 'fit'} that, fewer than {minimum}, so "
                    "readers could tell who it is; describe the pair more generally",
                    field="body",
                    line=story.body_line,
                    severity="warning",
                )
            )
    return problems


def _contains(text: str, needle: str) -> bool:
    """Whether folded *text* holds folded *needle* on token boundaries."""
    start = text.find(needle)
    while start >= 0:
        if token_at(text, start, start + len(needle)):
            return True
        start = text.find(needle, start + 1)
    return False
