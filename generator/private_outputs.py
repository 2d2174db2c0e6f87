"""Private outputs: where the programme office's files go, and the guards around writing them.

Match proposals and report, the programme-health report, certificates and announcements hold
names, ratings and survey answers. They are written outside every folder the portal publishes
from (by default into a folder beside the data tables, which may live outside the repository),
never half-written, and each carries ``PRIVATE_MARKER`` where its format allows, so a check of the
built site can recognise one that slipped in.
"""

from __future__ import annotations

from pathlib import Path

from generator import write
from generator.errors import InputError, Problem
from generator.model import Project

# Folders whose files end up on the portal: nothing private may be written there.
PUBLISHED_FOLDERS = (
    "site_src",
    "site",
    "theme",
    "content/stories",
    "content/blog",
    "content/guides",
    "content/images",
    "content/templates",
)
# Written into every private HTML and PDF output (a <meta> tag, the PDF keywords): a file that
# carries it must never be found in the built site.
PRIVATE_MARKER = "portal-private-output"
# Default folders, beside the pairs table, per kind of private output (git-ignored in the demo).
REPORTS_FOLDER = "reports"
CERTIFICATES_FOLDER = "certificates"
ANNOUNCEMENTS_FOLDER = "announcements"


def private_folder(project: Project, kind: str) -> Path:
    """Return the default folder of one kind of private output: beside the pairs table."""
    pairs = (project.root / project.config.data.pairs).resolve()
    return pairs.parent / kind


def check_output_path(
    project: Project, path: Path, option: str = "--out", what: str = "this output"
) -> None:
    """Refuse to write a private output (file or folder) anywhere the portal publishes from."""
    target = path.resolve()
    root = project.root.resolve()
    for folder in PUBLISHED_FOLDERS:
        published = root / folder
        if target == published or published in target.parents:
            raise InputError(
                [
                    Problem(
                        str(path),
                        f"{what} is private and cannot go under {folder}/, which is "
                        "published; choose a path beside your data tables",
                        field=option,
                    )
                ]
            )


def write_atomically(path: Path, data: str | bytes, encoding: str = "utf-8") -> None:
    """Write a private file (text with *encoding*, or bytes) in one step, for its owner only."""
    raw = data if isinstance(data, bytes) else data.encode(encoding)
    write.write_atomically(path, raw, private=True)


def spreadsheet_safe(cell: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (it gets a leading apostrophe)."""
    if cell and cell[0] in "=+-@\t\r\n＝＋－＠":
        return "'" + cell
    return cell
