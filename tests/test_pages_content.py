"""What the built-in pages say: the call to apply, and the defects a new reader found (issue 12).

Each test reads the Markdown generated for the demo (or for a copy of it with one value
changed); the 404 page and the logo are checked in the built site.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import markdown
import pytest
import yaml

from generator.images import contrast_ratio
from generator.pipeline import generate
from tests.conftest import REPO, TODAY, copy_demo

SVG_NS = "{http://www.w3.org/2000/svg}"
APPLY_URL = "https://intranet.example.org/forms/switch-cohort-3"
# The demo's cohort 3 takes applications from 2 November to 18 December 2026 and starts on
# 1 February 2027; cohort 2 runs from 11 May to 18 December 2026.
BEFORE_WINDOW = dt.date(2026, 10, 1)
AFTER_WINDOW = dt.date(2026, 12, 20)
NOTHING_NEXT = dt.date(2027, 3, 1)
BUILT_IN_GUIDES = (
    "guides/mentors.md",
    "guides/mentees.md",
    "guides/faq.md",
    "guides/programme-leads.md",
    "guides/session-plan.md",
    "guides/running-a-great-first-session.md",
)

Pages = Callable[..., dict[str, str]]


def _body(text: str) -> str:
    """Return a generated page without its front matter."""
    return text.split("\n---\n", 1)[1] if text.startswith("---\n") else text


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Pages:
    """Return a function generating the demo (on a date, with text replaced in programme.yaml)."""
    made: dict[tuple[dt.date, tuple[tuple[str, str], ...]], dict[str, str]] = {}

    def make(today: dt.date = TODAY, replace: dict[str, str] | None = None) -> dict[str, str]:
        edits = tuple(sorted((replace or {}).items()))
        if (today, edits) not in made:
            root = copy_demo(tmp_path_factory.mktemp("demo") / "demo")
            programme = root / "programme.yaml"
            text = programme.read_text(encoding="utf-8")
            for old, new in edits:
                assert text.count(old) == 1, old
                text = text.replace(old, new)
            programme.write_text(text, encoding="utf-8")
            generate(root, today=today)
            site_src = root / "site_src"
            made[(today, edits)] = {
                p.relative_to(site_src).as_posix(): _body(p.read_text(encoding="utf-8"))
                for p in sorted(site_src.rglob("*.md"))
            }
        return made[(today, edits)]

    return make


def _html(text: str) -> str:
    """Render a page's Markdown with the extensions mkdocs.yml turns on."""
    return str(
        markdown.markdown(
            text,
            extensions=["admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables"],
        )
    )


def _ground_rule_sentences() -> list[str]:
    rules = yaml.safe_load((REPO / "programme.yaml").read_text(encoding="utf-8"))["ground_rules"]
    sentences = []
    for value in rules.values():
        if isinstance(value, str):
            sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", value) if len(s) > 20]
    return sentences


# --- applying (item 5) -------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["index.md", "guides/mentors.md", "guides/mentees.md"])
def test_an_open_window_shows_apply_by_its_closing_date_with_a_button(
    pages: Pages, page: str
) -> None:
    text = pages()[page]
    assert f"[Apply by 18 December 2026]({APPLY_URL}){{ .md-button .md-button--primary }}" in text
    assert "**Who may apply**" in text
    assert "Any permanent colleague at Apprentice" in text  # the design's eligibility
    assert "Any Head of Service, Director or Executive Director" in text


def test_the_button_leads_to_the_form_in_the_built_html(pages: Pages) -> None:
    html = _html(pages()["index.md"])
    assert f'<a class="md-button md-button--primary" href="{APPLY_URL}">Apply by 18 December' in (
        html
    )


def test_who_may_apply_replaces_the_eligibility_when_a_cohort_has_it(pages: Pages) -> None:
    who = "    who_may_apply: Colleagues in frontline services only\n"
    text = pages(replace={f"    apply_url: {APPLY_URL}\n": f"    apply_url: {APPLY_URL}\n{who}"})[
        "index.md"
    ]
    assert "    Colleagues in frontline services only" in text
    assert "Any permanent colleague at Apprentice" not in text


def test_a_cohort_with_an_email_gets_a_mailto_button(pages: Pages) -> None:
    email = "    apply_email: switch-apply@calderbrook.example"
    text = pages(replace={f"    apply_url: {APPLY_URL}": email})["index.md"]
    assert (
        "[Apply by 18 December 2026](mailto:switch-apply@calderbrook.example)"
        "{ .md-button .md-button--primary } or write to <switch-apply@calderbrook.example>"
    ) in text


def test_a_cohort_without_a_form_or_email_says_how_to_sign_up(pages: Pages) -> None:
    text = pages(replace={f"    apply_url: {APPLY_URL}\n": ""})["index.md"]
    assert "**Apply by 18 December 2026.**" in text
    assert "**How to apply.** Fill in the two-page application" in text
    assert ".md-button--primary }\n    " not in text


def test_before_the_window_the_dates_it_opens_and_closes(pages: Pages) -> None:
    for page in ("index.md", "guides/mentors.md", "guides/mentees.md"):
        text = pages(BEFORE_WINDOW)[page]
        assert "Applications for Cohort 3 (spring 2027) open on 2 November 2026" in text
        assert "They close on 18 December 2026" in text
        assert "Apply by" not in text, page


def test_after_the_window_closes_nothing_invites_applications(pages: Pages) -> None:
    text = pages(AFTER_WINDOW)["index.md"]
    assert "Applications for Cohort 3 (spring 2027) have closed" in text
    assert "Apply by" not in text
    assert APPLY_URL not in text


def test_with_no_next_window_it_is_announced_later(pages: Pages) -> None:
    site = pages(NOTHING_NEXT)
    for page in ("index.md", "guides/mentors.md", "about.md"):
        assert "Apply by" not in site[page]
        assert "the next application window will be announced on this portal" in site[page]


# --- defects (item 9) --------------------------------------------------------------------------


def test_a_story_card_shows_a_rule_not_a_literal_dash_line(pages: Pages) -> None:
    """a. The rule under each card title needs a blank line above it."""
    site = pages()
    text = site["stories/index.md"]
    cards = text.count("\n-   **[")
    assert cards == len([p for p in site if p.startswith("stories/") and p != "stories/index.md"])
    assert cards >= 3
    html = _html(text)
    assert html.count("<hr />") == cards
    assert "---" not in re.sub(r"<[^>]+>", "", html)
    assert "<h2>" not in html  # "title\n---" would also be read as a heading


def test_the_logo_is_a_light_tile_in_the_header(built_demo: Path) -> None:
    """b. The logo is drawn on its own tile, which stands out from the header's colour."""
    header = (built_demo / "site" / "index.html").read_text(encoding="utf-8")
    assert re.search(
        r'class="md-header__button md-logo"[^>]*>\s*<img src="images/logo.svg"', header
    )
    config = yaml.safe_load((REPO / "programme.yaml").read_text(encoding="utf-8"))["site"]
    svg = ElementTree.parse(built_demo / "site" / config["logo"]).getroot()  # as served
    tile = next(svg.iter(f"{SVG_NS}rect"))
    size = svg.get("viewBox", "").split()[2:]
    assert [tile.get("width"), tile.get("height")] == size  # the tile fills the whole drawing
    assert contrast_ratio(tile.get("fill", ""), config["primary_colour"]) >= 3
    # The arrow in the header's own colour carries the shape on the tile. (The orange one is
    # 2.46:1 on white; #d97800 or darker would make it 3:1 as well.)
    strokes = {p.get("stroke") or "" for p in svg.iter(f"{SVG_NS}path")}
    assert config["primary_colour"] in strokes
    assert max(contrast_ratio(s, tile.get("fill", "")) for s in strokes) >= 3


def test_footnote_marks_never_touch(pages: Pages) -> None:
    """c. Two footnote marks side by side get a raised comma between them, not "12"."""
    site = pages()
    for path, text in site.items():
        assert not re.search(r"\[\^[^\]]+\]\[\^", text), path
    about = site["about.md"]
    assert "[^uol]<sup>,</sup>[^guider]" in about
    html = _html(about)
    assert re.search(r"</sup><sup>,</sup><sup id=\"fnref:guider\">", html)


def test_the_home_figures_say_different_things(pages: Pages) -> None:
    """d. No figure repeats another: not the mentors, mentees or hours beside the pairs."""
    text = pages()["index.md"]
    figures = {
        label: value
        for value, label in re.findall(
            r'__value">(\d+)</span>\n<span class="portal-figure__label">([^<]+)<', text
        )
    }
    values = list(figures.values())
    assert len(values) == len(set(values)), figures
    assert set(figures) == {
        "pairs matched",
        "sessions held by named pairs",  # 3 pairs without a page: too few to count them
        "departments taking part",
        "success stories",
    }


def test_the_404_page_offers_help_and_links_from_any_depth(built_demo: Path) -> None:
    """e. A helpful 404 whose links start at the site's root, so they work at any depth."""
    page = (built_demo / "site" / "404.html").read_text(encoding="utf-8")
    article = page.split('<article class="md-content__inner md-typeset">', 1)[1]
    article = article.split("</article>", 1)[0]
    assert "Page not found (404)" in article
    assert "search" in article
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', article)
    assert ("/index.html", "Home") in links
    assert ("/guides/index.html", "Guides") in links
    assert ("/stories/index.html", "Stories") in links
    assert all(href.startswith("/") for href, _ in links), links


def test_each_ground_rule_is_stated_in_full_only_in_the_agreement(pages: Pages) -> None:
    """f. The agreement says each rule; guides and the FAQ summarise it and link there."""
    site = pages()
    sentences = _ground_rule_sentences()
    assert len(sentences) >= 10
    for sentence in sentences:
        assert sentence in site["guides/agreement.md"], sentence
        for path in (*BUILT_IN_GUIDES, "index.md", "about.md"):
            assert sentence not in site[path], f"{path} repeats: {sentence}"
    booking = "books the sessions and sends the invitations"
    assert [p for p, t in site.items() if booking in t] == ["guides/agreement.md"]
    for path in ("guides/mentors.md", "guides/mentees.md", "guides/faq.md"):
        assert "agreement.md#confidentiality" in site[path]
        assert "agreement.md#if-it-is-not-working" in site[path]


def test_the_session_plan_gives_each_cohort_its_own_cadence(pages: Pages) -> None:
    """g. Cohorts 2 (every 5 weeks) and 3 (every 4 weeks) are each named with their own."""
    intro = pages()["guides/session-plan.md"].split("\n## ", 1)[0]
    assert "every 5 weeks in Cohort 2 (summer 2026)" in intro
    assert "every 4 weeks in Cohort 3 (spring 2027)" in intro
    later = pages(NOTHING_NEXT)["guides/session-plan.md"].split("\n## ", 1)[0]
    assert "every 4 weeks" in later
    assert "5 weeks" not in later
    finished = pages(dt.date(2027, 9, 1))["guides/session-plan.md"].split("\n## ", 1)[0]
    assert "Each pair meets for 6 sessions of 1 hour, every 4 weeks, over roughly 6 months." in (
        finished
    )


def test_a_running_cohort_is_called_running(pages: Pages) -> None:
    """h. One word for one state: 'Running', as on the pairs pages, never 'under way'."""
    site = pages()
    assert '!!! info "Cohort 2 (summer 2026) is running"' in site["index.md"]
    assert "| 11 May 2026 to 18 December 2026 | Running |" in site["about.md"]
    for path in ("index.md", "about.md", *BUILT_IN_GUIDES):
        assert "under way" not in site[path].lower(), path


def test_every_source_on_the_about_page_is_a_full_citation(pages: Pages) -> None:
    """i. Author, year, title and a link for each source, peer-reviewed research among them."""
    about = pages()["about.md"]
    notes = re.findall(r"^\[\^([a-z]+)\]: (.+)$", about, flags=re.MULTILINE)
    used = set(re.findall(r"\[\^([a-z]+)\](?!:)", about))
    assert {key for key, _ in notes} == used
    for key, note in notes:
        assert re.match(r"^[^(]+ \((\d{4}|n\.d\.)\)\. ", note), key  # author (year).
        assert re.search(r"\*[^*]+\*|\[[^\]]+\]", note), key  # a title
        assert re.search(r"<https://[^>]+>$", note), key  # a link
    cited = dict(notes)
    assert "Human Resource Management, 51(4), 549–573" in cited["murphy"]
    assert "<https://doi.org/10.1002/hrm.21489>" in cited["murphy"]
    assert "Human Resource Development Review, 11(1), 55–76" in cited["chaudhuri"]
    assert "<https://doi.org/10.1177/1534484311417562>" in cited["chaudhuri"]
    assert "Murray, J." in cited["pld"]


def test_the_first_session_guide_uses_the_programmes_values(pages: Pages) -> None:
    """j. No hard-coded length or first mover: both follow programme.yaml."""
    guide = pages()["guides/running-a-great-first-session.md"]
    assert "six months" not in guide and "all six" not in guide
    assert "**Mentee: make the first move.** In Switch Mentoring the mentee sends" in guide
    flipped = pages(replace={"who_initiates: mentee": "who_initiates: mentor"})
    guide = flipped["guides/running-a-great-first-session.md"]
    assert "**Mentor: make the first move.** In Switch Mentoring the mentor sends" in guide
    assert "Mentee: make the first move" not in guide
    assert "Arranging the sessions is your job" in flipped["guides/mentors.md"]
