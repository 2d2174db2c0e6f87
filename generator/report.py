"""The programme-health report (`portal report`): private, for the programme office only.

`build_health_report` is pure: from a validated Project it lists every pair with its sessions,
ratings and flags, the survey response rates per cohort and role, the stories still waiting for
someone's consent and the pairs whose story is worth asking for. It names people: it is never
published. `write_health_report` writes one self-contained HTML file (inline CSS, no script, no
request of any kind: it opens offline) and one CSV per table, atomically, outside every folder
the portal publishes from.

Flags are rules, each an object with a key, a label and a check:

- ``no-recent-session``: an active pair that has held fewer sessions than planned and has not met
  for more than ``monitoring.stuck_after_days`` days (counted from its last held session, else
  from its start);
- ``cancelled-twice``: two sessions in a row were cancelled;
- ``low-rating``: someone rated a session ``LOW_RATING`` (2) or less out of 5;
- ``survey-missing``: someone has not answered the pre survey once the cohort has started, or
  the post survey once it has ended (a withdrawn pair is not asked).

Story suggestions are approved pairs (active or completed) with no story yet, both people
consenting to be named, and either an average session rating of at least ``TOP_RATING`` over at
least ``TOP_RATING_SESSIONS`` held sessions, or someone whose measured change is at least
``LARGE_CHANGE_FACTOR`` times the measure's target and at least ``LARGE_CHANGE_POINTS`` points.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from generator.config import Cohort
from generator.errors import InputError, Problem
from generator.impact import (
    cohort_phase,
    decimal_text,
    long_date,
    lower_first,
    percent_text,
    person_changes,
)
from generator.model import Pair, Participant, Project, Session, Story
from generator.private_outputs import (
    PRIVATE_MARKER,
    REPORTS_FOLDER,
    check_output_path,
    private_folder,
    spreadsheet_safe,
    write_atomically,
)
from generator.wording import join_and, plural

PROGRAMME_FILE = "programme.yaml"
TEMPLATES = Path(__file__).parent / "templates" / "private"
LOW_RATING = 2
TOP_RATING = Fraction(9, 2)
TOP_RATING_SESSIONS = 3
LARGE_CHANGE_FACTOR = 2
LARGE_CHANGE_POINTS = Fraction(3, 2)
# Pairs between two calls of the progress callback, and from how many pairs a bar is worth it.
PROGRESS_EVERY = 250
PROGRESS_PAIRS = 2_000
Tick = Callable[[int], None]


# --- the report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A participant as the report names them."""

    id: str
    name: str
    role: str
    named: bool

    @property
    def label(self) -> str:
        """Return 'Name (id)'."""
        return f"{self.name} ({self.id})"


@dataclass(frozen=True)
class Flag:
    """Something about a pair the programme office should follow up."""

    key: str
    label: str
    detail: str


@dataclass(frozen=True)
class PairHealth:
    """One pair's sessions, ratings and flags."""

    pair_id: str
    cohort_id: str
    cohort_name: str
    mentor: Person
    mentee: Person
    status: str
    held: int
    planned: int
    cancelled: int
    last_session: dt.date | None
    days_since: int | None
    mentor_rating: float | None
    mentee_rating: float | None
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class ResponseRate:
    """How many of a cohort's mentors or mentees answered one survey."""

    cohort_id: str
    cohort_name: str
    role: str
    phase: str
    expected: int
    answered: int
    rate: float | None
    rate_text: str
    missing: tuple[Person, ...]


@dataclass(frozen=True)
class ConsentWait:
    """A story waiting for consent: who has given it, and who has not yet."""

    story_title: str
    story_file: str
    pair_id: str
    cohort_id: str
    waiting: tuple[Person, ...]
    consented: tuple[tuple[Person, dt.date], ...]
    note: str


@dataclass(frozen=True)
class StorySuggestion:
    """A pair whose story is worth asking for."""

    pair_id: str
    cohort_id: str
    cohort_name: str
    mentor: Person
    mentee: Person
    status: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class HealthReport:
    """Everything `portal report` shows."""

    programme: str
    organisation: str
    as_of: dt.date
    cohort_id: str | None
    scope: str
    stuck_after_days: int
    pairs: tuple[PairHealth, ...]
    response_rates: tuple[ResponseRate, ...]
    awaiting_consent: tuple[ConsentWait, ...]
    suggestions: tuple[StorySuggestion, ...]

    @property
    def flagged(self) -> tuple[PairHealth, ...]:
        """Return the pairs with at least one flag."""
        return tuple(p for p in self.pairs if p.flags)

    def flag_counts(self) -> dict[str, int]:
        """Return how many pairs carry each flag, in rule order."""
        counts = {rule.key: 0 for rule in FLAG_RULES}
        for pair in self.pairs:
            for flag in pair.flags:
                counts[flag.key] += 1
        return counts


# --- flags ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    """What the flag rules look at for one pair."""

    pair: Pair
    cohort: Cohort
    mentor: Person
    mentee: Person
    sessions: tuple[Session, ...]
    held: int
    surveyed: frozenset[tuple[str, str]]
    today: dt.date
    stuck_after_days: int


@dataclass(frozen=True)
class FlagRule:
    """A named check: it returns what is wrong with a pair, in words, or None."""

    key: str
    label: str
    check: Callable[[_Facts], str | None]

    def apply(self, facts: _Facts) -> Flag | None:
        """Run the check; return the flag when it fires."""
        detail = self.check(facts)
        return Flag(self.key, self.label, detail) if detail else None


def _no_recent_session(f: _Facts) -> str | None:
    if f.pair.status != "active" or f.held >= f.cohort.sessions:
        return None
    held = [s.date for s in f.sessions if s.status == "held"]
    if held:
        since, what = max(held), "the last session"
    else:
        since, what = f.pair.start_date or f.cohort.start, "the pair started"
    days = (f.today - since).days
    if days <= f.stuck_after_days:
        return None
    return (
        f"no session for {days} days, since {what} on {long_date(since)} "
        f"(the limit is {f.stuck_after_days})"
    )


def _cancelled_twice(f: _Facts) -> str | None:
    runs: list[list[dt.date]] = []
    current: list[dt.date] = []
    for session in f.sessions:
        if session.status == "cancelled":
            current.append(session.date)
            continue
        if len(current) >= 2:
            runs.append(current)
        current = []
    if len(current) >= 2:
        runs.append(current)
    if not runs:
        return None
    last = runs[-1]
    dates = join_and(long_date(d) for d in last)
    more = f" ({plural(len(runs), 'run')} of cancellations in all)" if len(runs) > 1 else ""
    return f"{len(last)} sessions cancelled in a row: {dates}{more}"


def _low_rating(f: _Facts) -> str | None:
    found = []
    for session in f.sessions:
        if session.status != "held":
            continue
        for who, rating in (("mentor", session.mentor_rating), ("mentee", session.mentee_rating)):
            if rating is not None and rating <= LOW_RATING:
                person = f.mentor if who == "mentor" else f.mentee
                found.append(
                    f"{person.name} ({who}) rated the session of {long_date(session.date)} "
                    f"{rating} out of 5"
                )
    return "; ".join(found) or None


def _survey_missing(f: _Facts) -> str | None:
    if f.pair.status == "withdrawn":
        return None
    phases = []
    if f.cohort.start <= f.today:
        phases.append("pre")
    if cohort_phase(f.cohort, f.today) == "completed":
        phases.append("post")
    found = []
    for phase in phases:
        missing = [
            f"{p.name} ({p.role})" for p in (f.mentor, f.mentee) if (p.id, phase) not in f.surveyed
        ]
        if missing:
            found.append(f"{phase} survey not answered by {join_and(missing)}")
    return "; ".join(found) or None


FLAG_RULES: tuple[FlagRule, ...] = (
    FlagRule("no-recent-session", "No recent session", _no_recent_session),
    FlagRule("cancelled-twice", "Two cancellations in a row", _cancelled_twice),
    FlagRule("low-rating", "Low rating", _low_rating),
    FlagRule("survey-missing", "Survey missing", _survey_missing),
)


# --- building ---------------------------------------------------------------------------------


def _person(people: Mapping[str, Participant], pid: str) -> Person:
    found = people.get(pid)
    if found is None:  # pragma: no cover - validation rejects pairs of unknown people
        return Person(pid, pid, "", False)
    return Person(found.id, found.name, found.role, found.is_named)


def _mean(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _selected_cohorts(project: Project, cohort_id: str | None) -> list[Cohort]:
    config = project.config
    if cohort_id is None:
        return list(config.cohorts)
    cohort = config.cohort(cohort_id)
    if cohort is None:
        known = ", ".join(c.id for c in config.cohorts)
        raise InputError(
            [
                Problem(
                    PROGRAMME_FILE,
                    f"there is no cohort '{cohort_id}' (cohorts: {known})",
                    field="--cohort",
                )
            ]
        )
    return [cohort]


def build_health_report(
    project: Project, cohort_id: str | None = None, tick: Tick | None = None
) -> HealthReport:
    """Assess every pair (of one cohort, or all), response rates, consent and story leads."""
    cohorts = _selected_cohorts(project, cohort_id)
    wanted = {c.id: c for c in cohorts}
    people = project.participant_index()
    sessions: dict[str, list[Session]] = defaultdict(list)
    for session in project.sessions:
        if session.date <= project.today:
            sessions[session.pair_id].append(session)
    surveyed: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for response in project.surveys:
        surveyed[response.cohort].add((response.participant_id, response.phase))
    stuck = project.config.monitoring.stuck_after_days
    order = {c.id: i for i, c in enumerate(project.config.cohorts)}
    chosen = sorted(
        (p for p in project.pairs if p.cohort in wanted and p.status != "proposed"),
        key=lambda p: (order[p.cohort], p.pair_id),
    )
    pairs: list[PairHealth] = []
    reported = 0
    for index, pair in enumerate(chosen, start=1):
        # Sorted by date; the table's order breaks ties, so runs of cancellations are stable.
        history = tuple(sorted(sessions.get(pair.pair_id, []), key=lambda s: s.date))
        pairs.append(
            _pair_health(
                pair,
                wanted[pair.cohort],
                _person(people, pair.mentor_id),
                _person(people, pair.mentee_id),
                history,
                frozenset(surveyed.get(pair.cohort, set())),
                project.today,
                stuck,
            )
        )
        if tick is not None and (index % PROGRESS_EVERY == 0 or index == len(chosen)):
            tick(index - reported)
            reported = index
    config = project.config
    return HealthReport(
        programme=config.programme.name,
        organisation=config.programme.organisation,
        as_of=project.today,
        cohort_id=cohort_id,
        scope=cohorts[0].name if cohort_id else "All cohorts",
        stuck_after_days=stuck,
        pairs=tuple(pairs),
        response_rates=_response_rates(project, cohorts, people, surveyed),
        awaiting_consent=_awaiting_consent(project, wanted, people, cohort_id is None),
        suggestions=_story_suggestions(project, wanted, people, pairs),
    )


def _pair_health(
    pair: Pair,
    cohort: Cohort,
    mentor: Person,
    mentee: Person,
    history: tuple[Session, ...],
    surveyed: frozenset[tuple[str, str]],
    today: dt.date,
    stuck_after_days: int,
) -> PairHealth:
    held = [s for s in history if s.status == "held"]
    facts = _Facts(
        pair=pair,
        cohort=cohort,
        mentor=mentor,
        mentee=mentee,
        sessions=history,
        held=len(held),
        surveyed=surveyed,
        today=today,
        stuck_after_days=stuck_after_days,
    )
    flags = tuple(flag for rule in FLAG_RULES if (flag := rule.apply(facts)) is not None)
    last = max((s.date for s in held), default=None)
    return PairHealth(
        pair_id=pair.pair_id,
        cohort_id=cohort.id,
        cohort_name=cohort.name,
        mentor=mentor,
        mentee=mentee,
        status=pair.status,
        held=len(held),
        planned=cohort.sessions,
        cancelled=sum(1 for s in history if s.status == "cancelled"),
        last_session=last,
        days_since=(today - last).days if last else None,
        mentor_rating=_mean([s.mentor_rating for s in held if s.mentor_rating is not None]),
        mentee_rating=_mean([s.mentee_rating for s in held if s.mentee_rating is not None]),
        flags=flags,
    )


def _response_rates(
    project: Project,
    cohorts: Sequence[Cohort],
    people: Mapping[str, Participant],
    surveyed: Mapping[str, set[tuple[str, str]]],
) -> tuple[ResponseRate, ...]:
    """Count, per started cohort, role and phase, who was asked and who answered."""
    out: list[ResponseRate] = []
    for cohort in cohorts:
        if cohort.start > project.today:
            continue
        started = [p for p in project.pairs if p.cohort == cohort.id and p.status != "proposed"]
        for role in ("mentor", "mentee"):
            for phase in ("pre", "post"):
                # Everyone who started is asked before; only those who stayed are asked after.
                asked = sorted(
                    {
                        (p.mentor_id if role == "mentor" else p.mentee_id)
                        for p in started
                        if phase == "pre" or p.status != "withdrawn"
                    }
                )
                answers = surveyed.get(cohort.id, set())
                answered = [pid for pid in asked if (pid, phase) in answers]
                missing = tuple(
                    _person(people, pid) for pid in asked if (pid, phase) not in answers
                )
                if phase == "post" and cohort_phase(cohort, project.today) != "completed":
                    rate, text, missing = None, f"due after {long_date(cohort.end)}", ()
                elif not asked:
                    rate, text = None, "nobody to ask"
                else:
                    share = Fraction(len(answered), len(asked))
                    rate, text = float(share), percent_text(share)
                out.append(
                    ResponseRate(
                        cohort_id=cohort.id,
                        cohort_name=cohort.name,
                        role=role,
                        phase=phase,
                        expected=len(asked),
                        answered=len(answered),
                        rate=rate,
                        rate_text=text,
                        missing=missing,
                    )
                )
    return tuple(out)


def _awaiting_consent(
    project: Project,
    wanted: Mapping[str, Cohort],
    people: Mapping[str, Participant],
    include_unpaired: bool,
) -> tuple[ConsentWait, ...]:
    """List stories awaiting consent, naming who has not given it yet."""
    pairs = {p.pair_id: p for p in project.pairs}
    out: list[ConsentWait] = []
    for story in sorted(project.stories, key=lambda s: (s.date, s.slug)):
        if story.status != "awaiting-consent":
            continue
        pair = pairs.get(story.pair) if story.pair else None
        if pair is None and not include_unpaired:
            continue
        if pair is not None and pair.cohort not in wanted:
            continue
        out.append(_consent_wait(story, pair, people))
    return tuple(out)


def _consent_wait(
    story: Story, pair: Pair | None, people: Mapping[str, Participant]
) -> ConsentWait:
    consented = tuple(
        (_person(people, pid), day)
        for pid, day in sorted(story.consent.items())
        if pid in people and day is not None  # a blank date: not agreed yet
    )
    if pair is None:
        return ConsentWait(
            story_title=story.title,
            story_file=story.file,
            pair_id="",
            cohort_id="",
            waiting=(),
            consented=consented,
            note="the story names no pair: check by hand whom it describes",
        )
    waiting = tuple(
        _person(people, pid)
        for pid in (pair.mentor_id, pair.mentee_id)
        if story.consent.get(pid) is None
    )
    notes = [
        f"{p.name} has not agreed to be named on the portal at all"
        for p in (_person(people, pair.mentor_id), _person(people, pair.mentee_id))
        if not p.named and not story.anonymous
    ]
    if not waiting and not notes:
        notes.append("everyone has consented: the story can be approved")
    return ConsentWait(
        story_title=story.title,
        story_file=story.file,
        pair_id=pair.pair_id,
        cohort_id=pair.cohort,
        waiting=waiting,
        consented=consented,
        note="; ".join(notes),
    )


def _story_suggestions(
    project: Project,
    wanted: Mapping[str, Cohort],
    people: Mapping[str, Participant],
    pairs: Sequence[PairHealth],
) -> tuple[StorySuggestion, ...]:
    """Suggest pairs for a story: top ratings or a large measured change, both named, no story."""
    with_story = {s.pair for s in project.stories if s.pair}
    ratings: dict[str, list[int]] = defaultdict(list)
    held: dict[str, int] = defaultdict(int)
    for session in project.sessions:
        if session.status == "held" and session.date <= project.today:
            held[session.pair_id] += 1
            ratings[session.pair_id].extend(
                r for r in (session.mentor_rating, session.mentee_rating) if r is not None
            )
    changes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for measure in project.config.success_measures:
        target = Fraction(repr(float(measure.target_change)))
        threshold = max(target * LARGE_CHANGE_FACTOR, LARGE_CHANGE_POINTS)
        for (pid, cohort_id), change in person_changes(project, measure, wanted).items():
            exact_change = Fraction(repr(change))
            if exact_change >= threshold:
                changes[(pid, cohort_id)].append(
                    f"{_person(people, pid).name}'s {lower_first(measure.label)} "
                    f"rose by {decimal_text(exact_change)} "
                    f"(target {decimal_text(target, signed=True)})"
                )
    out: list[StorySuggestion] = []
    for health in pairs:
        if health.status not in {"active", "completed"} or health.pair_id in with_story:
            continue
        if not (health.mentor.named and health.mentee.named):
            continue
        reasons: list[str] = []
        scores = ratings.get(health.pair_id, [])
        if held[health.pair_id] >= TOP_RATING_SESSIONS and scores:
            average = Fraction(sum(scores), len(scores))
            if average >= TOP_RATING:
                reasons.append(
                    f"average session rating {decimal_text(average)} out of 5 over "
                    f"{plural(held[health.pair_id], 'session')}"
                )
        for person in (health.mentor, health.mentee):
            reasons.extend(changes.get((person.id, health.cohort_id), []))
        if reasons:
            out.append(
                StorySuggestion(
                    pair_id=health.pair_id,
                    cohort_id=health.cohort_id,
                    cohort_name=health.cohort_name,
                    mentor=health.mentor,
                    mentee=health.mentee,
                    status=health.status,
                    reasons=tuple(reasons),
                )
            )
    return tuple(out)


# --- tables and HTML --------------------------------------------------------------------------


def _rating(value: float | None) -> str:
    return "" if value is None else decimal_text(Fraction(repr(value)))


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def report_tables(report: HealthReport) -> dict[str, tuple[tuple[str, ...], list[dict[str, str]]]]:
    """Return every table of the report as (columns, rows of text), keyed by its file suffix."""
    pairs = [
        {
            "pair_id": p.pair_id,
            "cohort": p.cohort_id,
            "mentor_id": p.mentor.id,
            "mentor_name": p.mentor.name,
            "mentee_id": p.mentee.id,
            "mentee_name": p.mentee.name,
            "status": p.status,
            "sessions_held": str(p.held),
            "sessions_planned": str(p.planned),
            "sessions_cancelled": str(p.cancelled),
            "last_session": _date(p.last_session),
            "days_since_last_session": "" if p.days_since is None else str(p.days_since),
            "mentor_rating": _rating(p.mentor_rating),
            "mentee_rating": _rating(p.mentee_rating),
            "flags": "; ".join(f.key for f in p.flags),
        }
        for p in report.pairs
    ]
    flags = [
        {
            "pair_id": p.pair_id,
            "cohort": p.cohort_id,
            "mentor_name": p.mentor.name,
            "mentee_name": p.mentee.name,
            "flag": f.key,
            "detail": f.detail,
        }
        for p in report.pairs
        for f in p.flags
    ]
    rates = [
        {
            "cohort": r.cohort_id,
            "role": r.role,
            "survey": r.phase,
            "asked": str(r.expected),
            "answered": str(r.answered),
            "response_rate": r.rate_text,
            "not_answered": "; ".join(p.label for p in r.missing),
        }
        for r in report.response_rates
    ]
    consent = [
        {
            "story": w.story_title,
            "file": w.story_file,
            "pair_id": w.pair_id,
            "cohort": w.cohort_id,
            "waiting_for": "; ".join(p.label for p in w.waiting),
            "consented": "; ".join(f"{p.label} on {day.isoformat()}" for p, day in w.consented),
            "note": w.note,
        }
        for w in report.awaiting_consent
    ]
    suggestions = [
        {
            "pair_id": s.pair_id,
            "cohort": s.cohort_id,
            "mentor_id": s.mentor.id,
            "mentor_name": s.mentor.name,
            "mentee_id": s.mentee.id,
            "mentee_name": s.mentee.name,
            "status": s.status,
            "why": "; ".join(s.reasons),
        }
        for s in report.suggestions
    ]
    columns = {
        "pairs": (pairs, PAIR_COLUMNS),
        "flags": (flags, ("pair_id", "cohort", "mentor_name", "mentee_name", "flag", "detail")),
        "response-rates": (
            rates,
            ("cohort", "role", "survey", "asked", "answered", "response_rate", "not_answered"),
        ),
        "stories-awaiting-consent": (
            consent,
            ("story", "file", "pair_id", "cohort", "waiting_for", "consented", "note"),
        ),
        "story-suggestions": (
            suggestions,
            (
                "pair_id",
                "cohort",
                "mentor_id",
                "mentor_name",
                "mentee_id",
                "mentee_name",
                "status",
                "why",
            ),
        ),
    }
    return {name: (cols, rows) for name, (rows, cols) in columns.items()}


PAIR_COLUMNS = (
    "pair_id",
    "cohort",
    "mentor_id",
    "mentor_name",
    "mentee_id",
    "mentee_name",
    "status",
    "sessions_held",
    "sessions_planned",
    "sessions_cancelled",
    "last_session",
    "days_since_last_session",
    "mentor_rating",
    "mentee_rating",
    "flags",
)


def table_csv(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    """Return a table as CSV text whose cells can never run as spreadsheet formulas."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(row.get(k, "")) for k in columns} for row in rows)
    return buffer.getvalue()


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["longdate"] = lambda d: long_date(d) if d else ""
    env.filters["rating"] = _rating
    return env


def render_report_html(report: HealthReport) -> str:
    """Render the report as one self-contained HTML page (inline CSS, no script, no requests)."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        marker=PRIVATE_MARKER,
        rules=FLAG_RULES,
        counts=report.flag_counts(),
        plural=plural,
    )


def report_stem(cohort_id: str | None) -> str:
    """Return the report's file name stem: health-report or health-report-<cohort>."""
    return f"health-report-{cohort_id}" if cohort_id else "health-report"


def default_report_folder(project: Project) -> Path:
    """Return where the report goes by default: reports/ beside the pairs table."""
    return private_folder(project, REPORTS_FOLDER)


def write_health_report(project: Project, report: HealthReport, folder: Path) -> tuple[Path, ...]:
    """Write the HTML report and one CSV per table into *folder*; return the files written."""
    check_output_path(project, folder, "--out", what="the programme-health report")
    stem = report_stem(report.cohort_id)
    written: list[Path] = []
    html_path = folder / f"{stem}.html"
    write_atomically(html_path, render_report_html(report), "utf-8")
    written.append(html_path)
    for name, (columns, rows) in report_tables(report).items():
        path = folder / f"{stem}-{name}.csv"
        # UTF-8 with BOM, so spreadsheets read names correctly (as the match proposals).
        write_atomically(path, table_csv(columns, rows), "utf-8-sig")
        written.append(path)
    return tuple(written)
