"""Validate stage: type every input against its model, then check the rules across files.

Pure: takes what `load` read (documents and tables with positions) and returns typed records
plus every problem found, each located at a file and line or row. Cross-file rules run over
the records that passed their own field checks; a reference to a row that failed its own
checks is not reported again, so one mistake is reported once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from generator.config import ProgrammeConfig
from generator.errors import Problem
from generator.load import MarkdownFile, Table, YamlDocument, dotted_path, fold_name, quoted
from generator.model import (
    ORG_CHART_REQUIRED,
    PAIR_REQUIRED,
    PARTICIPANT_REQUIRED,
    SESSION_REQUIRED,
    SURVEY_REQUIRED,
    Guide,
    ImageFile,
    OrgPerson,
    Pair,
    Participant,
    Post,
    Session,
    Story,
    SurveyResponse,
    managers_above,
    merge_reporting_lines,
)
from generator.wording import plural

R = TypeVar("R", bound=BaseModel)
T = TypeVar("T")


# --- turning pydantic's errors into sentences ------------------------------------------


def _show(value: object) -> str:
    """Quote a value the way the user wrote it, never as a Python repr.

    A long value is cut to about 80 characters, with its length said: a 10 MB cell makes a
    one-line message, not a 10 MB one.
    """
    if isinstance(value, str):
        return quoted(value)
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a section of 'key: value' lines"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _number(value: object) -> str:
    """Show a number as written, without quotes."""
    return value.strip() if isinstance(value, str) else _show(value)


def describe_error(error: ErrorDetails) -> str:
    """Say what is wrong with a value in words a comms officer understands."""
    kind = error["type"]
    given = error.get("input")
    shown = _show(given)
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "this is required but missing"
    if given is None and kind not in {"value_error", "assertion_error"}:
        return "this is empty; write a value"
    if given == "" and kind != "string_too_short":
        return "this must not be empty" + _expected_hint(kind, ctx)
    if kind in {"int_parsing", "int_from_float", "int_type", "int_parsing_size"}:
        return f"{shown} is not a whole number"
    if kind in {"float_parsing", "float_type", "finite_number"}:
        return f"{shown} is not a number"
    if kind in {"bool_parsing", "bool_type"}:
        return f"{shown} is not yes or no; write true or false"
    if kind.startswith(("date", "datetime")):
        return f"{shown} is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31"
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{shown} is not allowed here; write {expected}"
    if kind == "string_too_short":
        return "this must not be empty"
    if kind == "string_too_long":
        return f"this is too long; keep it under {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return _pattern_message(shown, str(ctx.get("pattern", "")))
    if kind in {"greater_than_equal", "greater_than"}:
        return f"{_number(given)} is below the minimum of {ctx.get('ge', ctx.get('gt'))}"
    if kind in {"less_than_equal", "less_than"}:
        return f"{_number(given)} is above the maximum of {ctx.get('le', ctx.get('lt'))}"
    if kind == "too_short":
        wanted = int(ctx.get("min_length", 1))
        if wanted == 1:
            return "this list must not be empty"
        return f"this list needs at least {wanted} items"
    if kind == "too_long":
        return f"this list has too many items (at most {ctx.get('max_length')})"
    if kind in {"list_type", "tuple_type", "set_type"}:
        return "this should be a list (one '- item' per line, or [a, b])"
    if kind in {"dict_type", "model_type", "model_attributes_type", "mapping_type"}:
        return "this should be a section of 'key: value' lines"
    if kind == "string_type":
        return "this should be text, not a list or a section"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"])


def _expected_hint(kind: str, ctx: Mapping[str, Any]) -> str:
    """Say what an empty cell should hold, when the kind of value says it."""
    if kind in {"literal_error", "enum"}:
        return "; write " + str(ctx.get("expected", "")).replace("'", "")
    if kind.startswith(("date", "datetime")):
        return "; write a date as YYYY-MM-DD"
    if kind.startswith(("int", "float")):
        return "; write a number"
    return ""


def _pattern_message(shown: str, pattern: str) -> str:
    """Explain which form a value should take, from the pattern it failed."""
    if "@" in pattern:
        return f"{shown} is not an email address like name@example.org"
    if pattern.startswith("^#") or "#[0-9a-f" in pattern:
        return f"{shown} is not a colour; write #rrggbb like #0b5d5b, or a name like indigo"
    if "A-Za-z0-9_.-" in pattern:
        return f"{shown} is not a valid id; use only letters, digits, '-', '_' and '.'"
    if "._/-" in pattern:
        return f"{shown} is not a valid branch name; use only letters, digits, '.', '_', '/', '-'"
    if "[a-z]{2}" in pattern:
        return f"{shown} is not a language code like en or en-GB"
    return f"{shown} is not in the expected form; see programme.schema.json"


def _field_name(loc: Sequence[str | int]) -> str:
    return dotted_path(tuple(loc))


def _did_you_mean(word: str, known: Iterable[str]) -> str | None:
    """Return the known name closest to a misspelt one, if any is close."""
    found = difflib.get_close_matches(word.casefold(), sorted(known), n=1, cutoff=0.7)
    return found[0] if found else None


# --- programme.yaml ----------------------------------------------------------------------


def validate_config(doc: YamlDocument, file: str) -> tuple[ProgrammeConfig | None, list[Problem]]:
    """Type programme.yaml; report unknown keys as warnings."""
    if not isinstance(doc.data, dict):
        return None, [
            Problem(file, "programme.yaml must be a set of 'key: value' sections", line=1)
        ]
    # Unknown keys are reported even when the file is invalid: a typo often explains an error.
    problems = list(_unknown_keys(ProgrammeConfig, doc.data, (), doc, file))
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
    problems.extend(_config_rules(config, doc, file))
    return config, problems


def _unknown_key(
    key: str, known: Iterable[str], path: tuple[str | int, ...], doc: YamlDocument, file: str
) -> Problem:
    """Warn about one key the schema does not know (a typo is the usual cause)."""
    pos = doc.position((*path, key))
    guess = _did_you_mean(key, known)
    hint = f"did you mean '{guess}'?" if guess else "the keys here are " + ", ".join(sorted(known))
    return Problem(
        file,
        f"unknown key '{key}' is ignored; {hint}",
        field=_field_name((*path, key)),
        line=pos.line if pos else None,
        col=pos.col if pos else None,
        severity="warning",
    )


def _unknown_keys(
    model: type[BaseModel], data: object, path: tuple[str | int, ...], doc: YamlDocument, file: str
) -> Iterable[Problem]:
    """Warn about every key the schema does not know (a typo often explains an error)."""
    if not isinstance(data, dict):
        return
    fields = model.model_fields
    for key in sorted(data):
        if key not in fields:
            yield _unknown_key(key, fields, path, doc, file)
            continue
        inner = _section_model(fields[key].annotation)
        if inner is None:
            continue
        value = data[key]
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from _unknown_keys(inner, item, (*path, key, i), doc, file)
        else:
            yield from _unknown_keys(inner, value, (*path, key), doc, file)


def _section_model(annotation: Any) -> type[BaseModel] | None:
    """Return the model of a section or of the items of a list of sections, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _config_rules(config: ProgrammeConfig, doc: YamlDocument, file: str) -> Iterable[Problem]:
    """Check rules inside programme.yaml: unique ids, dates in order, a complete plan."""

    def at(path: tuple[str | int, ...], message: str) -> Problem:
        pos = doc.position(path)
        return Problem(
            file,
            message,
            field=_field_name(path),
            line=pos.line if pos else None,
            col=pos.col if pos else None,
        )

    first_grade: dict[str, int] = {}
    for i, grade in enumerate(config.grades):
        if grade in first_grade:
            yield at(
                ("grades", i),
                f"grade '{grade}' is listed twice (also grades[{first_grade[grade]}]); "
                "each grade appears once, from most junior to most senior",
            )
        first_grade.setdefault(grade, i)
    seen: dict[str, int] = {}
    for i, cohort in enumerate(config.cohorts):
        if cohort.id in seen:
            yield at(
                ("cohorts", i, "id"),
                f"cohort id '{cohort.id}' is used twice (also cohorts[{seen[cohort.id]}])",
            )
        seen.setdefault(cohort.id, i)
        window = cohort.applications
        if window.closes < window.opens:
            yield at(
                ("cohorts", i, "applications", "closes"),
                f"applications close ({window.closes}) before they open ({window.opens})",
            )
        if cohort.start < window.closes:
            yield at(
                ("cohorts", i, "start"),
                f"the cohort starts ({cohort.start}) before applications close ({window.closes})",
            )
        if cohort.end <= cohort.start:
            yield at(
                ("cohorts", i, "end"),
                f"the cohort ends ({cohort.end}) before it starts ({cohort.start})"
                if cohort.end < cohort.start
                else f"the cohort ends on the day it starts ({cohort.start})",
            )
    numbers = [s.number for s in config.session_plan]
    for i, session in enumerate(config.session_plan):
        if numbers.index(session.number) != i:
            yield at(("session_plan", i, "number"), f"session {session.number} is planned twice")
    expected = max(c.sessions for c in config.cohorts)
    missing = sorted(set(range(1, expected + 1)) - set(numbers))
    if missing:
        yield at(
            ("session_plan",),
            "there is no plan for session "
            + ", ".join(map(str, missing))
            + f"; cohorts have up to {expected} sessions",
        )
    staff_ids: dict[str, int] = {}
    for i, person in enumerate(config.staff):
        if person.id in staff_ids:
            yield at(
                ("staff", i, "id"),
                f"staff id '{person.id}' is used twice (also staff[{staff_ids[person.id]}])",
            )
        staff_ids.setdefault(person.id, i)
    keys = [m.key for m in config.success_measures]
    for i, measure in enumerate(config.success_measures):
        if keys.index(measure.key) != i:
            yield at(("success_measures", i, "key"), f"measure '{measure.key}' is listed twice")
        if measure.scale_max <= measure.scale_min:
            yield at(
                ("success_measures", i, "scale_max"),
                f"the scale must go up: scale_max ({measure.scale_max}) is not above "
                f"scale_min ({measure.scale_min})",
            )


# --- tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows(Generic[R]):
    """Valid records of one table with their spreadsheet row numbers."""

    file: str
    items: tuple[tuple[int, R], ...] = ()
    # Rows that failed their own field checks, as read: later rules stay quiet about them.
    rejected: tuple[tuple[int, Mapping[str, str]], ...] = ()
    # False when the table could not be read at all (missing file or required column).
    readable: bool = True
    # The header the file uses for each canonical column, for messages.
    labels: Mapping[str, str] = field(default_factory=dict)

    def records(self) -> tuple[R, ...]:
        """Return just the records."""
        return tuple(r for _, r in self.items)

    def column(self, name: str) -> str:
        """Name a column as the file's header row does: ``column 'Work Email'``."""
        return f"column '{self.labels.get(name, name)}'"

    def rejected_values(self, name: str) -> set[str]:
        """Return the values of a column in the rows that failed their own checks."""
        return {raw.get(name, "") for _, raw in self.rejected} - {""}


def _labels(table: Table) -> dict[str, str]:
    return {column: table.label(column) for column in table.columns}


def _missing_columns(table: Table, required: Sequence[str]) -> list[Problem]:
    return [
        Problem(
            table.file,
            "this required column is missing; check the header row, or map your header "
            "to it under data.columns in programme.yaml",
            field=f"column '{c}'",
            row=1,
        )
        for c in required
        if c not in table.columns
    ]


def _unknown_column(table: Table, column: str, known: Iterable[str], fate: str) -> Problem:
    guess = _did_you_mean(column, known)
    hint = (
        f"; if it is '{guess}', rename the header or map it under data.columns in programme.yaml"
        if guess
        else ""
    )
    return Problem(
        table.file,
        f"the portal does not use this column; {fate}{hint}",
        field=f"column '{table.label(column)}'",
        row=1,
        severity="warning",
    )


def validate_table(
    table: Table,
    model: type[R],
    required: Sequence[str],
    *,
    extra_into: str | None = None,
    quiet_extras: Iterable[str] = (),
) -> tuple[Rows[R], list[Problem]]:
    """Type every row of a table; missing columns are errors, unknown ones warnings."""
    labels = _labels(table)
    fields = set(model.model_fields) - ({extra_into} if extra_into else set())
    quiet = set(quiet_extras)
    extras = [c for c in table.columns if c not in fields]
    fate = "it is kept private and never published" if extra_into else "it is ignored"
    # Unknown columns are reported with missing ones: an unmapped header is the usual cause.
    problems = [
        _unknown_column(table, column, fields, fate) for column in extras if column not in quiet
    ]
    missing = _missing_columns(table, required)
    if missing:
        return Rows(table.file, readable=False, labels=labels), missing + problems
    prepared: list[Mapping[str, Any]] = list(table.rows)  # the common case: no extra columns
    if extras:
        prepared = []
        for raw in table.rows:
            row: dict[str, Any] = {k: v for k, v in raw.items() if k in fields}
            if extra_into:
                row[extra_into] = {k: raw[k] for k in extras}
            prepared.append(row)
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
    try:
        records: list[R] = adapter.validate_python(prepared)
    except ValidationError as exc:
        bad: dict[int, list[ErrorDetails]] = defaultdict(list)
        for err in exc.errors():
            bad[int(err["loc"][0])].append(err)
    else:
        items = tuple((table.row_number(i), r) for i, r in enumerate(records))
        return Rows(table.file, items, labels=labels), problems
    good: list[tuple[int, R]] = []
    rejected: list[tuple[int, Mapping[str, str]]] = []
    for index, prepared_row in enumerate(prepared):
        number = table.row_number(index)
        if index not in bad:
            good.append((number, model.model_validate(prepared_row)))
            continue
        rejected.append((number, table.rows[index]))
        for err in bad[index]:
            column = str(err["loc"][1]) if len(err["loc"]) > 1 else "?"
            problems.append(
                Problem(
                    table.file,
                    describe_error(err),
                    field=f"column '{labels.get(column, column)}'",
                    row=number,
                )
            )
    return Rows(table.file, tuple(good), tuple(rejected), labels=labels), problems


def validate_surveys(
    table: Table, config: ProgrammeConfig
) -> tuple[Rows[SurveyResponse], list[Problem]]:
    """Type survey rows: one score column per success measure."""
    labels = _labels(table)
    problems = _missing_columns(table, SURVEY_REQUIRED)
    measures = {m.survey_field: m for m in config.success_measures}
    for column in sorted(set(measures) - set(table.columns)):
        problems.append(
            Problem(
                table.file,
                f"this column is missing; success measure '{measures[column].key}' "
                "reads its scores from it",
                field=f"column '{column}'",
                row=1,
            )
        )
    if problems:
        return Rows(table.file, readable=False, labels=labels), problems
    known = set(SURVEY_REQUIRED)
    problems.extend(
        _unknown_column(table, column, known | set(measures), "it is ignored")
        for column in table.columns
        if column not in known and column not in measures
    )
    good: list[tuple[int, SurveyResponse]] = []
    rejected: list[tuple[int, Mapping[str, str]]] = []
    for index, raw in enumerate(table.rows):
        number = table.row_number(index)
        scores: dict[str, float | None] = {}
        found: list[Problem] = []
        for column, measure in measures.items():
            cell = raw.get(column, "")
            if not cell:
                scores[column] = None
                continue
            label = f"column '{labels.get(column, column)}'"
            try:
                value = float(cell.replace(",", "."))
            except ValueError:
                found.append(
                    Problem(table.file, f"'{cell}' is not a number", field=label, row=number)
                )
                continue
            if not measure.scale_min <= value <= measure.scale_max:
                found.append(
                    Problem(
                        table.file,
                        f"{cell} is outside the scale of {measure.scale_min} to "
                        f"{measure.scale_max}",
                        field=label,
                        row=number,
                    )
                )
            scores[column] = value
        response: SurveyResponse | None = None
        try:
            response = SurveyResponse.model_validate(
                {**{c: raw[c] for c in SURVEY_REQUIRED}, "scores": scores}
            )
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0])
                found.append(
                    Problem(
                        table.file,
                        describe_error(err),
                        field=f"column '{labels.get(column, column)}'",
                        row=number,
                    )
                )
        if found or response is None:
            problems.extend(found)
            rejected.append((number, raw))
        else:
            good.append((number, response))
    return Rows(table.file, tuple(good), tuple(rejected), labels=labels), problems


# --- Markdown content -------------------------------------------------------------------


@dataclass(frozen=True)
class Located(Generic[R]):
    """A typed document plus its source, for locating later errors."""

    record: R
    source: MarkdownFile


def validate_document(
    md: MarkdownFile, model: type[R], slug: str
) -> tuple[Located[R] | None, list[Problem]]:
    """Type a Markdown file's front matter; unknown keys are warnings."""
    meta = md.meta.data or {}
    internal = {"slug", "file", "body", "body_line", "lines"}
    allowed = set(model.model_fields) - internal
    problems: list[Problem] = []
    for key in sorted(set(meta) - allowed):
        pos = md.meta.position((key,))
        guess = _did_you_mean(key, allowed)
        hint = f"did you mean '{guess}'?" if guess else "the keys are " + ", ".join(sorted(allowed))
        problems.append(
            Problem(
                md.file,
                f"unknown front matter key '{key}' is ignored; {hint}",
                field=key,
                line=pos.line if pos else None,
                severity="warning",
            )
        )
    data = {k: v for k, v in meta.items() if k in allowed}
    lines = {str(key): pos.line for key in meta if (pos := md.meta.position((key,))) is not None}
    # The model strips the body; count the blank lines it drops so body lines stay exact.
    dropped = md.body[: len(md.body) - len(md.body.lstrip())].count("\n")
    data.update(
        slug=slug, file=md.file, body=md.body, body_line=md.body_line + dropped, lines=lines
    )
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            pos = md.meta.position(loc) if loc and loc[0] in meta else None
            problems.append(
                Problem(
                    md.file,
                    describe_error(err),
                    field=_field_name(loc),
                    line=pos.line if pos else 1,
                )
            )
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
    images: Mapping[str, ImageFile] = field(default_factory=dict)
    # The org chart table (data.people), or None when programme.yaml names none.
    org_chart: Rows[OrgPerson] | None = None


@dataclass(frozen=True)
class _Known(Generic[T]):
    """Ids a reference may point at: valid ones, and ones whose row has its own errors."""

    valid: Mapping[str, T]
    failed: frozenset[str]
    # False when the table could not be read: references to it cannot be checked.
    checkable: bool

    def unknown(self, value: str) -> bool:
        """Whether a reference points at nothing at all (and should be reported)."""
        return self.checkable and value not in self.valid and value not in self.failed


def cross_check(inputs: Inputs) -> list[Problem]:
    """Run every rule that spans files; return all problems found."""
    problems: list[Problem] = []
    people = _check_participants(inputs, problems)
    known_people = _Known(
        people,
        frozenset(inputs.participants.rejected_values("id")),
        inputs.participants.readable,
    )
    managers = _check_reporting_lines(inputs, people, problems)
    pairs = _check_pairs(inputs, known_people, managers, problems)
    known_pairs = _Known(
        pairs, frozenset(inputs.pairs.rejected_values("pair_id")), inputs.pairs.readable
    )
    _check_sessions(inputs, known_pairs, problems)
    _check_surveys(inputs, known_people, problems)
    _check_stories(inputs, known_people, known_pairs, problems)
    _check_posts(inputs, known_people, problems)
    _check_config_images(inputs, problems)
    return problems


def _check_participants(inputs: Inputs, problems: list[Problem]) -> dict[str, Participant]:
    config = inputs.config
    table = inputs.participants
    file = table.file
    grades = set(config.grades)
    folded_grades = {fold_name(grade): grade for grade in config.grades}
    first_row: dict[str, int] = {}
    people: dict[str, Participant] = {}
    for row, person in table.items:
        if person.id in first_row:
            problems.append(
                Problem(
                    file,
                    f"'{person.id}' is used twice (also on row {first_row[person.id]}); "
                    "ids must be unique",
                    field=table.column("id"),
                    row=row,
                )
            )
            continue
        first_row[person.id] = row
        people[person.id] = person
        if person.photo and _image_key(person.photo) in inputs.images:
            found = _not_a_picture(person.photo, inputs.images)
            if found:
                problems.append(Problem(file, found, field=table.column("photo"), row=row))
        if person.photo and _image_key(person.photo) not in inputs.images:
            problems.append(
                Problem(
                    file,
                    f"image '{person.photo}' was not found in content/images/",
                    field=table.column("photo"),
                    row=row,
                )
            )
    # Grades and cohorts are checked on rows with other errors too, so all are found at once.
    checked = [(row, p.grade, p.cohort) for row, p in table.items]
    checked += [(row, raw.get("grade", ""), raw.get("cohort", "")) for row, raw in table.rejected]
    for row, grade, cohort in sorted(checked):
        # The loader has already rewritten grades that differ only in case and spacing to
        # the programme's spelling, so what is left here is a different word.
        if grade and grade not in grades:
            guess = _did_you_mean(fold_name(grade), folded_grades)
            hint = f"; did you mean '{folded_grades[guess]}'?" if guess else ""
            problems.append(
                Problem(
                    file,
                    f"{quoted(grade)} is not one of the programme's grades "
                    f"({', '.join(config.grades)}){hint}",
                    field=table.column("grade"),
                    row=row,
                )
            )
        if cohort:
            problems.extend(_unknown_cohort(table, row, cohort, config))
    staff = {s.id for s in config.staff}
    for row, person in table.items:
        if people.get(person.id) is not person:
            continue
        if person.id in staff:
            problems.append(
                Problem(
                    file,
                    f"'{person.id}' is also a staff id in programme.yaml; use another id",
                    field=table.column("id"),
                    row=row,
                )
            )
    return people


@dataclass(frozen=True)
class _Line:
    """Where one person's manager is written: a row of the participants or org chart table."""

    file: str
    row: int
    field: str
    # Participants first, then the org chart, each in row order: the order reports follow.
    order: tuple[int, int]


def _check_reporting_lines(
    inputs: Inputs, people: Mapping[str, Participant], problems: list[Problem]
) -> dict[str, str]:
    """Check the manager ids of both tables; return the reporting tree (id -> manager id).

    The tree joins the participants' own manager ids and the org chart's, so a line through
    someone outside the programme is still a line. A participant's own row wins; the org chart
    fills in a manager that the participants table leaves blank.
    """
    table, chart = inputs.participants, inputs.org_chart
    entries = _check_org_chart(chart, table, people, problems) if chart is not None else {}
    tree = merge_reporting_lines(
        people.values(), {pid: entry.manager_id for pid, (_, entry) in entries.items()}
    )
    lines: dict[str, _Line] = {}
    for row, person in table.items:
        if people.get(person.id) is person:
            lines[person.id] = _Line(table.file, row, table.column("manager_id"), (0, row))
    if chart is not None:
        for pid, (row, _entry) in entries.items():
            if pid not in people or not people[pid].manager_id:
                lines[pid] = _Line(chart.file, row, chart.column("manager_id"), (1, row))
    # References are checked only when both tables could be read; a manager whose own row has
    # errors counts as known (that row is reported, once).
    if table.readable and (chart is None or chart.readable):
        known = set(people) | table.rejected_values("id")
        if chart is None:
            hint = (
                "; if they are not in the programme, list them in the org chart table "
                "(data.people in programme.yaml)"
            )
            who = "participant"
        else:
            known |= set(entries) | chart.rejected_values("id")
            hint, who = "", "participant or person in the org chart"
        rows: list[tuple[Rows[Any], int, str]] = [
            (table, row, person.manager_id)
            for row, person in table.items
            if people.get(person.id) is person
        ]
        if chart is not None:
            rows += [(chart, row, entry.manager_id) for row, entry in entries.values()]
        for source, row, manager in rows:
            if manager and manager not in known:
                problems.append(
                    Problem(
                        source.file,
                        f"no {who} has id '{manager}'{hint}",
                        field=source.column("manager_id"),
                        row=row,
                    )
                )
    problems.extend(_manager_loops(tree, lines))
    return tree


def _check_org_chart(
    chart: Rows[OrgPerson],
    participants: Rows[Participant],
    people: Mapping[str, Participant],
    problems: list[Problem],
) -> dict[str, tuple[int, OrgPerson]]:
    """Check the org chart's own rules; return its people by id, with their rows."""
    participant_rows = {p.id: row for row, p in participants.items if people.get(p.id) is p}
    entries: dict[str, tuple[int, OrgPerson]] = {}
    for row, entry in chart.items:
        if entry.id in entries:
            problems.append(
                Problem(
                    chart.file,
                    f"'{entry.id}' is used twice (also on row {entries[entry.id][0]}); "
                    "ids must be unique",
                    field=chart.column("id"),
                    row=row,
                )
            )
            continue
        entries[entry.id] = (row, entry)
        person = people.get(entry.id)
        if (
            person is not None
            and person.manager_id
            and entry.manager_id
            and person.manager_id != entry.manager_id
        ):
            problems.append(
                Problem(
                    chart.file,
                    f"{entry.id}'s manager is '{entry.manager_id}' here but "
                    f"'{person.manager_id}' in {participants.file} (row "
                    f"{participant_rows[entry.id]}); the two tables must agree",
                    field=chart.column("manager_id"),
                    row=row,
                )
            )
    return entries


def _manager_loops(tree: Mapping[str, str], lines: Mapping[str, _Line]) -> list[Problem]:
    """Report each loop of managers once, at the row of its first person (participants first)."""
    found: list[Problem] = []
    settled: set[str] = set()  # people whose chain of managers ends, or whose loop is reported
    for person_id in sorted(lines, key=lambda pid: lines[pid].order):
        if person_id in settled:
            continue
        chain = [person_id]
        current = tree[person_id]
        while current in lines and current not in settled and current not in chain:
            chain.append(current)
            current = tree[current]
        settled.update(chain)
        if current not in chain:
            continue
        loop = chain[chain.index(current) :]
        first = min(range(len(loop)), key=lambda i: lines[loop[i]].order)
        loop = loop[first:] + loop[:first]
        where = lines[loop[0]]
        if len(loop) == 1:
            message = f"{loop[0]} is their own manager"
        else:
            # A loop through both tables says where its other links are written.
            elsewhere = [pid for pid in loop if lines[pid].file != where.file]
            note = ""
            if elsewhere:
                whose = _and([f"{pid}'s" for pid in elsewhere])
                rows = _and([str(lines[pid].row) for pid in elsewhere])
                are = "manager is on row" if len(elsewhere) == 1 else "managers are on rows"
                note = f"; {whose} {are} {rows} of {lines[elsewhere[0]].file}"
            message = (
                "managers go round in a loop ("
                + " → ".join([*loop, loop[0]])
                + note
                + "); one of them needs a different manager"
            )
        found.append(Problem(where.file, message, field=where.field, row=where.row))
    return found


def _and(items: Sequence[str]) -> str:
    """Join words as English does: 'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _unknown_cohort(
    table: Rows[Any], row: int, cohort: str, config: ProgrammeConfig
) -> list[Problem]:
    if config.cohort(cohort) is not None:
        return []
    return [
        Problem(
            table.file,
            f"'{cohort}' is not a cohort in programme.yaml "
            f"({', '.join(c.id for c in config.cohorts)})",
            field=table.column("cohort"),
            row=row,
        )
    ]


def reporting_line_relation(
    a: str, b: str, managers: Mapping[str, str], skip_level: bool
) -> str | None:
    """Describe how *b* sits in *a*'s reporting line (or the reverse), or None.

    *managers* maps each person to their manager's id: participants and the org chart alike.
    """
    levels = 2 if skip_level else 1
    names = ["manager", "manager's manager"]
    for upper, lower in ((b, a), (a, b)):
        chain = managers_above(lower, managers, levels)
        if upper in chain:
            return f"{upper} is {lower}'s {names[chain.index(upper)]}"
    return None


def _grade_gap_message(mentor: Participant, mentee: Participant, gap: int, needed: int) -> str:
    if gap == 0:
        actual = "they are on the same grade"
    elif gap > 0:
        actual = f"is only {plural(gap, 'grade')} junior"
    else:
        actual = f"is {plural(-gap, 'grade')} senior to them"
    return (
        f"the mentor ({mentor.id}, {mentor.grade}) must be at least {plural(needed, 'grade')} "
        f"junior to the mentee ({mentee.id}, {mentee.grade}), but {actual}"
    )


def _check_pairs(
    inputs: Inputs,
    people: _Known[Participant],
    managers: Mapping[str, str],
    problems: list[Problem],
) -> dict[str, Pair]:
    config = inputs.config
    table = inputs.pairs
    file = table.file
    rules = config.matching
    pairs: dict[str, Pair] = {}
    first_row: dict[str, int] = {}
    busy: dict[tuple[str, str, str], list[tuple[int, Pair]]] = defaultdict(list)
    for row, raw in table.rejected:
        if raw.get("cohort"):
            problems.extend(_unknown_cohort(table, row, raw["cohort"], config))
    for row, pair in table.items:
        if pair.pair_id in first_row:
            problems.append(
                Problem(
                    file,
                    f"'{pair.pair_id}' is used twice (also on row {first_row[pair.pair_id]}); "
                    "ids must be unique",
                    field=table.column("pair_id"),
                    row=row,
                )
            )
            continue
        first_row[pair.pair_id] = row
        pairs[pair.pair_id] = pair
        cohort = config.cohort(pair.cohort)
        problems.extend(_unknown_cohort(table, row, pair.cohort, config))
        if cohort and pair.start_date and not cohort.start <= pair.start_date <= cohort.end:
            problems.append(
                Problem(
                    file,
                    f"{pair.start_date} is outside the dates of cohort {cohort.id} "
                    f"({cohort.start} to {cohort.end})",
                    field=table.column("start_date"),
                    row=row,
                )
            )
        mentor, mentee = people.valid.get(pair.mentor_id), people.valid.get(pair.mentee_id)
        for column, pid, person, role in (
            ("mentor_id", pair.mentor_id, mentor, "mentor"),
            ("mentee_id", pair.mentee_id, mentee, "mentee"),
        ):
            if people.unknown(pid):
                problems.append(
                    Problem(
                        file,
                        f"no participant has id '{pid}'",
                        field=table.column(column),
                        row=row,
                    )
                )
            elif person is not None and person.role != role:
                problems.append(
                    Problem(
                        file,
                        f"{pid} is a {person.role} in the participants table, not a {role}",
                        field=table.column(column),
                        row=row,
                    )
                )
        if pair.mentor_id == pair.mentee_id:
            problems.append(
                Problem(
                    file,
                    "a person cannot mentor themselves",
                    field=table.column("mentee_id"),
                    row=row,
                )
            )
            continue
        if pair.is_approved:
            busy[(pair.cohort, "mentor", pair.mentor_id)].append((row, pair))
            busy[(pair.cohort, "mentee", pair.mentee_id)].append((row, pair))
        if mentor is None or mentee is None:
            continue
        if mentor.grade in config.grades and mentee.grade in config.grades:
            gap = config.grade_rank(mentee.grade) - config.grade_rank(mentor.grade)
            if gap < rules.min_grade_gap:
                problems.append(
                    Problem(
                        file,
                        _grade_gap_message(mentor, mentee, gap, rules.min_grade_gap),
                        field=table.column("mentor_id"),
                        row=row,
                    )
                )
        if rules.exclude_direct_line:
            relation = reporting_line_relation(
                pair.mentor_id, pair.mentee_id, managers, rules.exclude_skip_level
            )
            if relation:
                problems.append(
                    Problem(
                        file,
                        f"{relation}; a pair must not be inside one reporting line",
                        field=table.column("mentee_id"),
                        row=row,
                    )
                )
    for (cohort_id, role, pid), taken in sorted(busy.items()):
        limit = rules.mentor_capacity if role == "mentor" else 1
        earlier = " and ".join(f"{p.pair_id} (row {r})" for r, p in taken[:limit])
        allowed = (
            f"a {role} can be in only one approved pair per cohort"
            if limit == 1
            else f"a {role} can be in at most {limit} approved pairs per cohort "
            "(matching.mentor_capacity)"
        )
        for row, _pair in taken[limit:]:
            problems.append(
                Problem(
                    file,
                    f"{pid} is already in approved pair{'s' if limit > 1 else ''} {earlier} "
                    f"of cohort {cohort_id}; {allowed}",
                    field=table.column(f"{role}_id"),
                    row=row,
                )
            )
    return pairs


def _check_sessions(inputs: Inputs, pairs: _Known[Pair], problems: list[Problem]) -> None:
    table = inputs.sessions
    for row, session in table.items:
        pair = pairs.valid.get(session.pair_id)
        if pairs.unknown(session.pair_id):
            problems.append(
                Problem(
                    table.file,
                    f"no pair has id '{session.pair_id}'",
                    field=table.column("pair_id"),
                    row=row,
                )
            )
        elif pair is not None and pair.start_date and session.date < pair.start_date:
            problems.append(
                Problem(
                    table.file,
                    f"{session.date} is before pair {pair.pair_id} started ({pair.start_date})",
                    field=table.column("date"),
                    row=row,
                )
            )


def _check_surveys(inputs: Inputs, people: _Known[Participant], problems: list[Problem]) -> None:
    table = inputs.surveys
    file = table.file
    seen: dict[tuple[str, str, str], int] = {}
    for row, raw in table.rejected:
        if raw.get("cohort"):
            problems.extend(_unknown_cohort(table, row, raw["cohort"], inputs.config))
    for row, answer in table.items:
        if people.unknown(answer.participant_id):
            problems.append(
                Problem(
                    file,
                    f"no participant has id '{answer.participant_id}'",
                    field=table.column("participant_id"),
                    row=row,
                )
            )
        problems.extend(_unknown_cohort(table, row, answer.cohort, inputs.config))
        key = (answer.participant_id, answer.cohort, answer.phase)
        if key in seen:
            problems.append(
                Problem(
                    file,
                    f"{answer.participant_id} already answered the {answer.phase} survey "
                    f"of cohort {answer.cohort} on row {seen[key]}",
                    field=table.column("phase"),
                    row=row,
                )
            )
        seen.setdefault(key, row)


def _meta_line(doc: Located[Any], *path: str | int) -> int:
    pos = doc.source.meta.position(path)
    return pos.line if pos else 1


def _check_stories(
    inputs: Inputs, people: _Known[Participant], pairs: _Known[Pair], problems: list[Problem]
) -> None:
    for doc in inputs.stories:
        story, file = doc.record, doc.source.file
        pair = pairs.valid.get(story.pair) if story.pair else None
        if story.pair and pairs.unknown(story.pair):
            problems.append(
                Problem(
                    file,
                    f"no pair has id '{story.pair}'",
                    field="pair",
                    line=_meta_line(doc, "pair"),
                )
            )
        for pid in sorted(story.consent):
            if people.unknown(pid):
                problems.append(
                    Problem(
                        file,
                        f"no participant has id '{pid}'",
                        field=f"consent.{pid}",
                        line=_meta_line(doc, "consent", pid),
                    )
                )
        if story.image and _image_key(story.image) in inputs.images:
            found = _not_a_picture(story.image, inputs.images, named=True)
            if found:
                problems.append(Problem(file, found, field="image", line=_meta_line(doc, "image")))
        if story.image and _image_key(story.image) not in inputs.images:
            problems.append(
                Problem(
                    file,
                    f"image '{story.image}' was not found in content/images/",
                    field="image",
                    line=_meta_line(doc, "image"),
                )
            )
        problems.extend(_body_images(doc, inputs.images))
        if story.status != "approved" or story.anonymous or pair is None:
            continue
        for pid in (pair.mentor_id, pair.mentee_id):
            person = people.valid.get(pid)
            if person is None:
                continue
            if pid not in story.consent:
                has_consent = "consent" in (doc.source.meta.data or {})
                problems.append(
                    Problem(
                        file,
                        f"the story is approved but {pid} (in pair {pair.pair_id}) has not "
                        f"recorded consent; add '{pid}: <date they agreed>' under consent, "
                        "or set status: awaiting-consent",
                        field="consent",
                        line=_meta_line(doc, "consent" if has_consent else "status"),
                    )
                )


def _check_posts(inputs: Inputs, people: _Known[Participant], problems: list[Problem]) -> None:
    staff = {s.id for s in inputs.config.staff}
    for doc in inputs.posts:
        post, file = doc.record, doc.source.file
        for i, author in enumerate(post.authors):
            if author in staff:
                continue
            if people.unknown(author):
                problems.append(
                    Problem(
                        file,
                        f"no participant or staff member has id '{author}'",
                        field="authors",
                        line=_meta_line(doc, "authors", i),
                    )
                )
        problems.extend(_body_images(doc, inputs.images))


_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*:")
_IMAGE_REF = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")


def _body_images(doc: Located[Any], images: Mapping[str, ImageFile]) -> Iterable[Problem]:
    """Report Markdown images in a body that point at a missing file in content/images/."""
    for offset, line in enumerate(doc.source.body.split("\n")):
        for match in _IMAGE_REF.finditer(line):
            target = match.group(1)
            if _SCHEME.match(target) or target.startswith(("//", "#")):
                continue  # not a file of ours: the HTML allow-list decides what becomes of it
            found = _not_a_picture(target, images, named=True)
            if found:
                yield Problem(
                    doc.source.file, found, field="image", line=doc.source.body_line + offset
                )
            if _image_key(target) not in images:
                yield Problem(
                    doc.source.file,
                    f"image '{target}' was not found in content/images/",
                    field="image",
                    line=doc.source.body_line + offset,
                )


def _image_key(reference: str) -> str:
    """Normalise an image reference to its path under content/ (e.g. 'images/a.png')."""
    cleaned = reference.strip().split("#")[0].split("?")[0]
    parts = [p for p in cleaned.replace("\\", "/").split("/") if p not in {"", ".", ".."}]
    if "images" not in parts:
        return "/".join(["images", *parts])
    return "/".join(parts[parts.index("images") :])


image_key = _image_key


def _not_a_picture(
    reference: str, images: Mapping[str, ImageFile], named: bool = False
) -> str | None:
    """Say why an image file cannot be published as named, or None when it can.

    The kind is decided from the file's bytes. Participant photos and content images must be
    JPEG, PNG, WebP or GIF (SVG is only for the programme's own logo). A content image is
    published under its own name, so its extension must say what it is.
    """
    key = _image_key(reference)
    image = images.get(key)
    if image is None:
        return None
    if not image.is_raster:
        if image.suffix == ".svg":
            return (
                f"{key} is an SVG drawing; pictures must be JPEG, PNG, WebP or GIF "
                "(SVG is only for the programme's logo)"
            )
        return f"{key} is not a picture (it is {image.kind})"
    extension = PurePosixPath(key).suffix.lower().replace(".jpeg", ".jpg")
    if named and extension != image.suffix:
        return (
            f"{key} is {image.kind}, but its name ends in '{PurePosixPath(key).suffix}'; "
            f"rename it to end in '{image.suffix}'"
        )
    return None


def _check_config_images(inputs: Inputs, problems: list[Problem]) -> None:
    logo = inputs.config.site.logo
    if logo and _image_key(logo) in inputs.images:
        image = inputs.images[_image_key(logo)]
        if not (image.is_raster or image.suffix == ".svg"):
            pos = inputs.config_doc.position(("site", "logo"))
            problems.append(
                Problem(
                    inputs.config_file,
                    f"{_image_key(logo)} is not a picture (it is {image.kind})",
                    field="site.logo",
                    line=pos.line if pos else None,
                )
            )
    if logo and _image_key(logo) not in inputs.images:
        pos = inputs.config_doc.position(("site", "logo"))
        problems.append(
            Problem(
                inputs.config_file,
                f"image '{logo}' was not found in content/images/",
                field="site.logo",
                line=pos.line if pos else None,
                col=pos.col if pos else None,
            )
        )


__all__ = [
    "ORG_CHART_REQUIRED",
    "PAIR_REQUIRED",
    "PARTICIPANT_REQUIRED",
    "SESSION_REQUIRED",
    "Inputs",
    "Located",
    "Rows",
    "cross_check",
    "describe_error",
    "image_key",
    "managers_above",
    "reporting_line_relation",
    "validate_config",
    "validate_document",
    "validate_surveys",
    "validate_table",
]
