"""Validation rules: one case per rule, asserting the exact line `portal check` prints.

Each case edits the small valid scratch programme (tests/scratch.py) in one place and expects
one exact line, location included. The messages are part of the product: a programme lead or
a comms officer reads them, so a change of wording shows up here and is reviewed like code.
"""

from __future__ import annotations

import datetime as dt
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from generator import config
from generator.pipeline import load_project
from tests.scratch import (
    PAIRS,
    PARTICIPANTS,
    PROGRAMME,
    SESSIONS,
    SURVEYS,
    edited,
    run_check,
)

HEADER = PARTICIPANTS.splitlines()[0]
# An extra senior participant (row 6), outside every reporting line, for pairs that need one.
P5 = "P5,Eve Senior,eve@example.org,mentee,SCS1,Legal,Head of Legal,HQ,,,,,,,,c1,named\n"
STORY = """\
---
title: Learning TikTok
date: 2026-05-01
summary: Dan learns TikTok from Ada.
pair: K1
consent:
  P1: 2026-04-20
  P4: 2026-04-21
status: approved
---
Dan and Ada met every month.
"""
POST = """\
---
title: What I learned
date: 2026-05-01
authors:
  - office
  - P1
---
Hello.
"""


def participants(old: str, new: str) -> dict[str, str]:
    return {"data/participants.csv": edited(PARTICIPANTS, old, new)}


def pairs(text: str) -> dict[str, str]:
    return {"data/pairs.csv": text}


def programme(old: str, new: str) -> dict[str, str]:
    return {"programme.yaml": edited(PROGRAMME, old, new)}


RULES = [
    # --- participants -------------------------------------------------------------------
    pytest.param(
        participants(
            "P1,Ada Junior,ada@example.org,mentor,A1,Digital,Apprentice,HQ,P3,",
            "P1,Ada Junior,ada@example.org,mentor,A1,Digital,Apprentice,HQ,P9,",
        ),
        "data/participants.csv:row 2: column 'manager_id': no participant has id 'P9'; if "
        "they are not in the programme, list them in the org chart table (data.people in "
        "programme.yaml)",
        id="unknown-manager-id",
    ),
    pytest.param(
        {"data/participants.csv": PARTICIPANTS + PARTICIPANTS.splitlines()[1] + "\n"},
        "data/participants.csv:row 6: column 'id': 'P1' is used twice (also on row 2, Ada Junior); "
        "ids must be unique",
        id="duplicate-participant-id",
    ),
    pytest.param(
        participants("dan@example.org,mentee,B2,", "dan@example.org,mentee,B7,"),
        "data/participants.csv:row 5: column 'grade': 'B7' is not one of the programme's "
        "grades (A1, A2, B1, B2, SCS1)",
        id="grade-not-allowed",
    ),
    pytest.param(
        participants("ada@example.org,mentor,", "ada@example.org,boss,"),
        "data/participants.csv:row 2: column 'role': 'boss' is not allowed here; "
        "write mentor or mentee",
        id="role-not-allowed",
    ),
    pytest.param(
        participants("I plan things.,,,c1,named", "I plan things.,,,c1,maybe"),
        "data/participants.csv:row 5: column 'consent': 'maybe' is not allowed here; "
        "write none or named",
        id="consent-not-allowed",
    ),
    pytest.param(
        participants("I plan things.,,,c1,named", "I plan things.,,,c9,named"),
        "data/participants.csv:row 5: column 'cohort': 'c9' is not a cohort in programme.yaml (c1)",
        id="participant-unknown-cohort",
    ),
    pytest.param(
        participants(
            "cat@example.org,mentee,SCS1,Finance,Director,HQ,,",
            "cat@example.org,mentee,SCS1,Finance,Director,HQ,P1,",
        ),
        "data/participants.csv:row 2: column 'manager_id': managers go round in a loop "
        "(Ada Junior (P1) → Cat Senior (P3) → Ada Junior (P1)); one of them needs a different "
        "manager",
        id="manager-loop",
    ),
    pytest.param(
        participants(
            "cat@example.org,mentee,SCS1,Finance,Director,HQ,,",
            "cat@example.org,mentee,SCS1,Finance,Director,HQ,P3,",
        ),
        "data/participants.csv:row 4: column 'manager_id': Cat Senior (P3) is their own manager",
        id="own-manager",
    ),
    pytest.param(
        participants("P4,Dan Senior", "office,Dan Senior"),
        "data/participants.csv:row 5: column 'id': 'office' is also a staff id in "
        "programme.yaml (Programme office); use another id",
        id="participant-id-is-a-staff-id",
    ),
    pytest.param(
        participants("I build things.,,", "I build things.,people/ada.png,"),
        "data/participants.csv:row 2: column 'photo': image 'people/ada.png' was not found "
        "in content/images/",
        id="missing-photo",
    ),
    pytest.param(
        participants("ada@example.org", "ada.example.org"),
        "data/participants.csv:row 2: column 'email': 'ada.example.org' is not an email "
        "address like name@example.org",
        id="email-not-an-address",
    ),
    pytest.param(
        participants("P2,Ben Junior", "P2,"),
        "data/participants.csv:row 3: column 'name': this must not be empty",
        id="required-cell-empty",
    ),
    # --- pairs --------------------------------------------------------------------------
    pytest.param(
        pairs(PAIRS + "K2,P1,P3,c1,proposed,,\n"),
        "data/pairs.csv:row 4: column 'pair_id': 'K2' is used twice (also on row 3, Ben Junior "
        "and Cat Senior); "
        "ids must be unique",
        id="duplicate-pair-id",
    ),
    pytest.param(
        pairs(edited(PAIRS, "K2,P2,P3", "K2,P2,P8")),
        "data/pairs.csv:row 3: column 'mentee_id': no participant has id 'P8'",
        id="pair-unknown-person",
    ),
    pytest.param(
        pairs(edited(PAIRS, "K2,P2,P3,c1,active", "K2,P2,P3,c1,approved")),
        "data/pairs.csv:row 3: column 'status': 'approved' is not allowed here; "
        "write proposed, active, paused, completed or withdrawn",
        id="status-not-allowed",
    ),
    pytest.param(
        pairs(edited(PAIRS, "K2,P2,P3,c1,", "K2,P2,P3,c2,")),
        "data/pairs.csv:row 3: column 'cohort': 'c2' is not a cohort in programme.yaml (c1)",
        id="pair-unknown-cohort",
    ),
    pytest.param(
        pairs(edited(PAIRS, "K2,P2,P3", "K2,P3,P2")),
        "data/pairs.csv:row 3: column 'mentor_id': Cat Senior (P3) is a mentee in the participants "
        "table, not a mentor",
        id="mentor-is-a-mentee",
    ),
    pytest.param(
        pairs(edited(PAIRS, "K2,P2,P3", "K2,P2,P2")),
        "data/pairs.csv:row 3: column 'mentee_id': a person cannot mentor themselves",
        id="mentors-themselves",
    ),
    pytest.param(
        participants("dan@example.org,mentee,B2,", "dan@example.org,mentee,A2,"),
        "data/pairs.csv:row 2: column 'mentor_id': the mentor (Ada Junior, P1, A1) must be at "
        "least 2 grades junior to the mentee (Dan Senior, P4, A2), but is only 1 grade junior",
        id="grade-gap-too-small",
    ),
    pytest.param(
        participants("dan@example.org,mentee,B2,", "dan@example.org,mentee,A1,"),
        "data/pairs.csv:row 2: column 'mentor_id': the mentor (Ada Junior, P1, A1) must be at "
        "least 2 grades junior to the mentee (Dan Senior, P4, A1), but they are on the same grade",
        id="grade-gap-same-grade",
    ),
    pytest.param(
        {
            "data/participants.csv": PARTICIPANTS.replace(
                "ada@example.org,mentor,A1,", "ada@example.org,mentor,SCS1,"
            )
        },
        "data/pairs.csv:row 2: column 'mentor_id': the mentor (Ada Junior, P1, SCS1) must be at "
        "least 2 grades junior to the mentee (Dan Senior, P4, B2), but is 1 grade senior to them",
        id="grade-gap-mentor-senior",
    ),
    pytest.param(
        pairs(edited(edited(PAIRS, "K1,P1,P4", "K1,P1,P3"), "K2,P2,P3", "K2,P2,P4")),
        "data/pairs.csv:row 2: column 'mentee_id': Cat Senior (P3) is Ada Junior (P1)'s manager; "
        "a pair must not be "
        "inside one reporting line",
        id="reporting-line-direct",
    ),
    pytest.param(
        participants(
            "dan@example.org,mentee,B2,Planning,Head of Planning,HQ,,",
            "dan@example.org,mentee,B2,Planning,Head of Planning,HQ,P3,",
        ),
        "data/pairs.csv:row 3: column 'mentee_id': Cat Senior (P3) is Ben Junior (P2)'s manager's "
        "manager; a pair must "
        "not be inside one reporting line",
        id="reporting-line-skip-level",
    ),
    pytest.param(
        {"data/participants.csv": PARTICIPANTS + P5}
        | pairs(PAIRS + "K3,P1,P5,c1,active,2026-03-09,\n"),
        "data/pairs.csv:row 4: column 'mentor_id': Ada Junior (P1) is already in approved pair K1 "
        "(row 2) "
        "of cohort c1; a mentor can be in only one approved pair per cohort",
        id="two-active-pairs-mentor",
    ),
    pytest.param(
        {"data/participants.csv": PARTICIPANTS + P5.replace(",mentee,SCS1,", ",mentor,A1,")}
        | pairs(PAIRS + "K3,P5,P4,c1,paused,2026-03-09,\n"),
        "data/pairs.csv:row 4: column 'mentee_id': Dan Senior (P4) is already in approved pair K1 "
        "(row 2) "
        "of cohort c1; a mentee can be in only one approved pair per cohort",
        id="two-active-pairs-mentee",
    ),
    pytest.param(
        pairs(edited(PAIRS, "c1,active,2026-03-09,Power BI", "c1,active,2026-02-01,Power BI")),
        "data/pairs.csv:row 3: column 'start_date': 2026-02-01 is outside the dates of "
        "cohort c1 (2026-03-02 to 2026-08-28)",
        id="pair-starts-outside-cohort",
    ),
    pytest.param(
        pairs(edited(PAIRS, "c1,active,2026-03-09,Power BI", "c1,active,09/03/2026,Power BI")),
        "data/pairs.csv:row 3: column 'start_date': '09/03/2026' is not a date; write it as "
        "YYYY-MM-DD, e.g. 2026-03-31",
        id="pair-date-not-a-date",
    ),
    # --- sessions -----------------------------------------------------------------------
    pytest.param(
        {"data/sessions.csv": SESSIONS + "K7,2026-04-16,60,held,,,\n"},
        "data/sessions.csv:row 3: column 'pair_id': no pair has id 'K7'",
        id="session-unknown-pair",
    ),
    pytest.param(
        {"data/sessions.csv": SESSIONS + "K1,2026-03-02,60,held,,,\n"},
        "data/sessions.csv:row 3: column 'date': 2026-03-02 is before pair Ada Junior and Dan "
        "Senior (K1) started (2026-03-09)",
        id="session-before-pair-start",
    ),
    pytest.param(
        {"data/sessions.csv": SESSIONS + "K1,2026-04-16,an hour,held,,,\n"},
        "data/sessions.csv:row 3: column 'minutes': 'an hour' is not a whole number",
        id="session-minutes-not-a-number",
    ),
    pytest.param(
        {"data/sessions.csv": SESSIONS + "K1,2026-04-16,60,held,,6,\n"},
        "data/sessions.csv:row 3: column 'mentor_rating': 6 is above the maximum of 5",
        id="session-rating-too-high",
    ),
    pytest.param(
        {"data/sessions.csv": SESSIONS + "K1,2026-04-16,60,postponed,,,\n"},
        "data/sessions.csv:row 3: column 'status': 'postponed' is not allowed here; "
        "write held or cancelled",
        id="session-status-not-allowed",
    ),
    # --- surveys ------------------------------------------------------------------------
    pytest.param(
        {"data/surveys.csv": SURVEYS + "P6,c1,pre,4\n"},
        "data/surveys.csv:row 3: column 'participant_id': no participant has id 'P6'",
        id="survey-unknown-person",
    ),
    pytest.param(
        {"data/surveys.csv": SURVEYS + "P2,c0,pre,4\n"},
        "data/surveys.csv:row 3: column 'cohort': 'c0' is not a cohort in programme.yaml (c1)",
        id="survey-unknown-cohort",
    ),
    pytest.param(
        {"data/surveys.csv": SURVEYS + "P1,c1,pre,4\n"},
        "data/surveys.csv:row 3: column 'phase': Ada Junior (P1) already answered the pre survey of "
        "cohort c1 on row 2",
        id="survey-answered-twice",
    ),
    pytest.param(
        {"data/surveys.csv": SURVEYS + "P2,c1,pre,7\n"},
        "data/surveys.csv:row 3: column 'confidence': 7 is outside the scale of 1 to 5",
        id="survey-score-outside-scale",
    ),
    pytest.param(
        {"data/surveys.csv": SURVEYS + "P2,c1,pre,high\n"},
        "data/surveys.csv:row 3: column 'confidence': 'high' is not a number",
        id="survey-score-not-a-number",
    ),
    pytest.param(
        {"data/surveys.csv": "participant_id,cohort,phase\nP1,c1,pre\n"},
        "data/surveys.csv:row 1: column 'confidence': this column is missing; success "
        "measure 'confidence' reads its scores from it",
        id="survey-measure-column-missing",
    ),
    # --- stories ------------------------------------------------------------------------
    pytest.param(
        {"content/stories/tiktok.md": edited(STORY, "pair: K1", "pair: K9")},
        "content/stories/tiktok.md:5: pair: no pair has the id or names 'K9' (write 'Name and "
        "Name' or the pair id)",
        id="story-unknown-pair",
    ),
    pytest.param(
        {"content/stories/tiktok.md": edited(STORY, "  P4: 2026-04-21\n", "")},
        "content/stories/tiktok.md:6: consent: the story is approved but Dan Senior (P4), in pair "
        "Ada Junior and Dan Senior (K1), has not recorded consent; add 'Dan Senior: <date they "
        "agreed>' under consent, or set status: awaiting-consent",
        id="story-lacks-consent",
    ),
    pytest.param(
        {"content/stories/tiktok.md": edited(STORY, "  P4: 2026-04-21\n", "  P4:\n")},
        "content/stories/tiktok.md:6: consent: the story is approved but Dan Senior (P4), in pair "
        "Ada Junior and Dan Senior (K1), has not recorded consent; add 'Dan Senior: <date they "
        "agreed>' under consent, or set status: awaiting-consent",
        id="story-consent-date-left-blank",
    ),
    pytest.param(
        {"content/stories/tiktok.md": STORY}
        | participants("I plan things.,,,c1,named", "I plan things.,,,c1,none"),
        "content/stories/tiktok.md:5: warning: pair: withheld: is about the pair Ada Junior and Dan Senior (K1), and "
        "Dan Senior "
        "(P4) has not agreed to be named; make the story anonymous or leave it out",
        id="story-names-unconsenting-person",
    ),
    pytest.param(
        {"content/stories/tiktok.md": edited(STORY, "  P4: 2026-04-21\n", "  P9: 2026-04-21\n")},
        "content/stories/tiktok.md:8: consent.P9: no participant has the name or id 'P9'",
        id="story-consent-unknown-person",
    ),
    pytest.param(
        {
            "content/stories/tiktok.md": edited(
                STORY, "status: approved\n", "status: approved\nimage: images/dan.jpg\n"
            )
        },
        "content/stories/tiktok.md:10: image: image 'images/dan.jpg' was not found in "
        "content/images/",
        id="story-missing-image",
    ),
    pytest.param(
        {"content/stories/tiktok.md": STORY + "\n![Ada and Dan](../images/pair.png)\n"},
        "content/stories/tiktok.md:13: image: image '../images/pair.png' was not found in "
        "content/images/",
        id="story-body-missing-image",
    ),
    pytest.param(
        {"content/stories/tiktok.md": edited(STORY, "status: approved", "status: published")},
        "content/stories/tiktok.md:9: status: 'published' is not allowed here; write draft, "
        "awaiting-consent or approved",
        id="story-status-not-allowed",
    ),
    pytest.param(
        {"content/stories/tiktok.md": edited(STORY, "date: 2026-05-01", "date: 1 May 2026")},
        "content/stories/tiktok.md:3: date: '1 May 2026' is not a date; write it as "
        "YYYY-MM-DD, e.g. 2026-03-31",
        id="story-date-not-a-date",
    ),
    pytest.param(
        {"content/stories/tiktok.md": edited(STORY, "summary: Dan learns TikTok from Ada.\n", "")},
        "content/stories/tiktok.md:1: summary: this is required but missing",
        id="story-summary-missing",
    ),
    # --- blog posts ---------------------------------------------------------------------
    pytest.param(
        {"content/blog/learned.md": edited(POST, "  - P1\n", "  - P1\n  - zoe\n")},
        "content/blog/learned.md:7: authors: no participant or member of staff has the name or id "
        "'zoe'",
        id="post-unknown-author",
    ),
    pytest.param(
        {"content/blog/learned.md": POST}
        | participants("I build things.,,,c1,named", "I build things.,,,c1,none"),
        "content/blog/learned.md:4: warning: authors: Ada Junior (P1) is left out of the "
        "authors: not agreed to be named",
        id="post-author-not-consented",
    ),
    # --- programme.yaml -----------------------------------------------------------------
    pytest.param(
        programme(
            "applications: {opens: 2026-01-05, closes: 2026-02-06}",
            "applications: {opens: 2026-01-05, closes: 2025-12-06}",
        ),
        "programme.yaml:15:39: cohorts[0].applications.closes: applications close "
        "(2025-12-06) before they open (2026-01-05)",
        id="applications-close-before-open",
    ),
    pytest.param(
        programme("start: 2026-03-02", "start: 2026-02-02"),
        "programme.yaml:16:5: cohorts[0].start: the cohort starts (2026-02-02) before "
        "applications close (2026-02-06)",
        id="cohort-starts-before-applications-close",
    ),
    pytest.param(
        programme("end: 2026-08-28", "end: 2026-02-28"),
        "programme.yaml:17:5: cohorts[0].end: the cohort ends (2026-02-28) before it starts "
        "(2026-03-02)",
        id="cohort-ends-before-start",
    ),
    pytest.param(
        programme("start: 2026-03-02", "start: 2026-02-31"),
        "programme.yaml:16:5: cohorts[0].start: '2026-02-31' is not a date; write it as "
        "YYYY-MM-DD, e.g. 2026-03-31",
        id="cohort-date-not-a-date",
    ),
    pytest.param(
        programme("    sessions: 2\n", "    sessions: 3\n"),
        "programme.yaml:28:1: session_plan: there is no plan for session 3; cohorts have up "
        "to 3 sessions",
        id="session-plan-incomplete",
    ),
    pytest.param(
        programme("{number: 2, title: Goodbye", "{number: 1, title: Goodbye"),
        "programme.yaml:30:6: session_plan[1].number: session 1 is planned twice",
        id="session-planned-twice",
    ),
    pytest.param(
        programme("grades: [A1, A2, B1, B2, SCS1]", "grades: [A1, A2, B1, A2, SCS1]"),
        "programme.yaml:9:22: grades[3]: grade 'A2' is listed twice (also grades[1]); each "
        "grade appears once, from most junior to most senior",
        id="grade-listed-twice",
    ),
    pytest.param(
        programme(
            "  - {id: office, name: Programme office, title: Team}\n",
            "  - {id: office, name: Programme office, title: Team}\n"
            "  - {id: office, name: Comms, title: Team}\n",
        ),
        "programme.yaml:12:6: staff[1].id: staff id 'office' is used twice (also staff[0])",
        id="staff-id-twice",
    ),
    pytest.param(
        programme("  - id: c1\n", "  - id: c 1\n"),
        "programme.yaml:13:5: cohorts[0].id: 'c 1' is not a valid id; use only letters, "
        "digits, '-', '_' and '.'",
        id="cohort-id-not-an-id",
    ),
    pytest.param(
        programme("  selection: open\n", "  selection: invite-only\n"),
        "programme.yaml:23:3: design.selection: 'invite-only' is not allowed here; write "
        "open or closed",
        id="selection-not-allowed",
    ),
    pytest.param(
        programme("  min_grade_gap: 2\n", "  min_grade_gap: two\n"),
        "programme.yaml:42:3: matching.min_grade_gap: 'two' is not a whole number",
        id="number-not-a-number",
    ),
    pytest.param(
        programme(
            "  public_fields: [name, job_title, department, bio]", "  public_fields: [name, email]"
        ),
        "programme.yaml:44:3: privacy.public_fields: 'email' can never be public",
        id="private-field-made-public",
    ),
    pytest.param(
        programme("  min_group_size: 5\n", "  min_group_size: 5\nsite:\n  logo: images/logo.png\n"),
        "programme.yaml:47:3: site.logo: image 'images/logo.png' was not found in content/images/",
        id="missing-logo",
    ),
    pytest.param(
        programme("  sponsor: {name: Sam Sponsor, title: Chief Executive}\n", ""),
        "programme.yaml:1:1: programme.sponsor: this is required but missing",
        id="required-key-missing",
    ),
    pytest.param(
        programme("  tagline: Juniors mentoring leaders.", "  tagline:"),
        "programme.yaml:4:3: programme.tagline: this is empty; write a value",
        id="value-empty",
    ),
]


@pytest.mark.parametrize(("files", "expected"), RULES)
def test_rule_reports_exact_line(
    scratch: Callable[..., Path], files: dict[str, str], expected: str
) -> None:
    code, lines = run_check(scratch(files))
    assert expected in lines, "\n".join(lines)
    # Withholding is a warning (the build goes on without the content); --strict makes it fatal.
    assert code == (0 if ": warning: " in expected else 2)
    if code == 0:
        assert run_check(scratch(files), "--strict")[0] == 2


def test_mentor_capacity_allows_a_second_pair(scratch: Callable[..., Path]) -> None:
    root = scratch(
        {"data/participants.csv": PARTICIPANTS + P5}
        | pairs(PAIRS + "K3,P1,P5,c1,active,2026-03-09,\n")
        | programme("  min_grade_gap: 2\n", "  min_grade_gap: 2\n  mentor_capacity: 2\n")
    )
    code, lines = run_check(root)
    assert code == 0, "\n".join(lines)


def test_mentor_over_capacity_names_every_earlier_pair(scratch: Callable[..., Path]) -> None:
    extra = P5 + P5.replace("P5,Eve", "P6,Fay").replace("eve@", "fay@")
    root = scratch(
        {"data/participants.csv": PARTICIPANTS + extra}
        | pairs(PAIRS + "K3,P1,P5,c1,active,2026-03-09,\nK4,P1,P6,c1,completed,2026-03-09,\n")
        | programme("  min_grade_gap: 2\n", "  min_grade_gap: 2\n  mentor_capacity: 2\n")
    )
    code, lines = run_check(root)
    assert lines[0] == (
        "data/pairs.csv:row 5: column 'mentor_id': Ada Junior (P1) is already in approved pairs K1 "
        "(row 2) "
        "and K3 (row 4) of cohort c1; a mentor can be in at most 2 approved pairs per cohort "
        "(matching.mentor_capacity)"
    )
    assert code == 2


def test_withdrawn_and_proposed_pairs_do_not_count_as_busy(scratch: Callable[..., Path]) -> None:
    root = scratch(
        {"data/participants.csv": PARTICIPANTS + P5}
        | pairs(PAIRS + "K3,P1,P5,c1,withdrawn,2026-03-09,\nK4,P1,P5,c1,proposed,,\n")
    )
    code, lines = run_check(root)
    assert code == 0, "\n".join(lines)
    assert lines[-1].startswith("ok: 1 cohort, 5 participants (5 named), 4 pairs,")


def test_reporting_line_rule_can_be_switched_off(scratch: Callable[..., Path]) -> None:
    files = pairs(edited(edited(PAIRS, "K1,P1,P4", "K1,P1,P3"), "K2,P2,P3", "K2,P2,P4"))
    files |= programme("  min_grade_gap: 2\n", "  min_grade_gap: 2\n  exclude_direct_line: no\n")
    code, lines = run_check(scratch(files))
    assert code == 0, "\n".join(lines)


def test_skip_level_rule_can_be_switched_off(scratch: Callable[..., Path]) -> None:
    files = participants(
        "dan@example.org,mentee,B2,Planning,Head of Planning,HQ,,",
        "dan@example.org,mentee,B2,Planning,Head of Planning,HQ,P3,",
    )
    files |= programme("  min_grade_gap: 2\n", "  min_grade_gap: 2\n  exclude_skip_level: false\n")
    code, lines = run_check(scratch(files))
    assert code == 0, "\n".join(lines)


def test_anonymous_story_needs_no_consent(scratch: Callable[..., Path]) -> None:
    story = edited(STORY, "consent:\n  P1: 2026-04-20\n  P4: 2026-04-21\n", "anonymous: true\n")
    code, lines = run_check(scratch({"content/stories/tiktok.md": story}))
    assert code == 0, "\n".join(lines)


def test_story_awaiting_consent_is_not_an_error(scratch: Callable[..., Path]) -> None:
    story = edited(edited(STORY, "  P4: 2026-04-21\n", ""), "approved", "awaiting-consent")
    code, lines = run_check(scratch({"content/stories/tiktok.md": story}))
    assert code == 0, "\n".join(lines)


def test_a_row_with_its_own_errors_is_not_reported_again_by_references(
    scratch: Callable[..., Path],
) -> None:
    # P4's email is wrong: pairs, stories and surveys naming P4 must not also say "no
    # participant has id 'P4'" — the lead fixes one cell, not four.
    files = participants("dan@example.org", "dan at example.org")
    files |= {"data/surveys.csv": SURVEYS + "P4,c1,pre,2\n", "content/stories/tiktok.md": STORY}
    code, lines = run_check(scratch(files))
    assert lines == [
        "data/participants.csv:row 5: column 'email': 'dan at example.org' is not an email "
        "address like name@example.org",
        "1 error found; nothing was written. Fix it and run the command again.",
    ]
    assert code == 2


def test_an_unreadable_table_does_not_make_every_reference_unknown(
    scratch: Callable[..., Path],
) -> None:
    files = {"data/participants.csv": PARTICIPANTS.replace("email,", "mail,", 1)}
    code, lines = run_check(scratch(files))
    assert lines == [
        "data/participants.csv:row 1: column 'email': this required column is missing; check "
        "the header row, or map your header to it under data.columns in programme.yaml",
        "data/participants.csv:row 1: warning: column 'mail': the portal does not use this "
        "column; it is kept private and never published; if it is 'email', rename the header "
        "or map it under data.columns in programme.yaml",
        "1 error and 1 warning found; nothing was written. Fix them and run the command again.",
    ]
    assert code == 2


def test_messages_never_show_python_or_pydantic_wording(scratch: Callable[..., Path]) -> None:
    # Values of the wrong shape are where a Python repr or pydantic's wording would leak.
    text = edited(PROGRAMME, "  spaces: 4\n", "  spaces: [4]\n")
    text = edited(text, "  response_days: 3\n", "  response_days: {days: 3}\n")
    text = edited(text, "  tagline: Juniors mentoring leaders.", "  tagline: [a, b]")
    code, lines = run_check(scratch({"programme.yaml": text}))
    assert lines == [
        "programme.yaml:4:3: programme.tagline: this should be text, not a list or a section",
        "programme.yaml:24:3: design.spaces: a list is not a whole number",
        "programme.yaml:35:3: ground_rules.response_days: a section of 'key: value' lines is "
        "not a whole number",
        "3 errors found; nothing was written. Fix them and run the command again.",
    ]
    assert code == 2


def test_unknown_front_matter_key_warns_and_suggests(scratch: Callable[..., Path]) -> None:
    story = edited(STORY, "status: approved\n", "status: approved\nanonymus: true\n")
    code, lines = run_check(scratch({"content/stories/tiktok.md": story}))
    assert lines[0] == (
        "content/stories/tiktok.md:10: warning: anonymus: unknown front matter key 'anonymus' "
        "is ignored; did you mean 'anonymous'?"
    )
    assert code == 0
    code, lines = run_check(scratch({"content/stories/tiktok.md": story}), "--strict")
    assert code == 2


# --- the org chart (data.people): managers outside the programme --------------------------

# M1 manages Ada (P1) and reports to Dan (P4), a mentee: a line through someone outside the
# programme. Other columns (a name) are allowed, private and unused.
ORG_CHART = """\
id,manager_id,name
M1,P4,Mo Manager
"""
# Ada reports to M1, who is not a participant.
ADA_UNDER_M1 = ("ada@example.org,mentor,A1,Digital,Apprentice,HQ,P3,",
                "ada@example.org,mentor,A1,Digital,Apprentice,HQ,M1,")  # fmt: skip
# Ben no longer reports to Dan, so Ben and Dan may be paired.
BEN_UNMANAGED = ("ben@example.org,mentor,A2,Housing,Officer,HQ,P4,",
                 "ben@example.org,mentor,A2,Housing,Officer,HQ,,")  # fmt: skip
# Ada with Cat, Ben with Dan: outside every reporting line, with or without the org chart.
CROSSED_PAIRS = edited(edited(PAIRS, "K1,P1,P4", "K1,P1,P3"), "K2,P2,P3", "K2,P2,P4")


def org_chart(text: str = ORG_CHART, name: str = "data/org-chart.csv") -> dict[str, str]:
    """Name an org chart under data: in programme.yaml and write it."""
    return programme(
        "  surveys: data/surveys.csv\n", f"  surveys: data/surveys.csv\n  people: {name}\n"
    ) | {name: text}


def test_a_manager_outside_the_programme_is_found_in_the_org_chart(
    scratch: Callable[..., Path],
) -> None:
    files = {"data/participants.csv": edited(edited(PARTICIPANTS, *ADA_UNDER_M1), *BEN_UNMANAGED)}
    code, lines = run_check(scratch(files | pairs(CROSSED_PAIRS) | org_chart()))
    assert lines == [
        "ok: 1 cohort, 4 participants (4 named), 2 pairs, 1 session, 1 survey answer, "
        "0 stories, 0 posts, 0 warnings"
    ]
    assert code == 0


ORG_CHART_RULES = [
    pytest.param(
        participants(*ADA_UNDER_M1) | org_chart(),
        "data/pairs.csv:row 2: column 'mentee_id': Dan Senior (P4) is Ada Junior (P1)'s manager's "
        "manager; a pair must "
        "not be inside one reporting line",
        id="skip-level-through-someone-outside-the-programme",
    ),
    pytest.param(
        participants(*ADA_UNDER_M1) | org_chart("id,manager_id\nM2,P4\n"),
        "data/participants.csv:row 2: column 'manager_id': no participant or person in the "
        "org chart has id 'M1'",
        id="manager-in-neither-table",
    ),
    pytest.param(
        participants(*ADA_UNDER_M1) | org_chart(ORG_CHART + "M1,P3,Mo Manager\n"),
        "data/org-chart.csv:row 3: column 'id': 'M1' is used twice (also on row 2); ids must "
        "be unique",
        id="org-chart-duplicate-id",
    ),
    pytest.param(
        participants(*ADA_UNDER_M1) | org_chart("id,manager_id\nM1,X9\n"),
        "data/org-chart.csv:row 2: column 'manager_id': no participant or person in the org "
        "chart has id 'X9'",
        id="org-chart-unknown-manager",
    ),
    pytest.param(
        participants(*ADA_UNDER_M1) | org_chart("id,manager_id\nM1,M2\nM2,M1\n"),
        "data/org-chart.csv:row 2: column 'manager_id': managers go round in a loop "
        "(M1 → M2 → M1); one of them needs a different manager",
        id="org-chart-loop",
    ),
    pytest.param(
        # Ada → Cat (participants), Cat → M1 (participants), M1 → Ada (org chart).
        participants(
            "cat@example.org,mentee,SCS1,Finance,Director,HQ,,",
            "cat@example.org,mentee,SCS1,Finance,Director,HQ,M1,",
        )
        | org_chart("id,manager_id\nM1,P1\n"),
        "data/participants.csv:row 2: column 'manager_id': managers go round in a loop "
        "(Ada Junior (P1) → Cat Senior (P3) → M1 → Ada Junior (P1); M1's manager is on row 2 of "
        "data/org-chart.csv); one of them "
        "needs a different manager",
        id="loop-across-both-tables",
    ),
    pytest.param(
        org_chart(ORG_CHART + "P1,M1,Ada Junior\n"),
        "data/org-chart.csv:row 3: column 'manager_id': Ada Junior (P1)'s manager is 'M1' here but "
        "'P3' in "
        "data/participants.csv (row 2); the two tables must agree",
        id="org-chart-conflicting-manager",
    ),
    pytest.param(
        org_chart("id,manager_id\n,P4\n"),
        "data/org-chart.csv:row 2: column 'id': this must not be empty",
        id="org-chart-id-empty",
    ),
    pytest.param(
        # The participants table leaves Ada's manager blank; the org chart fills it in.
        participants(
            "ada@example.org,mentor,A1,Digital,Apprentice,HQ,P3,",
            "ada@example.org,mentor,A1,Digital,Apprentice,HQ,,",
        )
        | org_chart("id,manager_id\nP1,P4\n"),
        "data/pairs.csv:row 2: column 'mentee_id': Dan Senior (P4) is Ada Junior (P1)'s manager; "
        "a pair must not be "
        "inside one reporting line",
        id="org-chart-fills-a-blank-manager",
    ),
]


@pytest.mark.parametrize(("files", "expected"), ORG_CHART_RULES)
def test_org_chart_rule_reports_exact_line(
    scratch: Callable[..., Path], files: dict[str, str], expected: str
) -> None:
    code, lines = run_check(scratch(files))
    assert expected in lines, "\n".join(lines)
    # Withholding is a warning (the build goes on without the content); --strict makes it fatal.
    assert code == (0 if ": warning: " in expected else 2)
    if code == 0:
        assert run_check(scratch(files), "--strict")[0] == 2


def test_org_chart_may_repeat_participants_with_the_same_manager(
    scratch: Callable[..., Path],
) -> None:
    # A whole-organisation export lists the participants too: that is not a conflict.
    chart = ORG_CHART + "P1,P3,Ada Junior\nP3,,Cat Senior\nP2,P4,Ben Junior\n"
    code, lines = run_check(scratch(org_chart(chart)))
    assert code == 0, "\n".join(lines)


def test_an_unreadable_org_chart_does_not_make_every_manager_unknown(
    scratch: Callable[..., Path],
) -> None:
    files = participants(*ADA_UNDER_M1) | org_chart()
    del files["data/org-chart.csv"]
    code, lines = run_check(scratch(files))
    assert lines == [
        "data/org-chart.csv: file not found; check the path under 'data:' in programme.yaml",
        "1 error found; nothing was written. Fix it and run the command again.",
    ]
    assert code == 2


def test_xlsx_org_chart_with_its_own_headers(scratch: Callable[..., Path]) -> None:
    files = participants(*ADA_UNDER_M1) | org_chart("", name="data/org-chart.xlsx")
    files["programme.yaml"] = edited(
        files["programme.yaml"],
        "  people: data/org-chart.xlsx\n",
        "  people: data/org-chart.xlsx\n"
        "  columns:\n"
        "    people: {Employee ID: id, Line Manager ID: manager_id}\n",
    )
    del files["data/org-chart.xlsx"]
    root = scratch(files)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [
        ["Employee ID", "Full Name", "Line Manager ID"],
        ["M1", "Mo Manager", "D1"],
        ["D1", "Di Director", "P4"],
    ]:
        sheet.append(row)
    workbook.save(root / "data" / "org-chart.xlsx")
    code, lines = run_check(root)
    # Ada → M1 → D1 → Dan is three levels: the pairs stand. No warning for 'Full Name'.
    assert lines == [
        "ok: 1 cohort, 4 participants (4 named), 2 pairs, 1 session, 1 survey answer, "
        "0 stories, 0 posts, 0 warnings"
    ]
    assert code == 0
    project = load_project(root)
    assert project.org_chart == {"M1": "D1", "D1": "P4"}
    assert project.reporting_tree()["P1"] == "M1"
    # Two levels: Ada → M1 → Dan, read from the workbook, breaks pair K1.
    sheet.cell(row=2, column=3, value="P4")
    workbook.save(root / "data" / "org-chart.xlsx")
    code, lines = run_check(root)
    assert lines[0] == (
        "data/pairs.csv:row 2: column 'mentee_id': Dan Senior (P4) is Ada Junior (P1)'s manager's "
        "manager; a pair must "
        "not be inside one reporting line"
    )
    assert code == 2


def test_org_chart_missing_column_points_at_the_unmapped_header(
    scratch: Callable[..., Path],
) -> None:
    code, lines = run_check(scratch(org_chart("id,Manager ID (line),name\nM1,P4,Mo\n")))
    assert lines == [
        "data/org-chart.csv:row 1: warning: column 'Manager ID (line)': the portal does not use "
        "this column; it is ignored; if it is 'manager_id', rename the header or map it under "
        "data.columns in programme.yaml",
        "data/org-chart.csv:row 1: column 'manager_id': this required column is missing; "
        "check the header row, or map your header to it under data.columns in programme.yaml",
        "data/org-chart.csv:row 1: warning: column 'name': the portal does not use this "
        "column; it is ignored",
        "1 error and 2 warnings found; nothing was written. Fix them and run the command again.",
    ]
    assert code == 2


# --- every problem of a file in one pass ------------------------------------------------


def test_three_mistakes_in_one_story_are_three_problems(scratch: Callable[..., Path]) -> None:
    story = edited(STORY, "date: 2026-05-01", "date: 1 May 2026")
    story = edited(story, "pair: K1", "pair: Ada Junior and Nobody")
    story = edited(story, "  P4: 2026-04-21\n", "  Dan Senoir: 2026-04-21\n")
    code, lines = run_check(scratch({"content/stories/tiktok.md": story}))
    assert lines == [
        "content/stories/tiktok.md:3: date: '1 May 2026' is not a date; write it as "
        "YYYY-MM-DD, e.g. 2026-03-31",
        "content/stories/tiktok.md:5: pair: no pair has the id or names 'Ada Junior and "
        "Nobody' (write 'Name and Name' or the pair id); did you mean Ada Junior and Dan "
        "Senior (K1)?",
        "content/stories/tiktok.md:8: consent.Dan Senoir: no participant has the name or id "
        "'Dan Senoir'; did you mean Dan Senior (P4)?",
        "3 errors found; nothing was written. Fix them and run the command again.",
    ]
    assert code == 2


def test_a_wrong_consent_date_leaves_the_other_entries_checked(
    scratch: Callable[..., Path],
) -> None:
    story = edited(STORY, "  P1: 2026-04-20\n", "  P1: soon\n  P9: 2026-04-20\n")
    code, lines = run_check(scratch({"content/stories/tiktok.md": story}))
    assert lines[:2] == [
        "content/stories/tiktok.md:7: consent.P1: 'soon' is not a date; write it as "
        "YYYY-MM-DD, e.g. 2026-03-31",
        "content/stories/tiktok.md:8: consent.P9: no participant has the name or id 'P9'",
    ]
    assert code == 2


# --- people and pairs by name -----------------------------------------------------------

NAMED_STORY = """\
---
title: Learning TikTok
date: 2026-05-01
summary: Dan learns TikTok from Ada.
pair: {pair}
consent:
  Ada Junior: 2026-04-20
  dan SÉNIOR: 2026-04-21
status: approved
---
Dan and Ada met every month.
"""


@pytest.mark.parametrize(
    "written",
    [
        "K1",
        "k1",
        "Ada Junior and Dan Senior",
        "Dan Senior & Ada Junior",
        "ÁDA  junior and dan senior",
    ],
)
def test_story_pair_and_consent_by_name_resolve_to_ids(
    scratch: Callable[..., Path], written: str
) -> None:
    root = scratch({"content/stories/tiktok.md": NAMED_STORY.format(pair=written)})
    assert run_check(root)[0] == 0
    (story,) = load_project(root).stories
    assert story.pair == "K1"
    assert dict(story.consent) == {"P1": dt.date(2026, 4, 20), "P4": dt.date(2026, 4, 21)}


def test_post_authors_by_name_resolve_to_ids(scratch: Callable[..., Path]) -> None:
    post = edited(POST, "  - office\n  - P1\n", "  - programme OFFICE\n  - Ada Junior\n")
    root = scratch({"content/blog/learned.md": post})
    assert run_check(root)[0] == 0
    (resolved,) = load_project(root).posts
    assert resolved.authors == ("office", "P1")


NAME_RULES = [
    pytest.param(
        {"content/blog/learned.md": edited(POST, "  - P1\n", "  - Ada Junor\n")},
        "content/blog/learned.md:6: authors: no participant or member of staff has the name or "
        "id 'Ada Junor'; did you mean Ada Junior (P1)?",
        id="author-misspelt",
    ),
    pytest.param(
        {"content/blog/learned.md": edited(POST, "  - P1\n", "  - Senior\n")},
        "content/blog/learned.md:6: authors: no participant or member of staff has the name or "
        "id 'Senior'; did you mean Cat Senior (P3), Dan Senior (P4) or Eve Senior (P5)?",
        id="author-surname-only",
    ),
    pytest.param(
        {"content/blog/learned.md": edited(POST, "  - P1\n", "  - P1\n  - Ada Junior\n")},
        "content/blog/learned.md:7: authors: Ada Junior (P1) is listed twice",
        id="author-twice-by-id-and-name",
    ),
    pytest.param(
        {"content/stories/tiktok.md": edited(STORY, "pair: K1", "pair: Ada Junior and Cat Senior")},
        "content/stories/tiktok.md:5: pair: no pair has the id or names 'Ada Junior and Cat "
        "Senior' (write 'Name and Name' or the pair id); did you mean Ada Junior and Dan Senior "
        "(K1) or Ben Junior and Cat Senior (K2)?",
        id="pair-of-two-people-who-are-not-a-pair",
    ),
    pytest.param(
        {
            "content/stories/tiktok.md": edited(
                STORY, "  P4: 2026-04-21\n", "  P4: 2026-04-21\n  Dan Senior: 2026-04-22\n"
            )
        },
        "content/stories/tiktok.md:9: consent.Dan Senior: 'P4' and 'Dan Senior' are the same "
        "person, Dan Senior (P4); keep one of the two",
        id="consent-twice-by-id-and-name",
    ),
    pytest.param(
        {
            "content/stories/tiktok.md": edited(
                STORY, "  P4: 2026-04-21\n", "  Programme office: 2026-04-21\n"
            )
        },
        "content/stories/tiktok.md:8: consent.Programme office: no participant has the name or "
        "id 'Programme office'",
        id="consent-is-for-participants-not-staff",
    ),
]


@pytest.mark.parametrize(("files", "expected"), NAME_RULES)
def test_name_rule_reports_exact_line(
    scratch: Callable[..., Path], files: dict[str, str], expected: str
) -> None:
    extra = {"data/participants.csv": PARTICIPANTS + P5}
    code, lines = run_check(scratch(extra | files))
    assert expected in lines, "\n".join(lines)
    assert code == 2


def test_two_people_with_one_name_must_be_told_apart(scratch: Callable[..., Path]) -> None:
    twin = P5.replace("Eve Senior", "Ada Junior")
    post = edited(POST, "  - P1\n", "  - ada junior\n")
    code, lines = run_check(
        scratch({"data/participants.csv": PARTICIPANTS + twin, "content/blog/learned.md": post})
    )
    assert lines[0] == (
        "content/blog/learned.md:6: authors: 2 people are called 'ada junior': did you mean "
        "Ada Junior (P1) or Ada Junior (P5)? Write the id to say which"
    )
    assert code == 2


def test_names_do_not_change_what_is_withheld(scratch: Callable[..., Path]) -> None:
    # Dan has not agreed to be named: the story is withheld whether it says P4 or his name.
    unconsenting = participants("I plan things.,,,c1,named", "I plan things.,,,c1,none")
    by_id = run_check(scratch({"content/stories/tiktok.md": STORY} | unconsenting))
    by_name = run_check(
        scratch(
            {"content/stories/tiktok.md": NAMED_STORY.format(pair="Ada Junior and Dan Senior")}
            | unconsenting
        )
    )
    assert by_id == by_name
    assert by_id[1][0] == (
        "content/stories/tiktok.md:5: warning: pair: withheld: is about the pair Ada Junior and Dan Senior (K1), and "
        "Dan Senior "
        "(P4) has not agreed to be named; make the story anonymous or leave it out"
    )


# --- blog categories --------------------------------------------------------------------

CATEGORIES = "blog:\n  categories: [Programme news, Reflections, How-to]\n"


def categorised(categories: str) -> dict[str, str]:
    return {
        "programme.yaml": PROGRAMME + CATEGORIES,
        "content/blog/learned.md": edited(POST, "authors:", f"categories: {categories}\nauthors:"),
    }


CATEGORY_RULES = [
    pytest.param(
        categorised("[Reflectons]"),
        "content/blog/learned.md:4: categories: 'Reflectons' is not one of the blog's "
        "categories; did you mean 'Reflections'? The list is under blog.categories in "
        "programme.yaml",
        id="category-misspelt",
    ),
    pytest.param(
        categorised("[Gossip]"),
        "content/blog/learned.md:4: categories: 'Gossip' is not one of the blog's categories "
        "(Programme news, Reflections, How-to). The list is under blog.categories in "
        "programme.yaml",
        id="category-unknown",
    ),
    pytest.param(
        {
            "content/blog/learned.md": edited(
                POST, "authors:", "categories: [Reflections]\nauthors:"
            )
        },
        "content/blog/learned.md:4: categories: 'Reflections' cannot be used: the blog has no "
        "categories yet; the programme lead lists them under blog.categories in programme.yaml",
        id="category-but-none-listed",
    ),
    pytest.param(
        {"programme.yaml": PROGRAMME + "blog:\n  categories: [Events, events]\n"},
        "programme.yaml:" + str(PROGRAMME.count("\n") + 2) + ":24: blog.categories[1]: category "
        "'events' is listed twice (also blog.categories[0]); categories are matched ignoring "
        "case, so list each once",
        id="category-listed-twice",
    ),
]


@pytest.mark.parametrize(("files", "expected"), CATEGORY_RULES)
def test_category_rule_reports_exact_line(
    scratch: Callable[..., Path], files: dict[str, str], expected: str
) -> None:
    code, lines = run_check(scratch(files))
    assert expected in lines, "\n".join(lines)
    assert code == 2


def test_category_is_matched_ignoring_case_and_spelt_as_listed(
    scratch: Callable[..., Path],
) -> None:
    root = scratch(categorised("[reflections, HOW-TO, Reflections]"))
    assert run_check(root)[0] == 0
    (post,) = load_project(root).posts
    assert post.categories == ("Reflections", "How-to")


# --- rules are objects ------------------------------------------------------------------


def test_every_rule_is_a_named_rule_object() -> None:
    from generator.validate import CONFIG_RULES, CROSS_RULES, Rule

    rules = [*CONFIG_RULES, *CROSS_RULES]
    assert all(isinstance(rule, Rule) and callable(rule.check) for rule in rules)
    names = [rule.name for rule in rules]
    assert len(names) == len(set(names))


def test_one_duplicate_check_reports_every_repeat_at_its_place() -> None:
    from generator.validate import duplicates

    found = list(duplicates([("a", 1), ("b", 2), ("a", 3), ("a", 4)]))
    assert found == [("a", 3, 1), ("a", 4, 1)]


def test_a_blank_blog_category_is_an_error(scratch: Callable[..., Path]) -> None:
    code, lines = run_check(
        scratch({"programme.yaml": PROGRAMME + "blog:\n  categories: [Events, ' ']\n"})
    )
    assert lines[0] == (
        "programme.yaml:" + str(PROGRAMME.count("\n") + 2) + ":3: blog.categories: a category "
        "must have a name; remove the empty item"
    )
    assert code == 2


def test_an_anonymous_story_by_pair_names_still_hides_the_pair(
    scratch: Callable[..., Path],
) -> None:
    story = (
        "---\ntitle: Learning TikTok\ndate: 2026-05-01\nsummary: A mentee learns TikTok.\n"
        "pair: Dan Senior and Ada Junior\nanonymous: true\nstatus: approved\n---\n"
        "Then Dan Senior posted a video.\n"
    )
    code, lines = run_check(scratch({"content/stories/tiktok.md": story}))
    assert lines[0] == (
        "content/stories/tiktok.md:9: warning: body: withheld: names Dan Senior (P4), who is in "
        "this anonymous story's pair"
    )
    assert code == 0


@pytest.mark.parametrize(
    "name",
    [
        '"Ben Junior\nBcc: evil@example.org"',  # a line break: header injection in an e-mail
        '"Ben Junior\r\nBcc: evil@example.org"',
        "Ben\x00Junior",  # NUL
        "Ben\x0bJunior",  # vertical tab
        "Ben\u2028Junior",  # Unicode line separator
        "Ben\x85Junior",  # next line (C1)
    ],
)
def test_a_name_with_a_line_break_or_control_character_is_refused(
    scratch: Callable[..., Path], name: str
) -> None:
    """`portal announce` writes names into e-mail headers and calendars: one line, no controls."""
    rows = PARTICIPANTS.replace("P2,Ben Junior,", f"P2,{name},", 1)
    root = scratch({"data/participants.csv": rows})
    code, lines = run_check(root)
    assert code == 2
    assert any(
        line.startswith("data/participants.csv:row 3: column 'name':")
        and "line break or an invisible control character" in line
        for line in lines
    ), lines


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("apply_url", "'https://x.example/?\"><svg onload=alert(1)>'"),
        ("apply_url", "javascript:alert(1)"),
        ("apply_email", '"a@b.example\'"'),
        ("apply_email", "'a@b.example, c@d.example'"),
    ],
)
def test_an_apply_link_must_be_a_plain_address(
    scratch: Callable[..., Path], key: str, value: str
) -> None:
    programme = PROGRAMME.replace(
        "    session_minutes: 60\n", f"    session_minutes: 60\n    {key}: {value}\n", 1
    )
    code, lines = run_check(scratch({"programme.yaml": programme}))
    assert code == 2
    assert any(f"cohorts[0].{key}" in line or f"cohorts.0.{key}" in line for line in lines), lines


def test_one_line_and_free_text_refuse_exactly_the_characters_unicode_says() -> None:
    """The character classes stand for the categories: every code point is asked both ways."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        breaks = category in {"Cc", "Zl", "Zp"}
        control = category == "Cc" and char not in "\t\n\r"
        assert bool(config._CONTROL_OR_BREAK.search(f"a{char}b")) is breaks, hex(code)
        assert bool(config._CONTROL_BUT_LINES.search(f"a{char}b")) is control, hex(code)
    with pytest.raises(ValueError, match="put it on one line"):
        config._one_line("Ada\u2028Lovelace")
    with pytest.raises(ValueError, match="delete it"):
        config._no_control("Ada\x07Lovelace")
    assert config._no_control("one\ttwo\r\nthree") == "one\ttwo\r\nthree"
