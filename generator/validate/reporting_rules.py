"""Rules of reporting lines: managers known, no loops, both tables agreeing.

The reporting tree joins the participants' own manager ids and the optional org chart's, so a
line through someone outside the programme is still a line; pairs must not sit inside one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.errors import Problem
from generator.model import OrgPerson, Participant, managers_above, merge_reporting_lines
from generator.names import Directory
from generator.validate.inputs import Inputs
from generator.validate.table_rules import Rows, id_used_twice
from generator.validate.wording import join_and


@dataclass(frozen=True)
class _Line:
    """Where one person's manager is written: a row of the participants or org chart table."""

    file: str
    row: int
    field: str
    # Participants first, then the org chart, each in row order: the order reports follow.
    order: tuple[int, int]


def check_reporting_lines(
    inputs: Inputs,
    people: Mapping[str, Participant],
    directory: Directory,
    problems: list[Problem],
) -> dict[str, str]:
    """Check the manager ids of both tables; return the reporting tree (id -> manager id).

    The tree joins the participants' own manager ids and the org chart's, so a line through
    someone outside the programme is still a line. A participant's own row wins; the org chart
    fills in a manager that the participants table leaves blank.
    """
    table, chart = inputs.participants, inputs.org_chart
    entries = (
        _check_org_chart(chart, table, people, directory, problems) if chart is not None else {}
    )
    tree = merge_reporting_lines(
        people.values(), {pid: entry.manager_id for pid, (_, entry) in entries.items()}
    )
    lines: dict[str, _Line] = {}
    for row, person in table.items:
        if people.get(person.id) is person:
            lines[person.id] = _Line(table.file, row, table.column("manager_id"), (0, row))
    if chart is not None:
        for pid, (row, _entry) in entries.items():
            if pid not in people or not people[pid].manager_id:
                lines[pid] = _Line(chart.file, row, chart.column("manager_id"), (1, row))
    # References are checked only when both tables could be read; a manager whose own row has
    # errors counts as known (that row is reported, once).
    if table.readable and (chart is None or chart.readable):
        known = set(people) | table.rejected_values("id")
        if chart is None:
            hint = (
                "; if they are not in the programme, list them in the org chart table "
                "(data.people in programme.yaml)"
            )
            who = "participant"
        else:
            known |= set(entries) | chart.rejected_values("id")
            hint, who = "", "participant or person in the org chart"
        rows: list[tuple[Rows[Any], int, str]] = [
            (table, row, person.manager_id)
            for row, person in table.items
            if people.get(person.id) is person
        ]
        if chart is not None:
            rows += [(chart, row, entry.manager_id) for row, entry in entries.values()]
        for source, row, manager in rows:
            if manager and manager not in known:
                problems.append(
                    Problem(
                        source.file,
                        f"no {who} has id '{manager}'{hint}",
                        field=source.column("manager_id"),
                        row=row,
                    )
                )
    problems.extend(_manager_loops(tree, lines, directory))
    return tree


def _check_org_chart(
    chart: Rows[OrgPerson],
    participants: Rows[Participant],
    people: Mapping[str, Participant],
    directory: Directory,
    problems: list[Problem],
) -> dict[str, tuple[int, OrgPerson]]:
    """Check the org chart's own rules; return its people by id, with their rows."""
    participant_rows = {p.id: row for row, p in participants.items if people.get(p.id) is p}
    problems.extend(id_used_twice(chart, "id", ((e.id, row) for row, e in chart.items), {}))
    entries: dict[str, tuple[int, OrgPerson]] = {}
    for row, entry in chart.items:
        if entry.id in entries:
            continue
        entries[entry.id] = (row, entry)
        person = people.get(entry.id)
        if (
            person is not None
            and person.manager_id
            and entry.manager_id
            and person.manager_id != entry.manager_id
        ):
            problems.append(
                Problem(
                    chart.file,
                    f"{directory.label(entry.id)}'s manager is '{entry.manager_id}' here but "
                    f"'{person.manager_id}' in {participants.file} (row "
                    f"{participant_rows[entry.id]}); the two tables must agree",
                    field=chart.column("manager_id"),
                    row=row,
                )
            )
    return entries


def _manager_loops(
    tree: Mapping[str, str], lines: Mapping[str, _Line], directory: Directory
) -> list[Problem]:
    """Report each loop of managers once, at the row of its first person (participants first)."""
    found: list[Problem] = []
    settled: set[str] = set()  # people whose chain of managers ends, or whose loop is reported
    for person_id in sorted(lines, key=lambda pid: lines[pid].order):
        if person_id in settled:
            continue
        chain = [person_id]
        current = tree[person_id]
        while current in lines and current not in settled and current not in chain:
            chain.append(current)
            current = tree[current]
        settled.update(chain)
        if current not in chain:
            continue
        loop = chain[chain.index(current) :]
        first = min(range(len(loop)), key=lambda i: lines[loop[i]].order)
        loop = loop[first:] + loop[:first]
        where = lines[loop[0]]
        if len(loop) == 1:
            message = f"{directory.label(loop[0])} is their own manager"
        else:
            # A loop through both tables says where its other links are written.
            elsewhere = [pid for pid in loop if lines[pid].file != where.file]
            note = ""
            if elsewhere:
                whose = join_and([f"{directory.label(pid)}'s" for pid in elsewhere])
                rows = join_and([str(lines[pid].row) for pid in elsewhere])
                are = "manager is on row" if len(elsewhere) == 1 else "managers are on rows"
                note = f"; {whose} {are} {rows} of {lines[elsewhere[0]].file}"
            message = (
                "managers go round in a loop ("
                + " → ".join(directory.label(pid) for pid in [*loop, loop[0]])
                + note
                + "); one of them needs a different manager"
            )
        found.append(Problem(where.file, message, field=where.field, row=where.row))
    return found


def reporting_line_relation(
    a: str,
    b: str,
    managers: Mapping[str, str],
    skip_level: bool,
    directory: Directory | None = None,
) -> str | None:
    """Describe how *b* sits in *a*'s reporting line (or the reverse), or None.

    *managers* maps each person to their manager's id: participants and the org chart alike.
    With a *directory*, people are named with their ids ("Ann Lee (P3)").
    """
    levels = 2 if skip_level else 1
    names = ["manager", "manager's manager"]
    label = directory.label if directory else str
    for upper, lower in ((b, a), (a, b)):
        chain = managers_above(lower, managers, levels)
        if upper in chain:
            return f"{label(upper)} is {label(lower)}'s {names[chain.index(upper)]}"
    return None
