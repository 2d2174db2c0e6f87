"""Charts: valid, inert, fixed SVG with a text alternative; nothing drawn for hidden measures."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from defusedxml import ElementTree

from generator.charts import (
    ChartColours,
    describe_result,
    draw_measure_chart,
    impact_charts,
    theme_colours,
)
from generator.impact import Impact, compute_impact, pooled_scores
from generator.model import Project
from generator.pipeline import load_project
from tests.conftest import REPO, TODAY
from tests.test_impact import Scratch, people_answering

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
DEMO_COLOURS = ChartColours(primary="#0b5d5b", accent="#ff9100")


@pytest.fixture
def demo_project(demo: Path) -> Project:
    return load_project(demo, today=TODAY)


@pytest.fixture
def demo_impact(demo_project: Project) -> Impact:
    return compute_impact(demo_project)


def test_every_shown_measure_gets_a_chart_in_the_site_colours(
    demo_project: Project, demo_impact: Impact
) -> None:
    assert theme_colours(demo_project.config.site) == DEMO_COLOURS
    charts = impact_charts(demo_project, demo_impact)
    assert [c.key for c in charts] == [m.key for m in demo_impact.measures]
    for chart in charts:
        assert "#0b5d5b" in chart.svg  # the means, in the primary colour
        # No pair of answers in the demo was given by 5 people: no answer line, no accent.
        assert "#ff9100" not in chart.svg


def test_an_answer_line_needs_the_minimum_group_size_of_people(demo_impact: Impact) -> None:
    """A line for one person's answers would publish them (the red team read them off widths)."""
    measure = demo_impact.measures[0]
    five = [(2.0, 4.0)] * 5
    with_line = draw_measure_chart(measure, five, DEMO_COLOURS, 5)
    assert with_line is not None and "#ff9100" in with_line.svg
    without = draw_measure_chart(measure, (), DEMO_COLOURS, 5)
    assert without is not None and "#ff9100" not in without.svg


def test_charts_are_valid_inert_scalable_svg(demo_project: Project, demo_impact: Impact) -> None:
    for chart in impact_charts(demo_project, demo_impact):
        root = ElementTree.fromstring(chart.svg)
        assert root.tag == f"{SVG}svg"
        assert root.get("viewBox") == "0 0 360 270"
        assert root.get("width") is None and root.get("height") is None
        assert root.get("role") == "img"
        assert root.find(f"{SVG}title") is not None
        assert root.find(f"{SVG}title").text == chart.title  # type: ignore[union-attr]
        for element in root.iter():
            tag = element.tag.split("}")[-1]
            # Text is drawn as paths: no <text> to label a point, no font to fetch.
            assert tag not in {"script", "foreignObject", "text", "image", "a", "iframe"}
            for name, value in element.attrib.items():
                assert not name.split("}")[-1].lower().startswith("on"), name
                if name in {XLINK_HREF, "href"}:
                    assert value.startswith(f"#impact-{chart.key}-"), value
                if name == "id":
                    assert value.startswith(f"impact-{chart.key}-"), value
                assert "url(" not in value or value.startswith(f"url(#impact-{chart.key}-")
        assert "<!DOCTYPE" not in chart.svg and "<?xml" not in chart.svg
        # No address of any kind beyond the SVG namespaces themselves.
        assert set(re.findall(r"https?://[^\s\"']+", chart.svg)) <= {
            "http://www.w3.org/2000/svg",
            "http://www.w3.org/1999/xlink",
        }


def test_two_renders_are_byte_identical(demo_project: Project, demo_impact: Impact) -> None:
    first = impact_charts(demo_project, demo_impact)
    second = impact_charts(demo_project, compute_impact(demo_project))
    assert [c.svg for c in first] == [c.svg for c in second]


def test_renders_in_another_process_are_byte_identical(
    demo: Path, demo_project: Project, demo_impact: Impact
) -> None:
    script = (
        "import hashlib, datetime, pathlib, sys\n"
        "from generator.pipeline import load_project\n"
        "from generator.impact import compute_impact\n"
        "from generator.charts import impact_charts\n"
        f"p = load_project(pathlib.Path({str(demo)!r}), today=datetime.date(2026, 11, 22))\n"
        "for c in impact_charts(p, compute_impact(p)):\n"
        "    print(hashlib.sha256(c.svg.encode()).hexdigest())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    here = [
        hashlib.sha256(c.svg.encode()).hexdigest() for c in impact_charts(demo_project, demo_impact)
    ]
    assert done.stdout.split() == here


def test_the_text_alternative_states_the_finding(
    demo_project: Project, demo_impact: Impact
) -> None:
    alt = {c.key: c.alt for c in impact_charts(demo_project, demo_impact)}
    assert alt["digital_confidence"] == (
        "On average, leaders' confidence with digital tools rose from 2.0 to 3.1 out of 5 among "
        "the 8 mentees who answered both surveys, a change of +1.1 against a target of +1.0: "
        "target met. All 8 improved."
    )
    assert alt["belonging"] == (
        "On average, sense of belonging rose from 2.9 to 4.0 out of 5 among the 7 mentors who "
        "answered both surveys, a change of +1.1 against a target of +0.5: target met. "
        "5 of the 7 improved."
    )


def test_a_fall_and_a_missed_target_are_said_so(scratch: Callable[..., Path]) -> None:
    s = Scratch(cohorts=[("c1", "2026-03-02", "2026-08-28")])
    for i, (pre, post) in enumerate([("4", "3"), ("4", "4"), ("3", "2"), ("5", "4"), ("2", "3")]):
        s.answers(s.person(f"Q{i}", "mentee", "c1"), "c1", pre, post)
    project = s.load(scratch)
    measure = compute_impact(project).measures[0]
    assert describe_result(measure, measure.overall) == (
        "On average, digital confidence fell from 3.6 to 3.2 out of 5 among the 5 participants "
        "who answered both surveys, a change of \u22120.4 against a target of +1.0: target "
        "missed. 1 of the 5 improved."
    )
    chart = draw_measure_chart(measure, pooled_scores(project, measure), DEMO_COLOURS)
    assert chart is not None and chart.alt == describe_result(measure, measure.overall)


def test_a_suppressed_measure_gets_no_chart(scratch: Callable[..., Path]) -> None:
    s = Scratch(cohorts=[("c1", "2026-03-02", "2026-08-28")])
    people_answering(s, "c1", 4)
    project = s.load(scratch)
    impact = compute_impact(project)
    measure = impact.measures[0]
    assert pooled_scores(project, measure) == ()
    assert draw_measure_chart(measure, [(1.0, 2.0)] * 4, DEMO_COLOURS) is None
    assert impact_charts(project, impact) == ()
    assert describe_result(measure, measure.overall) == (
        "Digital confidence: fewer than 5 participants answered both surveys."
    )


def test_chart_points_carry_no_order_of_who_answered(
    demo_project: Project, demo_impact: Impact
) -> None:
    measure = demo_impact.measures[0]
    scores = pooled_scores(demo_project, measure)
    assert list(scores) == sorted(scores)
    # Only pairs of answers at least 5 people gave reach the public view; in the demo, none.
    assert all(scores.count(s) >= 5 for s in scores)
    assert measure.overall.n.raw == 8 and scores == ()
