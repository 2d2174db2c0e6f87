"""Shared fixtures: scratch projects, the demo project, and a CLI runner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import main
from tests.scratch import write_project

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite the golden files.")


@pytest.fixture
def scratch(tmp_path: Path) -> Callable[..., Path]:
    """Return a function writing the small valid programme, with files replaced or added."""

    def make(files: dict[str, str] | None = None) -> Path:
        return write_project(tmp_path / "project", files)

    return make


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Return a function running `portal` in-process and returning its result."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, [*args], catch_exceptions=False)

    return run
