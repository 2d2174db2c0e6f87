"""Model stage: the immutable domain objects every later stage works on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from generator.config import OneLine, ProgrammeConfig, Text
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

    id: OneLine = Field(min_length=1)
    name: OneLine = Field(min_length=1)
    email: OneLine = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    role: Annotated[Role, BeforeValidator(_lower)]
    grade: OneLine = Field(min_length=1)
    department: OneLine = Field(min_length=1)
    cohort: OneLine = Field(min_length=1)
    job_title: OneLine = ""
    location: OneLine = ""
    manager_id: OneLine = ""
    skills_offered: MultiValue = ()
    skills_wanted: MultiValue = ()
    interests: MultiValue = ()
    bio: Text = ""
    photo: OneLine = ""
    pronouns: OneLine = ""
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


# Keys the pipeline fills in itself from the file; front matter never sets them.
_FILE = "Set from the file: its path under the project"
_SLUG = "Set from the file: its name, as used in the page's address"
_BODY = "Set from the file: the Markdown after the front matter"
_BODY_LINE = "Set from the file: the line the body starts on, for messages"
_LINES = "Set from the file: the line of each front-matter key, for messages"
_TAGS = "Tags for the tags index"


class Story(Record):
    """A success story written with (or about) a pair."""

    slug: str = Field(description=_SLUG)
    file: str = Field(description=_FILE)
    title: str = Field(min_length=1, description="The story's headline")
    date: dt.date = Field(
        description="Publication date (YYYY-MM-DD); a story dated in the future is not built yet"
    )
    summary: str = Field(
        min_length=1, description="One or two sentences shown on the stories index and home page"
    )
    pair: str = Field(
        "",
        description="The pair the story is about: its id (D3RF) or its two names "
        "('Callum Reid and Alison Brooks', either order)",
    )
    tags: tuple[str, ...] = Field((), description=_TAGS)
    consent: Mapping[str, dt.date | None] = Field(
        default_factory=dict,
        description="Everyone the story names, by name or id, with the date they agreed "
        "(YYYY-MM-DD), left blank until they have; an approved story needs a date for both "
        "people of its pair",
    )
    anonymous: bool = Field(
        False,
        description="true to describe the pair by role only; no consent is needed, and the "
        "story must not name them",
    )
    status: StoryStatus = Field(
        "draft",
        description="draft (not built), awaiting-consent (not built), or approved (built once "
        "everyone named has consented)",
    )
    image: str = Field(
        "", description="A picture under content/images/ (JPEG, PNG, WebP or GIF) for the story"
    )
    body: str = Field("", description=_BODY)
    body_line: int = Field(1, description=_BODY_LINE)
    lines: Mapping[str, int] = Field(default_factory=dict, description=_LINES)


class Post(Record):
    """A blog post by participants or staff."""

    slug: str = Field(description=_SLUG)
    file: str = Field(description=_FILE)
    title: str = Field(min_length=1, description="The post's headline")
    date: dt.date = Field(
        description="Publication date (YYYY-MM-DD); a post dated in the future is not built yet"
    )
    authors: tuple[str, ...] = Field(
        min_length=1,
        description="Who wrote it: participants or staff (programme.yaml staff), each by name "
        "or id; someone who has not agreed to be named is left out",
    )
    categories: tuple[str, ...] = Field(
        (),
        description="Blog categories, each one of blog.categories in programme.yaml "
        "(matched ignoring case)",
    )
    tags: tuple[str, ...] = Field((), description=_TAGS)
    summary: str = Field("", description="One or two sentences shown on the blog index")
    draft: bool = Field(False, description="true to keep the post out of the build")
    body: str = Field("", description=_BODY)
    body_line: int = Field(1, description=_BODY_LINE)
    lines: Mapping[str, int] = Field(default_factory=dict, description=_LINES)


class Guide(Record):
    """A hand-written guide from content/guides/ (may use programme variables)."""

    slug: str = Field(description=_SLUG)
    file: str = Field(description=_FILE)
    title: str = Field(
        description="The guide's title; if left out, made from the file name "
        "(first-session.md: 'First session')"
    )
    body: str = Field(description=_BODY)
    order: int = Field(
        100, description="Where the guide comes among the guides: lower numbers first"
    )
    body_line: int = Field(1, description=_BODY_LINE)


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

    @cached_property
    def published_pairs(self) -> frozenset[str]:
        """The ids of the pairs the portal gives a page: approved, and both people named.

        The one definition the public view, the impact figures, the audit and the private
        e-mails share, so that none of them can disagree about who is on the site.
        """
        people = self.participant_index()
        return frozenset(
            pair.pair_id
            for pair in self.pairs
            if pair.is_approved
            and all(
                pid in people and people[pid].is_named for pid in (pair.mentor_id, pair.mentee_id)
            )
        )

    def reporting_tree(self) -> dict[str, str]:
        """Return every known person's manager id: participants and the org chart together."""
        return merge_reporting_lines(self.participants, self.org_chart)
