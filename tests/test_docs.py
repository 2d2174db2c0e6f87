"""The README documents every command, and opens with the two set-up commands."""

from __future__ import annotations

import pytest

from generator.cli import main
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_documented(command: str) -> None:
    assert f"`portal {command}" in README, f"README.md does not document `portal {command}`"


def test_readme_opens_with_the_two_commands() -> None:
    opening = "\n".join(README.splitlines()[:8])
    assert "make site" in opening
    assert "make test" in opening


def test_ci_runs_make_test() -> None:
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
