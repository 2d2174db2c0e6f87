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

`portal generate` is a process of its own each time it runs: what it wrote is kept in a
`Record` (`RECORD`, beside the inputs, git-ignored) with `code_digest`, the digest of the
portal's own files and of the libraries' versions, so a new version of the portal regenerates
too. `unchanged_files` reads it, with nothing but this module loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
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


# What `generate` writes, and where it notes what it wrote, for its next run in another process.
SITE_SRC = "site_src"
RECORD = ".portal/generated.json"
_RECORD_FORMAT = 1
# The libraries whose versions can change what `generate` writes (templates, tables, images,
# charts, calendars, certificates, the HTML allow-list, Unicode folding).
_LIBRARIES = (
    "jinja2",
    "pydantic",
    "pydantic-core",
    "pyyaml",
    "pandas",
    "openpyxl",
    "pillow",
    "matplotlib",
    "icalendar",
    "fpdf2",
    "nh3",
    "pyicu",
    "markdown",
)


def code_digest() -> str:
    """One digest of the code that generates: the portal's own files and its libraries."""
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=20)
    digest.update(sys.version.encode("utf-8"))
    for name in _LIBRARIES:
        try:
            digest.update(f"\0{name} {metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"\0{name} absent".encode())
    for path in _walk(package):
        if "__pycache__" not in path.parts:
            _add(digest, path.relative_to(package).as_posix(), path)
    return digest.hexdigest()


@dataclass(frozen=True)
class Record:
    """What one `generate` wrote into site_src/, from which inputs, by which code.

    It holds digests and file names only: the names are those of site_src/, whose files are
    public, and the inputs' digest is one over all of them, from which no value can be read.
    """

    code: str
    inputs: str
    tables: tuple[str, ...]
    tree: dict[str, bytes]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": _RECORD_FORMAT,
                "code": self.code,
                "inputs": self.inputs,
                "tables": list(self.tables),
                "tree": {rel: digest.hex() for rel, digest in sorted(self.tree.items())},
            },
            indent=1,
            sort_keys=True,
        )


def read_record(path: Path) -> Record | None:
    """The record at *path*, or None when there is none or it cannot be read as one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != _RECORD_FORMAT:
            return None
        return Record(
            str(data["code"]),
            str(data["inputs"]),
            tuple(str(table) for table in data["tables"]),
            {str(rel): bytes.fromhex(digest) for rel, digest in data["tree"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def unchanged_files(root: Path, *settings: object) -> int | None:
    """How many files site_src/ holds, when the record shows that nothing it was made from has
    changed since (code, inputs, *settings*) and that it is as it was left; else None."""
    record = read_record(root / RECORD)
    if (
        record is not None
        and record.code == code_digest()
        and input_digest(root, [Path(table) for table in record.tables], *settings) == record.inputs
    ):
        tree = tree_digests(root / SITE_SRC)
        if tree == record.tree:
            return len(tree)
    return None
