"""How validation words a problem: pydantic's errors as sentences, and "did you mean …"."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic_core import ErrorDetails

from generator.load import dotted_path, quoted


def show(value: object) -> str:
    """Quote a value the way the user wrote it, never as a Python repr.

    A long value is cut to about 80 characters, with its length said: a 10 MB cell makes a
    one-line message, not a 10 MB one.
    """
    if isinstance(value, str):
        return quoted(value)
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a section of 'key: value' lines"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _number(value: object) -> str:
    """Show a number as written, without quotes."""
    return value.strip() if isinstance(value, str) else show(value)


def describe_error(error: ErrorDetails) -> str:
    """Say what is wrong with a value in words a comms officer understands."""
    kind = error["type"]
    given = error.get("input")
    shown = show(given)
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "this is required but missing"
    if given is None and kind not in {"value_error", "assertion_error"}:
        return "this is empty; write a value"
    if given == "" and kind != "string_too_short":
        return "this must not be empty" + _expected_hint(kind, ctx)
    if kind in {"int_parsing", "int_from_float", "int_type", "int_parsing_size"}:
        return f"{shown} is not a whole number"
    if kind in {"float_parsing", "float_type", "finite_number"}:
        return f"{shown} is not a number"
    if kind in {"bool_parsing", "bool_type"}:
        return f"{shown} is not yes or no; write true or false"
    if kind.startswith(("date", "datetime")):
        return f"{shown} is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31"
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{shown} is not allowed here; write {expected}"
    if kind == "string_too_short":
        return "this must not be empty"
    if kind == "string_too_long":
        return f"this is too long; keep it under {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return _pattern_message(shown, str(ctx.get("pattern", "")))
    if kind in {"greater_than_equal", "greater_than"}:
        return f"{_number(given)} is below the minimum of {ctx.get('ge', ctx.get('gt'))}"
    if kind in {"less_than_equal", "less_than"}:
        return f"{_number(given)} is above the maximum of {ctx.get('le', ctx.get('lt'))}"
    if kind == "too_short":
        wanted = int(ctx.get("min_length", 1))
        if wanted == 1:
            return "this list must not be empty"
        return f"this list needs at least {wanted} items"
    if kind == "too_long":
        return f"this list has too many items (at most {ctx.get('max_length')})"
    if kind in {"list_type", "tuple_type", "set_type"}:
        return "this should be a list (one '- item' per line, or [a, b])"
    if kind in {"dict_type", "model_type", "model_attributes_type", "mapping_type"}:
        return "this should be a section of 'key: value' lines"
    if kind == "string_type":
        return "this should be text, not a list or a section"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"])


def _expected_hint(kind: str, ctx: Mapping[str, Any]) -> str:
    """Say what an empty cell should hold, when the kind of value says it."""
    if kind in {"literal_error", "enum"}:
        return "; write " + str(ctx.get("expected", "")).replace("'", "")
    if kind.startswith(("date", "datetime")):
        return "; write a date as YYYY-MM-DD"
    if kind.startswith(("int", "float")):
        return "; write a number"
    return ""


def _pattern_message(shown: str, pattern: str) -> str:
    """Explain which form a value should take, from the pattern it failed."""
    if "@" in pattern:
        return f"{shown} is not an email address like name@example.org"
    if pattern.startswith("^#") or "#[0-9a-f" in pattern:
        return f"{shown} is not a colour; write #rrggbb like #0b5d5b, or a name like indigo"
    if "A-Za-z0-9_.-" in pattern:
        return f"{shown} is not a valid id; use only letters, digits, '-', '_' and '.'"
    if "._/-" in pattern:
        return f"{shown} is not a valid branch name; use only letters, digits, '.', '_', '/', '-'"
    if "[a-z]{2}" in pattern:
        return f"{shown} is not a language code like en or en-GB"
    return f"{shown} is not in the expected form; see programme.schema.json"


def field_name(loc: Sequence[str | int]) -> str:
    """Name a field by its path, as the user writes it: ``cohorts[1].start``."""
    return dotted_path(tuple(loc))


def did_you_mean(word: str, known: Iterable[str]) -> str | None:
    """Return the known name closest to a misspelt one, if any is close."""
    found = difflib.get_close_matches(word.casefold(), sorted(known), n=1, cutoff=0.7)
    return found[0] if found else None


def join_and(items: Sequence[str]) -> str:
    """Join words as English does: 'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
