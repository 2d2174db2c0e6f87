"""Load stage: read programme.yaml, the data tables and Markdown content from disk.

Everything here is I/O plus parsing into plain Python values with source positions; nothing
is interpreted. YAML is read by a strict composer: no anchors, aliases or tags, limited depth
and size, duplicate keys are errors, and every plain scalar stays the text it was written as
(typing happens later, against the schema, so ``no`` or ``010`` never change silently).
"""

from __future__ import annotations

import csv
import io
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


class _StrictComposer(yaml.SafeLoader):
    """A YAML composer that refuses aliases, anchors and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        # Resolve nothing implicitly: plain scalars stay text until the schema types them.
        self.yaml_implicit_resolvers = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # type: ignore[override]
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed here", event.start_mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "anchors (&name) are not allowed here", event.start_mark
            )
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nesting is deeper than {MAX_YAML_DEPTH} levels", event.start_mark
            )
        try:
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def parse_yaml(text: str, file: str, line_offset: int = 0) -> YamlDocument:
    """Parse YAML text strictly, raising InputError with located problems."""
    try:
        loader = _StrictComposer(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        col = mark.column + 1 if mark else None
        message = exc.problem or exc.context or "this is not valid YAML"
        raise InputError(
            [Problem(file, f"{message} (check indentation, colons and quotes)", line=line, col=col)]
        ) from None
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
                f"YAML tags like '{node.tag}' are not allowed; write the plain value",
                field=_dotted(path),
                line=node.start_mark.line + 1 + offset,
                col=node.start_mark.column + 1,
            )
        )
        return None
    if isinstance(node, ScalarNode):
        if node.style is None and node.value in NULL_WORDS:
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
                    f"duplicate key '{key}': it is also set on line {first_seen[key] + offset}; "
                    "keep only one",
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
            [Problem(file, f"file is {size:,} bytes; the limit is {limit:,} bytes")]
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

    def row_number(self, index: int) -> int:
        """Return the spreadsheet row number (header is row 1) of data row *index*."""
        return self.header_row + 1 + index


def load_table(path: Path, file: str, mapping: Mapping[str, str] | None = None) -> Table:
    """Read a .csv or .xlsx table with every cell as text and no NA guessing."""
    if not path.exists():
        raise InputError([Problem(file, "file not found; check the path under 'data:' in programme.yaml")])
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        frame = _read_xlsx(path, file)
    elif suffix in {".csv", ".txt"}:
        frame = _read_csv(path, file)
    else:
        raise InputError(
            [Problem(file, f"cannot read '{suffix}' files; save the table as .csv or .xlsx")]
        )
    headers = [str(c).strip() for c in frame.columns]
    renamed = _canonical_headers(headers, mapping or {})
    problems = [
        Problem(file, f"column '{h}' appears twice; keep only one", row=1)
        for h in sorted({h for h in renamed if renamed.count(h) > 1})
    ]
    if problems:
        raise InputError(problems)
    frame.columns = pd.Index(renamed)
    records = frame.to_dict(orient="records")
    rows = tuple(
        {k: _clean_cell(v) for k, v in rec.items()}
        for rec in records
        if any(_clean_cell(v) for v in rec.values())
    )
    return Table(file=file, columns=tuple(renamed), rows=rows)


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
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    # Excel date cells arrive as timestamps; keep just the date the user typed.
    if len(text) == 19 and text.endswith(" 00:00:00") and text[4] == "-":
        text = text[:10]
    return text


def _read_csv(path: Path, file: str) -> pd.DataFrame:
    text = read_text(path, file, MAX_TABLE_BYTES)
    first_line = text.split("\n", 1)[0]
    sep = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(
            [Problem(file, f"cannot read this table: {exc}; check quotes and separators")]
        ) from None


def _read_xlsx(path: Path, file: str) -> pd.DataFrame:
    try:
        return pd.read_excel(
            path, dtype=str, keep_default_na=False, na_filter=False, engine="openpyxl"
        )
    except Exception as exc:  # openpyxl raises many kinds; all mean "unreadable workbook"
        raise InputError([Problem(file, f"cannot read this workbook: {exc}")]) from None


def split_multi(value: str) -> tuple[str, ...]:
    """Split a multi-value cell on ';', ',' or line breaks, dropping blanks."""
    if not value:
        return ()
    separator = next((s for s in ("\n", ";") if s in value), ",")
    parts = []
    for chunk in value.split(separator):
        parts.extend(chunk.split(";") if separator == "\n" else [chunk])
    return tuple(p.strip() for p in parts if p.strip())


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
            [Problem(file, "the front matter starts with '---' but never ends; add a '---' line", line=1)]
        )
    return MarkdownFile(file, YamlDocument(data={}), text, 1)


def iter_markdown(folder: Path) -> Iterator[Path]:
    """Yield the Markdown files of a folder in name order."""
    if folder.is_dir():
        yield from sorted(p for p in folder.glob("*.md") if p.is_file())
