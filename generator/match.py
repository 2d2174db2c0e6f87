"""Match stage: propose explainable, optimal mentor–mentee pairs for one cohort.

`propose_matches` is pure: it reads a validated Project and returns a MatchResult. Only the
two writers at the bottom touch the disk. The optimum is exact: a maximum-cardinality,
maximum-score assignment solved by scipy's linear_sum_assignment on a cost matrix where every
eligible cell costs ``-(BIG + score)``, so one more pair always beats any gain in score.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from generator.config import Matching, ProgrammeConfig
from generator.errors import InputError, Problem
from generator.load import normalise_header
from generator.model import Pair, Participant, Project, managers_above
from generator.private_outputs import PUBLISHED_FOLDERS as PUBLISHED_FOLDERS
from generator.private_outputs import check_output_path as check_private_path
from generator.private_outputs import spreadsheet_safe as spreadsheet_safe
from generator.private_outputs import write_atomically
from generator.wording import plural

Progress = Callable[[str], None]
BoolMatrix = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

PROGRAMME_FILE = "programme.yaml"
# Pair statuses that mean the pair never really existed, so it may be proposed again.
NOT_A_REAL_PAIR = frozenset({"proposed"})
# Cohorts at least this big (mentors × mentees) get a progress line per chunk.
LARGE_COHORT_CELLS = 1_000_000
# Cells per chunk of rule masks and scores: bounds temporary memory to a few tens of MB.
CHUNK_CELLS = 2_000_000
CSV_COLUMNS = (
    "pair_id",
    "mentor_id",
    "mentee_id",
    "cohort",
    "status",
    "score",
    "reasons",
    "mentor_name",
    "mentee_name",
)


# --- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """One proposed pair, with its score and the reasons in words."""

    pair_id: str
    mentor_id: str
    mentee_id: str
    score: float
    rules_met: tuple[str, ...]
    shared: tuple[str, ...]
    required: bool = False

    @property
    def reasons(self) -> tuple[str, ...]:
        """Return every reason, rules first, then what the pair shares."""
        return self.rules_met + self.shared


@dataclass(frozen=True)
class Unmatched:
    """A participant left without a partner, and the concrete reason."""

    participant_id: str
    role: Literal["mentor", "mentee"]
    reason: str


@dataclass(frozen=True)
class MatchResult:
    """Everything `portal match` proposes for a cohort, and why."""

    cohort_id: str
    cohort_name: str
    proposals: tuple[Proposal, ...]
    unmatched: tuple[Unmatched, ...]
    kept: tuple[Pair, ...]
    rules: tuple[str, ...]
    formula: str
    names: Mapping[str, str]
    mentors: int
    mentees: int

    @property
    def total_score(self) -> float:
        """Return the sum of the proposals' scores."""
        return sum(p.score for p in self.proposals)


# --- the rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """A hard rule, with how to say that a candidate fails it (verb singular, plural, rest)."""

    key: str
    to_mentor: tuple[str, str, str]
    to_mentee: tuple[str, str, str]

    def phrase(self, view: str) -> tuple[str, str, str]:
        """Return the wording for explaining to a mentor or to a mentee."""
        return self.to_mentor if view == "mentor" else self.to_mentee


def _symmetric(key: str, singular: str, plural: str, rest: str) -> _Rule:
    return _Rule(key, (singular, plural, rest), (singular, plural, rest))


def _label(attribute: str) -> str:
    """Turn a column name into words: 'job_title' -> 'job title'."""
    return attribute.replace("_", " ").strip()


def _norm(text: str) -> str:
    """Compare text case- and space-insensitively."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class _Side:
    """One role's available participants as arrays, ordered by id."""

    people: tuple[Participant, ...]
    rank: IntArray
    codes: Mapping[str, IntArray]
    skills: sparse.csr_array
    skill_weight: FloatArray
    interests: sparse.csr_array
    interest_count: FloatArray

    @property
    def size(self) -> int:
        """Return how many people are on this side."""
        return len(self.people)


@dataclass(frozen=True)
class _Pool:
    """The matching problem: both sides, the rules and the pair lists as index arrays."""

    mentors: _Side
    mentees: _Side
    rules: tuple[_Rule, ...]
    line: tuple[IntArray, IntArray]
    repeat: tuple[IntArray, IntArray]
    never: tuple[IntArray, IntArray]
    matching: Matching
    line_levels: int
    attribute_names: Mapping[str, str]


def _attribute(person: Participant, column: str) -> str:
    """Return a participant's value of a matching attribute, normalised ('' when unknown)."""
    if column in Participant.model_fields and column != "extra":
        value = getattr(person, column)
        text = "; ".join(value) if isinstance(value, tuple) else str(value)
    else:
        text = person.extra.get(column, "")
    return _norm(text)


def _resolve_attributes(project: Project) -> tuple[dict[str, str], list[Problem]]:
    """Map each attribute named under matching: to a column, or report it missing."""
    rules = project.config.matching
    seen_extra = {key for person in project.participants for key in person.extra}
    columns: dict[str, str] = {}
    problems: list[Problem] = []
    for setting in ("must_differ", "must_match", "prefer_different", "prefer_same"):
        for i, name in enumerate(getattr(rules, setting)):
            if name in columns:
                continue
            candidates = (name, normalise_header(name))
            found = next(
                (
                    c
                    for c in candidates
                    if (c in Participant.model_fields and c != "extra") or c in seen_extra
                ),
                None,
            )
            if found is None:
                problems.append(
                    Problem(
                        PROGRAMME_FILE,
                        f"'{name}' is not a column of the participants table "
                        f"({project.config.data.participants})",
                        field=f"matching.{setting}[{i}]",
                    )
                )
            else:
                columns[name] = found
    return columns, problems


def _index_pairs(
    pairs: Iterable[tuple[str, str]], mentor_pos: Mapping[str, int], mentee_pos: Mapping[str, int]
) -> tuple[IntArray, IntArray]:
    """Turn id pairs (either order) into (mentor index, mentee index) arrays, deduplicated."""
    found: set[tuple[int, int]] = set()
    for a, b in pairs:
        for mentor, mentee in ((a, b), (b, a)):
            if mentor in mentor_pos and mentee in mentee_pos:
                found.add((mentor_pos[mentor], mentee_pos[mentee]))
    ordered = sorted(found)
    return (
        np.array([m for m, _ in ordered], dtype=np.int64),
        np.array([e for _, e in ordered], dtype=np.int64),
    )


def _multi_hot(
    values: Sequence[tuple[str, ...]], vocabulary: Mapping[str, int]
) -> tuple[sparse.csr_array, FloatArray]:
    """Encode sets of words as a sparse 0/1 matrix, plus the size of each set."""
    indptr = [0]
    indices: list[int] = []
    for items in values:
        row = sorted({vocabulary[_norm(v)] for v in items if _norm(v)})
        indices.extend(row)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    matrix = sparse.csr_array(
        (data, np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
        shape=(len(values), max(len(vocabulary), 1)),
    )
    counts = np.diff(np.array(indptr, dtype=np.float64))
    return matrix, counts


def _build_side(
    people: Sequence[Participant],
    config: ProgrammeConfig,
    columns: Mapping[str, str],
    skills_field: str,
    words: tuple[Mapping[str, int], Mapping[str, int]],
    book: dict[str, int],
) -> _Side:
    """Encode one side's grades, attributes, skills and interests as arrays."""
    skill_words, interest_words = words
    ranks = {grade: i for i, grade in enumerate(config.grades)}
    rank = np.array([ranks[p.grade] for p in people], dtype=np.int64)
    codes: dict[str, IntArray] = {}
    for name, column in columns.items():
        # Blank is -1: it never equals anything, and "missing" rules test for it.
        values = (_attribute(p, column) for p in people)
        codes[name] = np.array(
            [book.setdefault(v, len(book)) if v else -1 for v in values], dtype=np.int64
        )
    skills, skill_count = _multi_hot([getattr(p, skills_field) for p in people], skill_words)
    interests, interest_count = _multi_hot([p.interests for p in people], interest_words)
    # Each wanted skill is worth 1 / (skills wanted); nothing wanted scores 0, not a division.
    skill_weight = np.divide(
        1.0, skill_count, out=np.zeros_like(skill_count), where=skill_count > 0
    )
    return _Side(tuple(people), rank, codes, skills, skill_weight, interests, interest_count)


def _vocabulary(groups: Iterable[Iterable[str]]) -> dict[str, int]:
    """Number the distinct normalised words, in sorted order for determinism."""
    words = sorted({_norm(w) for group in groups for w in group if _norm(w)})
    return {w: i for i, w in enumerate(words)}


def _build_rules(config: ProgrammeConfig, line_levels: int) -> tuple[_Rule, ...]:
    """List the hard rules in the order used to explain exclusions."""
    rules = config.matching
    gap = rules.min_grade_gap
    short = "not" if gap == 1 else f"fewer than {gap} grades"
    out = [
        _Rule(
            "grade",
            ("is", "are", f"{short} senior to you"),
            ("is", "are", f"{short} junior to you"),
        )
    ]
    if line_levels:
        out.append(_symmetric("line", "is", "are", "in your reporting line"))
    for name in rules.must_differ:
        out.append(_symmetric(f"missing:{name}", "has", "have", f"no {_label(name)} recorded"))
        out.append(_symmetric(f"differ:{name}", "has", "have", f"the same {_label(name)} as you"))
    for name in rules.must_match:
        out.append(_symmetric(f"missing:{name}", "has", "have", f"no {_label(name)} recorded"))
        out.append(_symmetric(f"match:{name}", "has", "have", f"a different {_label(name)}"))
    out.append(_symmetric("repeat", "was", "were", "paired with you before"))
    out.append(_symmetric("never", "is", "are", "listed with you under matching.never_pair"))
    # A name can be in must_differ and must_match (a config mistake); keep its first rule only.
    unique: dict[str, _Rule] = {}
    for rule in out:
        unique.setdefault(rule.key, rule)
    return tuple(unique.values())


def _pair_mask(
    pairs: tuple[IntArray, IntArray], rows: IntArray, cols: IntArray, n_rows: int, n_cols: int
) -> BoolMatrix:
    """Return a rows × cols mask that is True where (mentor, mentee) is in *pairs*."""
    mask = np.zeros((len(rows), len(cols)), dtype=np.bool_)
    if len(pairs[0]) == 0:
        return mask
    row_at = np.full(n_rows, -1, dtype=np.int64)
    row_at[rows] = np.arange(len(rows))
    col_at = np.full(n_cols, -1, dtype=np.int64)
    col_at[cols] = np.arange(len(cols))
    r, c = row_at[pairs[0]], col_at[pairs[1]]
    keep = (r >= 0) & (c >= 0)
    mask[r[keep], c[keep]] = True
    return mask


def _rule_masks(pool: _Pool, rows: IntArray, cols: IntArray) -> list[tuple[_Rule, BoolMatrix]]:
    """Return, per hard rule, a rows × cols mask that is True where the pair passes it."""
    m, e = pool.mentors, pool.mentees
    out: list[tuple[_Rule, BoolMatrix]] = []
    for rule in pool.rules:
        kind, _, name = rule.key.partition(":")
        if kind == "grade":
            ok = (e.rank[cols][None, :] - m.rank[rows][:, None]) >= pool.matching.min_grade_gap
        elif kind == "line":
            ok = ~_pair_mask(pool.line, rows, cols, m.size, e.size)
        elif kind == "missing":
            ok = (m.codes[name][rows] >= 0)[:, None] & (e.codes[name][cols] >= 0)[None, :]
        elif kind == "differ":
            ok = m.codes[name][rows][:, None] != e.codes[name][cols][None, :]
        elif kind == "match":
            ok = m.codes[name][rows][:, None] == e.codes[name][cols][None, :]
        elif kind == "repeat":
            ok = ~_pair_mask(pool.repeat, rows, cols, m.size, e.size)
        else:
            ok = ~_pair_mask(pool.never, rows, cols, m.size, e.size)
        out.append((rule, ok))
    return out


def _eligible(pool: _Pool, rows: IntArray, cols: IntArray) -> BoolMatrix:
    """Return a rows × cols mask that is True where the pair passes every hard rule."""
    ok = np.ones((len(rows), len(cols)), dtype=np.bool_)
    for _, mask in _rule_masks(pool, rows, cols):
        ok &= mask
    return ok


def _scores(pool: _Pool, mentors: IntArray, mentees: IntArray) -> FloatArray:
    """Return the soft score of every pair as a mentees × mentors matrix (see score_formula)."""
    m, e = pool.mentors, pool.mentees
    overlap = (e.skills[mentees] @ m.skills[mentors].T).toarray()
    shared = (e.interests[mentees] @ m.interests[mentors].T).toarray()
    both = e.interest_count[mentees][:, None] + m.interest_count[mentors][None, :]
    codes = {
        name: (m.codes[name][mentors][None, :], e.codes[name][mentees][:, None])
        for name in (*pool.matching.prefer_different, *pool.matching.prefer_same)
    }
    return _combine(pool.matching, overlap, e.skill_weight[mentees][:, None], shared, both, codes)


def _pair_scores(pool: _Pool, mentors: IntArray, mentees: IntArray) -> FloatArray:
    """Return the soft score of each pair (mentors[k], mentees[k])."""
    m, e = pool.mentors, pool.mentees
    overlap = np.asarray(m.skills[mentors].multiply(e.skills[mentees]).sum(axis=1))
    shared = np.asarray(m.interests[mentors].multiply(e.interests[mentees]).sum(axis=1))
    codes = {
        name: (m.codes[name][mentors], e.codes[name][mentees])
        for name in (*pool.matching.prefer_different, *pool.matching.prefer_same)
    }
    return _combine(
        pool.matching,
        overlap.ravel().astype(np.float64),
        e.skill_weight[mentees],
        shared.ravel().astype(np.float64),
        m.interest_count[mentors] + e.interest_count[mentees],
        codes,
    )


def _combine(
    rules: Matching,
    overlap: FloatArray,
    skill_weight: FloatArray,
    shared: FloatArray,
    both: FloatArray,
    codes: Mapping[str, tuple[IntArray, IntArray]],
) -> FloatArray:
    """Weigh the score's parts: the one place the formula is written down.

    Works in place on *overlap* and *shared*: at 25 million cells, every temporary matrix
    costs more than the arithmetic.
    """
    total = overlap
    total *= rules.weight_skills * skill_weight  # skill_weight is 1 / skills wanted (or 0)
    union = both - shared
    np.maximum(union, 1.0, out=union)  # the union is empty only when nothing is shared
    shared /= union
    shared *= rules.weight_interests
    total += shared
    for names, weight, same in (
        (rules.prefer_different, rules.weight_prefer_different, False),
        (rules.prefer_same, rules.weight_prefer_same, True),
    ):
        for name in names if weight else ():
            mentor_code, mentee_code = codes[name]
            hit = (mentor_code == mentee_code) if same else (mentor_code != mentee_code)
            hit &= mentor_code >= 0
            hit &= mentee_code >= 0
            np.add(total, weight / len(names), out=total, where=hit)
    return total


def max_score(rules: Matching) -> float:
    """Return the highest score a pair can get under these weights."""
    total = rules.weight_skills + rules.weight_interests
    total += rules.weight_prefer_different if rules.prefer_different else 0.0
    total += rules.weight_prefer_same if rules.prefer_same else 0.0
    return float(total)


def score_formula(rules: Matching) -> str:
    """Describe the score in one line, with this programme's weights."""
    parts = [
        f"{rules.weight_skills:g} × share of the mentee's wanted skills the mentor offers",
        f"{rules.weight_interests:g} × shared interests ÷ all interests of the two",
    ]
    for names, weight, verb in (
        (rules.prefer_different, rules.weight_prefer_different, "differ"),
        (rules.prefer_same, rules.weight_prefer_same, "are the same"),
    ):
        if len(names) == 1:
            single = "differs" if verb == "differ" else "is the same"
            parts.append(f"{weight:g} × ({_label(names[0])} {single}: 1, else 0)")
        elif names:
            listed = ", ".join(map(_label, names))
            parts.append(f"{weight:g} × share of {listed} that {verb}")
    return "score = " + " + ".join(parts) + f" (0 to {max_score(rules):g})"


# --- propose ------------------------------------------------------------------------------


def propose_matches(
    project: Project, cohort_id: str, progress: Progress | None = None
) -> MatchResult:
    """Propose the optimal pairs for a cohort, explaining each pair and each unmatched person."""
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
    columns, problems = _resolve_attributes(project)
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

    line_levels = (2 if rules.exclude_skip_level else 1) if rules.exclude_direct_line else 0
    pool = _build_pool(project, mentors, mentees, columns, line_levels)
    fixed = _fixed_pairs(project, cohort_id, pool, room, kept)

    # Take the must-pairs out of the problem before solving for everyone else.
    room_left = room.copy()
    taken_mentees = np.zeros(pool.mentees.size, dtype=np.bool_)
    for mi, ei in fixed:
        room_left[mi] -= 1
        taken_mentees[ei] = True
    chosen = _solve(pool, room_left, taken_mentees, say)
    assignment = sorted(set(fixed) | set(chosen))

    proposals = _proposals(project, cohort_id, pool, assignment, set(fixed), columns)
    matched_mentors = {p.mentor_id for p in proposals} | set(load)
    matched_mentees = {p.mentee_id for p in proposals}
    unmatched = _unmatched(pool, room, assignment, set(fixed), matched_mentors, matched_mentees)
    people = "person" if len(unmatched) == 1 else "people"
    say(f"proposed {len(proposals):,} pairs; {len(unmatched):,} {people} left unmatched")
    return MatchResult(
        cohort_id=cohort_id,
        cohort_name=cohort.name,
        proposals=proposals,
        unmatched=unmatched,
        kept=kept,
        rules=_describe_rules(config, line_levels),
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
            f"{p.id}: '{p.grade}' is not one of the programme's grades "
            f"({', '.join(project.config.grades)})",
            field="column 'grade'",
        )
        for p in members
        if p.grade not in grades
    ]
    if problems:
        raise InputError(problems)


def _build_pool(
    project: Project,
    mentors: Sequence[Participant],
    mentees: Sequence[Participant],
    columns: Mapping[str, str],
    line_levels: int,
) -> _Pool:
    """Encode the available people, the reporting lines and the pair lists as arrays."""
    config = project.config
    skill_words = _vocabulary(
        [p.skills_offered for p in mentors] + [p.skills_wanted for p in mentees]
    )
    interest_words = _vocabulary([p.interests for p in (*mentors, *mentees)])
    book: dict[str, int] = {}
    words = (skill_words, interest_words)
    mentor_side = _build_side(mentors, config, columns, "skills_offered", words, book)
    mentee_side = _build_side(mentees, config, columns, "skills_wanted", words, book)
    mentor_pos = {p.id: i for i, p in enumerate(mentors)}
    mentee_pos = {p.id: i for i, p in enumerate(mentees)}
    # The manager tree spans every participant, whatever their cohort, and the org chart's
    # people outside the programme: a line through someone who is not taking part still counts.
    managers = project.reporting_tree()
    in_line = [
        (person.id, boss)
        for person in (*mentors, *mentees)
        for boss in managers_above(person.id, managers, line_levels)
    ]
    earlier = [(p.mentor_id, p.mentee_id) for p in project.pairs if p.status not in NOT_A_REAL_PAIR]
    return _Pool(
        mentors=mentor_side,
        mentees=mentee_side,
        rules=_build_rules(config, line_levels),
        line=_index_pairs(in_line, mentor_pos, mentee_pos),
        repeat=_index_pairs(earlier, mentor_pos, mentee_pos),
        never=_index_pairs(config.matching.never_pair, mentor_pos, mentee_pos),
        matching=config.matching,
        line_levels=line_levels,
        attribute_names=MappingProxyType(dict(columns)),
    )


def _fixed_pairs(
    project: Project, cohort_id: str, pool: _Pool, room: IntArray, kept: Sequence[Pair]
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
                f"{elsewhere.id} is in cohort '{elsewhere.cohort}', "
                f"not '{cohort_id}'; a pair must be in one cohort",
            )
            continue
        if mentor.role != "mentor" or mentee.role != "mentee":
            problem(
                i,
                "must_pair",
                "write each entry as [mentor id, mentee id]; "
                f"{mentor.id} is a {mentor.role} and {mentee.id} is a {mentee.role}",
            )
            continue
        if (mentor_id, mentee_id) in kept_pairs:
            continue  # already approved: nothing to propose
        if frozenset((mentor_id, mentee_id)) in never:
            problem(
                i,
                "must_pair",
                f"{mentor_id} and {mentee_id} are also listed under "
                "matching.never_pair; keep only one",
            )
            continue
        if mentee_id not in mentee_pos:
            problem(i, "must_pair", f"{mentee_id} is already in an approved pair in this cohort")
            continue
        if mentor_id not in mentor_pos:
            problem(
                i,
                "must_pair",
                f"{mentor_id} already has {rules.mentor_capacity} approved "
                f"mentee(s) in this cohort, the mentor capacity",
            )
            continue
        if mentee_id in seen_mentee:
            problem(
                i,
                "must_pair",
                f"{mentee_id} is already paired by "
                f"matching.must_pair[{seen_mentee[mentee_id]}]; a mentee has one mentor",
            )
            continue
        mi, ei = mentor_pos[mentor_id], mentee_pos[mentee_id]
        rows, cols = np.array([mi]), np.array([ei])
        broken = [rule for rule, ok in _rule_masks(pool, rows, cols) if not ok[0, 0]]
        if broken:
            problem(
                i,
                "must_pair",
                f"{mentor_id} and {mentee_id} break a hard rule: "
                + _broken(broken[0], pool, mi, ei),
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
                f"{pool.mentors.people[mi].id} is given {len(entries)} mentees by "
                f"matching.must_pair but has room for {room[mi]} (mentor_capacity "
                f"{rules.mentor_capacity}, minus approved pairs)",
            )
    if problems:
        raise InputError(problems)
    return fixed


def _broken(rule: _Rule, pool: _Pool, mi: int, ei: int) -> str:
    """Say which hard rule a must-pair breaks, for an error message."""
    kind, _, name = rule.key.partition(":")
    label = _label(name)
    if kind == "grade":
        gap = int(pool.mentees.rank[ei] - pool.mentors.rank[mi])
        need = plural(pool.matching.min_grade_gap, "grade")
        return f"the mentor must be at least {need} junior to the mentee, and the gap is {gap}"
    if kind == "line":
        return "one is in the other's reporting line"
    if kind == "missing":
        return f"both need a {label} recorded"
    if kind == "differ":
        return f"they have the same {label}, which must differ"
    if kind == "match":
        return f"their {label} differs, and it must be the same"
    return "they were paired before"


def _solve(
    pool: _Pool, room: IntArray, taken_mentees: BoolMatrix, say: Progress
) -> list[tuple[int, int]]:
    """Return the (mentor, mentee) index pairs of a max-cardinality, max-score assignment."""
    m_all = np.flatnonzero(room > 0).astype(np.int64)
    e_all = np.flatnonzero(~taken_mentees).astype(np.int64)
    if len(m_all) == 0 or len(e_all) == 0:
        return []
    large = len(m_all) * len(e_all) >= LARGE_COHORT_CELLS
    # Mentees are the rows of every matrix here, mentors (or their places) the columns.
    eligible = np.zeros((len(e_all), len(m_all)), dtype=np.bool_)
    step = max(1, CHUNK_CELLS // len(e_all))
    for start in range(0, len(m_all), step):
        stop = min(start + step, len(m_all))
        eligible[:, start:stop] = _eligible(pool, m_all[start:stop], e_all).T
        if large:
            say(f"  checked the rules for {stop:,} of {len(m_all):,} mentors")
    # Only people with an eligible partner enter the solver, the most constrained first:
    # the solver then finds short augmenting paths (twice as fast at 5,000 × 5,000). The
    # stable sort keeps id order among equals, so the order depends on the data alone.
    e_degree, m_degree = eligible.sum(axis=1), eligible.sum(axis=0)
    e_order = np.flatnonzero(e_degree)[np.argsort(e_degree[e_degree > 0], kind="stable")]
    m_order = np.flatnonzero(m_degree)[np.argsort(m_degree[m_degree > 0], kind="stable")]
    if len(e_order) == 0:
        return []
    eligible = eligible[np.ix_(e_order, m_order)]
    e_idx, m_idx = e_all[e_order], m_all[m_order]
    # A mentor never needs more places than they have eligible mentees.
    places = np.minimum(room[m_idx], m_degree[m_order]).astype(np.int64)

    pairs_max = min(int(places.sum()), len(e_idx))
    scale, big = _integer_scale(max_score(pool.matching), pairs_max)
    cost = np.empty((len(e_idx), len(m_idx)), dtype=np.float64)
    step = max(1, CHUNK_CELLS // len(m_idx))
    for start in range(0, len(e_idx), step):
        stop = min(start + step, len(e_idx))
        block = _scores(pool, m_idx, e_idx[start:stop])
        # Integer points make equal totals exactly equal, so ties never depend on rounding.
        block *= scale
        np.rint(block, out=block)
        block += big
        np.copyto(block, -0.0, where=~eligible[start:stop])
        np.negative(block, out=cost[start:stop])
        if large:
            say(f"  scored {stop:,} of {len(e_idx):,} mentees")
    del eligible
    owner = np.arange(len(m_idx), dtype=np.int64)
    if int(places.max()) > 1:
        # Capacity c: a mentor is c identical columns.
        owner = np.repeat(owner, places)
        cost = np.repeat(cost, places, axis=1)
    say(f"  solving the assignment: {cost.shape[0]:,} mentees × {cost.shape[1]:,} mentor places")
    rows, cols = linear_sum_assignment(cost)
    picked = cost[rows, cols] < 0
    return sorted(
        (int(m_idx[owner[c]]), int(e_idx[r]))
        for r, c in zip(rows[picked], cols[picked], strict=True)
    )


def _integer_scale(top: float, pairs_max: int) -> tuple[float, float]:
    """Choose points per score unit and the per-pair bonus so every total stays exact."""
    scale = 1_000_000.0
    while True:
        top_points = math.ceil(top * scale)
        big = float(pairs_max * top_points + 1)
        # Every partial sum the solver forms stays below 2**52: exact in float64.
        if pairs_max * (big + top_points) < 2.0**52 or scale <= 1.0:
            return scale, big
        scale /= 10.0


# --- explain ------------------------------------------------------------------------------


def _new_pair_id(
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


def _proposals(
    project: Project,
    cohort_id: str,
    pool: _Pool,
    assignment: Sequence[tuple[int, int]],
    fixed: set[tuple[int, int]],
    columns: Mapping[str, str],
) -> tuple[Proposal, ...]:
    """Turn the chosen index pairs into proposals with ids, scores and reasons."""
    rules = project.config.matching
    taken = {p.pair_id.casefold(): (p.cohort, p.mentor_id, p.mentee_id) for p in project.pairs}
    ordered = sorted(
        assignment, key=lambda a: (pool.mentors.people[a[0]].id, pool.mentees.people[a[1]].id)
    )
    rows = np.array([mi for mi, _ in ordered], dtype=np.int64)
    cols = np.array([ei for _, ei in ordered], dtype=np.int64)
    scores = _pair_scores(pool, rows, cols) if ordered else np.zeros(0)
    gaps = pool.mentees.rank[cols] - pool.mentors.rank[rows]
    common: list[str] = []
    if pool.line_levels:
        levels = "direct and skip-level" if pool.line_levels == 2 else "direct"
        common.append(f"outside each other's reporting line ({levels})")
    common.extend(f"different {_label(n)}" for n in rules.must_differ)
    common.extend(f"same {_label(n)}" for n in rules.must_match)
    common.append("not paired before")
    out: list[Proposal] = []
    for k, (mi, ei) in enumerate(ordered):
        mentor, mentee = pool.mentors.people[mi], pool.mentees.people[ei]
        pair_id = _new_pair_id(cohort_id, mentor.id, mentee.id, taken)
        taken[pair_id.casefold()] = (cohort_id, mentor.id, mentee.id)
        required = (mi, ei) in fixed
        gap = int(gaps[k])
        met = ["required by matching.must_pair"] if required else []
        met.append(
            f"mentor is {gap} {'grade' if gap == 1 else 'grades'} junior "
            f"(at least {rules.min_grade_gap} required)"
        )
        met.extend(common)
        out.append(
            Proposal(
                pair_id=pair_id,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                score=round(float(scores[k]), 4),
                rules_met=tuple(met),
                shared=_shared(mentor, mentee, rules, columns),
                required=required,
            )
        )
    return tuple(out)


def _shared(
    mentor: Participant, mentee: Participant, rules: Matching, columns: Mapping[str, str]
) -> tuple[str, ...]:
    """Say in words what the pair share and how they differ, without any private value."""
    out: list[str] = []
    offered = {_norm(s) for s in mentor.skills_offered}
    wanted = list(dict.fromkeys(s for s in mentee.skills_wanted if _norm(s)))
    hits = [s for s in wanted if _norm(s) in offered]
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
    theirs = {_norm(s) for s in mentee.interests}
    common = list(dict.fromkeys(s for s in mentor.interests if _norm(s) and _norm(s) in theirs))
    if common:
        noun = "interest" if len(common) == 1 else "interests"
        out.append(f"shared {noun}: {', '.join(common)}")
    hard = {*rules.must_differ, *rules.must_match}
    for name in rules.prefer_different:
        a, b = _attribute(mentor, columns[name]), _attribute(mentee, columns[name])
        if a and b and a != b and name not in hard:
            out.append(f"different {_label(name)}")
    for name in rules.prefer_same:
        a, b = _attribute(mentor, columns[name]), _attribute(mentee, columns[name])
        if a and b and a == b and name not in hard:
            out.append(f"same {_label(name)}")
    return tuple(out)


def _unmatched(
    pool: _Pool,
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
        masks = _rule_masks(pool, lonely, np.arange(e.size, dtype=np.int64))
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
        masks = _rule_masks(pool, np.arange(m.size, dtype=np.int64), lonely)
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
    pool: _Pool,
    view: Literal["mentor", "mentee"],
    person: Participant,
    masks: Sequence[tuple[_Rule, BoolMatrix]],
    free: BoolMatrix,
    required: BoolMatrix,
) -> str:
    """Explain one unmatched person: which rule excluded how many candidates, or who took them."""
    other = "mentee" if view == "mentor" else "mentor"
    n = len(free)
    if n == 0:
        return f"no eligible {other}: there are no available {other}s in this cohort"
    for name, column in pool.attribute_names.items():
        hard = name in pool.matching.must_differ or name in pool.matching.must_match
        if hard and not _attribute(person, column):
            need = "differ from" if name in pool.matching.must_differ else "be the same as"
            return (
                f"no eligible {other}: your {_label(name)} is not recorded, and matching "
                f"requires it to {need} your partner's"
            )
    remaining = np.ones(n, dtype=np.bool_)
    stages: list[tuple[_Rule, int]] = []
    # Each excluded candidate is counted once, under the first rule it fails.
    for rule, ok in masks:
        excluded = int(np.count_nonzero(remaining & ~ok))
        remaining &= ok
        if excluded:
            stages.append((rule, excluded))
    k = int(np.count_nonzero(remaining))
    if k == 0:
        return f"no eligible {other}: " + _exclusions(pool, view, n, stages)
    if np.any(remaining & free):  # pragma: no cover - would mean the solver was not optimal
        return f"no proposal: an eligible {other} was left free; please report this"
    by_rule = int(np.count_nonzero(remaining & required))
    every = "both" if k == 2 else f"all {k}"
    either = "either" if k == 2 else "any"
    if view == "mentor":
        taken = (
            "the only eligible mentee is paired with another mentor"
            if k == 1
            else f"{every} eligible mentees are paired with other mentors"
        )
        move = "moving them to you" if k == 1 else f"moving {either} of them to you"
    else:
        single = pool.matching.mentor_capacity == 1
        one = "paired with another mentee" if single else "full"
        many = "paired with other mentees" if single else "full"
        taken = (
            f"the only eligible mentor is {one}"
            if k == 1
            else f"{every} eligible mentors are {many}"
        )
        move = "moving you to them" if k == 1 else f"moving you to {either} of them"
    if by_rule == k:
        return f"no proposal: {taken} by matching.must_pair"
    note = f" ({by_rule} by matching.must_pair)" if by_rule else ""
    return (
        f"no proposal: {taken}{note}, and {move} would not make more pairs or a higher total score"
    )


def _exclusions(pool: _Pool, view: str, n: int, stages: Sequence[tuple[_Rule, int]]) -> str:
    """Say how the hard rules excluded all n candidates, in the words of the rules."""
    other = "mentee" if view == "mentor" else "mentor"
    gap = pool.matching.min_grade_gap
    direction = "senior" if view == "mentor" else "junior"
    enough = direction if gap == 1 else f"at least {gap} grades {direction}"
    if len(stages) == 1:
        rule, _ = stages[0]
        singular, plural, rest = rule.phrase(view)
        if rule.key == "grade":
            if n == 1:
                return f"the only available {other} is {rest}"
            return f"none of the {n} available {other}s is {enough} to you"
        if n == 1:
            return f"the only available {other} {singular} {rest}"
        every = "both" if n == 2 else f"all {n}"
        return f"{every} available {other}s {plural} {rest}"
    if len(stages) == 2 and stages[0][0].key == "grade":
        k = n - stages[0][1]
        singular, plural, rest = stages[1][0].phrase(view)
        if k == 1:
            return f"the only {other} {enough} {singular} {rest}"
        return f"the {k} {other}s {enough} {_all(plural, rest, k)}"
    parts = []
    for rule, count in stages:
        singular, plural, rest = rule.phrase(view)
        parts.append(f"{count} {singular if count == 1 else plural} {rest}")
    listed = ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"of the {n} available {other}s, {listed}"


def _all(plural: str, rest: str, count: int) -> str:
    """Put 'all' where English wants it: 'are all in …' but 'all have …'; 'both' for two."""
    word = "both" if count == 2 else "all"
    return f"{plural} {word} {rest}" if plural in {"are", "were"} else f"{word} {plural} {rest}"


def _describe_rules(config: ProgrammeConfig, line_levels: int) -> tuple[str, ...]:
    """List the hard rules in force, in words."""
    rules = config.matching
    out = [f"the mentor is at least {plural(rules.min_grade_gap, 'grade')} junior to the mentee"]
    if line_levels == 2:
        out.append("neither is the other's manager or manager's manager")
    elif line_levels == 1:
        out.append("neither is the other's manager")
    out.extend(f"{_label(n)} must differ" for n in rules.must_differ)
    out.extend(f"{_label(n)} must be the same" for n in rules.must_match)
    out.append("no pair that already existed (any cohort, any status but proposed)")
    out.append(f"each mentor takes at most {plural(rules.mentor_capacity, 'mentee')} per cohort")
    if rules.must_pair:
        out.append(f"{plural(len(rules.must_pair), 'pair')} listed under matching.must_pair")
    if rules.never_pair:
        out.append(f"{plural(len(rules.never_pair), 'pair')} excluded by matching.never_pair")
    return tuple(out)


# --- write ----------------------------------------------------------------------------------


def default_proposals_path(project: Project, cohort_id: str) -> Path:
    """Return where proposals go by default: beside the pairs table."""
    pairs = (project.root / project.config.data.pairs).resolve()
    return pairs.parent / f"proposals-{cohort_id}.csv"


def default_report_path(proposals: Path, cohort_id: str) -> Path:
    """Return where the private match report goes: beside the proposals."""
    return proposals.parent / f"match-report-{cohort_id}.md"


def check_output_path(project: Project, path: Path, option: str = "--out") -> None:
    """Refuse to write private match output anywhere the portal publishes from."""
    check_private_path(project, path, option, what="match output")


def proposal_rows(result: MatchResult) -> list[dict[str, str]]:
    """Return the proposals table as rows of text, ready for CSV."""
    rows = []
    for p in result.proposals:
        row = {
            "pair_id": p.pair_id,
            "mentor_id": p.mentor_id,
            "mentee_id": p.mentee_id,
            "cohort": result.cohort_id,
            "status": "proposed",
            "score": f"{p.score:.2f}",
            "reasons": "; ".join(p.reasons),
            "mentor_name": result.names.get(p.mentor_id, ""),
            "mentee_name": result.names.get(p.mentee_id, ""),
        }
        rows.append({k: spreadsheet_safe(v) for k, v in row.items()})
    return rows


def write_proposals_csv(result: MatchResult, path: Path) -> None:
    """Write the proposals table (UTF-8 with BOM so spreadsheets read names correctly)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(proposal_rows(result))
    write_atomically(path, buffer.getvalue(), "utf-8-sig")


def _md(text: str) -> str:
    """Escape text so that it reads literally inside a Markdown line."""
    return "".join("\\" + ch if ch in "\\`*_[]<>|~" else ch for ch in text.replace("\n", " "))


def render_match_report(result: MatchResult) -> str:
    """Render the private match report as Markdown."""
    names = result.names

    def who(pid: str) -> str:
        return f"{_md(names.get(pid, pid))} ({_md(pid)})"

    lines = [
        f"# Match report: {_md(result.cohort_name)} ({_md(result.cohort_id)})",
        "",
        "> **Private.** This report names people and rests on private data (grades, reporting",
        "> lines, diversity attributes). Keep it with the participant data; never publish it.",
        "",
        "## Summary",
        "",
        f"- Cohort participants: {result.mentors} mentors, {result.mentees} mentees",
        f"- Approved pairs kept unchanged: {len(result.kept)}",
        f"- Pairs proposed: {len(result.proposals)}"
        + (
            f" ({sum(p.required for p in result.proposals)} required by matching.must_pair)"
            if any(p.required for p in result.proposals)
            else ""
        ),
        f"- Total score: {result.total_score:.2f}",
        f"- People left unmatched: {len(result.unmatched)}",
        "",
        "Hard rules, met by every proposal:",
        "",
        *[f"- {_md(rule)}" for rule in result.rules],
        "",
        f"How pairs are scored: {_md(result.formula)}. The proposals make as many pairs as the "
        "rules allow and, among those, have the highest total score.",
        "",
        "## Proposed pairs",
        "",
    ]
    if not result.proposals:
        lines += ["None.", ""]
    for p in result.proposals:
        lines += [
            f"### {p.pair_id}: {who(p.mentor_id)} mentors {who(p.mentee_id)}",
            "",
            f"- Score: {p.score:.2f}",
            f"- Rules met: {_md('; '.join(p.rules_met))}",
            f"- What they share: {_md('; '.join(p.shared))}",
            "",
        ]
    lines += ["## Approved pairs kept", ""]
    if not result.kept:
        lines += ["None.", ""]
    for pair in result.kept:
        lines.append(
            f"- {_md(pair.pair_id)}: {who(pair.mentor_id)} mentors "
            f"{who(pair.mentee_id)} ({pair.status})"
        )
    if result.kept:
        lines.append("")
    lines += ["## Left unmatched", ""]
    if not result.unmatched:
        lines += ["Nobody.", ""]
    for role in ("mentor", "mentee"):
        people = [u for u in result.unmatched if u.role == role]
        if not people:
            continue
        lines += [f"### {role.capitalize()}s", ""]
        lines += [f"- {who(u.participant_id)}: {_md(u.reason)}" for u in people]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def write_match_report(result: MatchResult, path: Path) -> None:
    """Write the private Markdown match report."""
    write_atomically(path, render_match_report(result), "utf-8")
