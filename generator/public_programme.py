"""The public half of programme.yaml: the only part of the configuration templates may see.

Templates (built-in, overrides in content/templates/ and hand-written guides) are given a
`PublicProgramme` instead of the whole `ProgrammeConfig`: the programme's name and purpose, its
public contacts, cohorts, design, session plan, ground rules, FAQ, success measures, and the
matching and privacy *rules* in words. Never the grade list, the data file paths, the publish
remote, the matching weights, or `must_pair` / `never_pair` ids. Each value is copied field by
field, so an unknown key in programme.yaml (kept for its warning) never reaches a page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.config import ProgrammeConfig


@dataclass(frozen=True)
class PublicContact:
    """A named role: the sponsor (no email) or the programme contact."""

    name: str
    title: str = ""
    email: str = ""


@dataclass(frozen=True)
class PublicIdentity:
    """Who runs the programme and why."""

    name: str
    organisation: str
    tagline: str
    objectives: tuple[str, ...]
    objective_statement: str
    sponsor: PublicContact
    contact: PublicContact


@dataclass(frozen=True)
class PublicWindow:
    """An application window."""

    opens: dt.date
    closes: dt.date


@dataclass(frozen=True)
class PublicCohort:
    """A cohort's public dates and rhythm."""

    id: str
    name: str
    applications: PublicWindow
    start: dt.date
    end: dt.date
    sessions: int
    cadence_weeks: int
    session_minutes: int
    apply_url: str
    apply_email: str
    who_may_apply: str


@dataclass(frozen=True)
class PublicEligibility:
    """Who may join, in the programme's words."""

    mentors: str
    mentees: str


@dataclass(frozen=True)
class PublicDesign:
    """How the programme is run."""

    eligibility: PublicEligibility
    selection: str
    selection_note: str
    spaces: int
    sign_up: str
    commitment: str
    monitoring: str


@dataclass(frozen=True)
class PublicSession:
    """One session of the plan."""

    number: int
    title: str
    agenda: tuple[str, ...]
    preparation: tuple[str, ...]


@dataclass(frozen=True)
class PublicGroundRules:
    """The pair agreement."""

    confidentiality: str
    confidentiality_limits: str
    who_initiates: str
    response_days: int
    no_retaliation: str
    power_distance: str
    withdrawal: str
    rematch: str


@dataclass(frozen=True)
class PublicQuestion:
    """An extra FAQ entry."""

    question: str
    answer: str


@dataclass(frozen=True)
class PublicMeasure:
    """A success measure: what it is and the change hoped for."""

    key: str
    label: str
    survey_field: str
    scale_min: int
    scale_max: int
    target_change: float


@dataclass(frozen=True)
class PublicMatchingRules:
    """The matching rules, as the guides explain them (no ids, no weights, no private columns)."""

    min_grade_gap: int
    exclude_direct_line: bool
    exclude_skip_level: bool
    must_differ: tuple[str, ...]
    must_match: tuple[str, ...]
    prefer_same: tuple[str, ...]
    mentor_capacity: int


@dataclass(frozen=True)
class PublicPrivacyRules:
    """What the portal promises about participants' data."""

    public_fields: tuple[str, ...]
    min_group_size: int
    unconsented_pairs: str


@dataclass(frozen=True)
class PublicPublishing:
    """How history is kept (the remote itself is never shown)."""

    history: str


@dataclass(frozen=True)
class SiteSettings:
    """How the portal looks: used by the renderer for the MkDocs configuration and CSS."""

    url: str
    language: str
    logo: str
    primary_colour: str
    accent_colour: str


@dataclass(frozen=True)
class PublicProgramme:
    """Everything of programme.yaml a page may show."""

    programme: PublicIdentity
    cohorts: tuple[PublicCohort, ...]
    design: PublicDesign
    session_plan: tuple[PublicSession, ...]
    ground_rules: PublicGroundRules
    faq: tuple[PublicQuestion, ...]
    success_measures: tuple[PublicMeasure, ...]
    matching: PublicMatchingRules
    privacy: PublicPrivacyRules
    publish: PublicPublishing
    site: SiteSettings

    def cohort(self, cohort_id: str) -> PublicCohort | None:
        """Return the cohort with this id, if any."""
        return next((c for c in self.cohorts if c.id == cohort_id), None)


def public_programme(config: ProgrammeConfig) -> PublicProgramme:
    """Copy the publishable parts of the configuration, field by field."""
    p = config.programme
    d = config.design
    g = config.ground_rules
    m = config.matching
    return PublicProgramme(
        programme=PublicIdentity(
            name=p.name,
            organisation=p.organisation,
            tagline=p.tagline,
            objectives=tuple(p.objectives),
            objective_statement=p.objective_statement,
            sponsor=PublicContact(p.sponsor.name, p.sponsor.title),
            contact=PublicContact(p.contact.name, p.contact.title, p.contact.email),
        ),
        cohorts=tuple(
            PublicCohort(
                id=c.id,
                name=c.name,
                applications=PublicWindow(c.applications.opens, c.applications.closes),
                start=c.start,
                end=c.end,
                sessions=c.sessions,
                cadence_weeks=c.cadence_weeks,
                session_minutes=c.session_minutes,
                apply_url=c.apply_url,
                apply_email=c.apply_email,
                who_may_apply=c.who_may_apply,
            )
            for c in config.cohorts
        ),
        design=PublicDesign(
            eligibility=PublicEligibility(d.eligibility.mentors, d.eligibility.mentees),
            selection=d.selection,
            selection_note=d.selection_note,
            spaces=d.spaces,
            sign_up=d.sign_up,
            commitment=d.commitment,
            monitoring=d.monitoring,
        ),
        session_plan=tuple(
            PublicSession(s.number, s.title, tuple(s.agenda), tuple(s.preparation))
            for s in config.session_plan
        ),
        ground_rules=PublicGroundRules(
            confidentiality=g.confidentiality,
            confidentiality_limits=g.confidentiality_limits,
            who_initiates=g.who_initiates,
            response_days=g.response_days,
            no_retaliation=g.no_retaliation,
            power_distance=g.power_distance,
            withdrawal=g.withdrawal,
            rematch=g.rematch,
        ),
        faq=tuple(
            PublicQuestion(str(e.get("question", "")), str(e.get("answer", ""))) for e in config.faq
        ),
        success_measures=tuple(
            PublicMeasure(s.key, s.label, s.survey_field, s.scale_min, s.scale_max, s.target_change)
            for s in config.success_measures
        ),
        matching=PublicMatchingRules(
            min_grade_gap=m.min_grade_gap,
            exclude_direct_line=m.exclude_direct_line,
            exclude_skip_level=m.exclude_skip_level,
            must_differ=tuple(m.must_differ),
            must_match=tuple(m.must_match),
            prefer_same=tuple(m.prefer_same),
            mentor_capacity=m.mentor_capacity,
        ),
        privacy=PublicPrivacyRules(
            public_fields=tuple(config.privacy.public_fields),
            min_group_size=config.privacy.min_group_size,
            unconsented_pairs=config.privacy.unconsented_pairs,
        ),
        publish=PublicPublishing(history=config.publish.history),
        site=SiteSettings(
            url=config.site.url,
            language=config.site.language,
            logo=config.site.logo,
            primary_colour=config.site.primary_colour,
            accent_colour=config.site.accent_colour,
        ),
    )
