"""Loaders: programme.yaml through strict YAML, tables as text, Markdown with front matter.

Every pitfall a real programme office hits is here: HR exports in Excel or Windows-1252 with
their own headers, people called "NA", ids with leading zeros, YAML 1.1 turning `no` into
false. Each is asserted on the value loaded, or on the exact line `portal check` prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from generator.errors import InputError
from generator.load import (
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    load_markdown,
    load_table,
    parse_yaml,
    split_multi,
)
from generator.pipeline import load_project
from tests.scratch import PARTICIPANTS, PROGRAMME, edited, run_check

HEADER = PARTICIPANTS.splitlines()[0]


def problems(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in error.value.problems]


# --- programme.yaml: strict YAML --------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["no", "yes", "off", "On", "010", "0o17", "0x1F", "1e3", "+12", ".nan", "12:30", "2026-03-02"],
)
def test_yaml_1_1_lookalikes_stay_the_text_written(
    scratch: Callable[..., Path], written: str
) -> None:
    text = edited(PROGRAMME, "tagline: Juniors mentoring leaders.", f"tagline: {written}")
    text = edited(text, "name: Cohort 1", f"name: {written}")
    config = load_project(scratch({"programme.yaml": text})).config
    assert config.programme.tagline == written
    assert config.cohorts[0].name == written


def test_typed_fields_are_still_typed_from_text(scratch: Callable[..., Path]) -> None:
    config = load_project(scratch()).config
    assert config.cohorts[0].start == dt.date(2026, 3, 2)
    assert config.cohorts[0].sessions == 2
    assert config.success_measures[0].target_change == 1.0
    assert config.matching.exclude_direct_line is True


def test_grades_that_look_like_numbers_keep_their_leading_zeros(
    scratch: Callable[..., Path],
) -> None:
    text = edited(PROGRAMME, "grades: [A1, A2, B1, B2, SCS1]", "grades: [01, 02, 03, 04, 10]")
    people = PARTICIPANTS.replace(",A1,", ",01,").replace(",A2,", ",02,")
    people = people.replace(",B2,", ",04,").replace(",SCS1,", ",10,")
    project = load_project(scratch({"programme.yaml": text, "data/participants.csv": people}))
    assert project.config.grades == ["01", "02", "03", "04", "10"]
    assert project.participants[0].grade == "01"


def test_front_matter_lookalikes_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    path.write_text("---\ntitle: no\nsummary: 12:30\ntags: [010, yes, 2026-05-01]\n---\n")
    assert load_markdown(path, "post.md").meta.data == {
        "title": "no",
        "summary": "12:30",
        "tags": ["010", "yes", "2026-05-01"],
    }


def test_pure_python_parser_reads_the_same_document(monkeypatch: pytest.MonkeyPatch) -> None:
    # libyaml parses valid files fast; PyYAML's own parser is the fallback (and explains
    # syntax errors). Both must give the same values and positions.
    text = PROGRAMME + "extra:\n  - {a: no, b: '010', c: 12:30}\n  - ~\n"
    fast = parse_yaml(text, "programme.yaml")
    monkeypatch.setattr("generator.load._FastStrictComposer", None)
    slow = parse_yaml(text, "programme.yaml")
    assert slow.data == fast.data
    assert slow.positions == fast.positions
    assert slow.data["extra"] == [{"a": "no", "b": "010", "c": "12:30"}, None]


def test_pure_python_parser_is_as_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("generator.load._FastStrictComposer", None)
    with pytest.raises(InputError) as error:
        parse_yaml("a: &x 1\nb: [[[[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]]]\n", "f.yaml")
    assert problems(error) == [
        "f.yaml:1:4: '&x' marks a value for reuse; YAML anchors are not allowed here, so remove it"
    ]
    with pytest.raises(InputError) as error:
        parse_yaml("b: [[[[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]]]\n", "f.yaml")
    assert problems(error) == [
        "f.yaml:1:23: this is nested more than 20 levels deep; the file must be simpler than that"
    ]


def test_duplicate_key_names_both_lines(scratch: Callable[..., Path]) -> None:
    text = edited(PROGRAMME, "  spaces: 4\n", "  spaces: 4\n  sign_up: Email us.\n")
    code, lines = run_check(scratch({"programme.yaml": text}))
    assert lines[0] == (
        "programme.yaml:26:3: design.sign_up: 'sign_up' is set twice, on line 25 and on line 26; "
        "keep only one"
    )
    assert code == 2


def test_duplicate_keys_are_all_reported(scratch: Callable[..., Path]) -> None:
    text = edited(PROGRAMME, "  spaces: 4\n", "  spaces: 4\n  spaces: 5\n")
    text = edited(text, "  min_grade_gap: 2\n", "  min_grade_gap: 2\n  min_grade_gap: 3\n")
    code, lines = run_check(scratch({"programme.yaml": text}))
    assert lines == [
        "programme.yaml:25:3: design.spaces: 'spaces' is set twice, on line 24 and on line 25; "
        "keep only one",
        "programme.yaml:44:3: matching.min_grade_gap: 'min_grade_gap' is set twice, on line 43 "
        "and on line 44; keep only one",
        "2 errors found; nothing was written. Fix them and run the command again.",
    ]
    assert code == 2


def test_anchor_is_rejected(scratch: Callable[..., Path]) -> None:
    text = edited(PROGRAMME, "  sign_up: Apply on the intranet.", "  sign_up: &how Apply here.")
    code, lines = run_check(scratch({"programme.yaml": text}))
    assert lines[0] == (
        "programme.yaml:25:12: '&how' marks a value for reuse; YAML anchors are not allowed "
        "here, so remove it"
    )
    assert code == 2


def test_alias_is_rejected(scratch: Callable[..., Path]) -> None:
    text = edited(PROGRAMME, "  commitment: Two sessions.", "  commitment: *how")
    code, lines = run_check(scratch({"programme.yaml": text}))
    assert lines[0] == (
        "programme.yaml:26:15: '*how' repeats a value marked elsewhere; YAML aliases are not "
        "allowed here, so write the value out in full"
    )
    assert code == 2


def test_merge_key_cannot_smuggle_an_alias() -> None:
    with pytest.raises(InputError) as error:
        parse_yaml("base: &b {x: 1}\nother:\n  <<: *b\n", "f.yaml")
    assert problems(error) == [
        "f.yaml:1:7: '&b' marks a value for reuse; YAML anchors are not allowed here, so remove it"
    ]


def test_nesting_deeper_than_the_limit_is_rejected() -> None:
    text = "".join("  " * level + f"k{level}:\n" for level in range(MAX_YAML_DEPTH)) + (
        "  " * MAX_YAML_DEPTH + "leaf: x\n"
    )
    with pytest.raises(InputError) as error:
        parse_yaml(text, "deep.yaml")
    assert problems(error) == [
        f"deep.yaml:{MAX_YAML_DEPTH}:{2 * MAX_YAML_DEPTH - 1}: this is nested more than "
        f"{MAX_YAML_DEPTH} levels deep; the file must be simpler than that"
    ]


def test_nesting_up_to_the_limit_is_fine() -> None:
    levels = MAX_YAML_DEPTH - 2  # the top-level mapping and the leaf value are levels too
    text = "".join("  " * level + f"k{level}:\n" for level in range(levels)) + (
        "  " * levels + "leaf: x\n"
    )
    assert parse_yaml(text, "ok.yaml").data["k0"]["k1"] is not None


def test_flow_nesting_counts_too() -> None:
    text = "x: " + "[" * (MAX_YAML_DEPTH + 5) + "]" * (MAX_YAML_DEPTH + 5) + "\n"
    with pytest.raises(InputError) as error:
        parse_yaml(text, "flow.yaml")
    assert "is nested more than 20 levels deep" in problems(error)[0]


def test_file_larger_than_the_limit_is_rejected(scratch: Callable[..., Path]) -> None:
    padding = "# " + "x" * 98 + "\n"
    text = PROGRAMME + padding * (MAX_YAML_BYTES // len(padding) + 1)
    code, lines = run_check(scratch({"programme.yaml": text}))
    size = len(text.encode())
    assert lines[0] == (
        f"programme.yaml: the file is {size:,} bytes, more than the {MAX_YAML_BYTES:,} allowed; "
        "is it the right file?"
    )
    assert code == 2


def test_yaml_tags_are_rejected() -> None:
    with pytest.raises(InputError) as error:
        parse_yaml("a: !!int 3\nb: !!python/object:os.system x\n", "t.yaml")
    assert problems(error) == [
        "t.yaml:1:4: a: YAML tags such as '!!int' are not allowed; write the plain value",
        "t.yaml:2:4: b: YAML tags such as '!!python/object:os.system' are not allowed; "
        "write the plain value",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a:\n\tb: 1\n", "f.yaml:2:1: a tab is used here; indent with spaces, never tabs"),
        (
            "title: Hello: world\n",
            "f.yaml:1:13: unexpected ':' here; check the indentation, and put a value "
            "containing ': ' in quotes",
        ),
        ("a: 'open\nb: 1\n", "f.yaml:1:4: a quote is opened here but never closed"),
        ("a: [x, y\n", "f.yaml:2:1: a list opened with '[' is not closed with ']'"),
        ("a:\n  b: 1\n c: 2\n", "f.yaml:3:2: this line is not indented like the lines around it"),
        ("a: @home\n", "f.yaml:1:4: a value cannot start with this character; put it in quotes"),
    ],
    ids=["tab", "colon-in-value", "open-quote", "open-list", "indentation", "reserved-char"],
)
def test_yaml_syntax_errors_are_explained(text: str, expected: str) -> None:
    with pytest.raises(InputError) as error:
        parse_yaml(text, "f.yaml")
    assert problems(error) == [expected]


def test_unknown_key_suggests_the_known_one(scratch: Callable[..., Path]) -> None:
    text = edited(PROGRAMME, "  tagline: Juniors", "  tagine: Juniors")
    code, lines = run_check(scratch({"programme.yaml": text}))
    assert lines[0] == (
        "programme.yaml:4:3: warning: programme.tagine: unknown key 'tagine' is ignored; "
        "did you mean 'tagline'?"
    )
    assert code == 0


def test_unknown_key_is_shown_with_the_error_it_explains(scratch: Callable[..., Path]) -> None:
    text = edited(PROGRAMME, "  name: Test Mentoring", "  nmae: Test Mentoring")
    code, lines = run_check(scratch({"programme.yaml": text}))
    assert lines == [
        "programme.yaml:1:1: programme.name: this is required but missing",
        "programme.yaml:2:3: warning: programme.nmae: unknown key 'nmae' is ignored; "
        "did you mean 'name'?",
        "1 error and 1 warning found; nothing was written. Fix them and run the command again.",
    ]
    assert code == 2


# --- tables -----------------------------------------------------------------------------

ROWS = [
    ["00123", "NA", "na@example.org", "mentor", "A1", "Digital"],
    ["P2", "Null", "null@example.org", "mentor", "A2", "Housing"],
    ["P3", "None", "none@example.org", "mentee", "SCS1", "Finance"],
    ["P4", "Zoë Müller", "zoe@example.org", "mentee", "B2", "Planning"],
]
COLUMNS = ["id", "name", "email", "role", "grade", "department"]


def write_csv(path: Path, rows: list[list[str]], sep: str, encoding: str) -> Path:
    text = "\r\n".join(sep.join(row) for row in [COLUMNS, *rows]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def names_and_ids(path: Path) -> list[tuple[str, str]]:
    table = load_table(path, path.name)
    return [(row["id"], row["name"]) for row in table.rows]


EXPECTED = [("00123", "NA"), ("P2", "Null"), ("P3", "None"), ("P4", "Zoë Müller")]


def test_csv_keeps_na_null_none_and_leading_zeros(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", ROWS, ",", "utf-8")
    assert names_and_ids(path) == EXPECTED


def test_csv_with_utf8_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", ROWS, ",", "utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfid,")
    assert load_table(path, "people.csv").columns == tuple(COLUMNS)
    assert names_and_ids(path) == EXPECTED


def test_csv_in_windows_1252(tmp_path: Path) -> None:
    rows = [*ROWS, ["P5", "Renée Dupré", "renee@example.org", "mentor", "A1", "Budget €"]]
    path = write_csv(tmp_path / "people.csv", rows, ",", "cp1252")
    assert b"Zo\xeb" in path.read_bytes() and b"\x80" in path.read_bytes()
    table = load_table(path, "people.csv")
    assert [r["name"] for r in table.rows] == ["NA", "Null", "None", "Zoë Müller", "Renée Dupré"]
    assert table.rows[-1]["department"] == "Budget €"


def test_csv_separated_by_semicolons(tmp_path: Path) -> None:
    rows = [[*ROWS[0][:5], "Digital, Data and Technology"], *ROWS[1:]]
    path = write_csv(tmp_path / "people.csv", rows, ";", "utf-8")
    table = load_table(path, "people.csv")
    assert table.columns == tuple(COLUMNS)
    assert table.rows[0]["department"] == "Digital, Data and Technology"
    assert names_and_ids(path) == EXPECTED


def test_xlsx_cells_are_read_as_text(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([*COLUMNS, "start_date", "sessions"])
    for row in ROWS:
        sheet.append([*row, dt.date(2026, 3, 9), 6])
    sheet.append([None] * 8)  # a blank row in the middle still counts as a row
    sheet.append(["P6", "Amaka Obi", "amaka@example.org", "mentor", "A1", "Legal", None, 12])
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    table = load_table(path, "people.xlsx")
    assert [(r["id"], r["name"]) for r in table.rows] == [*EXPECTED, ("P6", "Amaka Obi")]
    assert table.rows[0]["start_date"] == "2026-03-09"
    assert table.rows[0]["sessions"] == "6"
    assert table.rows[-1]["start_date"] == ""
    assert [table.row_number(i) for i in range(len(table.rows))] == [2, 3, 4, 5, 7]


def test_xlsx_programme_passes_check(scratch: Callable[..., Path]) -> None:
    root = scratch(
        {"programme.yaml": PROGRAMME.replace("data/participants.csv", "data/people.xlsx")}
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in PARTICIPANTS.splitlines():
        sheet.append(line.split(","))
    workbook.save(root / "data" / "people.xlsx")
    project = load_project(root)
    assert [p.name for p in project.participants][:2] == ["Ada Junior", "Ben Junior"]
    assert project.participants[0].skills_offered == ("TikTok", "Excel")


def test_xlsx_error_names_the_row_excel_shows(scratch: Callable[..., Path]) -> None:
    root = scratch(
        {"programme.yaml": PROGRAMME.replace("data/participants.csv", "data/people.xlsx")}
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    lines = PARTICIPANTS.splitlines()
    for line in [lines[0], lines[1], "", lines[2], lines[3], lines[4]]:
        sheet.append(line.split(",") if line else [])
    sheet["E6"] = "B7"  # Dan's grade, on the sixth row of the sheet
    workbook.save(root / "data" / "people.xlsx")
    code, out = run_check(root)
    assert out[0] == (
        "data/people.xlsx:row 6: column 'grade': 'B7' is not one of the programme's grades "
        "(A1, A2, B1, B2, SCS1)"
    )
    assert code == 2


def test_blank_lines_in_a_csv_do_not_shift_row_numbers(scratch: Callable[..., Path]) -> None:
    lines = PARTICIPANTS.splitlines()
    text = "\n".join([lines[0], lines[1], "", lines[2], ",,,,,,,,,,,,,,,,", lines[3], lines[4]])
    text = edited(text, "dan@example.org,mentee,B2,", "dan@example.org,mentee,B7,")
    code, out = run_check(scratch({"data/participants.csv": text + "\n"}))
    assert out[0] == (
        "data/participants.csv:row 7: column 'grade': 'B7' is not one of the programme's grades "
        "(A1, A2, B1, B2, SCS1)"
    )
    assert code == 2


def test_multi_value_cells_split_on_semicolons_commas_and_line_breaks(
    scratch: Callable[..., Path],
) -> None:
    text = edited(PARTICIPANTS, "TikTok;Excel,Budgets,Running", '"TikTok\nExcel\n",Budgets,"A, B"')
    text = edited(text, "Power BI,Influencing,Chess", "Power BI,Influencing;Writing,Chess")
    project = load_project(scratch({"data/participants.csv": text}))
    ada, ben = project.participants[:2]
    assert ada.skills_offered == ("TikTok", "Excel")
    assert ada.interests == ("A", "B")
    assert ben.skills_wanted == ("Influencing", "Writing")


@pytest.mark.parametrize(
    ("cell", "values"),
    [
        ("TikTok; Excel", ("TikTok", "Excel")),
        ("TikTok, Excel", ("TikTok", "Excel")),
        ("TikTok\nExcel", ("TikTok", "Excel")),
        ("TikTok,\nPower BI, advanced\n", ("TikTok", "Power BI, advanced")),
        ("TikTok;\n;Excel", ("TikTok", "Excel")),
        (" ; ", ()),
        ("", ()),
    ],
)
def test_split_multi(cell: str, values: tuple[str, ...]) -> None:
    assert split_multi(cell) == values


HR_PROGRAMME = edited(
    PROGRAMME,
    "  participants: data/participants.csv\n",
    """\
  participants: data/hr-export.xlsx
  columns:
    participants:
      Employee ID: id
      Full Name: name
      Work Email: email
      Programme Role: role
      Management Level: grade
      Directorate: department
      Supervisor ID: manager_id
      Intake: cohort
      Named on portal: consent
""",
)
HR_HEADERS = [
    "Employee ID", "Full Name", "Work Email", "Programme Role", "Management Level",
    "Directorate", "Job Title", "Supervisor ID", "Skills Offered", "Skills Wanted", "Intake",
    "Named on portal", "Cost Centre",
]  # fmt: skip
HR_ROWS = [
    ["P1", "Ada Junior", "ada@example.org", "mentor", "A1", "Digital", "Apprentice", "P3",
     "TikTok\nExcel", "Budgets", "c1", "named", "CC-10"],
    ["P2", "Ben Junior", "ben@example.org", "mentor", "A2", "Housing", "Officer", "P4",
     "Power BI", "Influencing", "c1", "named", "CC-20"],
    ["P3", "Cat Senior", "cat@example.org", "mentee", "SCS1", "Finance", "Director", "",
     "Budgets", "TikTok", "c1", "named", "CC-30"],
    ["P4", "Dan Senior", "dan@example.org", "mentee", "B2", "Planning", "Head of Planning", "",
     "Influencing", "Power BI", "c1", "none", "CC-40"],
]  # fmt: skip


def write_hr_export(root: Path, rows: list[list[str]]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [HR_HEADERS, *rows]:
        sheet.append(row)
    workbook.save(root / "data" / "hr-export.xlsx")


def test_hr_export_is_used_as_it_is_through_the_column_mapping(
    scratch: Callable[..., Path],
) -> None:
    root = scratch({"programme.yaml": HR_PROGRAMME})
    write_hr_export(root, HR_ROWS)
    code, lines = run_check(root)
    assert lines == [
        "data/hr-export.xlsx:row 1: warning: column 'Cost Centre': the portal does not use "
        "this column; it is kept private and never published",
        "ok: 1 cohort, 4 participants (3 named), 2 pairs, 1 session, 1 survey answer, "
        "0 stories, 0 posts, 1 warning",
    ]
    assert code == 0
    ada = load_project(root).participants[0]
    assert (ada.id, ada.email, ada.grade, ada.manager_id) == ("P1", "ada@example.org", "A1", "P3")
    assert ada.skills_offered == ("TikTok", "Excel")
    assert ada.job_title == "Apprentice"  # 'Job Title' needs no mapping
    assert ada.extra == {"cost_centre": "CC-10"}


def test_errors_in_an_hr_export_name_its_own_headers(scratch: Callable[..., Path]) -> None:
    root = scratch({"programme.yaml": HR_PROGRAMME})
    rows = [list(row) for row in HR_ROWS]
    rows[3][4] = "Grade 7"
    rows[1][2] = "ben at example.org"
    write_hr_export(root, rows)
    code, lines = run_check(root)
    assert lines[1:3] == [
        "data/hr-export.xlsx:row 3: column 'Work Email': 'ben at example.org' is not an email "
        "address like name@example.org",
        "data/hr-export.xlsx:row 5: column 'Management Level': 'Grade 7' is not one of the "
        "programme's grades (A1, A2, B1, B2, SCS1)",
    ]
    assert code == 2


def test_missing_mapped_column_is_an_error(scratch: Callable[..., Path]) -> None:
    root = scratch({"programme.yaml": HR_PROGRAMME})
    write_hr_export(root, HR_ROWS)
    text = HR_PROGRAMME.replace("      Management Level: grade\n", "")
    (root / "programme.yaml").write_text(text, encoding="utf-8")
    code, lines = run_check(root)
    # The header left unmapped is listed with the missing column: together they say why.
    assert lines[1:3] == [
        "data/hr-export.xlsx:row 1: warning: column 'Management Level': the portal does not "
        "use this column; it is kept private and never published",
        "data/hr-export.xlsx:row 1: column 'grade': this required column is missing; check the "
        "header row, or map your header to it under data.columns in programme.yaml",
    ]
    assert code == 2


def test_unknown_column_warns_and_suggests(scratch: Callable[..., Path]) -> None:
    text = PARTICIPANTS.replace("skills_offered", "skills_ofered", 1)
    code, lines = run_check(scratch({"data/participants.csv": text}))
    assert lines[0] == (
        "data/participants.csv:row 1: warning: column 'skills_ofered': the portal does not use "
        "this column; it is kept private and never published; if it is 'skills_offered', "
        "rename the header or map it under data.columns in programme.yaml"
    )
    assert code == 0


def test_human_headers_need_no_mapping(scratch: Callable[..., Path]) -> None:
    header = PARTICIPANTS.splitlines()[0]
    human = header.replace("job_title", "Job Title").replace("skills_offered", "Skills offered")
    project = load_project(scratch({"data/participants.csv": PARTICIPANTS.replace(header, human)}))
    assert project.participants[0].job_title == "Apprentice"


def test_repeated_header_is_an_error(scratch: Callable[..., Path]) -> None:
    text = PARTICIPANTS.replace("job_title", "Email", 1)
    code, lines = run_check(scratch({"data/participants.csv": text}))
    assert lines[0] == (
        "data/participants.csv:row 1: column 'email': this column appears more than once "
        "('email', 'Email'); keep only one"
    )
    assert code == 2


def test_row_with_too_many_cells_is_located(scratch: Callable[..., Path]) -> None:
    text = PARTICIPANTS.replace("I fix things.", "I fix things, and build them.")
    code, lines = run_check(scratch({"data/participants.csv": text}))
    assert lines[0] == (
        "data/participants.csv:row 3: this row has 18 cells but the header row has 17; "
        "put any cell that contains ',' in double quotes"
    )
    assert code == 2


def test_missing_table_and_wrong_format(scratch: Callable[..., Path]) -> None:
    text = PROGRAMME.replace("data/pairs.csv", "data/pairs.ods")
    text = text.replace("data/sessions.csv", "data/meetings.csv")
    root = scratch({"programme.yaml": text, "data/pairs.ods": "not really"})
    code, lines = run_check(root)
    assert lines[:2] == [
        "data/meetings.csv: file not found; check the path under 'data:' in programme.yaml",
        "data/pairs.ods: cannot read '.ods' files; save the table as .csv or .xlsx",
    ]
    assert code == 2


def test_empty_table(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError) as error:
        load_table(path, "empty.csv")
    assert problems(error) == ["empty.csv:row 1: the file is empty; it needs a header row"]


# --- Markdown ---------------------------------------------------------------------------


def test_markdown_front_matter_and_body(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    path.write_text("---\ntitle: No\ndate: 2026-05-01\n---\nHello\n", encoding="utf-8")
    md = load_markdown(path, "content/blog/post.md")
    assert md.meta.data == {"title": "No", "date": "2026-05-01"}
    assert md.meta.position(("date",)) is not None
    assert md.meta.position(("date",)).line == 3  # type: ignore[union-attr]
    assert (md.body, md.body_line) == ("Hello\n", 5)


def test_markdown_without_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text("# Guide\n", encoding="utf-8")
    md = load_markdown(path, "content/guides/guide.md")
    assert (md.meta.data, md.body, md.body_line) == ({}, "# Guide\n", 1)


def test_front_matter_errors_point_at_the_file_line(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    path.write_text("---\ntitle: x\ntitle: y\nauthors: *a\n---\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_markdown(path, "content/blog/post.md")
    assert problems(error) == [
        "content/blog/post.md:4:10: '*a' repeats a value marked elsewhere; YAML aliases are not "
        "allowed here, so write the value out in full"
    ]


def test_front_matter_duplicate_key_lines_are_file_lines(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    path.write_text("---\ntitle: x\ndate: 2026-01-01\ntitle: y\n---\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_markdown(path, "content/blog/post.md")
    assert problems(error) == [
        "content/blog/post.md:4:1: title: 'title' is set twice, on line 2 and on line 4; "
        "keep only one"
    ]


def test_front_matter_that_never_ends(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    path.write_text("---\ntitle: x\n\nBody\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_markdown(path, "content/blog/post.md")
    assert problems(error) == [
        "content/blog/post.md:1: the front matter starts with '---' but never ends; "
        "add a '---' line after it"
    ]


def test_markdown_in_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    path.write_bytes("---\ntitle: Zoë’s €5 idea\n---\nCafé\n".encode("cp1252"))
    md = load_markdown(path, "content/blog/post.md")
    assert md.meta.data == {"title": "Zoë’s €5 idea"}
    assert md.body == "Café\n"
