"""Model stage: the immutable domain objects every later stage works on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from generator.config import ProgrammeConfig
from generator.load import split_multi

Role = Literal["mentor", "mentee"]
Consent = Literal["none", "named"]
PairStatus = Literal["proposed", "active", "paused", "completed", "withdrawn"]
APPROVED_STATUSES: frozenset[str] = frozenset({"active", "paused", "completed"})
StoryStatus = Literal["draft", "awaiting-consent", "approved"]


def _multi(value: object) -> object:
    return split_multi(value) if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.strip().casefold() if isinstance(value, str) else value


def _blank_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


MultiValue = Annotated[tuple[str, ...], BeforeValidator(_multi)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(_blank_none)]
OptionalInt = Annotated[int | None, BeforeValidator(_blank_none)]


class Record(BaseModel):
    """A validated, immutable row or document."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Participant(Record):
    """A person taking part: junior mentor or senior mentee. Most fields are private."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    email: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    role: Annotated[Role, BeforeValidator(_lower)]
    grade: str = Field(min_length=1)
    department: str = Field(min_length=1)
    cohort: str = Field(min_length=1)
    job_title: str = ""
    location: str = ""
    manager_id: str = ""
    skills_offered: MultiValue = ()
    skills_wanted: MultiValue = ()
    interests: MultiValue = ()
    bio: str = ""
    photo: str = ""
    pronouns: str = ""
    consent: Annotated[Consent, BeforeValidator(lambda v: _lower(v) or "none")] = "none"
    extra: Mapping[str, str] = Field(default_factory=dict)

    @property
    def is_named(self) -> bool:
        """Whether this person agreed to be named on the portal."""
        return self.consent == "named"


PARTICIPANT_REQUIRED = ("id", "name", "email", "role", "grade", "department", "cohort")


class OrgPerson(Record):
    """A row of the optional org chart table: who reports to whom, inside the programme or not.

    Only the reporting line is kept; any other column (a name, a title) is dropped on reading.
    """

    id: str = Field(min_length=1)
    manager_id: str = ""


ORG_CHART_REQUIRED = ("id", "manager_id")


def managers_above(person_id: str, managers: Mapping[str, str], levels: int) -> list[str]:
    """Return up to *levels* managers above a person, nearest first (stops at loops)."""
    chain: list[str] = []
    current = managers.get(person_id, "")
    while current and len(chain) < levels and current not in chain and current != person_id:
        chain.append(current)
        current = managers.get(current, "")
    return chain


def merge_reporting_lines(
    participants: Iterable[Participant], org_chart: Mapping[str, str]
) -> dict[str, str]:
    """Return each person's manager id: a participant's own, else the org chart's."""
    tree = dict(org_chart)
    for person in participants:
        if person.manager_id or person.id not in tree:
            tree[person.id] = person.manager_id
    return tree


class Pair(Record):
    """A mentor and mentee working together in a cohort."""

    pair_id: str = Field(min_length=1)
    mentor_id: str = Field(min_length=1)
    mentee_id: str = Field(min_length=1)
    cohort: str = Field(min_length=1)
    status: Annotated[PairStatus, BeforeValidator(_lower)]
    start_date: OptionalDate = None
    goals: MultiValue = ()

    @property
    def is_approved(self) -> bool:
        """Whether the lead has approved this pair (active, paused or completed)."""
        return self.status in APPROVED_STATUSES


PAIR_REQUIRED = ("pair_id", "mentor_id", "mentee_id", "cohort", "status")


class Session(Record):
    """One mentoring session of a pair, held or cancelled."""

    pair_id: str = Field(min_length=1)
    date: dt.date
    minutes: OptionalInt = Field(None, ge=0, le=600)
    status: Annotated[Literal["held", "cancelled"], BeforeValidator(_lower)]
    topics: MultiValue = ()
    mentor_rating: OptionalInt = Field(None, ge=1, le=5)
    mentee_rating: OptionalInt = Field(None, ge=1, le=5)


SESSION_REQUIRED = ("pair_id", "date", "status")


class SurveyResponse(Record):
    """One participant's answers to the pre- or post-programme survey."""

    participant_id: str = Field(min_length=1)
    cohort: str = Field(min_length=1)
    phase: Annotated[Literal["pre", "post"], BeforeValidator(_lower)]
    scores: Mapping[str, float | None] = Field(default_factory=dict)


SURVEY_REQUIRED = ("participant_id", "cohort", "phase")


class Story(Record):
    """A success story written with (or about) a pair."""

    slug: str
    file: str
    title: str = Field(min_length=1)
    date: dt.date
    summary: str = Field(min_length=1)
    pair: str = ""
    tags: tuple[str, ...] = ()
    consent: Mapping[str, dt.date] = Field(default_factory=dict)
    anonymous: bool = False
    status: StoryStatus = "draft"
    image: str = ""
    body: str = ""
    body_line: int = 1
    lines: Mapping[str, int] = Field(default_factory=dict)  # front-matter key -> line


class Post(Record):
    """A blog post by participants or staff."""

    slug: str
    file: str
    title: str = Field(min_length=1)
    date: dt.date
    authors: tuple[str, ...] = Field(min_length=1)
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str = ""
    draft: bool = False
    body: str = ""
    body_line: int = 1
    lines: Mapping[str, int] = Field(default_factory=dict)  # front-matter key -> line


class Guide(Record):
    """A hand-written guide from content/guides/ (may use programme variables)."""

    slug: str
    file: str
    title: str
    body: str
    order: int = 100
    body_line: int = 1


@dataclass(frozen=True)
class ImageFile:
    """A file under content/images/, typed by its bytes (never by its name)."""

    kind: str  # what it really is, in words: "a PNG picture", "an Excel workbook", …
    suffix: str = ""  # ".jpg", ".png", ".webp", ".gif" for a picture, ".svg" for a drawing

    @property
    def is_raster(self) -> bool:
        """Whether it is a JPEG, PNG, WebP or GIF picture."""
        return self.suffix in {".jpg", ".png", ".webp", ".gif"}


@dataclass(frozen=True)
class Project:
    """Everything the portal is built from, validated and cross-checked."""

    root: Path
    config: ProgrammeConfig
    participants: tuple[Participant, ...]
    pairs: tuple[Pair, ...]
    sessions: tuple[Session, ...]
    surveys: tuple[SurveyResponse, ...]
    stories: tuple[Story, ...]
    posts: tuple[Post, ...]
    guides: tuple[Guide, ...]
    today: dt.date
    images: Mapping[str, ImageFile] = field(default_factory=dict)
    # The optional org chart, id -> manager id: private, read only for reporting lines.
    org_chart: Mapping[str, str] = field(default_factory=dict)

    def participant_index(self) -> dict[str, Participant]:
        """Return participants by id."""
        return {p.id: p for p in self.participants}

    def reporting_tree(self) -> dict[str, str]:
        """Return every known person's manager id: participants and the org chart together."""
        return merge_reporting_lines(self.participants, self.org_chart)
