"""The hard rules of matching: one object per rule, with its check and the words to explain it.

A rule's ``passes`` is vectorised: given mentor rows and mentee columns of the pool, it returns
a rows × columns mask that is True where the pair passes. Its words come in four kinds: how
candidates fail it (to explain an unmatched person, naming them), how a must-pair breaks it (an
error), what every proposal meets (a proposal's reasons) and the rule as the report lists it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generator.config import ProgrammeConfig
from generator.match.encode import BoolMatrix, IntArray, Pool, Role, label, named
from generator.model import Participant, managers_above
from generator.wording import plural


@dataclass(frozen=True)
class Wording:
    """How to say that candidates fail a rule: the verb for one and for several, then the rest."""

    singular: str
    plural: str
    rest: str


@dataclass(frozen=True)
class Mention:
    """A candidate a rule removed, named, with what ties them to the person when it matters."""

    person: Participant
    note: str = ""

    @property
    def text(self) -> str:
        """Return 'Jo Bloggs (P012)', or 'Jo Bloggs (P012, your own manager)' with a note."""
        if not self.note:
            return named(self.person)
        return f"{self.person.name} ({self.person.id}, {self.note})"


class HardRule(ABC):
    """A rule every proposed pair must pass."""

    @property
    @abstractmethod
    def name(self) -> str:
        """Return the rule's name, unique among the rules ('grade', 'differ:department')."""

    @property
    def source(self) -> str:
        """Return where the rule comes from, cited after its words ('' when they say it)."""
        return ""

    @abstractmethod
    def wording(self, view: Role) -> Wording:
        """Return how to tell a mentor (or a mentee) that candidates fail this rule."""

    @abstractmethod
    def passes(self, pool: Pool, rows: IntArray, cols: IntArray) -> BoolMatrix:
        """Return a rows × cols mask that is True where (mentor, mentee) passes this rule."""

    @abstractmethod
    def broken(self, pool: Pool, mentor: int, mentee: int) -> str:
        """Say how a must-pair (mentor, mentee) breaks this rule, for an error message."""

    @property
    def met(self) -> str | None:
        """Return what every proposal meets, in words, or None to say nothing."""
        return None

    @property
    def in_force(self) -> str | None:
        """Return the rule as the match report lists it, or None to leave it out."""
        return None

    def mention(self, pool: Pool, person: Participant, candidate: Participant) -> Mention:
        """Name a candidate this rule removed for a person."""
        return Mention(candidate)

    def cite(self, pool: Pool, person: Participant, removed: Sequence[Participant]) -> str:
        """Return ' (source)' to follow the rule's words about the *removed*, or ''."""
        return f" ({self.source})" if self.source else ""

    def only(
        self, view: Role, frame: str, pool: Pool, person: Participant, candidate: Participant
    ) -> str:
        """Say that the one candidate in *frame* ('the only available mentee') fails this rule."""
        words = self.wording(view)
        text = self.mention(pool, person, candidate).text
        cited = self.cite(pool, person, [candidate])
        return f"{frame}, {text}, {words.singular} {words.rest}{cited}"


@dataclass(frozen=True)
class GradeGap(HardRule):
    """The mentor is at least *gap* grades junior to the mentee."""

    gap: int

    @property
    def name(self) -> str:
        """Return the rule's name."""
        return "grade"

    @property
    def source(self) -> str:
        """Return where the rule is set."""
        return f"matching.min_grade_gap: {self.gap}"

    def wording(self, view: Role) -> Wording:
        """Return 'is fewer than 3 grades senior to you' (or junior, to a mentee)."""
        short = "not" if self.gap == 1 else f"fewer than {self.gap} grades"
        direction = "senior" if view == "mentor" else "junior"
        return Wording("is", "are", f"{short} {direction} to you")

    def enough(self, view: Role) -> str:
        """Return 'at least 3 grades senior' (or 'senior' for a gap of 1), as seen by *view*."""
        direction = "senior" if view == "mentor" else "junior"
        return direction if self.gap == 1 else f"at least {self.gap} grades {direction}"

    def passes(self, pool: Pool, rows: IntArray, cols: IntArray) -> BoolMatrix:
        """Return where the mentee is enough grades above the mentor."""
        gaps = pool.mentees.rank[cols][None, :] - pool.mentors.rank[rows][:, None]
        return gaps >= self.gap

    def broken(self, pool: Pool, mentor: int, mentee: int) -> str:
        """Say the gap a must-pair has and the one it needs."""
        gap = int(pool.mentees.rank[mentee] - pool.mentors.rank[mentor])
        need = plural(self.gap, "grade")
        return f"the mentor must be at least {need} junior to the mentee, and the gap is {gap}"

    @property
    def in_force(self) -> str:
        """Return the rule in words."""
        return f"the mentor is at least {plural(self.gap, 'grade')} junior to the mentee"


# How a candidate stands to the person, one level apart and two: (above them, below them).
_RELATIONS = (
    ("your own manager", "reports to you"),
    ("your manager's manager", "reports to someone who reports to you"),
)


@dataclass(frozen=True)
class ReportingLine(HardRule):
    """Neither is the other's manager (levels 1) or manager's manager (levels 2)."""

    levels: int

    @property
    def name(self) -> str:
        """Return the rule's name."""
        return "line"

    @property
    def source(self) -> str:
        """Return where the rule is set."""
        if self.levels == 1:
            return "matching.exclude_direct_line"
        return "matching.exclude_direct_line and exclude_skip_level"

    def wording(self, view: Role) -> Wording:
        """Return 'is in your reporting line'."""
        return Wording("is", "are", "in your reporting line")

    def passes(self, pool: Pool, rows: IntArray, cols: IntArray) -> BoolMatrix:
        """Return where neither manages the other within the levels excluded."""
        return ~pair_mask(pool.line, pool, rows, cols)

    def broken(self, pool: Pool, mentor: int, mentee: int) -> str:
        """Say that the must-pair is one reporting line."""
        return "one is in the other's reporting line"

    @property
    def met(self) -> str:
        """Return what every proposal meets."""
        levels = "direct and skip-level" if self.levels == 2 else "direct"
        return f"outside each other's reporting line ({levels})"

    @property
    def in_force(self) -> str:
        """Return the rule in words."""
        if self.levels == 2:
            return "neither is the other's manager or manager's manager"
        return "neither is the other's manager"

    def mention(self, pool: Pool, person: Participant, candidate: Participant) -> Mention:
        """Name the candidate and how they stand to the person: 'your own manager'."""
        return Mention(candidate, self.relation(pool, person, candidate))

    def relation(self, pool: Pool, person: Participant, candidate: Participant) -> str:
        """Say how the candidate stands in the person's reporting line."""
        above = managers_above(person.id, pool.managers, self.levels)
        if candidate.id in above:
            return _RELATIONS[above.index(candidate.id)][0]
        below = managers_above(candidate.id, pool.managers, self.levels)
        if person.id in below:
            return _RELATIONS[below.index(person.id)][1]
        return "in your reporting line"  # pragma: no cover - the mask and the tree agree

    def cite(self, pool: Pool, person: Participant, removed: Sequence[Participant]) -> str:
        """Cite the setting that excludes these relations: direct, skip-level or both."""
        skip = {self.relation(pool, person, c) in _RELATIONS[1] for c in removed}
        if skip == {False}:
            return " (matching.exclude_direct_line)"
        if skip == {True}:
            return " (matching.exclude_skip_level)"
        return f" ({self.source})"

    def only(
        self, view: Role, frame: str, pool: Pool, person: Participant, candidate: Participant
    ) -> str:
        """Say it as the issue did: 'your own manager, Jo Bloggs (P012), is the only mentee …'."""
        relation = self.relation(pool, person, candidate)
        cited = self.cite(pool, person, [candidate])
        if relation.startswith("your "):
            return f"{relation}, {named(candidate)}, is {frame}{cited}"
        return f"{named(candidate)}, who {relation}, is {frame}{cited}"


@dataclass(frozen=True)
class Recorded(HardRule):
    """Both have a value of an attribute another rule compares ('must_differ' or 'must_match')."""

    attribute: str
    setting: str

    @property
    def name(self) -> str:
        """Return the rule's name."""
        return f"missing:{self.attribute}"

    @property
    def source(self) -> str:
        """Return where the rule is set."""
        return f"matching.{self.setting}: {self.attribute}"

    def wording(self, view: Role) -> Wording:
        """Return 'has no department recorded'."""
        return Wording("has", "have", f"no {label(self.attribute)} recorded")

    def passes(self, pool: Pool, rows: IntArray, cols: IntArray) -> BoolMatrix:
        """Return where both have the attribute recorded."""
        mentor = pool.mentors.codes[self.attribute][rows] >= 0
        mentee = pool.mentees.codes[self.attribute][cols] >= 0
        return mentor[:, None] & mentee[None, :]

    def broken(self, pool: Pool, mentor: int, mentee: int) -> str:
        """Say that both need the attribute."""
        return f"both need a {label(self.attribute)} recorded"


@dataclass(frozen=True)
class MustDiffer(HardRule):
    """The two have different values of an attribute (matching.must_differ)."""

    attribute: str

    @property
    def name(self) -> str:
        """Return the rule's name."""
        return f"differ:{self.attribute}"

    @property
    def source(self) -> str:
        """Return where the rule is set."""
        return f"matching.must_differ: {self.attribute}"

    def wording(self, view: Role) -> Wording:
        """Return 'has the same department as you'."""
        return Wording("has", "have", f"the same {label(self.attribute)} as you")

    def passes(self, pool: Pool, rows: IntArray, cols: IntArray) -> BoolMatrix:
        """Return where the values differ."""
        mentor = pool.mentors.codes[self.attribute][rows]
        mentee = pool.mentees.codes[self.attribute][cols]
        differ: BoolMatrix = mentor[:, None] != mentee[None, :]
        return differ

    def broken(self, pool: Pool, mentor: int, mentee: int) -> str:
        """Say that the values are the same."""
        return f"they have the same {label(self.attribute)}, which must differ"

    @property
    def met(self) -> str:
        """Return what every proposal meets."""
        return f"different {label(self.attribute)}"

    @property
    def in_force(self) -> str:
        """Return the rule in words."""
        return f"{label(self.attribute)} must differ"


@dataclass(frozen=True)
class MustMatch(HardRule):
    """The two have the same value of an attribute (matching.must_match)."""

    attribute: str

    @property
    def name(self) -> str:
        """Return the rule's name."""
        return f"match:{self.attribute}"

    @property
    def source(self) -> str:
        """Return where the rule is set."""
        return f"matching.must_match: {self.attribute}"

    def wording(self, view: Role) -> Wording:
        """Return 'has a different location'."""
        return Wording("has", "have", f"a different {label(self.attribute)}")

    def passes(self, pool: Pool, rows: IntArray, cols: IntArray) -> BoolMatrix:
        """Return where the values are the same."""
        mentor = pool.mentors.codes[self.attribute][rows]
        mentee = pool.mentees.codes[self.attribute][cols]
        same: BoolMatrix = mentor[:, None] == mentee[None, :]
        return same

    def broken(self, pool: Pool, mentor: int, mentee: int) -> str:
        """Say that the values differ."""
        return f"their {label(self.attribute)} differs, and it must be the same"

    @property
    def met(self) -> str:
        """Return what every proposal meets."""
        return f"same {label(self.attribute)}"

    @property
    def in_force(self) -> str:
        """Return the rule in words."""
        return f"{label(self.attribute)} must be the same"


@dataclass(frozen=True)
class NotBefore(HardRule):
    """The two were never paired before (any cohort, any status but proposed)."""

    pairs_file: str

    @property
    def name(self) -> str:
        """Return the rule's name."""
        return "repeat"

    @property
    def source(self) -> str:
        """Return where the earlier pairs are recorded."""
        return f"in {self.pairs_file}"

    def wording(self, view: Role) -> Wording:
        """Return 'was paired with you before'."""
        return Wording("was", "were", "paired with you before")

    def passes(self, pool: Pool, rows: IntArray, cols: IntArray) -> BoolMatrix:
        """Return where the two have no earlier pair."""
        return ~pair_mask(pool.repeat, pool, rows, cols)

    def broken(self, pool: Pool, mentor: int, mentee: int) -> str:
        """Say that the must-pair existed before."""
        return "they were paired before"

    @property
    def met(self) -> str:
        """Return what every proposal meets."""
        return "not paired before"

    @property
    def in_force(self) -> str:
        """Return the rule in words."""
        return "no pair that already existed (any cohort, any status but proposed)"

    def mention(self, pool: Pool, person: Participant, candidate: Participant) -> Mention:
        """Name the candidate and the earlier pair: 'Ann Cole (P014, pair G6TZ in cohort c1, …)'."""
        earlier = pool.history.get(frozenset((person.id, candidate.id)))
        if earlier is None:  # pragma: no cover - the mask comes from the same pairs
            return Mention(candidate)
        note = f"pair {earlier.pair_id} in cohort {earlier.cohort}, {earlier.status}"
        return Mention(candidate, note)


@dataclass(frozen=True)
class NeverPair(HardRule):
    """The two are not listed together under matching.never_pair."""

    entries: int

    @property
    def name(self) -> str:
        """Return the rule's name."""
        return "never"

    def wording(self, view: Role) -> Wording:
        """Return 'is listed with you under matching.never_pair'."""
        return Wording("is", "are", "listed with you under matching.never_pair")

    def passes(self, pool: Pool, rows: IntArray, cols: IntArray) -> BoolMatrix:
        """Return where the two are not listed together."""
        return ~pair_mask(pool.never, pool, rows, cols)

    def broken(self, pool: Pool, mentor: int, mentee: int) -> str:
        """Say that the must-pair is also a never-pair."""
        return "they are listed under matching.never_pair"

    @property
    def in_force(self) -> str | None:
        """Return the rule in words, when it lists any pair."""
        if not self.entries:
            return None
        return f"{plural(self.entries, 'pair')} excluded by matching.never_pair"


def pair_mask(
    pairs: tuple[IntArray, IntArray], pool: Pool, rows: IntArray, cols: IntArray
) -> BoolMatrix:
    """Return a rows × cols mask that is True where (mentor, mentee) is in *pairs*."""
    mask = np.zeros((len(rows), len(cols)), dtype=np.bool_)
    if len(pairs[0]) == 0:
        return mask
    row_at = np.full(pool.mentors.size, -1, dtype=np.int64)
    row_at[rows] = np.arange(len(rows))
    col_at = np.full(pool.mentees.size, -1, dtype=np.int64)
    col_at[cols] = np.arange(len(cols))
    r, c = row_at[pairs[0]], col_at[pairs[1]]
    keep = (r >= 0) & (c >= 0)
    mask[r[keep], c[keep]] = True
    return mask


def line_levels(config: ProgrammeConfig) -> int:
    """Return how many management levels the reporting-line rule excludes (0 when off)."""
    rules = config.matching
    if not rules.exclude_direct_line:
        return 0
    return 2 if rules.exclude_skip_level else 1


def hard_rules(config: ProgrammeConfig) -> tuple[HardRule, ...]:
    """List the hard rules in force, in the order used to explain exclusions."""
    rules = config.matching
    levels = line_levels(config)
    out: list[HardRule] = [GradeGap(rules.min_grade_gap)]
    if levels:
        out.append(ReportingLine(levels))
    for attribute in rules.must_differ:
        out += [Recorded(attribute, "must_differ"), MustDiffer(attribute)]
    for attribute in rules.must_match:
        out += [Recorded(attribute, "must_match"), MustMatch(attribute)]
    out.append(NotBefore(config.data.pairs))
    out.append(NeverPair(len(rules.never_pair)))
    # A name can be in must_differ and must_match (a config mistake); keep its first rule only.
    unique: dict[str, HardRule] = {}
    for rule in out:
        unique.setdefault(rule.name, rule)
    return tuple(unique.values())


def rule_masks(
    rules: Sequence[HardRule], pool: Pool, rows: IntArray, cols: IntArray
) -> list[tuple[HardRule, BoolMatrix]]:
    """Return, per hard rule, a rows × cols mask that is True where the pair passes it."""
    return [(rule, rule.passes(pool, rows, cols)) for rule in rules]


def eligible(rules: Sequence[HardRule], pool: Pool, rows: IntArray, cols: IntArray) -> BoolMatrix:
    """Return a rows × cols mask that is True where the pair passes every hard rule."""
    ok = np.ones((len(rows), len(cols)), dtype=np.bool_)
    for rule in rules:
        ok &= rule.passes(pool, rows, cols)
    return ok
