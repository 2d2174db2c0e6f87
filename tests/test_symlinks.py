"""No input under the project is read through a symbolic link.

A link in content/ could publish any file the build machine can read (a photo that is really
/etc/passwd), so every link between the project root and an input is an error naming it.
Tables named in programme.yaml may live outside the project, where links are the admin's
business; the project root itself may be reached through a link.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import load
from generator.errors import InputError
from generator.load import (
    check_inside,
    check_site_inputs,
    iter_files,
    iter_markdown,
    load_markdown,
    load_table,
)
from tests.scratch import PARTICIPANTS, PROGRAMME, run_check

NO_LINKS = "portal never reads files through links"
STORY = "---\ntitle: A story\n---\nBody\n"


def problems(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in error.value.problems]


def link_message(shown: str, target: Path | str, kind: str = "file") -> str:
    return (
        f"{shown}: this is a symbolic link (to {target}); {NO_LINKS}: copy the real {kind} "
        "here instead"
    )


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the project, where a link could point."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


# --- the helpers ---------------------------------------------------------------------


def test_photo_linked_to_etc_passwd_is_refused(scratch: Callable[..., Path]) -> None:
    root = scratch()
    people = root / "content" / "images" / "people"
    people.mkdir(parents=True)
    (people / "P002.png").write_bytes(b"\x89PNG real picture")
    (people / "P001.png").symlink_to("/etc/passwd")
    with pytest.raises(InputError) as error:
        iter_files(root / "content" / "images", root)
    assert problems(error) == [link_message("content/images/people/P001.png", "/etc/passwd")]


def test_every_link_in_a_folder_is_listed(scratch: Callable[..., Path], outside: Path) -> None:
    root = scratch()
    images = root / "content" / "images"
    (images / "stories").mkdir(parents=True)
    (images / "logo.svg").write_text("<svg/>")
    (images / "stories" / "b.jpg").symlink_to(outside / "missing.jpg")  # dangling
    (images / "people").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InputError) as error:
        iter_files(images, root)
    assert problems(error) == [
        link_message("content/images/people", outside, "folder"),
        link_message("content/images/stories/b.jpg", outside / "missing.jpg"),
    ]


def test_files_are_listed_in_order_without_links(scratch: Callable[..., Path]) -> None:
    root = scratch()
    images = root / "content" / "images"
    for name in ("people/b.png", "logo.svg", "people/a.png", "stories/x/y.jpg"):
        (images / name).parent.mkdir(parents=True, exist_ok=True)
        (images / name).write_bytes(b"x")
    assert [p.relative_to(images).as_posix() for p in iter_files(images, root)] == [
        "logo.svg",
        "people/a.png",
        "people/b.png",
        "stories/x/y.jpg",
    ]
    assert list(iter_files(root / "content" / "nothing-here", root)) == []


def test_a_linked_folder_on_the_way_is_named(scratch: Callable[..., Path], outside: Path) -> None:
    root = scratch()
    (outside / "stories").mkdir()
    (outside / "stories" / "a.md").write_text(STORY)
    (root / "content").symlink_to(outside, target_is_directory=True)
    path = root / "content" / "stories" / "a.md"
    with pytest.raises(InputError) as error:
        check_inside(root, path, "content/stories/a.md")
    assert problems(error) == [
        f"content/stories/a.md: content is a symbolic link (to {outside}); {NO_LINKS}: copy the "
        "real folder here instead"
    ]
    with pytest.raises(InputError):
        load_markdown(path, "content/stories/a.md", root=root)
    with pytest.raises(InputError):
        iter_markdown(root / "content" / "stories", root)


def test_a_linked_markdown_folder_is_refused(scratch: Callable[..., Path], outside: Path) -> None:
    root = scratch()
    (outside / "a.md").write_text(STORY)
    (root / "content").mkdir()
    (root / "content" / "blog").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InputError) as error:
        iter_markdown(root / "content" / "blog", root)
    assert problems(error) == [link_message("content/blog", outside, "folder")]


def test_template_override_and_theme_links_are_found(
    scratch: Callable[..., Path], outside: Path
) -> None:
    root = scratch()
    (outside / "pair.md.j2").write_text("{{ secrets }}")
    templates = root / "content" / "templates"
    templates.mkdir(parents=True)
    (templates / "pair.md.j2").symlink_to(outside / "pair.md.j2")
    (root / "theme" / "partials").mkdir(parents=True)
    (root / "theme" / "partials" / "footer.html").symlink_to("/etc/hostname")
    (root / "mkdocs.yml").symlink_to(outside / "mkdocs.yml")
    assert [str(p) for p in check_site_inputs(root)] == [
        link_message("mkdocs.yml", outside / "mkdocs.yml"),
        link_message("theme/partials/footer.html", "/etc/hostname"),
        link_message("content/templates/pair.md.j2", outside / "pair.md.j2"),
    ]


def test_site_inputs_without_links_are_fine(scratch: Callable[..., Path]) -> None:
    root = scratch()
    (root / "mkdocs.yml").write_text("site_name: x\n")
    (root / "theme").mkdir()
    (root / "theme" / "main.html").write_text("{% extends 'base.html' %}")
    assert check_site_inputs(root) == []


def test_a_link_made_after_the_check_is_still_not_followed(
    scratch: Callable[..., Path], outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Between checking a path and opening it, a folder may be swapped for a link: the file is
    # opened folder by folder with O_NOFOLLOW, so the swap is caught at the open itself.
    root = scratch()
    (outside / "participants.csv").write_text(PARTICIPANTS)
    shutil.rmtree(root / "data")
    (root / "data").symlink_to(outside, target_is_directory=True)
    monkeypatch.setattr(load, "check_inside", lambda *_args: None)
    with pytest.raises(InputError) as error:
        load_table(root / "data" / "participants.csv", "data/participants.csv", root=root)
    assert problems(error) == [
        "data/participants.csv: a symbolic link appeared on the way to this file as it was read"
    ]


def test_a_pipe_named_like_a_table_does_not_hang(scratch: Callable[..., Path]) -> None:
    root = scratch()
    (root / "data" / "participants.csv").unlink()
    os.mkfifo(root / "data" / "participants.csv")
    with pytest.raises(InputError) as error:
        load_table(root / "data" / "participants.csv", "data/participants.csv", root=root)
    assert problems(error) == [
        "data/participants.csv: this is not an ordinary file (a pipe or a device); name a file here"
    ]


# --- portal check --------------------------------------------------------------------


def test_linked_story_is_an_error(scratch: Callable[..., Path], outside: Path) -> None:
    root = scratch({"content/stories/real.md": STORY})
    (outside / "secret.md").write_text(STORY)
    (root / "content" / "stories" / "linked.md").symlink_to(outside / "secret.md")
    code, lines = run_check(root)
    assert lines[0] == link_message("content/stories/linked.md", outside / "secret.md")
    assert code == 2


def test_linked_programme_yaml_is_an_error(scratch: Callable[..., Path], outside: Path) -> None:
    root = scratch()
    (root / "programme.yaml").rename(outside / "programme.yaml")
    (root / "programme.yaml").symlink_to(outside / "programme.yaml")
    code, lines = run_check(root)
    assert lines[0] == link_message("programme.yaml", outside / "programme.yaml")
    assert code == 2


def test_linked_table_inside_the_project_is_an_error(
    scratch: Callable[..., Path], outside: Path
) -> None:
    root = scratch()
    (root / "data" / "participants.csv").rename(outside / "participants.csv")
    (root / "data" / "participants.csv").symlink_to(outside / "participants.csv")
    code, lines = run_check(root)
    assert lines[0] == link_message("data/participants.csv", outside / "participants.csv")
    assert code == 2


def test_linked_data_folder_inside_the_project_is_an_error(
    scratch: Callable[..., Path], outside: Path
) -> None:
    root = scratch()
    (root / "data").rename(outside / "data")
    (root / "data").symlink_to(outside / "data", target_is_directory=True)
    code, lines = run_check(root)
    message = f"data is a symbolic link (to {outside / 'data'}); {NO_LINKS}: copy the real folder here instead"
    assert lines[:4] == [
        f"data/pairs.csv: {message}",
        f"data/participants.csv: {message}",
        f"data/sessions.csv: {message}",
        f"data/surveys.csv: {message}",
    ]
    assert code == 2


def test_real_table_outside_the_project_is_read(
    scratch: Callable[..., Path], outside: Path
) -> None:
    hr = outside / "hr"
    hr.mkdir()
    (hr / "export.csv").write_text(PARTICIPANTS)
    # Outside the project a link is the admin's business: the export may be reached by one.
    (outside / "current.csv").symlink_to(hr / "export.csv")
    text = PROGRAMME.replace("data/participants.csv", str(outside / "current.csv"))
    root = scratch({"programme.yaml": text})
    (root / "data" / "participants.csv").unlink()
    code, lines = run_check(root)
    assert code == 0, lines
    relative = PROGRAMME.replace("data/participants.csv", "../outside/hr/export.csv")
    (root / "programme.yaml").write_text(relative)
    code, lines = run_check(root)
    assert code == 0, lines


def test_project_reached_through_a_link_is_fine(
    scratch: Callable[..., Path], tmp_path: Path
) -> None:
    root = scratch()
    (tmp_path / "shortcut").symlink_to(root, target_is_directory=True)
    code, lines = run_check(tmp_path / "shortcut")
    assert code == 0, lines


# --- portal check: every input is listed and read through the loader ----------------------


def test_check_refuses_a_linked_photo(scratch: Callable[..., Path]) -> None:
    root = scratch()
    (root / "content" / "images" / "people").mkdir(parents=True)
    (root / "content" / "images" / "people" / "P001.png").symlink_to("/etc/passwd")
    code, lines = run_check(root)
    assert lines[0] == link_message("content/images/people/P001.png", "/etc/passwd")
    assert code == 2


def test_check_refuses_a_linked_template_override(
    scratch: Callable[..., Path], outside: Path
) -> None:
    root = scratch()
    (outside / "pair.md.j2").write_text("{{ secrets }}")
    (root / "content" / "templates").mkdir(parents=True)
    (root / "content" / "templates" / "pair.md.j2").symlink_to(outside / "pair.md.j2")
    code, lines = run_check(root)
    assert lines[0] == link_message("content/templates/pair.md.j2", outside / "pair.md.j2")
    assert code == 2


def test_check_refuses_a_linked_blog_folder(scratch: Callable[..., Path], outside: Path) -> None:
    root = scratch()
    (outside / "post.md").write_text("---\ntitle: Hi\ndate: 2026-05-01\nauthors: [office]\n---\n")
    (root / "content").mkdir()
    (root / "content" / "blog").symlink_to(outside, target_is_directory=True)
    code, lines = run_check(root)
    assert lines[0] == link_message("content/blog", outside, "folder")
    assert code == 2
