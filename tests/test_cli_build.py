"""`portal generate` and `portal build` through the CLI: exit codes and messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import add_site_files

pytestmark = pytest.mark.build


def test_build_reports_a_bad_story_with_exit_2_and_writes_nothing(
    scratch: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = add_site_files(
        scratch(
            {
                "content/stories/x.md": "---\ntitle: X\ndate: 2026-13-01\nsummary: S\nstatus: approved\n---\nBody\n",
            }
        )
    )
    result = cli("build", "--project", str(root), "--today", "2026-11-22")
    assert result.exit_code == 2
    assert (
        "content/stories/x.md:3: date: '2026-13-01' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31"
        in result.stderr.splitlines()
    )
    assert "Traceback" not in result.output
    assert not (root / "site_src").exists()
    assert not (root / "site").exists()


def test_build_then_generate_again_changes_nothing(
    scratch: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = add_site_files(scratch())
    built = cli("build", "--project", str(root), "--today", "2026-11-22")
    assert built.exit_code == 0, built.output
    assert built.output.splitlines()[-1].endswith("privacy audit clean")
    assert (root / "site" / "index.html").is_file()
    again = cli("generate", "--project", str(root), "--today", "2026-11-22")
    assert again.exit_code == 0
    assert again.stdout.startswith("generated site_src/: 0 file(s) written, ")
    assert again.stdout.rstrip().endswith(" 0 removed")


def test_broken_link_in_a_story_names_the_story(
    scratch: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = add_site_files(
        scratch(
            {
                "content/stories/x.md": "---\ntitle: X\ndate: 2026-05-01\nsummary: S\nstatus: approved\n---\n\nSee [this](../nowhere.md).\n",
            }
        )
    )
    result = cli("build", "--project", str(root), "--today", "2026-11-22")
    assert result.exit_code == 2
    reported = [
        line for line in result.stderr.splitlines() if line.startswith("content/stories/x.md: ")
    ]
    assert len(reported) == 1
    assert reported[0].startswith("content/stories/x.md: the site build reported: ")
    assert "nowhere.md" in reported[0]
    assert not (root / "site").exists(), "a failed build must not leave a site behind"


def test_template_override_from_content_wins(
    scratch: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = add_site_files(
        scratch(
            {
                "content/templates/tags.md.j2": "# Topics\n\nOur own tags page.\n\n<!-- material/tags -->\n"
            }
        )
    )
    result = cli("generate", "--project", str(root), "--today", "2026-11-22")
    assert result.exit_code == 0, result.output
    assert "Our own tags page." in (root / "site_src" / "tags.md").read_text()


def test_broken_template_override_is_located(
    scratch: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = add_site_files(scratch({"content/templates/tags.md.j2": "# Tags\n\n{% if %}\n"}))
    result = cli("generate", "--project", str(root), "--today", "2026-11-22")
    assert result.exit_code == 2
    assert any(
        line.startswith("content/templates/tags.md.j2:3: template error: ")
        for line in result.stderr.splitlines()
    ), result.stderr
