"""Validate stage: type every input against its model, then check the rules across files.

Pure: takes what `load` read (documents and tables with positions) and returns typed records
plus every problem found, each located at a file and line or row. Cross-file rules run only
over records that passed their own field checks, so one mistake is reported once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from generator.config import ProgrammeConfig
from generator.errors import Problem
from generator.load import MarkdownFile, Table, YamlDocument, dotted_path
from generator.model import (
    PAIR_REQUIRED,
    PARTICIPANT_REQUIRED,
    SESSION_REQUIRED,
    SURVEY_REQUIRED,
    Guide,
    Pair,
    Participant,
    Post,
    Session,
    Story,
    SurveyResponse,
)

R = TypeVar("R", bound=BaseModel)


# --- turning pydantic's errors into sentences ------------------------------------------


def describe_error(error: ErrorDetails) -> str:
    """Say what is wrong with a value in words a comms officer understands."""
    kind = error["type"]
    given = error.get("input")
    shown = f"'{given}'" if isinstance(given, str) else repr(given)
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "this is required but missing"
    if kind in {"int_parsing", "int_from_float", "int_type"}:
        return f"{shown} is not a whole number"
    if kind in {"float_parsing", "float_type"}:
        return f"{shown} is not a number"
    if kind in {"bool_parsing", "bool_type"}:
        return f"{shown} is not yes/no (write true or false)"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{shown} is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31"
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{shown} is not allowed here; use one of: {expected}"
    if kind == "string_too_short":
        return "this must not be empty"
    if kind == "string_pattern_mismatch":
        return f"{shown} is not in the expected form ({_pattern_hint(str(ctx.get('pattern', '')))})"
    if kind in {"greater_than_equal", "greater_than"}:
        return f"{shown if given is not None else 'the value'} must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in {"less_than_equal", "less_than"}:
        return f"{shown} must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind == "too_short":
        return f"this list needs at least {ctx.get('min_length', 1)} item(s)"
    if kind in {"list_type", "tuple_type"}:
        return "this should be a list (one '- item' per line, or [a, b])"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return "this should be a section of 'key: value' lines"
    if kind == "string_type":
        return "this should be text"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"])


def _pattern_hint(pattern: str) -> str:
    if "@" in pattern:
        return "an email address like name@example.org"
    if pattern.startswith("^#") or "#[0-9a-f" in pattern:
        return "a colour like #0b5d5b or a palette name like indigo"
    if "A-Za-z0-9_.-" in pattern:
        return "letters, digits, '-', '_' or '.'"
    return "see the schema"


def _field_name(loc: Sequence[str | int]) -> str:
    return dotted_path(tuple(loc))


# --- programme.yaml ----------------------------------------------------------------------


def validate_config(doc: YamlDocument, file: str) -> tuple[ProgrammeConfig | None, list[Problem]]:
    """Type programme.yaml; report unknown keys as warnings."""
    problems: list[Problem] = []
    if not isinstance(doc.data, dict):
        return None, [Problem(file, "programme.yaml must be a set of 'key: value' sections", line=1)]
    try:
        config = ProgrammeConfig.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            pos = doc.position(loc)
            problems.append(
                Problem(
                    file,
                    describe_error(err),
                    field=_field_name(loc) or "(top level)",
                    line=pos.line if pos else None,
                    col=pos.col if pos else None,
                )
            )
        return None, problems
    problems.extend(_unknown_keys(config, (), doc, file))
    problems.extend(_config_rules(config, doc, file))
    return config, problems


def _unknown_keys(model: BaseModel, path: tuple[str | int, ...], doc: YamlDocument, file: str) -> Iterable[Problem]:
    """Warn about keys the schema does not know (a typo is the usual cause)."""
    for key in sorted(model.model_extra or {}):
        pos = doc.position((*path, key))
        known = ", ".join(sorted(type(model).model_fields))
        yield Problem(
            file,
            f"unknown key '{key}' is ignored (known keys here: {known})",
            field=_field_name((*path, key)),
            line=pos.line if pos else None,
            col=pos.col if pos else None,
            severity="warning",
        )
    for name in sorted(type(model).model_fields):
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _unknown_keys(value, (*path, name), doc, file)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _unknown_keys(item, (*path, name, i), doc, file)


def _config_rules(config: ProgrammeConfig, doc: YamlDocument, file: str) -> Iterable[Problem]:
    """Check rules inside programme.yaml: unique ids, dates in order, a complete plan."""

    def at(path: tuple[str | int, ...], message: str) -> Problem:
        pos = doc.position(path)
        return Problem(file, message, field=_field_name(path), line=pos.line if pos else None,
                       col=pos.col if pos else None)

    seen: dict[str, int] = {}
    for i, cohort in enumerate(config.cohorts):
        if cohort.id in seen:
            yield at(("cohorts", i, "id"), f"cohort id '{cohort.id}' is used twice (also cohorts[{seen[cohort.id]}])")
        seen.setdefault(cohort.id, i)
        window = cohort.applications
        if window.closes < window.opens:
            yield at(("cohorts", i, "applications", "closes"),
                     f"applications close ({window.closes}) before they open ({window.opens})")
        if cohort.start < window.closes:
            yield at(("cohorts", i, "start"),
                     f"the cohort starts ({cohort.start}) before applications close ({window.closes})")
        if cohort.end <= cohort.start:
            yield at(("cohorts", i, "end"), f"the end ({cohort.end}) is not after the start ({cohort.start})")
    numbers = [s.number for s in config.session_plan]
    for i, session in enumerate(config.session_plan):
        if numbers.count(session.number) > 1 and numbers.index(session.number) != i:
            yield at(("session_plan", i, "number"), f"session {session.number} is planned twice")
    expected = max(c.sessions for c in config.cohorts)
    missing = sorted(set(range(1, expected + 1)) - set(numbers))
    if missing:
        yield at(("session_plan",), "no plan for session(s) " + ", ".join(map(str, missing))
                 + f"; cohorts have up to {expected} sessions")
    staff_ids: dict[str, int] = {}
    for i, person in enumerate(config.staff):
        if person.id in staff_ids:
            yield at(("staff", i, "id"), f"staff id '{person.id}' is used twice")
        staff_ids.setdefault(person.id, i)
    keys = [m.key for m in config.success_measures]
    for i, measure in enumerate(config.success_measures):
        if keys.count(measure.key) > 1 and keys.index(measure.key) != i:
            yield at(("success_measures", i, "key"), f"measure '{measure.key}' is listed twice")
        if measure.scale_max <= measure.scale_min:
            yield at(("success_measures", i, "scale_max"), "scale_max must be above scale_min")


# --- tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows(Generic[R]):
    """Valid records of one table with their spreadsheet row numbers."""

    file: str
    items: tuple[tuple[int, R], ...] = ()

    def records(self) -> tuple[R, ...]:
        """Return just the records."""
        return tuple(r for _, r in self.items)


def validate_table(
    table: Table,
    model: type[R],
    required: Sequence[str],
    *,
    extra_into: str | None = None,
    quiet_extras: Iterable[str] = (),
) -> tuple[Rows[R], list[Problem]]:
    """Type every row of a table; missing columns are errors, unknown ones warnings."""
    problems: list[Problem] = []
    fields = set(model.model_fields) - ({extra_into} if extra_into else set())
    missing = [c for c in required if c not in table.columns]
    if missing:
        return Rows(table.file), [
            Problem(table.file, "this required column is missing (check the header row, or "
                    "map your header to it under data.columns in programme.yaml)",
                    field=f"column '{c}'", row=1)
            for c in missing
        ]
    quiet = set(quiet_extras)
    extras = [c for c in table.columns if c not in fields]
    for column in extras:
        if column not in quiet:
            problems.append(Problem(
                table.file,
                "this column is not used by the portal; it is kept private"
                + ("" if extra_into else " and ignored"),
                field=f"column '{column}'", row=1, severity="warning",
            ))
    prepared = []
    for raw in table.rows:
        row = {k: v for k, v in raw.items() if k in fields}
        if extra_into:
            row[extra_into] = {k: raw[k] for k in extras}
        prepared.append(row)
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
    try:
        records: list[R] = adapter.validate_python(prepared)
        return Rows(table.file, tuple((table.row_number(i), r) for i, r in enumerate(records))), problems
    except ValidationError as exc:
        bad: dict[int, list[ErrorDetails]] = defaultdict(list)
        for err in exc.errors():
            bad[int(err["loc"][0])].append(err)
    good: list[tuple[int, R]] = []
    for index, row in enumerate(prepared):
        number = table.row_number(index)
        if index not in bad:
            good.append((number, model.model_validate(row)))
            continue
        for err in bad[index]:
            column = str(err["loc"][1]) if len(err["loc"]) > 1 else "?"
            problems.append(Problem(table.file, describe_error(err), field=f"column '{column}'", row=number))
    return Rows(table.file, tuple(good)), problems


def validate_surveys(table: Table, config: ProgrammeConfig) -> tuple[Rows[SurveyResponse], list[Problem]]:
    """Type survey rows: one score column per success measure."""
    measure_columns = {m.survey_field for m in config.success_measures}
    problems: list[Problem] = []
    missing_measures = sorted(measure_columns - set(table.columns))
    for column in missing_measures:
        problems.append(Problem(table.file, "a success measure uses this survey column but the table has none",
                                field=f"column '{column}'", row=1))
    known = {"participant_id", "cohort", "phase"}
    missing = [c for c in SURVEY_REQUIRED if c not in table.columns]
    if missing:
        problems.extend(Problem(table.file, "this required column is missing", field=f"column '{c}'", row=1)
                        for c in missing)
        return Rows(table.file), problems
    for column in table.columns:
        if column not in known and column not in measure_columns:
            problems.append(Problem(table.file, "this column is not a success measure; it is ignored",
                                    field=f"column '{column}'", row=1, severity="warning"))
    good: list[tuple[int, SurveyResponse]] = []
    for index, raw in enumerate(table.rows):
        number = table.row_number(index)
        scores: dict[str, float | None] = {}
        row_ok = True
        for measure in config.success_measures:
            cell = raw.get(measure.survey_field, "")
            if not cell:
                scores[measure.survey_field] = None
                continue
            try:
                value = float(cell.replace(",", "."))
            except ValueError:
                problems.append(Problem(table.file, f"'{cell}' is not a number", field=f"column '{measure.survey_field}'", row=number))
                row_ok = False
                continue
            if not measure.scale_min <= value <= measure.scale_max:
                problems.append(Problem(
                    table.file, f"{cell} is outside the scale {measure.scale_min} to {measure.scale_max}",
                    field=f"column '{measure.survey_field}'", row=number))
                row_ok = False
            scores[measure.survey_field] = value
        try:
            response = SurveyResponse.model_validate(
                {"participant_id": raw["participant_id"], "cohort": raw["cohort"], "phase": raw["phase"], "scores": scores}
            )
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(Problem(table.file, describe_error(err), field=f"column '{err['loc'][0]}'", row=number))
            continue
        if row_ok:
            good.append((number, response))
    return Rows(table.file, tuple(good)), problems


# --- Markdown content -------------------------------------------------------------------


@dataclass(frozen=True)
class Located(Generic[R]):
    """A typed document plus its source, for locating later errors."""

    record: R
    source: MarkdownFile


def validate_document(md: MarkdownFile, model: type[R], slug: str) -> tuple[Located[R] | None, list[Problem]]:
    """Type a Markdown file's front matter; unknown keys are warnings."""
    meta = md.meta.data or {}
    internal = {"slug", "file", "body", "body_line"}
    allowed = set(model.model_fields) - internal
    problems: list[Problem] = []
    for key in sorted(set(meta) - allowed):
        pos = md.meta.position((key,))
        problems.append(Problem(
            md.file, f"unknown front matter key '{key}' is ignored (known: {', '.join(sorted(allowed))})",
            field=key, line=pos.line if pos else None, severity="warning"))
    data = {k: v for k, v in meta.items() if k in allowed}
    data.update(slug=slug, file=md.file, body=md.body, body_line=md.body_line)
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            pos = md.meta.position(loc) if loc and loc[0] in meta else None
            problems.append(Problem(md.file, describe_error(err), field=_field_name(loc),
                                    line=pos.line if pos else 1))
        return None, problems
    return Located(record, md), problems


# --- rules across files -------------------------------------------------------------------


@dataclass
class Inputs:
    """Everything that passed its own checks, ready for the cross-file rules."""

    config: ProgrammeConfig
    config_doc: YamlDocument
    config_file: str
    participants: Rows[Participant]
    pairs: Rows[Pair]
    sessions: Rows[Session]
    surveys: Rows[SurveyResponse]
    stories: list[Located[Story]] = field(default_factory=list)
    posts: list[Located[Post]] = field(default_factory=list)
    guides: list[Guide] = field(default_factory=list)
    images: frozenset[str] = frozenset()


def cross_check(inputs: Inputs) -> list[Problem]:
    """Run every rule that spans files; return all problems found."""
    problems: list[Problem] = []
    people = _check_participants(inputs, problems)
    pairs = _check_pairs(inputs, people, problems)
    _check_sessions(inputs, pairs, problems)
    _check_surveys(inputs, people, problems)
    _check_stories(inputs, people, pairs, problems)
    _check_posts(inputs, people, problems)
    _check_config_images(inputs, problems)
    return problems


def _check_participants(inputs: Inputs, problems: list[Problem]) -> dict[str, Participant]:
    config = inputs.config
    file = inputs.participants.file
    grades = set(config.grades)
    cohorts = {c.id for c in config.cohorts}
    first_row: dict[str, int] = {}
    people: dict[str, Participant] = {}
    for row, person in inputs.participants.items:
        if person.id in first_row:
            problems.append(Problem(file, f"'{person.id}' is used twice (also on row {first_row[person.id]}); ids must be unique",
                                    field="column 'id'", row=row))
            continue
        first_row[person.id] = row
        people[person.id] = person
        if person.grade not in grades:
            problems.append(Problem(file, f"'{person.grade}' is not one of the programme's grades ({', '.join(config.grades)})",
                                    field="column 'grade'", row=row))
        if person.cohort not in cohorts:
            problems.append(_unknown_cohort(file, row, person.cohort, config))
        if person.photo and _image_key(person.photo) not in inputs.images:
            problems.append(Problem(file, f"image '{person.photo}' was not found in content/images/",
                                    field="column 'photo'", row=row))
    staff = {s.id for s in config.staff}
    for row, person in inputs.participants.items:
        if people.get(person.id) is not person:
            continue
        if person.id in staff:
            problems.append(Problem(file, f"'{person.id}' is also a staff id in programme.yaml; use another id",
                                    field="column 'id'", row=row))
        if person.manager_id and person.manager_id not in people:
            problems.append(Problem(file, f"no participant has id '{person.manager_id}'", field="column 'manager_id'", row=row))
    reported: set[frozenset[str]] = set()
    for row, person in inputs.participants.items:
        if people.get(person.id) is not person:
            continue
        chain = [person.id]
        current = person.manager_id
        while current and current in people:
            if current in chain:
                loop = chain[chain.index(current):] + [current]
                key = frozenset(loop)
                if key not in reported and loop[0] == person.id:
                    reported.add(key)
                    problems.append(Problem(file, "managers form a loop: " + " → ".join(loop),
                                            field="column 'manager_id'", row=row))
                break
            chain.append(current)
            current = people[current].manager_id
    return people


def _unknown_cohort(file: str, row: int, cohort: str, config: ProgrammeConfig) -> Problem:
    return Problem(file, f"'{cohort}' is not a cohort in programme.yaml ({', '.join(c.id for c in config.cohorts)})",
                   field="column 'cohort'", row=row)


def managers_above(person_id: str, people: Mapping[str, Participant], levels: int) -> list[str]:
    """Return up to *levels* managers above a person, nearest first (stops at loops)."""
    chain: list[str] = []
    current = people[person_id].manager_id if person_id in people else ""
    while current and current in people and len(chain) < levels and current not in chain and current != person_id:
        chain.append(current)
        current = people[current].manager_id
    return chain


def reporting_line_relation(a: str, b: str, people: Mapping[str, Participant], skip_level: bool) -> str | None:
    """Describe how *b* sits in *a*'s reporting line (or the reverse), or None."""
    levels = 2 if skip_level else 1
    names = ["manager", "manager's manager"]
    for upper, lower in ((b, a), (a, b)):
        chain = managers_above(lower, people, levels)
        if upper in chain:
            return f"{upper} is {lower}'s {names[chain.index(upper)]}"
    return None


def _check_pairs(inputs: Inputs, people: Mapping[str, Participant], problems: list[Problem]) -> dict[str, Pair]:
    config = inputs.config
    file = inputs.pairs.file
    rules = config.matching
    cohorts = {c.id: c for c in config.cohorts}
    pairs: dict[str, Pair] = {}
    first_row: dict[str, int] = {}
    busy: dict[tuple[str, str, str], list[tuple[int, Pair]]] = defaultdict(list)
    for row, pair in inputs.pairs.items:
        if pair.pair_id in first_row:
            problems.append(Problem(file, f"'{pair.pair_id}' is used twice (also on row {first_row[pair.pair_id]}); ids must be unique",
                                    field="column 'pair_id'", row=row))
            continue
        first_row[pair.pair_id] = row
        pairs[pair.pair_id] = pair
        cohort = cohorts.get(pair.cohort)
        if cohort is None:
            problems.append(_unknown_cohort(file, row, pair.cohort, config))
        elif pair.start_date and not cohort.start <= pair.start_date <= cohort.end:
            problems.append(Problem(file, f"{pair.start_date} is outside the cohort's dates ({cohort.start} to {cohort.end})",
                                    field="column 'start_date'", row=row))
        mentor, mentee = people.get(pair.mentor_id), people.get(pair.mentee_id)
        for column, pid, person, role in (("mentor_id", pair.mentor_id, mentor, "mentor"),
                                          ("mentee_id", pair.mentee_id, mentee, "mentee")):
            if person is None:
                problems.append(Problem(file, f"no participant has id '{pid}'", field=f"column '{column}'", row=row))
            elif person.role != role:
                problems.append(Problem(file, f"{pid} is a {person.role} in the participants table, not a {role}",
                                        field=f"column '{column}'", row=row))
        if mentor is None or mentee is None:
            continue
        if pair.mentor_id == pair.mentee_id:
            problems.append(Problem(file, "a person cannot mentor themselves", field="column 'mentee_id'", row=row))
            continue
        if mentor.grade in config.grades and mentee.grade in config.grades:
            gap = config.grade_rank(mentee.grade) - config.grade_rank(mentor.grade)
            if gap < rules.min_grade_gap:
                problems.append(Problem(
                    file,
                    f"the mentor ({mentor.id}, {mentor.grade}) must be at least {rules.min_grade_gap} grades junior "
                    f"to the mentee ({mentee.id}, {mentee.grade}); the gap is {gap}",
                    field="column 'mentor_id'", row=row))
        if rules.exclude_direct_line:
            relation = reporting_line_relation(pair.mentor_id, pair.mentee_id, people, rules.exclude_skip_level)
            if relation:
                problems.append(Problem(file, f"{relation}; a pair must not be inside one reporting line",
                                        field="column 'mentee_id'", row=row))
        if pair.is_approved:
            busy[(pair.cohort, "mentor", pair.mentor_id)].append((row, pair))
            busy[(pair.cohort, "mentee", pair.mentee_id)].append((row, pair))
    for (cohort_id, role, pid), taken in sorted(busy.items()):
        limit = rules.mentor_capacity if role == "mentor" else 1
        for row, pair in taken[limit:]:
            first = taken[0]
            problems.append(Problem(
                file,
                f"{pid} is already in approved pair {first[1].pair_id} (row {first[0]}) in cohort {cohort_id}; "
                f"a {role} can be in at most {limit} approved pair(s) per cohort",
                field=f"column '{role}_id'", row=row))
    return pairs


def _check_sessions(inputs: Inputs, pairs: Mapping[str, Pair], problems: list[Problem]) -> None:
    file = inputs.sessions.file
    for row, session in inputs.sessions.items:
        pair = pairs.get(session.pair_id)
        if pair is None:
            problems.append(Problem(file, f"no pair has id '{session.pair_id}'", field="column 'pair_id'", row=row))
        elif pair.start_date and session.date < pair.start_date:
            problems.append(Problem(file, f"{session.date} is before the pair started ({pair.start_date})",
                                    field="column 'date'", row=row))


def _check_surveys(inputs: Inputs, people: Mapping[str, Participant], problems: list[Problem]) -> None:
    file = inputs.surveys.file
    cohorts = {c.id for c in inputs.config.cohorts}
    seen: dict[tuple[str, str, str], int] = {}
    for row, answer in inputs.surveys.items:
        if answer.participant_id not in people:
            problems.append(Problem(file, f"no participant has id '{answer.participant_id}'",
                                    field="column 'participant_id'", row=row))
        if answer.cohort not in cohorts:
            problems.append(_unknown_cohort(file, row, answer.cohort, inputs.config))
        key = (answer.participant_id, answer.cohort, answer.phase)
        if key in seen:
            problems.append(Problem(file, f"{answer.participant_id} already answered the {answer.phase} survey "
                                    f"for {answer.cohort} on row {seen[key]}", field="column 'phase'", row=row))
        seen.setdefault(key, row)


def _meta_line(doc: Located[Any], key: str) -> int:
    pos = doc.source.meta.position((key,))
    return pos.line if pos else 1


def _check_stories(inputs: Inputs, people: Mapping[str, Participant], pairs: Mapping[str, Pair], problems: list[Problem]) -> None:
    for doc in inputs.stories:
        story, file = doc.record, doc.source.file
        pair = pairs.get(story.pair) if story.pair else None
        if story.pair and pair is None:
            problems.append(Problem(file, f"no pair has id '{story.pair}'", field="pair", line=_meta_line(doc, "pair")))
        for pid in sorted(story.consent):
            if pid not in people:
                problems.append(Problem(file, f"no participant has id '{pid}'", field=f"consent.{pid}",
                                        line=_meta_line(doc, "consent")))
        if story.image and _image_key(story.image) not in inputs.images:
            problems.append(Problem(file, f"image '{story.image}' was not found in content/images/", field="image",
                                    line=_meta_line(doc, "image")))
        problems.extend(_body_images(doc, inputs.images))
        if story.status != "approved" or story.anonymous or pair is None:
            continue
        for pid in (pair.mentor_id, pair.mentee_id):
            person = people.get(pid)
            if person is None:
                continue
            if pid not in story.consent:
                problems.append(Problem(
                    file,
                    f"the story is approved but {pid} (in pair {pair.pair_id}) has not recorded consent; "
                    f"add '{pid}: <date they agreed>' under consent, or set status: awaiting-consent",
                    field="consent", line=_meta_line(doc, "consent" if "consent" in (doc.source.meta.data or {}) else "status")))
            elif not person.is_named:
                problems.append(Problem(
                    file,
                    f"{pid} has consent 'none' in the participants table, so a story cannot name them; "
                    "set anonymous: true or ask them to update their consent",
                    field="consent", line=_meta_line(doc, "consent")))


def _check_posts(inputs: Inputs, people: Mapping[str, Participant], problems: list[Problem]) -> None:
    staff = {s.id for s in inputs.config.staff}
    for doc in inputs.posts:
        post, file = doc.record, doc.source.file
        for author in post.authors:
            if author in staff:
                continue
            person = people.get(author)
            if person is None:
                problems.append(Problem(file, f"no participant or staff member has id '{author}'",
                                        field="authors", line=_meta_line(doc, "authors")))
            elif not person.is_named:
                problems.append(Problem(
                    file, f"{author} has not agreed to be named on the portal (consent is 'none'), so they cannot be an author",
                    field="authors", line=_meta_line(doc, "authors")))
        problems.extend(_body_images(doc, inputs.images))


_IMAGE_REF = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")


def _body_images(doc: Located[Any], images: frozenset[str]) -> Iterable[Problem]:
    """Report Markdown images in a body that point at a missing file in content/images/."""
    for offset, line in enumerate(doc.source.body.split("\n")):
        for match in _IMAGE_REF.finditer(line):
            target = match.group(1)
            if "://" in target or target.startswith(("data:", "#")):
                continue
            if _image_key(target) not in images:
                yield Problem(doc.source.file, f"image '{target}' was not found in content/images/",
                              field="image", line=doc.source.body_line + offset)


def _image_key(reference: str) -> str:
    """Normalise an image reference to its path under content/ (e.g. 'images/a.png')."""
    cleaned = reference.strip().split("#")[0].split("?")[0]
    parts = [p for p in cleaned.replace("\\", "/").split("/") if p not in {"", ".", ".."}]
    if "images" in parts:
        parts = parts[parts.index("images"):]
    else:
        parts = ["images", *parts]
    return "/".join(parts)


image_key = _image_key


def _check_config_images(inputs: Inputs, problems: list[Problem]) -> None:
    logo = inputs.config.site.logo
    if logo and _image_key(logo) not in inputs.images:
        pos = inputs.config_doc.position(("site", "logo"))
        problems.append(Problem(inputs.config_file, f"image '{logo}' was not found in content/images/",
                                field="site.logo", line=pos.line if pos else None))


__all__ = [
    "PAIR_REQUIRED",
    "PARTICIPANT_REQUIRED",
    "SESSION_REQUIRED",
    "Inputs",
    "cross_check",
    "describe_error",
    "validate_config",
    "validate_document",
    "validate_surveys",
    "validate_table",
]
