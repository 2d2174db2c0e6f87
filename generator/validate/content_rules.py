"""Rules of front matter: stories' and posts' keys typed, names resolved, references checked.

Every problem of a file is found in one pass: a key with a wrong value (a bad date) is
reported, and the file's other keys are still checked against the tables and programme.yaml.
A person or pair may be written by id or by name ("Callum Reid and Alison Brooks"); names are
resolved to ids here, once, so every later stage sees ids only and what is published is decided
exactly as if the ids had been written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from generator.errors import Problem
from generator.load import MarkdownFile
from generator.model import Post, Story
from generator.names import NameNotFound, fold_name
from generator.validate.image_rules import body_images, image_key, not_a_picture
from generator.validate.inputs import CrossContext, Located
from generator.validate.rules import Rule
from generator.validate.wording import describe_error, did_you_mean, field_name

R = TypeVar("R", bound=BaseModel)

# Keys the pipeline fills in itself; front matter never sets them.
INTERNAL_KEYS = frozenset({"slug", "file", "body", "body_line", "lines"})
# Stand-ins for required keys whose value is wrong, so the file's other keys can be checked.
_STAND_INS: Mapping[str, object] = {
    "title": "-",
    "summary": "-",
    "date": "1970-01-01",
    "authors": ["-"],
}
# Stand-ins for one wrong entry of a section: a consent date that is not a date still records
# who the entry is for, so "has not recorded consent" is not reported as well.
_ENTRY_STAND_INS: Mapping[str, object] = {"consent": "1970-01-01"}


def validate_document(
    md: MarkdownFile, model: type[R], slug: str
) -> tuple[Located[R] | None, list[Problem]]:
    """Type a Markdown file's front matter; unknown keys are warnings.

    When some keys are wrong, the record is returned incomplete (``complete`` False), built
    from the keys that are right, so the cross-file rules check those too.
    """
    meta = md.meta.data or {}
    allowed = set(model.model_fields) - INTERNAL_KEYS
    problems: list[Problem] = []
    for key in sorted(set(meta) - allowed, key=str):
        pos = md.meta.position((key,))
        guess = did_you_mean(str(key), allowed)
        hint = f"did you mean '{guess}'?" if guess else "the keys are " + ", ".join(sorted(allowed))
        problems.append(
            Problem(
                md.file,
                f"unknown front matter key '{key}' is ignored; {hint}",
                field=str(key),
                line=pos.line if pos else None,
                severity="warning",
            )
        )
    data: dict[str, Any] = {k: v for k, v in meta.items() if k in allowed}
    lines = {str(key): pos.line for key in meta if (pos := md.meta.position((key,))) is not None}
    # The model strips the body; count the blank lines it drops so body lines stay exact.
    dropped = md.body[: len(md.body) - len(md.body.lstrip())].count("\n")
    fixed = dict(
        slug=slug, file=md.file, body=md.body, body_line=md.body_line + dropped, lines=lines
    )
    try:
        return Located(model.model_validate({**data, **fixed}), md), problems
    except ValidationError as exc:
        errors = exc.errors()
    for err in errors:
        loc = tuple(err["loc"])
        pos = md.meta.position(loc) if loc and loc[0] in meta else None
        if pos is None and loc and loc[0] in meta:
            pos = md.meta.position(loc[:1])  # an item of a list or section: its key's line
        problems.append(
            Problem(
                md.file,
                describe_error(err),
                field=field_name(loc),
                line=pos.line if pos else 1,
            )
        )
    partial = _without_errors(model, data, fixed, [tuple(e["loc"]) for e in errors])
    return (Located(partial, md, complete=False) if partial else None), problems


def _without_errors(
    model: type[R],
    data: Mapping[str, Any],
    fixed: Mapping[str, Any],
    failed: Iterable[tuple[str | int, ...]],
) -> R | None:
    """Return the record the right keys make, wrong ones left out (stand-ins if required)."""
    kept: dict[str, Any] = dict(data)
    stood_in: set[str] = set()
    for loc in failed:
        if not loc or not isinstance(loc[0], str):
            continue
        key = loc[0]
        section = kept.get(key)
        if len(loc) > 1 and isinstance(section, dict) and loc[1] in section:
            # One entry of a section (one consent date): keep the others, and this one's key.
            entries = dict(section)
            if key in _ENTRY_STAND_INS:
                entries[loc[1]] = _ENTRY_STAND_INS[key]
            else:
                del entries[loc[1]]
            kept[key] = entries
            continue
        kept.pop(key, None)
        if model.model_fields[key].is_required() and key in _STAND_INS:
            kept[key] = _STAND_INS[key]
            stood_in.add(key)
    try:
        record = model.model_validate({**kept, **fixed})
    except ValidationError:
        return None
    # A stand-in list names nobody: the rules must not check it as if it did.
    return record.model_copy(update={k: () for k in stood_in if k == "authors"})


def _meta_line(doc: Located[Any], *path: str | int) -> int:
    """Return the front-matter line of a key (or of an item under it); 1 if unknown."""
    pos = doc.source.meta.position(path) or doc.source.meta.position(path[:1])
    return pos.line if pos else 1


# --- names to ids ----------------------------------------------------------------------


def resolve_names(c: CrossContext) -> list[Problem]:
    """Resolve names in front matter to ids, in place; report names that match nobody."""
    problems: list[Problem] = []
    for i, doc in enumerate(c.inputs.stories):
        story, found = _resolve_story(c, doc)
        problems.extend(found)
        c.inputs.stories[i] = Located(story, doc.source, doc.complete)
    for i, post_doc in enumerate(c.inputs.posts):
        post, found = _resolve_post(c, post_doc)
        problems.extend(found)
        c.inputs.posts[i] = Located(post, post_doc.source, post_doc.complete)
    return problems


def _resolve_story(c: CrossContext, doc: Located[Story]) -> tuple[Story, list[Problem]]:
    story, file = doc.record, doc.source.file
    problems: list[Problem] = []
    pair = story.pair
    if pair and not c.pairs.settled(pair):
        try:
            pair = c.directory.pair(pair)
        except NameNotFound as exc:
            problems.append(Problem(file, exc.message, field="pair", line=_meta_line(doc, "pair")))
    consent: dict[str, dt.date | None] = {}
    written: dict[str, str] = {}  # id -> the key that named them first
    for key, agreed in story.consent.items():
        pid = key
        if not c.people.settled(key):
            try:
                pid = c.directory.participant(key)
            except NameNotFound as exc:
                line = _meta_line(doc, "consent", key)
                problems.append(Problem(file, exc.message, field=f"consent.{key}", line=line))
                continue
        if pid in written:
            problems.append(
                Problem(
                    file,
                    f"'{written[pid]}' and '{key}' are the same person, "
                    f"{c.directory.label(pid)}; keep one of the two",
                    field=f"consent.{key}",
                    line=_meta_line(doc, "consent", key),
                )
            )
            continue
        written[pid] = key
        if agreed is not None:  # blank: not agreed yet (the scaffold's checklist leaves it so)
            consent[pid] = agreed
    resolved = story.model_copy(update={"pair": pair, "consent": consent})
    return resolved, problems


def _resolve_post(c: CrossContext, doc: Located[Post]) -> tuple[Post, list[Problem]]:
    post, file = doc.record, doc.source.file
    problems: list[Problem] = []
    staff = {s.id for s in c.inputs.config.staff}
    authors: list[str] = []
    for i, author in enumerate(post.authors):
        pid = author
        if author not in staff and not c.people.settled(author):
            try:
                pid = c.directory.person(author)
            except NameNotFound as exc:
                line = _meta_line(doc, "authors", i)
                problems.append(Problem(file, exc.message, field="authors", line=line))
                continue
        if pid in authors:
            problems.append(
                Problem(
                    file,
                    f"{c.directory.label(pid)} is listed twice",
                    field="authors",
                    line=_meta_line(doc, "authors", i),
                )
            )
            continue
        authors.append(pid)
    categories, found = _resolve_categories(c, doc)
    problems.extend(found)
    update: dict[str, object] = {"categories": categories}
    if authors or not post.authors:
        update["authors"] = tuple(authors)
    return post.model_copy(update=update), problems


def _resolve_categories(
    c: CrossContext, doc: Located[Post]
) -> tuple[tuple[str, ...], list[Problem]]:
    """Spell each category as programme.yaml lists it; report any it does not list."""
    listed = c.inputs.config.blog.categories
    by_folded = {fold_name(name): name for name in listed}
    file = doc.source.file
    problems: list[Problem] = []
    kept: list[str] = []
    for i, category in enumerate(doc.record.categories):
        line = _meta_line(doc, "categories", i)
        name = by_folded.get(fold_name(category))
        if name is not None:
            if name not in kept:
                kept.append(name)
            continue
        if not listed:
            message = (
                f"'{category}' cannot be used: the blog has no categories yet; the programme "
                "lead lists them under blog.categories in programme.yaml"
            )
        else:
            guess = did_you_mean(fold_name(category), by_folded)
            where = "The list is under blog.categories in programme.yaml"
            if guess:
                message = (
                    f"'{category}' is not one of the blog's categories; "
                    f"did you mean '{by_folded[guess]}'? {where}"
                )
            else:
                message = (
                    f"'{category}' is not one of the blog's categories "
                    f"({', '.join(listed)}). {where}"
                )
        problems.append(Problem(file, message, field="categories", line=line))
    return tuple(kept), problems


# --- rules over resolved front matter ------------------------------------------------------


def _approved_stories_have_consent(c: CrossContext) -> Iterable[Problem]:
    for doc in c.inputs.stories:
        story = doc.record
        pair = c.pairs.valid.get(story.pair) if story.pair else None
        if story.status != "approved" or story.anonymous or pair is None:
            continue
        for pid in (pair.mentor_id, pair.mentee_id):
            person = c.people.valid.get(pid)
            if person is None or pid in story.consent:
                continue
            has_consent = "consent" in (doc.source.meta.data or {})
            yield Problem(
                doc.source.file,
                f"the story is approved but {c.directory.label(pid)}, in pair "
                f"{c.directory.label(pair.pair_id)}, has not recorded consent; add "
                f"'{person.name}: <date they agreed>' under consent, "
                "or set status: awaiting-consent",
                field="consent",
                line=_meta_line(doc, "consent" if has_consent else "status"),
            )


def _story_images_are_pictures(c: CrossContext) -> Iterable[Problem]:
    for doc in c.inputs.stories:
        image = doc.record.image
        if not image:
            continue
        line = _meta_line(doc, "image")
        if image_key(image) in c.inputs.images:
            found = not_a_picture(image, c.inputs.images, named=True)
            if found:
                yield Problem(doc.source.file, found, field="image", line=line)
        else:
            yield Problem(
                doc.source.file,
                f"image '{image}' was not found in content/images/",
                field="image",
                line=line,
            )


def _body_images_exist(c: CrossContext) -> Iterable[Problem]:
    for story in c.inputs.stories:
        yield from body_images(story, c.inputs.images)
    for post in c.inputs.posts:
        yield from body_images(post, c.inputs.images)


CONTENT_RULES: tuple[Rule[CrossContext], ...] = (
    Rule("approved stories have consent", _approved_stories_have_consent),
    Rule("story images are pictures", _story_images_are_pictures),
    Rule("body images exist", _body_images_exist),
)
