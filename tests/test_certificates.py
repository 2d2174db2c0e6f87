"""`portal certificates`: who earns one, what it says, and that it stays private."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from pypdf import PdfReader

from generator.certificates import (
    default_certificates_folder,
    eligible_certificates,
    file_name_for,
    render_certificate,
    write_certificates,
)
from generator.errors import InputError
from generator.model import Project
from generator.pipeline import load_project
from generator.private_outputs import PRIVATE_MARKER
from tests.conftest import TODAY
from tests.scratch import PROGRAMME

MENTOR_WORDS = "for mentoring a senior leader"
MENTEE_WORDS = "for taking part as a mentee, learning from a colleague early in their career"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def expected_people(root: Path, cohort: str, minimum: int) -> dict[str, tuple[str, str, int]]:
    """Work out from the tables who earns a certificate: id -> (name, role, sessions held)."""
    data = root / "content" / "data"
    people = {p["id"]: p for p in read_csv(data / "participants.csv")}
    held: dict[str, int] = {}
    for s in read_csv(data / "sessions.csv"):
        if s["status"] == "held":
            held[s["pair_id"]] = held.get(s["pair_id"], 0) + 1
    out = {}
    for pair in read_csv(data / "pairs.csv"):
        if pair["cohort"] != cohort or pair["status"] != "completed":
            continue
        if held.get(pair["pair_id"], 0) < minimum:
            continue
        for pid in (pair["mentor_id"], pair["mentee_id"]):
            out[pid] = (people[pid]["name"], people[pid]["role"], held[pair["pair_id"]])
    return out


def pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


@pytest.fixture
def demo_project(demo: Path) -> Project:
    return load_project(demo, today=TODAY)


def test_demo_certificates_go_to_exactly_the_eligible_people(
    demo: Path, demo_project: Project, cli: Callable[..., Result]
) -> None:
    expected = expected_people(demo, "c1-2025", 4)
    assert "P031" not in expected and "P020" not in expected  # the withdrawn pair
    result = cli(
        "certificates", "--project", str(demo), "--cohort", "c1-2025", "--today", "2026-11-22"
    )
    assert result.exit_code == 0, result.output
    folder = demo / "content" / "data" / "certificates" / "c1-2025"
    assert result.stdout.strip() == (
        f"wrote {len(expected)} certificates for cohort c1-2025 (completed pairs with 4 sessions "
        f"or more) into {folder}. They are private: give each to its person, never publish them."
    )
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{pid}.pdf" for pid in expected)
    for pid, (name, role, sessions) in expected.items():
        text = pdf_text(folder / f"{pid}.pdf")
        assert name in text
        assert (MENTOR_WORDS if role == "mentor" else MENTEE_WORDS) in text
        assert f"over {sessions} mentoring sessions" in text
        assert "Switch Mentoring" in text and "Cohort 1 (autumn 2025)" in text
        assert "Helen Okafor" in text and "Chief Executive" in text
        assert "22 November 2026" in text


def test_a_certificate_is_one_a4_landscape_page_with_its_fonts_embedded(
    demo_project: Project, tmp_path: Path
) -> None:
    certificate = eligible_certificates(demo_project, "c1-2025")[0]
    (path,) = write_certificates(demo_project, [certificate], tmp_path)
    reader = PdfReader(path)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        assert "DejaVu" in font["/BaseFont"]
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
    meta = reader.metadata
    assert meta is not None and PRIVATE_MARKER in str(meta.get("/Keywords"))
    assert certificate.name in str(meta.title)


def test_certificates_are_byte_identical_for_the_same_day(demo_project: Project) -> None:
    certificate = eligible_certificates(demo_project, "c1-2025")[0]
    assert render_certificate(demo_project, certificate) == render_certificate(
        demo_project, certificate
    )


def test_a_cohort_with_no_completed_pair_gets_none(demo: Path, cli: Callable[..., Result]) -> None:
    result = cli(
        "certificates", "--project", str(demo), "--cohort", "c2-2026", "--today", "2026-11-22"
    )
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "no certificate for cohort c2-2026: no completed pair has held 4 sessions or more; "
        "nothing was written"
    )
    assert not (demo / "content" / "data" / "certificates").exists()


SESSIONS = """\
pair_id,date,minutes,status,topics,mentor_rating,mentee_rating
K1,2026-03-16,60,held,Intro,5,4
K1,2026-04-13,60,held,Review,5,4
K2,2026-03-16,60,held,Intro,5,4
K2,2026-04-13,60,cancelled,,,
"""
PAIRS = """\
pair_id,mentor_id,mentee_id,cohort,status,start_date,goals
K1,P1,P4,c1,completed,2026-03-09,Learn TikTok
K2,P2,P3,c1,completed,2026-03-09,Power BI
"""


def test_only_pairs_that_held_enough_sessions_earn_one(scratch: Callable[..., Path]) -> None:
    root = scratch(
        {
            "programme.yaml": PROGRAMME + "certificates:\n  min_sessions: 2\n",
            "data/pairs.csv": PAIRS,
            "data/sessions.csv": SESSIONS,
        }
    )
    project = load_project(root, today=TODAY)
    earned = eligible_certificates(project, "c1")
    assert [(c.participant_id, c.role, c.sessions) for c in earned] == [
        ("P1", "mentor", 2),
        ("P4", "mentee", 2),
    ]
    assert (
        earned[0].sessions_line
        == "in Cohort 1, over 2 mentoring sessions from March 2026 to April 2026"
    )


def test_the_signatory_can_be_set(scratch: Callable[..., Path], tmp_path: Path) -> None:
    root = scratch(
        {
            "programme.yaml": PROGRAMME
            + "certificates:\n  min_sessions: 1\n  signatory: {name: Pat Director, title: HR Director}\n",
            "data/pairs.csv": PAIRS,
            "data/sessions.csv": SESSIONS,
        }
    )
    project = load_project(root, today=TODAY)
    paths = write_certificates(project, eligible_certificates(project, "c1"), tmp_path)
    assert len(paths) == 4
    text = pdf_text(paths[0])
    assert "Pat Director" in text and "HR Director" in text and "Sam Sponsor" not in text


def test_file_names_come_from_ids_never_names() -> None:
    assert file_name_for("P001") == "P001.pdf"
    assert file_name_for("../site/x").startswith("participant-")
    assert file_name_for("../site/x").endswith(".pdf") and "/" not in file_name_for("../site/x")


@pytest.mark.parametrize("folder", ["site/certificates", "site_src", "content/blog/certificates"])
def test_certificates_are_refused_under_a_published_folder(
    demo: Path, cli: Callable[..., Result], folder: str
) -> None:
    out = demo / folder
    result = cli(
        "certificates", "--project", str(demo), "--cohort", "c1-2025", "--out", str(out),
        "--today", "2026-11-22",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "a certificate is private and cannot go under" in result.stderr
    assert not out.exists()


def test_an_unknown_cohort_is_an_error(demo_project: Project) -> None:
    with pytest.raises(InputError) as caught:
        eligible_certificates(demo_project, "c9")
    assert str(caught.value.problems[0]) == (
        "programme.yaml: --cohort: there is no cohort 'c9' (cohorts: c1-2025, c2-2026, c3-2027)"
    )


def test_the_default_folder_is_beside_the_data(demo: Path, demo_project: Project) -> None:
    assert default_certificates_folder(demo_project, "c1-2025") == (
        demo / "content" / "data" / "certificates" / "c1-2025"
    )


def test_certificates_are_byte_identical_in_another_process(
    demo: Path, demo_project: Project
) -> None:
    import hashlib
    import subprocess
    import sys

    script = (
        "import datetime, hashlib, pathlib\n"
        "from generator.pipeline import load_project\n"
        "from generator.certificates import eligible_certificates, render_certificate\n"
        f"p = load_project(pathlib.Path({str(demo)!r}), today=datetime.date(2026, 11, 22))\n"
        "c = eligible_certificates(p, 'c1-2025')[0]\n"
        "print(hashlib.sha256(render_certificate(p, c)).hexdigest())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    here = render_certificate(demo_project, eligible_certificates(demo_project, "c1-2025")[0])
    assert done.stdout.strip() == hashlib.sha256(here).hexdigest()
