"""Tell, cheaply and surely, whether a project's inputs and site_src/ are as `generate` left them.

`portal serve` regenerates whenever a file changes, and often nothing that matters did (an
editor's swap file, a save with no edit). Checking 10,000 participants and rendering 7,000
pages again to find that out takes seconds; reading the inputs' bytes takes a fraction of one.

`input_digest` is one digest over every input `generate` reads: programme.yaml, mkdocs.yml,
data/, content/ and theme/ (every file's path, kind and bytes; a link by its target, never
followed), the data tables programme.yaml names outside those folders, the build date and the
options. `tree_digests` gives each file of site_src/ by its bytes, so a file changed, added or
removed there since is seen too. Contents are compared, not times: a save within the same
clock tick as the last write, or a file put back with its old time, still counts.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

# The folders and files under the project that `generate` reads.
INPUTS = ("programme.yaml", "mkdocs.yml", "data", "content", "theme")


def input_digest(root: Path, extra: Iterable[Path], *settings: object) -> str:
    """One digest of the project's inputs under *root*, the files *extra*, and *settings*."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(repr(settings).encode("utf-8"))
    for top in INPUTS:
        for path in _walk(root / top):
            _add(digest, path.relative_to(root).as_posix(), path)
    for path in sorted(set(extra)):
        _add(digest, str(path), path)
    return digest.hexdigest()


def tree_digests(folder: Path) -> dict[str, bytes]:
    """Every file under *folder* by its relative path, with a digest of its bytes."""
    found = {}
    for path in _walk(folder):
        digest = hashlib.blake2b(digest_size=16)
        _add(digest, "", path)
        found[path.relative_to(folder).as_posix()] = digest.digest()
    return found


def data_digest(data: bytes) -> bytes:
    """The digest `tree_digests` gives a regular file holding *data*."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(b"\0file\0")
    digest.update(data)
    return digest.digest()


def _walk(top: Path) -> Iterator[Path]:
    """Every entry under *top* (or *top* itself), sorted, links reported and not followed."""
    try:
        mode = os.lstat(top).st_mode
    except OSError:
        return
    if not stat.S_ISDIR(mode):
        yield top
        return
    for base, folders, names in os.walk(top, followlinks=False):
        folders.sort()
        here = Path(base)
        for name in sorted(names + [f for f in folders if os.path.islink(here / f)]):
            yield here / name


def _add(digest: hashlib.blake2b, rel: str, path: Path) -> None:
    digest.update(rel.encode("utf-8", "surrogateescape"))
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            digest.update(b"\0link\0" + os.fsencode(os.readlink(path)))
        elif stat.S_ISREG(mode):
            digest.update(b"\0file\0")
            digest.update(path.read_bytes())
        else:
            digest.update(b"\0other\0")
    except OSError as exc:
        digest.update(f"\0unreadable {exc.errno}\0".encode())
