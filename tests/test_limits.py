"""Limits: every input is bounded before it is parsed, and a limit reached is a plain error.

The hostile files are made with zipfile directly, so each is a few hundred kilobytes on disk
however large it claims or unpacks to. Each is read in a fresh process capped at 1.5 GB of
address space: a reader that ran away would die there instead of passing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import openpyxl.xml
import pytest

from generator.config import Limits
from generator.errors import InputError
from generator.load import load_markdown, load_table, quoted
from tests.conftest import REPO
from tests.scratch import PARTICIPANTS, PROGRAMME, edited, run_check

ADDRESS_SPACE = 1_500_000_000
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
}
SHEET_START = f'<worksheet xmlns="{NS}"><sheetData>'.encode()
SHEET_END = b"</sheetData></worksheet>"
HEADER = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
STRINGS = f'<sst xmlns="{NS}"><si><t>id</t></si><si><t>P1</t></si></sst>'.encode()


def write_workbook(
    path: Path,
    sheet: Iterable[bytes],
    strings: Iterable[bytes] = (STRINGS,),
    extra: dict[str, Iterable[bytes]] | None = None,
) -> Path:
    """Write a minimal .xlsx part by part, streaming large parts into the zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        parts = {"xl/sharedStrings.xml": strings, "xl/worksheets/sheet1.xml": sheet}
        for name, chunks in {**parts, **(extra or {})}.items():
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
    return path


def repeated(piece: bytes, times: int, per_chunk: int = 100_000) -> Iterable[bytes]:
    """Yield *piece* *times* times, in chunks, without holding it all in memory."""
    while times > 0:
        count = min(times, per_chunk)
        yield piece * count
        times -= count


READER = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from pathlib import Path
from generator.errors import InputError
from generator.load import load_table
path = Path(sys.argv[1])
start = time.perf_counter()
try:
    table = load_table(path, path.name, required=("id",))
    found = [f"{{len(table.rows)}} rows"]
except InputError as exc:
    found = [str(p) for p in exc.problems]
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0]) // 1024
print(json.dumps({{"found": found, "seconds": time.perf_counter() - start, "peak_mb": peak}}))
"""


def read_capped(path: Path) -> list[str]:
    """Load a table in a fresh process capped at 1.5 GB; return what it found."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", READER.format(limit=ADDRESS_SPACE), str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report: dict[str, Any] = json.loads(result.stdout)
    # Loosely measured, for whoever reads the log with -s; the cap above is the assertion.
    print(f"{path.name}: {report['seconds']:.1f} s, peak {report['peak_mb']} MB")
    found: list[str] = report["found"]
    return found


# --- workbooks -------------------------------------------------------------------------


def test_defusedxml_guards_openpyxl() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


def test_workbook_with_a_million_rows_stops_at_the_row_limit(tmp_path: Path) -> None:
    row = b'<row><c t="s"><v>1</v></c></row>'
    sheet = [SHEET_START, HEADER, *repeated(row, 1_000_000), SHEET_END]
    path = write_workbook(tmp_path / "rows.xlsx", sheet)
    assert path.stat().st_size < 1_000_000
    assert read_capped(path) == [
        "rows.xlsx: the table has more than 200,000 rows of data, the most allowed "
        "(limits.max_rows in programme.yaml); is it the right file?"
    ]


def test_workbook_rows_past_excel_are_refused_before_parsing(tmp_path: Path) -> None:
    sheet = [SHEET_START, HEADER, *repeated(b"<row/>", 1_100_000), SHEET_END]
    path = write_workbook(tmp_path / "past.xlsx", sheet)
    assert read_capped(path) == [
        "past.xlsx: the table goes past row 1,048,576, the last row Excel has; "
        "is it the right file?"
    ]


def test_a_declared_size_is_not_trusted(tmp_path: Path) -> None:
    # The dimension claims every cell of the sheet; openpyxl would pad each row to match.
    sheet = [
        f'<worksheet xmlns="{NS}"><dimension ref="A1:XFD1048576"/><sheetData>'.encode(),
        HEADER,
        b'<row r="2"><c r="A2" t="s"><v>1</v></c></row>',
        SHEET_END,
    ]
    path = write_workbook(tmp_path / "declared.xlsx", sheet)
    assert read_capped(path) == ["1 rows"]


def test_a_sheet_far_wider_than_allowed_is_refused(tmp_path: Path) -> None:
    sheet = [SHEET_START, HEADER, b'<row r="2"><c r="XFD2"><v>1</v></c></row>', SHEET_END]
    path = write_workbook(tmp_path / "wide.xlsx", sheet)
    assert read_capped(path) == [
        "wide.xlsx:row 2: this row has 16,384 cells, more than the 1,000 columns a table may "
        "have (limits.max_columns in programme.yaml)"
    ]


def test_a_row_of_millions_of_cells_is_refused_before_parsing(tmp_path: Path) -> None:
    sheet = [SHEET_START, b"<row>", *repeated(b"<c><v>1</v></c>", 3_000_000), b"</row>", SHEET_END]
    path = write_workbook(tmp_path / "cells.xlsx", sheet)
    assert read_capped(path) == [
        "cells.xlsx: the workbook holds a row, or a part, with more than 2,000,000 pieces of "
        "markup, far more than Excel writes; is it the right file?"
    ]


def test_an_enormous_shared_string_is_refused_unopened(tmp_path: Path) -> None:
    strings = [
        f'<sst xmlns="{NS}"><si><t>id</t></si><si><t>'.encode(),
        *repeated(b"A" * 1000, 250_000, per_chunk=1000),
        b"</t></si></sst>",
    ]
    sheet = [SHEET_START, HEADER, b'<row r="2"><c r="A2" t="s"><v>1</v></c></row>', SHEET_END]
    path = write_workbook(tmp_path / "string.xlsx", sheet, strings)
    assert path.stat().st_size < 1_000_000
    found = read_capped(path)
    assert len(found) == 1
    assert found[0].startswith("string.xlsx: the workbook unzips to 250,00")
    assert found[0].endswith(
        " bytes, more than the 200,000,000 allowed (limits.max_workbook_uncompressed_bytes in "
        "programme.yaml); is it the right file?"
    )


def test_a_long_shared_string_is_a_located_error(tmp_path: Path) -> None:
    strings = [
        f'<sst xmlns="{NS}"><si><t>id</t></si><si><t>'.encode(),
        b"A" * 5_000_000,
        b"</t></si></sst>",
    ]
    sheet = [SHEET_START, HEADER, b'<row r="2"><c r="A2" t="s"><v>1</v></c></row>', SHEET_END]
    path = write_workbook(tmp_path / "long.xlsx", sheet, strings)
    assert read_capped(path) == [
        "long.xlsx:row 2: column 'id': '" + "A" * 79 + "…' (5,000,000 characters) is longer "
        "than the 32,767 characters a cell may hold (limits.max_cell_chars in programme.yaml)"
    ]


def test_zip_bomb_in_any_part_is_refused_unopened(tmp_path: Path) -> None:
    sheet = [SHEET_START, HEADER, SHEET_END]
    bomb = {"xl/media/image1.png": repeated(b"\0" * 1_000_000, 300, per_chunk=1)}
    path = write_workbook(tmp_path / "bomb.xlsx", sheet, extra=bomb)
    assert path.stat().st_size < 1_000_000
    found = read_capped(path)
    assert found[0].startswith("bomb.xlsx: the workbook unzips to 300,00")


def test_xml_entities_are_refused(tmp_path: Path) -> None:
    laughs = b'<!DOCTYPE sst [<!ENTITY a "ha">' + b"".join(
        b'<!ENTITY %c "%s">' % (ord("b") + i, (b"&%c;" % (ord("a") + i)) * 10) for i in range(8)
    )
    strings = [laughs + f']><sst xmlns="{NS}"><si><t>id</t></si><si><t>&i;</t></si></sst>'.encode()]
    sheet = [SHEET_START, HEADER, b'<row r="2"><c r="A2" t="s"><v>1</v></c></row>', SHEET_END]
    path = write_workbook(tmp_path / "laughs.xlsx", sheet, strings)
    assert read_capped(path) == [
        "laughs.xlsx: cannot read this workbook (it declares XML entities, which Excel never "
        "writes); save it again as .xlsx"
    ]


def test_a_csv_file_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "people.xlsx"
    path.write_text(PARTICIPANTS)
    with pytest.raises(InputError) as error:
        load_table(path, "people.xlsx")
    assert [str(p) for p in error.value.problems] == [
        "people.xlsx: this is not an Excel workbook (an .xlsx file is a zip archive, and this "
        "is not one); if it is a CSV file, name it .csv, else save it again from Excel as .xlsx"
    ]


def test_a_password_protected_workbook(tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500)
    with pytest.raises(InputError) as error:
        load_table(path, "locked.xlsx")
    assert [str(p) for p in error.value.problems] == [
        "locked.xlsx: this is a password-protected workbook or an old Excel 97-2003 (.xls) "
        "file; remove the password, or save it as an Excel Workbook (.xlsx)"
    ]


# --- CSV -------------------------------------------------------------------------------


def test_csv_with_a_10_mb_cell(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,bio\nP1,Short\nP2," + "B" * 10_000_000 + "\nP3,Short\n")
    assert read_capped(path) == [
        "people.csv:row 3: a cell in this row is longer than the 32,767 characters a cell may "
        "hold (limits.max_cell_chars in programme.yaml); if a double quote opened in it is "
        "never closed, close it"
    ]


def test_csv_quote_never_closed_stops_at_the_cell_limit(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text('id,bio\nP1,"Opened\n' + "P2,x\n" * 10_000)
    with pytest.raises(InputError) as error:
        load_table(path, "people.csv")
    assert str(error.value.problems[0]).startswith(
        "people.csv:row 2: a cell in this row is longer than the 32,767 characters"
    )


def test_csv_quote_never_closed_in_the_last_row(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text('id,bio\nP1,x\nP2,"Opened\n')
    with pytest.raises(InputError) as error:
        load_table(path, "people.csv")
    assert [str(p) for p in error.value.problems] == [
        "people.csv:row 3: a double quote opened in this row is never closed"
    ]


def small(**limits: int) -> Limits:
    return Limits.model_validate(limits)


def test_file_larger_than_the_table_limit(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id\n" + "P1\n" * 100)
    with pytest.raises(InputError) as error:
        load_table(path, "people.csv", limits=small(max_table_bytes=200))
    assert [str(p) for p in error.value.problems] == [
        "people.csv: the file is 303 bytes, more than the 200 allowed (limits.max_table_bytes "
        "in programme.yaml); is it the right file?"
    ]


def test_rows_above_the_header_do_not_count_towards_the_row_limit(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Report\nRun on 01/11/2026\n\nid,name\nP1,A\nP2,B\nP3,C\n")
    table = load_table(path, "people.csv", required=("id",), limits=small(max_rows=3))
    assert len(table.rows) == 3
    with pytest.raises(InputError) as error:
        load_table(path, "people.csv", required=("id",), limits=small(max_rows=2))
    assert [str(p) for p in error.value.problems] == [
        "people.csv: the table has more than 2 rows of data, the most allowed "
        "(limits.max_rows in programme.yaml); is it the right file?"
    ]


def test_columns_and_cells_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,a,b,c\nP1,1,2,3\nP2,1,2,3\n")
    with pytest.raises(InputError) as error:
        load_table(path, "people.csv", limits=small(max_columns=3))
    assert [str(p) for p in error.value.problems] == [
        "people.csv:row 1: this row has 4 cells, more than the 3 columns a table may have "
        "(limits.max_columns in programme.yaml)"
    ]
    with pytest.raises(InputError) as error:
        load_table(path, "people.csv", limits=small(max_cells=7))
    assert [str(p) for p in error.value.problems] == [
        "people.csv: the table has more than 7 cells (rows times columns), the most allowed "
        "(limits.max_cells in programme.yaml); is it the right file?"
    ]


def test_a_csv_past_excel_rows_stops_there(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("id\nP1\n" + "\n" * 1_100_000)
    with pytest.raises(InputError) as error:
        load_table(path, "blank.csv")
    assert [str(p) for p in error.value.problems] == [
        "blank.csv: the table goes past row 1,048,576, the last row Excel has; "
        "is it the right file?"
    ]


def test_markdown_larger_than_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "post.md"
    path.write_text("x" * 3_000_000)
    with pytest.raises(InputError) as error:
        load_markdown(path, "content/blog/post.md")
    assert [str(p) for p in error.value.problems] == [
        "content/blog/post.md: the file is 3,000,000 bytes, more than the 2,000,000 allowed "
        "(limits.max_markdown_bytes in programme.yaml); is it the right file?"
    ]
    assert load_markdown(path, "content/blog/post.md", limit=3_000_000).body_line == 1


# --- programme.yaml and portal check ---------------------------------------------------


def test_limits_are_set_in_programme_yaml(scratch: Callable[..., Path]) -> None:
    text = PROGRAMME + "limits:\n  max_rows: 3\n"
    code, lines = run_check(scratch({"programme.yaml": text}))
    assert lines[0] == (
        "data/participants.csv: the table has more than 3 rows of data, the most allowed "
        "(limits.max_rows in programme.yaml); is it the right file?"
    )
    assert code == 2


def test_an_unknown_limit_is_a_warning_with_a_suggestion(scratch: Callable[..., Path]) -> None:
    text = PROGRAMME + "limits:\n  max_row: 3\n"
    code, lines = run_check(scratch({"programme.yaml": text}))
    assert lines[0] == (
        "programme.yaml:53:3: warning: limits.max_row: unknown key 'max_row' is ignored; "
        "did you mean 'max_rows'?"
    )
    assert code == 0


def test_a_long_value_is_quoted_short(scratch: Callable[..., Path]) -> None:
    text = edited(PARTICIPANTS, "ada@example.org", "A" * 10_000)
    code, lines = run_check(scratch({"data/participants.csv": text}))
    assert lines[0] == (
        "data/participants.csv:row 2: column 'email': '"
        + "A" * 79
        + "…' (10,000 characters) is not an email address like name@example.org"
    )
    assert code == 2


def test_quoted_shows_line_breaks_and_cuts_long_values() -> None:
    assert quoted("two\nlines") == "'two⏎lines'"
    assert quoted("x" * 80) == "'" + "x" * 80 + "'"
    assert quoted("x" * 81) == "'" + "x" * 79 + "…' (81 characters)"


def test_hundreds_of_problems_show_the_first_hundred(scratch: Callable[..., Path]) -> None:
    header, *people = PARTICIPANTS.splitlines()
    extra = [
        f"X{i},Extra Person,not-an-email,mentor,A1,Digital,,,,,,,,,,c1,none" for i in range(250)
    ]
    text = "\n".join([header, *people, *extra]) + "\n"
    code, lines = run_check(scratch({"data/participants.csv": text}))
    assert len(lines) == 102
    assert lines[0] == (
        "data/participants.csv:row 6: column 'email': 'not-an-email' is not an email address "
        "like name@example.org"
    )
    assert lines[100:] == [
        "… and 150 more problems in data/participants.csv; fix these first",
        "250 errors found; nothing was written. Fix them and run the command again.",
    ]
    assert code == 2
