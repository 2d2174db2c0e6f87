"""What `portal match` returns: proposals, the people left unmatched, and the rules applied."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from generator.model import Pair


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
