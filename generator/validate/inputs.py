"""What the cross-file rules work on: everything that passed its own checks, and indexes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel

from generator.config import ProgrammeConfig
from generator.load import MarkdownFile, YamlDocument
from generator.model import (
    Guide,
    ImageFile,
    OrgPerson,
    Pair,
    Participant,
    Post,
    Session,
    Story,
    SurveyResponse,
)
from generator.names import Directory
from generator.validate.table_rules import Rows

R = TypeVar("R", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class Located(Generic[R]):
    """A typed document plus its source, for locating later errors.

    A document whose front matter has errors is still *located*, with ``complete`` False: its
    valid keys are checked by the cross-file rules too, so every problem of the file is found
    in one pass. Its errors stop the build, so an incomplete record never reaches a page.
    """

    record: R
    source: MarkdownFile
    complete: bool = True


@dataclass
class Inputs:
    """Everything that passed its own checks, ready for the cross-file rules.

    `cross_check` resolves the names written in front matter to ids here, in place: the
    stories and posts lists then hold records the rest of the pipeline reads unchanged.
    """

    config: ProgrammeConfig
    config_doc: YamlDocument
    config_file: str
    participants: Rows[Participant]
    pairs: Rows[Pair]
    sessions: Rows[Session]
    surveys: Rows[SurveyResponse]
    stories: list[Located[Story]] = field(default_factory=list)
    posts: list[Located[Post]] = field(default_factory=list)
    guides: list[Guide] = field(default_factory=list)
    images: Mapping[str, ImageFile] = field(default_factory=dict)
    # The org chart table (data.people), or None when programme.yaml names none.
    org_chart: Rows[OrgPerson] | None = None


@dataclass(frozen=True)
class Known(Generic[T]):
    """Ids a reference may point at: valid ones, and ones whose row has its own errors."""

    valid: Mapping[str, T]
    failed: frozenset[str]
    # False when the table could not be read: references to it cannot be checked.
    checkable: bool

    def unknown(self, value: str) -> bool:
        """Whether a reference points at nothing at all (and should be reported)."""
        return self.checkable and value not in self.valid and value not in self.failed

    def settled(self, value: str) -> bool:
        """Whether a reference needs no looking up: a known id, or nothing to check against."""
        return not self.unknown(value)


@dataclass(frozen=True)
class CrossContext:
    """What every cross-file rule sees: the inputs and the indexes built from them."""

    inputs: Inputs
    people: Known[Participant]
    pairs: Known[Pair]
    managers: Mapping[str, str]  # the reporting tree, id -> manager id
    directory: Directory  # names and ids of participants, staff and pairs, for messages
