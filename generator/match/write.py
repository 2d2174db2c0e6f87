"""Write the private match output: the proposals table and the Markdown report of reasons."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from generator.match.results import MatchResult
from generator.model import Project
from generator.private_outputs import check_output_path as check_private_path
from generator.private_outputs import spreadsheet_safe, write_atomically

CSV_COLUMNS = (
    "pair_id",
    "mentor_id",
    "mentee_id",
    "cohort",
    "status",
    "score",
    "reasons",
    "mentor_name",
    "mentee_name",
)


def default_proposals_path(project: Project, cohort_id: str) -> Path:
    """Return where proposals go by default: beside the pairs table."""
    pairs = (project.root / project.config.data.pairs).resolve()
    return pairs.parent / f"proposals-{cohort_id}.csv"


def default_report_path(proposals: Path, cohort_id: str) -> Path:
    """Return where the private match report goes: beside the proposals."""
    return proposals.parent / f"match-report-{cohort_id}.md"


def check_output_path(project: Project, path: Path, option: str = "--out") -> None:
    """Refuse to write private match output anywhere the portal publishes from."""
    check_private_path(project, path, option, what="match output")


def proposal_rows(result: MatchResult) -> list[dict[str, str]]:
    """Return the proposals table as rows of text, ready for CSV."""
    rows = []
    for p in result.proposals:
        row = {
            "pair_id": p.pair_id,
            "mentor_id": p.mentor_id,
            "mentee_id": p.mentee_id,
            "cohort": result.cohort_id,
            "status": "proposed",
            "score": f"{p.score:.2f}",
            "reasons": "; ".join(p.reasons),
            "mentor_name": result.names.get(p.mentor_id, ""),
            "mentee_name": result.names.get(p.mentee_id, ""),
        }
        rows.append({k: spreadsheet_safe(v) for k, v in row.items()})
    return rows


def write_proposals_csv(result: MatchResult, path: Path) -> None:
    """Write the proposals table (UTF-8 with BOM so spreadsheets read names correctly)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(proposal_rows(result))
    write_atomically(path, buffer.getvalue(), "utf-8-sig")


def _md(text: str) -> str:
    """Escape text so that it reads literally inside a Markdown line."""
    return "".join("\\" + ch if ch in "\\`*_[]<>|~" else ch for ch in text.replace("\n", " "))


def render_match_report(result: MatchResult) -> str:
    """Render the private match report as Markdown."""
    names = result.names

    def who(pid: str) -> str:
        return f"{_md(names.get(pid, pid))} ({_md(pid)})"

    required = sum(p.required for p in result.proposals)
    lines = [
        f"# Match report: {_md(result.cohort_name)} ({_md(result.cohort_id)})",
        "",
        "> **Private.** This report names people and rests on private data (grades, reporting",
        "> lines, diversity attributes). Keep it with the participant data; never publish it.",
        "",
        "## Summary",
        "",
        f"- Cohort participants: {result.mentors} mentors, {result.mentees} mentees",
        f"- Approved pairs kept unchanged: {len(result.kept)}",
        f"- Pairs proposed: {len(result.proposals)}"
        + (f" ({required} required by matching.must_pair)" if required else ""),
        f"- Total score: {result.total_score:.2f}",
        f"- People left unmatched: {len(result.unmatched)}",
        "",
        "Hard rules, met by every proposal:",
        "",
        *[f"- {_md(rule)}" for rule in result.rules],
        "",
        f"How pairs are scored: {_md(result.formula)}. The proposals make as many pairs as the "
        "rules allow and, among those, have the highest total score.",
        "",
        "## Proposed pairs",
        "",
    ]
    if not result.proposals:
        lines += ["None.", ""]
    for p in result.proposals:
        lines += [
            f"### {p.pair_id}: {who(p.mentor_id)} mentors {who(p.mentee_id)}",
            "",
            f"- Score: {p.score:.2f}",
            f"- Rules met: {_md('; '.join(p.rules_met))}",
            f"- What they share: {_md('; '.join(p.shared))}",
            "",
        ]
    lines += ["## Approved pairs kept", ""]
    if not result.kept:
        lines += ["None.", ""]
    for pair in result.kept:
        lines.append(
            f"- {_md(pair.pair_id)}: {who(pair.mentor_id)} mentors "
            f"{who(pair.mentee_id)} ({pair.status})"
        )
    if result.kept:
        lines.append("")
    lines += ["## Left unmatched", ""]
    if not result.unmatched:
        lines += ["Nobody.", ""]
    for role in ("mentor", "mentee"):
        people = [u for u in result.unmatched if u.role == role]
        if not people:
            continue
        lines += [f"### {role.capitalize()}s", ""]
        lines += [f"- {who(u.participant_id)}: {_md(u.reason)}" for u in people]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def write_match_report(result: MatchResult, path: Path) -> None:
    """Write the private Markdown match report."""
    write_atomically(path, render_match_report(result), "utf-8")
