"""What a validation rule is: a name and a check that returns the problems it finds."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from generator.errors import Problem

C = TypeVar("C")
K = TypeVar("K", bound=Hashable)
W = TypeVar("W")


@dataclass(frozen=True)
class Rule(Generic[C]):
    """One rule: what it is called (for tests and docs) and how it checks its context."""

    name: str
    check: Callable[[C], Iterable[Problem]]

    def __call__(self, context: C) -> list[Problem]:
        """Return every problem this rule finds in the context."""
        return list(self.check(context))


def run_rules(rules: Iterable[Rule[C]], context: C) -> list[Problem]:
    """Run every rule over one context, in order; return all their problems."""
    return [problem for rule in rules for problem in rule(context)]


def duplicates(keys: Iterable[tuple[K, W]]) -> Iterator[tuple[K, W, W]]:
    """Yield (key, where, where it was first used) for each key already seen, in order.

    The one duplicate check behind unique grades, cohort ids, staff ids, session numbers,
    measure keys and the id columns of the participants, pairs and org chart tables.
    """
    first: dict[K, W] = {}
    for key, where in keys:
        if key in first:
            yield key, where, first[key]
        else:
            first[key] = where
