"""Propose the pairs of one cohort: check the request, encode, solve, explain."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from types import MappingProxyType

import numpy as np

from generator.errors import InputError, Problem
from generator.match.encode import (
    PROGRAMME_FILE,
    IntArray,
    Pool,
    encode_pool,
    named,
    resolve_attributes,
)
from generator.match.explain import describe_rules, explain_proposals, explain_unmatched
from generator.match.results import MatchResult
from generator.match.rules import HardRule, hard_rules, line_levels
from generator.match.score import score_formula
from generator.match.solve import Progress, Tick, solve
from generator.model import Pair, Participant, Project


def match_steps(project: Project, cohort_id: str) -> int:
    """Return how far `propose_matches` ticks for a cohort: one step per mentee in it."""
    return sum(1 for p in project.participants if p.cohort == cohort_id and p.role == "mentee")


def propose_matches(
    project: Project,
    cohort_id: str,
    progress: Progress | None = None,
    tick: Tick | None = None,
) -> MatchResult:
    """Propose the optimal pairs for a cohort, explaining each pair and each unmatched person.

    *progress* gets a line of text per stage; *tick* advances a progress bar one step per
    mentee, up to `match_steps` in all, as the scoring goes.
    """
    say = progress or (lambda _message: None)
    config = project.config
    rules = config.matching
    cohort = config.cohort(cohort_id)
    if cohort is None:
        known = ", ".join(c.id for c in config.cohorts)
        raise InputError(
            [
                Problem(
                    PROGRAMME_FILE,
                    f"there is no cohort '{cohort_id}' (cohorts: {known})",
                    field="--cohort",
                )
            ]
        )
    members = sorted((p for p in project.participants if p.cohort == cohort_id), key=lambda p: p.id)
    if not members:
        raise InputError(
            [
                Problem(
                    config.data.participants,
                    f"no participant is in cohort '{cohort_id}'; give people this cohort "
                    "in the participants table before matching",
                    field="column 'cohort'",
                )
            ]
        )
    _check_grades(project, members)
    columns, problems = resolve_attributes(project)
    if problems:
        raise InputError(problems)

    kept = tuple(
        sorted(
            (p for p in project.pairs if p.cohort == cohort_id and p.is_approved),
            key=lambda p: p.pair_id,
        )
    )
    load = Counter(p.mentor_id for p in kept)
    busy_mentees = {p.mentee_id for p in kept}
    mentors = [p for p in members if p.role == "mentor" and load[p.id] < rules.mentor_capacity]
    mentees = [p for p in members if p.role == "mentee" and p.id not in busy_mentees]
    room = np.array([rules.mentor_capacity - load[p.id] for p in mentors], dtype=np.int64)
    say(
        f"matching cohort {cohort_id}: {len(mentors):,} mentors and {len(mentees):,} mentees "
        f"available, {len(kept):,} approved pairs kept"
    )

    levels = line_levels(config)
    pool = encode_pool(project, mentors, mentees, columns, levels)
    in_force = hard_rules(config)
    fixed = _fixed_pairs(project, cohort_id, pool, in_force, room, kept)

    # Take the must-pairs out of the problem before solving for everyone else.
    room_left = room.copy()
    taken_mentees = np.zeros(pool.mentees.size, dtype=np.bool_)
    for mi, ei in fixed:
        room_left[mi] -= 1
        taken_mentees[ei] = True
    scored = [0]

    def count(steps: int) -> None:
        scored[0] += steps
        if tick is not None:
            tick(steps)

    # Without a bar, no ticks: the scoring then runs in the largest chunks, which is fastest.
    chosen = solve(pool, in_force, room_left, taken_mentees, say, count if tick else None)
    assignment = sorted(set(fixed) | set(chosen))

    proposals = explain_proposals(project, cohort_id, pool, in_force, assignment, set(fixed))
    matched_mentors = {p.mentor_id for p in proposals} | set(load)
    matched_mentees = {p.mentee_id for p in proposals}
    unmatched = explain_unmatched(
        pool, in_force, room, assignment, set(fixed), matched_mentors, matched_mentees
    )
    # The mentees never scored (already paired, or with no eligible mentor) finish the bar.
    if tick is not None and match_steps(project, cohort_id) > scored[0]:
        tick(match_steps(project, cohort_id) - scored[0])
    people = "person" if len(unmatched) == 1 else "people"
    say(f"proposed {len(proposals):,} pairs; {len(unmatched):,} {people} left unmatched")
    return MatchResult(
        cohort_id=cohort_id,
        cohort_name=cohort.name,
        proposals=proposals,
        unmatched=unmatched,
        kept=kept,
        rules=describe_rules(config, in_force),
        formula=score_formula(rules),
        names=MappingProxyType({p.id: p.name for p in members}),
        mentors=sum(1 for p in members if p.role == "mentor"),
        mentees=sum(1 for p in members if p.role == "mentee"),
    )


def _check_grades(project: Project, members: Sequence[Participant]) -> None:
    """Refuse grades the programme does not list (validation normally catches these first)."""
    grades = set(project.config.grades)
    problems = [
        Problem(
            project.config.data.participants,
            f"{named(p)}: '{p.grade}' is not one of the programme's grades "
            f"({', '.join(project.config.grades)})",
            field="column 'grade'",
        )
        for p in members
        if p.grade not in grades
    ]
    if problems:
        raise InputError(problems)


def _fixed_pairs(
    project: Project,
    cohort_id: str,
    pool: Pool,
    in_force: Sequence[HardRule],
    room: IntArray,
    kept: Sequence[Pair],
) -> list[tuple[int, int]]:
    """Validate matching.must_pair and never_pair; return the must-pairs for this cohort."""
    rules = project.config.matching
    people = project.participant_index()
    mentor_pos = {p.id: i for i, p in enumerate(pool.mentors.people)}
    mentee_pos = {p.id: i for i, p in enumerate(pool.mentees.people)}
    kept_pairs = {(p.mentor_id, p.mentee_id) for p in kept}
    problems: list[Problem] = []

    def problem(index: int, setting: str, message: str) -> None:
        problems.append(Problem(PROGRAMME_FILE, message, field=f"matching.{setting}[{index}]"))

    for i, (a, b) in enumerate(rules.never_pair):
        for pid in (a, b):
            if pid not in people:
                problem(i, "never_pair", f"no participant has id '{pid}'")
    fixed: list[tuple[int, int]] = []
    seen_mentee: dict[str, int] = {}
    given: defaultdict[int, list[int]] = defaultdict(list)
    never = {frozenset(pair) for pair in rules.never_pair}
    for i, (mentor_id, mentee_id) in enumerate(rules.must_pair):
        unknown = [pid for pid in (mentor_id, mentee_id) if pid not in people]
        for pid in unknown:
            problem(i, "must_pair", f"no participant has id '{pid}'")
        if unknown:
            continue
        mentor, mentee = people[mentor_id], people[mentee_id]
        here = [p.cohort == cohort_id for p in (mentor, mentee)]
        if not any(here):
            continue  # a must-pair for another cohort
        if not all(here):
            elsewhere = mentee if here[0] else mentor
            problem(
                i,
                "must_pair",
                f"{named(elsewhere)} is in cohort '{elsewhere.cohort}', "
                f"not '{cohort_id}'; a pair must be in one cohort",
            )
            continue
        if mentor.role != "mentor" or mentee.role != "mentee":
            problem(
                i,
                "must_pair",
                "write each entry as [mentor id, mentee id]; "
                f"{named(mentor)} is a {mentor.role} and {named(mentee)} is a {mentee.role}",
            )
            continue
        if (mentor_id, mentee_id) in kept_pairs:
            continue  # already approved: nothing to propose
        if frozenset((mentor_id, mentee_id)) in never:
            problem(
                i,
                "must_pair",
                f"{named(mentor)} and {named(mentee)} are also listed under "
                "matching.never_pair; keep only one",
            )
            continue
        if mentee_id not in mentee_pos:
            problem(
                i, "must_pair", f"{named(mentee)} is already in an approved pair in this cohort"
            )
            continue
        if mentor_id not in mentor_pos:
            problem(
                i,
                "must_pair",
                f"{named(mentor)} already has {rules.mentor_capacity} approved "
                f"mentee(s) in this cohort, the mentor capacity",
            )
            continue
        if mentee_id in seen_mentee:
            problem(
                i,
                "must_pair",
                f"{named(mentee)} is already paired by "
                f"matching.must_pair[{seen_mentee[mentee_id]}]; a mentee has one mentor",
            )
            continue
        mi, ei = mentor_pos[mentor_id], mentee_pos[mentee_id]
        rows, cols = np.array([mi]), np.array([ei])
        broken = [rule for rule in in_force if not rule.passes(pool, rows, cols)[0, 0]]
        if broken:
            problem(
                i,
                "must_pair",
                f"{named(mentor)} and {named(mentee)} break a hard rule: "
                + broken[0].broken(pool, mi, ei),
            )
            continue
        seen_mentee[mentee_id] = i
        given[mi].append(i)
        fixed.append((mi, ei))
    for mi, entries in sorted(given.items()):
        if len(entries) > room[mi]:
            # Point at the first entry that does not fit.
            problem(
                entries[int(room[mi])],
                "must_pair",
                f"{named(pool.mentors.people[mi])} is given {len(entries)} mentees by "
                f"matching.must_pair but has room for {room[mi]} (mentor_capacity "
                f"{rules.mentor_capacity}, minus approved pairs)",
            )
    if problems:
        raise InputError(problems)
    return fixed
