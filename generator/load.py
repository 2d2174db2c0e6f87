"""Load stage: read programme.yaml, the data tables and Markdown content from disk.

Everything here is I/O plus parsing into plain Python values with source positions; nothing
is interpreted. YAML is read by a strict composer: no anchors, aliases or tags, limited depth
and size, duplicate keys are errors, and every plain scalar stays the text it was written as
(typing happens later, against the schema, so ``no`` or ``010`` never change silently).

Nothing under the project is read through a symbolic link, and every input is bounded before
it is parsed (``limits:`` in programme.yaml), so a wrong or hostile file is an error naming it,
never a process that grows to gigabytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import errno
import io
import os
import re
import stat
import threading
import warnings
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.config import Limits
from generator.errors import InputError, Problem
from generator.wording import join_and

MAX_YAML_BYTES = 1_000_000
MAX_YAML_DEPTH = 20
NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
_DEFAULT_TAGS = frozenset(
    {"tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
)

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in a source file."""

    line: int
    col: int


@dataclass
class YamlDocument:
    """Parsed YAML data plus where every key and value came from."""

    data: Any
    positions: dict[Path_, Position] = field(default_factory=dict)
    line_offset: int = 0

    def position(self, path: Path_) -> Position | None:
        """Return the position of the deepest part of *path* that is known."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:end]))
            if found is not None:
                return Position(found.line + self.line_offset, found.col)
        return None


class _StrictComposing(yaml.composer.Composer):
    """Composing that refuses aliases, anchors and deep nesting."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        mark: Any = event.start_mark
        if isinstance(event, AliasEvent):
            raise yaml.composer.ComposerError(
                None,
                None,
                f"'*{event.anchor}' repeats a value marked elsewhere; YAML aliases are not "
                "allowed here, so write the value out in full",
                mark,
            )
        if getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None,
                None,
                f"'&{event.anchor}' marks a value for reuse; YAML anchors are not allowed here, "
                "so remove it",
                mark,
            )
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"this is nested more than {MAX_YAML_DEPTH} levels deep; "
                "the file must be simpler than that",
                mark,
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _StrictComposer(_StrictComposing, yaml.SafeLoader):
    """The pure-Python strict composer: slow, but its syntax errors are the ones we explain."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # Resolve nothing implicitly: plain scalars stay text until the schema types them.
        self.yaml_implicit_resolvers = {}


_FastStrictComposer: type[Any] | None = None
try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    pass
else:

    class _FastComposer(_StrictComposing, CParser, yaml.resolver.BaseResolver):
        """The same composer over libyaml's parser: many times faster on valid files."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.resolver.BaseResolver.__init__(self)

    _FastStrictComposer = _FastComposer


# PyYAML's wording, translated for someone who edits programme.yaml by hand.
_YAML_MESSAGES = (
    ("found character '\\t'", "a tab is used here; indent with spaces, never tabs"),
    (
        "mapping values are not allowed here",
        "unexpected ':' here; check the indentation, and put a value containing ': ' in quotes",
    ),
    ("could not find expected ':'", "expected a 'key: value' line here; check the colon"),
    ("expected ',' or ']'", "a list opened with '[' is not closed with ']'"),
    ("expected ',' or '}'", "a section opened with '{' is not closed with '}'"),
    ("expected <block end>", "this line is not indented like the lines around it"),
    ("but found another document", "the file holds more than one document ('---'); keep one"),
    ("that cannot start any token", "a value cannot start with this character; put it in quotes"),
)


def _yaml_message(exc: yaml.MarkedYAMLError) -> tuple[str, Any]:
    """Return a plain-words message for a YAML syntax error and the mark it points at."""
    problem = exc.problem or exc.context or ""
    if exc.context == "while scanning a quoted scalar":
        return "a quote is opened here but never closed", exc.context_mark
    mark = exc.problem_mark or exc.context_mark
    if isinstance(exc, yaml.composer.ComposerError) and exc.context is None:
        return problem, mark  # our own messages from _StrictComposer
    for needle, message in _YAML_MESSAGES:
        if needle in problem:
            return message, mark
    return f"this is not valid YAML ({problem}); check indentation, colons and quotes", mark


def _compose(text: str) -> Node | None:
    """Compose YAML text into nodes with libyaml when it is there, else in Python."""
    if _FastStrictComposer is not None:
        fast = _FastStrictComposer(text)
        try:
            return fast.get_single_node()  # type: ignore[no-any-return]
        except yaml.YAMLError:
            pass  # compose again below: the pure-Python parser words its errors better
        finally:
            fast.dispose()
    loader = _StrictComposer(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def parse_yaml(text: str, file: str, line_offset: int = 0) -> YamlDocument:
    """Parse YAML text strictly, raising InputError with located problems."""
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        message, mark = _yaml_message(exc)
        line = mark.line + 1 + line_offset if mark else None
        col = mark.column + 1 if mark else None
        raise InputError([Problem(file, message, line=line, col=col)]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file, f"this is not valid YAML: {exc}")]) from None
    doc = YamlDocument(data=None, line_offset=line_offset)
    if node is None:
        return doc
    problems: list[Problem] = []
    doc.data = _construct(node, (), doc, problems, file, line_offset)
    if problems:
        raise InputError(problems)
    return doc


def _construct(
    node: Node,
    path: Path_,
    doc: YamlDocument,
    problems: list[Problem],
    file: str,
    offset: int,
) -> Any:
    """Turn a composed node into dicts, lists, text and None, recording positions."""
    doc.positions[path] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in _DEFAULT_TAGS:
        problems.append(
            Problem(
                file,
                f"YAML tags such as '{_short_tag(node.tag)}' are not allowed; "
                "write the plain value",
                field=_dotted(path),
                line=node.start_mark.line + 1 + offset,
                col=node.start_mark.column + 1,
            )
        )
        return None
    if isinstance(node, ScalarNode):
        if not node.style and node.value in NULL_WORDS:  # plain (unquoted) null words only
            return None
        return node.value
    if isinstance(node, SequenceNode):
        return [
            _construct(child, (*path, i), doc, problems, file, offset)
            for i, child in enumerate(node.value)
        ]
    assert isinstance(node, MappingNode)
    result: dict[str, Any] = {}
    first_seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, ScalarNode):
            problems.append(
                Problem(file, "a key must be plain text", field=_dotted(path), line=line + offset)
            )
            continue
        key = key_node.value
        if key in first_seen:
            problems.append(
                Problem(
                    file,
                    f"'{key}' is set twice, on line {first_seen[key] + offset} and on line "
                    f"{line + offset}; keep only one",
                    field=_dotted((*path, key)),
                    line=line + offset,
                    col=key_node.start_mark.column + 1,
                )
            )
            continue
        first_seen[key] = line
        result[key] = _construct(value_node, (*path, key), doc, problems, file, offset)
        doc.positions[(*path, key)] = Position(line, key_node.start_mark.column + 1)
    return result


def _short_tag(tag: str) -> str:
    """Show a tag as it was written: 'tag:yaml.org,2002:int' -> '!!int'."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


def _dotted(path: Path_) -> str:
    """Render a data path as ``cohorts[1].start``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted_path = _dotted


# --- values in messages -----------------------------------------------------------------

MAX_QUOTED_CHARS = 80
# Control characters would break the one-line-per-problem output; line breaks stay visible.
_VISIBLE = {code: "\ufffd" for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_VISIBLE.update({ord("\n"): "⏎", ord("\r"): "⏎", ord("\t"): " "})


def shorten(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """Return *text* on one line, cut to about *limit* characters with '…'."""
    if len(text) > limit:
        return text[: limit - 1].translate(_VISIBLE) + "…"
    return text.translate(_VISIBLE)


def quoted(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """Quote a value for a message: ``'AAAA…' (10,000 characters)`` when it is long."""
    if len(text) > limit:
        return f"'{shorten(text, limit)}' ({len(text):,} characters)"
    return f"'{shorten(text, limit)}'"


def fold_name(text: str) -> str:
    """Fold a name for comparing as people do: 'HEAD  OF service' -> 'head of service'."""
    return " ".join(text.split()).casefold()


# --- files: inside the project, never through a link ----------------------------------

_DEFAULT_LIMITS = Limits()
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# Non-blocking, so a pipe planted under a table's name cannot hang the open.
_O_READ = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
# Opening each folder of the path relative to the one before, none of them followed if it is
# a link, leaves no gap between checking a path and opening it (where the OS allows it).
_OPEN_BENEATH = (
    bool(_O_NOFOLLOW and _O_DIRECTORY)
    and os.open in os.supports_dir_fd
    and os.stat in os.supports_dir_fd
)


def _parts_inside(root: Path, path: Path) -> tuple[str, ...] | None:
    """Return the parts of *path* below *root*, or None when it lies outside the project."""
    base = Path(os.path.normpath(os.path.abspath(root)))
    target = Path(os.path.normpath(os.path.abspath(path)))
    try:
        return target.relative_to(base).parts
    except ValueError:
        return None


def _shown(path: Path, root: Path) -> str:
    """Name a path as messages do: relative to the project, else in full."""
    parts = _parts_inside(root, path)
    return "/".join(parts) if parts else str(path)


def _link_problem(shown: str, link: Path, root: Path, *, whole: bool) -> Problem:
    """Say that *link* is a symbolic link, for the file named *shown*."""
    try:
        target = shorten(os.readlink(link), 240)
    except OSError:
        target = "somewhere"
    kind = "folder" if os.path.isdir(link) else "file"
    reason = (
        f"is a symbolic link (to {target}); portal never reads files through links: "
        f"copy the real {kind} here instead"
    )
    if whole:
        return Problem(shown, f"this {reason}")
    return Problem(shown, f"{_shown(link, root)} {reason}")


def check_inside(root: Path, path: Path, shown: str) -> None:
    """Raise InputError if a symbolic link is on the way from the project *root* to *path*.

    The root itself may be reached through a link; a path outside the project is not checked.
    """
    parts = _parts_inside(root, path)
    if not parts:
        return
    current = Path(os.path.normpath(os.path.abspath(root)))
    for depth, part in enumerate(parts, start=1):
        current = current / part
        try:
            info = os.lstat(current)
        except OSError:
            return  # missing: whoever reads it says so
        if stat.S_ISLNK(info.st_mode):
            raise InputError([_link_problem(shown, current, root, whole=depth == len(parts))])


def iter_files(folder: Path, root: Path) -> Iterator[Path]:
    """Return every regular file under *folder*, in path order; any link there is an error.

    No symbolic link is followed: every link found, to a file or to a folder, is reported,
    each at its own path, in one InputError. A missing folder holds no files.
    """
    check_inside(root, folder, _shown(folder, root))
    files: list[Path] = []
    links: list[Path] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                links.append(path)
            elif entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif entry.is_file(follow_symlinks=False):
                files.append(path)
            # Pipes, sockets and devices are not content: they are left alone.
    if links:
        raise InputError(
            [_link_problem(_shown(link, root), link, root, whole=True) for link in sorted(links)]
        )
    return iter(sorted(files))


SITE_INPUTS = ("mkdocs.yml", "theme", "content/templates")


def check_site_inputs(root: Path) -> list[Problem]:
    """Name every symbolic link among the inputs MkDocs and Jinja read themselves.

    Those are mkdocs.yml, theme/ and content/templates/: they are read by code that follows
    links, so they are checked before the build starts.
    """
    problems: list[Problem] = []
    for relative in SITE_INPUTS:
        path = root / relative
        try:
            if path.is_dir() and not path.is_symlink():
                iter_files(path, root)
            else:
                check_inside(root, path, relative)
        except InputError as exc:
            problems.extend(exc.problems)
    return problems


def _open_beneath(root: Path, parts: Sequence[str]) -> int:
    """Open root/parts for reading, following no link below *root*."""
    if not _OPEN_BENEATH:
        return os.open(root.joinpath(*parts), _O_READ | _O_NOFOLLOW)
    folder = os.open(root, os.O_RDONLY | _O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts[:-1]:
            try:
                inner = os.open(part, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW, dir_fd=folder)
            except NotADirectoryError:
                # Linux says a linked folder opened with O_NOFOLLOW "is not a folder".
                if stat.S_ISLNK(os.lstat(part, dir_fd=folder).st_mode):
                    raise OSError(errno.ELOOP, "a symbolic link on the way") from None
                raise
            os.close(folder)
            folder = inner
        return os.open(parts[-1], _O_READ | _O_NOFOLLOW, dir_fd=folder)
    finally:
        os.close(folder)


def _open_input(path: Path, file: str, root: Path | None, missing: str) -> int:
    """Open an input file and return its descriptor; refuse links and anything not a file.

    Under *root* no part of the path may be a link; without a root the file itself may not
    be one; outside the project (a table named in programme.yaml) links are followed.
    """
    parts = _parts_inside(root, path) if root is not None else None
    try:
        if root is not None and parts:
            check_inside(root, path, file)
            fd = _open_beneath(root, parts)
        else:
            fd = os.open(path, _O_READ | (_O_NOFOLLOW if root is None else 0))
    except (FileNotFoundError, NotADirectoryError):
        raise InputError([Problem(file, missing)]) from None
    except OSError as exc:
        if exc.errno in {errno.ELOOP, errno.EMLINK}:  # O_NOFOLLOW met a link
            if root is not None:
                check_inside(root, path, file)  # names the link when it is still there
            elif os.path.islink(path):
                raise InputError([_link_problem(file, path, path.parent, whole=True)]) from None
            raise InputError(
                [Problem(file, "a symbolic link appeared on the way to this file as it was read")]
            ) from None
        raise InputError([Problem(file, f"cannot open this file ({exc.strerror})")]) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a folder" if stat.S_ISDIR(mode) else "not an ordinary file (a pipe or a device)"
        raise InputError([Problem(file, f"this is {what}; name a file here")])
    return fd


def _too_big(file: str, size: int, limit: int, setting: str) -> InputError:
    where = f" (limits.{setting} in programme.yaml)" if setting else ""
    return InputError(
        [
            Problem(
                file,
                f"the file is {size:,} bytes, more than the {limit:,} allowed{where}; "
                "is it the right file?",
            )
        ]
    )


def read_input(
    path: Path,
    file: str,
    limit: int,
    *,
    root: Path | None = None,
    setting: str = "",
    missing: str = "file not found",
) -> bytes:
    """Read the bytes of an input file: at most *limit* of them, never through a link.

    *file* names it in messages; *setting* is the ``limits:`` key that sets *limit*, if any.
    """
    fd = _open_input(path, file, root, missing)
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise _too_big(file, size, limit, setting)
        raw = handle.read(limit + 1)
    if len(raw) > limit:  # it grew while being read
        raise _too_big(file, len(raw), limit, setting)
    return raw


def read_text(
    path: Path, file: str, limit: int, *, root: Path | None = None, setting: str = ""
) -> str:
    """Read a text file as UTF-8 (BOM allowed), falling back to Windows-1252."""
    raw = read_input(path, file, limit, root=root, setting=setting)
    return _text_lines(decode_text(raw))


def _text_lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(raw: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM), else as Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def load_yaml_file(path: Path, file: str, *, root: Path | None = None) -> YamlDocument:
    """Read and strictly parse a YAML file."""
    return parse_yaml(read_text(path, file, MAX_YAML_BYTES, root=root), file)


# --- tables ---------------------------------------------------------------------------

# Excel's own maximums: no table can be larger, whatever the limits say.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
# How far down an export's title lines may push its header row, when it is found by itself.
HEADER_SEARCH_ROWS = 20
_WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_TEXT_SUFFIXES = frozenset({".csv", ".txt"})


@dataclass(frozen=True)
class Table:
    """A data table read as text: one dict per row, keyed by canonical column names."""

    file: str
    columns: tuple[str, ...]
    rows: tuple[Mapping[str, str], ...]
    header_row: int = 1
    # The headers as written in the file (same order as columns), for messages.
    headers: tuple[str, ...] = ()
    # The spreadsheet row number of each row (blank rows are skipped but still counted).
    row_numbers: tuple[int, ...] = ()

    def row_number(self, index: int) -> int:
        """Return the spreadsheet row number (header is row 1) of data row *index*."""
        if index < len(self.row_numbers):
            return self.row_numbers[index]
        return self.header_row + 1 + index

    def label(self, column: str) -> str:
        """Return the header the file uses for a canonical column ('Work Email' for email)."""
        for name, header in zip(self.columns, self.headers, strict=False):
            if name == column:
                return header
        return column


# A row of a table as read: its spreadsheet row number and its cells, trailing blanks dropped.
_Record = tuple[int, list[str]]


@dataclass(frozen=True)
class _Shape:
    """What a table may hold, and how many rows above its header to allow for."""

    limits: Limits
    title_rows: int

    @property
    def most_records(self) -> int:
        return self.limits.max_rows + self.title_rows + 1

    @property
    def most_cells(self) -> int:
        return self.limits.max_cells + (self.title_rows + 1) * self.limits.max_columns


def load_table(
    path: Path,
    file: str,
    mapping: Mapping[str, str] | None = None,
    *,
    root: Path | None = None,
    limits: Limits | None = None,
    required: Sequence[str] = (),
    header_row: int | None = None,
    sheet: str | None = None,
    spellings: Mapping[str, Sequence[str]] | None = None,
) -> Table:
    """Read a .csv or .xlsx table with every cell as text and no NA guessing.

    The header row is *header_row* when given, else the first of the first rows that holds
    every *required* column (after *mapping*), else the one holding most of them; rows above
    it are an export's title lines and are skipped. A workbook is read from *sheet*, else
    from its first sheet. A column named in *spellings* has each value that matches one of
    its spellings, ignoring case and spacing, rewritten to that spelling.
    """
    limits = limits or _DEFAULT_LIMITS
    raw = read_input(
        path,
        file,
        limits.max_table_bytes,
        root=root,
        setting="max_table_bytes",
        missing="file not found; check the path under 'data:' in programme.yaml",
    )
    suffix = path.suffix.lower()
    shape = _Shape(limits, max(header_row or 0, HEADER_SEARCH_ROWS))
    separator: str | None = None  # a workbook's rows have no separator to forget quoting
    if suffix in _WORKBOOK_SUFFIXES:
        records = _workbook_records(raw, file, shape, sheet)
    elif suffix in _TEXT_SUFFIXES:
        if sheet:
            raise InputError(
                [
                    Problem(
                        file,
                        f"data.sheet in programme.yaml names the sheet {quoted(sheet)}, but a "
                        "CSV file has no sheets; remove the setting, or name the workbook",
                    )
                ]
            )
        records, separator = _csv_records(_text_lines(decode_text(raw)), file, shape)
    else:
        raise InputError(
            [Problem(file, f"cannot read '{suffix}' files; save the table as .csv or .xlsx")]
        )
    del raw
    return _build_table(
        file,
        records,
        mapping or {},
        required=required,
        header_row=header_row,
        spellings=spellings or {},
        limits=limits,
        separator=separator,
    )


def _build_table(
    file: str,
    records: list[_Record],
    mapping: Mapping[str, str],
    *,
    required: Sequence[str],
    header_row: int | None,
    spellings: Mapping[str, Sequence[str]],
    limits: Limits,
    separator: str | None,
) -> Table:
    """Find the header row, then key every row below it by canonical column name."""
    at = _find_header(file, records, mapping, required, header_row)
    header_number, header_cells = records[at]
    data = records[at + 1 :]
    if len(data) > limits.max_rows:
        raise _too_many_rows(file, limits.max_rows)
    if separator is not None:
        # In a CSV file, a cell past the last header is a separator that should be quoted.
        wide = [
            Problem(
                file,
                f"this row has {len(cells)} cells but the header row has {len(header_cells)}; "
                f"put any cell that contains '{separator}' in double quotes",
                row=number,
            )
            for number, cells in data
            if len(cells) > len(header_cells)
        ]
        if wide:
            raise InputError(wide)
    width = max([len(header_cells), *(len(cells) for _, cells in data)])
    # Headers are read as a row, not by a parser that would rename a repeated header to
    # 'id.1' and hide the mistake. A column with data but no header is kept and named.
    unnamed = {i for i in range(width) if i >= len(header_cells) or not header_cells[i]}
    used: set[int] = set()
    if unnamed:
        for _, cells in data:
            used.update(i for i in unnamed if i < len(cells) and cells[i])
    keep = [i for i in range(width) if i not in unnamed or i in used]
    if len(data) * len(keep) > limits.max_cells:
        raise _too_many_cells(file, limits.max_cells)
    headers = [
        header_cells[i] if i not in unnamed else f"(no header, column {i + 1})" for i in keep
    ]
    renamed = _canonical_headers(headers, mapping)
    repeated = sorted({h for h in renamed if renamed.count(h) > 1})
    if repeated:
        raise InputError(
            [
                Problem(
                    file,
                    "this column appears more than once ("
                    + ", ".join(quoted(h) for h, n in zip(headers, renamed, strict=True) if n == c)
                    + "); keep only one",
                    field=f"column '{c}'",
                    row=header_number,
                )
                for c in repeated
            ]
        )
    most = limits.max_cell_chars
    long_cells = [
        Problem(
            file,
            f"{quoted(cells[i])} is longer than the {most:,} characters a cell may hold "
            "(limits.max_cell_chars in programme.yaml)",
            field=f"column {quoted(header)}",
            row=number,
        )
        # A CSV parser has already stopped at the limit; a workbook's cells are checked here.
        for number, cells in (
            [] if separator is not None else [(header_number, header_cells), *data]
        )
        if max(map(len, cells)) > most
        for i, header in zip(keep, headers, strict=True)
        if i < len(cells) and len(cells[i]) > most
    ]
    if long_cells:
        raise InputError(long_cells)
    rows: list[dict[str, str]] = []
    numbers: list[int] = []
    every = len(keep) == width  # the usual case: no column dropped, so no picking either
    for number, cells in data:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        row = dict(zip(renamed, cells if every else [cells[i] for i in keep], strict=True))
        if any(row.values()):
            rows.append(row)
            numbers.append(number)
    for column, choices in spellings.items():
        if column in renamed:
            _respell(rows, column, choices)
    return Table(
        file=file,
        columns=tuple(renamed),
        rows=tuple(rows),
        header_row=header_number,
        headers=tuple(headers),
        row_numbers=tuple(numbers),
    )


def _find_header(
    file: str,
    records: list[_Record],
    mapping: Mapping[str, str],
    required: Sequence[str],
    header_row: int | None,
) -> int:
    """Return the index of the header row among the records."""
    if header_row is not None:
        for index, (number, _) in enumerate(records):
            if number == header_row:
                return index
        last = records[-1][0] if records else 0
        reason = "that row is blank" if header_row < last else f"the table ends on row {last}"
        raise InputError(
            [
                Problem(
                    file,
                    f"data.header_row in programme.yaml puts the headers on row {header_row}, "
                    f"but {reason}",
                )
            ]
        )
    if not records:
        raise InputError([Problem(file, "the file is empty; it needs a header row", row=1)])
    best, best_found = 0, 0
    for index, (_, cells) in enumerate(records[:HEADER_SEARCH_ROWS]):
        names = set(_canonical_headers(cells, mapping))
        found = sum(1 for column in required if column in names)
        if found == len(required):
            return index
        if found > best_found:
            best, best_found = index, found
    return best


def _respell(rows: list[dict[str, str]], column: str, choices: Sequence[str]) -> None:
    """Rewrite each value of *column* that matches a choice but for case and spacing."""
    exact = set(choices)
    folded = {fold_name(choice): choice for choice in choices}
    for row in rows:
        value = row[column]
        if value and value not in exact:
            row[column] = folded.get(fold_name(value), value)


def _canonical_headers(headers: list[str], mapping: Mapping[str, str]) -> list[str]:
    """Apply the programme's column mapping, else normalise 'Job Title' to 'job_title'."""
    folded = {k.strip().casefold(): v for k, v in mapping.items()}
    out = []
    for header in headers:
        mapped = folded.get(header.casefold())
        out.append(mapped if mapped else normalise_header(header))
    return out


def normalise_header(header: str) -> str:
    """Turn a human header into a field name: 'Skills offered' -> 'skills_offered'."""
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in header.strip().casefold())
    return "_".join(part for part in cleaned.split("_") if part)


def _clean_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    # Excel date cells arrive as timestamps; keep just the date the user typed.
    if len(text) == 19 and text.endswith(" 00:00:00") and text[4] == "-":
        text = text[:10]
    return text


def _trimmed(cells: list[str]) -> list[str]:
    """Drop the blank cells at the end of a row (Excel pads rows with them)."""
    if cells and cells[-1]:
        return cells  # the usual row, ending with a value
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end] if end < len(cells) else cells


def _too_many_rows(file: str, most: int) -> InputError:
    return InputError(
        [
            Problem(
                file,
                f"the table has more than {most:,} rows of data, the most allowed "
                "(limits.max_rows in programme.yaml); is it the right file?",
            )
        ]
    )


def _too_many_cells(file: str, most: int) -> InputError:
    return InputError(
        [
            Problem(
                file,
                f"the table has more than {most:,} cells (rows times columns), the most "
                "allowed (limits.max_cells in programme.yaml); is it the right file?",
            )
        ]
    )


def _too_wide(file: str, number: int, cells: int, most: int) -> InputError:
    return InputError(
        [
            Problem(
                file,
                f"this row has {cells:,} cells, more than the {most:,} columns a table may "
                "have (limits.max_columns in programme.yaml)",
                row=number,
            )
        ]
    )


def _past_excel(file: str) -> InputError:
    return InputError(
        [
            Problem(
                file,
                f"the table goes past row {EXCEL_MAX_ROWS:,}, the last row Excel has; "
                "is it the right file?",
            )
        ]
    )


class _Collector:
    """Keep a table's non-blank rows as they are read, stopping as soon as one is too many."""

    def __init__(self, file: str, shape: _Shape) -> None:
        self.file = file
        self.shape = shape
        self.records: list[_Record] = []
        self.cells = 0

    def add(self, number: int, cells: list[str]) -> None:
        """Keep one row (blank rows are counted by their number, not kept)."""
        if number > EXCEL_MAX_ROWS:
            raise _past_excel(self.file)
        cells = _trimmed(cells)
        if not cells:
            return
        limits = self.shape.limits
        if len(cells) > limits.max_columns:
            raise _too_wide(self.file, number, len(cells), limits.max_columns)
        self.records.append((number, cells))
        self.cells += len(cells)
        if len(self.records) > self.shape.most_records:
            raise _too_many_rows(self.file, limits.max_rows)
        if self.cells > self.shape.most_cells:
            raise _too_many_cells(self.file, limits.max_cells)


# --- CSV ------------------------------------------------------------------------------


def _separator(line: str) -> str:
    """Guess ',' or ';' from a header line."""
    return ";" if line.count(";") > line.count(",") else ","


def _first_lines(text: str, count: int) -> list[str]:
    """Return the first *count* lines of *text* without splitting all of it."""
    lines: list[str] = []
    start = 0
    while len(lines) < count and start <= len(text):
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        lines.append(text[start:end])
        start = end + 1
    return lines


def _csv_records(text: str, file: str, shape: _Shape) -> tuple[list[_Record], str]:
    """Split CSV text into rows of cells, stopping at the first limit reached.

    Return the rows and the separator, decided by the first line that has one (an export's
    title lines above the header have none).
    """
    lines = _first_lines(text, HEADER_SEARCH_ROWS)
    sep = _separator(next((line for line in lines if "," in line or ";" in line), ""))
    collector = _Collector(file, shape)
    number = 0
    # csv stops a cell at the field size limit as it reads it, so a runaway cell (or a quote
    # never closed) costs no more memory than the limit.
    previous = csv.field_size_limit(shape.limits.max_cell_chars)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
        for record in reader:
            number += 1
            collector.add(number, list(map(str.strip, record)))
    except csv.Error as exc:
        raise InputError([_csv_problem(file, str(exc), number + 1, shape.limits)]) from None
    finally:
        csv.field_size_limit(previous)
    return collector.records, sep


def _csv_problem(file: str, message: str, row: int, limits: Limits) -> Problem:
    """Explain a CSV parsing failure at the row it happened."""
    if "field larger than field limit" in message:
        return Problem(
            file,
            f"a cell in this row is longer than the {limits.max_cell_chars:,} characters a "
            "cell may hold (limits.max_cell_chars in programme.yaml); if a double quote "
            "opened in it is never closed, close it",
            row=row,
        )
    if "unexpected end of data" in message:
        return Problem(file, "a double quote opened in this row is never closed", row=row)
    if "expected after" in message:
        return Problem(
            file,
            "a closing double quote in this row is followed by more text; put the whole cell "
            'in double quotes, and write a quote inside it as two ("")',
            row=row,
        )
    return Problem(
        file, f"cannot read this table ({shorten(message)}); check quotes and separators", row=row
    )


# --- Excel workbooks ------------------------------------------------------------------

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_WORKBOOK_PARTS = 10_000
# The XML of a workbook is parsed row by row and string by string, but whatever lies between
# two rows (or two strings), and every other part (styles, the workbook itself), is parsed
# whole: no such stretch may hold more tags than this (each tag costs a hundred bytes or so).
_MAX_TAGS_PER_STRETCH = 2_000_000
_UNIT_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(row|si)[\s/>]")
_CHUNK = 1 << 20


def _workbook_problem(file: str, message: str) -> InputError:
    return InputError([Problem(file, message)])


def _check_archive(raw: bytes, file: str, limits: Limits) -> None:
    """Refuse a workbook before openpyxl opens it: not a zip, too large unzipped, too complex.

    A zip member's declared size is an upper bound: Python's zipfile stops decompressing at
    it (and fails the checksum), so summing the declared sizes catches a zip bomb.
    """
    if raw.startswith(_OLE_SIGNATURE):
        raise _workbook_problem(
            file,
            "this is a password-protected workbook or an old Excel 97-2003 (.xls) file; "
            "remove the password, or save it as an Excel Workbook (.xlsx)",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise _workbook_problem(
            file,
            "this is not an Excel workbook (an .xlsx file is a zip archive, and this is not "
            "one); if it is a CSV file, name it .csv, else save it again from Excel as .xlsx",
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > _MAX_WORKBOOK_PARTS:
            raise _workbook_problem(
                file,
                f"the workbook is made of {len(members):,} parts, more than the "
                f"{_MAX_WORKBOOK_PARTS:,} any Excel file has; is it the right file?",
            )
        unzipped = sum(member.file_size for member in members)
        if unzipped > limits.max_workbook_uncompressed_bytes:
            raise _workbook_problem(
                file,
                f"the workbook unzips to {unzipped:,} bytes, more than the "
                f"{limits.max_workbook_uncompressed_bytes:,} allowed "
                "(limits.max_workbook_uncompressed_bytes in programme.yaml); "
                "is it the right file?",
            )
        for member in members:
            try:
                with archive.open(member) as part:
                    _scan_part(part, file)
            except InputError:
                raise
            except Exception as exc:  # a damaged or encrypted part; zipfile raises many kinds
                raise _workbook_problem(
                    file,
                    f"cannot read this workbook ({shorten(str(exc) or type(exc).__name__)}); "
                    "save it again as .xlsx",
                ) from None


def _scan_part(part: IO[bytes], file: str) -> None:
    """Count the tags of one XML part, stretch by stretch, without parsing it."""
    chunk = part.read(_CHUNK)
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _workbook_problem(
            file, "the workbook's XML is in UTF-16, which Excel never writes; save it again"
        )
    if not chunk.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return  # not XML (a picture, a macro project): openpyxl does not parse it
    rows = 0
    tags = 0
    carry = b""
    while chunk:
        data = carry + chunk
        # A tag name that started near the end of this chunk may finish in the next one.
        split = data.rfind(b"<", max(0, len(data) - 256))
        if split <= 0:
            split = len(data)
        body, carry = data[:split], data[split:]
        position = 0
        for match in _UNIT_START.finditer(body):
            tags += body.count(b"<", position, match.start())
            _check_stretch(file, tags)
            tags, position = 0, match.start()
            if match.group(1) == b"row":
                rows += 1
                if rows > EXCEL_MAX_ROWS:
                    raise _past_excel(file)
        tags += body.count(b"<", position)
        _check_stretch(file, tags)
        chunk = part.read(_CHUNK)
    _check_stretch(file, tags + carry.count(b"<"))


def _check_stretch(file: str, tags: int) -> None:
    if tags > _MAX_TAGS_PER_STRETCH:
        raise _workbook_problem(
            file,
            "the workbook holds a row, or a part, with more than "
            f"{_MAX_TAGS_PER_STRETCH:,} pieces of markup, far more than Excel writes; "
            "is it the right file?",
        )


def _workbook_records(raw: bytes, file: str, shape: _Shape, sheet: str | None) -> list[_Record]:
    """Read the rows of one sheet of a workbook as text."""
    import openpyxl  # here: a third of a second to import, and most programmes send CSV

    _check_archive(raw, file, shape.limits)
    with warnings.catch_warnings(), _sheets_unsized():
        # openpyxl warns about harmless things HR systems write (no default style, data
        # validation extensions); the portal has nothing to say about them.
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(
                io.BytesIO(raw), read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:  # openpyxl raises many kinds; all mean "unreadable workbook"
            raise _unreadable(file, exc) from None
        try:
            worksheet = _choose_sheet(book, file, sheet)
            # The dimension a file declares is not trusted: rows are as long as their cells.
            worksheet.reset_dimensions()
            collector = _Collector(file, shape)
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                collector.add(number, [_cell_text(value) for value in values])
            return collector.records
        except InputError:
            raise
        except Exception as exc:
            raise _unreadable(file, exc) from None
        finally:
            book.close()


_SIZING = threading.Lock()


@contextmanager
def _sheets_unsized() -> Iterator[None]:
    """Keep openpyxl from reading each sheet's declared size while a workbook is opened.

    The portal never uses that size (rows are as long as their cells), and a sheet without a
    <dimension> element is parsed to its end to find it, once per sheet, before any row is
    read: a sheet of a million rows took 20 s that way.
    """
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    with _SIZING:
        original = ReadOnlyWorksheet._get_size
        ReadOnlyWorksheet._get_size = lambda _self: None
        try:
            yield
        finally:
            ReadOnlyWorksheet._get_size = original


_XML_REFUSED = frozenset({"EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden"})


def _unreadable(file: str, exc: BaseException) -> InputError:
    reason = shorten(str(exc) or type(exc).__name__)
    cause: BaseException | None = exc
    while cause is not None:  # openpyxl wraps defusedxml's refusal in its own error
        if type(cause).__name__ in _XML_REFUSED:
            reason = "it declares XML entities, which Excel never writes"
            break
        cause = cause.__cause__ or cause.__context__
    return _workbook_problem(file, f"cannot read this workbook ({reason}); save it again as .xlsx")


def _choose_sheet(book: Any, file: str, wanted: str | None) -> Any:
    """Return the sheet named *wanted* (ignoring case and spacing), else the first one."""
    names: list[str] = list(book.sheetnames)
    if not names:
        raise _workbook_problem(file, "the workbook has no sheets")
    if not wanted:
        chosen = names[0]
    elif wanted in names:
        chosen = wanted
    else:
        folded = {fold_name(name): name for name in reversed(names)}
        found = folded.get(fold_name(wanted))
        if found is None:
            guess = difflib.get_close_matches(fold_name(wanted), list(folded), n=1, cutoff=0.6)
            hint = f"; did you mean {quoted(folded[guess[0]])}?" if guess else ""
            raise _workbook_problem(
                file,
                f"there is no sheet {quoted(wanted)} in this workbook (data.sheet in "
                f"programme.yaml); its sheets are {join_and(quoted(n) for n in names)}{hint}",
            )
        chosen = found
    worksheet = book[chosen]
    if not hasattr(worksheet, "iter_rows"):
        raise _workbook_problem(file, f"the sheet {quoted(chosen)} is a chart, not a table")
    return worksheet


def _cell_text(value: Any) -> str:
    """Turn an Excel cell value into the text the user sees in the cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 6 as 6.0
    if isinstance(value, dt.datetime):
        return _clean_cell(value.isoformat(sep=" "))
    return _clean_cell(value)


def split_multi(value: str) -> tuple[str, ...]:
    """Split a multi-value cell on line breaks or ';' (else on ','), dropping blanks."""
    if not value:
        return ()
    if "\n" in value or ";" in value:
        # A cell with one item per line (or ';') may have commas inside an item,
        # but a stray separator left at the end of a line is not part of the item.
        parts = value.replace(";", "\n").split("\n")
        return tuple(p.strip(" \t,") for p in parts if p.strip(" \t,"))
    return tuple(p.strip() for p in value.split(",") if p.strip())


# --- Markdown with front matter -------------------------------------------------------


@dataclass(frozen=True)
class MarkdownFile:
    """A Markdown file split into its front matter and body."""

    file: str
    meta: YamlDocument
    body: str
    body_line: int


def load_markdown(
    path: Path, file: str, *, root: Path | None = None, limit: int | None = None
) -> MarkdownFile:
    """Read a Markdown file with an optional ``---`` YAML front matter block.

    Under *root*, no folder on the way to it may be a link; the file itself never may.
    """
    text = read_text(
        path,
        file,
        limit or _DEFAULT_LIMITS.max_markdown_bytes,
        root=root,
        setting="max_markdown_bytes",
    )
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() in {"---", "..."}:
                meta = parse_yaml("\n".join(lines[1:end]), file, line_offset=1)
                if meta.data is not None and not isinstance(meta.data, dict):
                    raise InputError(
                        [Problem(file, "the front matter must be 'key: value' lines", line=2)]
                    )
                body = "\n".join(lines[end + 1 :])
                return MarkdownFile(file, meta, body, end + 2)
        raise InputError(
            [
                Problem(
                    file,
                    "the front matter starts with '---' but never ends; add a '---' line after it",
                    line=1,
                )
            ]
        )
    return MarkdownFile(file, YamlDocument(data={}), text, 1)


def iter_markdown(folder: Path, root: Path | None = None) -> Iterator[Path]:
    """Yield the Markdown files of a folder in name order.

    With the project *root*, a link anywhere under the folder (or on the way to it) is an
    InputError naming every one; without it, links are yielded so that reading them fails.
    """
    if root is not None:
        return iter(
            [p for p in iter_files(folder, root) if p.parent == folder and p.suffix == ".md"]
        )
    if not folder.is_dir():
        return iter(())
    return iter(sorted(p for p in folder.glob("*.md") if p.is_file() or p.is_symlink()))
