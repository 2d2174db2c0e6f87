"""Problems found in the user's input, and the exception that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    file: str
    message: str
    field: str = ""
    line: int | None = None
    col: int | None = None
    row: int | None = None
    severity: Severity = "error"

    @property
    def location(self) -> str:
        """Return ``file:line[:col]`` or ``file:row N``."""
        if self.row is not None:
            return f"{self.file}:row {self.row}"
        if self.line is not None:
            return f"{self.file}:{self.line}" + (f":{self.col}" if self.col else "")
        return self.file

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order problems by file, then position, then field."""
        return (self.file, self.row or self.line or 0, self.col or 0, self.field, self.message)

    def __str__(self) -> str:
        where = self.location
        what = f"{self.field}: " if self.field else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{what}{self.message}"


@dataclass
class Problems:
    """Every problem collected in one pass."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        """Record one problem."""
        self.items.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record several problems."""
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        """Return the errors, in a stable order."""
        return sorted((p for p in self.items if p.severity == "error"), key=Problem.sort_key)

    @property
    def warnings(self) -> list[Problem]:
        """Return the warnings, in a stable order."""
        return sorted((p for p in self.items if p.severity == "warning"), key=Problem.sort_key)

    def raise_if_errors(self, strict: bool = False) -> None:
        """Raise InputError when there is an error (or a warning, when strict)."""
        fatal = self.errors + (self.warnings if strict else [])
        if fatal:
            raise InputError(sorted(fatal, key=Problem.sort_key))


class InputError(Exception):
    """The user's input is invalid; each problem says where and why (exit code 2)."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self) -> tuple[type[InputError], tuple[list[Problem]]]:
        # As itself, problems and all, from a forked stage (`generator.parallel.begin`).
        return (type(self), (self.problems,))


class PrivacyError(Exception):
    """The privacy audit found private values in the built site (exit code 3)."""

    exit_code = 3

    def __init__(self, findings: list[str]) -> None:
        self.findings = findings
        super().__init__("\n".join(findings))


class PublishError(Exception):
    """Publishing failed and the remote was left as it was (exit code 4)."""

    exit_code = 4
