"""Page templates are overridden a block at a time (docs/templates.md), not copied whole.

A project copy gets files in content/templates/ that `{% extends "portal/<name>.md.j2" %}`:
replacing one block changes that part of the page and nothing else, and the worked example of
the documentation does what the documentation says.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

from generator.pipeline import generate
from generator.render import DEFAULT_TEMPLATES
from tests.conftest import REPO, TODAY, copy_demo

DOCS = (REPO / "docs" / "templates.md").read_text(encoding="utf-8")

# Each page template of this kind and one page of the demo it writes.
PAGES = {
    "home": "index.md",
    "about": "about.md",
    "guides-index": "guides/index.md",
    "guide-mentors": "guides/mentors.md",
    "guide-mentees": "guides/mentees.md",
    "guide-leads": "guides/programme-leads.md",
    "agreement": "guides/agreement.md",
    "session-plan": "guides/session-plan.md",
    "faq": "guides/faq.md",
    "stories-index": "stories/index.md",
    "story": "stories/spreadsheets-to-street-level.md",
    "blog-index": "blog/index.md",
    "post": "blog/posts/two-views-of-one-session.md",
    "tags": "tags.md",
}
BEGIN = "@@BEGIN {}@@\n"
END = "@@END {}@@\n"


def _blocks(name: str) -> list[str]:
    """Return the names of a built-in template's blocks, in page order."""
    source = (DEFAULT_TEMPLATES / f"{name}.md.j2").read_text(encoding="utf-8")
    return [block.name for block in Environment().parse(source).find_all(nodes.Block)]


def _generate(tmp_path: Path, label: str, overrides: dict[str, str]) -> dict[str, str]:
    """Generate a copy of the demo with these content/templates/ files; return its pages."""
    root = copy_demo(tmp_path / label)
    folder = root / "content" / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in overrides.items():
        (folder / f"{name}.md.j2").write_text(text, encoding="utf-8")
    generate(root, today=TODAY)
    return {
        name: (root / "site_src" / page).read_text(encoding="utf-8") for name, page in PAGES.items()
    }


def _override(name: str, blocks: dict[str, str]) -> str:
    lines = [f'{{% extends "portal/{name}.md.j2" %}}']
    for block, body in blocks.items():
        lines.append(f"{{% block {block} %}}\n{body}{{% endblock %}}")
    return "\n".join(lines) + "\n"


def _unmarked(text: str) -> str:
    """Remove the markers; the page then ends as every page does, with one line break."""
    return re.sub(r"@@(BEGIN|END) [a-z_]+@@\n", "", text).rstrip("\n") + "\n"


def _block_text(page: str, block: str) -> str:
    """Return what one block printed on a marked page."""
    return page.split(BEGIN.format(block), 1)[1].split(END.format(block), 1)[0]


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every block of every page, wrapped in markers around its built-in text (`super()`)."""
    overrides = {
        name: _override(
            name,
            {b: BEGIN.format(b) + "{{ super() }}" + END.format(b) for b in _blocks(name)},
        )
        for name in PAGES
    }
    return _generate(tmp_path_factory.mktemp("marked"), "demo", overrides)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The demo's pages with no override."""
    return _generate(tmp_path_factory.mktemp("plain"), "demo", {})


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_template_is_cut_into_named_blocks(name: str) -> None:
    blocks = _blocks(name)
    assert len(blocks) >= 2
    assert "heading" in blocks, "the page's title line is the `heading` block"
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", b) for b in blocks), blocks


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_documentation_lists_each_templates_blocks(name: str) -> None:
    row = next(line for line in DOCS.splitlines() if line.startswith(f"| `{name}.md.j2` |"))
    assert re.findall(r"`([a-z_]+)`", row.split("|")[3]) == _blocks(name)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_blocks_hold_the_whole_page_and_super_gives_it_back(
    name: str, marked: dict[str, str], plain: dict[str, str]
) -> None:
    assert BEGIN.format(_blocks(name)[0]) in marked[name]
    assert _unmarked(marked[name]) == plain[name]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_replacing_one_block_changes_that_part_and_nothing_else(
    name: str, marked: dict[str, str], tmp_path: Path
) -> None:
    blocks = _blocks(name)
    # A block from the middle of the page that prints something in the demo.
    middle = blocks[len(blocks) // 2 :] + blocks[: len(blocks) // 2]
    block = next(b for b in middle if _block_text(marked[name], b).strip())
    new_text = f"Our own words for {block}.\n\n"
    actual = _generate(tmp_path, "demo", {name: _override(name, {block: new_text})})[name]
    # What the page would be with exactly that block's text swapped for ours.
    begin, end = BEGIN.format(block), END.format(block)
    before, rest = marked[name].split(begin, 1)
    old_text, after = rest.split(end, 1)
    assert actual == _unmarked(before + new_text + after)
    assert old_text not in actual


def test_the_documented_example_replaces_the_mentors_role(
    plain: dict[str, str], tmp_path: Path
) -> None:
    example = re.search(r"```jinja\n(\{% extends \"portal/guide-mentors.*?)```", DOCS, re.S)
    assert example, "docs/templates.md has the worked example"
    page = _generate(tmp_path, "demo", {"guide-mentors": example.group(1)})["guide-mentors"]
    original = plain["guide-mentors"]
    head, rest = original.split("## Your role\n", 1)
    tail = rest[rest.index("## What you bring\n") :]
    assert page.startswith(head)
    assert page.endswith(tail)
    assert "At Calderbrook Borough Council a mentor is a guide, not a teacher." in page
    assert "You are not there to teach a course" in original
    assert "You are not there to teach a course" not in page


def test_an_override_of_the_whole_file_still_wins(tmp_path: Path) -> None:
    page = _generate(tmp_path, "demo", {"tags": "# Topics\n\nEverything by subject.\n"})["tags"]
    assert page.endswith("\n\n# Topics\n\nEverything by subject.\n")
