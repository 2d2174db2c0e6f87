"""Rules of the data tables: every row typed against its model, columns checked by name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from generator.config import ProgrammeConfig
from generator.errors import Problem
from generator.load import Table
from generator.model import SURVEY_REQUIRED, SurveyResponse
from generator.validate.rules import duplicates
from generator.validate.wording import describe_error, did_you_mean

R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True)
class Rows(Generic[R]):
    """Valid records of one table with their spreadsheet row numbers."""

    file: str
    items: tuple[tuple[int, R], ...] = ()
    # Rows that failed their own field checks, as read: later rules stay quiet about them.
    rejected: tuple[tuple[int, Mapping[str, str]], ...] = ()
    # False when the table could not be read at all (missing file or required column).
    readable: bool = True
    # The header the file uses for each canonical column, for messages.
    labels: Mapping[str, str] = field(default_factory=dict)

    def records(self) -> tuple[R, ...]:
        """Return just the records."""
        return tuple(r for _, r in self.items)

    def column(self, name: str) -> str:
        """Name a column as the file's header row does: ``column 'Work Email'``."""
        return f"column '{self.labels.get(name, name)}'"

    def rejected_values(self, name: str) -> set[str]:
        """Return the values of a column in the rows that failed their own checks."""
        return {raw.get(name, "") for _, raw in self.rejected} - {""}


def _labels(table: Table) -> dict[str, str]:
    return {column: table.label(column) for column in table.columns}


def _missing_columns(table: Table, required: Sequence[str]) -> list[Problem]:
    return [
        Problem(
            table.file,
            "this required column is missing; check the header row, or map your header "
            "to it under data.columns in programme.yaml",
            field=f"column '{c}'",
            row=1,
        )
        for c in required
        if c not in table.columns
    ]


def _unknown_column(table: Table, column: str, known: Iterable[str], fate: str) -> Problem:
    guess = did_you_mean(column, known)
    hint = (
        f"; if it is '{guess}', rename the header or map it under data.columns in programme.yaml"
        if guess
        else ""
    )
    return Problem(
        table.file,
        f"the portal does not use this column; {fate}{hint}",
        field=f"column '{table.label(column)}'",
        row=1,
        severity="warning",
    )


def validate_table(
    table: Table,
    model: type[R],
    required: Sequence[str],
    *,
    extra_into: str | None = None,
    quiet_extras: Iterable[str] = (),
) -> tuple[Rows[R], list[Problem]]:
    """Type every row of a table; missing columns are errors, unknown ones warnings."""
    labels = _labels(table)
    fields = set(model.model_fields) - ({extra_into} if extra_into else set())
    quiet = set(quiet_extras)
    extras = [c for c in table.columns if c not in fields]
    fate = "it is kept private and never published" if extra_into else "it is ignored"
    # Unknown columns are reported with missing ones: an unmapped header is the usual cause.
    problems = [
        _unknown_column(table, column, fields, fate) for column in extras if column not in quiet
    ]
    missing = _missing_columns(table, required)
    if missing:
        return Rows(table.file, readable=False, labels=labels), missing + problems
    prepared: list[Mapping[str, Any]] = list(table.rows)  # the common case: no extra columns
    if extras:
        prepared = []
        for raw in table.rows:
            row: dict[str, Any] = {k: v for k, v in raw.items() if k in fields}
            if extra_into:
                row[extra_into] = {k: raw[k] for k in extras}
            prepared.append(row)
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
    try:
        records: list[R] = adapter.validate_python(prepared)
    except ValidationError as exc:
        bad: dict[int, list[ErrorDetails]] = defaultdict(list)
        for err in exc.errors():
            bad[int(err["loc"][0])].append(err)
    else:
        items = tuple((table.row_number(i), r) for i, r in enumerate(records))
        return Rows(table.file, items, labels=labels), problems
    good: list[tuple[int, R]] = []
    rejected: list[tuple[int, Mapping[str, str]]] = []
    for index, prepared_row in enumerate(prepared):
        number = table.row_number(index)
        if index not in bad:
            good.append((number, model.model_validate(prepared_row)))
            continue
        rejected.append((number, table.rows[index]))
        for err in bad[index]:
            column = str(err["loc"][1]) if len(err["loc"]) > 1 else "?"
            problems.append(
                Problem(
                    table.file,
                    describe_error(err),
                    field=f"column '{labels.get(column, column)}'",
                    row=number,
                )
            )
    return Rows(table.file, tuple(good), tuple(rejected), labels=labels), problems


def validate_surveys(
    table: Table, config: ProgrammeConfig
) -> tuple[Rows[SurveyResponse], list[Problem]]:
    """Type survey rows: one score column per success measure."""
    labels = _labels(table)
    problems = _missing_columns(table, SURVEY_REQUIRED)
    measures = {m.survey_field: m for m in config.success_measures}
    for column in sorted(set(measures) - set(table.columns)):
        problems.append(
            Problem(
                table.file,
                f"this column is missing; success measure '{measures[column].key}' "
                "reads its scores from it",
                field=f"column '{column}'",
                row=1,
            )
        )
    if problems:
        return Rows(table.file, readable=False, labels=labels), problems
    known = set(SURVEY_REQUIRED)
    problems.extend(
        _unknown_column(table, column, known | set(measures), "it is ignored")
        for column in table.columns
        if column not in known and column not in measures
    )
    good: list[tuple[int, SurveyResponse]] = []
    rejected: list[tuple[int, Mapping[str, str]]] = []
    for index, raw in enumerate(table.rows):
        number = table.row_number(index)
        scores: dict[str, float | None] = {}
        found: list[Problem] = []
        for column, measure in measures.items():
            cell = raw.get(column, "")
            if not cell:
                scores[column] = None
                continue
            label = f"column '{labels.get(column, column)}'"
            try:
                value = float(cell.replace(",", "."))
            except ValueError:
                found.append(
                    Problem(table.file, f"'{cell}' is not a number", field=label, row=number)
                )
                continue
            if not measure.scale_min <= value <= measure.scale_max:
                found.append(
                    Problem(
                        table.file,
                        f"{cell} is outside the scale of {measure.scale_min} to "
                        f"{measure.scale_max}",
                        field=label,
                        row=number,
                    )
                )
            scores[column] = value
        response: SurveyResponse | None = None
        try:
            response = SurveyResponse.model_validate(
                {**{c: raw[c] for c in SURVEY_REQUIRED}, "scores": scores}
            )
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0])
                found.append(
                    Problem(
                        table.file,
                        describe_error(err),
                        field=f"column '{labels.get(column, column)}'",
                        row=number,
                    )
                )
        if found or response is None:
            problems.extend(found)
            rejected.append((number, raw))
        else:
            good.append((number, response))
    return Rows(table.file, tuple(good), tuple(rejected), labels=labels), problems


def id_used_twice(
    rows: Rows[Any], column: str, keys: Iterable[tuple[str, int]], names: Mapping[str, str]
) -> Iterable[Problem]:
    """Report each id of a table's id column that an earlier row already uses."""
    for key, row, first in duplicates(keys):
        whose = f", {names[key]}" if key in names else ""
        yield Problem(
            rows.file,
            f"'{key}' is used twice (also on row {first}{whose}); ids must be unique",
            field=rows.column(column),
            row=row,
        )
