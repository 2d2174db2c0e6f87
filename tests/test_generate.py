"""`portal generate` writes only what changed: a second run with nothing changed writes nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import fingerprint, pipeline, private_outputs
from generator.errors import InputError
from generator.fingerprint import RECORD
from generator.pipeline import SITE_SRC, generate
from tests.conftest import TODAY, tree_bytes
from tests.scratch import PARTICIPANTS


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


def test_site_src_files_get_the_umasks_permissions_and_private_outputs_their_owners_only(
    scratch: Callable[..., Path], tmp_path: Path
) -> None:
    root = scratch()
    before = os.umask(0o027)
    try:
        generate(root, TODAY)
        private = tmp_path / "private" / "matches.csv"
        private_outputs.write_atomically(private, "id\nP1\n", "utf-8-sig")
    finally:
        os.umask(before)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in (root / SITE_SRC).rglob("*") if p.is_file()}
    assert modes == {0o640}, "as any file saved with this umask: a web server's group reads it"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_bytes() == b"\xef\xbb\xbfid\nP1\n"
    assert sorted(p.name for p in private.parent.iterdir()) == ["matches.csv"], "no temp file"


STORY = (
    "---\ntitle: A story\ndate: 2026-05-02\nsummary: Fresh.\npair: K1\nstatus: approved\n"
    "consent:\n  P1: 2026-04-01\n  P4: 2026-04-02\n---\n\n{body}\n"
)


def test_one_changed_input_rewrites_only_its_pages(scratch: Callable[..., Path]) -> None:
    root = scratch({"content/stories/fresh.md": STORY.format(body="First words.")})
    generate(root, TODAY)
    (root / "content" / "stories" / "fresh.md").write_text(
        STORY.format(body="Second words."), encoding="utf-8"
    )
    again = generate(root, TODAY)
    assert again.report.written == ("stories/fresh.md",)
    assert again.report.removed == ()


def _no_second_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the project was checked again")

    monkeypatch.setattr("generator.pipeline.check_project", refuse)


def test_with_nothing_changed_the_last_outcome_stands_without_checking_again(
    scratch: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = scratch()
    first = generate(root, TODAY)
    _no_second_check(monkeypatch)
    again = generate(root, TODAY)
    assert again.report.written == again.report.removed == ()
    assert again.report.unchanged == len(first.report.written)
    assert again.project is first.project and again.warnings == first.warnings


def _change(root: Path, change: str) -> dt.date:
    """Make one of the changes `generate` must see; return the build date to use."""
    src = root / SITE_SRC
    if change == "a story's words":
        story = root / "content" / "stories" / "fresh.md"
        story.write_text(STORY.format(body="Second words."), encoding="utf-8")
    elif change == "a participant's row":
        table = root / "data" / "participants.csv"
        table.write_text(
            table.read_text(encoding="utf-8").replace("I build things.", "I build bridges.", 1),
            "utf-8",
        )
    elif change == "programme.yaml":
        config = root / "programme.yaml"
        config.write_text(config.read_text(encoding="utf-8") + "\n# a comment\n", "utf-8")
    elif change == "a new content file":
        (root / "content" / "notes.txt").write_text("not a page", encoding="utf-8")
    elif change == "a hand edit in site_src/ of the same size":
        page = src / "index.md"
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("a", "b", 1), encoding="utf-8")  # at once: the same tick
    elif change == "a file added to site_src/":
        (src / "stray.md").write_text("# Stray\n", encoding="utf-8")
    elif change == "a file removed from site_src/":
        (src / "about.md").unlink()
    elif change == "the build date":
        return TODAY + dt.timedelta(days=1)
    else:
        raise AssertionError(f"no such change: {change}")
    return TODAY


@pytest.mark.parametrize(
    "change",
    [
        "a story's words",
        "a participant's row",
        "programme.yaml",
        "a new content file",
        "a hand edit in site_src/ of the same size",
        "a file added to site_src/",
        "a file removed from site_src/",
        "the build date",
    ],
)
def test_any_change_to_an_input_or_to_site_src_is_seen(
    scratch: Callable[..., Path], change: str
) -> None:
    root = scratch({"content/stories/fresh.md": STORY.format(body="First words.")})
    first = generate(root, TODAY)
    src = root / SITE_SRC
    today = _change(root, change)
    again = generate(root, today)
    assert again.project is not first.project or again.report.written or again.report.removed
    # Whatever changed, site_src/ again holds exactly what a fresh generate makes.
    fresh = tree_bytes(src)
    shutil.rmtree(src)
    generate(root, today)
    assert tree_bytes(src) == fresh


def test_a_table_outside_the_project_folder_is_watched_too(
    scratch: Callable[..., Path], tmp_path: Path
) -> None:
    root = scratch()
    outside = tmp_path / "hr" / "participants.csv"
    outside.parent.mkdir()
    shutil.move(root / "data" / "participants.csv", outside)
    config = root / "programme.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "participants: data/participants.csv", f"participants: {outside}"
        ),
        encoding="utf-8",
    )
    first = generate(root, TODAY)
    outside.write_text(
        outside.read_text(encoding="utf-8").replace("I build things.", "I build bridges.", 1),
        "utf-8",
    )
    again = generate(root, TODAY)
    assert again.project is not first.project


def test_pages_rendered_on_every_core_are_the_pages_one_process_renders(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = demo / SITE_SRC
    monkeypatch.setattr("generator.parallel.FORKING", False)
    generate(demo, TODAY)
    alone = tree_bytes(src)
    shutil.rmtree(src)
    monkeypatch.setattr("generator.parallel.FORKING", True)
    monkeypatch.setattr("generator.parallel.MIN_SHARED", 4)
    generate(demo, TODAY)
    assert tree_bytes(src) == alone


# `portal generate` as a command: each run is a process of its own, and the record it leaves
# (`fingerprint.RECORD`) is what tells the next one that nothing changed.


def _portal(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", "generate", "--project", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PORTAL_TODAY": TODAY.isoformat()},
    )


def test_content_read_on_another_core_is_what_one_process_reads(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stories = demo / "content" / "stories"
    first = sorted(stories.glob("*.md"))[0]
    first.write_text(
        first.read_text(encoding="utf-8").replace("---\n", "---\nmood: bright\n", 1), "utf-8"
    )
    (stories / "broken.md").write_text("---\ntitle: [unclosed\n---\nWords.\n", "utf-8")
    readers = tmp_path / "readers.txt"
    reading = pipeline._read_content

    def noted(*args: object) -> object:
        with readers.open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
        return reading(*args)  # type: ignore[arg-type]

    monkeypatch.setattr("generator.pipeline._read_content", noted)

    def outcome() -> list[str]:
        with pytest.raises(InputError) as raised:
            pipeline.check_project(demo, TODAY)
        return [str(problem) for problem in raised.value.problems]

    monkeypatch.setattr("generator.pipeline.CONTENT_SHARED", 10**6)
    alone = outcome()
    monkeypatch.setattr("generator.pipeline.CONTENT_SHARED", 1)
    shared = outcome()
    assert readers.read_text(encoding="utf-8").split()[0] == str(os.getpid())
    assert readers.read_text(encoding="utf-8").split()[1] != str(os.getpid()), "another process"
    assert shared == alone
    assert any("broken.md" in problem for problem in alone)
    assert any("mood" in problem for problem in alone), "warnings come back too"

    (stories / "broken.md").unlink()
    monkeypatch.setattr("generator.pipeline.CONTENT_SHARED", 10**6)
    one = pipeline.check_project(demo, TODAY)
    monkeypatch.setattr("generator.pipeline.CONTENT_SHARED", 1)
    two = pipeline.check_project(demo, TODAY)
    assert two.project.stories == one.project.stories and one.project.stories
    assert two.project.posts == one.project.posts and one.project.posts
    assert two.project.guides == one.project.guides and one.project.guides
    assert [str(w) for w in two.warnings] == [str(w) for w in one.warnings]


def test_a_second_generate_command_with_nothing_changed_writes_nothing(
    scratch: Callable[..., Path],
) -> None:
    root = scratch()
    first = _portal(root)
    assert first.returncode == 0, first.stderr
    assert "file(s) written" in first.stdout
    past = 1_000_000_000
    for path in (root / SITE_SRC).rglob("*"):
        os.utime(path, ns=(past, past))
    before = _stamps(root / SITE_SRC)
    again = _portal(root)
    assert again.returncode == 0, again.stderr
    files = len([p for p in (root / SITE_SRC).rglob("*") if p.is_file()])
    assert again.stdout == (
        f"site_src/ is up to date: nothing changed since it was generated ({files} files)\n"
    )
    assert _stamps(root / SITE_SRC) == before, "no file or folder was written, replaced or touched"


def test_the_record_holds_digests_and_the_public_file_names_only(
    scratch: Callable[..., Path],
) -> None:
    root = scratch()
    assert _portal(root).returncode == 0
    record = json.loads((root / RECORD).read_text(encoding="utf-8"))
    assert set(record) == {"format", "code", "inputs", "tables", "tree"}
    assert re.fullmatch(r"[0-9a-f]{40}", record["code"])
    assert re.fullmatch(r"[0-9a-f]{40}", record["inputs"])
    assert record["tables"] == sorted(record["tables"])
    assert all(Path(table).is_relative_to(root / "data") for table in record["tables"])
    written = {p.relative_to(root / SITE_SRC).as_posix() for p in (root / SITE_SRC).rglob("*")}
    assert set(record["tree"]) == {rel for rel in written if (root / SITE_SRC / rel).is_file()}
    assert all(re.fullmatch(r"[0-9a-f]{32}", digest) for digest in record["tree"].values())


def _new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget what this process generated, as a command run anew would not know it."""
    monkeypatch.setattr(pipeline, "_last_generated", None)


@pytest.mark.parametrize(
    "change",
    [
        "a story's words",
        "a participant's row",
        "a file removed from site_src/",
        "a hand edit in site_src/ of the same size",
        "the build date",
        "the portal's code",
        "a record that is not one",
    ],
)
def test_after_any_change_the_next_command_generates_again(
    scratch: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    root = scratch({"content/stories/fresh.md": STORY.format(body="First words.")})
    pipeline.regenerate(root, TODAY)
    _new_process(monkeypatch)
    with monkeypatch.context() as nothing_changed_yet:
        _no_second_check(nothing_changed_yet)
        assert pipeline.regenerate(root, TODAY).report.written == ()
    src = root / SITE_SRC
    today = TODAY
    if change == "the portal's code":
        monkeypatch.setattr(fingerprint, "code_digest", lambda: "a newer portal")
    elif change == "a record that is not one":
        (root / RECORD).write_text("{not json", encoding="utf-8")
    else:
        today = _change(root, change)
    _new_process(monkeypatch)
    checked: list[Path] = []
    check = pipeline.check_project
    monkeypatch.setattr(pipeline, "check_project", lambda r, *a: checked.append(r) or check(r, *a))
    again = pipeline.regenerate(root, today)
    assert checked == [root], "the project was checked again"
    fresh = tree_bytes(src)
    shutil.rmtree(src)
    _new_process(monkeypatch)
    assert pipeline.regenerate(root, today).report.written, "site_src/ was made anew"
    assert tree_bytes(src) == fresh, "and holds what a fresh generate makes"
    assert again.warnings == []


def test_a_run_that_warns_leaves_no_record_and_warns_every_time(
    scratch: Callable[..., Path],
) -> None:
    text = PARTICIPANTS.replace("consent\n", "consent,shoe_size\n", 1)
    root = scratch({"data/participants.csv": text})
    for _ in range(2):
        result = _portal(root)
        assert result.returncode == 0, result.stderr
        assert "warning: column 'shoe_size'" in result.stderr
        assert "file(s) written" in result.stdout
    assert not (root / RECORD).exists()
