"""`portal schema`: the JSON Schema of programme.yaml, generated from the models.

The schema is checked in as programme.schema.json so an editor validates programme.yaml as the
lead types; these tests fail when the models change and the file was not regenerated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result

from generator.config import ProgrammeConfig
from generator.load import load_yaml_file
from tests.conftest import REPO

SCHEMA_FILE = REPO / "programme.schema.json"


def schema_output(cli: Callable[..., Result]) -> str:
    result = cli("schema")
    assert result.exit_code == 0
    return result.stdout


def test_schema_is_valid_json_for_programme_yaml(cli: Callable[..., Result]) -> None:
    schema: dict[str, Any] = json.loads(schema_output(cli))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "programme.yaml"
    assert schema["type"] == "object"


def test_schema_properties_include_every_top_level_section(cli: Callable[..., Result]) -> None:
    schema = json.loads(schema_output(cli))
    sections = {
        "programme", "grades", "staff", "cohorts", "design", "session_plan", "ground_rules",
        "faq", "success_measures", "matching", "privacy", "site", "publish", "data", "limits",
        "monitoring", "certificates", "blog",
    }  # fmt: skip
    assert set(schema["properties"]) == sections == set(ProgrammeConfig.model_fields)
    assert set(schema["required"]) == {
        "programme", "grades", "cohorts", "design", "session_plan", "ground_rules", "data",
    }  # fmt: skip


def test_schema_covers_every_section_of_the_demo(cli: Callable[..., Result]) -> None:
    schema = json.loads(schema_output(cli))
    demo = load_yaml_file(REPO / "programme.yaml", "programme.yaml").data
    assert set(demo) <= set(schema["properties"])


def test_schema_describes_fields_for_the_editor(cli: Callable[..., Result]) -> None:
    schema = json.loads(schema_output(cli))
    cohort = schema["$defs"]["Cohort"]["properties"]
    assert cohort["start"] == {
        "description": "First day of the cohort",
        "format": "date",
        "title": "Start",
        "type": "string",
    }
    grades = schema["properties"]["grades"]
    assert grades["description"] == "Grade names from most junior to most senior"
    assert grades["minItems"] == 2


def test_demo_programme_points_its_editor_at_the_schema() -> None:
    first_line = (REPO / "programme.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=./programme.schema.json"


def test_checked_in_schema_is_what_portal_schema_prints(cli: Callable[..., Result]) -> None:
    # If this fails after a change to generator/config.py, regenerate the file and review it:
    #     portal schema > programme.schema.json
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_output(cli)


@pytest.mark.parametrize("kind", ["story", "post", "guide"])
def test_schema_kind_prints_the_checked_in_front_matter_schema(
    cli: Callable[..., Result], kind: str
) -> None:
    result = cli("schema", "--kind", kind)
    assert result.exit_code == 0
    checked_in = (REPO / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert result.stdout == checked_in
    assert json.loads(result.stdout)["title"].startswith(f"Front matter of a {kind}")


def test_schema_refuses_an_unknown_kind(cli: Callable[..., Result]) -> None:
    result = cli("schema", "--kind", "poem")
    assert result.exit_code == 2
    assert "poem" in result.output
