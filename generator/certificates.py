"""Certificates (`portal certificates`): one private one-page PDF per participant who completed.

Who gets one: each person of a pair in the cohort whose status is ``completed`` and which held
at least ``certificates.min_sessions`` sessions. A certificate goes to its person whatever they
agreed about the portal, so it is a private output: written outside every published folder,
named by participant id (never by name), and marked with ``PRIVATE_MARKER`` in its keywords.

The PDF is A4 landscape, drawn with fpdf2 in DejaVu Sans, the TrueType font matplotlib ships
(embedded and subset: nothing is fetched). The same project and date give the same bytes: the
creation date is the project's today, the producer is fixed, and the file id is a hash of the
content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from fpdf import FPDF

from generator.config import Cohort
from generator.errors import InputError, Problem
from generator.impact import long_date
from generator.model import Project
from generator.private_outputs import (
    CERTIFICATES_FOLDER,
    PRIVATE_MARKER,
    check_output_path,
    private_folder,
    write_atomically,
)
from generator.wording import plural

PROGRAMME_FILE = "programme.yaml"
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
FAMILY = "DejaVu"
PAGE_WIDTH, PAGE_HEIGHT = 297.0, 210.0
MARGIN = 24.0
INK = (31, 35, 40)
MUTED = (87, 96, 106)
SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# A certificate takes 0.1 to 0.2 s to draw: from 8 on, a progress bar is worth showing.
PROGRESS_CERTIFICATES = 8
Tick = Callable[[int], None]


@dataclass(frozen=True)
class Certificate:
    """What one person's certificate says."""

    participant_id: str
    name: str
    role: str
    cohort_id: str
    cohort_name: str
    sessions: int
    pairs: int
    first_session: dt.date | None
    last_session: dt.date | None
    file_name: str

    @property
    def recognition(self) -> str:
        """Return what the certificate recognises, in words ('for mentoring a senior leader')."""
        if self.role == "mentor":
            if self.pairs == 1:
                return "for mentoring a senior leader"
            return f"for mentoring {self.pairs} senior leaders"
        return "for taking part as a mentee, learning from a colleague early in their career"

    @property
    def sessions_line(self) -> str:
        """Return the cohort and sessions line ('in Cohort 1, over 6 mentoring sessions …')."""
        line = f"in {self.cohort_name}, over {plural(self.sessions, 'mentoring session')}"
        first, last = self.first_session, self.last_session
        if first is None or last is None:
            return line
        if (first.year, first.month) == (last.year, last.month):
            return f"{line} in {first:%B %Y}"
        return f"{line} from {first:%B %Y} to {last:%B %Y}"


def _cohort(project: Project, cohort_id: str) -> Cohort:
    cohort = project.config.cohort(cohort_id)
    if cohort is None:
        known = ", ".join(c.id for c in project.config.cohorts)
        raise InputError(
            [
                Problem(
                    PROGRAMME_FILE,
                    f"there is no cohort '{cohort_id}' (cohorts: {known})",
                    field="--cohort",
                )
            ]
        )
    return cohort


def file_name_for(participant_id: str) -> str:
    """Return a safe PDF file name from a participant id (a hash stands in for an odd id)."""
    if SAFE_FILE_NAME.fullmatch(participant_id):
        return f"{participant_id}.pdf"
    digest = hashlib.sha256(participant_id.encode("utf-8")).hexdigest()[:16]
    return f"participant-{digest}.pdf"


def eligible_certificates(project: Project, cohort_id: str) -> tuple[Certificate, ...]:
    """List who earns a certificate: both people of each completed pair that met often enough.

    One per person; a mentor of several qualifying pairs gets one counting all their sessions.
    """
    cohort = _cohort(project, cohort_id)
    minimum = project.config.certificates.min_sessions
    held: dict[str, list[dt.date]] = defaultdict(list)
    for session in project.sessions:
        if session.status == "held":
            held[session.pair_id].append(session.date)
    people = project.participant_index()
    earned: dict[str, list[list[dt.date]]] = defaultdict(list)
    for pair in sorted(project.pairs, key=lambda p: p.pair_id):
        if pair.cohort != cohort.id or pair.status != "completed":
            continue
        dates = held.get(pair.pair_id, [])
        if len(dates) < minimum:
            continue
        for pid in (pair.mentor_id, pair.mentee_id):
            if pid in people:
                earned[pid].append(dates)
    out: list[Certificate] = []
    taken: set[str] = set()
    for pid in sorted(earned):
        person = people[pid]
        dates = sorted(d for pair_dates in earned[pid] for d in pair_dates)
        name = file_name_for(pid)
        # Two ids that differ only in case would overwrite each other on some file systems.
        if name.casefold() in taken:
            name = file_name_for(pid + "\x00")
        taken.add(name.casefold())
        out.append(
            Certificate(
                participant_id=pid,
                name=person.name,
                role=person.role,
                cohort_id=cohort.id,
                cohort_name=cohort.name,
                sessions=len(dates),
                pairs=len(earned[pid]),
                first_session=dates[0] if dates else None,
                last_session=dates[-1] if dates else None,
                file_name=name,
            )
        )
    return tuple(out)


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _fit(pdf: FPDF, text: str, style: str, size: float, width: float) -> None:
    """Set the largest font size up to *size* at which *text* fits in *width*."""
    pdf.set_font(FAMILY, style, size)
    while size > 10 and pdf.get_string_width(text) > width:
        size -= 1
        pdf.set_font(FAMILY, style, size)


def render_certificate(project: Project, certificate: Certificate) -> bytes:
    """Draw one certificate as a PDF (A4 landscape, fonts embedded); return its bytes."""
    from generator.charts import readable_on_white, theme_colours

    config = project.config
    colours = theme_colours(config.site)
    primary = _hex(readable_on_white(colours.primary))
    accent = _hex(colours.accent)
    signatory = config.certificates.signatory or config.programme.sponsor
    issued = project.today

    # A fresh document each time: fpdf2 subsets the fonts in place as it writes, so a parsed
    # font cannot be shared between certificates (reading them is most of the 0.1 s each takes).
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font(FAMILY, "", str(REGULAR))
    pdf.add_font(FAMILY, "B", str(BOLD))
    pdf.set_creation_date(dt.datetime(issued.year, issued.month, issued.day, tzinfo=dt.UTC))
    pdf.set_producer("portal")
    pdf.set_creator(config.programme.name)
    pdf.set_author(config.programme.organisation)
    pdf.set_title(f"{config.programme.name}: certificate for {certificate.name}")
    pdf.set_subject(f"{certificate.cohort_name}, {certificate.role}")
    pdf.set_keywords(PRIVATE_MARKER)
    pdf.set_lang(config.site.language)
    pdf.add_page()
    width = PAGE_WIDTH - 2 * MARGIN

    # A double frame: the primary colour outside, a thin accent rule inside.
    pdf.set_draw_color(*primary)
    pdf.set_line_width(1.6)
    pdf.rect(10, 10, PAGE_WIDTH - 20, PAGE_HEIGHT - 20)
    pdf.set_draw_color(*accent)
    pdf.set_line_width(0.5)
    pdf.rect(14, 14, PAGE_WIDTH - 28, PAGE_HEIGHT - 28)

    def line(text: str, style: str, size: float, colour: tuple[int, int, int], gap: float) -> None:
        _fit(pdf, text, style, size, width)
        pdf.set_text_color(*colour)
        pdf.set_x(MARGIN)
        pdf.cell(width, size * 0.45, text, align="C")
        pdf.ln(size * 0.45 + gap)

    pdf.set_y(30)
    line(config.programme.organisation.upper(), "", 11, MUTED, 4)
    line(config.programme.name, "B", 30, primary, 4)
    line("Certificate of completion", "", 16, INK, 12)
    line("awarded to", "", 13, MUTED, 4)
    line(certificate.name, "B", 34, INK, 8)
    line(certificate.recognition, "", 16, INK, 4)
    line(certificate.sessions_line, "", 13, MUTED, 0)

    # Signature and date, side by side above the bottom of the frame.
    rule_y = PAGE_HEIGHT - 48
    block = 90.0
    left_x, right_x = MARGIN + 10, PAGE_WIDTH - MARGIN - 10 - block
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(left_x, rule_y, left_x + block, rule_y)
    pdf.line(right_x, rule_y, right_x + block, rule_y)
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "B", 12)
    pdf.set_xy(left_x, rule_y + 2)
    pdf.cell(block, 6, signatory.name, align="C")
    pdf.set_font(FAMILY, "", 10)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(left_x, rule_y + 8)
    pdf.cell(block, 5, signatory.title or "Executive sponsor", align="C")
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "", 12)
    pdf.set_xy(right_x, rule_y - 7)
    pdf.cell(block, 6, long_date(issued), align="C")
    pdf.set_font(FAMILY, "", 10)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(right_x, rule_y + 2)
    pdf.cell(block, 6, "Date", align="C")
    return bytes(pdf.output())


def default_certificates_folder(project: Project, cohort_id: str) -> Path:
    """Return where a cohort's certificates go by default: certificates/<cohort>/ by the data."""
    return private_folder(project, CERTIFICATES_FOLDER) / cohort_id


def write_certificates(
    project: Project,
    certificates: Sequence[Certificate],
    folder: Path,
    tick: Tick | None = None,
) -> tuple[Path, ...]:
    """Write each certificate as <participant id>.pdf into *folder*; return the files written."""
    check_output_path(project, folder, "--out", what="a certificate")
    written = []
    for certificate in certificates:
        path = folder / certificate.file_name
        write_atomically(path, render_certificate(project, certificate))
        written.append(path)
        if tick is not None:
            tick(1)
    return tuple(written)
