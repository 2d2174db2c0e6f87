"""Write stage: put rendered files into site_src/, touching only what changed."""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.fingerprint import data_digest


@dataclass(frozen=True)
class WriteReport:
    """What a write changed."""

    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]
    # What the folder holds afterwards: each file's digest (`generator.fingerprint`).
    digests: Mapping[str, bytes] = field(default_factory=dict)


def write_atomically(path: Path, data: bytes, *, private: bool = False) -> None:
    """Replace a file in one step so a reader never sees half of it.

    The file gets the permissions any new file gets here (the umask decides, as for a file
    the user saved), or its owner's alone when *private* (the matches, reports and
    certificates, which name people).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        temp = path.with_name(f".tmp-{secrets.token_hex(8)}{path.suffix}")
        try:
            handle = os.open(temp, flags, 0o600 if private else 0o666)
        except FileExistsError:  # pragma: no cover - 64 random bits met another file
            continue
        break
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_tree(
    target: Path, files: Mapping[str, str], binaries: Mapping[str, bytes]
) -> WriteReport:
    """Make *target* hold exactly *files* (text, written with LF) and *binaries* (re-made)."""
    wanted: dict[str, bytes] = {
        rel: text.replace("\r\n", "\n").encode("utf-8") for rel, text in files.items()
    }
    for rel, data in binaries.items():
        if rel in wanted:
            raise ValueError(f"{rel} is both text and binary")  # a bug, not user input
        wanted[rel] = data
    target.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    unchanged = 0
    for rel in sorted(wanted):
        path = target / rel
        data = wanted[rel]
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            unchanged += 1
            continue
        write_atomically(path, data)
        written.append(rel)
    removed: list[str] = []
    for path in sorted(target.rglob("*"), reverse=True):
        rel = path.relative_to(target).as_posix()
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif rel not in wanted:
            path.unlink()
            removed.append(rel)
    digests = {rel: data_digest(data) for rel, data in sorted(wanted.items())}
    return WriteReport(tuple(written), unchanged, tuple(sorted(removed)), digests)


def replace_directory(new: Path, target: Path, *discarded: Path | None) -> None:
    """Swap a freshly built directory into place, keeping the old one until the swap.

    The old one, and any *discarded* folders (a snapshot no longer needed), are then removed
    side by side: removing is the file system's work, and each folder is its own.
    """
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    _remove_all([old, *(path for path in discarded if path is not None)])


def _remove_all(folders: list[Path]) -> None:
    workers = [
        threading.Thread(target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True})
        for folder in folders
        if folder.exists()
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def snapshot_tree(target: Path) -> Path | None:
    """Keep a copy of *target* as it is now, to put back if what follows fails.

    The files' contents are copied (not their times: what is put back is what they held).
    A copy left by an earlier run that stopped half-way is removed first, so afterwards
    `snapshot_of` finds this copy or none.
    """
    snapshot = _snapshot_path(target)
    if snapshot.exists():
        shutil.rmtree(snapshot)
    if not target.is_dir():
        return None
    shutil.copytree(target, snapshot, copy_function=shutil.copyfile, symlinks=True)
    return snapshot


def snapshot_of(target: Path) -> Path | None:
    """The copy `snapshot_tree` kept of *target* (None when *target* did not exist)."""
    snapshot = _snapshot_path(target)
    return snapshot if snapshot.is_dir() else None


def _snapshot_path(target: Path) -> Path:
    return target.with_name(target.name + ".previous")


def restore_tree(snapshot: Path | None, target: Path) -> None:
    """Put *target* back as it was when *snapshot* was taken (absent if it did not exist)."""
    if target.exists():
        shutil.rmtree(target)
    if snapshot is not None:
        snapshot.rename(target)


# The portal's own working files in a project (what `generate` recorded, the conversions a
# build kept): never an input, never published, never part of the project's repository.
STATE_DIR = ".portal"
_IGNORE_ALL = "# portal's own working files: never part of a repository.\n*\n"


def state_folder(root: Path) -> Path:
    """Return the project's `.portal/` folder, made if missing, which git always ignores.

    It ignores itself (a `.gitignore` of `*` inside it), so a project whose repository does
    not list it sees no new untracked files after a build.
    """
    folder = root / STATE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.is_file():
        write_atomically(ignore, _IGNORE_ALL.encode("utf-8"))
    return folder
