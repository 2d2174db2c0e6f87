"""The build date: the one a command is given, else $PORTAL_TODAY, else today's.

Every date a page shows or a rule uses comes from this one value, so the same inputs on
another day give the same bytes when the date is injected.
"""

from __future__ import annotations

import datetime as dt
import os

from generator.errors import InputError, Problem


def resolve_today(today: dt.date | None = None) -> dt.date:
    """Return the injected date: the argument, else $PORTAL_TODAY, else the real date."""
    if today is not None:
        return today
    injected = os.environ.get("PORTAL_TODAY", "").strip()
    if injected:
        try:
            return dt.date.fromisoformat(injected)
        except ValueError:
            raise InputError(
                [Problem("PORTAL_TODAY", f"'{injected}' is not a date; write it as YYYY-MM-DD")]
            ) from None
    return dt.date.today()
