"""`portal announce`: private match e-mails and calendars that parse back, stay put and stay private."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import sys
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from icalendar import Calendar

from generator.announce import build_announcements, planned_dates
from generator.cli import progress_bar
from generator.model import Project
from generator.pipeline import generate, load_project
from generator.private_outputs import PRIVATE_MARKER
from generator.public import build_public_view
from tests.conftest import TODAY
from tests.scratch import PARTICIPANTS, PROGRAMME

COHORT = "c2-2026"
ANNOUNCED = dt.date(2026, 5, 1)  # before cohort 2's pairs start
SITE = "https://switch.intranet.calderbrook.example"


def announce(cli: Callable[..., Result], project: Path, *more: str) -> Result:
    return cli("announce", "--project", str(project), "--today", ANNOUNCED.isoformat(), *more)


def folder_of(project: Path, cohort: str = COHORT) -> Path:
    return project / "content" / "data" / "announcements" / cohort


def read_message(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text_of(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None, f"no text/{kind} part"
    assert isinstance(part, EmailMessage)
    content = part.get_content()
    assert isinstance(content, str)
    return content


def flat(text: str) -> str:
    """Return text with its line breaks and runs of spaces as single spaces."""
    return " ".join(text.split())


def calendar_of(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def events_of(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


def demo_project(demo: Path) -> Project:
    return load_project(demo, ANNOUNCED)


# --- what gets written -------------------------------------------------------------------


def test_every_approved_pair_gets_two_emails_and_a_calendar(
    cli: Callable[..., Result], demo: Path
) -> None:
    result = announce(cli, demo, "--cohort", COHORT)
    assert result.exit_code == 0, result.output
    folder = folder_of(demo)
    project = demo_project(demo)
    pairs = [p for p in project.pairs if p.cohort == COHORT and p.is_approved]
    expected = {f"{p.pair_id}.ics" for p in pairs} | {
        f"{p.pair_id}-{pid}.eml" for p in pairs for pid in (p.mentor_id, p.mentee_id)
    }
    assert {p.name for p in folder.iterdir()} == expected
    assert f"wrote 20 e-mails and 10 calendars for Cohort 2 (summer 2026) into {folder}." in (
        result.output
    )
    assert "never publish them" in result.output


def test_emails_parse_back_with_headers_and_both_parts(
    cli: Callable[..., Result], demo: Path
) -> None:
    assert announce(cli, demo, "--cohort", COHORT).exit_code == 0
    project = demo_project(demo)
    people = project.participant_index()
    ids = set()
    for pair in (p for p in project.pairs if p.cohort == COHORT and p.is_approved):
        for pid, partner_id in ((pair.mentor_id, pair.mentee_id), (pair.mentee_id, pair.mentor_id)):
            person, partner = people[pid], people[partner_id]
            message = read_message(folder_of(demo) / f"{pair.pair_id}-{pid}.eml")
            assert message["From"] == (
                "Organisational Development team <switch@calderbrook.example>"
            )
            assert message["To"].addresses[0].addr_spec == person.email
            assert message["To"].addresses[0].display_name == person.name
            assert message["Subject"] == f"Switch Mentoring: you are paired with {partner.name}"
            assert parsedate_to_datetime(message["Date"]) == dt.datetime(
                2026, 5, 1, 9, 0, tzinfo=dt.UTC
            )
            assert message["X-Portal-Private"] == PRIVATE_MARKER
            ids.add(message["Message-ID"])
            plain, page = flat(text_of(message, "plain")), flat(text_of(message, "html"))
            for text in (plain, page):
                assert partner.name in text
                assert "Getting to know each other" in text  # session 1 of the plan
                assert "read your mentor" in text  # its preparation
                assert "within 3 working days" in text
            assert f"{SITE}/guides/agreement.html" in plain
            assert f'href="{SITE}/guides/agreement.html"' in page
            assert PRIVATE_MARKER in page
            attachments = list(message.iter_attachments())
            assert [a.get_content_type() for a in attachments] == ["text/calendar"]
            assert attachments[0].get_content().encode() == (
                (folder_of(demo) / f"{pair.pair_id}.ics").read_bytes()
            )
    assert len(ids) == 20  # every Message-ID is its own


def test_who_makes_the_first_move_follows_the_ground_rules(
    cli: Callable[..., Result], demo: Path
) -> None:
    assert announce(cli, demo, "--cohort", COHORT).exit_code == 0
    # Demo ground rules: the mentee initiates. D3RF: Callum Reid mentors Alison Brooks.
    to_mentee = flat(text_of(read_message(folder_of(demo) / "D3RF-P017.eml"), "plain"))
    to_mentor = flat(text_of(read_message(folder_of(demo) / "D3RF-P034.eml"), "plain"))
    assert "You make the first move and book your sessions: please invite Callum Reid" in to_mentee
    assert "Alison Brooks books your sessions and will invite you to the first one" in to_mentor
    assert "planned for the week of 21 May 2026" in to_mentor


def test_when_the_mentor_initiates_the_mentor_is_asked_to(
    cli: Callable[..., Result], scratch: Callable[..., Path]
) -> None:
    programme = PROGRAMME.replace("who_initiates: mentee", "who_initiates: mentor")
    project = scratch({"programme.yaml": programme})
    result = cli("announce", "--project", str(project), "--cohort", "c1", "--today", "2026-03-01")
    assert result.exit_code == 0, result.output
    folder = project / "data" / "announcements" / "c1"
    to_mentor = flat(text_of(read_message(folder / "K1-P1.eml"), "plain"))
    to_mentee = flat(text_of(read_message(folder / "K1-P4.eml"), "plain"))
    assert (
        "You make the first move and book your sessions: please invite Dan Senior (dan@example.org)"
        in to_mentor
    )
    assert "Ada Junior books your sessions and will invite you to the first one" in to_mentee
    assert "planned for the week of 9 March 2026" in to_mentee


def test_the_pair_page_is_linked_only_when_both_consented(
    cli: Callable[..., Result], demo: Path
) -> None:
    assert announce(cli, demo, "--cohort", COHORT).exit_code == 0
    project = demo_project(demo)
    site = build_public_view(project)
    page_of = {(p.mentor.display_name, p.mentee.display_name): p.key for p in site.pairs}
    # D3RF: both named, so both e-mails link the page the portal really builds for them.
    key = page_of[("Callum Reid", "Alison Brooks")]
    for pid in ("P034", "P017"):
        message = read_message(folder_of(demo) / f"D3RF-{pid}.eml")
        assert f"{SITE}/pairs/{key}.html" in text_of(message, "plain")
        assert f'href="{SITE}/pairs/{key}.html"' in text_of(message, "html")
    # V5NE: Niamh Gallagher (P039) has not agreed to be named: no page, no link, for either.
    assert not any("Niamh Gallagher" in names for names in page_of)
    for pid in ("P039", "P022"):
        message = read_message(folder_of(demo) / f"V5NE-{pid}.eml")
        for kind in ("plain", "html"):
            assert "/pairs/" not in text_of(message, kind)
        assert "only when both people agree to be named" in flat(text_of(message, "plain"))


def test_calendars_hold_the_session_plan(cli: Callable[..., Result], demo: Path) -> None:
    assert announce(cli, demo, "--cohort", COHORT).exit_code == 0
    project = demo_project(demo)
    cohort = project.config.cohort(COHORT)
    assert cohort is not None
    titles = {s.number: s.title for s in project.config.session_plan}
    people = project.participant_index()
    uids: set[str] = set()
    for pair in (p for p in project.pairs if p.cohort == COHORT and p.is_approved):
        calendar = calendar_of(folder_of(demo) / f"{pair.pair_id}.ics")
        events = events_of(calendar)
        assert len(events) == cohort.sessions == 6
        start = pair.start_date or cohort.start
        mentor, mentee = people[pair.mentor_id], people[pair.mentee_id]
        for number, event in enumerate(events, start=1):
            begins = event["DTSTART"].dt
            ends = event["DTEND"].dt
            assert begins == dt.datetime.combine(
                start + dt.timedelta(weeks=5 * (number - 1)), dt.time(10, 0)
            )
            assert ends - begins == dt.timedelta(minutes=60)
            summary = str(event["SUMMARY"])
            assert summary == f"Switch Mentoring session {number}: {titles[number]}"
            description = str(event["DESCRIPTION"])
            assert f"{mentor.name} and {mentee.name}" in description
            # Nothing else personal: no address, grade, participant or pair id.
            for private in (
                mentor.email,
                mentee.email,
                mentor.grade,
                mentee.grade,
                mentor.id,
                mentee.id,
                pair.pair_id,
            ):
                assert private not in summary + description
            assert "ATTENDEE" not in event and "ORGANIZER" not in event
            uids.add(str(event["UID"]))
        assert str(calendar["X-PORTAL-PRIVATE"]) == PRIVATE_MARKER
    assert len(uids) == 60  # unique across sessions and pairs


def test_planned_dates_follow_the_pairs_start_and_the_cohort_cadence(demo: Path) -> None:
    project = demo_project(demo)
    cohort = project.config.cohort(COHORT)
    assert cohort is not None
    pair = next(p for p in project.pairs if p.pair_id == "D3RF")
    assert planned_dates(pair, cohort) == tuple(
        dt.date(2026, 5, 21) + dt.timedelta(weeks=5 * n) for n in range(6)
    )
    undated = pair.model_copy(update={"start_date": None})
    assert planned_dates(undated, cohort)[0] == cohort.start


# --- repeatable --------------------------------------------------------------------------


def test_same_input_same_bytes(cli: Callable[..., Result], demo: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert announce(cli, demo, "--cohort", COHORT, "--out", str(first)).exit_code == 0
    assert announce(cli, demo, "--cohort", COHORT, "--out", str(second)).exit_code == 0
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_a_later_run_updates_the_same_events(
    cli: Callable[..., Result], demo: Path, tmp_path: Path
) -> None:
    earlier, later = tmp_path / "earlier", tmp_path / "later"
    assert announce(cli, demo, "--cohort", COHORT, "--out", str(earlier)).exit_code == 0
    result = cli(
        "announce", "--project", str(demo), "--today", "2026-05-08", "--cohort", COHORT,
        "--out", str(later),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for path in sorted(earlier.glob("*.ics")):
        before = events_of(calendar_of(path))
        after = events_of(calendar_of(later / path.name))
        assert [str(e["UID"]) for e in before] == [str(e["UID"]) for e in after]
        for old, new in zip(before, after, strict=True):
            assert int(new["SEQUENCE"]) > int(old["SEQUENCE"])
            assert new["DTSTAMP"].dt > old["DTSTAMP"].dt


def test_the_calendar_start_time_can_be_chosen(demo: Path) -> None:
    project = demo_project(demo)
    result = build_announcements(project, COHORT, dt.time(14, 30))
    event = events_of(Calendar.from_ical(result.calendars[0].calendar))[0]
    assert event["DTSTART"].dt.time() == dt.time(14, 30)


# --- private -----------------------------------------------------------------------------


def test_nothing_of_a_non_consenting_person_reaches_the_site(
    cli: Callable[..., Result], demo: Path
) -> None:
    assert announce(cli, demo, "--cohort", COHORT).exit_code == 0
    niamh = read_message(folder_of(demo) / "V5NE-P039.eml")  # she still gets her e-mail
    assert "Leon Francis" in text_of(niamh, "plain")
    generate(demo, TODAY)
    for path in sorted((demo / "site_src").rglob("*")):
        assert path.suffix not in {".eml", ".ics"}, path
        if path.is_file():
            data = path.read_bytes()
            for private in (b"Niamh Gallagher", b"niamh.gallagher@", PRIVATE_MARKER.encode()):
                assert private not in data, (path, private)


@pytest.mark.parametrize("published", ["site_src", "site", "content/stories", "theme"])
def test_refused_under_a_published_folder(
    cli: Callable[..., Result], demo: Path, published: str
) -> None:
    result = announce(cli, demo, "--cohort", COHORT, "--out", str(demo / published / "mail"))
    assert result.exit_code == 2
    assert (
        f"{demo / published / 'mail'}: --out: an announcement is private and cannot go under "
        f"{published}/, which is published; choose a path beside your data tables"
    ) in result.output
    assert not (demo / published / "mail").exists()


def test_the_default_folder_is_git_ignored() -> None:
    ignored = (Path(__file__).resolve().parent.parent / ".gitignore").read_text(encoding="utf-8")
    assert "/content/data/announcements/" in ignored.splitlines()


def test_an_unknown_cohort_is_named(cli: Callable[..., Result], demo: Path) -> None:
    result = announce(cli, demo, "--cohort", "c9")
    assert result.exit_code == 2
    assert (
        "programme.yaml: --cohort: there is no cohort 'c9' (cohorts: c1-2025, c2-2026, c3-2027)"
    ) in result.output
    assert "Traceback" not in result.output


def test_a_cohort_without_approved_pairs_writes_nothing(
    cli: Callable[..., Result], demo: Path
) -> None:
    result = announce(cli, demo, "--cohort", "c3-2027")
    assert result.exit_code == 0
    assert "no announcement for cohort c3-2027" in result.output
    assert not folder_of(demo, "c3-2027").exists()


def test_a_bad_start_time_is_refused(cli: Callable[..., Result], demo: Path) -> None:
    result = announce(cli, demo, "--cohort", COHORT, "--time", "25:00")
    assert result.exit_code == 2
    assert "'25:00' is not a time of day; write it as HH:MM" in result.output


def test_without_a_contact_address_it_says_which_field(
    cli: Callable[..., Result], scratch: Callable[..., Path]
) -> None:
    programme = PROGRAMME.replace(
        "contact: {name: Programme office, email: mentoring@example.org}",
        "contact: {name: Programme office}",
    )
    project = scratch({"programme.yaml": programme})
    result = cli("announce", "--project", str(project), "--cohort", "c1", "--today", "2026-03-01")
    assert result.exit_code == 2
    assert (
        "programme.yaml: programme.contact.email: the announcements are sent from the programme "
        "contact's e-mail address"
    ) in result.output


def test_participant_text_is_escaped_in_the_html_part(
    cli: Callable[..., Result], scratch: Callable[..., Path]
) -> None:
    hostile = PARTICIPANTS.replace("Head of Planning", "Head of <script>alert(1)</script> & Co")
    project = scratch({"data/participants.csv": hostile})
    result = cli("announce", "--project", str(project), "--cohort", "c1", "--today", "2026-03-01")
    assert result.exit_code == 0, result.output
    # Ada Junior (P1) mentors Dan Senior (P4), whose job title holds the markup.
    message = read_message(
        project / "data" / "announcements" / "c1" / "K1-P1.eml",
    )
    page = flat(text_of(message, "html"))
    assert "<script>" not in page
    assert "Head of &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert "Head of <script>alert(1)</script> & Co" in flat(text_of(message, "plain"))
    # The scratch programme has no site.url: no links, the agreement named in words.
    assert "href=" not in page
    assert "Guides section of the portal" in flat(text_of(message, "plain"))
    # Both are named, so their pair has a page: said in words, without an address.
    assert "Your pair has its own page on the portal, under Pairs." in flat(
        text_of(message, "plain")
    )


# --- progress bars (shared by match, report, certificates and announce) -----------------------


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_progress_bar_appears_after_a_second_with_counts_and_time_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    now = [0.0]
    with progress_bar(10, "writing e-mails", clock=lambda: now[0]) as tick:
        assert tick is not None
        tick(3)
        assert terminal.getvalue() == ""  # under a second: nothing drawn yet
        now[0] = 1.5
        tick(2)
        drawn = terminal.getvalue()
        assert "writing e-mails" in drawn and "5/10" in drawn
        tick(5)
    assert "10/10" in terminal.getvalue()


def test_quick_work_draws_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar(10, "writing e-mails", clock=lambda: 0.0) as tick:
        assert tick is not None
        tick(10)
    assert terminal.getvalue() == ""


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress_bar(1_000_000, "writing e-mails") as tick:
        assert tick is None
