"""`portal check`: exit codes, the summary, every problem in one pass, --strict and --debug.

The command is what a programme lead runs after dropping in a new HR export, so its output is
asserted as exact text, the way sqlite-utils tests its CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks.synthetic import write_synthetic_programme
from tests.conftest import REPO
from tests.scratch import PARTICIPANTS, PROGRAMME, edited, run_check

OK = (
    "ok: 1 cohort, 4 participants (4 named), 2 pairs, 1 session, 1 survey answer, 0 stories, "
    "0 posts, 0 warnings"
)


def portal(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m generator` as a user would, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )


def test_valid_project_exits_0_with_a_one_line_summary(scratch: Callable[..., Path]) -> None:
    assert run_check(scratch()) == (0, [OK])


def test_check_defaults_to_the_current_folder(scratch: Callable[..., Path]) -> None:
    result = portal("check", cwd=scratch())
    assert (result.returncode, result.stdout, result.stderr) == (0, OK + "\n", "")


def test_missing_programme_yaml_says_where_it_looked(tmp_path: Path) -> None:
    code, lines = run_check(tmp_path)
    assert lines == [
        f"programme.yaml: not found in {tmp_path.resolve()}; run portal in the project folder "
        "or pass --project",
        "1 error found; nothing was written. Fix it and run the command again.",
    ]
    assert code == 2


def test_three_errors_in_one_file_give_three_lines(scratch: Callable[..., Path]) -> None:
    text = edited(PARTICIPANTS, "ada@example.org,mentor,", "ada.example.org,mentor,")
    text = edited(text, "ben@example.org,mentor,A2,", "ben@example.org,mentor,C3,")
    text = edited(text, "cat@example.org,mentee,SCS1,Finance,Director,HQ,,",
                  "cat@example.org,mentee,SCS1,Finance,Director,HQ,P7,")  # fmt: skip
    code, lines = run_check(scratch({"data/participants.csv": text}))
    assert lines == [
        "data/participants.csv:row 2: column 'email': 'ada.example.org' is not an email address "
        "like name@example.org",
        "data/participants.csv:row 3: column 'grade': 'C3' is not one of the programme's grades "
        "(A1, A2, B1, B2, SCS1)",
        "data/participants.csv:row 4: column 'manager_id': no participant has id 'P7'; if they "
        "are not in the programme, list them in the org chart table (data.people in "
        "programme.yaml)",
        "3 errors found; nothing was written. Fix them and run the command again.",
    ]
    assert code == 2


def test_every_table_and_content_file_is_checked_in_one_pass(
    scratch: Callable[..., Path],
) -> None:
    # One mistake in each input, field errors and cross-file errors alike: one run finds all.
    files = {
        "data/participants.csv": edited(PARTICIPANTS, "ben@example.org", "ben@"),
        "data/pairs.csv": "pair_id,mentor_id,mentee_id,cohort,status,start_date,goals\n"
        "K1,P1,P4,c1,active,2026-03-09,\nK2,P2,P3,c1,active,2026-03-09,\nK3,P1,P3,c4,,,\n",
        "data/sessions.csv": "pair_id,date,minutes,status,topics,mentor_rating,mentee_rating\n"
        "K9,2026-03-16,60,held,,,\n",
        "data/surveys.csv": "participant_id,cohort,phase,confidence\nP1,c1,before,3\n",
        "content/blog/hello.md": "---\ntitle: Hello\ndate: 2026-05-01\nauthors: [P8]\n---\n",
    }
    code, lines = run_check(scratch(files))
    assert lines == [
        "content/blog/hello.md:4: authors: no participant or member of staff has the name or id "
        "'P8'",
        "data/pairs.csv:row 4: column 'cohort': 'c4' is not a cohort in programme.yaml (c1)",
        "data/pairs.csv:row 4: column 'status': this must not be empty; write proposed, active, "
        "paused, completed or withdrawn",
        "data/participants.csv:row 3: column 'email': 'ben@' is not an email address like "
        "name@example.org",
        "data/sessions.csv:row 2: column 'pair_id': no pair has id 'K9'",
        "data/surveys.csv:row 2: column 'phase': 'before' is not allowed here; write pre or post",
        "6 errors found; nothing was written. Fix them and run the command again.",
    ]
    assert code == 2


def test_an_invalid_programme_yaml_is_reported_before_the_tables(
    scratch: Callable[..., Path],
) -> None:
    # The tables are read with programme.yaml's settings, so they wait until it is valid.
    files = {
        "programme.yaml": edited(PROGRAMME, "  spaces: 4\n", "  spaces: four\n"),
        "data/sessions.csv": "pair_id,date\nK9,2026-03-16\n",
    }
    code, lines = run_check(scratch(files))
    assert lines == [
        "programme.yaml:24:3: design.spaces: 'four' is not a whole number",
        "1 error found; nothing was written. Fix it and run the command again.",
    ]
    assert code == 2


def test_warning_alone_exits_0_and_is_printed(scratch: Callable[..., Path]) -> None:
    text = PARTICIPANTS.replace("consent\n", "consent,shoe_size\n", 1)
    code, lines = run_check(scratch({"data/participants.csv": text}))
    assert lines == [
        "data/participants.csv:row 1: warning: column 'shoe_size': the portal does not use this "
        "column; it is kept private and never published",
        OK.replace("0 warnings", "1 warning"),
    ]
    assert code == 0


def test_strict_turns_a_warning_into_exit_2(scratch: Callable[..., Path]) -> None:
    text = PARTICIPANTS.replace("consent\n", "consent,shoe_size\n", 1)
    code, lines = run_check(scratch({"data/participants.csv": text}), "--strict")
    assert lines == [
        "data/participants.csv:row 1: warning: column 'shoe_size': the portal does not use this "
        "column; it is kept private and never published",
        "1 warning found, and --strict makes warnings fatal; nothing was written.",
    ]
    assert code == 2


def test_strict_unknown_key_in_programme_yaml(scratch: Callable[..., Path]) -> None:
    text = edited(PROGRAMME, "  min_grade_gap: 2\n", "  min_grade_gap: 2\n  min_grade_cap: 3\n")
    root = scratch({"programme.yaml": text})
    assert run_check(root)[0] == 0
    code, lines = run_check(root, "--strict")
    assert lines == [
        "programme.yaml:43:3: warning: matching.min_grade_cap: unknown key 'min_grade_cap' is "
        "ignored; did you mean 'min_grade_gap'?",
        "1 warning found, and --strict makes warnings fatal; nothing was written.",
    ]
    assert code == 2


def test_no_traceback_without_debug(scratch: Callable[..., Path]) -> None:
    root = scratch({"programme.yaml": "programme: [unclosed\n"})
    result = portal("check", "--project", str(root), cwd=root)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "programme.yaml:2:1: a list opened with '[' is not closed with ']'\n"
        "1 error found; nothing was written. Fix it and run the command again.\n"
    )


def test_debug_shows_the_traceback(scratch: Callable[..., Path]) -> None:
    root = scratch({"programme.yaml": "programme: [unclosed\n"})
    result = portal("check", "--project", str(root), "--debug", cwd=root)
    assert result.returncode != 0
    assert "Traceback (most recent call last):" in result.stderr
    assert result.stderr.rstrip().endswith(
        "generator.errors.InputError: programme.yaml:2:1: a list opened with '[' is not closed "
        "with ']'"
    )


def test_synthetic_programme_is_valid_and_deterministic(tmp_path: Path) -> None:
    first = write_synthetic_programme(tmp_path / "a", 301, seed=7, stories=4, posts=6)
    second = write_synthetic_programme(tmp_path / "b", 301, seed=7, stories=4, posts=6)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert len(files) == 16  # programme.yaml, logo, 4 tables, 4 stories, 6 posts
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    code, lines = run_check(first, "--strict")
    assert code == 0, "\n".join(lines)
    assert lines[0].startswith("ok: 3 cohorts, 301 participants (")
    assert ", 150 pairs, " in lines[0]
    assert lines[0].endswith(", 4 stories, 6 posts, 0 warnings")
