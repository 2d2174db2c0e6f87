"""JSON Schemas and a reference page for front matter, made from the models themselves.

The models in `generator.model` say what each key of a story, post or guide holds (their
`Field` descriptions); this module turns them into `schemas/<kind>.schema.json` for editors
(VS Code's YAML extension checks front matter against them) and `docs/front-matter.md` for
people. Both are checked in, and a test fails when they differ from what the models make now.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from generator.model import Guide, Post, Story

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FOLDER = "schemas"
REFERENCE_FILE = "docs/front-matter.md"


@dataclass(frozen=True)
class FrontMatterKind:
    """One kind of authored file: where it lives, its model, and which keys it reads."""

    kind: str  # story | post | guide
    model: type[BaseModel]
    folder: str
    about: str
    # Keys the pipeline sets from the file itself (never written in front matter).
    internal: frozenset[str] = frozenset({"slug", "file", "body", "body_line", "lines"})
    # Keys that front matter may leave out although the record always has them.
    optional: frozenset[str] = field(default_factory=frozenset)

    @property
    def schema_file(self) -> str:
        """Return the schema's path under the project: ``schemas/story.schema.json``."""
        return f"{SCHEMA_FOLDER}/{self.kind}.schema.json"

    def front_matter_keys(self) -> list[str]:
        """Return the front-matter keys, in the model's order."""
        return [k for k in self.model.model_fields if k not in self.internal]


KINDS: tuple[FrontMatterKind, ...] = (
    FrontMatterKind(
        "story",
        Story,
        "content/stories/",
        "A success story about a pair, published once approved and consented.",
    ),
    FrontMatterKind(
        "post",
        Post,
        "content/blog/",
        "A blog post by participants or staff.",
    ),
    FrontMatterKind(
        "guide",
        Guide,
        "content/guides/",
        "A hand-written guide, added to (or replacing one of) the built-in guides.",
        optional=frozenset({"title"}),
    ),
)


def kind(name: str) -> FrontMatterKind:
    """Return the kind of front matter called *name* (story, post or guide)."""
    for entry in KINDS:
        if entry.kind == name:
            return entry
    raise KeyError(name)


def front_matter_schema(entry: FrontMatterKind) -> dict[str, Any]:
    """Return the JSON Schema of one kind's front matter."""
    schema = entry.model.model_json_schema(mode="validation")
    properties: dict[str, Any] = schema.get("properties", {})
    keys = entry.front_matter_keys()
    schema["properties"] = {k: _tidy(properties[k]) for k in keys}
    required = [k for k in schema.get("required", []) if k in keys and k not in entry.optional]
    if required:
        schema["required"] = required
    else:
        schema.pop("required", None)
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["title"] = f"Front matter of a {entry.kind} ({entry.folder}*.md)"
    schema["description"] = entry.about
    return schema


def _tidy(prop: Mapping[str, Any]) -> dict[str, Any]:
    """Drop pydantic's generated per-key titles: the key and its description say it."""
    return {k: v for k, v in prop.items() if k != "title"}


def schema_text(entry: FrontMatterKind) -> str:
    """Return one kind's JSON Schema as the checked-in file holds it."""
    return json.dumps(front_matter_schema(entry), indent=2, sort_keys=True) + "\n"


def write_schema_files(root: Path) -> list[Path]:
    """Write schemas/<kind>.schema.json and docs/front-matter.md under *root*; return them."""
    written: list[Path] = []
    outputs = {entry.schema_file: schema_text(entry) for entry in KINDS}
    outputs[REFERENCE_FILE] = front_matter_reference()
    for relative, text in outputs.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


# --- the reference page ------------------------------------------------------------------


def describe_type(prop: Mapping[str, Any]) -> str:
    """Say what kind of value a key takes, in words: 'date (YYYY-MM-DD)', 'list of text'."""
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind_ = prop.get("type")
    if kind_ == "string":
        return "date (YYYY-MM-DD)" if prop.get("format") == "date" else "text"
    if kind_ == "boolean":
        return "true or false"
    if kind_ == "integer":
        return "whole number"
    if kind_ == "number":
        return "number"
    if kind_ == "array":
        return "list of " + _plural_type(prop.get("items", {}))
    if kind_ == "object":
        values = prop.get("additionalProperties")
        if isinstance(values, Mapping):
            return f"section of `name: {describe_type(values)}` lines"
        return "section of `key: value` lines"
    if "anyOf" in prop:
        return " or ".join(describe_type(option) for option in prop["anyOf"])
    return "any value"


def _plural_type(items: Mapping[str, Any]) -> str:
    words = describe_type(items)
    return {"text": "text", "whole number": "whole numbers", "date (YYYY-MM-DD)": "dates"}.get(
        words, words
    )


def _cell(text: str) -> str:
    """Make text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _default(prop: Mapping[str, Any]) -> str:
    if "default" not in prop:
        return ""
    value = prop["default"]
    if value in ("", [], {}, ()):
        return ""
    if isinstance(value, bool):
        return f" (default: `{'true' if value else 'false'}`)"
    return f" (default: `{value}`)"


def front_matter_reference() -> str:
    """Return docs/front-matter.md: every key of stories, posts and guides, from the models."""
    out = [
        "<!-- generated by generator/schemas.py from generator/model.py; do not edit by hand:",
        "     after changing a model, run the tests and commit what they ask for -->",
        "",
        "# Front matter reference",
        "",
        "Every story, blog post and guide starts with *front matter*: `key: value` lines between",
        "two `---` lines. This page lists every key each kind of file reads. People and pairs may",
        "be written by name (`Callum Reid`, `Callum Reid and Alison Brooks`) or by id; names are",
        "matched ignoring case and accents, and `portal check` suggests the nearest when one",
        "matches nobody.",
        "",
        "Editors that understand JSON Schema can check front matter as you type: the schemas",
        "are in `schemas/` (" + ", ".join(f"`{e.schema_file}`" for e in KINDS) + ").",
        "",
    ]
    for entry in KINDS:
        schema = front_matter_schema(entry)
        required = set(schema.get("required", []))
        out += [
            f"## {entry.kind.capitalize()}: `{entry.folder}*.md`",
            "",
            entry.about,
            "",
            "| key | type | required | meaning |",
            "|---|---|---|---|",
        ]
        for key, prop in schema["properties"].items():
            need = "required" if key in required else "optional"
            meaning = _cell(str(prop.get("description", "")) + _default(prop))
            out.append(f"| `{key}` | {_cell(describe_type(prop))} | {need} | {meaning} |")
        out.append("")
    return "\n".join(out)
