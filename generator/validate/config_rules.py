"""Rules of programme.yaml: its types, unknown keys, and the rules inside the file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.config import ProgrammeConfig
from generator.errors import Problem
from generator.load import YamlDocument
from generator.validate.rules import Rule, duplicates, run_rules
from generator.validate.wording import describe_error, did_you_mean, field_name


def validate_config(doc: YamlDocument, file: str) -> tuple[ProgrammeConfig | None, list[Problem]]:
    """Type programme.yaml; report unknown keys as warnings."""
    if not isinstance(doc.data, dict):
        return None, [
            Problem(file, "programme.yaml must be a set of 'key: value' sections", line=1)
        ]
    # Unknown keys are reported even when the file is invalid: a typo often explains an error.
    problems = list(_unknown_keys(ProgrammeConfig, doc.data, (), doc, file))
    try:
        config = ProgrammeConfig.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            pos = doc.position(loc)
            problems.append(
                Problem(
                    file,
                    describe_error(err),
                    field=field_name(loc) or "(top level)",
                    line=pos.line if pos else None,
                    col=pos.col if pos else None,
                )
            )
        return None, problems
    problems.extend(run_rules(CONFIG_RULES, ConfigContext(config, doc, file)))
    return config, problems


def unknown_key(
    key: str, known: Iterable[str], path: tuple[str | int, ...], doc: YamlDocument, file: str
) -> Problem:
    """Warn about one key the schema does not know (a typo is the usual cause)."""
    pos = doc.position((*path, key))
    guess = did_you_mean(key, known)
    hint = f"did you mean '{guess}'?" if guess else "the keys here are " + ", ".join(sorted(known))
    return Problem(
        file,
        f"unknown key '{key}' is ignored; {hint}",
        field=field_name((*path, key)),
        line=pos.line if pos else None,
        col=pos.col if pos else None,
        severity="warning",
    )


def _unknown_keys(
    model: type[BaseModel], data: object, path: tuple[str | int, ...], doc: YamlDocument, file: str
) -> Iterable[Problem]:
    """Warn about every key the schema does not know (a typo often explains an error)."""
    if not isinstance(data, dict):
        return
    fields = model.model_fields
    for key in sorted(data):
        if key not in fields:
            yield unknown_key(key, fields, path, doc, file)
            continue
        inner = _section_model(fields[key].annotation)
        if inner is None:
            continue
        value = data[key]
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from _unknown_keys(inner, item, (*path, key, i), doc, file)
        else:
            yield from _unknown_keys(inner, value, (*path, key), doc, file)


def _section_model(annotation: Any) -> type[BaseModel] | None:
    """Return the model of a section or of the items of a list of sections, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


# --- the rules inside programme.yaml ------------------------------------------------------


@dataclass(frozen=True)
class ConfigContext:
    """A typed programme.yaml with its source, for locating each problem."""

    config: ProgrammeConfig
    doc: YamlDocument
    file: str

    def at(self, path: tuple[str | int, ...], message: str) -> Problem:
        """Return a problem located at a key of programme.yaml."""
        pos = self.doc.position(path)
        return Problem(
            self.file,
            message,
            field=field_name(path),
            line=pos.line if pos else None,
            col=pos.col if pos else None,
        )


def _grades_listed_once(c: ConfigContext) -> Iterable[Problem]:
    for grade, i, first in duplicates((g, i) for i, g in enumerate(c.config.grades)):
        yield c.at(
            ("grades", i),
            f"grade '{grade}' is listed twice (also grades[{first}]); "
            "each grade appears once, from most junior to most senior",
        )


def _cohort_ids_unique(c: ConfigContext) -> Iterable[Problem]:
    for cohort_id, i, first in duplicates((k.id, i) for i, k in enumerate(c.config.cohorts)):
        yield c.at(
            ("cohorts", i, "id"), f"cohort id '{cohort_id}' is used twice (also cohorts[{first}])"
        )


def _cohort_dates_in_order(c: ConfigContext) -> Iterable[Problem]:
    for i, cohort in enumerate(c.config.cohorts):
        window = cohort.applications
        if window.closes < window.opens:
            yield c.at(
                ("cohorts", i, "applications", "closes"),
                f"applications close ({window.closes}) before they open ({window.opens})",
            )
        if cohort.start < window.closes:
            yield c.at(
                ("cohorts", i, "start"),
                f"the cohort starts ({cohort.start}) before applications close ({window.closes})",
            )
        if cohort.end <= cohort.start:
            yield c.at(
                ("cohorts", i, "end"),
                f"the cohort ends ({cohort.end}) before it starts ({cohort.start})"
                if cohort.end < cohort.start
                else f"the cohort ends on the day it starts ({cohort.start})",
            )


def _session_plan_complete(c: ConfigContext) -> Iterable[Problem]:
    numbers = [s.number for s in c.config.session_plan]
    for number, i, _first in duplicates((n, i) for i, n in enumerate(numbers)):
        yield c.at(("session_plan", i, "number"), f"session {number} is planned twice")
    expected = max(k.sessions for k in c.config.cohorts)
    missing = sorted(set(range(1, expected + 1)) - set(numbers))
    if missing:
        yield c.at(
            ("session_plan",),
            "there is no plan for session "
            + ", ".join(map(str, missing))
            + f"; cohorts have up to {expected} sessions",
        )


def _staff_ids_unique(c: ConfigContext) -> Iterable[Problem]:
    for staff_id, i, first in duplicates((s.id, i) for i, s in enumerate(c.config.staff)):
        yield c.at(("staff", i, "id"), f"staff id '{staff_id}' is used twice (also staff[{first}])")


def _measures_sound(c: ConfigContext) -> Iterable[Problem]:
    measures = c.config.success_measures
    for key, i, _first in duplicates((m.key, i) for i, m in enumerate(measures)):
        yield c.at(("success_measures", i, "key"), f"measure '{key}' is listed twice")
    for i, measure in enumerate(measures):
        if measure.scale_max <= measure.scale_min:
            yield c.at(
                ("success_measures", i, "scale_max"),
                f"the scale must go up: scale_max ({measure.scale_max}) is not above "
                f"scale_min ({measure.scale_min})",
            )


def _blog_categories_listed_once(c: ConfigContext) -> Iterable[Problem]:
    categories = c.config.blog.categories
    folded = (" ".join(name.split()).casefold() for name in categories)
    for _key, i, first in duplicates((name, i) for i, name in enumerate(folded)):
        yield c.at(
            ("blog", "categories", i),
            f"category '{categories[i]}' is listed twice (also blog.categories[{first}]); "
            "categories are matched ignoring case, so list each once",
        )


def _url_secret_set(c: ConfigContext) -> Iterable[Problem]:
    if not c.config.privacy.url_secret:
        problem = c.at(
            ("privacy",),
            "privacy.url_secret is not set, so anyone who reads the portal can work out which "
            "pair and person id each page and photo address stands for; add a long random "
            'text (for example from `python -c "import secrets; print(secrets.token_hex(16))"`) '
            "as privacy.url_secret and keep it",
        )
        yield replace(problem, field="privacy.url_secret", severity="warning")


# In the order their problems are reported, each with the name tests and docs use.
CONFIG_RULES: tuple[Rule[ConfigContext], ...] = (
    Rule("grades listed once", _grades_listed_once),
    Rule("cohort ids unique", _cohort_ids_unique),
    Rule("cohort dates in order", _cohort_dates_in_order),
    Rule("session plan complete", _session_plan_complete),
    Rule("staff ids unique", _staff_ids_unique),
    Rule("success measures sound", _measures_sound),
    Rule("blog categories listed once", _blog_categories_listed_once),
    Rule("page addresses keyed by a secret", _url_secret_set),
)
