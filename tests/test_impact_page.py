"""The impact page, cohort archive and pair progress, read from the generated Markdown.

Expected figures are computed here from the CSV files with the csv module, independently of
generator.impact, and compared with what site_src/ says.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from generator.images import verify_published_image
from generator.impact import compute_impact
from generator.pipeline import check_project, generate
from generator.public import TagSpellings, build_public_view
from tests.conftest import TODAY
from tests.test_impact import Scratch, people_answering

# --- reading the generated page ---------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def one_place(value: Fraction, signed: bool = False) -> str:
    text = str(
        (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    ).replace("-", "\u2212")
    return "+" + text if signed and value > 0 else text


def percent(part: int, whole: int) -> str:
    return f"{(Decimal(part * 100) / whole).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


def section(page: str, heading: str) -> str:
    """Return the text of the `## heading` section (up to the next `## `)."""
    start = page.index(f"\n## {heading}")
    end = page.find("\n## ", start + 1)
    return page[start : end if end != -1 else len(page)]


def table(text: str) -> dict[str, list[str]]:
    """Return a Markdown table's rows by their first cell."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def md(text: str) -> str:
    """Undo the character references the page uses to keep configuration text inert."""
    return re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)


DEMO_MEASURES = {
    # label: (survey column, whose answers count, target as written in programme.yaml)
    "Leaders' confidence with digital tools": ("digital_confidence", "mentee", "1.0"),
    "Understanding of colleagues' experience": ("understanding", "mentee", "0.8"),
    "Sense of belonging": ("belonging", "mentor", "0.5"),
    "Plans to stay at the council": ("intent_to_stay", "mentor", "0.5"),
}


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate the demo's site_src/ once for this module."""
    from tests.conftest import copy_demo

    root = copy_demo(tmp_path_factory.mktemp("impact") / "demo")
    generate(root, today=TODAY)
    return root


def test_demo_impact_page_matches_the_survey_table(demo_site: Path) -> None:
    data = demo_site / "content" / "data"
    roles = {row["id"]: row["role"] for row in read_csv(data / "participants.csv")}
    surveys = read_csv(data / "surveys.csv")
    page = md((demo_site / "site_src" / "impact.md").read_text(encoding="utf-8"))
    for label, (column, role, target) in DEMO_MEASURES.items():
        answers: dict[str, dict[str, Fraction]] = {"pre": {}, "post": {}}
        for row in surveys:
            if (
                row["cohort"] == "c1-2025"
                and row[column].strip()
                and roles[row["participant_id"]] == role
            ):
                answers[row["phase"]][row["participant_id"]] = Fraction(row[column])
        both = sorted(answers["pre"].keys() & answers["post"].keys())
        n = len(both)
        before = sum(answers["pre"][p] for p in both) / n
        after = sum(answers["post"][p] for p in both) / n
        change = sum(answers["post"][p] - answers["pre"][p] for p in both) / n
        improved = sum(1 for p in both if answers["post"][p] > answers["pre"][p])
        met = change >= Fraction(target)

        rows = table(section(page, label))
        assert rows["Figure"] == ["Cohort 1 (autumn 2025)"]
        assert rows["People who answered both surveys"] == [str(n)]
        assert rows["Average before"] == [one_place(before)]
        assert rows["Average after"] == [one_place(after)]
        assert rows["Change per person"] == [one_place(change, signed=True)]
        assert rows["Target"] == ["+" + target]
        assert rows["Result"] == ["Target met" if met else "Target missed"]
        assert rows["People who improved"] == [f"{improved} of {n} ({percent(improved, n)})"]
        # Fewer than 10 people: said so, and no interval claimed.
        assert rows["95% interval of the change"] == ["too few people"]
        assert f"based on {n} people" in section(page, label)
        glance = section(page, "Results at a glance")
        assert (
            f"a change of {one_place(change, signed=True)} per person against a target of "
            f"+{target}, **{'target met' if met else 'target missed'}** ({n} "
        ) in glance


def test_the_brief_s_figures_for_cohort_1(demo_site: Path) -> None:
    page = md((demo_site / "site_src" / "impact.md").read_text(encoding="utf-8"))
    expected = {
        "Leaders' confidence with digital tools": ("8", "2.0", "3.1", "+1.1", "+1.0"),
        "Understanding of colleagues' experience": ("8", "2.6", "4.0", "+1.4", "+0.8"),
        "Sense of belonging": ("7", "2.9", "4.0", "+1.1", "+0.5"),
        "Plans to stay at the council": ("8", "3.0", "3.9", "+0.9", "+0.5"),
    }
    for label, figures in expected.items():
        rows = table(section(page, label))
        shown = tuple(
            rows[r][0]
            for r in (
                "People who answered both surveys",
                "Average before",
                "Average after",
                "Change per person",
                "Target",
            )
        )
        assert shown == figures


def test_demo_programme_figures_match_the_tables(demo_site: Path) -> None:
    """Cohort 1 has 2 pairs without a page (one withdrew, one is not named): fewer than 5, so
    the counts pair pages also show are over the named pairs only, and the withdrawal rate is
    not shown; the ratings, which no page shows pair by pair, are averaged over every pair."""
    data = demo_site / "content" / "data"
    named = {row["id"] for row in read_csv(data / "participants.csv") if row["consent"] == "named"}
    started = [
        p
        for p in read_csv(data / "pairs.csv")
        if p["cohort"] == "c1-2025" and p["status"] != "proposed"
    ]
    with_page = [
        p
        for p in started
        if p["status"] in {"active", "paused", "completed"}
        and {p["mentor_id"], p["mentee_id"]} <= named
    ]
    assert len(started) - len(with_page) == 2
    held_rows = [s for s in read_csv(data / "sessions.csv") if s["status"] == "held"]
    held = {p["pair_id"]: sum(s["pair_id"] == p["pair_id"] for s in held_rows) for p in started}
    ratings = [
        Fraction(s[c])
        for s in held_rows
        if s["pair_id"] in held
        for c in ("mentor_rating", "mentee_rating")
        if s[c]
    ]
    n = len(with_page)
    counted = {p["pair_id"]: held[p["pair_id"]] for p in with_page}
    page = md((demo_site / "site_src" / "impact.md").read_text(encoding="utf-8"))
    ran = section(page, "How the programme ran")
    rows = table(ran)
    planned = 6 * n
    assert rows["Pairs that started"] == [str(n)]
    assert rows["Sessions held"] == [f"{sum(counted.values())} of {planned} planned"]
    assert rows["Planned sessions that took place"] == [
        percent(sum(min(h, 6) for h in counted.values()), planned)
    ]
    assert rows["Pairs that held at least 1 session"] == [
        percent(sum(h >= 1 for h in counted.values()), n)
    ]
    assert rows["Pairs that held at least 3 sessions"] == [
        percent(sum(h >= 3 for h in counted.values()), n)
    ]
    assert rows["Pairs that held every session"] == [
        percent(sum(h >= 6 for h in counted.values()), n)
    ]
    assert rows["Pairs that completed"] == [
        percent(sum(p["status"] == "completed" for p in with_page), n)
    ]
    assert rows["Pairs that withdrew"][0].startswith("not shown")
    assert rows["Average session rating (1 to 5)"] == [one_place(sum(ratings) / len(ratings))]
    assert "named on this portal" in ran


def test_totals_minus_pair_pages_give_nothing_about_the_pairs_without_a_page(
    demo_site: Path,
) -> None:
    """The red team's subtraction: home and impact totals minus the sessions on the pair pages
    must not give the sessions of the few pairs without a page."""
    site = demo_site / "site_src"
    on_pages = 0
    for path in sorted((site / "pairs").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if "| Status |" in text:
            on_pages += len(re.findall(r"\| Held \|$", text, flags=re.M))
    home = (site / "index.md").read_text(encoding="utf-8")
    figures = dict(
        (label, int(value))
        for value, label in re.findall(
            r'__value">(\d+)</span>\n<span class="portal-figure__label">([^<]+)<', home
        )
    )
    sessions = figures.get("sessions held by named pairs", figures.get("sessions held"))
    assert sessions is not None
    assert "sessions held by named pairs" in figures
    assert sessions == on_pages  # the total is the pages' sum: nothing is left to work out


def test_running_and_open_cohorts_say_when_results_come(demo_site: Path) -> None:
    page = md((demo_site / "site_src" / "impact.md").read_text(encoding="utf-8"))
    intro = page[: page.index("## Results at a glance")]
    assert "**Cohort 2 (summer 2026)** (running): results after 18 December 2026" in intro
    assert "**Cohort 3 (spring 2027)** (open for applications): results after 30 July 2027" in intro
    # No column, no partial figure, for a cohort that has not completed.
    assert "Cohort 2 (summer 2026) |" not in page


def test_every_chart_is_a_clean_file_with_words(demo_site: Path) -> None:
    src = demo_site / "site_src"
    page = (src / "impact.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[([^\]]*)\]\(([^)]+)\)", page)
    assert len(images) == len(DEMO_MEASURES)
    for alt, target in images:
        svg = src / target
        assert svg.is_file() and target.startswith("images/impact/")
        assert verify_published_image(svg.read_bytes(), ".svg") is None
        words = md(alt)
        assert words.startswith("On average, ") and "target met" in words
    alts = [md(alt) for alt, _ in images]
    assert "rose from 2.0 to 3.1 out of 5 among the 8 mentees" in alts[0]
    assert "a change of +1.1 against a target of +1.0: target met" in alts[0]


def test_the_impact_page_is_in_the_nav_between_stories_and_blog(demo_site: Path) -> None:
    parent = yaml.safe_load(
        (demo_site / "site_src" / ".mkdocs.programme.yml").read_text(encoding="utf-8")
    )
    titles = [next(iter(item)) for item in parent["nav"]]
    assert titles.index("Impact") == titles.index("Stories") + 1
    assert titles.index("Blog") == titles.index("Impact") + 1


def test_same_data_same_bytes(demo_site: Path, tmp_path: Path) -> None:
    from tests.conftest import copy_demo

    again = copy_demo(tmp_path / "again")
    generate(again, today=TODAY)
    for rel in [
        "impact.md",
        *(p.relative_to(demo_site / "site_src").as_posix()
          for p in (demo_site / "site_src" / "images" / "impact").glob("*.svg")),
    ]:  # fmt: skip
        assert (again / "site_src" / rel).read_bytes() == (
            demo_site / "site_src" / rel
        ).read_bytes()


def test_the_cohort_archive_has_results_and_stories(demo_site: Path) -> None:
    src = demo_site / "site_src"
    c1 = md((src / "pairs" / "c1-2025.md").read_text(encoding="utf-8"))
    assert c1.splitlines()[7].startswith("Completed. 1 September 2025 to 27 February 2026")
    results = section(c1, "Results")
    assert (
        "**Leaders' confidence with digital tools**: from 2.0 to 3.1 on average, a change of "
        "+1.1 per person against a target of +1.0: **target met** (8 mentees)."
    ) in results
    assert "[impact page](../impact.md)" in results
    stories = section(c1, "Stories")
    assert "[From spreadsheets to street level](../stories/spreadsheets-to-street-level.md)" in (
        stories
    )
    # An anonymous story joins the archive only through the cohort its own tags name.
    assert "one-thumb-at-a-time.md" in stories
    assert "budgets-and-borders.md" not in stories  # tagged cohort 2
    c2 = md((src / "pairs" / "c2-2026.md").read_text(encoding="utf-8"))
    assert "## Results" not in c2 and "Results after 18 December 2026" in c2


def test_the_pairs_directory_words_states_one_way_newest_first(demo_site: Path) -> None:
    index = (demo_site / "site_src" / "pairs" / "index.md").read_text(encoding="utf-8")
    rows = [line for line in index.splitlines() if line.startswith("| [Cohort")]
    assert [r.split("|")[3].strip() for r in rows] == [
        "Open for applications",
        "Running",
        "Completed",
    ]
    about = (demo_site / "site_src" / "about.md").read_text(encoding="utf-8")
    assert "Under way" not in about and "| Running |" in about


# --- suppression on the page ------------------------------------------------------------------


def _page(root: Path, today: dt.date = TODAY) -> str:
    generate(root, today=today)
    return md((root / "site_src" / "impact.md").read_text(encoding="utf-8"))


def test_a_measure_answered_by_four_people_is_not_on_the_page(
    scratch: Callable[..., Path],
) -> None:
    s = Scratch(cohorts=[("c1", "2026-03-02", "2026-08-28")])
    people_answering(s, "c1", 4)
    root = s.write(scratch)
    page = _page(root)
    rows = table(section(page, "Digital confidence"))
    assert rows["People who answered both surveys"] == ["fewer than 5"]
    for row in ("Average before", "Average after", "Change per person", "People who improved"):
        assert rows[row] == ["not shown"]
    assert rows["Result"] == ["not shown"]
    assert "fewer than 5 participants answered both surveys" in page
    assert "![" not in page  # no chart of four people's answers
    assert not list((root / "site_src" / "images").glob("impact/*"))


def test_a_difference_does_not_reveal_a_suppressed_cohort(scratch: Callable[..., Path]) -> None:
    s = Scratch(cohorts=[("a", "2025-03-03", "2025-08-29"), ("b", "2026-03-02", "2026-08-28")])
    people_answering(s, "a", 4)  # answers 1→2, 2→3, 3→4, 1→2
    people_answering(s, "b", 6, start=10)
    page = _page(s.write(scratch))
    rows = table(section(page, "Digital confidence"))
    assert rows["Figure"] == ["Cohort a", "Cohort b", "All completed cohorts"]
    # The target is configuration, the same in every column; every figure is data.
    a, b, overall = zip(*(rows[r] for r in rows if r not in {"Figure", "Target"}), strict=True)
    assert a[0] == "fewer than 5" and set(a[1:]) == {"not shown"}
    # The overall counts cohort b alone: overall minus b is nothing, not cohort a.
    assert overall == b
    assert "will be counted together with later cohorts" in page


def _home_figures(root: Path) -> dict[str, int | None]:
    checked = check_project(root, TODAY)
    site = build_public_view(checked.project, checked.decisions)
    return {f.label: f.value for f in site.figures}


def test_home_figures_minus_impact_figures_reveal_no_small_group(
    scratch: Callable[..., Path],
) -> None:
    # Cohort a: 4 pairs (too few to show), completed; cohort b: 6 pairs, completed.
    s = Scratch(cohorts=[("a", "2025-03-03", "2025-08-29"), ("b", "2026-03-02", "2026-08-28")])
    for cohort, count in (("a", 4), ("b", 6)):
        for i in range(count):
            mentor = s.person(f"{cohort.upper()}M{i}", "mentor", cohort)
            mentee = s.person(f"{cohort.upper()}E{i}", "mentee", cohort)
            pair = f"{cohort.upper()}P{i}"
            start = "2025-03-10" if cohort == "a" else "2026-03-09"
            s.pairs.append(f"{pair},{mentor},{mentee},{cohort},completed,{start},")
            s.sessions.append(f"{pair},{start},60,held,Intro,4,4")
            s.sessions.append(f"{pair},{start[:8]}20,60,held,More,5,5")
    root = s.write(scratch)
    impact = compute_impact(check_project(root, TODAY).project)
    overall = impact.programme.overall
    assert [r.status for r in impact.programme.cohorts] == ["suppressed", "shown"]
    home = _home_figures(root)
    shown_pairs = int(overall.pairs.raw or 0)
    shown_sessions = int(overall.sessions_held.raw or 0)
    for label, impact_value in (("pairs matched", shown_pairs), ("sessions held", shown_sessions)):
        value = home[label]
        difference = (value or 0) - impact_value if value is not None else 0
        # Either the same groups, or a difference of at least the minimum group size.
        assert difference == 0 or difference >= 5, (label, value, impact_value)
    assert home["pairs matched"] == 6 and home["sessions held"] == 12


def test_home_figures_count_the_sessions_of_the_named_pairs(demo_site: Path) -> None:
    """The demo has 3 started pairs without a page (fewer than 5): the home page's sessions
    are those of the named pairs, never of a withdrawn or unnamed one."""
    data = demo_site / "content" / "data"
    named = {row["id"] for row in read_csv(data / "participants.csv") if row["consent"] == "named"}
    pairs = {p["pair_id"]: p for p in read_csv(data / "pairs.csv")}
    with_page = {
        pid
        for pid, p in pairs.items()
        if p["status"] in {"active", "paused", "completed"}
        and {p["mentor_id"], p["mentee_id"]} <= named
    }
    held = [
        s
        for s in read_csv(data / "sessions.csv")
        if s["status"] == "held" and s["pair_id"] in with_page
    ]
    home = _home_figures(demo_site)
    assert "sessions held" not in home
    assert home["sessions held by named pairs"] == len(held)


# --- pair progress ----------------------------------------------------------------------------


def _pair_page(root: Path, name: str, today: dt.date = TODAY) -> str:
    generate(root, today=today)
    for page in sorted((root / "site_src" / "pairs").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        if f"# {name} and " in text or f" and {name}\n" in text:
            return md(text)
    raise AssertionError(f"no pair page for {name}")


def _progress_programme(status: str, sessions: list[str]) -> Scratch:
    s = Scratch(cohorts=[("c1", "2025-09-01", "2026-12-18")])
    s.person("M1", "mentor", "c1")
    s.person("E1", "mentee", "c1")
    s.pairs.append(f"K1,M1,E1,c1,{status},2025-09-08,Learn")
    s.sessions.extend(sessions)
    return s


def test_held_sessions_show_their_real_dates_and_topics(scratch: Callable[..., Path]) -> None:
    s = _progress_programme(
        "active",
        [
            "K1,2025-12-31,60,held,Year end review;Budgets,5,4",
            "K1,2025-09-08,60,held,Career stories,4,4",
        ],
    )
    page = _pair_page(s.write(scratch), "Person M1", today=dt.date(2026, 1, 10))
    rows = table(section(page, "Sessions"))
    assert rows["1"] == ["Career stories", "8 September 2025", "Held"]
    # A session held on 31 December is on 31 December (not 1 January, not the planned date).
    assert rows["2"] == ["Year end review, Budgets", "31 December 2025", "Held"]
    assert "2 of 2 sessions held so far." in page
    assert "Planned |" not in page  # the scratch cohort plans 2 sessions: none to come


def test_cancelled_sessions_are_listed_and_the_rest_continue_from_the_last_held(
    scratch: Callable[..., Path],
) -> None:
    s = _progress_programme("active", [])
    s.cohorts = [("c1", "2025-09-01", "2026-12-18")]
    root = s.write(scratch)
    programme = (root / "programme.yaml").read_text(encoding="utf-8")
    programme = programme.replace("    sessions: 2\n", "    sessions: 4\n", 1).replace(
        "  - {number: 2, title: Goodbye, agenda: [Review]}\n",
        "  - {number: 2, title: Goodbye, agenda: [Review]}\n"
        "  - {number: 3, title: Next, agenda: [Plan]}\n"
        "  - {number: 4, title: Last, agenda: [Close]}\n",
    )
    (root / "programme.yaml").write_text(programme, encoding="utf-8")
    (root / "data" / "sessions.csv").write_text(
        "pair_id,date,minutes,status,topics,mentor_rating,mentee_rating\n"
        "K1,2025-09-08,60,held,Intro,4,4\n"
        "K1,2025-10-06,,cancelled,Goodbye,,\n"
        "K1,2025-10-20,60,held,Review,4,4\n",
        encoding="utf-8",
    )
    page = _pair_page(root, "Person M1", today=dt.date(2025, 11, 1))
    lines = [line for line in section(page, "Sessions").splitlines() if line.startswith("| ")]
    assert lines[1:] == [
        "| 1 | Intro | 8 September 2025 | Held |",
        "|  | Goodbye | 6 October 2025 | Cancelled |",
        "| 2 | Review | 20 October 2025 | Held |",
        # Four weeks (the cohort's cadence) after the last held session, and four more.
        "| 3 | Next | 17 November 2025 | Planned |",
        "| 4 | Last | 15 December 2025 | Planned |",
    ]
    assert "2 of 4 sessions held so far." in page


@pytest.mark.parametrize("status", ["active", "paused"])
def test_a_pair_that_met_more_often_than_planned_says_so(
    scratch: Callable[..., Path], status: str
) -> None:
    # The scratch cohort plans 2 sessions; this pair held 3 ("3 of 2" would make no sense).
    s = _progress_programme(
        status,
        [
            "K1,2025-09-08,60,held,Intro,4,4",
            "K1,2025-10-06,60,held,Goodbye,4,4",
            "K1,2025-11-03,60,held,Extra,4,4",
        ],
    )
    page = _pair_page(s.write(scratch), "Person M1", today=dt.date(2025, 11, 10))
    said = "3 sessions held so far, more than the 2 planned."
    assert (f"Paused, {said}" if status == "paused" else f"\n{said}") in page
    assert "3 of 2" not in page


def test_an_overdue_pair_s_dates_are_to_be_arranged(scratch: Callable[..., Path]) -> None:
    s = _progress_programme("active", ["K1,2025-09-08,60,held,Intro,4,4"])
    page = _pair_page(s.write(scratch), "Person M1", today=dt.date(2025, 12, 1))
    rows = table(section(page, "Sessions"))
    assert rows["2"] == ["Goodbye", "to be arranged", "Planned"]


def test_a_paused_pair_says_it_is_paused(scratch: Callable[..., Path]) -> None:
    s = _progress_programme("paused", ["K1,2025-09-08,60,held,Intro,4,4"])
    page = _pair_page(s.write(scratch), "Person M1", today=dt.date(2025, 9, 20))
    assert "Paused: this pair is taking a break" in page
    assert "Paused, 1 of 2 sessions held so far." in page
    rows = table(section(page, "Sessions"))
    assert rows["2"] == ["Goodbye", "to be arranged", "Planned"]


def test_a_completed_pair_says_how_many_sessions_it_held(scratch: Callable[..., Path]) -> None:
    s = _progress_programme(
        "completed", ["K1,2025-09-08,60,held,Intro,4,4", "K1,2025-10-06,60,held,Outro,5,5"]
    )
    page = _pair_page(s.write(scratch), "Person M1")
    assert "Completed, 2 sessions held." in page
    assert "Planned |" not in page


def test_a_withdrawn_pair_has_no_page(scratch: Callable[..., Path]) -> None:
    s = _progress_programme("withdrawn", ["K1,2025-09-08,60,held,Intro,4,4"])
    root = s.write(scratch)
    generate(root, today=TODAY)
    pages = [p.name for p in (root / "site_src" / "pairs").glob("*.md")]
    assert sorted(pages) == ["c1.md", "index.md"]


# --- tags and authors -------------------------------------------------------------------------


def test_tags_merge_ignoring_case_and_spacing(demo_site: Path) -> None:
    project = check_project(demo_site, TODAY).project
    spellings = TagSpellings.of(
        project.config.cohorts,
        [("Power BI", "plain English"), ("power bi",), ("plain  english", "Power-BI", "power bi")],
    )
    assert spellings.merge(["power bi", "POWER BI", "Power-BI"]) == ("power bi",)
    assert spellings.merge(["Plain English"]) == ("plain English",)
    # A hand-written cohort tag becomes the automatic one, never a second tag beside it.
    assert spellings.merge(["cohort 1", "Cohort 1 (autumn 2025)", "C1-2025", "Cohort-1"]) == (
        "Cohort 1 (autumn 2025)",
    )
    assert spellings.merge(["PAIRS"]) == ("pairs",)
    assert spellings.cohort_of(["finance", "cohort 2"]) == "c2-2026"
    assert spellings.cohort_of(["cohort 1", "cohort 2"]) == ""


def test_the_demo_tags_page_has_no_duplicate_cohort_tags(demo_site: Path) -> None:
    src = demo_site / "site_src"
    tags: set[str] = set()
    for page in src.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        if text.startswith("---\n"):
            meta = yaml.safe_load(text.split("---\n", 2)[1]) or {}
            tags.update(meta.get("tags") or [])
    assert "cohort 1" not in tags and "Cohort 1 (autumn 2025)" in tags
    keys = [re.sub(r"[\s_-]+", "", t.casefold()) for t in tags]
    assert len(keys) == len(set(keys)), sorted(tags)


def test_the_authors_file_lists_only_authors_posts_use(demo_site: Path) -> None:
    src = demo_site / "site_src"
    authors = yaml.safe_load((src / "blog" / ".authors.yml").read_text(encoding="utf-8"))
    used: set[str] = set()
    for post in (src / "blog" / "posts").glob("*.md"):
        meta = yaml.safe_load(post.read_text(encoding="utf-8").split("---\n", 2)[1])
        used.update(meta["authors"])
    assert set(authors["authors"]) == used


# --- the red team's second round: totals across cohorts, and withdrawn pairs as cover --------


def _edit_csv(path: Path, column: str, values: dict[str, str], key: str) -> None:
    rows = read_csv(path)
    for row in rows:
        if row[key] in values:
            row[column] = values[row[key]]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _page_sessions(root: Path, cohort_name: str) -> int:
    """Sessions held that the pair pages of one cohort show, one by one."""
    total = 0
    for path in sorted((root / "site_src" / "pairs").glob("*.md")):
        text = md(path.read_text(encoding="utf-8"))
        if "| Status |" in text and f"\n{cohort_name}, " in text:
            total += len(re.findall(r"\| Held \|$", text, flags=re.M))
    return total


def test_five_hidden_pairs_in_one_cohort_do_not_uncover_one_in_another(
    tmp_path: Path,
) -> None:
    """Cohort 1 with 5 pairs without a page is counted whole; cohort 2's single one is not, so
    the home total minus cohort 1 minus cohort 2's pages leaves nothing."""
    from tests.conftest import copy_demo

    root = copy_demo(tmp_path / "demo")
    data = root / "content" / "data"
    _edit_csv(
        data / "participants.csv", "consent", dict.fromkeys(["P013", "P001", "P004"], "none"), "id"
    )
    (root / "content" / "blog" / "cohort-1-closing-event.md").unlink()
    generate(root, today=TODAY)
    home = _home_figures(root)
    held = home.get("sessions held") or home.get("sessions held by named pairs")
    assert held is not None
    cohort_1 = table(
        section(md((root / "site_src" / "impact.md").read_text()), "How the programme ran")
    )
    c1_held = int(cohort_1["Sessions held"][0].split()[0])
    assert held - c1_held == _page_sessions(root, "Cohort 2 (summer 2026)")


def test_withdrawn_pairs_are_no_cover_for_one_unnamed_pair(tmp_path: Path) -> None:
    from tests.conftest import copy_demo

    root = copy_demo(tmp_path / "demo")
    data = root / "content" / "data"
    _edit_csv(
        data / "pairs.csv",
        "status",
        dict.fromkeys(["K7Q2", "M3XD", "R8TB", "Q1YR"], "withdrawn"),
        "pair_id",
    )
    (root / "content" / "blog" / "cohort-1-closing-event.md").unlink()
    generate(root, today=TODAY)
    ran = table(section(md((root / "site_src" / "impact.md").read_text()), "How the programme ran"))
    assert int(ran["Sessions held"][0].split()[0]) == _page_sessions(root, "Cohort 1 (autumn 2025)")
    assert ran["Pairs that withdrew"][0].startswith("not shown")
