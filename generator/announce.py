"""Announcements (`portal announce`): private match e-mails and session calendars for a cohort.

For each approved pair (active, paused or completed) of the cohort, each of its two people gets
an e-mail, ``<pair id>-<participant id>.eml``: who their partner is, who books the first session
(``ground_rules.who_initiates``), how quickly to answer (``ground_rules.response_days``), how to
prepare for session 1 (``session_plan``), a link to the pair agreement, and, only when both people
agreed to be named, their pair page. The pair gets a calendar, ``<pair id>.ics``, with the
planned sessions as events; it is attached to both e-mails too.

An e-mail goes to its person whatever they agreed about the portal, so these are private outputs:
written outside every folder the portal publishes from, never into ``site_src/``, and marked with
``PRIVATE_MARKER`` (an ``X-Portal-Private`` header, an ``X-PORTAL-PRIVATE`` calendar property).

The same project and date give the same bytes: the Date header is the project's today, the
Message-ID and the MIME boundaries are hashes of what the message holds, and each event's UID is
a UUID 5 of programme, cohort, pair and session number, so importing a later run's calendar
updates the events instead of adding them twice. Its SEQUENCE counts the days since the cohort's
application window opened, so a run on a later day is seen as a newer revision.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import html
import re
import textwrap
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from icalendar import Calendar, Event

from generator.config import Cohort, ProgrammeConfig
from generator.errors import InputError, Problem
from generator.impact import long_date
from generator.model import Pair, Participant, Project
from generator.pages import slugify
from generator.private_outputs import (
    ANNOUNCEMENTS_FOLDER,
    PRIVATE_MARKER,
    check_output_path,
    private_folder,
    write_atomically,
)
from generator.public import opaque_id, site_secret
from generator.wording import plural

PROGRAMME_FILE = "programme.yaml"
# Writing an announcement takes about a millisecond: a bar is worth it from a few thousand on.
PROGRESS_ANNOUNCEMENTS = 2_000
# When a planned session starts, until the pair moves it (local time wherever they are).
DEFAULT_START = dt.time(10, 0)
# The e-mails are dated at this hour (UTC) of the project's today.
SENT_AT = dt.time(9, 0)
WIDTH = 76
SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
Tick = Callable[[int], None]


@dataclass(frozen=True)
class Announcement:
    """One person's match e-mail, ready to write."""

    pair_id: str
    participant_id: str
    file_name: str
    message: bytes


@dataclass(frozen=True)
class PairCalendar:
    """One pair's planned sessions as an iCalendar file, ready to write."""

    pair_id: str
    file_name: str
    calendar: bytes
    events: int


@dataclass(frozen=True)
class Announcements:
    """Everything `portal announce` writes for one cohort, and what it left out."""

    cohort: Cohort
    emails: tuple[Announcement, ...]
    calendars: tuple[PairCalendar, ...]
    skipped: int  # pairs of the cohort that are not approved (proposed or withdrawn)


@dataclass(frozen=True)
class _Link:
    """A sentence ending in a web address."""

    text: str
    url: str


@dataclass(frozen=True)
class _Items:
    """A bulleted list."""

    items: tuple[str, ...]


_Block = str | _Link | _Items


@dataclass(frozen=True)
class _Letter:
    """What one e-mail says, as paragraphs, links and lists, before it is set as text and HTML."""

    greeting: str
    blocks: tuple[_Block, ...]


def _file_stem(value: str) -> str:
    """Return an id as a file name, or a hash of it when it holds other characters."""
    if SAFE_FILE_NAME.fullmatch(value):
        return value
    return "id-" + hashlib.sha256(value.encode()).hexdigest()[:12]


def default_announcements_folder(project: Project, cohort_id: str) -> Path:
    """Return where a cohort's announcements go by default: announcements/<cohort>/ by the data."""
    return private_folder(project, ANNOUNCEMENTS_FOLDER) / cohort_id


def _cohort(config: ProgrammeConfig, cohort_id: str) -> Cohort:
    cohort = config.cohort(cohort_id)
    if cohort is None:
        known = ", ".join(c.id for c in config.cohorts)
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


def _sender(config: ProgrammeConfig) -> Address:
    contact = config.programme.contact
    problem = Problem(
        PROGRAMME_FILE,
        "the announcements are sent from the programme contact's e-mail address; "
        "add it as programme.contact.email (for example mentoring@your-organisation.org)",
        field="programme.contact.email",
    )
    if not contact.email:
        raise InputError([problem])
    try:
        return Address(display_name=contact.name, addr_spec=contact.email)
    except (HeaderParseError, ValueError, IndexError):
        raise InputError(
            [
                Problem(
                    PROGRAMME_FILE,
                    f"'{contact.email}' cannot be used as an e-mail address to send from",
                    field="programme.contact.email",
                )
            ]
        ) from None


def _recipient(project: Project, person: Participant) -> Address:
    try:
        return Address(display_name=person.name, addr_spec=person.email)
    except (HeaderParseError, ValueError, IndexError):
        raise InputError(
            [
                Problem(
                    project.config.data.participants,
                    f"{person.name} ({person.id}) has the e-mail address '{person.email}', "
                    "which cannot be used to send an e-mail; correct it in the table",
                    field="email",
                )
            ]
        ) from None


def _domain(sender: Address) -> str:
    return sender.domain or "portal.invalid"


def _url(config: ProgrammeConfig, path: str) -> str:
    """Return the portal address of a page, or '' when programme.yaml gives no site.url."""
    base = config.site.url.strip()
    return f"{base.rstrip('/')}/{path}" if base else ""


def pair_page_url(project: Project, pair: Pair) -> str:
    """Return the address of a pair's page, or '' when it has none (or site.url is not set).

    The address uses the same opaque key as the page itself (`public.build_public_view`),
    never a name or the pair id.
    """
    if pair.pair_id not in project.published_pairs:
        return ""
    key = opaque_id("pair", pair.pair_id, site_secret(project.config))
    return _url(project.config, f"pairs/{key}.html")


def planned_dates(pair: Pair, cohort: Cohort) -> tuple[dt.date, ...]:
    """Return the planned date of each session, as a pair page plans a pair yet to meet.

    The first session is on the pair's start date (else the cohort's), each next one
    ``cadence_weeks`` later, for the cohort's number of sessions.
    """
    start = pair.start_date or cohort.start
    cadence = dt.timedelta(weeks=cohort.cadence_weeks)
    return tuple(start + cadence * n for n in range(cohort.sessions))


def _describe(person: Participant) -> str:
    """Return 'Alison Brooks (Head of Finance, Finance)': the name, then what they do."""
    what = ", ".join(part for part in (person.job_title, person.department) if part)
    return f"{person.name} ({what})" if what else person.name


def _letter(
    project: Project,
    cohort: Cohort,
    person: Participant,
    partner: Participant,
    first_date: dt.date,
    has_page: bool,
    page_url: str,
    calendar_name: str,
) -> _Letter:
    """Say what one person needs to know about their match."""
    config = project.config
    rules = config.ground_rules
    programme = config.programme
    partner_role = "mentee" if person.role == "mentor" else "mentor"
    first = next((s for s in config.session_plan if s.number == 1), None)
    blocks: list[_Block] = [
        f"Welcome to {programme.name}, {cohort.name}. You have been paired with "
        f"{_describe(partner)}, who will be your {partner_role}.",
    ]
    minutes = f"{cohort.session_minutes} minutes"
    when = f", planned for the week of {long_date(first_date)}"
    if person.role == rules.who_initiates:
        blocks.append(
            f"You make the first move and book your sessions: please invite {partner.name} "
            f"({partner.email}) to your first session ({minutes}{when}), at a time that suits "
            "you both."
        )
    else:
        blocks.append(
            f"{partner.name} books your sessions and will invite you to the first one "
            f"({minutes}{when}). "
            f"You can write to them at {partner.email}."
        )
    blocks.append(
        f"The pair agreement asks you both to answer each other's messages within "
        f"{rules.response_days} working days."
    )
    title = first.title if first else "Session 1"
    if first and first.preparation:
        blocks.append(f"To prepare for session 1, {title}:")
        blocks.append(_Items(tuple(first.preparation)))
    agreement = _url(config, "guides/agreement.html")
    if agreement:
        blocks.append(
            _Link(
                "Read the pair agreement before you meet; you will go through it together:",
                agreement,
            )
        )
    else:
        blocks.append(
            "Read the pair agreement (in the Guides section of the portal) before you meet; "
            "you will go through it together."
        )
    if page_url:
        blocks.append(_Link("Your pair page on the portal:", page_url))
    elif has_page:
        blocks.append("Your pair has its own page on the portal, under Pairs.")
    else:
        blocks.append(
            "A pair is shown on the portal only when both people agree to be named. Tell the "
            "programme office if you would like to change what you agreed."
        )
    blocks.append(
        f"The attached calendar, {calendar_name}, holds your "
        f"{plural(cohort.sessions, 'planned session')}, one every "
        f"{plural(cohort.cadence_weeks, 'week')}; add it to your calendar and move each "
        "session to a time that suits you both."
    )
    contact = programme.contact
    blocks.append(
        f"Questions? Reply to this e-mail, or write to {contact.name} at {contact.email}."
    )
    return _Letter(greeting=f"Hello {person.name},", blocks=tuple(blocks))


def _plain(letter: _Letter, signature: str) -> str:
    """Set a letter as plain text, wrapped for any mail reader."""
    out = [letter.greeting, ""]
    for block in letter.blocks:
        if isinstance(block, str):
            out += [textwrap.fill(block, WIDTH), ""]
        elif isinstance(block, _Link):
            out += [textwrap.fill(block.text, WIDTH), block.url, ""]
        else:
            for item in block.items:
                out.append(textwrap.fill(item, WIDTH, initial_indent="- ", subsequent_indent="  "))
            out.append("")
    out += [signature, ""]
    return "\n".join(out)


def _html(letter: _Letter, signature: str, title: str, language: str) -> str:
    """Set a letter as a small HTML document; every value is escaped."""
    esc = html.escape
    body = [f"<p>{esc(letter.greeting)}</p>"]
    for block in letter.blocks:
        if isinstance(block, str):
            body.append(f"<p>{esc(block)}</p>")
        elif isinstance(block, _Link):
            link = esc(block.url)
            body.append(f'<p>{esc(block.text)} <a href="{link}">{link}</a></p>')
        else:
            items = "".join(f"<li>{esc(item)}</li>" for item in block.items)
            body.append(f"<ul>{items}</ul>")
    body.append(f"<p>{esc(signature)}</p>")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="generator" content="{PRIVATE_MARKER}">\n'
        f"<title>{esc(title)}</title>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def _event_uid(
    config: ProgrammeConfig, cohort: Cohort, pair: Pair, number: int, domain: str
) -> str:
    name = "\x00".join(
        (
            "portal",
            config.programme.organisation,
            config.programme.name,
            cohort.id,
            pair.pair_id,
            str(number),
        )
    )
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, name)}@{domain}"


def _calendar(
    project: Project,
    cohort: Cohort,
    pair: Pair,
    names: tuple[str, str],
    domain: str,
    start_at: dt.time,
) -> tuple[bytes, int]:
    """Return a pair's planned sessions as iCalendar bytes, and how many events it holds."""
    config = project.config
    plan = {s.number: s for s in config.session_plan}
    both = f"{names[0]} and {names[1]}"
    stamp = dt.datetime.combine(project.today, dt.time(0, 0), tzinfo=dt.UTC)
    sequence = max(0, (project.today - cohort.applications.opens).days)
    calendar = Calendar()
    calendar.add("prodid", f"-//{config.programme.organisation}//{config.programme.name}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{config.programme.name}: {both}")
    calendar.add("x-portal-private", PRIVATE_MARKER)
    events = 0
    for number, day in enumerate(planned_dates(pair, cohort), start=1):
        session = plan.get(number)
        title = session.title if session else f"Session {number}"
        lines = [f"{config.programme.name}, {cohort.name}: {both}."]
        if session:
            lines += ["", "Agenda:", *(f"- {item}" for item in session.agenda)]
            if session.preparation:
                lines += ["", "Preparation:", *(f"- {item}" for item in session.preparation)]
        begins = dt.datetime.combine(day, start_at)  # floating: local wherever they are
        event = Event()
        event.add("uid", _event_uid(config, cohort, pair, number, domain))
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        event.add("summary", f"{config.programme.name} session {number}: {title}")
        event.add("description", "\n".join(lines))
        event.add("dtstart", begins)
        event.add("dtend", begins + dt.timedelta(minutes=cohort.session_minutes))
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
        events += 1
    return bytes(calendar.to_ical()), events


def _message(
    sender: Address,
    recipient: Address,
    subject: str,
    sent: dt.datetime,
    plain: str,
    page: str,
    calendar: bytes,
    calendar_name: str,
    domain: str,
) -> bytes:
    """Compose one RFC 5322 message: text and HTML alternatives, and the calendar attached."""
    digest = hashlib.sha256(
        b"\x00".join(
            (str(recipient).encode(), subject.encode(), plain.encode(), page.encode(), calendar)
        )
    ).hexdigest()
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = f"<{digest[:32]}@{domain}>"
    message["X-Portal-Private"] = PRIVATE_MARKER
    message.set_content(plain, cte="quoted-printable")
    message.add_alternative(page, subtype="html", cte="quoted-printable")
    message.add_attachment(
        calendar.decode("utf-8"), subtype="calendar", filename=calendar_name, cte="base64"
    )
    # Fixed boundaries (the email package draws random ones): the same input, the same bytes.
    message.set_boundary(f"portal-mixed-{digest[32:56]}")
    alternative = next(message.iter_parts())
    alternative.set_boundary(f"portal-alternative-{digest[32:56]}")
    return message.as_bytes(policy=email.policy.SMTP)


def build_announcements(
    project: Project, cohort_id: str, start_at: dt.time = DEFAULT_START, tick: Tick | None = None
) -> Announcements:
    """Compose the e-mails and calendars of a cohort's approved pairs (nothing is written)."""
    config = project.config
    cohort = _cohort(config, cohort_id)
    sender = _sender(config)
    domain = _domain(sender)
    people = project.participant_index()
    sent = dt.datetime.combine(project.today, SENT_AT, tzinfo=dt.UTC)
    calendar_name = f"{slugify(config.programme.name) or 'mentoring'}-sessions.ics"
    signature = f"{config.programme.contact.name}, {config.programme.name}"
    in_cohort = sorted((p for p in project.pairs if p.cohort == cohort.id), key=lambda p: p.pair_id)
    emails: list[Announcement] = []
    calendars: list[PairCalendar] = []
    skipped = 0
    for pair in in_cohort:
        mentor, mentee = people.get(pair.mentor_id), people.get(pair.mentee_id)
        if not pair.is_approved or mentor is None or mentee is None:
            skipped += 1
            continue
        ics, events = _calendar(project, cohort, pair, (mentor.name, mentee.name), domain, start_at)
        calendars.append(PairCalendar(pair.pair_id, f"{_file_stem(pair.pair_id)}.ics", ics, events))
        first_date = planned_dates(pair, cohort)[0]
        has_page = pair.pair_id in project.published_pairs
        page_url = pair_page_url(project, pair)
        for person, partner in ((mentor, mentee), (mentee, mentor)):
            letter = _letter(
                project, cohort, person, partner, first_date, has_page, page_url, calendar_name
            )
            subject = f"{config.programme.name}: you are paired with {partner.name}"
            message = _message(
                sender,
                _recipient(project, person),
                subject,
                sent,
                _plain(letter, signature),
                _html(letter, signature, subject, config.site.language),
                ics,
                calendar_name,
                domain,
            )
            emails.append(
                Announcement(
                    pair.pair_id,
                    person.id,
                    f"{_file_stem(pair.pair_id)}-{_file_stem(person.id)}.eml",
                    message,
                )
            )
            if tick is not None:
                tick(1)
    return Announcements(cohort, tuple(emails), tuple(calendars), skipped)


def approved_people(project: Project, cohort_id: str) -> int:
    """Return how many e-mails a cohort's announcement holds (two per approved pair)."""
    return 2 * sum(1 for p in project.pairs if p.cohort == cohort_id and p.is_approved)


def write_announcements(
    project: Project, announcements: Announcements, folder: Path
) -> tuple[Path, ...]:
    """Write each e-mail and calendar into *folder* (private); return the files written."""
    check_output_path(project, folder, "--out", what="an announcement")
    written: list[Path] = []
    items: Sequence[tuple[str, bytes]] = [
        *((c.file_name, c.calendar) for c in announcements.calendars),
        *((e.file_name, e.message) for e in announcements.emails),
    ]
    for name, data in items:
        path = folder / name
        write_atomically(path, data)
        written.append(path)
    return tuple(written)
