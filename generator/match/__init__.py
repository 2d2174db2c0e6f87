"""Match stage: propose explainable, optimal mentor–mentee pairs for one cohort.

`propose_matches` is pure: it reads a validated Project and returns a MatchResult. One module
a concern: ``encode`` turns people into arrays, ``rules`` holds the hard rules as objects,
``score`` the soft score, ``solve`` the exact assignment, ``explain`` the reasons in words,
``propose`` puts them together, and only ``write`` touches the disk.
"""

from __future__ import annotations

from generator.match.propose import match_steps, propose_matches
from generator.match.results import MatchResult, Proposal, Unmatched
from generator.match.score import max_score, score_formula
from generator.match.solve import CHUNK_CELLS, LARGE_COHORT_CELLS, PROGRESS_MENTEES
from generator.match.write import (
    CSV_COLUMNS,
    check_output_path,
    default_proposals_path,
    default_report_path,
    proposal_rows,
    render_match_report,
    write_match_report,
    write_proposals_csv,
)
from generator.private_outputs import PUBLISHED_FOLDERS, spreadsheet_safe

__all__ = [
    "CHUNK_CELLS",
    "CSV_COLUMNS",
    "LARGE_COHORT_CELLS",
    "PROGRESS_MENTEES",
    "PUBLISHED_FOLDERS",
    "MatchResult",
    "Proposal",
    "Unmatched",
    "check_output_path",
    "default_proposals_path",
    "default_report_path",
    "match_steps",
    "max_score",
    "proposal_rows",
    "propose_matches",
    "render_match_report",
    "score_formula",
    "spreadsheet_safe",
    "write_match_report",
    "write_proposals_csv",
]
