"""Publishing: real bare repositories with the shipped deploy hooks, a real web server."""

from __future__ import annotations

import csv
import functools
import hashlib
import http.server
import io
import os
import re
import shutil
import subprocess
import threading
import urllib.request
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
    resolve_remote,
)
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

    def racing_push(
        repo: publishing._Repository, commit: str, branch: str, lease: str | None
    ) -> publishing._PushOutcome:
        if len(theirs) < races:
            theirs.append(publish_other_clone(server, work, f"news-{len(theirs) + 1}.html"))
        return real_push(repo, commit, branch, lease)

    monkeypatch.setattr(publishing, "_push", racing_push)
    return theirs


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
    assert body.startswith("portal <portal@localhost>\nPublish Switch Mentoring: 56 pages added")
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
        "https://intranet.example/portal.git"
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


OUTPUTS = {"site", "site_src"}


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
        f"dry run: publishing to {server.remote} branch portal would mean 17 pages added, "
        "0 changed, 0 removed; "
    )
    assert "  + pairs/index.html\n" in plan.stdout
    assert done.exit_code == 0, done.output
    commit = server.head()
    assert commit is not None
    assert done.stdout.startswith(
        f"published 17 pages to {server.remote} branch portal as commit {commit[:12]}: "
        "17 pages added, 0 changed, 0 removed"
    )
    for step in ("fetching branch portal", "pushing", "remote: portal-deploy: live site is now"):
        assert step in done.stderr
    message = git("--git-dir", str(server.bare), "log", "-1", "--format=%B", "portal")
    assert message.startswith("First publish\n\nPublish Test Mentoring: 17 pages added")
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
    assert "history replaced: older releases deleted" in result.stderr
