"""Encode the people of a cohort as arrays: grades, attributes, skills, interests, pair lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse

from generator.config import Matching, ProgrammeConfig
from generator.errors import Problem
from generator.load import normalise_header
from generator.model import Pair, Participant, Project, managers_above

Role = Literal["mentor", "mentee"]
BoolMatrix = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

PROGRAMME_FILE = "programme.yaml"
# Pair statuses that mean the pair never really existed, so it may be proposed again.
NOT_A_REAL_PAIR = frozenset({"proposed"})
# The settings under matching: that name participant columns.
ATTRIBUTE_SETTINGS = ("must_differ", "must_match", "prefer_different", "prefer_same")


def norm(text: str) -> str:
    """Compare text case- and space-insensitively."""
    return " ".join(text.casefold().split())


def label(attribute: str) -> str:
    """Turn a column name into words: 'job_title' -> 'job title'."""
    return attribute.replace("_", " ").strip()


def named(person: Participant) -> str:
    """Name a person for the programme lead: 'Grace Oyelaran (P037)'."""
    return f"{person.name} ({person.id})"


def attribute(person: Participant, column: str) -> str:
    """Return a participant's value of a matching attribute, normalised ('' when unknown)."""
    if column in Participant.model_fields and column != "extra":
        value = getattr(person, column)
        text = "; ".join(value) if isinstance(value, tuple) else str(value)
    else:
        text = person.extra.get(column, "")
    return norm(text)


@dataclass(frozen=True)
class Side:
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
class Pool:
    """The matching problem: both sides, and the pair lists as (mentor, mentee) index arrays."""

    mentors: Side
    mentees: Side
    line: tuple[IntArray, IntArray]
    repeat: tuple[IntArray, IntArray]
    never: tuple[IntArray, IntArray]
    matching: Matching
    line_levels: int
    attribute_names: Mapping[str, str]
    # For explaining only: every known person's manager, and the earlier pairs of two people.
    managers: Mapping[str, str]
    history: Mapping[frozenset[str], Pair]

    def side(self, role: Role) -> Side:
        """Return the mentors or the mentees."""
        return self.mentors if role == "mentor" else self.mentees


def resolve_attributes(project: Project) -> tuple[dict[str, str], list[Problem]]:
    """Map each attribute named under matching: to a column, or report it missing."""
    rules = project.config.matching
    seen_extra = {key for person in project.participants for key in person.extra}
    columns: dict[str, str] = {}
    problems: list[Problem] = []
    for setting in ATTRIBUTE_SETTINGS:
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
        row = sorted({vocabulary[norm(v)] for v in items if norm(v)})
        indices.extend(row)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    matrix = sparse.csr_array(
        (data, np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
        shape=(len(values), max(len(vocabulary), 1)),
    )
    counts = np.diff(np.array(indptr, dtype=np.float64))
    return matrix, counts


def _vocabulary(groups: Iterable[Iterable[str]]) -> dict[str, int]:
    """Number the distinct normalised words, in sorted order for determinism."""
    words = sorted({norm(w) for group in groups for w in group if norm(w)})
    return {w: i for i, w in enumerate(words)}


def _encode_side(
    people: Sequence[Participant],
    config: ProgrammeConfig,
    columns: Mapping[str, str],
    skills_field: str,
    words: tuple[Mapping[str, int], Mapping[str, int]],
    book: dict[str, int],
) -> Side:
    """Encode one side's grades, attributes, skills and interests as arrays."""
    skill_words, interest_words = words
    ranks = {grade: i for i, grade in enumerate(config.grades)}
    rank = np.array([ranks[p.grade] for p in people], dtype=np.int64)
    codes: dict[str, IntArray] = {}
    for name, column in columns.items():
        # Blank is -1: it never equals anything, and the "recorded" rules test for it.
        values = (attribute(p, column) for p in people)
        codes[name] = np.array(
            [book.setdefault(v, len(book)) if v else -1 for v in values], dtype=np.int64
        )
    skills, skill_count = _multi_hot([getattr(p, skills_field) for p in people], skill_words)
    interests, interest_count = _multi_hot([p.interests for p in people], interest_words)
    # Each wanted skill is worth 1 / (skills wanted); nothing wanted scores 0, not a division.
    skill_weight = np.divide(
        1.0, skill_count, out=np.zeros_like(skill_count), where=skill_count > 0
    )
    return Side(tuple(people), rank, codes, skills, skill_weight, interests, interest_count)


def encode_pool(
    project: Project,
    mentors: Sequence[Participant],
    mentees: Sequence[Participant],
    columns: Mapping[str, str],
    line_levels: int,
) -> Pool:
    """Encode the available people, the reporting lines and the pair lists as arrays."""
    config = project.config
    skill_words = _vocabulary(
        [p.skills_offered for p in mentors] + [p.skills_wanted for p in mentees]
    )
    interest_words = _vocabulary([p.interests for p in (*mentors, *mentees)])
    book: dict[str, int] = {}
    words = (skill_words, interest_words)
    mentor_side = _encode_side(mentors, config, columns, "skills_offered", words, book)
    mentee_side = _encode_side(mentees, config, columns, "skills_wanted", words, book)
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
    real = sorted(
        (p for p in project.pairs if p.status not in NOT_A_REAL_PAIR), key=lambda p: p.pair_id
    )
    history: dict[frozenset[str], Pair] = {}
    for earlier in real:
        history.setdefault(frozenset((earlier.mentor_id, earlier.mentee_id)), earlier)
    return Pool(
        mentors=mentor_side,
        mentees=mentee_side,
        line=_index_pairs(in_line, mentor_pos, mentee_pos),
        repeat=_index_pairs(((p.mentor_id, p.mentee_id) for p in real), mentor_pos, mentee_pos),
        never=_index_pairs(config.matching.never_pair, mentor_pos, mentee_pos),
        matching=config.matching,
        line_levels=line_levels,
        attribute_names=MappingProxyType(dict(columns)),
        managers=MappingProxyType(managers),
        history=MappingProxyType(history),
    )
