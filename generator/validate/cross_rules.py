"""Rules across files: references between tables, reporting lines, pairs, sessions, surveys.

They run over the records that passed their own field checks; a reference to a row that failed
its own checks is not reported again, so one mistake is reported once. Messages that mention a
person or a pair give the name with the id ("Grace Oyelaran (P037)"): the check is private, and
the lead knows people by name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from generator.config import ProgrammeConfig
from generator.errors import Problem
from generator.load import fold_name, quoted
from generator.model import (
    Pair,
    Participant,
)
from generator.names import Directory
from generator.validate.content_rules import CONTENT_RULES, resolve_names
from generator.validate.image_rules import config_images, image_key, not_a_picture
from generator.validate.inputs import CrossContext, Inputs, Known
from generator.validate.reporting_rules import check_reporting_lines, reporting_line_relation
from generator.validate.rules import Rule, duplicates, run_rules
from generator.validate.table_rules import Rows, id_used_twice
from generator.validate.wording import did_you_mean
from generator.wording import plural


def cross_check(inputs: Inputs) -> list[Problem]:
    """Run every rule that spans files; return all problems found.

    Names written in front matter ("Callum Reid and Alison Brooks") are resolved to ids here,
    once, in ``inputs.stories`` and ``inputs.posts``; later stages see ids only.
    """
    problems: list[Problem] = []
    people = _check_participants(inputs, problems)
    directory = Directory.build(people.values(), inputs.config.staff, inputs.pairs.records())
    known_people = Known(
        people,
        frozenset(inputs.participants.rejected_values("id")),
        inputs.participants.readable,
    )
    managers = check_reporting_lines(inputs, people, directory, problems)
    pairs = _check_pairs(inputs, known_people, managers, directory, problems)
    known_pairs = Known(
        pairs, frozenset(inputs.pairs.rejected_values("pair_id")), inputs.pairs.readable
    )
    context = CrossContext(inputs, known_people, known_pairs, managers, directory)
    problems.extend(resolve_names(context))
    problems.extend(run_rules(CROSS_RULES, context))
    return problems


def _check_participants(inputs: Inputs, problems: list[Problem]) -> dict[str, Participant]:
    config = inputs.config
    table = inputs.participants
    file = table.file
    grades = set(config.grades)
    folded_grades = {fold_name(grade): grade for grade in config.grades}
    first: dict[str, int] = {}
    people: dict[str, Participant] = {}
    for row, person in table.items:
        first.setdefault(person.id, row)
        people.setdefault(person.id, person)
    names = {pid: person.name for pid, person in people.items()}
    problems.extend(id_used_twice(table, "id", ((p.id, row) for row, p in table.items), names))
    for row, person in table.items:
        if first[person.id] != row or not person.photo:
            continue
        if image_key(person.photo) in inputs.images:
            found = not_a_picture(person.photo, inputs.images)
            if found:
                problems.append(Problem(file, found, field=table.column("photo"), row=row))
        else:
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
            guess = did_you_mean(fold_name(grade), folded_grades)
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
            problems.extend(unknown_cohort(table, row, cohort, config))
    staff = {s.id: s.name for s in config.staff}
    for row, person in table.items:
        if first[person.id] == row and person.id in staff:
            problems.append(
                Problem(
                    file,
                    f"'{person.id}' is also a staff id in programme.yaml "
                    f"({staff[person.id]}); use another id",
                    field=table.column("id"),
                    row=row,
                )
            )
    return people


def unknown_cohort(
    table: Rows[Any], row: int, cohort: str, config: ProgrammeConfig
) -> list[Problem]:
    """Report a cohort id that programme.yaml does not list."""
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


def _grade_gap_message(mentor: Participant, mentee: Participant, gap: int, needed: int) -> str:
    if gap == 0:
        actual = "they are on the same grade"
    elif gap > 0:
        actual = f"is only {plural(gap, 'grade')} junior"
    else:
        actual = f"is {plural(-gap, 'grade')} senior to them"
    return (
        f"the mentor ({mentor.name}, {mentor.id}, {mentor.grade}) must be at least "
        f"{plural(needed, 'grade')} junior to the mentee ({mentee.name}, {mentee.id}, "
        f"{mentee.grade}), but {actual}"
    )


def _check_pairs(
    inputs: Inputs,
    people: Known[Participant],
    managers: Mapping[str, str],
    directory: Directory,
    problems: list[Problem],
) -> dict[str, Pair]:
    config = inputs.config
    table = inputs.pairs
    file = table.file
    rules = config.matching
    label = directory.label
    pairs: dict[str, Pair] = {}
    busy: dict[tuple[str, str, str], list[tuple[int, Pair]]] = defaultdict(list)
    for row, raw in table.rejected:
        if raw.get("cohort"):
            problems.extend(unknown_cohort(table, row, raw["cohort"], config))
    problems.extend(
        id_used_twice(
            table,
            "pair_id",
            ((p.pair_id, row) for row, p in table.items),
            {k: directory.name(k) for k in directory.pairs},
        )
    )
    for row, pair in table.items:
        if pair.pair_id in pairs:
            continue
        pairs[pair.pair_id] = pair
        cohort = config.cohort(pair.cohort)
        problems.extend(unknown_cohort(table, row, pair.cohort, config))
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
                        f"{label(pid)} is a {person.role} in the participants table, not a {role}",
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
                pair.mentor_id, pair.mentee_id, managers, rules.exclude_skip_level, directory
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
                    f"{label(pid)} is already in approved pair{'s' if limit > 1 else ''} "
                    f"{earlier} of cohort {cohort_id}; {allowed}",
                    field=table.column(f"{role}_id"),
                    row=row,
                )
            )
    return pairs


def _sessions_of_known_pairs(c: CrossContext) -> Iterable[Problem]:
    table = c.inputs.sessions
    for row, session in table.items:
        pair = c.pairs.valid.get(session.pair_id)
        if c.pairs.unknown(session.pair_id):
            yield Problem(
                table.file,
                f"no pair has id '{session.pair_id}'",
                field=table.column("pair_id"),
                row=row,
            )
        elif pair is not None and pair.start_date and session.date < pair.start_date:
            yield Problem(
                table.file,
                f"{session.date} is before pair {c.directory.label(pair.pair_id)} started "
                f"({pair.start_date})",
                field=table.column("date"),
                row=row,
            )


def _surveys_of_known_people(c: CrossContext) -> Iterable[Problem]:
    table = c.inputs.surveys
    file = table.file
    for row, raw in table.rejected:
        if raw.get("cohort"):
            yield from unknown_cohort(table, row, raw["cohort"], c.inputs.config)
    for row, answer in table.items:
        if c.people.unknown(answer.participant_id):
            yield Problem(
                file,
                f"no participant has id '{answer.participant_id}'",
                field=table.column("participant_id"),
                row=row,
            )
        yield from unknown_cohort(table, row, answer.cohort, c.inputs.config)
    keys = (((a.participant_id, a.cohort, a.phase), row) for row, a in table.items)
    for (pid, cohort, phase), row, first in duplicates(keys):
        yield Problem(
            file,
            f"{c.directory.label(pid)} already answered the {phase} survey "
            f"of cohort {cohort} on row {first}",
            field=table.column("phase"),
            row=row,
        )


# After the indexes above (participants, reporting lines, pairs), in the order they run.
CROSS_RULES: tuple[Rule[CrossContext], ...] = (
    Rule("sessions of known pairs", _sessions_of_known_pairs),
    Rule("surveys of known people", _surveys_of_known_people),
    *CONTENT_RULES,
    Rule("logo is a picture", config_images),
)
