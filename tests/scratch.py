"""Scratch projects for tests: a small valid programme written from dedented strings."""

from __future__ import annotations

import textwrap
from pathlib import Path

PROGRAMME = """\
programme:
  name: Test Mentoring
  organisation: Example Org
  tagline: Juniors mentoring leaders.
  objectives: [digital skills, inclusion]
  objective_statement: Leaders learn from new colleagues.
  sponsor: {name: Sam Sponsor, title: Chief Executive}
  contact: {name: Programme office, email: mentoring@example.org}
grades: [A1, A2, B1, B2, SCS1]
staff:
  - {id: office, name: Programme office, title: Team}
cohorts:
  - id: c1
    name: Cohort 1
    applications: {opens: 2026-01-05, closes: 2026-02-06}
    start: 2026-03-02
    end: 2026-08-28
    sessions: 2
    cadence_weeks: 4
    session_minutes: 60
design:
  eligibility: {mentors: Grades A1 and A2, mentees: Grades B2 and above}
  selection: open
  spaces: 4
  sign_up: Apply on the intranet.
  commitment: Two sessions.
  monitoring: A check-in after each session.
session_plan:
  - {number: 1, title: Hello, agenda: [Meet]}
  - {number: 2, title: Goodbye, agenda: [Review]}
ground_rules:
  confidentiality: What is said stays in the pair.
  confidentiality_limits: Except risk of harm.
  who_initiates: mentee
  response_days: 3
  no_retaliation: Nothing said counts against the mentor.
  withdrawal: Tell the office.
  rematch: Ask the office.
success_measures:
  - {key: confidence, label: Digital confidence, survey_field: confidence, target_change: 1}
matching:
  min_grade_gap: 2
privacy:
  public_fields: [name, job_title, department, bio]
  min_group_size: 5
  url_secret: scratch-programme-url-secret
data:
  participants: data/participants.csv
  pairs: data/pairs.csv
  sessions: data/sessions.csv
  surveys: data/surveys.csv
"""

PARTICIPANTS = """\
id,name,email,role,grade,department,job_title,location,manager_id,skills_offered,skills_wanted,interests,bio,photo,pronouns,cohort,consent
P1,Ada Junior,ada@example.org,mentor,A1,Digital,Apprentice,HQ,P3,TikTok;Excel,Budgets,Running,I build things.,,,c1,named
P2,Ben Junior,ben@example.org,mentor,A2,Housing,Officer,HQ,P4,Power BI,Influencing,Chess,I fix things.,,,c1,named
P3,Cat Senior,cat@example.org,mentee,SCS1,Finance,Director,HQ,,Budgets,TikTok,Running,I lead things.,,,c1,named
P4,Dan Senior,dan@example.org,mentee,B2,Planning,Head of Planning,HQ,,Influencing,Power BI,Chess,I plan things.,,,c1,named
"""

PAIRS = """\
pair_id,mentor_id,mentee_id,cohort,status,start_date,goals
K1,P1,P4,c1,active,2026-03-09,Learn TikTok;Understand apprentices
K2,P2,P3,c1,active,2026-03-09,Power BI
"""

SESSIONS = """\
pair_id,date,minutes,status,topics,mentor_rating,mentee_rating
K1,2026-03-16,60,held,Intro,5,4
"""

SURVEYS = """\
participant_id,cohort,phase,confidence
P1,c1,pre,3
"""


def write_project(root: Path, files: dict[str, str] | None = None) -> Path:
    """Write the small valid programme into *root*, with *files* replacing or adding files."""
    defaults = {
        "programme.yaml": PROGRAMME,
        "data/participants.csv": PARTICIPANTS,
        "data/pairs.csv": PAIRS,
        "data/sessions.csv": SESSIONS,
        "data/surveys.csv": SURVEYS,
    }
    defaults.update(files or {})
    for relative, text in defaults.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8", newline="\n")
    return root


def edited(text: str, old: str, new: str) -> str:
    """Return *text* with the one occurrence of *old* replaced by *new* (fail if absent)."""
    if text.count(old) != 1:
        raise AssertionError(f"expected exactly one {old!r} in the scratch text")
    return text.replace(old, new)


def run_check(root: Path, *args: str) -> tuple[int, list[str]]:
    """Run `portal check --project root` in-process; return the exit code and output lines."""
    from click.testing import CliRunner

    from generator.cli import main

    result = CliRunner().invoke(main, ["check", "--project", str(root), *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output.splitlines()
