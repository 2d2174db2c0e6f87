"""Load stage: read programme.yaml, the data tables and Markdown content from disk.

Everything here is I/O plus parsing into plain Python values with source positions; nothing
is interpreted. YAML is read by a strict composer: no anchors, aliases or tags, limited depth
and size, duplicate keys are errors, and every plain scalar stays the text it was written as
(typing happens later, against the schema, so ``no`` or ``010`` never change silently).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.errors import InputError, Problem

MAX_YAML_BYTES = 1_000_000
MAX_YAML_DEPTH = 20
MAX_TABLE_BYTES = 200_000_000
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


def read_text(path: Path, file: str, limit: int) -> str:
    """Read a text file as UTF-8 (BOM allowed), falling back to Windows-1252."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError([Problem(file, "file not found")]) from None
    if size > limit:
        raise InputError(
            [
                Problem(
                    file,
                    f"the file is {size:,} bytes, more than the {limit:,} allowed; "
                    "is it the right file?",
                )
            ]
        )
    raw = path.read_bytes()
    return decode_text(raw).replace("\r\n", "\n").replace("\r", "\n")


def decode_text(raw: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM), else as Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def load_yaml_file(path: Path, file: str) -> YamlDocument:
    """Read and strictly parse a YAML file."""
    return parse_yaml(read_text(path, file, MAX_YAML_BYTES), file)


# --- tables ---------------------------------------------------------------------------


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


def load_table(path: Path, file: str, mapping: Mapping[str, str] | None = None) -> Table:
    """Read a .csv or .xlsx table with every cell as text and no NA guessing."""
    if not path.is_file():
        raise InputError(
            [Problem(file, "file not found; check the path under 'data:' in programme.yaml")]
        )
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        records = _read_xlsx(path, file).to_numpy(dtype=object).tolist()
        cells = [[_clean_cell(v) for v in record] for record in records]
    elif suffix in {".csv", ".txt"}:
        records = _read_csv(path, file).to_numpy(dtype=object).tolist()
        # CSV cells are already text with normalised line breaks; only trim them.
        cells = [
            [v.strip() if isinstance(v, str) else _clean_cell(v) for v in record]
            for record in records
        ]
    else:
        raise InputError(
            [Problem(file, f"cannot read '{suffix}' files; save the table as .csv or .xlsx")]
        )
    # Headers are read as the first row, not by pandas, which would rename a repeated
    # header to 'id.1' and hide the mistake.
    if not cells:
        raise InputError([Problem(file, "the file is empty; it needs a header row", row=1)])
    header_cells = cells[0]
    keep = [
        i
        for i, header in enumerate(header_cells)
        if header or any(i < len(r) and r[i] for r in cells[1:])
    ]
    headers = [header_cells[i] or f"(no header, column {i + 1})" for i in keep]
    renamed = _canonical_headers(headers, mapping or {})
    repeated = sorted({h for h in renamed if renamed.count(h) > 1})
    if repeated:
        raise InputError(
            [
                Problem(
                    file,
                    "this column appears more than once ("
                    + ", ".join(f"'{h}'" for h, n in zip(headers, renamed, strict=True) if n == c)
                    + "); keep only one",
                    field=f"column '{c}'",
                    row=1,
                )
                for c in repeated
            ]
        )
    rows: list[dict[str, str]] = []
    numbers: list[int] = []
    for index, record in enumerate(cells[1:]):
        row = {name: record[i] for name, i in zip(renamed, keep, strict=True)}
        if any(row.values()):
            rows.append(row)
            numbers.append(index + 2)
    return Table(
        file=file,
        columns=tuple(renamed),
        rows=tuple(rows),
        headers=tuple(headers),
        row_numbers=tuple(numbers),
    )


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


_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _read_csv(path: Path, file: str) -> pd.DataFrame:
    text = read_text(path, file, MAX_TABLE_BYTES)
    first_line = text.split("\n", 1)[0]
    sep = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_MINIMAL,
        )
    except pd.errors.EmptyDataError:
        raise InputError(
            [Problem(file, "the file is empty; it needs a header row", row=1)]
        ) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError([_csv_problem(file, str(exc), sep)]) from None


def _csv_problem(file: str, message: str, sep: str) -> Problem:
    """Explain a CSV parsing failure at the row it happened."""
    count = _FIELD_COUNT.search(message)
    if count:
        expected, row, seen = count.groups()
        return Problem(
            file,
            f"this row has {seen} cells but the header row has {expected}; "
            f"put any cell that contains '{sep}' in double quotes",
            row=int(row),
        )
    quote = _OPEN_QUOTE.search(message)
    if quote:
        return Problem(
            file, "a double quote opened in this row is never closed", row=int(quote.group(1)) + 1
        )
    return Problem(file, f"cannot read this table ({message}); check quotes and separators")


def _read_xlsx(path: Path, file: str) -> pd.DataFrame:
    try:
        return pd.read_excel(
            path,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="openpyxl",
        )
    except Exception as exc:  # openpyxl raises many kinds; all mean "unreadable workbook"
        raise InputError(
            [Problem(file, f"cannot read this workbook ({exc}); save it again as .xlsx")]
        ) from None


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


def load_markdown(path: Path, file: str) -> MarkdownFile:
    """Read a Markdown file with an optional ``---`` YAML front matter block."""
    text = read_text(path, file, MAX_YAML_BYTES * 5)
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


def iter_markdown(folder: Path) -> Iterator[Path]:
    """Yield the Markdown files of a folder in name order."""
    if folder.is_dir():
        yield from sorted(p for p in folder.glob("*.md") if p.is_file())
