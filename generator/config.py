"""The schema of programme.yaml, as typed pydantic models (also the source of its JSON Schema)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

# Fields of a participant that may never be published, whatever privacy.public_fields says.
NEVER_PUBLIC = frozenset({"email", "grade", "manager_id", "consent", "role_notes"})
# Fields of a participant that *may* be listed as public.
PUBLISHABLE_FIELDS = (
    "name",
    "pronouns",
    "job_title",
    "department",
    "location",
    "skills_offered",
    "skills_wanted",
    "interests",
    "bio",
    "photo",
)


# Unicode's control characters (category Cc, fixed by the standard: U+0000-U+001F and
# U+007F-U+009F) with the line and paragraph separators (Zl, Zp), as character classes: the
# same test as asking each character's category, a regular expression's speed (1.5 million
# characters at 10,000 participants).
_CONTROL_OR_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _one_line(value: str) -> str:
    """Refuse a line break or a control character in a value shown or sent on one line."""
    if _CONTROL_OR_BREAK.search(value):
        raise ValueError(
            "contains a line break or an invisible control character; put it on one line"
        )
    return value


def _no_control(value: str) -> str:
    """Refuse control characters other than line breaks and tabs in free text."""
    if _CONTROL_BUT_LINES.search(value):
        raise ValueError("contains an invisible control character; delete it")
    return value


OneLine = Annotated[str, AfterValidator(_one_line)]
Text = Annotated[str, AfterValidator(_no_control)]

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Identifier = Annotated[str, Field(pattern=_ID, description="An id: letters, digits, '-', '_', '.'")]
Colour = Annotated[
    str,
    Field(
        pattern=r"^(#[0-9a-fA-F]{6}|red|pink|purple|deep-purple|indigo|blue|light-blue|cyan|teal"
        r"|green|light-green|lime|yellow|amber|orange|deep-orange|brown|grey|blue-grey|black|white)$",
        description="A #rrggbb colour or a Material palette name such as 'indigo'",
    ),
]


class Section(BaseModel):
    """A part of programme.yaml; unknown keys are kept so they can be reported as warnings."""

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)


class Person(Section):
    """A named member of staff (sponsor, contact, blog author who is not a participant)."""

    name: OneLine = Field(min_length=1, description="Full name as it should appear on the portal")
    title: OneLine = Field("", description="Job title")
    email: OneLine = Field("", description="Work email (shown only for the programme contact)")


class StaffAuthor(Person):
    """A member of staff who may write blog posts without being a participant."""

    id: Identifier = Field(description="Id used in a post's 'authors' list")
    bio: str = Field("", description="One or two sentences shown with their posts")


class Objective(Section):
    """Programme identity and purpose."""

    name: str = Field(min_length=1, description="Programme name")
    organisation: str = Field(min_length=1, description="Organisation running the programme")
    tagline: str = Field("", description="One line shown under the name on the home page")
    objectives: list[str] = Field(
        min_length=1,
        description=(
            "Aims: digital skills, inclusion, generations, retention, leadership, or your own words"
        ),
    )
    objective_statement: str = Field(
        min_length=1, description="The objective in two or three sentences"
    )
    sponsor: Person = Field(description="The executive sponsor")
    contact: Person = Field(description="Who to contact about the programme")


class Window(Section):
    """An application window."""

    opens: dt.date
    closes: dt.date


class Cohort(Section):
    """One intake of pairs running together."""

    id: Identifier
    name: str = Field(min_length=1)
    applications: Window = Field(description="When applications open and close")
    start: dt.date = Field(description="First day of the cohort")
    end: dt.date = Field(description="Last day of the cohort")
    sessions: int = Field(ge=1, le=52, description="Number of mentoring sessions per pair")
    cadence_weeks: int = Field(ge=1, le=26, description="Weeks between sessions")
    session_minutes: int = Field(ge=15, le=480, description="Length of one session in minutes")
    apply_url: str = Field(
        "",
        pattern=r"^(https?://[^\s\"'<>`]+)?$",
        description="Where to apply while the window is open (an http or https address)",
    )
    apply_email: str = Field(
        "",
        pattern=r"^([^@\s<>\"'`,;]+@[^@\s<>\"'`,;]+\.[^@\s<>\"'`,;]+)?$",
        description="Who to e-mail to apply, when there is no application form",
    )
    who_may_apply: str = Field(
        "", description="Who may apply to this cohort; the programme's eligibility when empty"
    )


class Eligibility(Section):
    """Who may join."""

    mentors: str = Field(min_length=1, description="Who may be a (junior) mentor")
    mentees: str = Field(min_length=1, description="Who may be a (senior) mentee")


class Design(Section):
    """How the programme is run."""

    eligibility: Eligibility
    selection: Literal["open", "closed"] = Field(
        description="open: anyone eligible applies; closed: invited"
    )
    selection_note: str = ""
    spaces: int = Field(ge=1, description="Pairs per cohort")
    sign_up: str = Field(min_length=1, description="How to apply")
    commitment: str = Field(min_length=1, description="What participants commit to")
    monitoring: str = Field(min_length=1, description="How the programme office follows pairs")


class PlannedSession(Section):
    """One session of the session-by-session plan."""

    number: int = Field(ge=1)
    title: str = Field(min_length=1)
    agenda: list[str] = Field(min_length=1)
    preparation: list[str] = Field(default_factory=list)


class GroundRules(Section):
    """The pair agreement."""

    confidentiality: str = Field(min_length=1)
    confidentiality_limits: str = Field(
        min_length=1, description="When confidentiality does not hold"
    )
    who_initiates: Literal["mentor", "mentee"] = Field(description="Who books the sessions")
    response_days: int = Field(ge=1, le=30, description="Working days to answer a message")
    no_retaliation: str = Field(min_length=1)
    power_distance: str = Field("", description="How the pair handles the difference in seniority")
    withdrawal: str = Field(min_length=1, description="How to leave the programme")
    rematch: str = Field(min_length=1, description="How to ask for a new partner")


class SuccessMeasure(Section):
    """A key performance indicator measured by the pre/post surveys."""

    key: Identifier
    label: str = Field(min_length=1)
    survey_field: str = Field(min_length=1, description="Column of the survey table")
    scale_min: int = 1
    scale_max: int = 5
    target_change: float = Field(description="Expected change of the average from pre to post")
    applies_to: Literal["mentees", "mentors", "both"] = Field(
        "both", description="Whose answers count: the mentees', the mentors' or everyone's"
    )


class Matching(Section):
    """Rules and weights for `portal match`."""

    min_grade_gap: int = Field(1, ge=1, description="Mentor at least this many grades below mentee")
    exclude_direct_line: bool = Field(True, description="Never pair a person with their manager")
    exclude_skip_level: bool = Field(
        True, description="Never pair across two management levels either"
    )
    must_differ: list[str] = Field(default_factory=list, description="Columns that must differ")
    must_match: list[str] = Field(default_factory=list, description="Columns that must be equal")
    prefer_different: list[str] = Field(default_factory=list)
    prefer_same: list[str] = Field(default_factory=list)
    mentor_capacity: int = Field(1, ge=1, le=10, description="Mentees one mentor may take")
    weight_skills: float = Field(3.0, ge=0)
    weight_interests: float = Field(1.0, ge=0)
    weight_prefer_different: float = Field(1.0, ge=0)
    weight_prefer_same: float = Field(0.5, ge=0)
    must_pair: list[tuple[str, str]] = Field(
        default_factory=list, description="[mentor id, mentee id] pairs"
    )
    never_pair: list[tuple[str, str]] = Field(
        default_factory=list, description="Pairs of ids never matched"
    )


class Privacy(Section):
    """What may be published about participants."""

    public_fields: list[str] = Field(
        default_factory=lambda: ["name", "job_title", "department"],
        description=(
            "Participant fields that may appear on the portal: any of "
            + ", ".join(PUBLISHABLE_FIELDS)
        ),
    )
    min_group_size: int = Field(5, ge=2, description="Aggregates over fewer people are not shown")
    url_secret: OneLine = Field(
        "",
        description="A long random text known only to the programme office: pair page and photo "
        "addresses are derived from it, so no one can trace them back to ids. Set it once and "
        "keep it (a new one gives every pair page a new address)",
    )
    unconsented_pairs: Literal["omit", "count"] = Field(
        "count", description="omit: ignore entirely; count: include only in anonymous totals"
    )

    @field_validator("public_fields")
    @classmethod
    def _only_publishable(cls, value: list[str]) -> list[str]:
        for name in value:
            if name in NEVER_PUBLIC:
                raise ValueError(f"'{name}' can never be public")
            if name not in PUBLISHABLE_FIELDS:
                choices = ", ".join(PUBLISHABLE_FIELDS)
                raise ValueError(f"'{name}' is not a publishable field (choose from {choices})")
        if "name" not in value:
            raise ValueError("'name' must be public: pair pages show who the pair are")
        return value


class Site(Section):
    """How the portal looks and where it lives."""

    url: str = Field("", description="The portal's address on the intranet")
    language: str = Field("en", pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")
    logo: str = Field("", description="Image under content/images/")
    primary_colour: Colour = "indigo"
    accent_colour: Colour = "teal"


class Publish(Section):
    """Where `portal publish` pushes the built site."""

    remote: str = Field("", description="Git URL or path of the intranet repository")
    branch: str = Field("portal", pattern=r"^[A-Za-z0-9._/-]+$")
    history: Literal["keep", "replace"] = "keep"


class Blog(Section):
    """How the blog is organised."""

    categories: list[str] = Field(
        default_factory=list,
        description="The categories a blog post may use; any other is an error",
    )

    @field_validator("categories")
    @classmethod
    def _categories_have_names(cls, value: list[str]) -> list[str]:
        # A blank item ("- ") would be a category no post could mean; spacing is tidied so
        # "How  to" and "How to" are one category.
        if any(not name.strip() for name in value):
            raise ValueError("a category must have a name; remove the empty item")
        return [" ".join(name.split()) for name in value]


class Monitoring(Section):
    """What `portal report` flags for the programme office to follow up."""

    stuck_after_days: int = Field(
        30, ge=1, le=365, description="Flag an active pair with no session for this many days"
    )


class Certificates(Section):
    """Who gets a certificate from `portal certificates`, and who signs it."""

    min_sessions: int = Field(
        4, ge=1, le=52, description="Sessions a completed pair must have held to earn one"
    )
    signatory: Person | None = Field(
        None, description="Who signs the certificates (default: the executive sponsor)"
    )


class DataFiles(Section):
    """Where the tables are, relative to the project (real HR data may live outside the repo)."""

    participants: str
    pairs: str
    sessions: str = ""
    surveys: str = ""
    people: str = Field(
        "",
        description=(
            "Optional org chart (columns id and manager_id): managers outside the programme, "
            "so reporting lines through them are seen; private, never published"
        ),
    )
    columns: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per table, your header -> our field, e.g. participants: {'Employee ID': id}",
    )
    header_row: dict[str, Annotated[int, Field(ge=1, le=1_048_576)]] = Field(
        default_factory=dict,
        description=(
            "Per table, the row holding the headers, e.g. participants: 4; rows above it (an "
            "export's title lines) are skipped. Default: found in the first 20 rows, as the "
            "first row holding the table's required columns"
        ),
    )
    sheet: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Per table in a workbook, the name of its sheet, e.g. participants: Workers. "
            "Default: the first sheet"
        ),
    )

    @field_validator("columns", "header_row", "sheet")
    @classmethod
    def _known_tables(cls, value: dict[str, object]) -> dict[str, object]:
        for table in value:
            if table not in {"participants", "pairs", "sessions", "surveys", "people"}:
                raise ValueError(
                    f"'{table}' is not a table (participants, pairs, sessions, surveys, people)"
                )
        return value


class Limits(Section):
    """How large the inputs may be: a file past a limit is an error naming it, never a crash.

    The defaults are several times the largest programme the portal is built for (10,000
    participants, 100,000 session rows); raise one only for a file you know is right.
    """

    max_table_bytes: int = Field(
        50_000_000, ge=1, description="Size of one .csv or .xlsx table on disk, in bytes"
    )
    max_workbook_uncompressed_bytes: int = Field(
        200_000_000,
        ge=1,
        description="Size of an .xlsx workbook once unzipped, in bytes (stops zip bombs)",
    )
    max_rows: int = Field(
        200_000, ge=1, description="Rows of data in one table (title and blank rows not counted)"
    )
    max_columns: int = Field(1_000, ge=1, le=16_384, description="Columns in one table")
    max_cells: int = Field(5_000_000, ge=1, description="Rows times columns in one table")
    max_cell_chars: int = Field(
        32_767, ge=1, description="Characters in one cell (32,767 is Excel's own limit)"
    )
    max_markdown_bytes: int = Field(
        2_000_000, ge=1, description="Size of one story, post or guide, in bytes"
    )
    max_image_bytes: int = Field(
        20_000_000, ge=1, description="Size of one image under content/images/, in bytes"
    )


class ProgrammeConfig(Section):
    """The whole of programme.yaml."""

    programme: Objective
    grades: list[str] = Field(
        min_length=2, description="Grade names from most junior to most senior"
    )
    staff: list[StaffAuthor] = Field(default_factory=list, description="Staff who write blog posts")
    cohorts: list[Cohort] = Field(min_length=1)
    design: Design
    session_plan: list[PlannedSession] = Field(min_length=1)
    ground_rules: GroundRules
    faq: list[dict[str, str]] = Field(
        default_factory=list, description="Extra questions and answers"
    )
    success_measures: list[SuccessMeasure] = Field(default_factory=list)
    matching: Matching = Field(default_factory=Matching)
    privacy: Privacy = Field(default_factory=Privacy)
    site: Site = Field(default_factory=Site)
    publish: Publish = Field(default_factory=Publish)
    blog: Blog = Field(default_factory=Blog)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    certificates: Certificates = Field(default_factory=Certificates)
    data: DataFiles
    limits: Limits = Field(default_factory=Limits)

    def cohort(self, cohort_id: str) -> Cohort | None:
        """Return the cohort with this id, if any."""
        return next((c for c in self.cohorts if c.id == cohort_id), None)

    def grade_rank(self, grade: str) -> int:
        """Return the position of *grade* from most junior (0) upwards."""
        return self.grades.index(grade)
