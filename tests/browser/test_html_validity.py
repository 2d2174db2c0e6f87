"""HTML validity: the Nu HTML checker (vnu.jar, from npm) finds no error in the portal's markup."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.build]

VNU_JAR = REPO / "tests" / "browser" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SETUP = "run `bash scripts/ensure-test-tools.sh` (make test runs it) to install it"

# Errors in mkdocs-material's own markup: (message pattern, pattern of the reported markup) and
# the reason. Only an error matching both is filtered; anything in our templates still fails.
MATERIAL_NOISE: dict[tuple[str, str], str] = {
    (r"^Attribute 'autocomplete' is only allowed when", r'class="md-toggle"'): (
        "Material's CSS-only toggles are <input type=checkbox autocomplete=off> (a Firefox fix)"
    ),
    (r"^Bad value '' for attribute 'tabindex' on element 'label'", r'class="md-nav__link'): (
        'Material\'s nav.html writes tabindex="" on section labels that take no focus'
    ),
    (r"^The value of the 'for' attribute of the 'label'", r'class="md-nav__title"'): (
        "Material's nav titles label its hidden checkbox toggles (the CSS-only drawer)"
    ),
}
_NOISE = [(re.compile(message), re.compile(markup)) for message, markup in MATERIAL_NOISE]


def _is_material_noise(message: dict[str, str]) -> bool:
    return any(
        text.search(message.get("message", "")) and markup.search(message.get("extract", ""))
        for text, markup in _NOISE
    )


@pytest.fixture(scope="session")
def html_errors(demo_site: Path, injection_site: Path) -> dict[str, list[str]]:
    """Check both built sites in one run of the checker; return its errors by site."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        pytest.fail(f"java or {VNU_JAR.relative_to(REPO)} is missing: {SETUP}", pytrace=False)
    sites = {"demo": demo_site, "injection": injection_site}
    run = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", "--asciiquotes",
         "--skip-non-html", "--no-langdetect", "--stdout", "--exit-zero-always",
         *map(str, sites.values())],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    errors: dict[str, list[str]] = {name: [] for name in sites}
    for message in json.loads(run.stdout)["messages"]:
        if _is_material_noise(message):
            continue
        path = Path(unquote(urlsplit(message.get("url", "")).path)).resolve()
        for name, site in sites.items():
            if path.is_relative_to(site.resolve()):
                where = f"{path.relative_to(site.resolve())}:{message.get('lastLine', '?')}"
                errors[name].append(f"{where}: {message['message']}")
                break
        else:
            errors.setdefault("other", []).append(f"{path}: {message['message']}")
    return errors


def test_the_demo_portal_is_valid_html(html_errors: dict[str, list[str]]) -> None:
    assert html_errors["demo"] == []


def test_the_payload_portal_is_valid_html(html_errors: dict[str, list[str]]) -> None:
    assert html_errors["injection"] == []
    assert html_errors.get("other", []) == []


def test_material_noise_is_filtered_by_markup_not_just_by_message() -> None:
    ours = {
        "message": "Bad value '' for attribute 'tabindex' on element 'label'",
        "extract": "<label>",
    }
    material = {**ours, "extract": '<label class="md-nav__link" for="__nav_2" tabindex="">'}
    assert not _is_material_noise(ours)
    assert _is_material_noise(material)
