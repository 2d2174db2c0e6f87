"""Find people and pairs by id or by name, as a comms officer writes them in front matter.

A story's `pair` or a post's `authors` may say "P037", "Grace Oyelaran" or "Callum Reid and
Alison Brooks"; `Directory` turns each into the id the rest of the pipeline uses, ignoring case,
accents and spacing, and says "did you mean …" (with names and ids) when it cannot.

Resolving happens in the private check step only: the directory holds every participant's name,
consenting or not, and its messages go to the terminal, never into the site. What a name
resolves to is an id, so what gets published is decided exactly as if the id had been written.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.config import StaffAuthor
    from generator.model import Pair, Participant, Project

_SPACE = re.compile(r"\s+")
# "A and B", "A & B", "A+B": the ways a pair is written by its two names.
_PAIR_JOIN = re.compile(r"\s+and\s+|\s*&\s*|\s*\+\s*")
MAX_SUGGESTIONS = 3
# How alike a misspelling must be to be offered (difflib's ratio): 'Ada Junor' is Ada Junior,
# not Ben Junior.
CUTOFF = 0.75


def fold_name(text: str) -> str:
    """Fold a name for comparing as people do: 'ZOË  o’Brien ' -> 'zoe o’brien'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return _SPACE.sub(" ", bare.casefold()).strip()


class NameNotFound(Exception):
    """A name or id that matches nobody, or more than one person or pair."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = tuple(suggestions)  # the keys offered, best first


def join_or(items: Sequence[str]) -> str:
    """Join ['a', 'b', 'c'] as 'a, b or c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


@dataclass(frozen=True)
class Directory:
    """Everyone front matter may name: participants, staff and pairs, by id and by name."""

    people: Mapping[str, str]  # person id -> name (participants, then staff)
    staff_ids: frozenset[str] = frozenset()
    pairs: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # id -> (mentor, mentee)
    _participants: Mapping[str, str] = field(default_factory=dict, repr=False)  # no staff
    _by_name: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _by_folded_id: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _pairs_by_people: Mapping[frozenset[str], tuple[str, ...]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def of(cls, project: Project) -> Directory:
        """Return the directory of a loaded project."""
        return cls.build(project.participants, project.config.staff, project.pairs)

    @classmethod
    def build(
        cls,
        participants: Iterable[Participant],
        staff: Iterable[StaffAuthor] = (),
        pairs: Iterable[Pair] = (),
    ) -> Directory:
        """Return the directory of these participants, staff and pairs (first id wins)."""
        people: dict[str, str] = {}
        for person in participants:
            people.setdefault(person.id, person.name)
        staff_ids = set()
        for member in staff:
            if member.id not in people:
                people[member.id] = member.name
                staff_ids.add(member.id)
        by_name: defaultdict[str, list[str]] = defaultdict(list)
        by_id: defaultdict[str, list[str]] = defaultdict(list)
        for key, name in sorted(people.items()):
            by_name[fold_name(name)].append(key)
            by_id[fold_name(key)].append(key)
        pair_people: dict[str, tuple[str, str]] = {}
        by_people: defaultdict[frozenset[str], list[str]] = defaultdict(list)
        for pair in pairs:
            if pair.pair_id in pair_people:
                continue
            pair_people[pair.pair_id] = (pair.mentor_id, pair.mentee_id)
            by_people[frozenset((pair.mentor_id, pair.mentee_id))].append(pair.pair_id)
            by_id[fold_name(pair.pair_id)].append(pair.pair_id)
        return cls(
            people=people,
            staff_ids=frozenset(staff_ids),
            pairs=pair_people,
            _participants={k: v for k, v in people.items() if k not in staff_ids},
            _by_name={k: tuple(v) for k, v in by_name.items()},
            _by_folded_id={k: tuple(v) for k, v in by_id.items()},
            _pairs_by_people={k: tuple(sorted(v)) for k, v in by_people.items()},
        )

    # --- labels ----------------------------------------------------------------------------

    def name(self, key: str) -> str:
        """Return a person's name or a pair's two names ('A and B'), or the key if unknown."""
        if key in self.people:
            return self.people[key]
        if key in self.pairs:
            mentor, mentee = self.pairs[key]
            return f"{self.people.get(mentor, mentor)} and {self.people.get(mentee, mentee)}"
        return key

    def label(self, key: str) -> str:
        """Return 'Grace Oyelaran (P037)' or 'Callum Reid and Alison Brooks (G6TZ)'."""
        named = self.name(key)
        return key if named == key else f"{named} ({key})"

    # --- people ----------------------------------------------------------------------------

    def person(self, query: str) -> str:
        """Return the id of the participant or member of staff with this id or name."""
        return self._person(query, self.people, "participant or member of staff")

    def participant(self, query: str) -> str:
        """Return the id of the participant (not staff) with this id or name."""
        return self._person(query, self._participants, "participant")

    def _person(self, query: str, among: Mapping[str, str], who: str) -> str:
        text = query.strip()
        if text in among:
            return text
        folded = fold_name(text)
        by_id = [k for k in self._by_folded_id.get(folded, ()) if k in among]
        if len(by_id) == 1:
            return by_id[0]
        by_name = [k for k in self._by_name.get(folded, ()) if k in among]
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            labels = [self.label(k) for k in by_name[:MAX_SUGGESTIONS]]
            raise NameNotFound(
                f"{len(by_name)} people are called '{text}': did you mean {join_or(labels)}? "
                "Write the id to say which",
                by_name[:MAX_SUGGESTIONS],
            )
        nearest = self._nearest(folded, among)
        hint = f"; did you mean {join_or([self.label(k) for k in nearest])}?" if nearest else ""
        raise NameNotFound(f"no {who} has the name or id '{text}'{hint}", nearest)

    def _nearest(self, folded: str, among: Mapping[str, str]) -> list[str]:
        """Return up to three keys whose name or id is nearest to *folded*, best first."""
        names: dict[str, list[str]] = defaultdict(list)
        for key, name in sorted(among.items()):
            names[fold_name(name)].append(key)
            names[fold_name(key)].append(key)
        found: list[str] = []
        words = folded.split()
        # A first name or surname alone ("oyelaran") names everyone who has it.
        if words:
            for name, keys in names.items():
                if set(words) <= set(name.split()):
                    found.extend(keys)
        if not found:
            for name in difflib.get_close_matches(folded, list(names), MAX_SUGGESTIONS, CUTOFF):
                found.extend(names[name])
        return list(dict.fromkeys(found))[:MAX_SUGGESTIONS]

    # --- pairs -----------------------------------------------------------------------------

    def pair(self, query: str) -> str:
        """Return the id of the pair with this id, or named 'A and B' (either order) or 'A & B'."""
        text = query.strip()
        if text in self.pairs:
            return text
        folded = fold_name(text)
        by_id = [k for k in self._by_folded_id.get(folded, ()) if k in self.pairs]
        if len(by_id) == 1:
            return by_id[0]
        parts = [p for p in _PAIR_JOIN.split(folded) if p]
        if len(parts) == 2:
            members = [self._quiet_person(part) for part in parts]
            if all(members):
                found = self._pairs_by_people.get(frozenset(m for m in members if m), ())
                if len(found) == 1:
                    return found[0]
                if len(found) > 1:
                    labels = [self.label(k) for k in found[:MAX_SUGGESTIONS]]
                    raise NameNotFound(
                        f"{len(found)} pairs are '{text}': did you mean {join_or(labels)}? "
                        "Write the pair id to say which",
                        found[:MAX_SUGGESTIONS],
                    )
        nearest = self._nearest_pairs(folded, parts)
        hint = f"; did you mean {join_or([self.label(k) for k in nearest])}?" if nearest else ""
        raise NameNotFound(
            f"no pair has the id or names '{text}' (write 'Name and Name' or the pair id){hint}",
            nearest,
        )

    def _quiet_person(self, folded: str) -> str:
        try:
            return self.participant(folded)
        except NameNotFound:
            return ""

    def _nearest_pairs(self, folded: str, parts: Sequence[str]) -> list[str]:
        """Return up to three pairs nearest to the query: by their names, ids or a member."""
        keys: dict[str, list[str]] = defaultdict(list)
        for pair_id, (mentor, mentee) in sorted(self.pairs.items()):
            first, second = fold_name(self.name(mentor)), fold_name(self.name(mentee))
            keys[f"{first} and {second}"].append(pair_id)
            keys[f"{second} and {first}"].append(pair_id)
            keys[fold_name(pair_id)].append(pair_id)
        # The pairs of anyone the query names exactly ("Callum Reid and Someone Else"), else
        # the pairs whose names or id are spelt nearly so.
        members = {self._quiet_person(part) for part in parts or [folded]} - {""}
        found = [pair_id for pair_id, people in sorted(self.pairs.items()) if members & set(people)]
        if not found:
            for key in difflib.get_close_matches(folded, list(keys), MAX_SUGGESTIONS, CUTOFF):
                found.extend(keys[key])
        return list(dict.fromkeys(found))[:MAX_SUGGESTIONS]
