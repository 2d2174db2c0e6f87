"""`portal report`: every flag on data made to trigger it, the tables, and where it may go."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from generator.model import Project
from generator.pipeline import build, load_project
from generator.private_outputs import PRIVATE_MARKER, PUBLISHED_FOLDERS
from generator.report import (
    HealthReport,
    build_health_report,
    default_report_folder,
    render_report_html,
    write_health_report,
)
from tests.conftest import TODAY
from tests.scratch import PARTICIPANTS, PROGRAMME

CHECKOUT = Path(__file__).resolve().parent.parent
# Both pairs completed, two sessions each rated 4, every survey answered: nothing to flag.
HEALTHY_PAIRS = """\
pair_id,mentor_id,mentee_id,cohort,status,start_date,goals
K1,P1,P4,c1,completed,2026-03-09,Learn TikTok
K2,P2,P3,c1,completed,2026-03-09,Power BI
"""
HEALTHY_SESSIONS = """\
pair_id,date,minutes,status,topics,mentor_rating,mentee_rating
K1,2026-03-16,60,held,Intro,4,4
K1,2026-04-13,60,held,Review,4,4
K2,2026-03-17,60,held,Intro,4,4
K2,2026-04-14,60,held,Review,4,4
"""
HEALTHY_SURVEYS = """\
participant_id,cohort,phase,confidence
P1,c1,pre,3
P1,c1,post,4
P2,c1,pre,3
P2,c1,post,4
P3,c1,pre,3
P3,c1,post,4
P4,c1,pre,3
P4,c1,post,4
"""
# The scratch cohort runs from 2 March to 28 August 2026.
DURING = dt.date(2026, 5, 1)


def project_with(
    scratch: Callable[..., Path],
    today: dt.date = TODAY,
    pairs: str = HEALTHY_PAIRS,
    sessions: str = HEALTHY_SESSIONS,
    surveys: str = HEALTHY_SURVEYS,
    extra: dict[str, str] | None = None,
) -> Project:
    files = {"data/pairs.csv": pairs, "data/sessions.csv": sessions, "data/surveys.csv": surveys}
    root = scratch({**files, **(extra or {})})
    return load_project(root, today=today)


def flags_of(report: HealthReport) -> dict[str, list[tuple[str, str]]]:
    return {p.pair_id: [(f.key, f.detail) for f in p.flags] for p in report.pairs}


def test_a_healthy_programme_has_no_flag(scratch: Callable[..., Path]) -> None:
    report = build_health_report(project_with(scratch))
    assert flags_of(report) == {"K1": [], "K2": []}
    assert report.flagged == ()
    k1 = report.pairs[0]
    assert (k1.held, k1.planned, k1.cancelled, k1.last_session, k1.days_since) == (
        2, 2, 0, dt.date(2026, 4, 13), (TODAY - dt.date(2026, 4, 13)).days,
    )  # fmt: skip
    assert (k1.mentor.name, k1.mentee.name, k1.mentor_rating, k1.mentee_rating) == (
        "Ada Junior", "Dan Senior", 4.0, 4.0,
    )  # fmt: skip


def test_an_active_pair_without_a_session_for_too_long_is_flagged(
    scratch: Callable[..., Path],
) -> None:
    pairs = HEALTHY_PAIRS.replace("K1,P1,P4,c1,completed", "K1,P1,P4,c1,active")
    sessions = HEALTHY_SESSIONS.replace("K1,2026-04-13,60,held,Review,4,4\n", "")
    report = build_health_report(
        project_with(scratch, DURING, pairs, sessions, surveys=HEALTHY_SURVEYS)
    )
    assert flags_of(report) == {
        "K1": [
            (
                "no-recent-session",
                "no session for 46 days, since the last session on 16 March 2026 (the limit is 30)",
            )
        ],
        "K2": [],
    }


def test_a_recent_session_or_a_longer_limit_is_not_flagged(scratch: Callable[..., Path]) -> None:
    pairs = HEALTHY_PAIRS.replace("K1,P1,P4,c1,completed", "K1,P1,P4,c1,active")
    sessions = HEALTHY_SESSIONS.replace("K1,2026-04-13,60,held,Review,4,4\n", "")
    recent = project_with(scratch, dt.date(2026, 4, 15), pairs, sessions)
    assert flags_of(build_health_report(recent))["K1"] == []
    longer = project_with(
        scratch,
        DURING,
        pairs,
        sessions,
        extra={"programme.yaml": PROGRAMME + "monitoring:\n  stuck_after_days: 60\n"},
    )
    assert flags_of(build_health_report(longer))["K1"] == []


def test_an_active_pair_that_never_met_is_counted_from_its_start(
    scratch: Callable[..., Path],
) -> None:
    pairs = HEALTHY_PAIRS.replace("K1,P1,P4,c1,completed", "K1,P1,P4,c1,active")
    sessions = "\n".join(
        line for line in HEALTHY_SESSIONS.splitlines() if not line.startswith("K1,")
    )
    report = build_health_report(project_with(scratch, DURING, pairs, sessions + "\n"))
    assert flags_of(report)["K1"] == [
        (
            "no-recent-session",
            "no session for 53 days, since the pair started on 9 March 2026 (the limit is 30)",
        )
    ]


def test_two_cancellations_in_a_row_are_flagged(scratch: Callable[..., Path]) -> None:
    sessions = HEALTHY_SESSIONS.replace(
        "K1,2026-04-13,60,held,Review,4,4\n",
        "K1,2026-04-13,,cancelled,,,\nK1,2026-04-20,,cancelled,,,\nK1,2026-05-11,60,held,Review,4,4\n"
        "K2,2026-05-12,,cancelled,,,\n",
    )
    report = build_health_report(project_with(scratch, sessions=sessions))
    assert flags_of(report) == {
        "K1": [
            ("cancelled-twice", "2 sessions cancelled in a row: 13 April 2026 and 20 April 2026")
        ],
        "K2": [],
    }
    assert report.pairs[0].cancelled == 2 and report.pairs[1].cancelled == 1


def test_a_rating_of_two_or_less_is_flagged(scratch: Callable[..., Path]) -> None:
    sessions = HEALTHY_SESSIONS.replace(
        "K2,2026-04-14,60,held,Review,4,4", "K2,2026-04-14,60,held,Review,3,2"
    )
    report = build_health_report(project_with(scratch, sessions=sessions))
    assert flags_of(report) == {
        "K1": [],
        "K2": [("low-rating", "Cat Senior (mentee) rated the session of 14 April 2026 2 out of 5")],
    }


def test_a_missing_survey_is_flagged(scratch: Callable[..., Path]) -> None:
    surveys = HEALTHY_SURVEYS.replace("P1,c1,post,4\n", "").replace("P3,c1,pre,3\n", "")
    report = build_health_report(project_with(scratch, surveys=surveys))
    assert flags_of(report) == {
        "K1": [("survey-missing", "post survey not answered by Ada Junior (mentor)")],
        "K2": [("survey-missing", "pre survey not answered by Cat Senior (mentee)")],
    }


def test_the_post_survey_is_not_due_before_the_cohort_ends(scratch: Callable[..., Path]) -> None:
    surveys = "".join(line + "\n" for line in HEALTHY_SURVEYS.splitlines() if "post" not in line)
    report = build_health_report(project_with(scratch, DURING, surveys=surveys))
    assert all(not p.flags for p in report.pairs)
    post = [r for r in report.response_rates if r.phase == "post"]
    assert {r.rate_text for r in post} == {"due after 28 August 2026"}


def test_response_rates_per_cohort_role_and_survey(scratch: Callable[..., Path]) -> None:
    surveys = HEALTHY_SURVEYS.replace("P1,c1,post,4\n", "")
    rates = build_health_report(project_with(scratch, surveys=surveys)).response_rates
    table = {(r.role, r.phase): (r.expected, r.answered, r.rate_text) for r in rates}
    assert table == {
        ("mentor", "pre"): (2, 2, "100%"),
        ("mentor", "post"): (2, 1, "50%"),
        ("mentee", "pre"): (2, 2, "100%"),
        ("mentee", "post"): (2, 2, "100%"),
    }
    missing = next(r for r in rates if (r.role, r.phase) == ("mentor", "post")).missing
    assert [p.label for p in missing] == ["Ada Junior (P1)"]


def test_a_withdrawn_pair_is_not_asked_after(scratch: Callable[..., Path]) -> None:
    pairs = HEALTHY_PAIRS.replace("K1,P1,P4,c1,completed", "K1,P1,P4,c1,withdrawn")
    surveys = HEALTHY_SURVEYS.replace("P1,c1,post,4\n", "").replace("P4,c1,post,4\n", "")
    report = build_health_report(project_with(scratch, pairs=pairs, surveys=surveys))
    assert flags_of(report)["K1"] == []
    post = {r.role: r.expected for r in report.response_rates if r.phase == "post"}
    assert post == {"mentor": 1, "mentee": 1}


STORY = """\
---
title: A story in waiting
date: 2026-09-01
summary: Two people and a spreadsheet.
pair: K1
tags: [data]
status: awaiting-consent
anonymous: false
consent:
  P1: 2026-08-30
---

Ada and Dan met twice.
"""


def test_stories_awaiting_consent_name_who_has_not_consented(
    scratch: Callable[..., Path],
) -> None:
    project = project_with(scratch, extra={"content/stories/waiting.md": STORY})
    (wait,) = build_health_report(project).awaiting_consent
    assert (wait.story_title, wait.pair_id, wait.story_file) == (
        "A story in waiting", "K1", "content/stories/waiting.md",
    )  # fmt: skip
    assert [p.label for p in wait.waiting] == ["Dan Senior (P4)"]
    assert [(p.label, day) for p, day in wait.consented] == [
        ("Ada Junior (P1)", dt.date(2026, 8, 30))
    ]


TOP_RATED = HEALTHY_SESSIONS.replace(
    "K2,2026-03-17,60,held,Intro,4,4\nK2,2026-04-14,60,held,Review,4,4\n",
    "K2,2026-03-17,60,held,Intro,5,5\nK2,2026-04-14,60,held,Review,5,4\n"
    "K2,2026-05-12,60,held,Extra,5,5\n",
)


def test_top_rated_and_much_improved_pairs_without_a_story_are_suggested(
    scratch: Callable[..., Path],
) -> None:
    surveys = HEALTHY_SURVEYS.replace("P4,c1,pre,3", "P4,c1,pre,1")
    report = build_health_report(project_with(scratch, sessions=TOP_RATED, surveys=surveys))
    assert {s.pair_id: s.reasons for s in report.suggestions} == {
        "K1": ("Dan Senior's digital confidence rose by 3.0 (target +1.0)",),
        "K2": ("average session rating 4.8 out of 5 over 3 sessions",),
    }


def test_no_suggestion_without_both_consents_or_with_a_story(
    scratch: Callable[..., Path],
) -> None:
    no_consent = PARTICIPANTS.replace("I lead things.,,,c1,named", "I lead things.,,,c1,none")
    story = STORY.replace("pair: K1", "pair: K2").replace("awaiting-consent", "draft")
    report = build_health_report(
        project_with(
            scratch,
            sessions=TOP_RATED,
            extra={"data/participants.csv": no_consent},
        )
    )
    assert report.suggestions == ()
    report = build_health_report(
        project_with(scratch, sessions=TOP_RATED, extra={"content/stories/k2.md": story})
    )
    assert report.suggestions == ()


def test_one_cohort_only(scratch: Callable[..., Path], cli: Callable[..., Result]) -> None:
    project = project_with(scratch)
    assert build_health_report(project, "c1").scope == "Cohort 1"
    result = cli("report", "--project", str(project.root), "--cohort", "c9")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "programme.yaml: --cohort: there is no cohort 'c9' (cohorts: c1)"
    )


# --- the files --------------------------------------------------------------------------------


def test_tables_are_formula_safe_and_the_page_escapes_names(
    scratch: Callable[..., Path], tmp_path: Path
) -> None:
    people = PARTICIPANTS.replace("P1,Ada Junior,", 'P1,=HYPERLINK("x"),').replace(
        "P4,Dan Senior,", "P4,Dan <b>Senior</b>,"
    )
    project = project_with(scratch, extra={"data/participants.csv": people})
    report = build_health_report(project)
    written = write_health_report(project, report, tmp_path / "out")
    assert [p.name for p in written] == [
        "health-report.html",
        "health-report-pairs.csv",
        "health-report-flags.csv",
        "health-report-response-rates.csv",
        "health-report-stories-awaiting-consent.csv",
        "health-report-story-suggestions.csv",
    ]
    rows = list(csv.DictReader(io.StringIO(written[1].read_text(encoding="utf-8-sig"))))
    assert rows[0]["mentor_name"] == '\'=HYPERLINK("x")'
    page = written[0].read_text(encoding="utf-8")
    assert "Dan &lt;b&gt;Senior&lt;/b&gt;" in page and "<b>Senior" not in page
    assert f'<meta name="generator" content="{PRIVATE_MARKER}">' in page
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert render_report_html(report) == page


@pytest.mark.parametrize("folder", ["site", "site_src", "site/reports", "content/stories"])
def test_the_report_is_refused_under_a_published_folder(
    scratch: Callable[..., Path], cli: Callable[..., Result], folder: str
) -> None:
    root = project_with(scratch).root
    out = root / folder
    result = cli("report", "--project", str(root), "--out", str(out))
    assert result.exit_code == 2
    top = folder.split("/")[0] if not folder.startswith("content") else "content/stories"
    assert result.stderr.splitlines()[0] == (
        f"{out}: --out: the programme-health report is private and cannot go under {top}/, "
        "which is published; choose a path beside your data tables"
    )
    assert not list(root.rglob("health-report*"))


def test_the_default_folder_is_beside_the_data_and_git_ignored(demo: Path) -> None:
    project = load_project(demo, today=TODAY)
    folder = default_report_folder(project)
    assert folder == demo / "content" / "data" / "reports"
    assert not any(folder == demo / p or (demo / p) in folder.parents for p in PUBLISHED_FOLDERS)
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "content/data/reports/health-report.html"], cwd=CHECKOUT
    )
    assert ignored.returncode == 0, "content/data/reports/ must be git-ignored"


def test_portal_report_on_the_demo(demo: Path, cli: Callable[..., Result]) -> None:
    result = cli("report", "--project", str(demo), "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    out = demo / "content" / "data" / "reports"
    assert result.stdout.splitlines() == [
        "programme health of every cohort: 19 pairs, 2 flagged, 1 story awaiting consent, "
        f"5 story suggestions: {out / 'health-report.html'}",
        "5 CSV tables beside it. The report names people: keep it private, never publish it.",
    ]
    flags = list(
        csv.DictReader(io.StringIO((out / "health-report-flags.csv").read_text("utf-8-sig")))
    )
    assert [(f["pair_id"], f["flag"]) for f in flags] == [
        ("G6TZ", "no-recent-session"),
        ("V5NE", "no-recent-session"),
    ]


@pytest.mark.build
def test_a_default_build_never_publishes_the_report(demo: Path, cli: Callable[..., Result]) -> None:
    assert cli("report", "--project", str(demo), "--today", TODAY.isoformat()).exit_code == 0
    built = build(demo, today=TODAY)
    for path in built.site_dir.rglob("*"):
        assert "health-report" not in path.name
        if path.is_file():
            assert PRIVATE_MARKER.encode() not in path.read_bytes(), path


def test_no_progress_bar_off_a_terminal_or_for_little_work() -> None:
    from generator.cli import progress_bar

    # Under pytest stderr is captured, not a terminal: never a bar, whatever the length.
    with progress_bar(100_000, "assessing pairs", 10) as tick:
        assert tick is None
    with progress_bar(3, "assessing pairs", 10) as tick:
        assert tick is None


def test_the_progress_callback_counts_every_pair(scratch: Callable[..., Path]) -> None:
    project = project_with(scratch)
    ticks: list[int] = []
    report = build_health_report(project, tick=ticks.append)
    assert sum(ticks) == len(report.pairs) == 2
