"""Publishing: real bare repositories with the shipped deploy hooks, a real web server."""

from __future__ import annotations

import csv
import errno
import functools
import hashlib
import http.server
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result

import generator.publish as publishing
from generator.errors import PublishError
from generator.publish import (
    GIT_MISSING,
    MOVED_DURING_REPLACE,
    MOVED_TWICE,
    Changes,
    DeployError,
    Source,
    commit_message,
    display_remote,
    explain_git_failure,
    publish_site,
    redact,
    resolve_remote,
)
from tests.conftest import add_site_files
from tests.scratch import write_project

pytestmark = pytest.mark.publish

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-22"
PROGRAMME = "Switch Mentoring"
WITHDRAWN = ("P003", "Graham Pettigrew")  # named, on a pair page, in no story or post
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Other Publisher",
    "GIT_AUTHOR_EMAIL": "other@example.org",
    "GIT_COMMITTER_NAME": "Other Publisher",
    "GIT_COMMITTER_EMAIL": "other@example.org",
}


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own git configuration and identity out of every test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        for part in ("NAME", "EMAIL", "DATE"):
            monkeypatch.delenv(f"GIT_{role}_{part}", raising=False)


def git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run git as a test's own tool (with an identity); fail the test if git fails."""
    result = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env={**os.environ, **GIT_IDENTITY, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"git {' '.join(args)} failed: {result.stderr}"
    return result.stdout


@dataclass(frozen=True)
class Server:
    """An intranet server: a bare repository with the shipped hooks, and its web root."""

    bare: Path
    www: Path
    branch: str = "portal"

    @property
    def remote(self) -> str:
        """Return the remote as `portal publish` is given it."""
        return str(self.bare)

    def head(self) -> str | None:
        """Return the deploy branch's head, or None when it does not exist."""
        found = git("--git-dir", str(self.bare), "for-each-ref", f"refs/heads/{self.branch}")
        return found.split()[0] if found else None

    def commits(self) -> list[str]:
        """Return every commit reachable from the deploy branch, newest first."""
        return git("--git-dir", str(self.bare), "rev-list", self.branch).split()

    def files(self, rev: str | None = None) -> set[str]:
        """Return the paths held by a commit of the branch."""
        tree = git("--git-dir", str(self.bare), "ls-tree", "-r", "--name-only", rev or self.branch)
        return set(tree.split("\n")) - {""}

    def show(self, rev: str, path: str) -> bytes:
        """Return one file of a commit."""
        return subprocess.run(
            ["git", "--git-dir", str(self.bare), "show", f"{rev}:{path}"],
            capture_output=True,
            check=True,
        ).stdout

    def live(self) -> str:
        """Return where `current` points (the live release)."""
        return os.readlink(self.www / "current")

    def releases(self) -> list[str]:
        """Return every entry of releases/, hidden ones included."""
        return sorted(p.name for p in (self.www / "releases").iterdir())


def make_server(bare: Path, www: Path) -> Server:
    """Create a bare repository with deploy/pre-receive and deploy/post-receive installed."""
    git("init", "--quiet", "--bare", str(bare))
    for hook in ("pre-receive", "post-receive"):
        shutil.copy2(REPO / "deploy" / hook, bare / "hooks" / hook)
    git("--git-dir", str(bare), "config", "portal.webroot", str(www))
    return Server(bare, www)


@pytest.fixture
def server(tmp_path: Path) -> Server:
    """Return a fresh intranet server."""
    return make_server(tmp_path / "server" / "intranet.git", tmp_path / "server" / "www")


@pytest.fixture
def demo_site(built_demo: Path) -> Path:
    """Return the demo portal built once per session (never modified by a test)."""
    return built_demo / "site"


@pytest.fixture
def variant(tmp_path: Path, demo_site: Path) -> Callable[..., Path]:
    """Return a function copying the built demo with files replaced (text) or removed (None)."""

    def make(name: str, edits: dict[str, str | None]) -> Path:
        target = tmp_path / "sites" / name
        shutil.copytree(demo_site, target)
        for relative, text in edits.items():
            path = target / relative
            if text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
        return target

    return make


def site_files(site: Path) -> set[str]:
    """Return the paths of every file of a built site."""
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def publish_other_clone(server: Server, work: Path, page: str) -> str:
    """Publish from another person's clone with plain git: add one page, push; return the head."""
    clone = work / f"clone-{page}"
    git("clone", "--quiet", "--branch", server.branch, str(server.bare), str(clone))
    (clone / page).write_text("<p>published by someone else</p>\n", encoding="utf-8")
    git("add", page, cwd=clone)
    git("commit", "--quiet", "-m", f"Someone else adds {page}", cwd=clone)
    git("push", "--quiet", "origin", server.branch, cwd=clone)
    return git("rev-parse", "HEAD", cwd=clone).strip()


def race_pushes(
    monkeypatch: pytest.MonkeyPatch, server: Server, work: Path, races: int
) -> list[str]:
    """Make another person publish just before each of our next *races* push attempts."""
    real_push = publishing._push
    theirs: list[str] = []

    real_replace = publishing._push_replace

    def race() -> None:
        if len(theirs) < races:
            theirs.append(publish_other_clone(server, work, f"news-{len(theirs) + 1}.html"))

    def racing_push(
        repo: publishing._Repository, commit: str, branch: str, seen: str | None
    ) -> publishing._PushOutcome:
        race()
        return real_push(repo, commit, branch, seen)

    def racing_replace(
        repo: publishing._Repository,
        commit: str,
        branch: str,
        seen: str | None,
        only_request: bool = False,
    ) -> publishing._PushOutcome:
        race()
        return real_replace(repo, commit, branch, seen, only_request)

    monkeypatch.setattr(publishing, "_push", racing_push)
    monkeypatch.setattr(publishing, "_push_replace", racing_replace)
    return theirs


# --- what erasure must reach: every file and object on the server ---------------------------

CANARY = "Wilhelmina Quarrington-Vesey"  # a withdrawn participant's name, in no other file
LOOSE_OBJECT = re.compile(r"/[0-9a-f]{2}/[0-9a-f]{38}$")


@dataclass(frozen=True)
class Scan:
    """Where a canary was found on a server, and how much was searched."""

    files: int  # every file under the bare repository and the web root, read raw
    objects: int  # every git object, decompressed: packed and loose, quarantine folders too
    hits: tuple[str, ...]


def object_directories(bare: Path) -> list[Path]:
    """Return objects/ and every object folder inside it (quarantines of unfinished pushes)."""
    objects = bare / "objects"
    inner = [
        p
        for p in sorted(objects.iterdir())
        if p.is_dir()
        and p.name not in {"pack", "info"}
        and not re.fullmatch(r"[0-9a-f]{2}", p.name)
    ]
    return [objects, *inner]


def scan_server(server: Server, canary: bytes) -> Scan:
    """Look for *canary* in every file (raw, and inflated if a loose object) and every object."""
    hits: list[str] = []
    files = 0
    for top in (server.bare, server.www):
        if not top.exists():
            continue
        for folder, _dirs, names in os.walk(top):  # symlinks (`current`) are not followed
            for name in names:
                path = Path(folder) / name
                if path.is_symlink():
                    continue
                files += 1
                data = path.read_bytes()
                where = path.relative_to(top.parent).as_posix()
                if canary in data:
                    hits.append(where)
                if LOOSE_OBJECT.search(path.as_posix()) and canary in zlib.decompress(data):
                    hits.append(f"{where} (inflated)")
    objects = 0
    for directory in object_directories(server.bare):
        env = {**os.environ, "GIT_OBJECT_DIRECTORY": str(directory)}
        base = ["git", "--git-dir", str(server.bare), "cat-file", "--batch-all-objects"]
        listed = subprocess.run(
            [*base, "--batch-check=%(objectname)"], env=env, capture_output=True, check=True
        ).stdout.split()
        contents = subprocess.run(
            [*base, "--batch"], env=env, capture_output=True, check=True
        ).stdout
        objects += len(listed)
        if canary in contents:
            hits.append(f"an object in {directory.relative_to(server.bare.parent).as_posix()}")
    return Scan(files, objects, tuple(hits))


def has_object(server: Server, name: str) -> bool:
    """Tell whether the server's repository still stores an object."""
    found = subprocess.run(
        ["git", "--git-dir", str(server.bare), "cat-file", "-e", name], check=False
    )
    return found.returncode == 0


def plant_unreachable(server: Server, text: str) -> str:
    """Write an object that no ref reaches into the server's repository; return its id."""
    return (
        subprocess.run(
            ["git", "--git-dir", str(server.bare), "hash-object", "-w", "--stdin"],
            input=text.encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )


def plant_leftovers(server: Server, canary: str) -> None:
    """Leave what crashed pushes and deploys leave, each holding the canary."""
    bare, releases = server.bare, server.www / "releases"
    # A push killed before git accepted or refused its objects: its quarantine folder.
    quarantine = bare / "objects" / "tmp_objdir-incoming-Kq3x9Z"
    quarantine.mkdir()
    subprocess.run(
        ["git", "--git-dir", str(bare), "hash-object", "-w", "--stdin"],
        input=f"quarantined: {canary}".encode(),
        env={**os.environ, "GIT_OBJECT_DIRECTORY": str(quarantine)},
        capture_output=True,
        check=True,
    )
    # A pack kept by a receive that died (its .keep would stop gc from dropping it).
    blob = plant_unreachable(server, f"kept in a pack: {canary}")
    pack = (
        subprocess.run(
            [
                "git",
                "--git-dir",
                str(bare),
                "pack-objects",
                str(bare / "objects" / "pack" / "pack"),
            ],
            input=f"{blob}\n".encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    (bare / "objects" / "pack" / f"pack-{pack}.keep").write_text("receive-pack 4242 on intranet\n")
    git("--git-dir", str(bare), "prune-packed")
    # Files git leaves beside the refs, and a reflog.
    for name in ("FETCH_HEAD", "ORIG_HEAD"):
        (bare / name).write_text(f"0123456789abcdef0123456789abcdef01234567\t\t{canary}\n")
    reflog = bare / "logs" / "refs" / "heads" / "portal"
    reflog.parent.mkdir(parents=True, exist_ok=True)
    with reflog.open("a") as log:
        log.write(f"{'0' * 40} {'1' * 40} x <x@x> 1700000000 +0000\tpush: {canary}\n")
    # A deploy that died half-way: a staged folder, a half-made release, a temporary symlink.
    for folder in (f".staged-{'a' * 40}", ".staging-Xy12Ab34", "20200101T000000Z-deadbeefdead"):
        (releases / folder).mkdir(parents=True)
        (releases / folder / "index.html").write_text(f"<p>{canary}</p>\n")
    os.symlink("releases/20200101T000000Z-deadbeefdead", server.www / ".current-4242")


def refs(server: Server) -> list[str]:
    """Return every ref of the server's repository."""
    return git("--git-dir", str(server.bare), "for-each-ref", "--format=%(refname)").split()


def redeploy(server: Server) -> subprocess.CompletedProcess[str]:
    """Run `hooks/post-receive --redeploy` as the administrator would."""
    return subprocess.run(
        [str(server.bare / "hooks" / "post-receive"), "--redeploy"],
        cwd=server.bare,
        env={**os.environ, "GIT_DIR": "."},
        capture_output=True,
        text=True,
        check=False,
    )


def break_ln(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Make the server's `ln` fail (a full disk) until the returned function is called."""
    broken = tmp_path / "broken-bin"
    broken.mkdir(exist_ok=True)
    (broken / "ln").write_text("#!/bin/sh\necho 'ln: No space left on device' >&2\nexit 1\n")
    (broken / "ln").chmod(0o755)
    path = os.environ["PATH"]
    monkeypatch.setenv("PATH", f"{broken}{os.pathsep}{path}")
    return lambda: monkeypatch.setenv("PATH", path)


# --- publishing through publish_site, on the demo built once -------------------------------


def test_first_publish_commits_the_site_and_the_hook_makes_it_live(
    server: Server, demo_site: Path
) -> None:
    messages: list[str] = []
    done = publish_site(
        demo_site, server.remote, source=Source(PROGRAMME, "abc123", True), progress=messages.append
    )

    assert done.pushed and done.previous is None and not done.retried
    assert server.commits() == [done.commit]
    assert server.files() == site_files(demo_site)
    body = git("--git-dir", str(server.bare), "log", "-1", "--format=%an <%ae>%n%B", "portal")
    assert body.startswith("portal <portal@localhost>\nPublish Switch Mentoring: 57 pages added")
    assert "Source: abc123 (with uncommitted changes)" in body
    assert "+ about.html" in body
    assert done.commit is not None
    assert server.live() == f"releases/{server.releases()[0]}"
    assert server.live().endswith(done.commit[:12])
    live = server.www / "current"
    assert (live / "index.html").read_bytes() == (demo_site / "index.html").read_bytes()
    assert site_files(live) == site_files(demo_site)
    assert any("live site is now release" in m for m in messages)


def test_a_second_publish_with_one_change_adds_exactly_one_commit(
    server: Server, demo_site: Path, variant: Callable[..., Path]
) -> None:
    first = publish_site(demo_site, server.remote)
    changed = variant("changed", {"about.html": "<h1>About, rewritten</h1>\n"})

    second = publish_site(changed, server.remote, message="Rewrite the about page")

    assert server.commits() == [second.commit, first.commit]
    assert second.previous == first.commit
    assert second.changes == Changes(changed=("about.html",))
    diff = git("--git-dir", str(server.bare), "diff", "--name-only", "portal~1", "portal")
    assert diff == "about.html\n"
    subject = git("--git-dir", str(server.bare), "log", "-1", "--format=%B", "portal")
    assert subject.startswith(
        "Rewrite the about page\n\nPublish the portal: 0 pages added, 1 changed, 0 removed\n"
    )
    assert "\n~ about.html\n" in subject
    assert (server.www / "current" / "about.html").read_text() == "<h1>About, rewritten</h1>\n"
    assert len([r for r in server.releases() if not r.startswith(".")]) == 2

    again = publish_site(changed, server.remote)
    assert not again.pushed and again.changes == Changes()
    assert server.commits() == [second.commit, first.commit]


def test_dry_run_lists_pages_added_changed_removed_and_pushes_nothing(
    server: Server, demo_site: Path, variant: Callable[..., Path]
) -> None:
    first = publish_site(demo_site, server.remote)
    live = server.live()
    edited = variant(
        "edited",
        {"new-page.html": "<p>new</p>", "about.html": "<p>changed</p>", "tags.html": None},
    )

    plan = publish_site(edited, server.remote, dry_run=True)

    assert plan.dry_run and not plan.pushed
    assert plan.changes == Changes(("new-page.html",), ("about.html",), ("tags.html",))
    assert plan.changes.listing() == ["+ new-page.html", "~ about.html", "- tags.html"]
    assert plan.changes.summary() == "1 page added, 1 changed, 1 removed"
    assert server.commits() == [first.commit]
    assert server.live() == live


def test_a_concurrent_publish_from_another_clone_is_kept_and_ours_lands_on_top(
    server: Server,
    demo_site: Path,
    variant: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = publish_site(demo_site, server.remote)
    ours = variant("ours", {"about.html": "<p>our about page</p>"})
    theirs = race_pushes(monkeypatch, server, tmp_path, races=1)

    done = publish_site(ours, server.remote)

    assert done.retried
    assert server.commits() == [done.commit, theirs[0], first.commit]
    assert done.previous == theirs[0]
    assert server.files() == site_files(ours)  # the final content is the newest full build
    assert "news-1.html" in server.files(theirs[0])  # and their deploy stays in the history
    assert done.changes == Changes(changed=("about.html",), removed=("news-1.html",))
    assert done.commit is not None and server.live().endswith(done.commit[:12])
    assert (server.www / "current" / "about.html").read_text() == "<p>our about page</p>"


def test_a_branch_that_moves_twice_fails_and_keeps_the_other_deploys(
    server: Server,
    demo_site: Path,
    variant: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = publish_site(demo_site, server.remote)
    theirs = race_pushes(monkeypatch, server, tmp_path, races=2)

    with pytest.raises(PublishError) as failed:
        publish_site(variant("ours", {"about.html": "<p>ours</p>"}), server.remote)

    assert str(failed.value) == MOVED_TWICE
    assert server.commits() == [theirs[1], theirs[0], first.commit]
    assert server.live().endswith(theirs[1][:12])


def test_replace_never_forces_over_a_deploy_it_has_not_seen(
    server: Server,
    demo_site: Path,
    variant: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = publish_site(demo_site, server.remote)
    theirs = race_pushes(monkeypatch, server, tmp_path, races=1)

    with pytest.raises(PublishError) as failed:
        publish_site(variant("ours", {"about.html": "x"}), server.remote, history="replace")

    assert str(failed.value) == MOVED_DURING_REPLACE
    assert server.commits() == [theirs[0], first.commit]


def test_replace_leaves_one_orphan_commit_one_release_and_no_old_objects(
    server: Server, demo_site: Path, variant: Callable[..., Path]
) -> None:
    first = publish_site(demo_site, server.remote)
    second = publish_site(variant("v2", {"about.html": "<p>v2</p>"}), server.remote)
    final = variant("v3", {"about.html": "<p>v3</p>"})

    replaced = publish_site(final, server.remote, history="replace")

    assert replaced.previous == second.commit
    assert server.commits() == [replaced.commit]
    parents = git("--git-dir", str(server.bare), "rev-list", "--parents", "-n1", "portal").split()
    assert parents == [replaced.commit]
    assert server.files() == site_files(final)
    assert server.releases() == [server.live().removeprefix("releases/")]
    for old in (first.commit, second.commit):
        assert old is not None
        missing = subprocess.run(
            ["git", "--git-dir", str(server.bare), "cat-file", "-e", old], check=False
        )
        assert missing.returncode != 0, "the replaced commits were pruned from the server"
    # Replacing again with the same site changes nothing; keep adds on top of the orphan.
    assert not publish_site(final, server.remote, history="replace").pushed
    after = publish_site(variant("v4", {"about.html": "<p>v4</p>"}), server.remote)
    assert server.commits() == [after.commit, replaced.commit]


def test_a_deploy_hook_rejection_leaves_the_branch_and_the_live_site_as_they_were(
    server: Server, demo_site: Path, variant: Callable[..., Path]
) -> None:
    first = publish_site(demo_site, server.remote)
    live, releases = server.live(), server.releases()
    leaky = variant("leaky", {"data/people.csv": "id,name\nP1,Someone\n"})

    with pytest.raises(PublishError) as failed:
        publish_site(leaky, server.remote)

    assert str(failed.value) == (
        "the server's deploy hook rejected the push: the site contains data files "
        "(data/people.csv); only an audited portal build may be deployed"
    )
    assert server.commits() == [first.commit]
    assert (server.live(), server.releases()) == (live, releases)
    assert not (server.www / "current" / "data").exists()


def test_a_failing_switch_on_the_server_leaves_the_live_release_until_redeployed(
    server: Server,
    demo_site: Path,
    variant: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish_site(demo_site, server.remote)
    live, releases = server.live(), server.releases()
    broken = tmp_path / "broken-bin"
    broken.mkdir()
    (broken / "ln").write_text("#!/bin/sh\necho 'ln: No space left on device' >&2\nexit 1\n")
    (broken / "ln").chmod(0o755)
    path = os.environ["PATH"]
    monkeypatch.setenv("PATH", f"{broken}{os.pathsep}{path}")

    with pytest.raises(DeployError) as failed:
        publish_site(variant("new", {"about.html": "<p>new</p>"}), server.remote)

    assert "reached the remote, but the server's deploy hook failed: could not create" in str(
        failed.value
    )
    assert (server.live(), server.releases()) == (live, releases)
    assert (server.www / "current" / "about.html").read_bytes() == (
        demo_site / "about.html"
    ).read_bytes()
    assert not list(server.www.glob(".current-*"))

    monkeypatch.setenv("PATH", path)
    subprocess.run(
        [str(server.bare / "hooks" / "post-receive"), "--redeploy"],
        cwd=server.bare,
        env={**os.environ, "GIT_DIR": "."},
        capture_output=True,
        check=True,
    )
    head = server.head()
    assert head is not None and server.live().endswith(head[:12])
    assert (server.www / "current" / "about.html").read_text() == "<p>new</p>"


def test_the_publisher_is_named_and_other_branches_are_never_deployed(
    server: Server, demo_site: Path, variant: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_site(demo_site, server.remote)
    live = server.live()
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Casey Comms")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "casey@example.org")

    done = publish_site(variant("draft", {"about.html": "<p>draft</p>"}), server.remote, "review/x")

    assert done.pushed and done.previous is None
    author = git("--git-dir", str(server.bare), "log", "-1", "--format=%an <%ae> / %cn", "review/x")
    assert author == "Casey Comms <casey@example.org> / portal\n"
    assert server.live() == live, "only the configured deploy branch goes live"
    with pytest.raises(PublishError, match=re.escape("'bad..name' is not a valid branch name")):
        publish_site(demo_site, server.remote, "bad..name")


def test_the_live_directory_served_over_http_shows_the_portal(
    server: Server, demo_site: Path
) -> None:
    publish_site(demo_site, server.remote)

    with serve(server.www / "current") as base:
        with urllib.request.urlopen(f"{base}/index.html", timeout=10) as response:
            home = response.read().decode("utf-8")
            status = response.status
        with urllib.request.urlopen(f"{base}/pairs/index.html", timeout=10) as response:
            pairs = response.read().decode("utf-8")

    assert status == 200
    assert f"<title>{PROGRAMME}</title>" in home or PROGRAMME in home
    assert "Pairs" in pairs


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve *directory* on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


# --- failures before anything is pushed -----------------------------------------------------


def test_an_unreachable_remote_fails_with_exit_4_before_building(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    project = write_project(tmp_path / "project")
    missing = tmp_path / "no-such-server.git"

    result = cli("publish", "--project", str(project), "--remote", str(missing), "--today", TODAY)

    assert result.exit_code == 4
    assert result.stderr.splitlines()[-2:] == [
        f"publish failed: could not reach the remote {missing} "
        f"(git said: '{missing}' does not appear to be a git repository)",
        "The remote was left as it was.",
    ]
    assert not (project / "site_src").exists(), "nothing was generated or built"


def test_missing_git_fails_with_exit_4(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write_project(tmp_path / "project")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    result = cli("publish", "--project", str(project), "--remote", str(tmp_path / "x.git"))

    assert result.exit_code == 4
    assert result.stderr.splitlines()[-2:] == [
        f"publish failed: {GIT_MISSING}",
        "The remote was left as it was.",
    ]


def test_a_refused_login_is_one_clear_line(
    demo_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ssh = tmp_path / "fake-ssh"
    ssh.write_text("#!/bin/sh\necho 'git@intranet: Permission denied (publickey).' >&2\nexit 255\n")
    ssh.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(ssh))
    remote = "ssh://git@intranet.example/srv/git/portal.git"

    with pytest.raises(PublishError) as failed:
        publish_site(demo_site, remote)

    assert str(failed.value) == (
        f"the remote refused the login or access for {remote}; check your credentials, SSH key "
        "and rights on it (git said: git@intranet: Permission denied (publickey).)"
    )


def test_a_folder_that_is_not_a_built_site_is_never_pushed(server: Server, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(PublishError, match="holds no built site"):
        publish_site(tmp_path / "empty", server.remote)
    assert server.head() is None


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (
            "fatal: Authentication failed for 'https://intranet.example/portal.git/'\n",
            "the remote refused the login or access for R; check your credentials, SSH key and "
            "rights on it (git said: Authentication failed for 'https://intranet.example/portal.git/')",
        ),
        (
            "fatal: unable to access 'https://intranet.example/portal.git/': Could not resolve "
            "host: intranet.example\n",
            "could not reach the remote R (git said: unable to access "
            "'https://intranet.example/portal.git/': Could not resolve host: intranet.example)",
        ),
        (
            "ssh: connect to host intranet port 22: Connection refused\n"
            "fatal: Could not read from remote repository.\n\nPlease make sure you have the "
            "correct access rights\nand the repository exists.\n",
            "could not reach the remote R (git said: ssh: connect to host intranet port 22: "
            "Connection refused)",
        ),
        ("fatal: bad object abc\n", "git failed: bad object abc"),
    ],
)
def test_git_failures_become_one_line_messages(stderr: str, expected: str) -> None:
    assert explain_git_failure(stderr, "R") == expected


def test_remotes_are_resolved_and_shown_without_secrets(tmp_path: Path) -> None:
    assert resolve_remote("../deploy.git", tmp_path / "project", from_config=True) == str(
        tmp_path / "deploy.git"
    )
    assert resolve_remote("git@intranet:portal.git", tmp_path) == "git@intranet:portal.git"
    assert resolve_remote("ssh://intranet/portal.git", tmp_path) == "ssh://intranet/portal.git"
    assert display_remote("https://bot:s3cret@intranet.example/portal.git") == (
        "https://***@intranet.example/portal.git"
    )
    with pytest.raises(
        PublishError, match=r"set publish\.remote in programme\.yaml or pass --remote"
    ):
        resolve_remote("", tmp_path)


def test_long_lists_of_pages_are_cut_in_the_commit_message() -> None:
    pages = tuple(f"pairs/p{n:03}.html" for n in range(25))
    text = commit_message(Source(PROGRAMME), Changes(added=(*pages, "search/x.json")), "replace")
    lines = text.splitlines()
    assert lines[0] == (
        "Publish Switch Mentoring: 25 pages added, 0 changed, 0 removed; 1 other file too"
    )
    assert "Source: not a git repository" in lines
    assert "+ pairs/p019.html" in lines and "+ pairs/p020.html" not in lines
    assert lines[-1] == "+ … and 5 more"


# --- end to end, through `portal publish` ----------------------------------------------------


def snapshot(repo: Path) -> dict[str, object]:
    """Record everything publishing must not touch in the user's repository."""
    git_files = {
        p.relative_to(repo).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((repo / ".git").rglob("*"))
        if p.is_file()
    }
    return {
        "status": git("status", "--porcelain=v2", "--branch", "--untracked-files=all", cwd=repo),
        "head": git("rev-parse", "HEAD", cwd=repo),
        "refs": git("for-each-ref", cwd=repo),
        "stash": git("stash", "list", cwd=repo),
        "index": hashlib.sha256((repo / ".git" / "index").read_bytes()).hexdigest(),
        "git files": git_files,
        "worktree": {
            p.relative_to(repo).as_posix(): p.read_bytes()
            for p in sorted(repo.rglob("*"))
            if p.is_file() and ".git" not in p.parts and p.parts[len(repo.parts)] not in OUTPUTS
        },
    }


# What portal makes: the site, its sources, and its own working files (which git ignores).
OUTPUTS = {"site", "site_src", ".portal"}


def test_portal_publish_leaves_the_users_repository_exactly_as_it_was(
    cli: Callable[..., Result], server: Server, tmp_path: Path
) -> None:
    project = write_project(tmp_path / "project")
    shutil.copy2(REPO / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(REPO / "theme", project / "theme")
    (project / ".gitignore").write_text("/site/\n/site_src/\n", encoding="utf-8")
    git("init", "--quiet", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "--quiet", "-m", "Programme", cwd=project)
    git("branch", "cohort-2", cwd=project)
    (project / "notes.txt").write_text("stashed\n", encoding="utf-8")
    git("stash", "push", "--quiet", "--include-untracked", cwd=project)
    (project / "data" / "sessions.csv").write_text(
        (project / "data" / "sessions.csv").read_text() + "K2,2026-03-17,45,held,Intro,4,5\n"
    )
    git("add", "data/sessions.csv", cwd=project)  # a staged change
    (project / "draft.md").write_text("untracked\n", encoding="utf-8")
    head = git("rev-parse", "HEAD", cwd=project).strip()
    before = snapshot(project)

    plan = cli(
        "publish",
        "--project",
        str(project),
        "--remote",
        server.remote,
        "--dry-run",
        "--today",
        TODAY,
    )
    done = cli(
        "publish",
        "--project",
        str(project),
        "--remote",
        server.remote,
        "--today",
        TODAY,
        "-m",
        "First publish",
    )

    assert plan.exit_code == 0, plan.output
    assert plan.stdout.startswith(
        f"dry run: publishing to {server.remote} branch portal would mean 18 pages added, "
        "0 changed, 0 removed; "
    )
    assert "  + pairs/index.html\n" in plan.stdout
    assert done.exit_code == 0, done.output
    commit = server.head()
    assert commit is not None
    assert done.stdout.startswith(
        f"published 18 pages to {server.remote} branch portal as commit {commit[:12]}: "
        "18 pages added, 0 changed, 0 removed"
    )
    for step in ("fetching branch portal", "pushing", "remote: portal-deploy: live site is now"):
        assert step in done.stderr
    message = git("--git-dir", str(server.bare), "log", "-1", "--format=%B", "portal")
    assert message.startswith("First publish\n\nPublish Test Mentoring: 18 pages added")
    assert f"Source: {head} (with uncommitted changes)" in message
    assert snapshot(project) == before


def set_consent(participants: Path, person: str, consent: str) -> None:
    """Rewrite one participant's consent in a participants table."""
    with participants.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    fields = list(rows[0])
    for row in rows:
        if row["id"] == person:
            row["consent"] = consent
    out = io.StringIO()
    writer = csv.DictWriter(out, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    participants.write_text(out.getvalue(), encoding="utf-8")


def test_after_consent_is_withdrawn_replace_removes_the_person_from_every_commit(
    cli: Callable[..., Result], demo: Path, tmp_path: Path
) -> None:
    person, name = WITHDRAWN
    # programme.yaml says publish.remote: ../switch-deploy.git (relative to the project).
    server = make_server(demo.parent / "switch-deploy.git", tmp_path / "www")
    first = cli("publish", "--project", str(demo), "--today", TODAY)
    assert first.exit_code == 0, first.output
    assert "pairs/c1-2025.html" in git("--git-dir", str(server.bare), "grep", "-l", name, "portal")
    assert name in (server.www / "current" / "pairs" / "c1-2025.html").read_text()

    set_consent(demo / "content" / "data" / "participants.csv", person, "none")
    result = cli(
        "publish",
        "--project",
        str(demo),
        "--today",
        TODAY,
        "--history",
        "replace",
        "-m",
        "Remove a withdrawn participant",
    )

    assert result.exit_code == 0, result.output
    commits = server.commits()
    assert len(commits) == 1
    for commit in commits:
        found = subprocess.run(
            ["git", "--git-dir", str(server.bare), "grep", "-i", "-l", name, commit],
            capture_output=True,
            text=True,
            check=False,
        )
        assert found.returncode == 1 and found.stdout == ""
    history = git("--git-dir", str(server.bare), "log", "-p", "--format=%H%n%B", "portal")
    assert name not in history
    every_object = subprocess.run(
        ["git", "--git-dir", str(server.bare), "cat-file", "--batch-all-objects", "--batch"],
        capture_output=True,
        check=True,
    ).stdout
    assert name.encode() not in every_object, "no object on the server still holds the name"
    on_disk = [p for p in server.www.rglob("*") if p.is_file() and name.encode() in p.read_bytes()]
    assert on_disk == [], "no release on the server still holds the name"
    assert "remote: portal-deploy: purged: the repository holds only" in result.stderr
    assert result.stdout.rstrip().endswith("; the server purged all older history")
    assert scan_server(server, name.encode()).hits == ()

    # Publishing the same again in replace mode makes no commit, but still purges and verifies.
    stray = plant_unreachable(server, f"{name} in an object an interrupted push left behind")
    again = cli("publish", "--project", str(demo), "--today", TODAY, "--history", "replace")

    assert again.exit_code == 0, again.output
    assert again.stdout == (
        f"nothing to publish: {server.remote} branch portal already holds this site; "
        "the server purged all older history again\n"
    )
    assert server.commits() == commits
    assert not has_object(server, stray)
    assert scan_server(server, name.encode()).hits == ()


# --- withdrawn consent: replace leaves the name nowhere on the server ----------------------


def named_and_withdrawn(variant: Callable[..., Path]) -> tuple[Path, Path]:
    """Return the demo with a person named on two pages, and the demo after they withdrew."""
    named = variant(
        "named",
        {
            "pairs/withdrawn.html": f"<h1>{CANARY} and a mentor</h1>\n",
            "about.html": f"<h1>About</h1><p>{CANARY} mentors the director.</p>\n",
        },
    )
    withdrawn = variant("withdrawn", {"about.html": "<h1>About</h1>\n"})
    return named, withdrawn


def test_replace_erases_a_name_from_every_file_object_and_release_after_failed_deploys(
    server: Server,
    variant: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    git("--git-dir", str(server.bare), "config", "core.logAllRefUpdates", "true")  # reflogs on
    named, withdrawn = named_and_withdrawn(variant)
    publish_site(named, server.remote)
    # A deploy whose switch failed: the branch moved, the live site did not.
    repair = break_ln(tmp_path, monkeypatch)
    with pytest.raises(DeployError):
        publish_site(
            variant("named-2", {"pairs/withdrawn.html": f"<p>{CANARY}, session 2</p>"}),
            server.remote,
        )
    repair()
    # A push the hook refused after git had received its objects.
    with pytest.raises(PublishError, match="data files"):
        publish_site(
            variant("leaky", {"data/people.csv": f"id,name\nP1,{CANARY}\n"}), server.remote
        )
    assert redeploy(server).returncode == 0
    # Another branch of the same site, and what crashed pushes and deploys leave behind.
    publish_site(named, server.remote, "review/withdrawn")
    plant_leftovers(server, CANARY)
    before = scan_server(server, CANARY.encode())
    assert len(before.hits) >= 12, before.hits  # the scan does find every kind of leftover
    messages: list[str] = []

    done = publish_site(withdrawn, server.remote, history="replace", progress=messages.append)

    assert done.pushed and done.purged
    assert server.commits() == [done.commit]
    assert refs(server) == ["refs/heads/portal"]
    after = scan_server(server, CANARY.encode())
    assert after.hits == ()
    reachable = git("--git-dir", str(server.bare), "rev-list", "--objects", "portal").splitlines()
    assert after.objects == len(reachable) > 100, "every stored object is one of the live site's"
    assert after.files > len(site_files(withdrawn))  # the live release, and the repository
    assert server.releases() == [server.live().removeprefix("releases/")]
    assert (server.www / "current" / "about.html").read_text() == "<h1>About</h1>\n"
    assert not (server.bare / "logs").exists()
    assert not list(server.www.glob(".current-*"))
    purged = [m for m in messages if "portal-deploy: purged:" in m]
    assert purged and "deleted 5 other release folder(s), 1 other ref(s)" in purged[0], messages


def test_a_second_replace_with_nothing_new_still_purges_and_verifies(
    server: Server, demo_site: Path
) -> None:
    first = publish_site(demo_site, server.remote, history="replace")
    stray = plant_unreachable(server, f"{CANARY}, left by an interrupted push")
    staged = server.www / "releases" / f".staged-{'b' * 40}"
    staged.mkdir()
    (staged / "index.html").write_text(f"<p>{CANARY}</p>")
    assert has_object(server, stray)
    messages: list[str] = []

    again = publish_site(demo_site, server.remote, history="replace", progress=messages.append)

    assert (again.pushed, again.purged, again.commit) == (False, True, None)
    assert server.commits() == [first.commit]
    assert not has_object(server, stray)
    assert scan_server(server, CANARY.encode()).hits == ()
    assert refs(server) == ["refs/heads/portal"], "the replace request is gone once done"
    assert server.releases() == [server.live().removeprefix("releases/")]
    assert any("portal-deploy: purged:" in m for m in messages)
    assert any("already holds this site as its whole history" in m for m in messages)


def test_a_replace_whose_deploy_failed_stays_asked_for_until_redeployed(
    server: Server,
    variant: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    named, withdrawn = named_and_withdrawn(variant)
    publish_site(named, server.remote)
    repair = break_ln(tmp_path, monkeypatch)

    with pytest.raises(DeployError, match="deploy hook failed: could not create the symlink"):
        publish_site(withdrawn, server.remote, history="replace")

    head = server.head()
    assert (
        head is not None
        and git("--git-dir", str(server.bare), "rev-parse", "refs/portal/replace").strip() == head
    )
    assert scan_server(server, CANARY.encode()).hits, "nothing was purged yet: the site is old"
    repair()
    fixed = redeploy(server)
    assert fixed.returncode == 0, fixed.stderr
    assert "portal-deploy: purged:" in fixed.stderr
    assert server.live().endswith(head[:12])
    assert refs(server) == ["refs/heads/portal"]
    assert scan_server(server, CANARY.encode()).hits == ()


def test_replace_fails_loudly_when_the_server_does_not_purge(
    server: Server, demo_site: Path, variant: Callable[..., Path]
) -> None:
    publish_site(demo_site, server.remote)
    git("--git-dir", str(server.bare), "config", "portal.purge", "false")

    with pytest.raises(DeployError) as failed:
        publish_site(variant("v2", {"about.html": "<p>v2</p>"}), server.remote, history="replace")

    assert "is the remote's whole history now, but the server did not confirm that it purged" in (
        str(failed.value)
    )
    with pytest.raises(PublishError, match="only the deploy branch"):
        publish_site(demo_site, server.remote, "review/x", history="replace")
    assert "refs/heads/review/x" not in refs(server)


# --- hygiene: credentials, cancelling, a full disk ------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://bot:s3cret@intranet.example/p.git", "https://***@intranet.example/p.git"),
        ("https://ghp_T0KEN@intranet.example/p.git", "https://***@intranet.example/p.git"),
        ("ssh://deploy:pa55@intranet:2222/srv/p.git", "ssh://***@intranet:2222/srv/p.git"),
        ("ssh://git@intranet/srv/p.git", "ssh://git@intranet/srv/p.git"),
        ("git@intranet:srv/p.git", "git@intranet:srv/p.git"),
        ("file://me:pw@localhost/srv/p.git", "file://***@localhost/srv/p.git"),
        (
            "fatal: unable to access 'https://u:p@ss@host/p.git/': Failed to connect",
            "fatal: unable to access 'https://***@host/p.git/': Failed to connect",
        ),
        ("see https://host/a@b and x://y", "see https://host/a@b and x://y"),
    ],
)
def test_credentials_in_urls_are_redacted(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_credentials_never_reach_the_output_or_the_commit(
    cli: Callable[..., Result], server: Server, tmp_path: Path
) -> None:
    project = add_site_files(write_project(tmp_path / "project"))
    unreachable = "https://bot:s3cret-T0KEN@127.0.0.1:9/portal.git"
    local = f"file://bot:s3cret-T0KEN@localhost{server.bare}"

    refused = cli("publish", "--project", str(project), "--remote", unreachable, "--today", TODAY)
    done = cli("publish", "--project", str(project), "--remote", local, "--today", TODAY)

    assert refused.exit_code == 4, refused.output
    assert refused.stderr.splitlines()[-2].startswith(
        "publish failed: could not reach the remote https://***@127.0.0.1:9/portal.git (git said:"
    )
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(
        f"published 18 pages to file://***@localhost{server.bare} branch portal as commit"
    )
    log = git("--git-dir", str(server.bare), "log", "--format=%H%n%B", "portal")
    for text in (refused.stdout, refused.stderr, done.stdout, done.stderr, log):
        assert "s3cret" not in text and "T0KEN" not in text
    assert "git said" in explain_git_failure(
        "fatal: Authentication failed for 'https://bot:s3cret@intranet/p.git/'\n", "R"
    )
    assert "s3cret" not in explain_git_failure(
        "fatal: Authentication failed for 'https://bot:s3cret@intranet/p.git/'\n", "R"
    )


SLOW_HOOK = """#!/bin/sh
# Test wrapper: say that the push has reached the server, then take a long time to check it.
echo $$ > "{started}"
sleep 60
exec "$(dirname -- "$0")/post-receive" --check
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_cancelled_publish_cleans_up_says_cancelled_and_exits_130(
    server: Server, demo_site: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    first = publish_site(demo_site, server.remote)
    live = server.live()
    started = tmp_path / "hook-started"
    hook = server.bare / "hooks" / "pre-receive"
    hook.write_text(SLOW_HOOK.format(started=started))
    project = add_site_files(write_project(tmp_path / "project"))
    temp = tmp_path / "tmpdir"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "generator", "publish", "--project", str(project)]
    command += ["--remote", server.remote, "--today", TODAY]

    with subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as portal:
        deadline = time.monotonic() + 120
        while not started.exists() and portal.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert started.exists(), "the push never reached the server's hook"
        assert list(temp.iterdir()), "the temporary folders exist while publishing"
        portal.send_signal(sig)
        out, err = portal.communicate(timeout=60)

    assert portal.returncode == 130, err
    assert err.splitlines()[-1] == (
        "cancelled: nothing was published (the push was stopped; branch portal of the remote "
        "is as it was)"
    )
    assert "rejected" not in err and out == ""
    assert list(temp.iterdir()) == [], "no temporary folder or repository is left"
    assert server.head() == first.commit and server.live() == live
    hook_pid = int(started.read_text())
    deadline = time.monotonic() + 10
    while Path(f"/proc/{hook_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{hook_pid}").exists(), "the server's hook was stopped too"
    assert not [p for p in (server.www / "releases").iterdir() if p.name.startswith(".")]


def test_cancelling_before_the_push_exits_130_with_nothing_published(
    cli: Callable[..., Result],
    server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = add_site_files(write_project(tmp_path / "project"))

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(publishing, "build", interrupted)
    result = cli("publish", "--project", str(project), "--remote", server.remote, "--today", TODAY)

    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == "cancelled: nothing was published"
    assert server.head() is None


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (
            "error: unable to write file .git/objects/ab/cdef: No space left on device\n"
            "fatal: unable to write new index file\n",
            "the disk is full (git said: unable to write file .git/objects/ab/cdef: No space left "
            "on device); nothing was pushed: free some space (or point TMPDIR at a disk with "
            "room) and publish again",
        ),
        (
            "remote: fatal: write error: No space left on device\n"
            "error: remote unpack failed: unpack-objects abnormal exit\n",
            "the server's disk is full, so the push was refused (it said: write error: No space "
            "left on device); ask its administrator to free some space",
        ),
    ],
)
def test_a_full_disk_in_git_is_one_line_saying_so(stderr: str, expected: str) -> None:
    assert explain_git_failure(stderr, "R") == expected


def test_a_full_server_disk_during_the_push_is_reported_as_such() -> None:
    result = subprocess.CompletedProcess(
        ["git", "push"],
        1,
        "To /srv/git/portal.git\n!\tabc:refs/heads/portal\t[remote rejected] (unpacker error)\n",
        "remote: fatal: write error: No space left on device\n"
        "error: remote unpack failed: unpack-objects abnormal exit\n",
    )
    with pytest.raises(PublishError) as failed:
        publishing._read_push(result, "refs/heads/portal", "R")
    assert str(failed.value).startswith("the server's disk is full, so the push was refused")


def test_a_full_disk_while_writing_is_exit_4_and_one_line(
    cli: Callable[..., Result],
    server: Server,
    demo_site: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = add_site_files(write_project(tmp_path / "project"))
    full = OSError(errno.ENOSPC, "No space left on device", "/tmp/portal-publish-x/site/a.html")

    def no_space(*_args: object, **_kwargs: object) -> None:
        raise full

    monkeypatch.setattr(publishing, "build", no_space)
    result = cli("publish", "--project", str(project), "--remote", server.remote, "--today", TODAY)

    assert result.exit_code == 4
    assert result.stderr.splitlines()[-2:] == [
        "publish failed: the disk is full (no space left on device writing "
        "/tmp/portal-publish-x/site/a.html); nothing was pushed: free some space (or point "
        "TMPDIR at a disk with room) and publish again",
        "The remote was left as it was.",
    ]
    monkeypatch.setattr(publishing._Repository, "tree_of", no_space)
    with pytest.raises(PublishError, match=r"^the disk is full \(no space left on device"):
        publish_site(demo_site, server.remote)
    assert server.head() is None


def test_a_purge_that_cannot_verify_fails_and_stays_asked_for(
    server: Server, demo_site: Path, tmp_path: Path
) -> None:
    # An object store the repository borrows from (alternates) is beyond the purge's reach.
    borrowed = tmp_path / "borrowed.git"
    git("init", "--quiet", "--bare", str(borrowed))
    stray = (
        subprocess.run(
            ["git", "--git-dir", str(borrowed), "hash-object", "-w", "--stdin"],
            input=CANARY.encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    (server.bare / "objects" / "info" / "alternates").write_text(f"{borrowed / 'objects'}\n")

    with pytest.raises(DeployError) as failed:
        publish_site(demo_site, server.remote, history="replace")

    assert str(failed.value).endswith(
        "but the server could not purge the old one: 1 objects that the live commit does not use "
        "are still stored; the history replace stays asked for: fix the cause and run "
        "hooks/post-receive --redeploy"
    )
    assert "refs/portal/replace" in refs(server)
    (server.bare / "objects" / "info" / "alternates").unlink()
    assert not has_object(server, stray)
    fixed = redeploy(server)
    assert "portal-deploy: purged:" in fixed.stderr, fixed.stderr
    assert refs(server) == ["refs/heads/portal"]
