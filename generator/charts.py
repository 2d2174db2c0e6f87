"""Charts: one static SVG per success measure, with a text alternative saying the same in words.

Drawn with matplotlib's object API (a `Figure` on its own SVG canvas, never pyplot's global
state), so building charts in a library call leaves no figure behind. The output is fixed for a
given input: text is drawn as paths (no font is needed or fetched), the hash salt is fixed, no
date or creator is written, every id is prefixed with the measure's key (several charts can be
inlined in one page without clashing), and the root element has a viewBox but no width or height,
so the chart scales to its container (a 390 px phone included). Nothing in it is labelled with a
person: each line is the answers of everyone who gave the same pair of scores.
"""

from __future__ import annotations

import html
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from generator.impact import Impact, MeasureImpact, MeasureResult, lower_first, pooled_scores
from generator.model import Project

# mkdocs-material's palette, so a palette name in programme.yaml gives the site's own colour.
MATERIAL_PRIMARY = {
    "red": "#ef5350", "pink": "#e92063", "purple": "#ab47bd", "deep-purple": "#7e56c2",
    "indigo": "#4051b5", "blue": "#2094f3", "light-blue": "#02a6f2", "cyan": "#00bdd6",
    "teal": "#009485", "green": "#4cae4f", "light-green": "#8bc34b", "lime": "#cbdc38",
    "yellow": "#ffec3d", "amber": "#ffc105", "orange": "#ffa724", "deep-orange": "#ff6e42",
    "brown": "#795649", "grey": "#757575", "blue-grey": "#546d78", "black": "#000000",
    "white": "#ffffff",
}  # fmt: skip
MATERIAL_ACCENT = {
    "red": "#ff1a47", "pink": "#f50056", "purple": "#df41fb", "deep-purple": "#7c4dff",
    "indigo": "#526cfe", "blue": "#4287ff", "light-blue": "#0091eb", "cyan": "#00bad6",
    "teal": "#00bda4", "green": "#00c753", "light-green": "#63de17", "lime": "#b0eb00",
    "yellow": "#ffd500", "amber": "#ffaa00", "orange": "#ff9100", "deep-orange": "#ff6e42",
}  # fmt: skip
TEXT = "#1f2328"
MUTED = "#57606a"
GRID = "#d0d7de"
# 360 × 270 pt: at 390 px wide, 12 pt text is 13 px, still comfortable on a phone.
FIGURE_INCHES = (5.0, 3.75)
FONT_POINTS = 12
HASH_SALT = "portal-impact"
# Score levels closer than this share the space right of the After column: their labels part.
LABEL_GAP = 0.45
# Every metadata field matplotlib would write is switched off: no date, no creator.
NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


@dataclass(frozen=True)
class ChartColours:
    """The colours a chart is drawn in (#rrggbb)."""

    primary: str
    accent: str
    text: str = TEXT


@dataclass(frozen=True)
class Chart:
    """One measure's chart: SVG text and its text alternative."""

    key: str
    title: str
    svg: str
    alt: str


class SiteColours(Protocol):
    """Anything carrying the site's two colours: programme.yaml's `site`, or its public copy."""

    @property
    def primary_colour(self) -> str: ...

    @property
    def accent_colour(self) -> str: ...


def theme_colours(site: SiteColours) -> ChartColours:
    """Return the site's primary and accent colours as #rrggbb (palette names looked up)."""
    primary = site.primary_colour
    accent = site.accent_colour
    return ChartColours(
        primary=primary if primary.startswith("#") else MATERIAL_PRIMARY[primary],
        accent=accent
        if accent.startswith("#")
        else MATERIAL_ACCENT.get(accent, MATERIAL_PRIMARY.get(accent, "#ff9100")),
    )


def _luminance(colour: str) -> float:
    """Return the WCAG relative luminance of #rrggbb."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def readable_on_white(colour: str, fallback: str = TEXT) -> str:
    """Return *colour* if it has 3:1 contrast on white (WCAG for lines), else *fallback*."""
    return colour if 1.05 / (_luminance(colour) + 0.05) >= 3 else fallback


# --- words --------------------------------------------------------------------------------------


def describe_result(measure: MeasureImpact, result: MeasureResult) -> str:
    """Say what one group's figures show, in one or two sentences (the chart's text alternative)."""
    label = lower_first(measure.label)
    if result.status != "shown":
        return f"{measure.label}: {result.note or result.n.text}."
    n = result.n.text
    before, after, change = result.before.text, result.after.text, result.change.text
    if result.change.raw is None or change in {"0.0", "+0.0"}:
        moved = f"changed little, from {before} to {after}"
    elif result.change.raw > 0:
        moved = f"rose from {before} to {after}"
    else:
        moved = f"fell from {before} to {after}"
    count = result.improved_count.raw
    if count == result.n.raw:
        improved = f"All {n} improved."
    elif not count:
        improved = f"None of the {n} improved."
    else:
        improved = f"{result.improved_count.text} of the {n} improved."
    return (
        f"On average, {label} {moved} out of {measure.scale_max} among the {n} "
        f"{measure.audience} who answered both surveys, a change of {change} against a target "
        f"of {measure.target.text}: {result.verdict}. {improved}"
    )


# --- drawing ------------------------------------------------------------------------------------


def draw_measure_chart(
    measure: MeasureImpact,
    scores: Sequence[tuple[float, float]],
    colours: ChartColours,
    minimum: int = 5,
) -> Chart | None:
    """Draw a measure's before/after slope chart; None when its overall is not shown."""
    result = measure.overall
    if result.status != "shown":
        return None
    # Fonts are resolved as artists are made: the settings hold for the drawing and the saving.
    with rc_context(
        {
            "svg.fonttype": "path",
            "svg.hashsalt": HASH_SALT,
            "svg.id": None,
            "font.family": "DejaVu Sans",
            "font.size": FONT_POINTS,
        }
    ):
        svg = _draw(measure, result, scores, colours, minimum)
    return Chart(
        key=measure.key, title=measure.label, svg=svg, alt=describe_result(measure, result)
    )


def _draw(
    measure: MeasureImpact,
    result: MeasureResult,
    scores: Sequence[tuple[float, float]],
    colours: ChartColours,
    minimum: int,
) -> str:
    """Draw the slope chart and return its SVG text."""
    if result.before.raw is None or result.after.raw is None:  # pragma: no cover - shown has both
        raise ValueError("a shown measure has a mean before and after")
    mean_colour = readable_on_white(colours.primary)
    figure = Figure(figsize=FIGURE_INCHES)
    FigureCanvasSVG(figure)
    axes = figure.add_axes((0.15, 0.24, 0.80, 0.70))
    low, high = measure.scale_min, measure.scale_max
    axes.set_xlim(-0.42, 1.42)
    axes.set_ylim(low - 0.3, high + 0.3)
    axes.set_xticks([0, 1], ["Before", "After"], color=colours.text)
    axes.set_yticks(range(low, high + 1))
    axes.tick_params(axis="y", colors=MUTED, length=0)
    axes.tick_params(axis="x", length=0, pad=8)
    axes.grid(axis="y", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_ylabel(f"Score ({low} to {high})", color=MUTED)

    # One line per distinct pair of answers given by at least the minimum group size of people
    # (the public view holds no others), thicker for more people: no line is anyone's own.
    counts = Counter((float(b), float(a)) for b, a in scores)
    most = max(counts.values(), default=1)
    for (before, after), count in sorted(counts.items()):
        width = 1.2 + 4.0 * count / most
        axes.plot(
            [0, 1],
            [before, after],
            color=colours.accent,
            alpha=0.55,
            linewidth=width,
            solid_capstyle="round",
            marker="o",
            markersize=3 + width,
        )
    mean_before, mean_after = result.before.raw, result.after.raw
    axes.plot(
        [0, 1],
        [mean_before, mean_after],
        color=mean_colour,
        linewidth=4.5,
        marker="o",
        markersize=10,
        solid_capstyle="round",
        zorder=5,
    )
    axes.annotate(
        result.before.text,
        (0, mean_before),
        xytext=(-10, 0),
        textcoords="offset points",
        ha="right",
        va="center",
        color=mean_colour,
        fontweight="bold",
    )
    target_raw = measure.target.raw or 0.0
    target_level = mean_before + target_raw
    # The mean's label and the target's sit right of the After column; when the two levels are
    # close, the higher label moves up and the lower one down, so they never overprint.
    mean_dy = target_dy = 0
    if abs(target_level - mean_after) < LABEL_GAP:
        mean_dy, target_dy = (8, -8) if mean_after >= target_level else (-8, 8)
    axes.annotate(
        result.after.text,
        (1, mean_after),
        xytext=(18, mean_dy),
        textcoords="offset points",
        ha="left",
        va="center",
        color=mean_colour,
        fontweight="bold",
    )
    if low - 0.3 <= target_level <= high + 0.3:
        axes.hlines(target_level, 0.9, 1.1, colors=colours.text, linestyles="dashed", linewidth=2)
        axes.annotate(
            "target",
            (1.1, target_level),
            xytext=(4, target_dy),
            textcoords="offset points",
            ha="left",
            va="center",
            color=colours.text,
            fontsize=FONT_POINTS - 1,
        )
    legend = [
        Line2D(
            [],
            [],
            color=mean_colour,
            linewidth=4.5,
            marker="o",
            markersize=8,
            label=f"Mean of {result.n.text} {measure.audience}",
        )
    ]
    if counts:
        legend.append(
            Line2D(
                [],
                [],
                color=colours.accent,
                alpha=0.55,
                linewidth=3,
                label=f"Answers given by {minimum} or more",
            )
        )
    figure.legend(
        handles=legend,
        loc="lower center",
        ncols=2,
        frameon=False,
        fontsize=FONT_POINTS - 1,
        handlelength=1.6,
        columnspacing=1.2,
    )
    return _render_svg(figure, measure.key, measure.label)


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def _render_svg(figure: Figure, key: str, title: str) -> str:
    """Print the figure as SVG text, made fixed, scalable and safe to inline beside others."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata=NO_METADATA)
    text = buffer.getvalue()
    # The XML declaration and the DTD (an external URL) are dropped: valid inline and on its own.
    start = text.index("<svg")
    text = text[start:]
    # A viewBox and no fixed size: the chart scales with its container.
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    text = text.replace("<svg ", '<svg role="img" ', 1)
    opening = text.index(">") + 1
    text = f"{text[:opening]}\n <title>{html.escape(title)}</title>{text[opening:]}"
    prefix = "impact-" + re.sub(r"[^A-Za-z0-9_-]", "-", key) + "-"
    text = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)
    return text


def impact_charts(
    project: Project, impact: Impact, colours: ChartColours | None = None
) -> tuple[Chart, ...]:
    """Draw one chart per measure whose overall is shown (the site's colours by default)."""
    palette = colours or theme_colours(project.config.site)
    charts = []
    for measure in impact.measures:
        chart = draw_measure_chart(
            measure, pooled_scores(project, measure), palette, impact.min_group_size
        )
        if chart is not None:
            charts.append(chart)
    return tuple(charts)
