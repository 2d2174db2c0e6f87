"""`portal generate` writes only what changed: a second run with nothing changed writes nothing."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from generator.pipeline import SITE_SRC, generate
from tests.conftest import TODAY


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


def test_a_no_op_regenerate_writes_no_file(scratch: Callable[..., Path]) -> None:
    root = scratch()
    first = generate(root, TODAY)
    assert first.report.written, "the first run writes site_src/"
    # Whatever a write would touch would show a newer time, even within one clock tick.
    past = 1_000_000_000
    for path in (root / SITE_SRC).rglob("*"):
        os.utime(path, ns=(past, past))
    before = _stamps(root / SITE_SRC)
    again = generate(root, TODAY)
    assert again.report.written == ()
    assert again.report.removed == ()
    assert again.report.unchanged == len(first.report.written)
    assert _stamps(root / SITE_SRC) == before, "no file or folder was written, replaced or touched"


def test_one_changed_input_rewrites_only_its_pages(scratch: Callable[..., Path]) -> None:
    story = (
        "---\ntitle: A story\ndate: 2026-05-02\nsummary: Fresh.\npair: K1\nstatus: approved\n"
        "consent:\n  P1: 2026-04-01\n  P4: 2026-04-02\n---\n\n{body}\n"
    )
    root = scratch({"content/stories/fresh.md": story.format(body="First words.")})
    generate(root, TODAY)
    (root / "content" / "stories" / "fresh.md").write_text(
        story.format(body="Second words."), encoding="utf-8"
    )
    again = generate(root, TODAY)
    assert again.report.written == ("stories/fresh.md",)
    assert again.report.removed == ()
