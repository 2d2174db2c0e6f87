"""`portal new story|post|guide`: a ready-to-edit file with every field, checked, never overwriting."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result

from generator.errors import InputError
from generator.model import Post, Story
from generator.pipeline import generate
from generator.scaffold import Scaffold, write_scaffold
from tests.conftest import TODAY

INTERNAL = {"slug", "file", "body", "body_line", "lines"}


def new(cli: Callable[..., Result], project: Path, *args: str) -> Result:
    return cli("new", *args, "--project", str(project), "--today", TODAY.isoformat())


def front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    data = yaml.safe_load(text.split("---\n", 2)[1])
    assert isinstance(data, dict)
    return data


def check(cli: Callable[..., Result], project: Path) -> Result:
    return cli("check", "--project", str(project), "--today", TODAY.isoformat())


# --- stories -------------------------------------------------------------------------------


def test_a_story_by_the_pairs_names(cli: Callable[..., Result], demo: Path) -> None:
    result = new(cli, demo, "story", "--pair", "alison BROOKS and Callum Reid")
    assert result.exit_code == 0, result.output
    relative = "content/stories/the-story-of-callum-reid-and-alison-brooks.md"
    path = demo / relative
    assert result.output.startswith(
        f"wrote {path}: a draft story about Callum Reid and Alison Brooks (pair D3RF)\nnext:\n"
    )
    for step in ("`portal serve`", "consent dates", "status: approved", "`portal check`"):
        assert step in result.output
    meta = front_matter(path)
    assert meta == {
        "title": "The story of Callum Reid and Alison Brooks",
        "date": TODAY,
        "summary": meta["summary"],
        "pair": "D3RF",
        "tags": [],
        "anonymous": False,
        "status": "draft",
        "consent": {"P034": None, "P017": None},
    }
    assert meta["summary"]


def test_a_story_scaffold_holds_every_story_field(cli: Callable[..., Result], demo: Path) -> None:
    assert new(cli, demo, "story", "--pair", "D3RF").exit_code == 0
    text = (demo / "content/stories/the-story-of-callum-reid-and-alison-brooks.md").read_text()
    for key in sorted(set(Story.model_fields) - INTERNAL):
        assert f"\n{key}:" in text or f"\n# {key}:" in text, key


def test_the_consent_checklist_names_each_person(cli: Callable[..., Result], demo: Path) -> None:
    assert new(cli, demo, "story", "--pair", "D3RF").exit_code == 0
    lines = (demo / "content/stories/the-story-of-callum-reid-and-alison-brooks.md").read_text()
    assert "\nconsent:\n  P034:  # Callum Reid, mentor\n" in lines
    assert "\n  P017:  # Alison Brooks, mentee\n" in lines
    assert front_matter(demo / "content/stories/the-story-of-callum-reid-and-alison-brooks.md")[
        "consent"
    ] == {"P034": None, "P017": None}


def test_following_the_checklist_gives_an_approved_story(
    cli: Callable[..., Result], demo: Path
) -> None:
    assert new(cli, demo, "story", "--pair", "D3RF", "--title", "Parks and pounds").exit_code == 0
    path = demo / "content/stories/parks-and-pounds.md"
    text = path.read_text(encoding="utf-8")
    # What the checklist says: write the date each person agreed after their id.
    text = text.replace("  P034:", "  P034: 2026-11-01")
    text = text.replace("  P017:", "  P017: 2026-11-02")
    path.write_text(text.replace("status: draft", "status: approved"), encoding="utf-8")
    meta = front_matter(path)
    assert meta["consent"] == {"P034": TODAY.replace(day=1), "P017": TODAY.replace(day=2)}
    assert check(cli, demo).exit_code == 0


def test_a_fresh_draft_checks_clean_and_is_not_published(
    cli: Callable[..., Result], demo: Path
) -> None:
    assert new(cli, demo, "story", "--pair", "N4HS").exit_code == 0
    assert new(cli, demo, "post", "--author", "Grace Oyelaran").exit_code == 0
    result = check(cli, demo)
    assert result.exit_code == 0, result.output
    assert "0 warnings" in result.output
    generate(demo, TODAY)
    site = demo / "site_src"
    assert not (site / "stories/the-story-of-jamal-ahmed-and-aisha-rahman.md").exists()
    assert not (site / "blog/posts/a-post-by-grace-oyelaran.md").exists()
    for path in site.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert "The story of Jamal Ahmed" not in text and "A post by Grace" not in text, path


def test_a_pair_with_someone_not_named_gets_an_anonymous_story(
    cli: Callable[..., Result], demo: Path
) -> None:
    # V5NE: Niamh Gallagher (P039) has not agreed to be named.
    result = new(cli, demo, "story", "--pair", "Niamh Gallagher and Leon Francis")
    assert result.exit_code == 0, result.output
    assert "note: someone in this pair has not agreed to be named" in result.output
    path = demo / "content/stories/a-story-from-cohort-2-summer-2026.md"
    meta = front_matter(path)
    assert meta["anonymous"] is True
    assert meta["pair"] == "V5NE"
    for name in ("Niamh", "Gallagher", "Leon", "Francis"):
        assert name not in meta["title"] and name.lower() not in path.name
    result = check(cli, demo)
    assert result.exit_code == 0 and "0 warnings" in result.output, result.output


def test_an_unknown_pair_offers_the_nearest(cli: Callable[..., Result], demo: Path) -> None:
    result = new(cli, demo, "story", "--pair", "Calum Reid and Alison Brookes")
    assert result.exit_code == 2
    assert result.output.startswith("content/data/pairs.csv: --pair: no pair has the id or names")
    assert "did you mean Callum Reid and Alison Brooks (D3RF)?" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in (demo / "content/stories").iterdir()) == sorted(
        p.name for p in (Path(__file__).parent.parent / "content/stories").iterdir()
    )


# --- never overwrite -----------------------------------------------------------------------


def test_an_existing_file_is_never_overwritten(cli: Callable[..., Result], demo: Path) -> None:
    assert new(cli, demo, "story", "--pair", "D3RF").exit_code == 0
    path = demo / "content/stories/the-story-of-callum-reid-and-alison-brooks.md"
    edited = path.read_text(encoding="utf-8") + "\nMy own words.\n"
    path.write_text(edited, encoding="utf-8")
    result = new(cli, demo, "story", "--pair", "D3RF")
    assert result.exit_code == 2
    assert result.output.startswith(
        "content/stories/the-story-of-callum-reid-and-alison-brooks.md: --title: this file "
        "already exists and is never overwritten; choose another title with --title\n"
    )
    assert path.read_text(encoding="utf-8") == edited


def test_a_file_that_would_share_the_address_is_named(
    cli: Callable[..., Result], demo: Path
) -> None:
    result = new(cli, demo, "story", "--pair", "N4HS", "--title", "Budgets and Borders!")
    assert result.exit_code == 2
    assert result.output.startswith(
        "content/stories/budgets-and-borders.md: --title: this file already exists"
    )
    draft = "---\ntitle: x\ndate: 2026-11-01\nauthors: [P037]\ndraft: true\n---\n"
    (demo / "content/blog/My Draft.md").write_text(draft, encoding="utf-8")
    result = new(cli, demo, "post", "--author", "P037", "--title", "my draft")
    assert result.exit_code == 2
    assert result.output.startswith(
        "content/blog/My Draft.md: --title: this file would be published at the same address "
        "('my-draft'), and it is never overwritten; choose another title with --title\n"
    )


def test_a_name_the_portal_uses_is_refused(cli: Callable[..., Result], demo: Path) -> None:
    result = new(cli, demo, "post", "--author", "P037", "--title", "Index")
    assert result.exit_code == 2
    assert (
        "content/blog/index.md: --title: the name 'index' is used by the portal's own pages; "
        "choose another title with --title, e.g. 'Index post'"
    ) in result.output
    result = new(cli, demo, "guide", "!!!")
    assert result.exit_code == 2
    assert "has no letters or digits to make a file name" in result.output


def test_a_title_with_yaml_characters_round_trips(cli: Callable[..., Result], demo: Path) -> None:
    title = 'Budgets: "plain English" #1 & more'
    assert new(cli, demo, "post", "--author", "comms", "--title", title).exit_code == 0
    meta = front_matter(demo / "content/blog/budgets-plain-english-1-more.md")
    assert meta["title"] == title
    assert check(cli, demo).exit_code == 0


# --- posts ---------------------------------------------------------------------------------


def test_a_post_by_name(cli: Callable[..., Result], demo: Path) -> None:
    result = new(cli, demo, "post", "--author", "grace oyelaran")
    assert result.exit_code == 0, result.output
    path = demo / "content/blog/a-post-by-grace-oyelaran.md"
    assert result.output.startswith(f"wrote {path}: a draft post by Grace Oyelaran (P037)\n")
    assert "Set draft: false" in result.output
    meta = front_matter(path)
    assert meta == {
        "title": "A post by Grace Oyelaran",
        "date": TODAY,
        "authors": ["P037"],
        "categories": [],
        "tags": [],
        "summary": meta["summary"],
        "draft": True,
    }
    text = path.read_text(encoding="utf-8")
    for key in sorted(set(Post.model_fields) - INTERNAL):
        assert f"\n{key}:" in text, key
    assert "Programme news, Reflections, How-to, Events" in text  # the programme's categories


def test_a_post_by_staff(cli: Callable[..., Result], demo: Path) -> None:
    result = new(cli, demo, "post", "--author", "Internal Communications", "--title", "News")
    assert result.exit_code == 0, result.output
    assert front_matter(demo / "content/blog/news.md")["authors"] == ["comms"]


def test_an_author_not_named_gets_a_note(cli: Callable[..., Result], demo: Path) -> None:
    result = new(cli, demo, "post", "--author", "P039", "--title", "My first month")
    assert result.exit_code == 0
    assert (
        "note: Niamh Gallagher has not agreed to be named on the portal: a post by them alone "
        "is not published until they do"
    ) in result.output


def test_an_unknown_author_offers_the_nearest(cli: Callable[..., Result], demo: Path) -> None:
    result = new(cli, demo, "post", "--author", "Grace Oyelaren")
    assert result.exit_code == 2
    assert result.output.startswith(
        "content/data/participants.csv: --author: no participant or member of staff has the "
        "name or id 'Grace Oyelaren'; did you mean Grace Oyelaran (P037)?"
    )


# --- guides --------------------------------------------------------------------------------


def test_a_guide_uses_the_programmes_values(cli: Callable[..., Result], demo: Path) -> None:
    result = new(cli, demo, "guide", "Booking a room")
    assert result.exit_code == 0, result.output
    path = demo / "content/guides/booking-a-room.md"
    assert "note: guides have no draft setting" in result.output
    assert front_matter(path) == {"title": "Booking a room", "order": 100}
    assert check(cli, demo).exit_code == 0
    generate(demo, TODAY)
    page = (demo / "site_src/guides/booking-a-room.md").read_text(encoding="utf-8")
    assert "Switch Mentoring runs sessions of 60 minutes" in page.replace("\n", " ")
    assert "{{" not in page


def test_a_guide_that_replaces_a_built_in_one_says_so(
    cli: Callable[..., Result], demo: Path
) -> None:
    result = new(cli, demo, "guide", "FAQ")
    assert result.exit_code == 0
    assert "note: this guide replaces the built-in guide 'FAQ'" in result.output


@pytest.mark.parametrize("kind", ["story", "post", "guide"])
def test_each_kind_is_documented_in_the_help(cli: Callable[..., Result], kind: str) -> None:
    result = cli("new", kind, "--help")
    assert result.exit_code == 0
    assert "--today" in result.output and "--project" in result.output


@pytest.mark.build
def test_fresh_drafts_leave_the_build_clean(cli: Callable[..., Result], demo: Path) -> None:
    # A draft's title is private until it is published and the audit looks for it in the site:
    # the default titles must not be texts the portal shows anyway (a pair page's title).
    for args in (
        ("story", "--pair", "D3RF"),
        ("story", "--pair", "V5NE"),
        ("post", "--author", "P037"),
    ):
        assert new(cli, demo, *args).exit_code == 0
    result = cli("build", "--project", str(demo), "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "privacy audit clean" in result.output
    assert not (demo / "site/stories/the-story-of-callum-reid-and-alison-brooks.html").exists()


def test_a_file_that_appears_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    scaffold = Scaffold("post", "content/blog/news.md", "---\ntitle: News\n---\n", "a post", ())
    (tmp_path / "content/blog").mkdir(parents=True)
    (tmp_path / "content/blog/news.md").write_text("theirs", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        write_scaffold(tmp_path, scaffold)
    assert str(caught.value) == (
        "content/blog/news.md: --title: this file already exists and is never overwritten; "
        "choose another title with --title"
    )
    assert (tmp_path / "content/blog/news.md").read_text(encoding="utf-8") == "theirs"
