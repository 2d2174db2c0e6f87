"""How the portal words counts and lists, the same in messages, reports and pages."""

from __future__ import annotations

from collections.abc import Iterable


def plural(count: int, singular: str, many: str | None = None) -> str:
    """Return '1 session' or '3 sessions' ('1 story', '2 stories' with *many*)."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def join_and(items: Iterable[str]) -> str:
    """Join ['a', 'b', 'c'] as 'a, b and c'."""
    values = [str(i) for i in items]
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]
