"""Impact: the success measures and programme figures, aggregated and safe to publish.

`compute_impact` is pure: it reads a validated (private) Project and returns an `Impact` of
frozen value objects holding only aggregates: no rows, no ids, no names. Every figure comes
twice, as the exact value (``Value.raw``, a float, or None when it is not shown) and as the text
a page prints (``Value.text``: "3.2", "+0.8", "71%", "fewer than 5"), rounded half away from zero
from exact fractions, so the same data always gives the same text on every machine.

What is measured
----------------
For each success measure, per completed cohort (its end date is before today) and over all
completed cohorts: the people of the role(s) the measure applies to (their role in the
participants table) who gave both a pre and a post answer for it in that cohort. The mean change
is paired, the mean of (post − pre) over those people, so someone who answered once never skews
it. A running or future cohort has no numbers, only "results after <end date>". Programme
figures count pairs that started (active, paused, completed or withdrawn) in completed cohorts.

With ``privacy.unconsented_pairs: omit``, a pair in which someone has not consented is left out
entirely, and so are its two people's survey answers and everyone else without consent.

Suppression (DESIGN.md, privacy rule 4)
---------------------------------------
1. A group (one cohort of one measure) of fewer than ``privacy.min_group_size`` people is not
   shown: every one of its figures is None and its n reads "fewer than 5". A group with nobody
   in it reads "no answers": a zero reveals nothing about anyone. The same holds for programme
   figures, counted in pairs.
2. No figure may let a hidden group be worked out. The danger is the overall: overall minus the
   cohorts shown would give the hidden ones. Hiding one more cohort, or the overall, is not
   enough either, because the portal keeps its history: last month's overall minus this
   month's gives the cohort that ended in between. So the overall is never "all the data" but
   the sum of parts that can each be seen in public, at any time:
   - every cohort that is shown, and
   - hidden cohorts released in batches: walking the completed cohorts in the order they ended,
     hidden ones wait in a batch until the batch holds at least the minimum group size of
     people, and only then is the whole batch added to the overall (its cohorts stay hidden).
   Overall minus the cohorts shown is then a union of whole batches, never fewer than the
   minimum group size; from one day to the next the overall grows by a shown cohort or by a
   whole batch. The overall says which cohorts it counts and which are still waiting.
3. A group below ``SMALL_GROUP`` (10) people is marked ``small`` ("based on 7 people") and has no
   interval; from 10 up the mean change has a 95% t-interval.

Left to the caller: answers that arrive after a cohort has ended change its figures, and the
change between two builds is about the late answers alone; a page shows the figures of one
build.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from generator.config import Cohort, SuccessMeasure
from generator.model import Pair, Project

OVERALL = "overall"
OVERALL_NAME = "All completed cohorts"
# Below this many people a page says "based on 7 people" and no interval is computed.
SMALL_GROUP = 10
CONFIDENCE = 0.95
NOT_SHOWN = "not shown"
STARTED_STATUSES = frozenset({"active", "paused", "completed", "withdrawn"})
APPROVED_STATUSES = frozenset({"active", "paused", "completed"})

Phase = Literal["completed", "running", "upcoming"]
# shown: numbers; suppressed: too few to show; no-data: nobody to count; pending: not ended yet.
Status = Literal["shown", "suppressed", "no-data", "pending"]
Audience = Literal["mentees", "mentors", "both"]
AUDIENCE_NOUNS: Mapping[str, str] = {
    "mentees": "mentees",
    "mentors": "mentors",
    "both": "participants",
}
ROLES_OF: Mapping[str, frozenset[str]] = {
    "mentees": frozenset({"mentee"}),
    "mentors": frozenset({"mentor"}),
    "both": frozenset({"mentor", "mentee"}),
}


# --- the value objects ------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One figure: its exact value (None when not shown) and the text a page prints."""

    raw: float | None
    text: str

    @property
    def shown(self) -> bool:
        """Whether the figure may be shown."""
        return self.raw is not None


@dataclass(frozen=True)
class Interval:
    """A confidence interval of the mean change per person."""

    level: float
    low: Value
    high: Value
    text: str


@dataclass(frozen=True)
class MeasureResult:
    """One success measure over one group: a cohort, or the overall."""

    scope: str
    scope_name: str
    status: Status
    note: str
    n: Value
    before: Value
    after: Value
    change: Value
    improved: Value
    improved_count: Value
    met: bool | None
    verdict: str
    interval: Interval | None
    interval_note: str
    small: bool
    based_on: str
    # The cohorts whose answers these figures count (their ids are public: they are config).
    cohorts: tuple[str, ...]


@dataclass(frozen=True)
class MeasureImpact:
    """A success measure against its target, per cohort and overall."""

    key: str
    label: str
    applies_to: Audience
    audience: str
    scale_min: int
    scale_max: int
    target: Value
    cohorts: tuple[MeasureResult, ...]
    overall: MeasureResult


@dataclass(frozen=True)
class ProgrammeResult:
    """Programme figures over one group of pairs: a cohort, or the overall."""

    scope: str
    scope_name: str
    status: Status
    note: str
    pairs: Value
    sessions_held: Value
    sessions_planned: Value
    sessions_share: Value
    held_at_least_one: Value
    held_at_least_three: Value
    held_all: Value
    completion: Value
    withdrawal: Value
    rating: Value
    small: bool
    based_on: str
    cohorts: tuple[str, ...]


@dataclass(frozen=True)
class ProgrammeImpact:
    """Sessions, completion and ratings, per completed cohort and overall."""

    cohorts: tuple[ProgrammeResult, ...]
    overall: ProgrammeResult


@dataclass(frozen=True)
class Impact:
    """Everything the impact page may show: aggregates only, small groups suppressed."""

    as_of: dt.date
    min_group_size: int
    measures: tuple[MeasureImpact, ...]
    programme: ProgrammeImpact

    def measure(self, key: str) -> MeasureImpact | None:
        """Return the measure with this key, if any."""
        return next((m for m in self.measures if m.key == key), None)


# --- numbers and words ------------------------------------------------------------------------

MINUS = "\u2212"


def exact(value: float) -> Fraction:
    """Return a score or target as the decimal it was written as (0.8 is 4/5, not a float)."""
    return Fraction(repr(float(value)))


def round_half_up(value: Fraction, places: int) -> Fraction:
    """Round exactly, halves away from zero (2.25 → 2.3, −0.25 → −0.3)."""
    scale = 10**places
    units, rest = divmod(abs(value) * scale, 1)
    whole = int(units) + (1 if rest * 2 >= 1 else 0)
    return Fraction(-whole if value < 0 else whole, scale)


def decimal_text(value: Fraction, places: int = 1, signed: bool = False) -> str:
    """Format a number for a page: '3.2', or with *signed* '+0.8', '−0.3' and '0.0'."""
    rounded = round_half_up(value, places)
    scaled = abs(rounded) * 10**places
    digits = str(int(scaled)).rjust(places + 1, "0")
    text = digits[:-places] + "." + digits[-places:] if places else digits
    if rounded < 0:
        return MINUS + text
    return "+" + text if signed and rounded > 0 else text


def percent_text(share: Fraction) -> str:
    """Format a share as a whole percentage: '71%'."""
    return f"{int(round_half_up(share * 100, 0))}%"


def lower_first(label: str) -> str:
    """Lower-case a label's first letter to use it mid-sentence, unless it starts an acronym."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def long_date(day: dt.date) -> str:
    """Format a date as '18 December 2026'."""
    return f"{day.day} {day:%B %Y}"


def _number(value: Fraction, places: int = 1, signed: bool = False) -> Value:
    return Value(float(value), decimal_text(value, places, signed))


def _count(value: int) -> Value:
    return Value(float(value), str(value))


def _share(part: int, whole: int) -> Value:
    share = Fraction(part, whole)
    return Value(float(share), percent_text(share))


def _hidden(text: str = NOT_SHOWN) -> Value:
    return Value(None, text)


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def _pairs(n: int) -> str:
    return f"{n} {'pair' if n == 1 else 'pairs'}"


def _names(cohorts: Sequence[Cohort]) -> str:
    names = [c.name for c in cohorts]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- Student's t ------------------------------------------------------------------------------


def t_quantile(p: float, df: int) -> float:
    """Return the *p* quantile of Student's t with *df* degrees of freedom.

    scipy.special is imported here, not at the top: it costs a third of a second, and only a
    group of at least 10 people (an interval) needs it. (scipy.stats would cost over a second.)
    """
    from scipy.special import stdtrit

    return float(stdtrit(df, p))


# --- groups and pooling -----------------------------------------------------------------------


def cohort_phase(cohort: Cohort, today: dt.date) -> Phase:
    """Return whether a cohort has completed (ended before today), is running, or is upcoming."""
    if cohort.end < today:
        return "completed"
    return "running" if cohort.start <= today else "upcoming"


@dataclass(frozen=True)
class _Pooling:
    """Which completed cohorts are shown, which count in the overall, and which wait."""

    shown: frozenset[str]
    pooled: tuple[str, ...]
    released: tuple[str, ...]
    waiting: tuple[str, ...]


def pool_groups(sizes: Sequence[tuple[str, int]], minimum: int) -> _Pooling:
    """Decide, for groups in the order they ended, which are shown and which the overall counts.

    A group of at least *minimum* is shown and counted. Smaller groups wait in a batch that is
    counted (its groups still hidden) once it holds at least *minimum*; empty groups are nothing.
    """
    shown: list[str] = []
    pooled: list[str] = []
    released: list[str] = []
    batch: list[str] = []
    waiting_size = 0
    for scope, size in sizes:
        if size == 0:
            continue
        if size >= minimum:
            shown.append(scope)
            pooled.append(scope)
            continue
        batch.append(scope)
        waiting_size += size
        if waiting_size >= minimum:
            pooled.extend(batch)
            released.extend(batch)
            batch, waiting_size = [], 0
    return _Pooling(frozenset(shown), tuple(pooled), tuple(released), tuple(batch))


def _completed_in_order(project: Project) -> list[Cohort]:
    done = [c for c in project.config.cohorts if cohort_phase(c, project.today) == "completed"]
    return sorted(done, key=lambda c: (c.end, c.id))


def _omitted_people(project: Project) -> frozenset[str]:
    """Return who is left out of every figure under ``unconsented_pairs: omit`` (else nobody)."""
    if project.config.privacy.unconsented_pairs != "omit":
        return frozenset()
    people = project.participant_index()
    out = {pid for pid, person in people.items() if not person.is_named}
    for pair in project.pairs:
        if pair.status in STARTED_STATUSES and {pair.mentor_id, pair.mentee_id} & out:
            out |= {pair.mentor_id, pair.mentee_id}
    return frozenset(out)


# --- success measures -------------------------------------------------------------------------

# (before, after) answers as read; made exact (`exact`) once per distinct pair when summed.
Scores = list[tuple[float, float]]


def _paired_answers(
    project: Project, measures: Sequence[SuccessMeasure]
) -> dict[tuple[str, str], Scores]:
    """Return, per (measure key, cohort id), the sorted (pre, post) answers of eligible people."""
    roles = {p.id: p.role for p in project.participants}
    omitted = _omitted_people(project)
    answers: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
    for response in project.surveys:
        if response.participant_id in omitted:
            continue
        for measure in measures:
            score = response.scores.get(measure.survey_field)
            if (
                score is None
                or roles.get(response.participant_id) not in ROLES_OF[measure.applies_to]
            ):
                continue
            answers[(measure.key, response.cohort, response.phase)][response.participant_id] = score
    out: dict[tuple[str, str], Scores] = {}
    for measure in measures:
        for cohort in project.config.cohorts:
            pre = answers.get((measure.key, cohort.id, "pre"), {})
            post = answers.get((measure.key, cohort.id, "post"), {})
            out[(measure.key, cohort.id)] = sorted(
                (pre[pid], post[pid]) for pid in pre.keys() & post.keys()
            )
    return out


def _measure_figures(
    scores: Scores,
    target: Fraction,
    scope: str,
    scope_name: str,
    note: str,
    cohorts: tuple[str, ...],
) -> MeasureResult:
    """Compute the figures of a group large enough to show."""
    n = len(scores)
    # Answers take a handful of values: summing each distinct pair once, times how many gave
    # it, keeps the arithmetic exact and fast (thousands of people, a few dozen pairs).
    counts = {(exact(b), exact(a)): k for (b, a), k in Counter(scores).items()}
    before = sum((b * k for (b, _), k in counts.items()), Fraction(0)) / n
    after = sum((a * k for (_, a), k in counts.items()), Fraction(0)) / n
    change = after - before
    improved = sum(k for (b, a), k in counts.items() if a > b)
    met = change >= target
    interval: Interval | None = None
    interval_note = "too few answers for an interval"
    if n >= SMALL_GROUP:
        variance = sum(((a - b - change) ** 2 * k for (b, a), k in counts.items()), Fraction(0)) / (
            n - 1
        )
        half = t_quantile(0.5 + CONFIDENCE / 2, n - 1) * math.sqrt(variance) / math.sqrt(n)
        # The half-width is irrational; its float is exact enough to round for display.
        low, high = change - Fraction(half), change + Fraction(half)
        low_text, high_text = decimal_text(low, signed=True), decimal_text(high, signed=True)
        interval = Interval(
            level=CONFIDENCE,
            low=Value(float(low), low_text),
            high=Value(float(high), high_text),
            text=f"{round(CONFIDENCE * 100)}% interval of the mean change: {low_text} to "
            f"{high_text}",
        )
        interval_note = ""
    small = n < SMALL_GROUP
    return MeasureResult(
        scope=scope,
        scope_name=scope_name,
        status="shown",
        note=note,
        n=_count(n),
        before=_number(before),
        after=_number(after),
        change=_number(change, signed=True),
        improved=_share(improved, n),
        improved_count=_count(improved),
        met=met,
        verdict="target met" if met else "target missed",
        interval=interval,
        interval_note=interval_note,
        small=small,
        based_on=f"based on {_people(n)}" if small else "",
        cohorts=cohorts,
    )


def _measure_without_figures(
    scope: str,
    scope_name: str,
    status: Status,
    note: str,
    n_text: str,
    cohorts: tuple[str, ...] = (),
) -> MeasureResult:
    """Return a group whose figures are not shown: too small, empty, or not ended yet."""
    return MeasureResult(
        scope=scope,
        scope_name=scope_name,
        status=status,
        note=note,
        n=_hidden(n_text),
        before=_hidden(),
        after=_hidden(),
        change=_hidden(),
        improved=_hidden(),
        improved_count=_hidden(),
        met=None,
        verdict="",
        interval=None,
        interval_note="",
        small=False,
        based_on="",
        cohorts=cohorts,
    )


def _results_after(cohort: Cohort) -> str:
    return f"results after {long_date(cohort.end)}"


def _measure_impact(
    project: Project, measure: SuccessMeasure, answers: Mapping[tuple[str, str], Scores]
) -> MeasureImpact:
    minimum = project.config.privacy.min_group_size
    target = exact(measure.target_change)
    completed = _completed_in_order(project)
    sizes = [(c.id, len(answers[(measure.key, c.id)])) for c in completed]
    pooling = pool_groups(sizes, minimum)
    fewer = f"fewer than {minimum}"
    too_few = f"fewer than {minimum} {AUDIENCE_NOUNS[measure.applies_to]} answered both surveys"
    results: list[MeasureResult] = []
    for cohort in project.config.cohorts:
        scores = answers[(measure.key, cohort.id)]
        phase = cohort_phase(cohort, project.today)
        if phase != "completed":
            results.append(
                _measure_without_figures(
                    cohort.id, cohort.name, "pending", _results_after(cohort), NOT_SHOWN
                )
            )
        elif cohort.id in pooling.shown:
            results.append(
                _measure_figures(scores, target, cohort.id, cohort.name, "", (cohort.id,))
            )
        elif not scores:
            results.append(
                _measure_without_figures(
                    cohort.id,
                    cohort.name,
                    "no-data",
                    f"no {AUDIENCE_NOUNS[measure.applies_to]} answered both surveys",
                    "no answers",
                )
            )
        else:
            results.append(
                _measure_without_figures(cohort.id, cohort.name, "suppressed", too_few, fewer)
            )
    overall = _overall_measure(project, measure, answers, pooling, completed, target)
    return MeasureImpact(
        key=measure.key,
        label=measure.label,
        applies_to=measure.applies_to,
        audience=AUDIENCE_NOUNS[measure.applies_to],
        scale_min=measure.scale_min,
        scale_max=measure.scale_max,
        target=_number(target, signed=True),
        cohorts=tuple(results),
        overall=overall,
    )


def _pool_note(cohorts: Mapping[str, Cohort], pooling: _Pooling) -> str:
    """Explain which hidden cohorts the overall counts and which it leaves out for now."""
    notes = []
    if pooling.released:
        released = [cohorts[c] for c in pooling.released]
        one = len(released) == 1
        notes.append(
            f"counts {_names(released)}, too small to show on {'its' if one else 'their'} own"
        )
    if pooling.waiting:
        waiting = [cohorts[c] for c in pooling.waiting]
        one = len(waiting) == 1
        notes.append(
            f"{_names(waiting)} {'is' if one else 'are'} too small to show and will be counted "
            "together with later cohorts"
        )
    return "; ".join(notes)


def _overall_measure(
    project: Project,
    measure: SuccessMeasure,
    answers: Mapping[tuple[str, str], Scores],
    pooling: _Pooling,
    completed: Sequence[Cohort],
    target: Fraction,
) -> MeasureResult:
    minimum = project.config.privacy.min_group_size
    by_id = {c.id: c for c in project.config.cohorts}
    if not completed:
        first = min(project.config.cohorts, key=lambda c: (c.end, c.id))
        return _measure_without_figures(
            OVERALL, OVERALL_NAME, "pending", _results_after(first), NOT_SHOWN
        )
    pooled: Scores = sorted(s for c in pooling.pooled for s in answers[(measure.key, c)])
    note = _pool_note(by_id, pooling)
    if pooled:
        return _measure_figures(pooled, target, OVERALL, OVERALL_NAME, note, pooling.pooled)
    if pooling.waiting:
        return _measure_without_figures(
            OVERALL,
            OVERALL_NAME,
            "suppressed",
            f"fewer than {minimum} {AUDIENCE_NOUNS[measure.applies_to]} answered both surveys",
            f"fewer than {minimum}",
        )
    return _measure_without_figures(
        OVERALL,
        OVERALL_NAME,
        "no-data",
        f"no {AUDIENCE_NOUNS[measure.applies_to]} answered both surveys",
        "no answers",
    )


# --- programme figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class _PairTally:
    """One started pair's counts (private; never leaves this module)."""

    status: str
    planned: int
    held: int
    rating_sum: int
    rating_count: int
    visible: bool  # it has a pair page, which shows its sessions and status one by one


def _pair_tallies(project: Project) -> dict[str, list[_PairTally]]:
    """Return, per cohort id, the tallies of its started pairs (unconsented ones omitted if so)."""
    omitted = _omitted_people(project)
    cohorts = {c.id: c for c in project.config.cohorts}
    held: dict[str, int] = defaultdict(int)
    rating_sum: dict[str, int] = defaultdict(int)
    rating_count: dict[str, int] = defaultdict(int)
    for session in project.sessions:
        if session.status != "held":
            continue
        pair_id = session.pair_id
        held[pair_id] += 1
        for rating in (session.mentor_rating, session.mentee_rating):
            if rating is not None:
                rating_sum[pair_id] += rating
                rating_count[pair_id] += 1
    visible = project.published_pairs
    out: dict[str, list[_PairTally]] = defaultdict(list)
    for pair in sorted(project.pairs, key=lambda p: p.pair_id):
        if pair.status not in STARTED_STATUSES or pair.cohort not in cohorts:
            continue
        if {pair.mentor_id, pair.mentee_id} & omitted:
            continue
        out[pair.cohort].append(
            _PairTally(
                status=pair.status,
                planned=cohorts[pair.cohort].sessions,
                held=held[pair.pair_id],
                rating_sum=rating_sum[pair.pair_id],
                rating_count=rating_count[pair.pair_id],
                visible=pair.pair_id in visible,
            )
        )
    return out


def countable(pairs: Sequence[tuple[bool, bool]], minimum: int) -> bool:
    """Whether a sum over one cohort's pairs, given as (has a page, approved), may include the
    ones without a page.

    A pair page shows its sessions and status one by one, so a total minus what the pair pages
    show gives the pairs without a page. That is harmless when there are none or at least
    *minimum* of them, counting both every pair without a page (the shares) and the approved
    ones among them (withdrawn pairs add nothing to the sessions, so they are no cover there).
    Otherwise a total may count only the pairs with a page. Decided cohort by cohort, so a
    total over several cohorts minus one cohort's figures gives nothing either.
    """
    hidden = sum(1 for visible, _ in pairs if not visible)
    approved = sum(1 for visible, ok in pairs if not visible and ok)
    return (hidden == 0 or hidden >= minimum) and (approved == 0 or approved >= minimum)


def _countable_tallies(
    groups: Sequence[Sequence[_PairTally]], minimum: int
) -> tuple[list[_PairTally], int]:
    """Return the tallies a total may count, cohort by cohort, and how many were left out."""
    kept: list[_PairTally] = []
    left_out = 0
    for group in groups:
        if countable([(t.visible, t.status in APPROVED_STATUSES) for t in group], minimum):
            kept += group
        else:
            shown = [t for t in group if t.visible]
            left_out += len(group) - len(shown)
            kept += shown
    return kept, left_out


def _programme_figures(
    groups: Sequence[Sequence[_PairTally]],
    scope: str,
    scope_name: str,
    note: str,
    cohorts: tuple[str, ...],
    minimum: int,
) -> ProgrammeResult:
    """Compute the figures of a group of pairs large enough to show.

    Session ratings are never shown pair by pair, so their average is over every pair. The
    counts that pair pages do show are over the pairs with a page only, unless the pairs
    without one are at least *minimum* (see `countable`).
    """
    note = f"The overall {note}." if note else ""
    everyone = [t for group in groups for t in group]
    rated = sum(t.rating_count for t in everyone)
    rating = (
        _number(Fraction(sum(t.rating_sum for t in everyone), rated))
        if rated
        else _hidden("no ratings")
    )
    withdrawal: Value | None = None
    tallies, left_out = _countable_tallies(groups, minimum)
    if left_out:
        note = " ".join(
            part
            for part in (
                note,
                f"Sessions and completion are counted over the {_pairs(len(tallies))} named on "
                f"this portal: the other {_pairs(left_out)} (not named, or withdrawn) are too "
                "few to count without giving their figures away.",
            )
            if part
        )
        withdrawal = _hidden(f"not shown: fewer than {minimum} pairs withdrew or are not named")
    n = len(tallies)
    approved = [t for t in tallies if t.status in APPROVED_STATUSES]
    held = sum(t.held for t in approved)
    planned = sum(t.planned for t in approved)
    # Extra sessions of one pair must not hide the sessions another pair missed.
    held_of_planned = sum(min(t.held, t.planned) for t in approved)
    small = n < SMALL_GROUP
    if not n:
        return _programme_without_figures(
            scope, scope_name, "suppressed", f"fewer than {minimum} pairs", f"fewer than {minimum}"
        )
    return ProgrammeResult(
        scope=scope,
        scope_name=scope_name,
        status="shown",
        note=note,
        pairs=_count(n),
        sessions_held=_count(held),
        sessions_planned=_count(planned),
        sessions_share=_share(held_of_planned, planned)
        if planned
        else _hidden("no sessions planned"),
        held_at_least_one=_share(sum(1 for t in tallies if t.held >= 1), n),
        held_at_least_three=_share(sum(1 for t in tallies if t.held >= 3), n),
        held_all=_share(sum(1 for t in tallies if t.held >= t.planned), n),
        completion=_share(sum(1 for t in tallies if t.status == "completed"), n),
        withdrawal=withdrawal or _share(sum(1 for t in tallies if t.status == "withdrawn"), n),
        rating=rating,
        small=small,
        based_on=f"based on {_pairs(n)}" if small else "",
        cohorts=cohorts,
    )


def _programme_without_figures(
    scope: str, scope_name: str, status: Status, note: str, n_text: str
) -> ProgrammeResult:
    hidden = _hidden()
    return ProgrammeResult(
        scope=scope,
        scope_name=scope_name,
        status=status,
        note=note,
        pairs=_hidden(n_text),
        sessions_held=hidden,
        sessions_planned=hidden,
        sessions_share=hidden,
        held_at_least_one=hidden,
        held_at_least_three=hidden,
        held_all=hidden,
        completion=hidden,
        withdrawal=hidden,
        rating=hidden,
        small=False,
        based_on="",
        cohorts=(),
    )


def _programme_impact(project: Project) -> ProgrammeImpact:
    minimum = project.config.privacy.min_group_size
    tallies = _pair_tallies(project)
    completed = _completed_in_order(project)
    pooling = pool_groups([(c.id, len(tallies.get(c.id, []))) for c in completed], minimum)
    fewer = f"fewer than {minimum}"
    results: list[ProgrammeResult] = []
    for cohort in project.config.cohorts:
        group = tallies.get(cohort.id, [])
        if cohort_phase(cohort, project.today) != "completed":
            results.append(
                _programme_without_figures(
                    cohort.id, cohort.name, "pending", _results_after(cohort), NOT_SHOWN
                )
            )
        elif cohort.id in pooling.shown:
            results.append(
                _programme_figures([group], cohort.id, cohort.name, "", (cohort.id,), minimum)
            )
        elif not group:
            results.append(
                _programme_without_figures(
                    cohort.id, cohort.name, "no-data", "no pairs started", "no pairs"
                )
            )
        else:
            results.append(
                _programme_without_figures(
                    cohort.id, cohort.name, "suppressed", f"fewer than {minimum} pairs", fewer
                )
            )
    by_id = {c.id: c for c in project.config.cohorts}
    pooled = [tallies.get(c, []) for c in pooling.pooled]
    if not completed:
        first = min(project.config.cohorts, key=lambda c: (c.end, c.id))
        overall = _programme_without_figures(
            OVERALL, OVERALL_NAME, "pending", _results_after(first), NOT_SHOWN
        )
    elif any(pooled):
        overall = _programme_figures(
            pooled, OVERALL, OVERALL_NAME, _pool_note(by_id, pooling), pooling.pooled, minimum
        )
    elif pooling.waiting:
        overall = _programme_without_figures(
            OVERALL, OVERALL_NAME, "suppressed", f"fewer than {minimum} pairs", fewer
        )
    else:
        overall = _programme_without_figures(
            OVERALL, OVERALL_NAME, "no-data", "no pairs started", "no pairs"
        )
    return ProgrammeImpact(cohorts=tuple(results), overall=overall)


# --- the entry points -------------------------------------------------------------------------


def compute_impact(project: Project) -> Impact:
    """Aggregate the success measures and programme figures, suppressing small groups."""
    measures = project.config.success_measures
    answers = _paired_answers(project, measures)
    return Impact(
        as_of=project.today,
        min_group_size=project.config.privacy.min_group_size,
        measures=tuple(_measure_impact(project, m, answers) for m in measures),
        programme=_programme_impact(project),
    )


def pooled_scores(project: Project, measure: MeasureImpact) -> tuple[tuple[float, float], ...]:
    """Return the (before, after) answers behind a measure's overall, sorted, with no ids.

    For drawing its chart only: empty when the overall is not shown, and only the pairs of
    answers that at least the minimum group size of people gave. The order is by value, so
    nothing about who answered survives.
    """
    if measure.overall.status != "shown":
        return ()
    config = next(m for m in project.config.success_measures if m.key == measure.key)
    answers = _paired_answers(project, [config])
    pooled = sorted(s for c in measure.overall.cohorts for s in answers[(measure.key, c)])
    # A (before, after) pair of answers given by fewer than the minimum group size is a small
    # group of its own: one line for one person would publish that person's two answers.
    counts = Counter(pooled)
    minimum = project.config.privacy.min_group_size
    return tuple((float(b), float(a)) for b, a in pooled if counts[(b, a)] >= minimum)


def person_changes(
    project: Project, measure: SuccessMeasure, cohort_ids: Iterable[str] | None = None
) -> dict[tuple[str, str], float]:
    """Return each eligible person's change (post − pre), by (participant id, cohort id).

    Private: for the programme-health report's story suggestions, never for a page.
    """
    wanted = None if cohort_ids is None else set(cohort_ids)
    roles = {p.id: p.role for p in project.participants}
    pre: dict[tuple[str, str], float] = {}
    post: dict[tuple[str, str], float] = {}
    for response in project.surveys:
        if wanted is not None and response.cohort not in wanted:
            continue
        score = response.scores.get(measure.survey_field)
        if score is None or roles.get(response.participant_id) not in ROLES_OF[measure.applies_to]:
            continue
        key = (response.participant_id, response.cohort)
        (pre if response.phase == "pre" else post)[key] = score
    return {
        key: float(exact(post[key]) - exact(pre[key])) for key in sorted(pre.keys() & post.keys())
    }


def headline_pairs(project: Project, impact: Impact) -> tuple[Pair, ...]:
    """Return the approved pairs a headline count (the home page's key figures) may include.

    Those of the completed cohorts the overall programme figures count, and those of the cohorts
    not yet completed when, together, they have at least the minimum group size of started
    pairs. Anything else would let a headline minus the impact page's overall give a suppressed
    cohort (or the few pairs of a cohort that withdrew).
    """
    minimum = project.config.privacy.min_group_size
    omitted = _omitted_people(project)
    started: dict[str, list[Pair]] = defaultdict(list)
    for pair in sorted(project.pairs, key=lambda p: p.pair_id):
        if pair.status in STARTED_STATUSES and not {pair.mentor_id, pair.mentee_id} & omitted:
            started[pair.cohort].append(pair)
    counted = set(impact.programme.overall.cohorts)
    later = [c.id for c in project.config.cohorts if cohort_phase(c, project.today) != "completed"]
    if sum(len(started[c]) for c in later) >= minimum:
        counted.update(later)
    return tuple(
        p
        for c in project.config.cohorts
        if c.id in counted
        for p in started[c.id]
        if p.status in APPROVED_STATUSES
    )
