"""Write a synthetic, valid programme of any size: the common input of every benchmark.

    from benchmarks.synthetic import write_synthetic_programme
    root = write_synthetic_programme(Path("benchmarks/_work/p10k"), 10_000, stories=500)

The project is the demo programme (the repository's programme.yaml: same grades, cohorts,
measures and rules) with generated people. It always passes `portal check`:

- participants: half junior mentors, half senior mentees, in departments with a realistic
  management tree (Executive Director → Director → Head of Service → mentors, apprentices
  often reporting to a senior officer); ids with leading zeros; 3 in 4 consent to be named;
- pairs: one per mentor, about participants / 2 in all, each across departments (so never
  inside a reporting line) and at least the programme's minimum grade gap apart; status
  follows the cohort's dates (completed, active or proposed, a few withdrawn or paused);
- sessions: about 10 rows per pair (held, some cancelled, some extra), none in the future;
- surveys: a pre survey from most participants of started cohorts, a post survey after;
- content: *stories* approved success stories naming pairs in which both people consented,
  and *posts* blog posts by named participants or staff.

Output is deterministic: the same arguments (and the same demo programme.yaml) give the same
bytes. Nothing here renders or builds; a benchmark that builds the site copies mkdocs.yml and
theme/ in itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config import Cohort, ProgrammeConfig
from generator.errors import InputError
from generator.load import load_yaml_file
from generator.validate import validate_config

REPO = Path(__file__).resolve().parent.parent
DEMO_PROGRAMME = REPO / "programme.yaml"
# The day the data is "as of": sessions after it have not happened yet (the tests' TODAY).
AS_OF = dt.date(2026, 11, 22)

DEPARTMENTS = [
    "Adult Social Care", "Children's Services", "Customer Services", "Digital",
    "Environment", "Finance", "Housing", "Human Resources", "Legal", "Libraries",
    "Parks", "Planning", "Public Health", "Regeneration", "Revenues and Benefits", "Waste",
]  # fmt: skip
SURNAME_ENDINGS = [
    "son", "ford", "ley", "ton", "wood", "field", "more", "ham", "well", "croft", "dale",
    "worth", "by", "wick", "stead", "hurst", "brook", "man", "ing", "er",
]  # fmt: skip
UNNAMED_SURNAME_ENDINGS = [
    "shaw", "gate", "combe", "thorpe", "bury", "cliffe", "holt", "wade", "marsh", "lock",
    "ridge", "cott", "stow", "kirk", "garth", "mere", "nash", "pike", "rigg", "sett",
]  # fmt: skip
LOCATIONS = ["Town Hall", "Civic Centre", "Depot", "Hybrid", "Home"]
NETWORKS = ["", "", "", "Women's Network", "Race Equality Network", "Pride Network",
            "Disability Network", "Carers' Network", "Young Professionals"]  # fmt: skip
FIRST = [
    "Aisha", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hamza", "Isla", "Jack", "Kemi",
    "Liam", "Maya", "Noah", "Olivia", "Priya", "Quinn", "Ravi", "Sofia", "Tom", "Uma", "Victor",
    "Wren", "Xavier", "Yusuf", "Zoë", "Amaka", "Bartek", "Ciara", "Dafydd", "Eilidh", "Farah",
]  # fmt: skip
LAST = [
    "Ahmed", "Brown", "Campbell", "Davies", "Evans", "Fernandes", "Green", "Hughes", "Iqbal",
    "Jones", "Kowalski", "Lewis", "Murphy", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts",
    "Singh", "Taylor", "Usman", "Vaughan", "Williams", "Xu", "Young", "Zielinski", "Mensah",
]  # fmt: skip
DIGITAL = [
    "TikTok", "Instagram", "Short-form video", "Power BI", "Excel formulas", "AI tools",
    "Microsoft Teams", "Accessible documents", "Plain English writing", "Gen Z expectations",
    "Online consultation", "Data visualisation", "Podcasting", "Neurodiversity awareness",
]  # fmt: skip
LEADERSHIP = [
    "Council decision-making", "Budget setting", "Leading change", "Influencing",
    "Public speaking", "Working with elected members", "Career planning", "Negotiation",
    "Partnership working", "Managing a team", "Writing a business case", "Procurement",
]  # fmt: skip
INTERESTS = [
    "Running", "Cycling", "Chess", "Cooking", "Gardening", "Football", "Choir", "Theatre",
    "Gaming", "Photography", "Hiking", "Baking", "Local history", "Climbing", "Knitting",
]  # fmt: skip
TOPICS = [
    "Career stories", "Pair agreement", "Choosing goals", "A day in my working life",
    "Digital in practice", "Inclusion and belonging", "Decisions at the top", "Feedback",
    "Turning learning into action", "Looking back", "Teams channels", "Dashboards",
]  # fmt: skip
PRONOUNS = ["", "she/her", "he/him", "they/them"]
PARTICIPANT_COLUMNS = [
    "id", "name", "email", "role", "grade", "department", "job_title", "location",
    "manager_id", "skills_offered", "skills_wanted", "interests", "bio", "photo", "pronouns",
    "cohort", "consent", "network",
]  # fmt: skip
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<circle cx="16" cy="16" r="14" fill="#0b5d5b"/></svg>\n'
)


@dataclass
class _Person:
    id: str
    role: str
    rank: int
    department: str = ""
    cohort: str = ""
    manager_id: str = ""
    named: bool = True
    row: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Pair:
    pair_id: str
    mentor: _Person
    mentee: _Person
    cohort: Cohort
    status: str
    start: dt.date | None


def demo_config() -> tuple[str, ProgrammeConfig]:
    """Return the demo programme.yaml's text and its validated configuration."""
    doc = load_yaml_file(DEMO_PROGRAMME, "programme.yaml")
    config, problems = validate_config(doc, "programme.yaml")
    if config is None:
        raise InputError(problems)
    return DEMO_PROGRAMME.read_text(encoding="utf-8"), config


def write_synthetic_programme(
    root: Path, participants: int, seed: int = 1, *, stories: int = 0, posts: int = 0
) -> Path:
    """Write a valid project of *participants* people (plus content) into *root*; return it.

    *root* is created if needed; files already there are overwritten, others left alone.
    The same *participants*, *seed*, *stories* and *posts* always give the same files.
    """
    if participants < 2:
        raise ValueError("a programme needs at least 2 participants (one pair)")
    rng = random.Random(seed)
    text, config = demo_config()
    people, pairs = _people_and_pairs(rng, config, participants)
    files = {
        "programme.yaml": _programme_text(text),
        "content/images/logo.svg": LOGO,
        "data/participants.csv": _csv(PARTICIPANT_COLUMNS, [p.row for p in people]),
        "data/pairs.csv": _pairs_csv(rng, pairs),
        "data/sessions.csv": _sessions_csv(rng, pairs),
        "data/surveys.csv": _surveys_csv(rng, config, pairs),
    }
    files.update(_stories(rng, pairs, stories))
    files.update(_posts(rng, config, people, posts))
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8", newline="\n")
    return root


def _programme_text(demo: str) -> str:
    """Point the demo's data section at the synthetic tables under data/."""
    data = (
        "data:\n"
        "  participants: data/participants.csv\n"
        "  pairs: data/pairs.csv\n"
        "  sessions: data/sessions.csv\n"
        "  surveys: data/surveys.csv\n"
    )
    section = re.compile(r"^data:\n(?:(?:[ #].*)?\n)*", re.MULTILINE)
    if not section.search(demo):
        raise ValueError("the demo programme.yaml has no 'data:' section to replace")
    return section.sub(lambda _match: data, demo, count=1)


def _csv(columns: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _cohort_weights(config: ProgrammeConfig) -> list[float]:
    # Most pairs are in cohorts that have started; a future cohort is still being matched.
    return [1.0 if c.start <= AS_OF else 0.2 for c in config.cohorts]


def _ranks(config: ProgrammeConfig) -> tuple[list[int], list[int]]:
    """Return the mentee ranks (the top three grades) and the mentor ranks (the bottom three)."""
    top = len(config.grades)
    gap = config.matching.min_grade_gap
    mentee = list(range(max(gap, top - 3), top))
    mentor = list(range(0, min(3, mentee[0] - gap + 1)))
    if not mentor:
        raise ValueError("the demo's grades leave no room for the minimum grade gap")
    return mentee, mentor


def _people_and_pairs(
    rng: random.Random, config: ProgrammeConfig, count: int
) -> tuple[list[_Person], list[_Pair]]:
    mentee_ranks, mentor_ranks = _ranks(config)
    width = max(5, len(str(count)))
    # Ids are long (a 5-digit id turns up inside one in a few thousand random page addresses,
    # which the audit rightly refuses); the check digits leave the random stream as it was.
    ids = [f"{n:0{width}d}{n % 883:03d}" for n in rng.sample(range(1, 10**width), count)]
    people: list[_Person] = []
    pairs: list[_Pair] = []
    mentee_weights = [0.70, 0.25, 0.05][-len(mentee_ranks) :]
    mentor_weights = [0.25, 0.45, 0.30][: len(mentor_ranks)]
    for index in range(count // 2):
        mentee_rank = rng.choices(mentee_ranks, mentee_weights)[0]
        mentee = _Person(ids[2 * index + 1], "mentee", mentee_rank, rng.choice(DEPARTMENTS))
        mentor = _Person(ids[2 * index], "mentor", rng.choices(mentor_ranks, mentor_weights)[0])
        # Across departments, so the pair is never inside one reporting line.
        mentor.department = rng.choice([d for d in DEPARTMENTS if d != mentee.department])
        cohort = rng.choices(config.cohorts, _cohort_weights(config))[0]
        mentor.cohort = mentee.cohort = cohort.id
        people += [mentor, mentee]
        pairs.append(_new_pair(rng, index, mentor, mentee, cohort))
    if count % 2:
        spare = _Person(ids[-1], "mentee", mentee_ranks[0], rng.choice(DEPARTMENTS))
        spare.cohort = config.cohorts[-1].id
        people.append(spare)
    _assign_managers(rng, people, mentee_ranks, mentor_ranks)
    taken: set[str] = set()
    for person in people:
        person.named = rng.random() < 0.75
        person.row = _participant_row(rng, config, person, taken)
    return people, pairs


def _new_pair(
    rng: random.Random, index: int, mentor: _Person, mentee: _Person, cohort: Cohort
) -> _Pair:
    if cohort.start > AS_OF:
        status, start = ("proposed" if rng.random() < 0.9 else "withdrawn"), None
    else:
        start = min(cohort.start + dt.timedelta(days=rng.randint(0, 20)), cohort.end)
        roll = rng.random()
        if roll < 0.03:
            status = "withdrawn"
        elif cohort.end < AS_OF:
            status = "completed"
        else:
            status = "paused" if roll < 0.06 else "active"
    return _Pair(f"K{index + 1:05d}", mentor, mentee, cohort, status, start)


def _assign_managers(
    rng: random.Random, people: list[_Person], mentee_ranks: list[int], mentor_ranks: list[int]
) -> None:
    """Build each department's tree: seniors report upwards, juniors to a senior or a lead."""
    by_place: dict[tuple[str, int], list[_Person]] = defaultdict(list)
    for person in people:
        by_place[(person.department, person.rank)].append(person)
    for person in people:
        above = [r for r in mentee_ranks if r > person.rank]
        if person.role == "mentor":
            # Apprentices often report to a senior officer; everyone else to a head of service.
            lead = by_place.get((person.department, mentor_ranks[-1]), [])
            if person.rank == mentor_ranks[0] and lead and rng.random() < 0.5:
                person.manager_id = rng.choice(lead).id
                continue
            above = mentee_ranks
        for rank in above:
            candidates = by_place.get((person.department, rank), [])
            if candidates:
                person.manager_id = rng.choice(candidates).id
                break


def _pick(rng: random.Random, items: list[str], low: int, high: int) -> list[str]:
    return rng.sample(items, rng.randint(low, high))


def _participant_row(
    rng: random.Random, config: ProgrammeConfig, person: _Person, taken: set[str]
) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    # Every name is one person's: two people of one name, one consenting and one not, could not
    # be told apart on a page (the audit rightly refuses the consenting one's name then). A
    # later bearer of a name gets a longer one-word surname ("Green" → "Greenford"), chosen
    # without the random stream. People without consent take their endings from a pool of their
    # own, so no surname of theirs is printed anywhere: listed page titles ("… Ben Evans",
    # "Chloe …") then never read as one of them surname first ("Evans, Chloe").
    endings = SURNAME_ENDINGS if person.named else UNNAMED_SURNAME_ENDINGS
    first_choice = ("",) if person.named else ()
    combined = (a + b for a in endings for b in endings if a != b)
    for suffix in itertools.chain(first_choice, endings, combined):
        if f"{first} {last}{suffix}" not in taken:
            last += suffix
            break
    else:  # pragma: no cover - hundreds of names each is more than any benchmark asks for
        raise ValueError("the synthetic programme ran out of distinct names")
    taken.add(f"{first} {last}")
    local = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower().replace("ë", "e"))
    senior = person.role == "mentee"
    offered = _pick(rng, LEADERSHIP if senior else DIGITAL, 2, 4)
    wanted = _pick(rng, DIGITAL if senior else LEADERSHIP, 2, 4)
    grade = config.grades[person.rank]
    # Some HR systems export one value per line inside a cell; the loader must cope.
    separator = "\n" if rng.random() < 0.1 else ";"
    return {
        "id": person.id,
        "name": f"{first} {last}",
        "email": f"{local}.{person.id}@calderbrook.example",
        "role": person.role,
        "grade": grade,
        "department": person.department,
        "job_title": f"{grade}, {person.department}",
        "location": rng.choice(LOCATIONS),
        "manager_id": person.manager_id,
        "skills_offered": separator.join(offered),
        "skills_wanted": separator.join(wanted),
        "interests": ";".join(_pick(rng, INTERESTS, 1, 3)),
        "bio": f"I work in {person.department} and enjoy {rng.choice(INTERESTS).lower()}.",
        "photo": "",
        "pronouns": rng.choice(PRONOUNS),
        "cohort": person.cohort,
        "consent": "named" if person.named else "none",
        "network": rng.choice(NETWORKS),
    }


def _pairs_csv(rng: random.Random, pairs: list[_Pair]) -> str:
    rows = [
        {
            "pair_id": pair.pair_id,
            "mentor_id": pair.mentor.id,
            "mentee_id": pair.mentee.id,
            "cohort": pair.cohort.id,
            "status": pair.status,
            "start_date": pair.start.isoformat() if pair.start else "",
            "goals": ";".join(_pick(rng, DIGITAL + LEADERSHIP, 1, 3)),
        }
        for pair in pairs
    ]
    columns = ["pair_id", "mentor_id", "mentee_id", "cohort", "status", "start_date", "goals"]
    return _csv(columns, rows)


def _sessions_csv(rng: random.Random, pairs: list[_Pair]) -> str:
    rows: list[dict[str, str]] = []
    for pair in pairs:
        if pair.start is None:
            continue
        cohort = pair.cohort
        last_day = min(cohort.end, AS_OF)
        planned = cohort.sessions if pair.status != "withdrawn" else rng.randint(1, 2)
        dates = [pair.start + dt.timedelta(weeks=cohort.cadence_weeks * k) for k in range(planned)]
        span = max((last_day - pair.start).days, 0)
        extras = 0 if pair.status == "withdrawn" else 3
        extra = [pair.start + dt.timedelta(days=rng.randint(0, span)) for _ in range(extras)]
        for day in sorted(dates + extra):
            if day > last_day:
                continue
            if rng.random() < 0.3:
                earlier = max(day - dt.timedelta(days=rng.randint(1, 6)), pair.start)
                rows.append(_session(rng, pair, earlier, "cancelled"))
            rows.append(_session(rng, pair, day, "held"))
    columns = ["pair_id", "date", "minutes", "status", "topics", "mentor_rating", "mentee_rating"]
    return _csv(columns, rows)


def _session(rng: random.Random, pair: _Pair, day: dt.date, status: str) -> dict[str, str]:
    held = status == "held"
    minutes = pair.cohort.session_minutes + rng.choice([-15, -5, 0, 0, 0, 5, 10, 30])

    def rating() -> str:
        return str(rng.randint(3, 5)) if held and rng.random() < 0.85 else ""

    return {
        "pair_id": pair.pair_id,
        "date": day.isoformat(),
        "minutes": str(minutes) if held else "",
        "status": status,
        "topics": ";".join(_pick(rng, TOPICS, 1, 3)) if held else "",
        "mentor_rating": rating(),
        "mentee_rating": rating(),
    }


def _surveys_csv(rng: random.Random, config: ProgrammeConfig, pairs: list[_Pair]) -> str:
    measures = config.success_measures
    rows: list[dict[str, str]] = []
    for pair in pairs:
        if pair.start is None:
            continue
        for person in (pair.mentor, pair.mentee):
            if rng.random() > 0.9:
                continue
            pre = {m.survey_field: rng.randint(m.scale_min, m.scale_max - 1) for m in measures}
            rows.append(_answer(person, pair, "pre", pre))
            if pair.cohort.end < AS_OF and pair.status == "completed" and rng.random() < 0.85:
                post = {
                    m.survey_field: min(m.scale_max, pre[m.survey_field] + rng.randint(0, 2))
                    for m in measures
                }
                rows.append(_answer(person, pair, "post", post))
    columns = ["participant_id", "cohort", "phase", *(m.survey_field for m in measures)]
    return _csv(columns, rows)


def _answer(person: _Person, pair: _Pair, phase: str, scores: dict[str, int]) -> dict[str, str]:
    row = {"participant_id": person.id, "cohort": pair.cohort.id, "phase": phase}
    row.update({k: str(v) for k, v in scores.items()})
    return row


def _stories(rng: random.Random, pairs: list[_Pair], count: int) -> dict[str, str]:
    candidates = [
        p
        for p in pairs
        if p.start is not None
        and p.status in {"active", "paused", "completed"}
        and p.mentor.named
        and p.mentee.named
    ]
    if count > len(candidates):
        raise ValueError(f"only {len(candidates)} pairs can be named in a story, not {count}")
    files: dict[str, str] = {}
    for number, pair in enumerate(sorted(rng.sample(candidates, count), key=lambda p: p.pair_id)):
        assert pair.start is not None
        day = min(pair.start + dt.timedelta(days=rng.randint(30, 150)), AS_OF)
        agreed = day - dt.timedelta(days=rng.randint(1, 14))
        mentor, mentee = pair.mentor.row["name"], pair.mentee.row["name"]
        topic = rng.choice(DIGITAL)
        files[f"content/stories/story-{number + 1:04d}.md"] = (
            "---\n"
            f"title: {topic} with {mentor.split()[0]}\n"
            f"date: {day.isoformat()}\n"
            f"summary: {mentee} and {mentor} on what {topic.lower()} changed for them.\n"
            f"pair: {pair.pair_id}\n"
            f"tags: [{pair.cohort.id}, {pair.mentee.department}]\n"
            "consent:\n"
            f"  {pair.mentor.id}: {agreed.isoformat()}\n"
            f"  {pair.mentee.id}: {agreed.isoformat()}\n"
            "status: approved\n"
            "anonymous: false\n"
            "---\n\n"
            f"{mentee} leads a team in {pair.mentee.department}; {mentor} works in "
            f"{pair.mentor.department}. They met {pair.cohort.sessions} times.\n\n"
            f"## What changed\n\n{mentee} now uses {topic.lower()} every week.\n"
        )
    return files


def _posts(
    rng: random.Random, config: ProgrammeConfig, people: list[_Person], count: int
) -> dict[str, str]:
    named = [p for p in people if p.named]
    staff = [s.id for s in config.staff]
    first_day = min(c.start for c in config.cohorts)
    span = max((AS_OF - first_day).days, 0)
    # The programme's own blog categories when it lists them (any other is an error then).
    categories = config.blog.categories or ["Stories", "Events", "Tips"]
    files: dict[str, str] = {}
    for number in range(count):
        authors = rng.sample(named, rng.randint(1, 2)) if named and rng.random() < 0.8 else []
        ids = [a.id for a in authors] or [rng.choice(staff)]
        day = first_day + dt.timedelta(days=rng.randint(0, span))
        topic = rng.choice(DIGITAL + LEADERSHIP)
        files[f"content/blog/post-{number + 1:04d}.md"] = (
            "---\n"
            f"title: Notes on {topic.lower()}\n"
            f"date: {day.isoformat()}\n"
            f"authors: [{', '.join(ids)}]\n"
            f"categories: [{rng.choice(categories)}]\n"
            f"tags: [{topic}]\n"
            f"summary: What we learned about {topic.lower()}.\n"
            "draft: false\n"
            "---\n\n"
            f"A few lines about {topic.lower()} from this month's sessions.\n"
        )
    return files


def minimal_config(grades: list[str], matching: dict[str, Any]) -> ProgrammeConfig:
    """Return the smallest valid programme (cohorts c1 in 2024 and c2 in 2025) with these rules."""

    def cohort(cid: str, year: int) -> dict[str, Any]:
        return {
            "id": cid,
            "name": f"Cohort {cid}",
            "applications": {"opens": f"{year}-01-05", "closes": f"{year}-02-05"},
            "start": f"{year}-03-01",
            "end": f"{year}-09-01",
            "sessions": 6,
            "cadence_weeks": 4,
            "session_minutes": 60,
        }

    return ProgrammeConfig.model_validate(
        {
            "programme": {
                "name": "Synthetic",
                "organisation": "Synthetic Council",
                "objectives": ["digital skills"],
                "objective_statement": "Leaders learn from new colleagues.",
                "sponsor": {"name": "Sponsor"},
                "contact": {"name": "Office"},
            },
            "grades": grades,
            "cohorts": [cohort("c1", 2024), cohort("c2", 2025)],
            "design": {
                "eligibility": {"mentors": "juniors", "mentees": "leaders"},
                "selection": "open",
                "spaces": 10,
                "sign_up": "Apply.",
                "commitment": "Six sessions.",
                "monitoring": "Check-ins.",
            },
            "session_plan": [{"number": 1, "title": "Hello", "agenda": ["meet"]}],
            "ground_rules": {
                "confidentiality": "c",
                "confidentiality_limits": "l",
                "who_initiates": "mentee",
                "response_days": 3,
                "no_retaliation": "n",
                "withdrawal": "w",
                "rematch": "r",
            },
            "matching": matching,
            "data": {"participants": "data/participants.csv", "pairs": "data/pairs.csv"},
        }
    )
