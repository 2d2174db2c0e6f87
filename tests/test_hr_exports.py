"""HR exports as they come: title rows above the headers, another sheet, grades in any case.

A Workday-style export is saved straight from the HR system: a title and a run date above
the header row, a blank line, the export's own header names, the workers on a sheet that is
not the first, and grade names typed as people type them. `portal check` reads it as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from generator.errors import InputError
from generator.load import load_table
from generator.pipeline import load_project
from tests.scratch import PARTICIPANTS, PROGRAMME, edited, run_check

GRADES = "grades: [Officer, Senior Officer, Manager, Head of Service, Director]"
MAPPING = """\
  participants: data/workday.xlsx
  sheet:
    participants: Workers
  columns:
    participants:
      Employee ID: id
      Legal Name: name
      Work Email: email
      Programme Role: role
      Management Level: grade
      Supervisory Organisation: department
      Manager Employee ID: manager_id
      Intake: cohort
      Named on portal: consent
"""
WORKDAY_PROGRAMME = edited(
    edited(PROGRAMME, "grades: [A1, A2, B1, B2, SCS1]", GRADES),
    "  participants: data/participants.csv\n",
    MAPPING,
)
HEADERS = [
    "Employee ID", "Legal Name", "Work Email", "Programme Role", "Management Level",
    "Supervisory Organisation", "Job Title", "Manager Employee ID", "Intake", "Named on portal",
]  # fmt: skip
WORKERS: list[list[str | None]] = [
    ["P1", "Ada Junior", "ada@example.org", "Mentor", "officer", "Digital", "Apprentice", "P3",
     "c1", "named"],
    ["P2", "Ben Junior", "ben@example.org", "mentor", "SENIOR  OFFICER", "Housing", "Officer",
     "P4", "c1", "named"],
    ["P3", "Cat Senior", "cat@example.org", "mentee", "Director", "Finance", "Director", None,
     "c1", "named"],
    ["P4", "Dan Senior", "dan@example.org", "mentee", " Head of service ", "Planning",
     "Head of Planning", None, "c1", "named"],
]  # fmt: skip
TITLE_ROWS: list[list[str | None]] = [["Worker Report"], ["Run on 01/11/2026", None, "by HRIS"], []]


def write_workday_export(
    root: Path,
    workers: list[list[str | None]] = WORKERS,
    titles: list[list[str | None]] = TITLE_ROWS,
) -> Path:
    """Save an export the way Workday does: a summary sheet first, the workers on 'Workers'."""
    workbook = openpyxl.Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "Summary"
    summary.append(["Workers in report", len(workers)])
    sheet = workbook.create_sheet("Workers")
    for row in [*titles, HEADERS, *workers]:
        sheet.append(row)
    path = root / "data" / "workday.xlsx"
    workbook.save(path)
    return path


def test_workday_export_is_read_as_it_comes(scratch: Callable[..., Path]) -> None:
    root = scratch({"programme.yaml": WORKDAY_PROGRAMME})
    write_workday_export(root)
    code, lines = run_check(root)
    assert (code, lines) == (
        0,
        [
            "ok: 1 cohort, 4 participants (4 named), 2 pairs, 1 session, 1 survey answer, "
            "0 stories, 0 posts, 0 warnings"
        ],
    )
    project = load_project(root)
    # Grades reach every later stage in the programme's own spelling.
    assert [p.grade for p in project.participants] == [
        "Officer",
        "Senior Officer",
        "Director",
        "Head of Service",
    ]
    assert project.participants[0].role == "mentor"
    assert project.participants[0].job_title == "Apprentice"


def test_rows_keep_the_numbers_the_spreadsheet_shows(scratch: Callable[..., Path]) -> None:
    root = scratch({"programme.yaml": WORKDAY_PROGRAMME})
    workers = [list(row) for row in WORKERS]
    workers[1][2] = "ben at example.org"  # the 2nd worker: row 6 under 3 title rows and the header
    write_workday_export(root, workers)
    code, lines = run_check(root)
    assert lines[0] == (
        "data/workday.xlsx:row 6: column 'Work Email': 'ben at example.org' is not an email "
        "address like name@example.org"
    )
    assert code == 2


def test_load_finds_the_header_below_the_title_rows(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    path = write_workday_export(tmp_path)
    mapping = {"Employee ID": "id", "Work Email": "email"}
    table = load_table(path, "workday.xlsx", mapping, sheet="Workers", required=("id", "email"))
    assert table.header_row == 4
    assert table.row_numbers == (5, 6, 7, 8)
    assert table.columns[:3] == ("id", "legal_name", "email")


def test_header_row_can_be_set(scratch: Callable[..., Path]) -> None:
    text = edited(WORKDAY_PROGRAMME, "  sheet:\n", "  header_row:\n    participants: 4\n  sheet:\n")
    root = scratch({"programme.yaml": text})
    write_workday_export(root)
    assert run_check(root)[0] == 0


@pytest.mark.parametrize(
    ("row", "reason"),
    [(3, "that row is blank"), (40, "the table ends on row 8")],
)
def test_header_row_that_holds_no_headers(
    scratch: Callable[..., Path], row: int, reason: str
) -> None:
    text = edited(
        WORKDAY_PROGRAMME, "  sheet:\n", f"  header_row:\n    participants: {row}\n  sheet:\n"
    )
    root = scratch({"programme.yaml": text})
    write_workday_export(root)
    code, lines = run_check(root)
    assert lines[0] == (
        f"data/workday.xlsx: data.header_row in programme.yaml puts the headers on row {row}, "
        f"but {reason}"
    )
    assert code == 2


def test_header_row_of_an_unknown_table_is_an_error(scratch: Callable[..., Path]) -> None:
    text = edited(WORKDAY_PROGRAMME, "  sheet:\n", "  header_row:\n    workers: 4\n  sheet:\n")
    code, lines = run_check(scratch({"programme.yaml": text}))
    assert lines[0].endswith(
        "data.header_row: 'workers' is not a table (participants, pairs, sessions, surveys, people)"
    )
    assert code == 2


def test_unknown_sheet_lists_the_sheets_and_suggests_one(scratch: Callable[..., Path]) -> None:
    root = scratch({"programme.yaml": WORKDAY_PROGRAMME.replace(": Workers", ": Worker")})
    write_workday_export(root)
    code, lines = run_check(root)
    assert lines[0] == (
        "data/workday.xlsx: there is no sheet 'Worker' in this workbook (data.sheet in "
        "programme.yaml); its sheets are 'Summary' and 'Workers'; did you mean 'Workers'?"
    )
    assert code == 2


def test_sheet_name_ignores_case_and_spacing(scratch: Callable[..., Path]) -> None:
    root = scratch({"programme.yaml": WORKDAY_PROGRAMME.replace(": Workers", ": ' workers '")})
    write_workday_export(root)
    assert run_check(root)[0] == 0


def test_without_a_sheet_the_first_is_read(scratch: Callable[..., Path]) -> None:
    root = scratch(
        {"programme.yaml": WORKDAY_PROGRAMME.replace("  sheet:\n    participants: Workers\n", "")}
    )
    write_workday_export(root)
    code, lines = run_check(root)
    assert (
        "data/workday.xlsx:row 1: column 'id': this required column is missing; check the "
        "header row, or map your header to it under data.columns in programme.yaml"
    ) in lines
    assert code == 2


def test_a_sheet_for_a_csv_file_is_an_error(scratch: Callable[..., Path]) -> None:
    text = edited(
        PROGRAMME,
        "  pairs: data/pairs.csv\n",
        "  pairs: data/pairs.csv\n  sheet:\n    pairs: Pairs\n",
    )
    code, lines = run_check(scratch({"programme.yaml": text}))
    assert lines[0] == (
        "data/pairs.csv: data.sheet in programme.yaml names the sheet 'Pairs', but a CSV file "
        "has no sheets; remove the setting, or name the workbook"
    )
    assert code == 2


def test_unknown_grade_suggests_the_programme_spelling(scratch: Callable[..., Path]) -> None:
    root = scratch({"programme.yaml": WORKDAY_PROGRAMME})
    workers = [list(row) for row in WORKERS]
    workers[3][4] = "Head of Servce"
    write_workday_export(root, workers)
    code, lines = run_check(root)
    assert lines[0] == (
        "data/workday.xlsx:row 8: column 'Management Level': 'Head of Servce' is not one of "
        "the programme's grades (Officer, Senior Officer, Manager, Head of Service, Director); "
        "did you mean 'Head of Service'?"
    )
    assert code == 2


def test_csv_export_with_title_lines(scratch: Callable[..., Path]) -> None:
    # Excel pads every line of a CSV file to the width of the table, title lines too.
    width = PARTICIPANTS.splitlines()[0].count(",")
    titles = f"Participants report{',' * width}\n{',' * width}\n"
    text = titles + edited(
        PARTICIPANTS, "ben@example.org,mentor,A2,", "ben@example.org,mentor,a 2,"
    )
    code, lines = run_check(scratch({"data/participants.csv": text}))
    assert lines[0] == (
        "data/participants.csv:row 5: column 'grade': 'a 2' is not one of the programme's "
        "grades (A1, A2, B1, B2, SCS1); did you mean 'A2'?"
    )
    assert code == 2
    fixed = titles + PARTICIPANTS.replace(",A2,", ",a2,")
    project = load_project(scratch({"data/participants.csv": fixed}))
    assert project.participants[1].grade == "A2"


def test_header_search_prefers_the_most_complete_row(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Report of id and name\nid,name\nid,name,email\nP1,Ada,ada@example.org\n")
    table = load_table(path, "people.csv", required=("id", "name", "email", "role"))
    assert (table.header_row, table.columns, table.row_numbers) == (
        3,
        ("id", "name", "email"),
        (4,),
    )


def test_without_required_columns_the_first_non_blank_row_is_the_header(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("\n\nid,name\nP1,Ada\n")
    table = load_table(path, "people.csv")
    assert (table.header_row, table.rows) == (3, ({"id": "P1", "name": "Ada"},))


def test_repeated_header_is_located_at_the_header_row(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Report\nid,name,ID\nP1,Ada,P1\n")
    with pytest.raises(InputError) as error:
        load_table(path, "people.csv", required=("id", "name"))
    assert [str(p) for p in error.value.problems] == [
        "people.csv:row 2: column 'id': this column appears more than once ('id', 'ID'); "
        "keep only one"
    ]
