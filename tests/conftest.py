"""Shared fixtures: scratch projects, the demo project, and a CLI runner."""

from __future__ import annotations

import datetime as dt
import shutil
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


DEMO_PARTS = ("programme.yaml", "mkdocs.yml", "theme", "content")


def copy_demo(target: Path) -> Path:
    """Copy the checked-in demo project (inputs only, never outputs) into *target*."""
    target.mkdir(parents=True, exist_ok=True)
    for part in DEMO_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under *folder* by its relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def add_site_files(project: Path) -> Path:
    """Give a scratch project the repo's mkdocs.yml and theme/ so it can be built."""
    shutil.copy2(REPO / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(REPO / "theme", project / "theme")
    return project


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """Return a fresh, writable copy of the demo project."""
    return copy_demo(tmp_path / "demo")


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the demo portal once per session and return the project folder (site/ inside)."""
    from generator.pipeline import build

    root = copy_demo(tmp_path_factory.mktemp("built") / "demo")
    build(root, today=TODAY)
    return root
