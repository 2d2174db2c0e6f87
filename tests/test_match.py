"""Tests of `portal match`: hard rules, optimality against brute force, determinism, reasons."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.synthetic import minimal_config
from generator import match
from generator.config import ProgrammeConfig
from generator.errors import InputError
from generator.match import (
    MatchResult,
    check_output_path,
    default_proposals_path,
    default_report_path,
    propose_matches,
    render_match_report,
    solve,
    spreadsheet_safe,
    write_match_report,
    write_proposals_csv,
)
from generator.match.explain import MAX_NAMED
from generator.model import Pair, Participant, Project
from generator.pipeline import load_project
from tests.scratch import PARTICIPANTS, PROGRAMME, edited

# Grade names that cannot turn up by accident in ids or words, so leaks are detectable.
GRADES = [f"Band {c}" for c in "ABCDEFGH"]


def make_config(**matching: Any) -> ProgrammeConfig:
    """Return a minimal valid programme with two cohorts and these matching settings."""
    return minimal_config(GRADES, matching)


def person(
    pid: str,
    role: str,
    grade: int,
    dept: str = "",
    cohort: str = "c2",
    name: str = "",
    **fields: Any,
) -> Participant:
    """Return a participant; the name and the department default to ones of their own."""
    return Participant(
        id=pid,
        name=name or f"Person {pid}",
        email=f"{pid}@example.org",
        role=role,
        grade=GRADES[grade],
        department=dept or f"dept-{pid}",
        cohort=cohort,
        **fields,
    )


def pair(pid: str, mentor: str, mentee: str, cohort: str = "c2", status: str = "active") -> Pair:
    """Return a pair row."""
    return Pair(pair_id=pid, mentor_id=mentor, mentee_id=mentee, cohort=cohort, status=status)


def make_project(
    people: Sequence[Participant],
    pairs: Sequence[Pair] = (),
    root: Path = Path("/nonexistent/project"),
    **matching: Any,
) -> Project:
    """Return a Project built directly from records."""
    return Project(
        root=root,
        config=make_config(**matching),
        participants=tuple(people),
        pairs=tuple(pairs),
        sessions=(),
        surveys=(),
        stories=(),
        posts=(),
        guides=(),
        today=dt.date(2025, 1, 1),
    )


def pairs_of(result: MatchResult) -> set[tuple[str, str]]:
    """Return the proposed (mentor, mentee) id pairs."""
    return {(p.mentor_id, p.mentee_id) for p in result.proposals}


def reason_of(result: MatchResult, pid: str) -> str:
    """Return the unmatched reason given for one person."""
    return next(u.reason for u in result.unmatched if u.participant_id == pid)


# --- an independent statement of the rules and the score (the oracle) -----------------


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _value(p: Participant, column: str) -> str:
    if column in ("department", "location", "job_title"):
        return _norm(getattr(p, column))
    return _norm(p.extra.get(column, ""))


def _chain(pid: str, people: dict[str, Participant], levels: int) -> list[str]:
    out: list[str] = []
    current = people[pid].manager_id
    while current and current in people and len(out) < levels:
        out.append(current)
        current = people[current].manager_id
    return out


def oracle_eligible(project: Project, mentor: Participant, mentee: Participant) -> bool:
    """Say whether a pair meets every hard rule, written as plainly as possible."""
    rules = project.config.matching
    if GRADES.index(mentee.grade) - GRADES.index(mentor.grade) < rules.min_grade_gap:
        return False
    if rules.exclude_direct_line:
        people = project.participant_index()
        levels = 2 if rules.exclude_skip_level else 1
        if mentee.id in _chain(mentor.id, people, levels):
            return False
        if mentor.id in _chain(mentee.id, people, levels):
            return False
    for column in rules.must_differ:
        a, b = _value(mentor, column), _value(mentee, column)
        if not a or not b or a == b:
            return False
    for column in rules.must_match:
        a, b = _value(mentor, column), _value(mentee, column)
        if not a or not b or a != b:
            return False
    for earlier in project.pairs:
        if earlier.status != "proposed" and {earlier.mentor_id, earlier.mentee_id} == {
            mentor.id,
            mentee.id,
        }:
            return False
    return not any({a, b} == {mentor.id, mentee.id} for a, b in rules.never_pair)


def oracle_score(project: Project, mentor: Participant, mentee: Participant) -> float:
    """Compute the documented score formula with plain sets."""
    rules = project.config.matching
    wanted = {_norm(s) for s in mentee.skills_wanted}
    offered = {_norm(s) for s in mentor.skills_offered}
    skills = len(wanted & offered) / len(wanted) if wanted else 0.0
    a, b = {_norm(s) for s in mentor.interests}, {_norm(s) for s in mentee.interests}
    interests = len(a & b) / len(a | b) if a | b else 0.0
    total = rules.weight_skills * skills + rules.weight_interests * interests
    if rules.prefer_different:
        hits = sum(
            1
            for c in rules.prefer_different
            if _value(mentor, c) and _value(mentee, c) and _value(mentor, c) != _value(mentee, c)
        )
        total += rules.weight_prefer_different * hits / len(rules.prefer_different)
    if rules.prefer_same:
        hits = sum(
            1
            for c in rules.prefer_same
            if _value(mentor, c) and _value(mentor, c) == _value(mentee, c)
        )
        total += rules.weight_prefer_same * hits / len(rules.prefer_same)
    return total


def available(project: Project, cohort: str) -> tuple[dict[str, int], list[Participant]]:
    """Return each available mentor's room and the available mentees."""
    approved = [p for p in project.pairs if p.cohort == cohort and p.is_approved]
    load = Counter(p.mentor_id for p in approved)
    busy = {p.mentee_id for p in approved}
    cap = project.config.matching.mentor_capacity
    room = {
        p.id: cap - load[p.id]
        for p in project.participants
        if p.cohort == cohort and p.role == "mentor" and load[p.id] < cap
    }
    mentees = [
        p
        for p in project.participants
        if p.cohort == cohort and p.role == "mentee" and p.id not in busy
    ]
    return room, mentees


def brute_force(project: Project, cohort: str) -> tuple[int, float]:
    """Return the best (number of pairs, total score) by trying every assignment."""
    people = project.participant_index()
    room, mentees = available(project, cohort)
    options = [
        [None] + [m for m in sorted(room) if oracle_eligible(project, people[m], e)]
        for e in mentees
    ]
    best = (0, 0.0)
    for choice in itertools.product(*options):
        chosen = Counter(m for m in choice if m is not None)
        if any(count > room[m] for m, count in chosen.items()):
            continue
        total = sum(
            oracle_score(project, people[m], e)
            for m, e in zip(choice, mentees, strict=True)
            if m is not None
        )
        count = sum(chosen.values())
        if (count, total) > (best[0], best[1] + 1e-9):
            best = (count, total)
    return best


# --- random small cohorts ------------------------------------------------------------


@st.composite
def small_programmes(draw: st.DrawFn) -> Project:
    """Draw a tiny cohort (≤5 mentors, ≤5 mentees) with random rules, history and weights."""
    words = st.lists(st.sampled_from(["Excel", "python", "TikTok", "data"]), max_size=3)
    hobbies = st.lists(st.sampled_from(["running", "chess", "film"]), max_size=2)
    people: list[Participant] = [
        person("boss", "mentee", 7, "top", cohort="c1"),  # outside the cohort, in the tree
    ]
    n_mentors = draw(st.integers(0, 5))
    n_mentees = draw(st.integers(0 if n_mentors else 1, 5))  # never an empty cohort
    specs = [("mentor", i) for i in range(n_mentors)] + [("mentee", i) for i in range(n_mentees)]
    for role, i in specs:
        pid = ("m" if role == "mentor" else "x") + str(i)
        grade = draw(st.integers(0, 4) if role == "mentor" else st.integers(2, 7))
        managers = [p.id for p in people]
        people.append(
            person(
                pid,
                role,
                grade,
                draw(st.sampled_from(["Finance", "IT", "HR"])),
                location=draw(st.sampled_from(["Leeds", "York", ""])),
                manager_id=draw(st.sampled_from(["", *managers])),
                skills_offered="; ".join(draw(words)),
                skills_wanted="; ".join(draw(words)),
                interests="; ".join(draw(hobbies)),
                extra={"network": draw(st.sampled_from(["alpha", "beta", ""]))},
            )
        )
    mentor_ids = [f"m{i}" for i in range(n_mentors)]
    mentee_ids = [f"x{i}" for i in range(n_mentees)]
    capacity = draw(st.integers(1, 2))
    pairs: list[Pair] = []
    cross = [(m, e) for m in mentor_ids for e in mentee_ids]
    if cross:
        for k, (m, e) in enumerate(draw(st.lists(st.sampled_from(cross), max_size=3, unique=True))):
            status = draw(st.sampled_from(["completed", "withdrawn", "proposed", "active"]))
            pairs.append(pair(f"old{k}", m, e, cohort="c1", status=status))
        # Some approved pairs already in this cohort, within capacity.
        load: Counter[str] = Counter()
        busy: set[str] = set()
        for k, (m, e) in enumerate(draw(st.lists(st.sampled_from(cross), max_size=2, unique=True))):
            if e not in busy and load[m] < capacity:
                busy.add(e)
                load[m] += 1
                pairs.append(
                    pair(
                        f"now{k}",
                        m,
                        e,
                        status=draw(st.sampled_from(["active", "paused", "completed"])),
                    )
                )
    never = draw(st.lists(st.sampled_from(cross), max_size=2, unique=True)) if cross else []
    weights = st.sampled_from([0.0, 0.5, 1.0, 3.0])
    project = make_project(
        people,
        pairs,
        min_grade_gap=draw(st.integers(1, 3)),
        exclude_direct_line=draw(st.booleans()),
        exclude_skip_level=draw(st.booleans()),
        must_differ=draw(st.sampled_from([[], ["department"]])),
        must_match=draw(st.sampled_from([[], ["location"]])),
        prefer_different=draw(st.sampled_from([[], ["network"], ["network", "department"]])),
        prefer_same=draw(st.sampled_from([[], ["location"]])),
        mentor_capacity=capacity,
        weight_skills=draw(weights),
        weight_interests=draw(weights),
        weight_prefer_different=draw(weights),
        weight_prefer_same=draw(weights),
        never_pair=[list(p) for p in never],
    )
    # Shuffle the rows: the result must not depend on their order.
    order = draw(st.permutations(range(len(project.participants))))
    return replace(project, participants=tuple(project.participants[i] for i in order))


# No example database: the suite must not write into the repository.
FAST = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(small_programmes())
def test_no_proposal_breaks_a_hard_rule_and_the_result_is_optimal(project: Project) -> None:
    result = propose_matches(project, "c2")
    people = project.participant_index()
    room, mentees = available(project, "c2")
    mentee_ids = {e.id for e in mentees}
    for p in result.proposals:
        assert oracle_eligible(project, people[p.mentor_id], people[p.mentee_id]), p
        assert p.mentor_id in room and p.mentee_id in mentee_ids
        assert p.score == pytest.approx(
            oracle_score(project, people[p.mentor_id], people[p.mentee_id]), abs=1e-4
        )
    load = Counter(p.mentor_id for p in result.proposals)
    assert all(load[m] <= room[m] for m in load), "mentor capacity exceeded"
    assert len({p.mentee_id for p in result.proposals}) == len(result.proposals)
    best_count, best_score = brute_force(project, "c2")
    ours = sum(
        oracle_score(project, people[p.mentor_id], people[p.mentee_id]) for p in result.proposals
    )
    assert len(result.proposals) == best_count
    assert ours == pytest.approx(best_score, abs=1e-5)


@FAST
@given(small_programmes())
def test_every_unmatched_person_gets_a_true_reason(project: Project) -> None:
    result = propose_matches(project, "c2")
    people = project.participant_index()
    room, mentees = available(project, "c2")
    used = Counter(p.mentor_id for p in result.proposals)
    matched_mentees = {p.mentee_id for p in result.proposals}
    approved_mentors = {p.mentor_id for p in project.pairs if p.cohort == "c2" and p.is_approved}
    expected = {m for m in room if not used[m] and m not in approved_mentors}
    expected |= {e.id for e in mentees if e.id not in matched_mentees}
    assert {u.participant_id for u in result.unmatched} == expected
    for u in result.unmatched:
        me = people[u.participant_id]
        if u.role == "mentor":
            eligible = [e for e in mentees if oracle_eligible(project, me, e)]
            assert all(e.id in matched_mentees for e in eligible)
        else:
            eligible = [people[m] for m in room if oracle_eligible(project, people[m], me)]
            assert all(used[m.id] == room[m.id] for m in eligible)
        if eligible:
            assert u.reason.startswith("no proposal: "), u.reason
            count = {1: "the only eligible", 2: "both eligible"}.get(len(eligible))
            assert (count or f"all {len(eligible)} eligible") in u.reason
            # Few enough to name: every eligible candidate taken by someone else is named.
            if len(eligible) <= MAX_NAMED:
                assert all(f"{c.name} ({c.id})" in u.reason for c in eligible), u.reason
        else:
            other = "mentee" if u.role == "mentor" else "mentor"
            assert u.reason.startswith(f"no eligible {other}: ")
            candidates = mentees if u.role == "mentor" else [people[m] for m in sorted(room)]
            if "is not recorded, and matching requires" in u.reason or len(candidates) > 5:
                continue
            # Everyone far enough apart in grade was removed by another rule, named with it.
            gap = project.config.matching.min_grade_gap
            for c in candidates:
                mentor, mentee = (me, c) if u.role == "mentor" else (c, me)
                if GRADES.index(mentee.grade) - GRADES.index(mentor.grade) >= gap:
                    assert f"{c.name} ({c.id}" in u.reason, u.reason


@settings(max_examples=40, deadline=None, database=None)
@given(small_programmes(), st.randoms(use_true_random=False))
def test_same_input_in_any_row_order_gives_the_same_output(
    project: Project, rng: random.Random
) -> None:
    first = propose_matches(project, "c2")
    people = list(project.participants)
    pairs = list(project.pairs)
    rng.shuffle(people)
    rng.shuffle(pairs)
    again = propose_matches(replace(project, participants=tuple(people), pairs=tuple(pairs)), "c2")
    assert again == first
    assert render_match_report(again) == render_match_report(first)


# --- each hard rule, one at a time -----------------------------------------------------


def test_minimum_grade_gap_is_a_hard_rule() -> None:
    people = [person("m", "mentor", 2), person("e", "mentee", 4)]
    result = propose_matches(make_project(people, min_grade_gap=3), "c2")
    assert result.proposals == ()
    assert reason_of(result, "m") == (
        "no eligible mentee: the only available mentee, Person e (e), is fewer than 3 grades "
        "senior to you (matching.min_grade_gap: 3)"
    )
    assert reason_of(result, "e") == (
        "no eligible mentor: the only available mentor, Person m (m), is fewer than 3 grades "
        "junior to you (matching.min_grade_gap: 3)"
    )
    assert pairs_of(propose_matches(make_project(people, min_grade_gap=2), "c2")) == {("m", "e")}


def test_direct_reporting_line_is_excluded_unless_configured_off() -> None:
    people = [person("m", "mentor", 0, manager_id="e"), person("e", "mentee", 5)]
    result = propose_matches(make_project(people), "c2")
    assert result.proposals == ()
    assert reason_of(result, "m") == (
        "no eligible mentee: your own manager, Person e (e), is the only available mentee "
        "(matching.exclude_direct_line)"
    )
    assert reason_of(result, "e") == (
        "no eligible mentor: Person m (m), who reports to you, is the only available mentor "
        "(matching.exclude_direct_line)"
    )
    allowed = propose_matches(make_project(people, exclude_direct_line=False), "c2")
    assert pairs_of(allowed) == {("m", "e")}


def test_skip_level_is_excluded_unless_configured_off() -> None:
    # m reports to a team leader (in another cohort) who reports to e.
    people = [
        person("m", "mentor", 0, manager_id="lead"),
        person("lead", "mentee", 3, cohort="c1", manager_id="e"),
        person("e", "mentee", 6),
    ]
    assert propose_matches(make_project(people), "c2").proposals == ()
    allowed = propose_matches(make_project(people, exclude_skip_level=False), "c2")
    assert pairs_of(allowed) == {("m", "e")}


def test_three_levels_up_is_not_a_reporting_line_conflict() -> None:
    # The chief executive is in everyone's chain; only two levels are excluded.
    people = [
        person("m", "mentor", 0, manager_id="a"),
        person("a", "mentee", 3, cohort="c1", manager_id="b"),
        person("b", "mentee", 5, cohort="c1", manager_id="ceo"),
        person("ceo", "mentee", 7),
    ]
    assert pairs_of(propose_matches(make_project(people), "c2")) == {("m", "ceo")}


def test_a_mentee_managing_the_mentor_two_levels_down_blocks_both_ways() -> None:
    people = [
        person("e", "mentee", 7, manager_id="m"),  # odd data: a mentor above a mentee
        person("m", "mentor", 0),
    ]
    assert propose_matches(make_project(people), "c2").proposals == ()


def test_must_differ_attribute() -> None:
    people = [person("m", "mentor", 0, "Finance"), person("e", "mentee", 5, " finance ")]
    result = propose_matches(make_project(people, must_differ=["department"]), "c2")
    assert result.proposals == ()
    assert reason_of(result, "m") == (
        "no eligible mentee: the only available mentee, Person e (e), has the same department "
        "as you (matching.must_differ: department)"
    )
    assert pairs_of(propose_matches(make_project(people), "c2")) == {("m", "e")}


def test_must_match_attribute_and_a_blank_value() -> None:
    people = [
        person("m1", "mentor", 0, location="Leeds"),
        person("m2", "mentor", 0, location=""),
        person("e1", "mentee", 5, location="York"),
        person("e2", "mentee", 5, location="leeds"),
    ]
    result = propose_matches(make_project(people, must_match=["location"]), "c2")
    assert pairs_of(result) == {("m1", "e2")}
    assert reason_of(result, "m2") == (
        "no eligible mentee: your location is not recorded, and matching requires it to be "
        "the same as your partner's"
    )
    assert reason_of(result, "e1") == (
        "no eligible mentor: of the 2 available mentors, 1 has no location recorded "
        "(matching.must_match: location): Person m2 (m2); and 1 has a different location "
        "(matching.must_match: location): Person m1 (m1)"
    )


def test_private_extra_column_can_be_a_rule() -> None:
    people = [
        person("m", "mentor", 0, extra={"network": "alpha"}),
        person("e", "mentee", 5, extra={"network": "Alpha"}),
    ]
    assert propose_matches(make_project(people, must_differ=["network"]), "c2").proposals == ()


def test_unknown_matching_column_is_a_located_error() -> None:
    people = [person("m", "mentor", 0), person("e", "mentee", 5)]
    with pytest.raises(InputError) as caught:
        propose_matches(make_project(people, prefer_different=["shoe_size"]), "c2")
    assert [str(p) for p in caught.value.problems] == [
        "programme.yaml: matching.prefer_different[0]: 'shoe_size' is not a column of the "
        "participants table (data/participants.csv)"
    ]


@pytest.mark.parametrize("status", ["completed", "withdrawn", "active"])
def test_a_pair_that_existed_before_is_never_proposed_again(status: str) -> None:
    people = [person("m", "mentor", 0), person("e", "mentee", 5), person("m2", "mentor", 1)]
    earlier = [pair("OLD1", "m", "e", cohort="c1", status=status)]
    result = propose_matches(make_project(people, earlier), "c2")
    assert pairs_of(result) == {("m2", "e")}
    assert reason_of(result, "m") == (
        f"no eligible mentee: the only available mentee, Person e (e, pair OLD1 in cohort c1, "
        f"{status}), was paired with you before (in data/pairs.csv)"
    )


def test_an_earlier_proposal_that_was_never_approved_is_not_a_repeat() -> None:
    people = [person("m", "mentor", 0), person("e", "mentee", 5)]
    earlier = [pair("OLD1", "m", "e", cohort="c1", status="proposed")]
    assert pairs_of(propose_matches(make_project(people, earlier), "c2")) == {("m", "e")}


def test_never_pair_in_either_order() -> None:
    people = [person("m", "mentor", 0), person("e", "mentee", 5)]
    for entry in (["m", "e"], ["e", "m"]):
        result = propose_matches(make_project(people, never_pair=[entry]), "c2")
        assert result.proposals == ()
        assert reason_of(result, "e") == (
            "no eligible mentor: the only available mentor, Person m (m), is listed with you "
            "under matching.never_pair"
        )


def test_mentor_capacity() -> None:
    people = [person("m", "mentor", 0), person("e1", "mentee", 5), person("e2", "mentee", 6)]
    one = propose_matches(make_project(people), "c2")
    assert len(one.proposals) == 1
    two = propose_matches(make_project(people, mentor_capacity=2), "c2")
    assert pairs_of(two) == {("m", "e1"), ("m", "e2")}


def test_must_pair_wins_over_a_better_score() -> None:
    people = [
        person("m1", "mentor", 0, skills_offered="Excel"),
        person("m2", "mentor", 0),
        person("e", "mentee", 5, skills_wanted="Excel"),
    ]
    free = propose_matches(make_project(people), "c2")
    assert pairs_of(free) == {("m1", "e")}
    forced = propose_matches(make_project(people, must_pair=[["m2", "e"]]), "c2")
    assert pairs_of(forced) == {("m2", "e")}
    assert forced.proposals[0].required
    assert forced.proposals[0].reasons[0] == "required by matching.must_pair"
    assert reason_of(forced, "m1") == (
        "no proposal: the only eligible mentee, Person e (e), is paired with another mentor by "
        "matching.must_pair"
    )


def test_must_pair_for_another_cohort_is_ignored() -> None:
    people = [
        person("m", "mentor", 0),
        person("e", "mentee", 5),
        person("old", "mentor", 0, cohort="c1"),
        person("olde", "mentee", 5, cohort="c1"),
    ]
    result = propose_matches(make_project(people, must_pair=[["old", "olde"]]), "c2")
    assert pairs_of(result) == {("m", "e")}


def test_must_pair_errors_are_located_and_all_reported() -> None:
    people = [
        person("m1", "mentor", 0, "IT"),
        person("m2", "mentor", 4, "HR"),
        person("e1", "mentee", 5, "IT"),
        person("e2", "mentee", 5, "HR"),
        person("e3", "mentee", 5, "Ops"),
    ]
    project = make_project(
        people,
        must_differ=["department"],
        min_grade_gap=3,
        must_pair=[
            ["m1", "e1"],
            ["m2", "e2"],
            ["e3", "m1"],
            ["m1", "ghost"],
            ["m1", "e2"],
            ["m1", "e3"],
        ],
        never_pair=[["nobody", "e3"]],
    )
    with pytest.raises(InputError) as caught:
        propose_matches(project, "c2")
    assert [str(p) for p in caught.value.problems] == [
        "programme.yaml: matching.never_pair[0]: no participant has id 'nobody'",
        "programme.yaml: matching.must_pair[0]: Person m1 (m1) and Person e1 (e1) break a hard "
        "rule: they have the same department, which must differ",
        "programme.yaml: matching.must_pair[1]: Person m2 (m2) and Person e2 (e2) break a hard "
        "rule: the mentor must be at least 3 grades junior to the mentee, and the gap is 1",
        "programme.yaml: matching.must_pair[2]: write each entry as [mentor id, mentee id]; "
        "Person e3 (e3) is a mentee and Person m1 (m1) is a mentor",
        "programme.yaml: matching.must_pair[3]: no participant has id 'ghost'",
        "programme.yaml: matching.must_pair[5]: Person m1 (m1) is given 2 mentees by "
        "matching.must_pair but has room for 1 (mentor_capacity 1, minus approved pairs)",
    ]


# --- approved pairs, errors, reasons in words ------------------------------------------


def test_approved_pairs_are_kept_and_their_people_not_proposed_again() -> None:
    people = [
        person("m1", "mentor", 0),
        person("m2", "mentor", 0),
        person("e1", "mentee", 5),
        person("e2", "mentee", 5),
        person("e3", "mentee", 5),
    ]
    pairs = [
        pair("A1", "m1", "e1", status="active"),
        pair("W1", "m2", "e2", status="withdrawn"),  # withdrawn: both free, not together
        pair("P1", "m2", "e3", status="proposed"),  # an old proposal: ignored
    ]
    result = propose_matches(make_project(pairs=pairs, people=people), "c2")
    assert [p.pair_id for p in result.kept] == ["A1"]
    assert pairs_of(result) == {("m2", "e3")}
    assert reason_of(result, "e2") == (
        "no eligible mentor: the only available mentor, Person m2 (m2, pair W1 in cohort c2, "
        "withdrawn), was paired with you before (in data/pairs.csv)"
    )
    assert "m1" not in {u.participant_id for u in result.unmatched}


def test_a_mentor_with_room_left_after_approved_pairs_can_take_one_more() -> None:
    people = [person("m", "mentor", 0)] + [person(f"e{i}", "mentee", 5) for i in range(3)]
    pairs = [pair("A1", "m", "e0")]
    result = propose_matches(make_project(people, pairs, mentor_capacity=2), "c2")
    assert pairs_of(result) == {("m", "e1")}
    assert reason_of(result, "e2") == (
        "no proposal: the only eligible mentor, Person m (m), is full, and moving you to them "
        "would not make more pairs or a higher total score"
    )


def test_unknown_cohort_and_empty_cohort_are_located_errors() -> None:
    project = make_project([person("m", "mentor", 0, cohort="c1")])
    with pytest.raises(InputError) as caught:
        propose_matches(project, "c9")
    assert [str(p) for p in caught.value.problems] == [
        "programme.yaml: --cohort: there is no cohort 'c9' (cohorts: c1, c2)"
    ]
    assert caught.value.exit_code == 2
    with pytest.raises(InputError) as caught:
        propose_matches(project, "c2")
    assert [str(p) for p in caught.value.problems] == [
        "data/participants.csv: column 'cohort': no participant is in cohort 'c2'; give people "
        "this cohort in the participants table before matching"
    ]


def test_reporting_line_reason_in_the_issue_words() -> None:
    people = [
        person("m", "mentor", 2, manager_id="e1"),
        person("low", "mentee", 3),
        person("low2", "mentee", 3),
        person("e0", "mentee", 6),  # m's skip-level manager
        person("e1", "mentee", 6, manager_id="e0"),  # m's manager
        # Four leaders m manages (odd, but the rule is symmetric).
        *[person(f"e{i}", "mentee", 6, manager_id="m") for i in range(2, 6)],
    ]
    result = propose_matches(make_project(people, min_grade_gap=2), "c2")
    assert reason_of(result, "m") == (
        "no eligible mentee: the 6 mentees at least 2 grades senior are all in your reporting "
        "line (matching.exclude_direct_line and exclude_skip_level): Person e0 (e0, your "
        "manager's manager), Person e1 (e1, your own manager), Person e2 (e2, reports to you), "
        "Person e3 (e3, reports to you) and 2 others"
    )


def test_several_rules_are_counted_once_each_in_order() -> None:
    people = [
        person("m", "mentor", 0, "IT", manager_id="e2"),
        person("e1", "mentee", 1, "HR"),
        person("e2", "mentee", 6, "HR"),
        person("e3", "mentee", 6, "IT"),
        person("e4", "mentee", 6, "HR"),
    ]
    earlier = [pair("OLD", "m", "e4", cohort="c1", status="completed")]
    result = propose_matches(
        make_project(people, earlier, must_differ=["department"], min_grade_gap=2), "c2"
    )
    assert reason_of(result, "m") == (
        "no eligible mentee: of the 4 available mentees, 1 is fewer than 2 grades senior to "
        "you (matching.min_grade_gap: 2): Person e1 (e1); 1 is in your reporting line "
        "(matching.exclude_direct_line): Person e2 (e2, your own manager); 1 has the same "
        "department as you (matching.must_differ: department): Person e3 (e3); and 1 was "
        "paired with you before (in data/pairs.csv): Person e4 (e4, pair OLD in cohort c1, "
        "completed)"
    )


def test_taken_by_others_reason_names_the_count() -> None:
    people = [
        person("m1", "mentor", 0, skills_offered="Excel"),
        person("m2", "mentor", 0, skills_offered="Excel"),
        person("m3", "mentor", 0),
        person("e1", "mentee", 5, skills_wanted="Excel"),
        person("e2", "mentee", 5, skills_wanted="Excel"),
    ]
    result = propose_matches(make_project(people), "c2")
    assert pairs_of(result) == {("m1", "e1"), ("m2", "e2")} or pairs_of(result) == {
        ("m1", "e2"),
        ("m2", "e1"),
    }
    assert reason_of(result, "m3") == (
        "no proposal: both eligible mentees, Person e1 (e1) and Person e2 (e2), are paired with "
        "other mentors, and moving either of them to you would not make more pairs or a higher "
        "total score"
    )


# --- reasons name the rule and the people it removed ------------------------------------


def test_own_manager_is_named_as_the_only_candidate_senior_enough() -> None:
    # The issue's case: the one mentee far enough above Bethany is her own manager.
    people = [
        person("P031", "mentor", 1, "IT", name="Bethany Lloyd", manager_id="P012"),
        person("P012", "mentee", 5, "IT", name="Jo Bloggs"),
        person("P013", "mentee", 3, "HR", name="Sam Lee"),
        person("P014", "mentee", 2, "Ops", name="Ann Cole"),
    ]
    result = propose_matches(make_project(people, min_grade_gap=3), "c2")
    assert result.proposals == ()
    assert reason_of(result, "P031") == (
        "no eligible mentee: your own manager, Jo Bloggs (P012), is the only mentee at least "
        "3 grades senior (matching.exclude_direct_line)"
    )
    # And from the other side, the manager hears who reports to them.
    assert reason_of(result, "P012") == (
        "no eligible mentor: Bethany Lloyd (P031), who reports to you, is the only available "
        "mentor (matching.exclude_direct_line)"
    )


def test_each_rule_that_removed_candidates_is_named_with_how_many_and_whom() -> None:
    people = [
        person("P031", "mentor", 0, "IT", name="Bethany Lloyd", manager_id="P012"),
        person("P010", "mentee", 2, "HR", name="Al Young"),  # too close in grade
        person("P012", "mentee", 5, "HR", name="Jo Bloggs"),  # her manager
        person("P013", "mentee", 5, "IT", name="Sam Lee"),  # her department
        person("P014", "mentee", 5, "HR", name="Ann Cole"),  # never_pair
        person("P015", "mentee", 5, "IT", name="Zoë Ward"),  # her department too
    ]
    project = make_project(
        people, min_grade_gap=3, must_differ=["department"], never_pair=[["P014", "P031"]]
    )
    assert reason_of(propose_matches(project, "c2"), "P031") == (
        "no eligible mentee: of the 5 available mentees, 1 is fewer than 3 grades senior to "
        "you (matching.min_grade_gap: 3): Al Young (P010); 1 is in your reporting line "
        "(matching.exclude_direct_line): Jo Bloggs (P012, your own manager); 2 have the same "
        "department as you (matching.must_differ: department): Sam Lee (P013) and Zoë Ward "
        "(P015); and 1 is listed with you under matching.never_pair: Ann Cole (P014)"
    )


def _two_candidates(rule: str) -> tuple[list[Participant], list[Pair], dict[str, Any]]:
    """Return a mentor 'm' and two mentees that one rule alone removes, with its settings."""
    mentees = {
        "grade": ({"grade": 1}, {"grade": 2}),
        "manager": ({}, {}),
        "reports": ({"manager_id": "m"}, {"manager_id": "m"}),
        "recorded": ({"location": ""}, {"location": " "}),
        "differ": ({"dept": "IT"}, {"dept": "it"}),
        "match": ({"location": "York"}, {"location": "Hull"}),
        "repeat": ({}, {}),
        "never": ({}, {}),
    }[rule]
    people = [person("m", "mentor", 0, "IT", location="Leeds", manager_id="e1")]
    for i, fields in enumerate(mentees, start=1):
        grade = fields.pop("grade", 6)
        people.append(person(f"e{i}", "mentee", grade, **fields))
    if rule == "manager":  # e1 manages m, e2 manages e1: the manager's manager
        people[1] = people[1].model_copy(update={"manager_id": "e2"})
    else:
        people[0] = people[0].model_copy(update={"manager_id": ""})
    pairs = []
    if rule == "repeat":
        pairs = [pair("OLD1", "m", "e1", "c1", "completed"), pair("OLD2", "m", "e2", "c1")]
    settings: dict[str, Any] = {
        "min_grade_gap": 3,
        "must_differ": ["department"] if rule == "differ" else [],
        "must_match": ["location"] if rule in ("recorded", "match") else [],
        "never_pair": [["m", "e1"], ["e2", "m"]] if rule == "never" else [],
    }
    return people, pairs, settings


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            "grade",
            "none of the 2 available mentees is at least 3 grades senior to you "
            "(matching.min_grade_gap: 3): Person e1 (e1) and Person e2 (e2)",
        ),
        (
            "manager",
            "both available mentees are in your reporting line (matching.exclude_direct_line and "
            "exclude_skip_level): Person e1 (e1, your own manager) and Person e2 (e2, your "
            "manager's manager)",
        ),
        (
            "reports",
            "both available mentees are in your reporting line (matching.exclude_direct_line): "
            "Person e1 (e1, reports to you) and Person e2 (e2, reports to you)",
        ),
        (
            "recorded",
            "both available mentees have no location recorded (matching.must_match: location): "
            "Person e1 (e1) and Person e2 (e2)",
        ),
        (
            "differ",
            "both available mentees have the same department as you (matching.must_differ: "
            "department): Person e1 (e1) and Person e2 (e2)",
        ),
        (
            "match",
            "both available mentees have a different location (matching.must_match: location): "
            "Person e1 (e1) and Person e2 (e2)",
        ),
        (
            "repeat",
            "both available mentees were paired with you before (in data/pairs.csv): Person e1 "
            "(e1, pair OLD1 in cohort c1, completed) and Person e2 (e2, pair OLD2 in cohort c1, "
            "active)",
        ),
        (
            "never",
            "both available mentees are listed with you under matching.never_pair: Person e1 "
            "(e1) and Person e2 (e2)",
        ),
    ],
)
def test_each_rule_says_which_candidates_it_removed(rule: str, expected: str) -> None:
    people, pairs, settings = _two_candidates(rule)
    result = propose_matches(make_project(people, pairs, **settings), "c2")
    assert result.proposals == ()
    assert reason_of(result, "m") == "no eligible mentee: " + expected


def test_a_long_list_of_removed_candidates_names_a_few_and_counts_the_rest() -> None:
    people = [person("m", "mentor", 0, "IT")]
    people += [person(f"e{i}", "mentee", 6, "IT") for i in range(1, 8)]
    result = propose_matches(make_project(people, must_differ=["department"]), "c2")
    assert reason_of(result, "m") == (
        "no eligible mentee: all 7 available mentees have the same department as you "
        "(matching.must_differ: department): Person e1 (e1), Person e2 (e2), Person e3 (e3), "
        "Person e4 (e4) and 3 others"
    )


def test_every_message_about_a_must_pair_names_the_people() -> None:
    people = [
        person("m1", "mentor", 0, name="Ruby Adams"),
        person("m2", "mentor", 0, name="Lucy Yeung"),
        person("m3", "mentor", 0, name="Old Hand", cohort="c1"),
        person("e1", "mentee", 5, name="Moira Campbell"),
        person("e2", "mentee", 5, name="Priya Chauhan"),
        person("e3", "mentee", 5, name="Hugh Pemberton"),
    ]
    pairs = [pair("A1", "m2", "e2")]
    project = make_project(
        people,
        pairs,
        must_pair=[["m3", "e1"], ["m1", "e1"], ["m1", "e2"], ["m2", "e3"], ["m1", "e1"]],
        never_pair=[["e1", "m1"]],
    )
    with pytest.raises(InputError) as caught:
        propose_matches(project, "c2")
    assert [str(p) for p in caught.value.problems] == [
        "programme.yaml: matching.must_pair[0]: Old Hand (m3) is in cohort 'c1', not 'c2'; a "
        "pair must be in one cohort",
        "programme.yaml: matching.must_pair[1]: Ruby Adams (m1) and Moira Campbell (e1) are "
        "also listed under matching.never_pair; keep only one",
        "programme.yaml: matching.must_pair[2]: Priya Chauhan (e2) is already in an approved "
        "pair in this cohort",
        "programme.yaml: matching.must_pair[3]: Lucy Yeung (m2) already has 1 approved "
        "mentee(s) in this cohort, the mentor capacity",
        "programme.yaml: matching.must_pair[4]: Ruby Adams (m1) and Moira Campbell (e1) are "
        "also listed under matching.never_pair; keep only one",
    ]
    twice = make_project(people, must_pair=[["m1", "e1"], ["m2", "e1"]])
    with pytest.raises(InputError) as caught:
        propose_matches(twice, "c2")
    assert [str(p) for p in caught.value.problems] == [
        "programme.yaml: matching.must_pair[1]: Moira Campbell (e1) is already paired by "
        "matching.must_pair[0]; a mentee has one mentor",
    ]


def test_a_grade_the_programme_does_not_list_names_the_person() -> None:
    people = [person("m", "mentor", 0, name="Ruby Adams"), person("e", "mentee", 5)]
    people[0] = people[0].model_copy(update={"grade": "Band Z"})
    with pytest.raises(InputError) as caught:
        propose_matches(make_project(people), "c2")
    assert [str(p) for p in caught.value.problems] == [
        "data/participants.csv: column 'grade': Ruby Adams (m): 'Band Z' is not one of the "
        "programme's grades (" + ", ".join(GRADES) + ")"
    ]


def test_ticks_add_up_to_the_cohort_mentees_whatever_is_scored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(solve, "CHUNK_CELLS", 2)
    people = [person(f"m{i}", "mentor", 0) for i in range(2)]
    people += [person(f"e{i}", "mentee", 5) for i in range(4)]
    people.append(person("low", "mentee", 0))  # no eligible mentor: never scored
    project = make_project(people, [pair("A1", "m0", "e0")], mentor_capacity=2)
    ticks: list[int] = []
    propose_matches(project, "c2", tick=ticks.append)
    assert match.match_steps(project, "c2") == 5
    assert sum(ticks) == 5
    assert ticks[:3] == [1, 1, 1]  # one chunk of one mentee at a time while scoring


def test_cardinality_beats_score() -> None:
    # Greedy would give m1 the perfect match e1 and leave e2 without anyone.
    people = [
        person("m1", "mentor", 0, "A", skills_offered="Excel; data"),
        person("m2", "mentor", 0, "C"),
        person("e1", "mentee", 5, "B", skills_wanted="Excel; data"),
        person("e2", "mentee", 5, "C"),
    ]
    project = make_project(people, must_differ=["department"])
    assert pairs_of(propose_matches(project, "c2")) == {("m1", "e2"), ("m2", "e1")}


def test_proposal_reasons_say_what_the_pair_share_without_private_values() -> None:
    people = [
        person(
            "m",
            "mentor",
            0,
            "IT",
            skills_offered="TikTok; Excel",
            interests="Running",
            location="Leeds",
            extra={"network": "secret-network-a"},
        ),
        person(
            "e",
            "mentee",
            4,
            "HR",
            skills_wanted="excel; Power BI; tiktok",
            interests="running; chess",
            location="Leeds",
            extra={"network": "secret-network-b"},
        ),
    ]
    result = propose_matches(
        make_project(
            people,
            min_grade_gap=3,
            must_differ=["department"],
            prefer_different=["network"],
            prefer_same=["location"],
        ),
        "c2",
    )
    (proposal,) = result.proposals
    assert proposal.reasons == (
        "mentor is 4 grades junior (at least 3 required)",
        "outside each other's reporting line (direct and skip-level)",
        "different department",
        "not paired before",
        "offers 2 of the 3 skills wanted: excel, tiktok",
        "shared interest: Running",
        "different network",
        "same location",
    )
    # 3 × 2/3 + 1 × 1/2 + 1 × 1 + 0.5 × 1
    assert proposal.score == pytest.approx(4.0)
    text = render_match_report(result) + repr(match.proposal_rows(result))
    for private in ("secret-network", *GRADES):
        assert private not in text


def test_pair_ids_are_opaque_stable_and_never_collide() -> None:
    people = [person("m", "mentor", 0), person("e", "mentee", 5)]
    first = propose_matches(make_project(people), "c2").proposals[0].pair_id
    assert re.fullmatch(r"P[A-Z2-7]{5}", first)
    # The same pair proposed again (an old 'proposed' row) keeps its id.
    rerun = make_project(people, [pair(first, "m", "e", status="proposed")])
    assert propose_matches(rerun, "c2").proposals[0].pair_id == first
    # Another pair already holding that id forces a different one.
    other = [person("a", "mentor", 0, cohort="c1"), person("b", "mentee", 5, cohort="c1")]
    clash = make_project(people + other, [pair(first.lower(), "a", "b", cohort="c1")])
    second = propose_matches(clash, "c2").proposals[0].pair_id
    assert second != first and re.fullmatch(r"P[A-Z2-7]{5}", second)


def test_progress_is_reported_for_large_cohorts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solve, "LARGE_COHORT_CELLS", 4)
    monkeypatch.setattr(solve, "CHUNK_CELLS", 2)
    people = [person(f"m{i}", "mentor", 0) for i in range(3)]
    people += [person(f"e{i}", "mentee", 5) for i in range(2)]
    lines: list[str] = []
    propose_matches(make_project(people), "c2", progress=lines.append)
    assert lines[0] == (
        "matching cohort c2: 3 mentors and 2 mentees available, 0 approved pairs kept"
    )
    assert "  checked the rules for 3 of 3 mentors" in lines
    assert "  scored 2 of 2 mentees" in lines
    assert lines[-1] == "proposed 2 pairs; 1 person left unmatched"


# --- output files ---------------------------------------------------------------------


def test_csv_cells_never_run_as_formulas(tmp_path: Path) -> None:
    assert spreadsheet_safe("=1+1") == "'=1+1"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("-2") == "'-2"
    assert spreadsheet_safe("+x") == "'+x"
    assert spreadsheet_safe("\t=x") == "'\t=x"
    assert spreadsheet_safe("Ann") == "Ann"
    people = [
        person("m", "mentor", 0).model_copy(update={"name": '=HYPERLINK("http://x","y")'}),
        person("e", "mentee", 5).model_copy(update={"name": "@cmd"}),
    ]
    result = propose_matches(make_project(people), "c2")
    out = tmp_path / "proposals.csv"
    write_proposals_csv(result, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == list(match.CSV_COLUMNS)
    assert rows[0]["mentor_name"] == '\'=HYPERLINK("http://x","y")'
    assert rows[0]["mentee_name"] == "'@cmd"
    assert rows[0]["status"] == "proposed" and rows[0]["cohort"] == "c2"
    for row in rows:
        for cell in row.values():
            assert not cell or cell[0] not in "=+-@\t\r"


def test_report_is_written_beside_the_proposals_and_never_under_site_src(tmp_path: Path) -> None:
    people = [person("m", "mentor", 0), person("e", "mentee", 5), person("x", "mentee", 0)]
    project = make_project(people, root=tmp_path)
    result = propose_matches(project, "c2")
    proposals = default_proposals_path(project, "c2")
    assert proposals == tmp_path / "data" / "proposals-c2.csv"
    report = default_report_path(proposals, "c2")
    assert report == tmp_path / "data" / "match-report-c2.md"
    write_match_report(result, report)
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Match report: Cohort c2 (c2)\n")
    assert "**Private.**" in text
    assert (
        "- Person x (x): no eligible mentor: the only available mentor, Person m (m), is not "
        "junior to you (matching.min\\_grade\\_gap: 1)\n" in text
    )
    for bad in ("site_src/match.md", "content/stories/m.md", "site/x.csv"):
        with pytest.raises(InputError) as caught:
            check_output_path(project, tmp_path / bad)
        assert "is published" in str(caught.value)
    check_output_path(project, proposals)
    check_output_path(project, tmp_path / "content" / "data" / "proposals.csv")


def test_empty_side_gives_a_reason_not_an_error() -> None:
    result = propose_matches(make_project([person("m", "mentor", 0)]), "c2")
    assert result.proposals == ()
    assert reason_of(result, "m") == (
        "no eligible mentee: there are no available mentees in this cohort"
    )


# --- the command ----------------------------------------------------------------------

NO_PAIRS = {
    "data/pairs.csv": "pair_id,mentor_id,mentee_id,cohort,status,start_date,goals\n",
    "data/sessions.csv": "pair_id,date,minutes,status,topics,mentor_rating,mentee_rating\n",
}


def test_portal_match_writes_proposals_and_a_private_report(
    scratch: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = scratch(NO_PAIRS)
    result = cli("match", "--project", str(root), "--cohort", "c1")
    assert result.exit_code == 0, result.output
    proposals = root / "data" / "proposals-c1.csv"
    report = root / "data" / "match-report-c1.md"
    assert result.stdout.splitlines() == [
        f"proposed 2 pairs for cohort c1 (total score 0.00), kept 0 approved pairs: {proposals}",
        f"0 people left unmatched; reasons in the private report (never publish it): {report}",
    ]
    assert result.stderr.splitlines()[0] == (
        "matching cohort c1: 2 mentors and 2 mentees available, 0 approved pairs kept"
    )
    rows = list(csv.DictReader(proposals.read_text(encoding="utf-8-sig").splitlines()))
    # P3 manages P1 and P4 manages P2, so the only valid pairing crosses over.
    assert {(r["mentor_id"], r["mentee_id"]) for r in rows} == {("P1", "P4"), ("P2", "P3")}
    assert "**Private.**" in report.read_text(encoding="utf-8")
    assert not (root / "site_src").exists()


def test_portal_match_report_names_the_rule_and_the_person_it_removed(
    scratch: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    # Only Ada (P1) and her manager Cat (P3) are left in the cohort.
    people = edited(PARTICIPANTS, PARTICIPANTS.splitlines()[2] + "\n", "")
    people = edited(people, PARTICIPANTS.splitlines()[4] + "\n", "")
    root = scratch(NO_PAIRS | {"data/participants.csv": people})
    result = cli("match", "--project", str(root), "--cohort", "c1")
    assert result.exit_code == 0, result.output
    report = (root / "data" / "match-report-c1.md").read_text(encoding="utf-8")
    assert (
        "- Ada Junior (P1): no eligible mentee: your own manager, Cat Senior (P3), is the only "
        "available mentee (matching.exclude\\_direct\\_line)\n" in report
    )
    assert (
        "- Cat Senior (P3): no eligible mentor: Ada Junior (P1), who reports to you, is the only "
        "available mentor (matching.exclude\\_direct\\_line)\n" in report
    )


def test_portal_match_keeps_approved_pairs(
    scratch: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = scratch()
    result = cli("match", "--project", str(root), "--cohort", "c1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "proposed 0 pairs for cohort c1 (total score 0.00), kept 2 approved pairs: "
    )
    assert (root / "data" / "pairs.csv").read_text(encoding="utf-8").count("active") == 2


def test_portal_match_unknown_cohort_exits_2(
    scratch: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = scratch(NO_PAIRS)
    result = cli("match", "--project", str(root), "--cohort", "c9")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "programme.yaml: --cohort: there is no cohort 'c9' (cohorts: c1)",
        "1 error found; nothing was written. Fix it and run the command again.",
    ]
    assert not (root / "data" / "proposals-c9.csv").exists()


def test_portal_match_refuses_to_write_into_the_published_site(
    scratch: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = scratch(NO_PAIRS)
    out = root / "site_src" / "proposals.csv"
    result = cli("match", "--project", str(root), "--cohort", "c1", "--out", str(out))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"{out}: --out: match output is private and cannot go under site_src/, which is "
        "published; choose a path beside your data tables"
    )
    assert not out.parent.exists()


def random_project(seed: int, per_role: int) -> Project:
    """Return a seeded, mid-sized cohort with every kind of rule in play."""
    rng = random.Random(seed)
    skills = ["Excel", "python", "TikTok", "data", "AI", "video"]
    people: list[Participant] = []
    for i in range(per_role * 2):
        role = "mentor" if i % 2 else "mentee"
        bosses = [p.id for p in people if p.role == "mentee"]
        people.append(
            person(
                f"p{i:03d}",
                role,
                rng.randint(0, 2) if role == "mentor" else rng.randint(3, 7),
                rng.choice(["IT", "HR", "Finance", "Ops"]),
                location=rng.choice(["Leeds", "York"]),
                manager_id=rng.choice(["", *bosses[-5:]]),
                skills_offered="; ".join(rng.sample(skills, 2)),
                skills_wanted="; ".join(rng.sample(skills, 2)),
                interests="; ".join(rng.sample(["chess", "film", "running", "music"], 2)),
                extra={"network": rng.choice(["a", "b", ""])},
            )
        )
    return make_project(
        people,
        min_grade_gap=3,
        must_differ=["department"],
        prefer_different=["network"],
        prefer_same=["location"],
        mentor_capacity=2,
    )


def test_output_is_identical_across_processes_with_different_hash_seeds(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from generator.match import propose_matches, render_match_report, proposal_rows\n"
        "from tests.test_match import random_project\n"
        "result = propose_matches(random_project(7, 60), 'c2')\n"
        "sys.stdout.write(render_match_report(result) + repr(proposal_rows(result)))\n"
    )
    root = Path(__file__).resolve().parent.parent
    outputs = [
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0] == outputs[1]
    assert "### P" in outputs[0]  # there are proposals to compare


# --- reporting lines through the org chart (people outside the programme) ---------------


def test_skip_level_through_someone_outside_the_programme_is_never_proposed() -> None:
    # m reports to "out", who is not a participant but is in the org chart, under e.
    people = [person("m", "mentor", 0, manager_id="out"), person("e", "mentee", 6)]
    without_chart = make_project(people)
    assert pairs_of(propose_matches(without_chart, "c2")) == {("m", "e")}
    project = replace(without_chart, org_chart={"out": "e"})
    result = propose_matches(project, "c2")
    assert result.proposals == ()
    assert reason_of(result, "m") == (
        "no eligible mentee: your manager's manager, Person e (e), is the only available mentee "
        "(matching.exclude_skip_level)"
    )
    assert reason_of(result, "e") == (
        "no eligible mentor: Person m (m), who reports to someone who reports to you, is the "
        "only available mentor (matching.exclude_skip_level)"
    )
    allowed = replace(make_project(people, exclude_skip_level=False), org_chart={"out": "e"})
    assert pairs_of(propose_matches(allowed, "c2")) == {("m", "e")}


def test_org_chart_fills_in_a_manager_the_participants_table_leaves_blank() -> None:
    people = [person("m", "mentor", 0), person("e", "mentee", 6, manager_id="")]
    project = replace(make_project(people), org_chart={"m": "e", "e": "ceo"})
    assert propose_matches(project, "c2").proposals == ()
    # A participant's own manager wins over the org chart's.
    people[0] = person("m", "mentor", 0, manager_id="other")
    project = replace(make_project(people), org_chart={"m": "e", "other": ""})
    assert pairs_of(propose_matches(project, "c2")) == {("m", "e")}


def test_must_pair_through_an_outsider_breaks_the_reporting_line_rule() -> None:
    people = [person("m", "mentor", 0, manager_id="out"), person("e", "mentee", 6)]
    project = replace(make_project(people, must_pair=[("m", "e")]), org_chart={"out": "e"})
    with pytest.raises(InputError) as caught:
        propose_matches(project, "c2")
    assert [str(p) for p in caught.value.problems] == [
        "programme.yaml: matching.must_pair[0]: Person m (m) and Person e (e) break a hard rule: "
        "one is in the other's reporting line"
    ]


def test_portal_match_reads_the_org_chart(
    scratch: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    # Ada (P1) reports to M1, who is outside the programme and reports to Cat (P3); Ben (P2)
    # has no manager. Ada–Cat would score best, but they are in one reporting line.
    files = {
        "programme.yaml": edited(
            PROGRAMME,
            "  surveys: data/surveys.csv\n",
            "  surveys: data/surveys.csv\n  people: data/org-chart.csv\n",
        ),
        "data/participants.csv": edited(
            edited(PARTICIPANTS, ",HQ,P3,TikTok", ",HQ,M1,TikTok"),
            ",HQ,P4,Power BI",
            ",HQ,,Power BI",
        ),
        "data/org-chart.csv": "id,manager_id,name\nM1,P3,Mo Manager\n",
    }
    root = scratch(NO_PAIRS | files)
    result = cli("match", "--project", str(root), "--cohort", "c1")
    assert result.exit_code == 0, result.output
    rows = list(
        csv.DictReader((root / "data" / "proposals-c1.csv").read_text("utf-8-sig").splitlines())
    )
    assert {(r["mentor_id"], r["mentee_id"]) for r in rows} == {("P1", "P4"), ("P2", "P3")}
    report = (root / "data" / "match-report-c1.md").read_text(encoding="utf-8")
    assert "M1" not in report and "Mo Manager" not in report
    # Without the org chart's line, the matcher would have chosen Ada–Cat.
    blind = replace(load_project(root), org_chart={})
    assert pairs_of(propose_matches(blind, "c1")) == {("P1", "P3"), ("P2", "P4")}
