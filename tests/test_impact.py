"""Impact: demo figures checked against an independent computation, and suppression."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import statistics
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from generator.impact import (
    Impact,
    MeasureImpact,
    Value,
    compute_impact,
    decimal_text,
    percent_text,
    pool_groups,
    t_quantile,
)
from generator.model import Project
from generator.pipeline import load_project
from tests.conftest import TODAY
from tests.scratch import PROGRAMME, edited

# --- an independent computation from the CSV files --------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def paired(root: Path, field: str, role: str, cohort: str) -> list[tuple[Fraction, Fraction]]:
    """Return (pre, post) of the people of *role* who answered *field* in both surveys."""
    data = root / "content" / "data"
    roles = {row["id"]: row["role"] for row in read_csv(data / "participants.csv")}
    answers: dict[str, dict[str, Fraction]] = {"pre": {}, "post": {}}
    for row in read_csv(data / "surveys.csv"):
        if row["cohort"] == cohort and row[field].strip() and roles[row["participant_id"]] == role:
            answers[row["phase"]][row["participant_id"]] = Fraction(row[field])
    both = sorted(answers["pre"].keys() & answers["post"].keys())
    return [(answers["pre"][p], answers["post"][p]) for p in both]


def one_decimal(value: Fraction, signed: bool = False) -> str:
    text = str(
        (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    )
    text = text.replace("-", "\u2212")
    return "+" + text if signed and value > 0 else text


DEMO_MEASURES = {
    # key: (survey column, whose answers count, target)
    "digital_confidence": ("digital_confidence", "mentee", Fraction("1.0")),
    "understanding": ("understanding", "mentee", Fraction("0.8")),
    "belonging": ("belonging", "mentor", Fraction("0.5")),
    "intent_to_stay": ("intent_to_stay", "mentor", Fraction("0.5")),
}


@pytest.fixture
def demo_project(demo: Path) -> Project:
    return load_project(demo, today=TODAY)


@pytest.mark.parametrize("key", sorted(DEMO_MEASURES))
def test_demo_cohort_1_matches_an_independent_computation(
    demo: Path, demo_project: Project, key: str
) -> None:
    field, role, target = DEMO_MEASURES[key]
    scores = paired(demo, field, role, "c1-2025")
    n = len(scores)
    before = statistics.mean(b for b, _ in scores)
    after = statistics.mean(a for _, a in scores)
    change = statistics.mean(a - b for b, a in scores)
    improved = sum(1 for b, a in scores if a > b)

    measure = compute_impact(demo_project).measure(key)
    assert measure is not None
    cohort = next(r for r in measure.cohorts if r.scope == "c1-2025")
    assert cohort.status == "shown"
    assert cohort.n == Value(float(n), str(n))
    assert cohort.before.raw == pytest.approx(float(before))
    assert cohort.after.raw == pytest.approx(float(after))
    assert cohort.change.raw == pytest.approx(float(change))
    assert (cohort.before.text, cohort.after.text) == (one_decimal(before), one_decimal(after))
    assert cohort.change.text == one_decimal(change, signed=True)
    assert cohort.improved_count.raw == improved
    assert cohort.improved.text == f"{round(Decimal(improved * 100) / n):.0f}%"
    assert cohort.met is (change >= target)
    assert cohort.verdict == ("target met" if change >= target else "target missed")
    assert measure.target.text == one_decimal(target, signed=True)
    # Fewer than 10 people: marked small, no interval.
    assert cohort.small and cohort.based_on == f"based on {n} people"
    assert cohort.interval is None
    assert cohort.interval_note == "too few answers for an interval"
    # Cohort 1 is the only completed cohort: the overall is cohort 1.
    assert measure.overall.n == cohort.n and measure.overall.change == cohort.change
    assert measure.overall.cohorts == ("c1-2025",)


def test_demo_figures_in_words(demo_project: Project) -> None:
    rows = {
        m.key: (m.overall.n.text, m.overall.before.text, m.overall.after.text,
                m.overall.change.text, m.target.text, m.overall.verdict)
        for m in compute_impact(demo_project).measures
    }  # fmt: skip
    assert rows == {
        "digital_confidence": ("8", "2.0", "3.1", "+1.1", "+1.0", "target met"),
        "understanding": ("8", "2.6", "4.0", "+1.4", "+0.8", "target met"),
        "belonging": ("7", "2.9", "4.0", "+1.1", "+0.5", "target met"),
        "intent_to_stay": ("8", "3.0", "3.9", "+0.9", "+0.5", "target met"),
    }


def test_running_and_future_cohorts_say_when_results_come(demo_project: Project) -> None:
    for measure in compute_impact(demo_project).measures:
        by_scope = {r.scope: r for r in measure.cohorts}
        assert by_scope["c2-2026"].status == "pending"
        assert by_scope["c2-2026"].note == "results after 18 December 2026"
        assert by_scope["c3-2027"].note == "results after 30 July 2027"
        assert not by_scope["c2-2026"].n.shown and not by_scope["c2-2026"].change.shown


def test_demo_programme_figures_match_the_tables(demo: Path, demo_project: Project) -> None:
    data = demo / "content" / "data"
    named = {r["id"] for r in read_csv(data / "participants.csv") if r["consent"] == "named"}
    pairs = [p for p in read_csv(data / "pairs.csv") if p["cohort"] == "c1-2025"]
    started = [p for p in pairs if p["status"] != "proposed"]
    sessions = [s for s in read_csv(data / "sessions.csv") if s["status"] == "held"]
    ratings = [
        int(s[c])
        for s in sessions
        if s["pair_id"] in {p["pair_id"] for p in started}
        for c in ("mentor_rating", "mentee_rating")
        if s[c]
    ]
    # 2 of the 9 started pairs have no page (fewer than 5): the counts pair pages also show
    # are over the 7 with a page; ratings, never shown pair by pair, over all 9.
    shown = [
        p
        for p in started
        if p["status"] in {"active", "paused", "completed"}
        and {p["mentor_id"], p["mentee_id"]} <= named
    ]
    assert (len(started), len(shown)) == (9, 7)
    held = {p["pair_id"]: sum(1 for s in sessions if s["pair_id"] == p["pair_id"]) for p in shown}
    n = len(shown)
    figures = compute_impact(demo_project).programme
    c1 = next(r for r in figures.cohorts if r.scope == "c1-2025")
    assert c1.pairs.raw == n
    assert c1.sessions_held.raw == sum(held.values())
    assert c1.sessions_planned.raw == 6 * n
    assert c1.sessions_share.raw == pytest.approx(sum(min(h, 6) for h in held.values()) / (6 * n))
    assert c1.held_at_least_one.raw == pytest.approx(sum(h >= 1 for h in held.values()) / n)
    assert c1.held_at_least_three.raw == pytest.approx(sum(h >= 3 for h in held.values()) / n)
    assert c1.held_all.raw == pytest.approx(sum(h >= 6 for h in held.values()) / n)
    assert c1.completion.raw == pytest.approx(sum(p["status"] == "completed" for p in shown) / n)
    assert not c1.withdrawal.shown
    assert c1.rating.raw == pytest.approx(statistics.mean(ratings))
    assert c1.based_on == "based on 7 pairs"
    assert "named on this portal" in c1.note
    assert figures.overall.pairs == c1.pairs


def test_impact_holds_no_ids_or_names(demo: Path, demo_project: Project) -> None:
    text = repr(compute_impact(demo_project))
    data = demo / "content" / "data"
    for person in read_csv(data / "participants.csv"):
        assert person["id"] not in text
        assert person["name"] not in text
    for pair in read_csv(data / "pairs.csv"):
        assert pair["pair_id"] not in text


# --- scratch programmes -----------------------------------------------------------------------

GRADES = {"mentor": "A1", "mentee": "SCS1"}


def cohorts_yaml(cohorts: list[tuple[str, str, str]]) -> str:
    """Return the cohorts: block for (id, start, end) cohorts of 2 sessions."""
    lines = ["cohorts:"]
    for cid, start, end in cohorts:
        lines += [
            f"  - id: {cid}",
            f"    name: Cohort {cid}",
            f"    applications: {{opens: {start}, closes: {start}}}",
            f"    start: {start}",
            f"    end: {end}",
            "    sessions: 2",
            "    cadence_weeks: 4",
            "    session_minutes: 60",
        ]
    return "\n".join(lines) + "\n"


SCRATCH_COHORTS = """\
cohorts:
  - id: c1
    name: Cohort 1
    applications: {opens: 2026-01-05, closes: 2026-02-06}
    start: 2026-03-02
    end: 2026-08-28
    sessions: 2
    cadence_weeks: 4
    session_minutes: 60
"""
SCRATCH_MEASURE = (
    "  - {key: confidence, label: Digital confidence, survey_field: confidence, target_change: 1}\n"
)


@dataclasses.dataclass
class Scratch:
    """A scratch programme assembled row by row."""

    cohorts: list[tuple[str, str, str]]
    measures: str = SCRATCH_MEASURE
    extra_yaml: str = ""
    people: list[str] = dataclasses.field(default_factory=list)
    pairs: list[str] = dataclasses.field(default_factory=list)
    sessions: list[str] = dataclasses.field(default_factory=list)
    surveys: list[str] = dataclasses.field(default_factory=list)
    survey_columns: str = "confidence"

    def person(self, pid: str, role: str, cohort: str, consent: str = "named") -> str:
        self.people.append(
            f"{pid},Person {pid},{pid.lower()}@example.org,{role},{GRADES[role]},Dept {pid},"
            f"Job,HQ,,,,,,,,{cohort},{consent}"
        )
        return pid

    def answers(self, pid: str, cohort: str, pre: str, post: str | None) -> None:
        self.surveys.append(f"{pid},{cohort},pre,{pre}")
        if post is not None:
            self.surveys.append(f"{pid},{cohort},post,{post}")

    def write(self, make: Callable[..., Path]) -> Path:
        programme = edited(PROGRAMME, SCRATCH_COHORTS, cohorts_yaml(self.cohorts))
        programme = edited(programme, SCRATCH_MEASURE, self.measures) + self.extra_yaml
        header = (
            "id,name,email,role,grade,department,job_title,location,manager_id,"
            "skills_offered,skills_wanted,interests,bio,photo,pronouns,cohort,consent"
        )
        return make(
            {
                "programme.yaml": programme,
                "data/participants.csv": "\n".join([header, *self.people]) + "\n",
                "data/pairs.csv": "\n".join(
                    ["pair_id,mentor_id,mentee_id,cohort,status,start_date,goals", *self.pairs]
                )
                + "\n",
                "data/sessions.csv": "\n".join(
                    [
                        "pair_id,date,minutes,status,topics,mentor_rating,mentee_rating",
                        *self.sessions,
                    ]
                )
                + "\n",
                "data/surveys.csv": "\n".join(
                    [f"participant_id,cohort,phase,{self.survey_columns}", *self.surveys]
                )
                + "\n",
            }
        )

    def load(self, make: Callable[..., Path], today: dt.date = TODAY) -> Project:
        return load_project(self.write(make), today=today)


def people_answering(
    s: Scratch, cohort: str, count: int, start: int = 0, role: str = "mentee"
) -> None:
    """Add *count* people of *role* in *cohort* who each answered both surveys (+1 each)."""
    for i in range(start, start + count):
        pid = s.person(f"{cohort.upper()}X{i:03d}", role, cohort)
        s.answers(pid, cohort, str(1 + i % 3), str(2 + i % 3))


def values(obj: Any) -> Iterator[Value]:
    """Yield every Value inside a dataclass tree."""
    if isinstance(obj, Value):
        yield obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from values(getattr(obj, f.name))
    elif isinstance(obj, tuple):
        for item in obj:
            yield from values(item)


def only_measure(impact: Impact) -> MeasureImpact:
    assert len(impact.measures) == 1
    return impact.measures[0]


TWO_COHORTS = [("a", "2025-03-03", "2025-08-29"), ("b", "2026-03-02", "2026-08-28")]


# --- suppression ------------------------------------------------------------------------------


def test_a_measure_answered_by_four_people_is_not_shown(scratch: Callable[..., Path]) -> None:
    s = Scratch(cohorts=[("c1", "2026-03-02", "2026-08-28")])
    people_answering(s, "c1", 4)
    measure = only_measure(compute_impact(s.load(scratch)))
    for result in (*measure.cohorts, measure.overall):
        assert result.status == "suppressed"
        assert result.n.text == "fewer than 5"
        assert result.note == "fewer than 5 participants answered both surveys"
        assert result.met is None and result.verdict == ""
    # Not a single figure of the measure is shown (the target is configuration, not data).
    assert [v for v in values(measure) if v.shown] == [measure.target]


def test_five_people_are_enough(scratch: Callable[..., Path]) -> None:
    s = Scratch(cohorts=[("c1", "2026-03-02", "2026-08-28")])
    people_answering(s, "c1", 5)
    measure = only_measure(compute_impact(s.load(scratch)))
    assert measure.overall.status == "shown"
    assert measure.overall.n.text == "5" and measure.overall.based_on == "based on 5 people"


def test_the_overall_never_reveals_a_hidden_cohort_by_difference(
    scratch: Callable[..., Path],
) -> None:
    s = Scratch(cohorts=TWO_COHORTS)
    people_answering(s, "a", 4)
    people_answering(s, "b", 6)
    measure = only_measure(compute_impact(s.load(scratch)))
    a, b = measure.cohorts
    assert a.status == "suppressed" and b.status == "shown"
    overall = measure.overall
    # Overall minus cohort b is zero: cohort a's four answers are in no shown figure.
    assert overall.cohorts == ("b",)
    assert (overall.n, overall.before, overall.after, overall.change, overall.improved) == (
        b.n, b.before, b.after, b.change, b.improved,
    )  # fmt: skip
    assert overall.note == (
        "Cohort a is too small to show and will be counted together with later cohorts"
    )


def test_small_cohorts_count_in_the_overall_once_together_they_are_enough(
    scratch: Callable[..., Path],
) -> None:
    s = Scratch(cohorts=TWO_COHORTS)
    people_answering(s, "a", 3)
    people_answering(s, "b", 3, start=3)
    measure = only_measure(compute_impact(s.load(scratch)))
    assert [r.status for r in measure.cohorts] == ["suppressed", "suppressed"]
    assert measure.overall.status == "shown"
    assert measure.overall.n.text == "6"
    assert measure.overall.note == "counts Cohort a and Cohort b, too small to show on their own"


def test_the_overall_grows_only_by_shown_cohorts_or_whole_batches_over_time(
    scratch: Callable[..., Path],
) -> None:
    cohorts = [
        ("a", "2024-03-04", "2024-08-30"),
        ("b", "2025-03-03", "2025-08-29"),
        ("c", "2026-03-02", "2026-08-28"),
    ]
    s = Scratch(cohorts=cohorts)
    people_answering(s, "a", 7)
    people_answering(s, "b", 2, start=7)
    people_answering(s, "c", 4, start=9)
    root = s.write(scratch)
    days = [dt.date(2024, 9, 1), dt.date(2025, 9, 1), dt.date(2026, 9, 1)]
    overall = [only_measure(compute_impact(load_project(root, today=d))).overall for d in days]
    assert [o.n.text for o in overall] == ["7", "7", "13"]
    # Cohort b ends: the overall does not move (b alone would be revealed by the difference).
    assert overall[1].change == overall[0].change
    # Cohort c ends: b and c together (6 people) join at once; neither is shown alone.
    assert overall[2].cohorts == ("a", "b", "c")


@given(st.lists(st.integers(min_value=0, max_value=12), max_size=8), st.integers(2, 6))
def test_pooling_never_lets_a_small_group_be_worked_out(sizes: list[int], minimum: int) -> None:
    groups = [(f"g{i}", n) for i, n in enumerate(sizes)]
    size = dict(groups)
    previous = 0
    for day in range(len(groups) + 1):
        pooling = pool_groups(groups[:day], minimum)
        assert all(size[g] >= minimum for g in pooling.shown)
        total = sum(size[g] for g in pooling.pooled)
        hidden_in_total = total - sum(size[g] for g in pooling.shown)
        # Overall minus what is shown is nothing, or at least the minimum group size.
        assert hidden_in_total == 0 or hidden_in_total >= minimum
        # From one day to the next the overall grows by nothing, a shown group, or a whole batch.
        grew = total - previous
        newly_shown = groups[day - 1][0] in pooling.shown if day else False
        assert grew == 0 or grew >= minimum or newly_shown
        previous = total


def test_only_the_role_a_measure_applies_to_counts(scratch: Callable[..., Path]) -> None:
    s = Scratch(
        cohorts=[("c1", "2026-03-02", "2026-08-28")],
        measures=(
            "  - {key: confidence, label: Digital confidence, survey_field: confidence, "
            "target_change: 1, applies_to: mentors}\n"
        ),
    )
    people_answering(s, "c1", 5, role="mentor")
    people_answering(s, "c1", 4, start=5, role="mentee")
    measure = only_measure(compute_impact(s.load(scratch)))
    assert measure.audience == "mentors"
    assert measure.overall.n.text == "5"


def test_people_who_answered_once_do_not_skew_the_change(scratch: Callable[..., Path]) -> None:
    s = Scratch(cohorts=[("c1", "2026-03-02", "2026-08-28")])
    for i in range(5):
        s.answers(s.person(f"Q{i}", "mentee", "c1"), "c1", "2", "3")
    # Three people answered only before, very low; two only after, very high.
    for i in range(3):
        s.answers(s.person(f"R{i}", "mentee", "c1"), "c1", "1", None)
    for i in range(2):
        pid = s.person(f"S{i}", "mentee", "c1")
        s.surveys.append(f"{pid},c1,post,5")
    overall = only_measure(compute_impact(s.load(scratch))).overall
    assert (overall.n.text, overall.before.text, overall.after.text, overall.change.text) == (
        "5", "2.0", "3.0", "+1.0",
    )  # fmt: skip
    assert overall.met is True and overall.verdict == "target met"


def test_ten_or_more_people_get_a_t_interval(scratch: Callable[..., Path]) -> None:
    s = Scratch(cohorts=[("c1", "2026-03-02", "2026-08-28")])
    changes = [1, 2, 0, 1, 1, 2, 1, 0, 1, 3, 1]
    for i, change in enumerate(changes):
        s.answers(s.person(f"Q{i:02d}", "mentee", "c1"), "c1", "2", str(2 + change))
    overall = only_measure(compute_impact(s.load(scratch))).overall
    mean = statistics.mean(changes)
    half = stats.t.ppf(0.975, len(changes) - 1) * statistics.stdev(changes) / len(changes) ** 0.5
    assert overall.interval is not None
    assert overall.interval.low.raw == pytest.approx(mean - half)
    assert overall.interval.high.raw == pytest.approx(mean + half)
    assert overall.interval.text == (
        f"95% interval of the mean change: +{mean - half:.1f} to +{mean + half:.1f}"
    )
    assert not overall.small and overall.based_on == "" and overall.interval_note == ""


def test_a_missed_target_and_a_fall_are_reported(scratch: Callable[..., Path]) -> None:
    s = Scratch(cohorts=[("c1", "2026-03-02", "2026-08-28")])
    for i, (pre, post) in enumerate([("4", "3"), ("4", "4"), ("3", "2"), ("5", "4"), ("2", "3")]):
        s.answers(s.person(f"Q{i}", "mentee", "c1"), "c1", pre, post)
    overall = only_measure(compute_impact(s.load(scratch))).overall
    assert overall.change.text == "\u22120.4"
    assert overall.improved.text == "20%" and overall.improved_count.text == "1"
    assert overall.met is False and overall.verdict == "target missed"


def test_unconsented_pairs_omitted_means_their_answers_are_too(
    scratch: Callable[..., Path],
) -> None:
    s = Scratch(
        cohorts=[("c1", "2026-03-02", "2026-08-28")],
        extra_yaml="",
    )
    people_answering(s, "c1", 5)
    s.answers(s.person("N1", "mentee", "c1", consent="none"), "c1", "1", "5")
    root = s.write(scratch)
    counted = only_measure(compute_impact(load_project(root, today=TODAY))).overall
    assert counted.n.text == "6"
    programme = (root / "programme.yaml").read_text(encoding="utf-8")
    (root / "programme.yaml").write_text(
        edited(
            programme, "  min_group_size: 5\n", "  min_group_size: 5\n  unconsented_pairs: omit\n"
        ),
        encoding="utf-8",
    )
    omitted = only_measure(compute_impact(load_project(root, today=TODAY))).overall
    assert omitted.n.text == "5"


def test_programme_figures_of_four_pairs_are_suppressed(scratch: Callable[..., Path]) -> None:
    s = Scratch(cohorts=[("c1", "2026-03-02", "2026-08-28")])
    for i in range(4):
        mentor = s.person(f"M{i}", "mentor", "c1")
        mentee = s.person(f"E{i}", "mentee", "c1")
        s.pairs.append(f"K{i},{mentor},{mentee},c1,completed,2026-03-09,")
        s.sessions.append(f"K{i},2026-03-16,60,held,Intro,5,4")
    figures = compute_impact(s.load(scratch)).programme
    for result in (*figures.cohorts, figures.overall):
        assert result.status == "suppressed"
        assert result.pairs.text == "fewer than 5"
        assert not any(v.shown for v in values(result))


# --- rounding ---------------------------------------------------------------------------------


def test_rounding_is_half_away_from_zero_and_exact() -> None:
    assert decimal_text(Fraction(25, 8)) == "3.1"  # 3.125
    assert decimal_text(Fraction(5, 4)) == "1.3"
    assert decimal_text(Fraction(-5, 4), signed=True) == "\u22121.3"
    assert decimal_text(Fraction(1, 40), signed=True) == "0.0"
    assert decimal_text(Fraction(0), signed=True) == "0.0"
    assert decimal_text(Fraction(-1, 100), signed=True) == "0.0"
    assert decimal_text(Fraction(4, 5), signed=True) == "+0.8"
    assert percent_text(Fraction(5, 7)) == "71%"
    assert percent_text(Fraction(1, 8)) == "13%"


@pytest.mark.parametrize("df", [1, 2, 4, 9, 10, 29, 30, 99, 1000, 100_000])
@pytest.mark.parametrize("p", [0.9, 0.95, 0.975, 0.995])
def test_t_quantile_agrees_with_scipy(df: int, p: float) -> None:
    assert t_quantile(p, df) == pytest.approx(float(stats.t.ppf(p, df)), abs=1e-9)


def test_impact_imports_scipy_only_for_an_interval() -> None:
    import subprocess
    import sys

    code = "import sys, generator.impact; print('scipy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_total_covers_the_pairs_without_a_page_only_when_none_or_enough() -> None:
    """Pair pages show each pair's sessions, so a total minus the pages gives the others."""
    from generator.impact import countable

    page, no_page, withdrew = (True, True), (False, True), (False, False)
    assert countable([page] * 4, 5)  # every pair has a page: nothing to work out
    assert not countable([page] * 8 + [no_page], 5)  # one pair without a page: it would show
    assert not countable([no_page] * 4, 5)
    assert countable([no_page] * 5 + [page] * 3, 5)  # five without a page: a group, not a pair
    # Withdrawn pairs have no page but add no sessions: no cover for one unnamed pair (red team).
    assert not countable([withdrew] * 4 + [no_page] + [page] * 4, 5)
    assert (
        countable([withdrew] * 2 + [page] * 4, 5) is False
    )  # two withdrawn: shares reveal them  # five without a page: a group, not a pair
