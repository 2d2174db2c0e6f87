"""Scaffolds (`portal new story|post|guide`): a ready-to-edit content file, never overwriting one.

Each scaffold holds every front-matter key its kind takes, filled in or explained in a YAML
comment, dated today, and unpublished until its writer says otherwise: a story has
``status: draft`` and the consent checklist of its pair (each person, the date left blank),
a post has ``draft: true``. A guide has no draft setting, so the command says that the next
publish includes it.

The file is named after the title (``pages.slugify``). A file of that name, or one another file
would share an address with, is never overwritten: the command stops and suggests ``--title``.
People and pairs are found by id or name (`generator.names`); the file records their ids, with
the names beside them in comments, which are never published.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.errors import InputError, Problem
from generator.model import Participant, Project
from generator.names import Directory, NameNotFound
from generator.pages import RESERVED, slugify
from generator.render import BUILTIN_GUIDES

FOLDERS = {"story": "content/stories", "post": "content/blog", "guide": "content/guides"}
TITLE_OPTION = {"story": "--title", "post": "--title", "guide": "TITLE"}
COMMENT_WIDTH = 96


@dataclass(frozen=True)
class Scaffold:
    """A new content file: where it goes, what it holds and what to do next."""

    kind: str  # "story" | "post" | "guide"
    relative: str  # content/stories/<slug>.md
    text: str
    about: str  # what it is, in words: "a draft story about Callum Reid and Alison Brooks"
    next_steps: tuple[str, ...]
    notes: tuple[str, ...] = ()  # things the writer should know before going on


def _scalar(value: str) -> str:
    """Return a string as one YAML scalar (quoted only when it has to be)."""
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def _comment(text: str) -> str:
    """Return text safe inside a YAML comment: one line."""
    return " ".join(text.split())


def _target(project: Project, kind: str, title: str) -> str:
    """Return the project-relative path for a title; refuse names that cannot be used."""
    folder = FOLDERS[kind]
    option = TITLE_OPTION[kind]
    how = "choose another title" + (f" with {option}" if option.startswith("--") else "")
    slug = slugify(title)
    shown = f"{folder}/{slug or 'untitled'}.md"
    if not slug:
        raise InputError(
            [
                Problem(
                    shown,
                    f"the title '{title}' has no letters or digits to make a file name and web "
                    f"address from; {how}",
                    field=option,
                )
            ]
        )
    reserved = RESERVED | {slugify(c.id) for c in project.config.cohorts}
    if slug in reserved:
        raise InputError(
            [
                Problem(
                    shown,
                    f"the name '{slug}' is used by the portal's own pages; {how}, "
                    f"e.g. '{title} {kind}'",
                    field=option,
                )
            ]
        )
    relative = f"{folder}/{slug}.md"
    existing = project.root / relative
    clash = existing if existing.exists() else None
    if clash is None and (project.root / folder).is_dir():
        # "My Story.md" would be published at the same address as my-story.md.
        clash = next(
            (p for p in sorted((project.root / folder).glob("*.md")) if slugify(p.stem) == slug),
            None,
        )
    if clash is not None:
        taken = clash.relative_to(project.root).as_posix()
        same = clash == existing
        raise InputError(
            [
                Problem(
                    taken,
                    (
                        "this file already exists and is never overwritten"
                        if same
                        else f"this file would be published at the same address ('{slug}'), "
                        "and it is never overwritten"
                    )
                    + f"; {how}",
                    field=option,
                )
            ]
        )
    return relative


def _front_matter(lines: Sequence[str]) -> str:
    return "---\n" + "\n".join(lines) + "\n---\n"


def _aligned(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """Return 'key: value   # comment' lines with the comments in one column."""
    width = max(len(line) for line, _ in pairs) + 2
    return [f"{line:<{width}}# {_comment(note)}" if note else line for line, note in pairs]


def _documented(fields: Sequence[tuple[str, str]]) -> list[str]:
    """Return each 'key: value' line below a comment saying what it is."""
    lines: list[str] = []
    for line, note in fields:
        wrapped = textwrap.wrap(_comment(note), COMMENT_WIDTH) if note else []
        lines += [*(f"# {part}" for part in wrapped), line]
    return lines


def _role_of(person: Participant) -> str:
    return "mentor" if person.role == "mentor" else "mentee"


# --- stories -------------------------------------------------------------------------------


def story_scaffold(project: Project, pair_query: str, title: str | None = None) -> Scaffold:
    """Return a draft story about a pair, found by id or by 'Name and Name'."""
    config = project.config
    directory = Directory.of(project)
    try:
        pair_id = directory.pair(pair_query)
    except NameNotFound as exc:
        raise InputError([Problem(config.data.pairs, exc.message, field="--pair")]) from None
    pair = next(p for p in project.pairs if p.pair_id == pair_id)
    people = project.participant_index()
    mentor, mentee = people[pair.mentor_id], people[pair.mentee_id]
    both = f"{mentor.name} and {mentee.name}"
    cohort = config.cohort(pair.cohort)
    cohort_name = cohort.name if cohort else pair.cohort
    named = mentor.is_named and mentee.is_named
    # Someone who has not agreed to be named can only be in an anonymous story: its title, file
    # name and text describe roles, and naming them withholds the story from the build. The
    # title of a draft is private until it is published (the audit looks for it in the built
    # site), so the default is never a text the site shows, such as the pair page's title.
    default_title = f"The story of {both}" if named else f"A story from {cohort_name}"
    title = (title or default_title).strip()
    relative = _target(project, "story", title)
    today = project.today.isoformat()
    fields = _documented(
        [
            (f"title: {_scalar(title)}", "The headline, on the page and in the stories list."),
            (f"date: {today}", "Publication date (YYYY-MM-DD): the story is not shown before it."),
            (
                "summary: "
                + _scalar("Replace this with one or two sentences for the stories list."),
                "One or two sentences for the stories list and search results (required).",
            ),
            (f"pair: {pair_id}", f"The pair: {both}, {cohort_name}."),
            ("tags: []", "Words readers can browse by, e.g. [digital skills, finance]."),
            (
                f"anonymous: {'false' if named else 'true'}",
                "false: the story names the pair. true: it describes them by their roles only."
                if named
                else "Someone in this pair has not agreed to be named, so the story is "
                "anonymous: it describes them by their roles, never by name.",
            ),
            (
                "# image: images/stories/photo.jpg",
                "Optional: a picture from content/images/ shown at the top (remove the '# ').",
            ),
            (
                "status: draft",
                "draft: previewed only. awaiting-consent: written, waiting for agreement. "
                "approved: published with the next build.",
            ),
        ]
    )
    checklist = [
        "# Consent checklist: before you set status: approved, each person below must have read",
        "# the story and agreed in writing to its publication. Write the date each person agreed",
        "# (YYYY-MM-DD) after their id; a blank date means they have not agreed yet.",
        "consent:",
        *_aligned([(f"  {p.id}:", f"{p.name}, {_role_of(p)}") for p in (mentor, mentee)]),
    ]
    header = [
        "# A success story. It is published only once status is approved and everyone in it",
        "# has agreed. `portal serve` previews it; `portal check` lists any mistake.",
    ]
    body = (
        "\n"
        "Write the story here, in Markdown, in place of these lines. A few tips:\n"
        "\n"
        "- Open with a moment from a session: what happened, who said what.\n"
        "- Say what each of them brought and what each learned.\n"
        "- Use headings (`## What changed`) to break it up, and end with what comes next.\n"
        + (
            ""
            if named
            else "- This story is anonymous: describe the two of them by their roles and never "
            "by name, department or anything else that singles them out.\n"
        )
    )
    notes: tuple[str, ...] = ()
    if not named:
        notes = (
            "someone in this pair has not agreed to be named on the portal, so the story is "
            "anonymous: it must describe roles, not people",
        )
    return Scaffold(
        kind="story",
        relative=relative,
        text=_front_matter([*header, *fields, *checklist]) + body,
        about=f"a draft story about {both} (pair {pair_id})",
        next_steps=(
            "Open it and write the story below the second '---'; replace the summary.",
            "Preview it with `portal serve` (drafts are shown there, marked, never published).",
            "When both have read it and agreed, fill in the consent dates and set "
            "status: approved.",
            "Run `portal check`, then `portal publish`.",
        ),
        notes=notes,
    )


# --- posts ---------------------------------------------------------------------------------


def post_scaffold(project: Project, author_query: str, title: str | None = None) -> Scaffold:
    """Return a draft blog post by a participant or member of staff, found by id or name."""
    config = project.config
    directory = Directory.of(project)
    try:
        author = directory.person(author_query)
    except NameNotFound as exc:
        raise InputError(
            [Problem(config.data.participants, exc.message, field="--author")]
        ) from None
    name = directory.name(author)
    title = (title or f"A post by {name}").strip()
    relative = _target(project, "post", title)
    categories = config.blog.categories
    choices = (
        "one or more of: " + ", ".join(categories)
        if categories
        else "e.g. [Reflections]; any words you like"
    )
    fields = _documented(
        [
            (f"title: {_scalar(title)}", "The headline, on the post and in the blog."),
            (
                f"date: {project.today.isoformat()}",
                "Publication date (YYYY-MM-DD): the post is not shown before it.",
            ),
            (f"authors: [{author}]", f"Who wrote it: {name}. List co-authors too, by id."),
            ("categories: []", f"Categories: {choices}."),
            ("tags: []", "Words readers can browse by, e.g. [digital skills]."),
            (
                "summary: " + _scalar("Replace this with one or two sentences for the blog."),
                "Optional: one or two sentences shown in the blog's list of posts.",
            ),
            ("draft: true", "true: previewed only. Set it to false to publish the post."),
        ]
    )
    header = [
        "# A blog post. It is published once draft is false and its date has come.",
        "# `portal serve` previews it; `portal check` lists any mistake.",
    ]
    body = (
        "\n"
        "Write the post here, in Markdown, in place of these lines.\n"
        "\n"
        "Open with what happened or what you learned, in a sentence or two; use headings\n"
        "(`## A heading`) to break up the rest.\n"
    )
    people = project.participant_index()
    notes: tuple[str, ...] = ()
    person = people.get(author)
    if person is not None and not person.is_named:
        notes = (
            f"{name} has not agreed to be named on the portal: a post by them alone is not "
            "published until they do",
        )
    return Scaffold(
        kind="post",
        relative=relative,
        text=_front_matter([*header, *fields]) + body,
        about=f"a draft post by {directory.label(author)}",
        next_steps=(
            "Open it and write the post below the second '---'; replace the summary.",
            "Choose its categories and tags.",
            "Preview it with `portal serve` (drafts are shown there, marked, never published).",
            "Set draft: false, run `portal check`, then `portal publish`.",
        ),
        notes=notes,
    )


# --- guides --------------------------------------------------------------------------------


def guide_scaffold(project: Project, title: str) -> Scaffold:
    """Return a new hand-written guide; it may use the programme's own values."""
    title = title.strip()
    relative = _target(project, "guide", title)
    slug = slugify(title)
    places = ", ".join(f"{name} {order}" for _, _, name, order in BUILTIN_GUIDES)
    fields = _documented(
        [
            (f"title: {_scalar(title)}", "The guide's name, in the Guides menu."),
            (
                "order: 100",
                f"Its place in the Guides menu, lowest first. The built-in guides: {places}.",
            ),
        ]
    )
    header = [
        "# A guide. Guides have no draft setting: this one is published by the next",
        "# `portal publish`. `portal serve` previews it; `portal check` lists any mistake.",
    ]
    body = (
        "\n"
        "Write the guide here, in Markdown, in place of these lines.\n"
        "\n"
        "You can use the programme's own values, so the guide stays right when programme.yaml\n"
        "changes: {{ programme.name }} runs sessions of {{ cohort.session_minutes }} minutes,\n"
        "every {{ cohort.cadence_weeks }} weeks, and partners answer each other within\n"
        "{{ ground_rules.response_days }} working days; the {{ ground_rules.who_initiates }}\n"
        "books the sessions.\n"
    )
    notes: list[str] = [
        "guides have no draft setting: the next `portal publish` publishes this one, so write "
        "it before then"
    ]
    replaced = next((name for s, _, name, _ in BUILTIN_GUIDES if s == slug), None)
    if replaced is not None:
        notes.append(f"this guide replaces the built-in guide '{replaced}'")
    return Scaffold(
        kind="guide",
        relative=relative,
        text=_front_matter([*header, *fields]) + body,
        about=f"a guide, '{title}'",
        next_steps=(
            "Open it and write the guide below the second '---'.",
            "Preview it with `portal serve`.",
            "Run `portal check`, then `portal publish`.",
        ),
        notes=tuple(notes),
    )


def write_scaffold(root: Path, scaffold: Scaffold) -> Path:
    """Create the scaffold's file; refuse if it appeared meanwhile (never overwrite)."""
    path = root / scaffold.relative
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as out:
            out.write(scaffold.text)
    except FileExistsError:
        raise InputError(
            [
                Problem(
                    scaffold.relative,
                    "this file already exists and is never overwritten; choose another title"
                    + (" with --title" if scaffold.kind != "guide" else ""),
                    field=TITLE_OPTION[scaffold.kind],
                )
            ]
        ) from None
    return path
