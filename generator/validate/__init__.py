"""Validate stage: type every input against its model, then check the rules across files.

Pure: takes what `load` read (documents and tables with positions) and returns typed records
plus every problem found, each located at a file and line or row. One module a concern:

- `wording`: pydantic's errors as sentences, "did you mean …";
- `rules`: what a rule is (a name and a check), and the one duplicate check;
- `config_rules`: programme.yaml; `table_rules`: the data tables, row by row;
- `content_rules`: front matter of stories and posts, names resolved to ids;
- `image_rules`: references to pictures; `reporting_rules`: managers and reporting lines;
- `cross_rules`: references between files, run in order after the indexes they need.
"""

from __future__ import annotations

from generator.model import (
    ORG_CHART_REQUIRED,
    PAIR_REQUIRED,
    PARTICIPANT_REQUIRED,
    SESSION_REQUIRED,
    managers_above,
)
from generator.validate.config_rules import CONFIG_RULES, validate_config
from generator.validate.content_rules import CONTENT_RULES, validate_document
from generator.validate.cross_rules import CROSS_RULES, cross_check
from generator.validate.image_rules import image_key
from generator.validate.inputs import CrossContext, Inputs, Known, Located
from generator.validate.reporting_rules import reporting_line_relation
from generator.validate.rules import Rule, duplicates
from generator.validate.table_rules import Rows, validate_surveys, validate_table
from generator.validate.wording import describe_error

__all__ = [
    "CONFIG_RULES",
    "CONTENT_RULES",
    "CROSS_RULES",
    "ORG_CHART_REQUIRED",
    "PAIR_REQUIRED",
    "PARTICIPANT_REQUIRED",
    "SESSION_REQUIRED",
    "CrossContext",
    "Inputs",
    "Known",
    "Located",
    "Rows",
    "Rule",
    "cross_check",
    "describe_error",
    "duplicates",
    "image_key",
    "managers_above",
    "reporting_line_relation",
    "validate_config",
    "validate_document",
    "validate_surveys",
    "validate_table",
]
