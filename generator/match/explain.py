"""Explain the match in words: each proposal's reasons, and why each unmatched person is left."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence

import numpy as np

from generator.config import Matching, ProgrammeConfig
from generator.match.encode import (
    BoolMatrix,
    IntArray,
    Pool,
    Role,
    attribute,
    label,
    named,
    norm,
)
from generator.match.results import Proposal, Unmatched
from generator.match.rules import GradeGap, HardRule, rule_masks
from generator.match.score import pair_scores
from generator.model import Participant, Project
from generator.wording import join_and, plural

# An unmatched person's reason names at most this many candidates per rule, then counts.
MAX_NAMED = 5


def describe_rules(config: ProgrammeConfig, rules: Sequence[HardRule]) -> tuple[str, ...]:
    """List the hard rules in force, in words."""
    matching = config.matching
    out = [words for rule in rules if (words := rule.in_force)]
    out.append(f"each mentor takes at most {plural(matching.mentor_capacity, 'mentee')} per cohort")
    if matching.must_pair:
        out.append(f"{plural(len(matching.must_pair), 'pair')} listed under matching.must_pair")
    return tuple(out)


def new_pair_id(
    cohort_id: str, mentor_id: str, mentee_id: str, taken: Mapping[str, tuple[str, str, str]]
) -> str:
    """Return an opaque, deterministic pair id that no other pair uses."""
    owner = (cohort_id, mentor_id, mentee_id)
    attempt = 0
    while True:
        digest = hashlib.sha256("\x1f".join((*owner, str(attempt))).encode()).digest()
        # 'P' first: a spreadsheet never reads the id as a number ('2E45') or a date ('MAR12').
        candidate = "P" + base64.b32encode(digest).decode("ascii")[:5]
        holder = taken.get(candidate.casefold())
        # The same pair proposed by an earlier run keeps its id.
        if holder is None or holder == owner:
            return candidate
        attempt += 1


def explain_proposals(
    project: Project,
    cohort_id: str,
    pool: Pool,
    rules: Sequence[HardRule],
    assignment: Sequence[tuple[int, int]],
    fixed: set[tuple[int, int]],
) -> tuple[Proposal, ...]:
    """Turn the chosen index pairs into proposals with ids, scores and reasons."""
    matching = project.config.matching
    taken = {p.pair_id.casefold(): (p.cohort, p.mentor_id, p.mentee_id) for p in project.pairs}
    ordered = sorted(
        assignment, key=lambda a: (pool.mentors.people[a[0]].id, pool.mentees.people[a[1]].id)
    )
    rows = np.array([mi for mi, _ in ordered], dtype=np.int64)
    cols = np.array([ei for _, ei in ordered], dtype=np.int64)
    scores = pair_scores(pool, rows, cols) if ordered else np.zeros(0)
    gaps = pool.mentees.rank[cols] - pool.mentors.rank[rows]
    common = [words for rule in rules if (words := rule.met)]
    out: list[Proposal] = []
    for k, (mi, ei) in enumerate(ordered):
        mentor, mentee = pool.mentors.people[mi], pool.mentees.people[ei]
        pair_id = new_pair_id(cohort_id, mentor.id, mentee.id, taken)
        taken[pair_id.casefold()] = (cohort_id, mentor.id, mentee.id)
        required = (mi, ei) in fixed
        gap = int(gaps[k])
        met = ["required by matching.must_pair"] if required else []
        met.append(
            f"mentor is {gap} {'grade' if gap == 1 else 'grades'} junior "
            f"(at least {matching.min_grade_gap} required)"
        )
        met.extend(common)
        out.append(
            Proposal(
                pair_id=pair_id,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                score=round(float(scores[k]), 4),
                rules_met=tuple(met),
                shared=_shared(mentor, mentee, matching, pool.attribute_names),
                required=required,
            )
        )
    return tuple(out)


def _shared(
    mentor: Participant, mentee: Participant, rules: Matching, columns: Mapping[str, str]
) -> tuple[str, ...]:
    """Say in words what the pair share and how they differ, without any private value."""
    out: list[str] = []
    offered = {norm(s) for s in mentor.skills_offered}
    wanted = list(dict.fromkeys(s for s in mentee.skills_wanted if norm(s)))
    hits = [s for s in wanted if norm(s) in offered]
    if not wanted:
        out.append("the mentee listed no skills wanted")
    elif not hits:
        out.append(
            "does not offer the skill wanted"
            if len(wanted) == 1
            else f"offers none of the {len(wanted)} skills wanted"
        )
    elif len(wanted) == 1:
        out.append(f"offers the skill wanted: {hits[0]}")
    else:
        out.append(f"offers {len(hits)} of the {len(wanted)} skills wanted: {', '.join(hits)}")
    theirs = {norm(s) for s in mentee.interests}
    common = list(dict.fromkeys(s for s in mentor.interests if norm(s) and norm(s) in theirs))
    if common:
        noun = "interest" if len(common) == 1 else "interests"
        out.append(f"shared {noun}: {', '.join(common)}")
    hard = {*rules.must_differ, *rules.must_match}
    for name in rules.prefer_different:
        a, b = attribute(mentor, columns[name]), attribute(mentee, columns[name])
        if a and b and a != b and name not in hard:
            out.append(f"different {label(name)}")
    for name in rules.prefer_same:
        a, b = attribute(mentor, columns[name]), attribute(mentee, columns[name])
        if a and b and a == b and name not in hard:
            out.append(f"same {label(name)}")
    return tuple(out)


def explain_unmatched(
    pool: Pool,
    rules: Sequence[HardRule],
    room: IntArray,
    assignment: Sequence[tuple[int, int]],
    fixed: set[tuple[int, int]],
    matched_mentors: set[str],
    matched_mentees: set[str],
) -> tuple[Unmatched, ...]:
    """Explain, per person left without a partner, exactly why."""
    out: list[Unmatched] = []
    m, e = pool.mentors, pool.mentees
    # Who is still free, and who is taken by a must-pair, on each side.
    mentee_free = np.ones(e.size, dtype=np.bool_)
    mentee_required = np.zeros(e.size, dtype=np.bool_)
    used = np.zeros(m.size, dtype=np.int64)
    required_load = np.zeros(m.size, dtype=np.int64)
    for mi, ei in assignment:
        mentee_free[ei] = False
        used[mi] += 1
    for mi, ei in fixed:
        mentee_required[ei] = True
        required_load[mi] += 1
    mentor_free = used < room
    mentor_required = required_load >= room

    lonely = np.array(
        [i for i, p in enumerate(m.people) if p.id not in matched_mentors], dtype=np.int64
    )
    if len(lonely):
        masks = rule_masks(rules, pool, lonely, np.arange(e.size, dtype=np.int64))
        for row, mi in enumerate(lonely):
            reason = _reason(
                pool,
                "mentor",
                m.people[mi],
                [(r, k[row]) for r, k in masks],
                mentee_free,
                mentee_required,
            )
            out.append(Unmatched(m.people[mi].id, "mentor", reason))
    lonely = np.array(
        [i for i, p in enumerate(e.people) if p.id not in matched_mentees], dtype=np.int64
    )
    if len(lonely):
        masks = rule_masks(rules, pool, np.arange(m.size, dtype=np.int64), lonely)
        for col, ei in enumerate(lonely):
            reason = _reason(
                pool,
                "mentee",
                e.people[ei],
                [(r, k[:, col]) for r, k in masks],
                mentor_free,
                mentor_required,
            )
            out.append(Unmatched(e.people[ei].id, "mentee", reason))
    return tuple(out)


def _reason(
    pool: Pool,
    view: Role,
    person: Participant,
    masks: Sequence[tuple[HardRule, BoolMatrix]],
    free: BoolMatrix,
    required: BoolMatrix,
) -> str:
    """Explain one unmatched person: which rule removed which candidates, or who took them."""
    other: Role = "mentee" if view == "mentor" else "mentor"
    candidates = pool.side(other).people
    n = len(free)
    if n == 0:
        return f"no eligible {other}: there are no available {other}s in this cohort"
    for name, column in pool.attribute_names.items():
        hard = name in pool.matching.must_differ or name in pool.matching.must_match
        if hard and not attribute(person, column):
            need = "differ from" if name in pool.matching.must_differ else "be the same as"
            return (
                f"no eligible {other}: your {label(name)} is not recorded, and matching "
                f"requires it to {need} your partner's"
            )
    remaining = np.ones(n, dtype=np.bool_)
    stages: list[tuple[HardRule, list[Participant]]] = []
    # Each removed candidate is named once, under the first rule it fails.
    for rule, ok in masks:
        removed = np.flatnonzero(remaining & ~ok).tolist()
        remaining &= ok
        if removed:
            stages.append((rule, [candidates[i] for i in removed]))
    if not remaining.any():
        return f"no eligible {other}: " + _exclusions(pool, view, person, stages)
    if np.any(remaining & free):  # pragma: no cover - would mean the solver was not optimal
        return f"no proposal: an eligible {other} was left free; please report this"
    eligible = [candidates[i] for i in np.flatnonzero(remaining).tolist()]
    k = len(eligible)
    by_rule = int(np.count_nonzero(remaining & required))
    # A few are worth naming; of hundreds, any four names would say nothing.
    who = f", {_listed(pool, person, eligible)}," if k <= MAX_NAMED else ""
    every = "both" if k == 2 else f"all {k}"
    either = "either" if k == 2 else "any"
    if view == "mentor":
        taken = (
            f"the only eligible mentee{who} is paired with another mentor"
            if k == 1
            else f"{every} eligible mentees{who} are paired with other mentors"
        )
        move = "moving them to you" if k == 1 else f"moving {either} of them to you"
    else:
        single = pool.matching.mentor_capacity == 1
        one = "paired with another mentee" if single else "full"
        many = "paired with other mentees" if single else "full"
        taken = (
            f"the only eligible mentor{who} is {one}"
            if k == 1
            else f"{every} eligible mentors{who} are {many}"
        )
        move = "moving you to them" if k == 1 else f"moving you to {either} of them"
    if by_rule == k:
        return f"no proposal: {taken} by matching.must_pair"
    note = f" ({by_rule} by matching.must_pair)" if by_rule else ""
    return (
        f"no proposal: {taken}{note}, and {move} would not make more pairs or a higher total score"
    )


def _exclusions(
    pool: Pool,
    view: Role,
    person: Participant,
    stages: Sequence[tuple[HardRule, Sequence[Participant]]],
) -> str:
    """Say how the hard rules removed every candidate: each rule, how many, and whom."""
    other = "mentee" if view == "mentor" else "mentor"
    n = sum(len(removed) for _, removed in stages)
    first, removed = stages[0]
    if len(stages) == 1:
        if n == 1:
            return first.only(view, f"the only available {other}", pool, person, removed[0])
        words = first.wording(view)
        if isinstance(first, GradeGap):
            lead = f"none of the {n} available {other}s is {first.enough(view)} to you"
        else:
            every = "both" if n == 2 else f"all {n}"
            lead = f"{every} available {other}s {words.plural} {words.rest}"
        cited = first.cite(pool, person, removed)
        return f"{lead}{cited}: {_listed(pool, person, removed, first)}"
    if len(stages) == 2 and isinstance(first, GradeGap):
        # Most candidates are usually too close in grade: name the few the other rule removed.
        rule, left = stages[1]
        enough = first.enough(view)
        if len(left) == 1:
            return rule.only(view, f"the only {other} {enough}", pool, person, left[0])
        words = rule.wording(view)
        everyone = _all(words.plural, words.rest, len(left))
        cited = rule.cite(pool, person, left)
        return f"the {len(left)} {other}s {enough} {everyone}{cited}: " + _listed(
            pool, person, left, rule
        )
    parts = []
    for rule, removed in stages:
        words = rule.wording(view)
        verb = words.singular if len(removed) == 1 else words.plural
        cited = rule.cite(pool, person, removed)
        listed = _listed(pool, person, removed, rule)
        parts.append(f"{len(removed)} {verb} {words.rest}{cited}: {listed}")
    return f"of the {n} available {other}s, " + "; ".join(parts[:-1]) + "; and " + parts[-1]


def _listed(
    pool: Pool,
    person: Participant,
    candidates: Sequence[Participant],
    rule: HardRule | None = None,
) -> str:
    """Name up to MAX_NAMED candidates, else fewer and how many more: 'A (P1), B (P2) and 3 others'.

    With a *rule*, each is named as the rule mentions them ('Jo Bloggs (P012, your own manager)').
    """
    shown = candidates if len(candidates) <= MAX_NAMED else candidates[: MAX_NAMED - 1]
    names = [rule.mention(pool, person, c).text if rule else named(c) for c in shown]
    if len(shown) < len(candidates):
        names.append(f"{len(candidates) - len(shown)} others")
    return join_and(names)


def _all(verb: str, rest: str, count: int) -> str:
    """Put 'all' where English wants it: 'are all in …' but 'all have …'; 'both' for two."""
    word = "both" if count == 2 else "all"
    return f"{verb} {word} {rest}" if verb in {"are", "were"} else f"{word} {verb} {rest}"
