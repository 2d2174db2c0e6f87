"""Publish stage: commit the audited site to the deploy branch of a git remote and push it.

Git runs in a temporary repository only. The user's project repository is read, never written:
`rev-parse HEAD` for the source commit and `status` without optional locks. The commit is made
with plumbing (a temporary index over site/, `write-tree`, `commit-tree`) on top of the remote
branch's head as fetched, and pushed without force, so the remote either gets one complete new
commit or stays as it was.

In `replace` mode the push also sets refs/portal/replace to the new orphan commit (alone, when
the site is unchanged): the shipped deploy hooks read it as "purge all other history and verify",
and answer `portal-deploy: purged: …`, which publishing requires before it reports success.

Every message shown (portal's own, and git's that it relays) has credentials in URLs redacted.
Ctrl-C or SIGTERM stops git and everything it started, removes the temporary folders and raises
PublishCancelled, which says whether the remote was left as it was.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Literal

from generator import __version__
from generator.build import BuildProgress
from generator.errors import PublishError
from generator.pipeline import build, check_project
from generator.wording import plural

History = Literal["keep", "replace"]
Progress = Callable[[str], None]

DEFAULT_IDENTITY = ("portal", "portal@localhost")
TEMP_PREFIX = "portal-publish-"  # the temporary folders, removed however publishing ends
REPLACE_REF = "refs/portal/replace"  # asks the deploy hooks to purge all other history
LISTED_PAGES = 20  # pages listed per kind of change in a commit message
# Variables that would point git at some other repository than the one we mean.
_REPOSITORY_VARIABLES = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
        "GIT_QUARANTINE_PATH",
        "GIT_SHALLOW_FILE",
        "GIT_GRAFT_FILE",
    }
)
# Settings for the temporary repository, whatever the user's global git configuration says.
_TEMP_CONFIG = (
    "core.autocrlf=false",
    "core.safecrlf=false",
    "core.fsmonitor=false",
    "core.untrackedCache=false",
    "gc.auto=0",
    "maintenance.auto=false",
)
_AUTH_SIGNS = (
    "authentication failed",
    "permission denied",
    "could not read username",
    "could not read password",
    "terminal prompts disabled",
    "access denied",
    "invalid username or password",
    "insufficient permission",
    "the requested url returned error: 401",
    "the requested url returned error: 403",
)
_UNREACHABLE_SIGNS = (
    "does not appear to be a git repository",
    "could not read from remote repository",
    "could not resolve host",
    "could not resolve hostname",
    "connection refused",
    "connection timed out",
    "operation timed out",
    "network is unreachable",
    "no route to host",
    "unable to access",
    "repository not found",
    "returned error: 404",
    "host key verification failed",
    "failed to connect",
)
_DISK_FULL_SIGNS = ("no space left on device", "disk quota exceeded")
_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_DATA_SUFFIXES = frozenset({".csv", ".tsv", ".xls", ".xlsx", ".xlsm", ".ods"})
# `scheme://userinfo@`: userinfo runs to the last @ before the path (passwords may hold an @).
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/?#]*)@")
_SSH_SCHEMES = frozenset({"ssh://", "git+ssh://", "ssh+git://"})
_STOP_WAIT = 5.0  # seconds a stopped git gets to clean up before it is killed
_CANCEL_CHECK_TIMEOUT = 15.0  # seconds to ask the remote what a cancelled push left

GIT_MISSING = "git is not installed (or not on PATH); install git to publish"
MOVED_TWICE = "the remote branch moved twice while publishing; try again"
MOVED_DURING_REPLACE = (
    "someone else published while the history was being replaced, so nothing was pushed "
    "(a forced push would have wiped their deploy); run publish again to replace it knowingly"
)


class DeployError(PublishError):
    """The push was accepted but the server could not switch the live site to it, or purge."""


class PublishCancelled(KeyboardInterrupt):
    """Publishing was cancelled (Ctrl-C, SIGTERM); the message says what became of the remote."""


@dataclass(frozen=True)
class Source:
    """What is being published: the programme and the project commit it was built from."""

    programme: str
    commit: str | None = None
    dirty: bool = False
    note: str = "not a git repository"

    def describe(self) -> str:
        """Say which source commit was built, in words."""
        if self.commit is None:
            return self.note
        return self.commit + (" (with uncommitted changes)" if self.dirty else "")


@dataclass(frozen=True)
class Changes:
    """Files added, changed and removed between the remote's site and the new one."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @staticmethod
    def _pages(paths: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(p for p in paths if p.endswith(".html"))

    @property
    def pages_added(self) -> tuple[str, ...]:
        """Return the .html pages added."""
        return self._pages(self.added)

    @property
    def pages_changed(self) -> tuple[str, ...]:
        """Return the .html pages changed."""
        return self._pages(self.changed)

    @property
    def pages_removed(self) -> tuple[str, ...]:
        """Return the .html pages removed."""
        return self._pages(self.removed)

    @property
    def files(self) -> int:
        """Count every file that differs."""
        return len(self.added) + len(self.changed) + len(self.removed)

    def summary(self) -> str:
        """Say in one line how many pages (and other files) differ."""
        pages = (
            f"{plural(len(self.pages_added), 'page')} added, {len(self.pages_changed)} changed, "
            f"{len(self.pages_removed)} removed"
        )
        others = self.files - sum(
            map(len, (self.pages_added, self.pages_changed, self.pages_removed))
        )
        return pages + (f"; {plural(others, 'other file')} too" if others else "")

    def listing(self, limit: int | None = None) -> list[str]:
        """List the pages that differ, one per line, marked + (added), ~ (changed), - (removed)."""
        lines: list[str] = []
        for mark, pages in (
            ("+", self.pages_added),
            ("~", self.pages_changed),
            ("-", self.pages_removed),
        ):
            shown = pages if limit is None else pages[:limit]
            lines.extend(f"{mark} {page}" for page in shown)
            if len(pages) > len(shown):
                lines.append(f"{mark} … and {len(pages) - len(shown)} more")
        return lines


@dataclass(frozen=True)
class Published:
    """The outcome of publishing the site to a remote branch."""

    remote: str
    branch: str
    history: History
    changes: Changes
    previous: str | None = None  # the remote branch's head before publishing
    commit: str | None = None  # the commit pushed; None when nothing was pushed
    dry_run: bool = False
    retried: bool = False
    remote_messages: tuple[str, ...] = ()
    purged: bool = False  # replace mode: the server purged the old history and verified it

    @property
    def pushed(self) -> bool:
        """Tell whether a new commit reached the remote."""
        return self.commit is not None


@dataclass(frozen=True)
class Publication:
    """The outcome of `portal publish`: the audited build's page count and what became of it."""

    pages: int
    published: Published


def publish(
    root: Path,
    remote: str | None = None,
    branch: str | None = None,
    history: History | None = None,
    message: str = "",
    dry_run: bool = False,
    today: dt.date | None = None,
    strict: bool = False,
    progress: Progress | None = None,
    on_page: BuildProgress | None = None,
) -> Publication:
    """Build and audit the project privately, then publish that build (options override config).

    *on_page* hears (steps done, steps in all) as the site builds, for a progress bar.
    """
    say = _redacting(progress)
    root = root.resolve()
    # Settings and the remote are checked before the build, so a typo fails in seconds.
    settings = check_project(root, today, strict).project.config.publish
    target = resolve_remote(remote, root) if remote else resolve_remote(settings.remote, root, True)
    chosen_branch = branch or settings.branch
    chosen_history: History = history or settings.history
    git = require_git()
    with (
        _disk_full_as_publish_error(),
        tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as temp,
    ):
        say(f"checking that {display_remote(target)} can be reached")
        _Repository.create(Path(temp), target, git).remote_head(chosen_branch)
        # The build goes to a folder only this run can see, so what is pushed is exactly what
        # was audited, whatever else happens to site/ meanwhile.
        built = build(
            root, today, strict, site_dir=Path(temp) / "site", progress=progress, on_page=on_page
        )
        source = describe_source(root, built.generated.config.programme.name)
        published = publish_site(
            built.site_dir,
            target,
            chosen_branch,
            chosen_history,
            message=message,
            dry_run=dry_run,
            source=source,
            progress=progress,
        )
        return Publication(built.pages, published)


def publish_site(
    site_dir: Path,
    remote: str,
    branch: str = "portal",
    history: History = "keep",
    message: str = "",
    dry_run: bool = False,
    source: Source | None = None,
    progress: Progress | None = None,
) -> Published:
    """Commit a built site on top of the remote branch's head and push it without force."""
    say = _redacting(progress)
    if remote.startswith("-"):
        raise PublishError(f"'{redact(remote)}' is not a git remote (it starts with '-')")
    site_dir = site_dir.resolve()
    if not (site_dir / "index.html").is_file():
        raise PublishError(f"{site_dir} holds no built site (no index.html); nothing was pushed")
    git = require_git()
    source = source or Source(programme="the portal")
    shown = display_remote(remote)
    with (
        _disk_full_as_publish_error(),
        tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as temp,
    ):
        repo = _Repository.create(Path(temp), remote, git)
        repo.check_branch(branch)
        say(f"fetching branch {branch} from {shown}")
        seen = repo.fetch(branch)
        if seen is None:
            say(f"{shown} has no branch {branch} yet: this publish creates it")
        say(f"preparing the commit from {site_dir}")
        tree = repo.tree_of(site_dir)
        retried = False
        while True:
            changes = repo.changes(seen, tree)
            unchanged = repo.unchanged(seen, tree, history)
            if dry_run or (unchanged and history == "keep"):
                return Published(shown, branch, history, changes, seen, None, dry_run, retried)
            if unchanged and seen is not None:
                # Nothing new, but a replace must still leave nothing else on the server: ask
                # the deploy hooks to purge (and verify) again.
                say(f"{shown} already holds this site as its whole history; asking it to purge")
                outcome = _push_replace(repo, seen, branch, seen, only_request=True)
                _relay(outcome, say)
                _require_purge(outcome.messages, seen)
                return Published(
                    shown,
                    branch,
                    history,
                    changes,
                    seen,
                    retried=retried,
                    remote_messages=outcome.messages,
                    purged=True,
                )
            parent = seen if history == "keep" else None
            text = commit_message(source, changes, history, message)
            commit = repo.commit(tree, parent, text)
            say(f"pushing {commit[:12]} to {shown} ({changes.summary()})")
            if history == "replace":
                outcome = _push_replace(repo, commit, branch, seen)
            else:
                outcome = _push(repo, commit, branch, seen)
            _relay(outcome, say)
            if outcome.moved:
                if history == "replace":
                    raise PublishError(MOVED_DURING_REPLACE)
                if retried:
                    raise PublishError(MOVED_TWICE)
                retried = True
                say("someone else published meanwhile; fetching their deploy and retrying once")
                seen = repo.fetch(branch)
                continue
            failure = next((m for m in outcome.messages if "portal-deploy: FAILED" in m), None)
            if failure:
                raise DeployError(
                    f"the push of {commit[:12]} reached the remote, but the server's deploy hook "
                    f"failed: {_after(failure, 'FAILED:')}. Ask the server's administrator to "
                    "fix it and run hooks/post-receive --redeploy"
                )
            if history == "replace":
                _require_purge(outcome.messages, commit)
            return Published(
                shown,
                branch,
                history,
                changes,
                seen,
                commit,
                retried=retried,
                remote_messages=outcome.messages,
                purged=history == "replace",
            )


def _relay(outcome: _PushOutcome, say: Progress) -> None:
    """Show what the server said during the push."""
    for line in outcome.messages:
        say(f"remote: {line}")


def _require_purge(messages: Sequence[str], commit: str) -> None:
    """Fail unless the deploy hooks reported that they purged all history but *commit*."""
    if any("portal-deploy: purged:" in m for m in messages):
        return
    failed = next((m for m in messages if "portal-deploy: PURGE FAILED:" in m), None)
    if failed:
        raise DeployError(
            f"{commit[:12]} is the remote's whole history now, but the server could not purge "
            f"the old one: {_after(failed, 'PURGE FAILED:')}"
        )
    raise DeployError(
        f"{commit[:12]} is the remote's whole history now, but the server did not confirm that "
        "it purged the old one (no 'purged' report from its deploy hook: are portal's "
        "deploy/pre-receive and deploy/post-receive installed there, with portal.purge true?); "
        "old commits and releases may still be stored on it"
    )


@contextmanager
def cancel_on_termination() -> Iterator[None]:
    """Treat SIGTERM and SIGHUP like Ctrl-C while publishing, so the same clean-up runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def cancel(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, cancel) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _disk_full_as_publish_error() -> Iterator[None]:
    """Report a full disk (ENOSPC, EDQUOT) as one line instead of an unexpected error."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in _DISK_FULL_ERRNOS:
            raise
        where = f" writing {exc.filename}" if exc.filename else ""
        raise PublishError(
            f"the disk is full (no space left on device{where}); nothing was pushed: free some "
            "space (or point TMPDIR at a disk with room) and publish again"
        ) from None


def require_git() -> str:
    """Return the path of the git program, or fail with a one-line error."""
    found = shutil.which("git")
    if found is None:
        raise PublishError(GIT_MISSING)
    return found


def resolve_remote(remote: str, root: Path, from_config: bool = False) -> str:
    """Return the remote as git needs it; a local path from programme.yaml is relative to root."""
    remote = remote.strip()
    if not remote:
        raise PublishError(
            "no remote to publish to: set publish.remote in programme.yaml or pass --remote"
        )
    if "://" in remote or _is_scp_like(remote):
        return remote
    path = Path(remote).expanduser()
    if not path.is_absolute():
        path = (root if from_config else Path.cwd()) / path
    return str(path.resolve())


def _is_scp_like(remote: str) -> bool:
    """Tell whether a remote is git's `host:path` form rather than a local path."""
    head, colon, _ = remote.partition(":")
    return bool(colon) and "/" not in head and len(head) > 1


def redact(text: str) -> str:
    """Hide credentials in every URL of *text*: what lies between `://` and `@` becomes ***.

    A bare ssh:// user name is no secret and helps to diagnose a refused login, so it stays;
    git's scp-like `user@host:path` holds no password and is left as it is.
    """

    def hide(match: re.Match[str]) -> str:
        scheme, userinfo = match["scheme"], match["userinfo"]
        if scheme.lower() in _SSH_SCHEMES and ":" not in userinfo and "@" not in userinfo:
            return match[0]
        return f"{scheme}***@"

    return _URL_CREDENTIALS.sub(hide, text)


def display_remote(remote: str) -> str:
    """Show a remote without any password or token in it."""
    return redact(remote)


def _redacting(progress: Progress | None) -> Progress:
    """Return a progress function that never shows a credential."""
    if progress is None:
        return lambda _message: None
    shown = progress
    return lambda message: shown(redact(message))


def describe_source(root: Path, programme: str) -> Source:
    """Find the project's commit and whether it has uncommitted changes, reading only."""
    env = git_environment()
    env["GIT_OPTIONAL_LOCKS"] = "0"  # `git status` must not even refresh the user's index
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "HEAD"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if head.returncode != 0:
            inside = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            note = "no commit yet" if inside.returncode == 0 else "not a git repository"
            return Source(programme, note=note)
        status = subprocess.run(
            ["git", "-C", str(root), "--no-optional-locks", "status", "--porcelain", "--", "."],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return Source(programme, note="unknown (git could not be run)")
    dirty = status.returncode != 0 or bool(status.stdout.strip())
    return Source(programme, head.stdout.strip(), dirty)


def commit_message(source: Source, changes: Changes, history: History, message: str = "") -> str:
    """Say what was published: programme, source commit, pages added, changed and removed."""
    summary = f"Publish {source.programme}: {changes.summary()}"
    subject = " ".join(message.split()) or summary
    lines = [subject, ""]
    if subject != summary:
        lines.append(summary)
    lines.append(f"Source: {source.describe()}")
    lines.append(
        f"Published by portal {__version__} with history {history}"
        + (" (this commit replaces all earlier ones)" if history == "replace" else "")
    )
    listing = changes.listing(limit=LISTED_PAGES)
    if listing:
        lines.extend(["", *listing])
    return "\n".join(lines) + "\n"


def git_environment() -> dict[str, str]:
    """Return the environment for git: no repository variables inherited, English messages."""
    env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_VARIABLES}
    env["LC_ALL"] = "C"
    env["LANGUAGE"] = "C"
    return env


def explain_git_failure(stderr: str, remote: str) -> str:
    """Turn git's error output into one line a person can act on (credentials redacted)."""
    return redact(_explain(stderr, remote))


def _explain(stderr: str, remote: str) -> str:
    """Pick the line of git's output that says what went wrong, and say it plainly."""
    lines = [
        " ".join(line.split())
        for line in stderr.splitlines()
        if line.strip() and not line.startswith("hint:")
    ]
    lowered = [line.casefold() for line in lines]

    def first(signs: Sequence[str]) -> str | None:
        return next(
            (
                line
                for line, low in zip(lines, lowered, strict=True)
                if any(s in low for s in signs)
            ),
            None,
        )

    full = first(_DISK_FULL_SIGNS)
    if full:
        return _disk_full(full)
    login = first(_AUTH_SIGNS)
    if login:
        return (
            f"the remote refused the login or access for {remote}; check your credentials, "
            f"SSH key and rights on it (git said: {_unprefixed(login)})"
        )
    unreachable = first(_UNREACHABLE_SIGNS)
    if unreachable:
        return f"could not reach the remote {remote} (git said: {_unprefixed(unreachable)})"
    fatal = next((line for line in lines if line.startswith(("fatal:", "error:"))), None)
    return f"git failed: {_unprefixed(fatal or (lines[-1] if lines else 'no message'))}"


def _disk_full(line: str) -> str:
    """Say whose disk is full, from one line of git's output."""
    if line.startswith("remote:"):
        said = _unprefixed(line.removeprefix("remote:").strip())
        return (
            f"the server's disk is full, so the push was refused (it said: {said}); ask its "
            "administrator to free some space"
        )
    return (
        f"the disk is full (git said: {_unprefixed(line)}); nothing was pushed: free some "
        "space (or point TMPDIR at a disk with room) and publish again"
    )


def _unprefixed(line: str) -> str:
    """Return a line of git's output without its `fatal:`-style prefix."""
    return re.sub(r"^(fatal|error|warning):\s*", "", line.strip()).strip()


def _after(text: str, marker: str) -> str:
    """Return *text* after *marker*, trimmed (all of it when the marker is absent)."""
    _, found, rest = text.partition(marker)
    return rest.strip() if found else text.strip()


@dataclass(frozen=True)
class _PushOutcome:
    """What a push did: accepted, or rejected because the branch moved; and what the server said."""

    moved: bool
    messages: tuple[str, ...]


@dataclass(frozen=True)
class _Repository:
    """A temporary bare repository, used to fetch, commit and push; deleted afterwards."""

    path: Path
    remote: str
    git: str
    env: Mapping[str, str]

    @classmethod
    def create(cls, temp: Path, remote: str, git: str) -> _Repository:
        """Make an empty bare repository in *temp* with hooks switched off."""
        env = git_environment()
        (temp / "no-hooks").mkdir()
        repo = cls(temp / "deploy.git", remote, git, env)
        repo.run(["init", "--quiet", "--bare", str(repo.path)], bare=True)
        repo.run(["config", "core.hooksPath", str(temp / "no-hooks")])
        return repo

    def run(
        self,
        args: Sequence[str],
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        ok: Sequence[int] = (0,),
        bare: bool = False,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run git in this repository; fail with a one-line PublishError on an unexpected code."""
        command = [self.git]
        for setting in _TEMP_CONFIG:
            command += ["-c", setting]
        if not bare:
            command.append(f"--git-dir={self.path}")
        result = _run_to_completion(
            [*command, *args],
            cwd=self.path.parent,
            env={**self.env, **(env or {})},
            stdin=stdin,
            timeout=timeout,
        )
        if result.returncode not in ok:
            raise PublishError(explain_git_failure(result.stderr, display_remote(self.remote)))
        return result

    def pushing(
        self, args: Sequence[str], branch: str, before: str | None, pushed: str
    ) -> subprocess.CompletedProcess[str]:
        """Run a push; if it is cancelled meanwhile, find out what reached the remote and say so."""
        try:
            return self.run(args, ok=(0, 1, 128))
        except KeyboardInterrupt:
            raise PublishCancelled(self._after_cancelled_push(branch, before, pushed)) from None

    def _after_cancelled_push(self, branch: str, before: str | None, pushed: str) -> str:
        """Say what a cancelled push left on the remote, asking it (briefly) for the branch."""
        try:
            head = self.remote_head(branch, timeout=_CANCEL_CHECK_TIMEOUT)
        except (PublishError, KeyboardInterrupt):
            return (
                "cancelled during the push, and the remote could not be asked whether it "
                "arrived: run portal publish --dry-run to see what the remote holds"
            )
        if pushed == before:
            return (
                f"cancelled: nothing was published (branch {branch} already held this site); the "
                "server may not have purged the old history: publish with --history replace again"
            )
        if head == before:
            return (
                f"cancelled: nothing was published (the push was stopped; branch {branch} of the "
                "remote is as it was)"
            )
        if head == pushed:
            return (
                f"cancelled, but too late: {pushed[:12]} had already reached branch {branch} of "
                "the remote; run portal publish again to make sure it is complete"
            )
        return (
            f"cancelled during the push; branch {branch} of the remote is now at "
            f"{(head or 'nothing')[:12]}, which is neither the old head nor this publish"
        )

    def check_branch(self, branch: str) -> None:
        """Fail unless *branch* is a valid branch name."""
        valid = self.run(["check-ref-format", f"refs/heads/{branch}"], ok=(0, 1))
        if valid.returncode != 0 or branch.startswith("-"):
            raise PublishError(f"'{branch}' is not a valid branch name")

    def remote_head(self, branch: str, timeout: float | None = None) -> str | None:
        """Ask the remote for the branch's head (None when the branch does not exist yet)."""
        ref = f"refs/heads/{branch}"
        found = self.run(["ls-remote", "--exit-code", self.remote, ref], ok=(0, 2), timeout=timeout)
        # ls-remote matches the tail of a ref name: keep only the exact ref.
        heads = [
            line.split("\t")[0] for line in found.stdout.splitlines() if line.endswith(f"\t{ref}")
        ]
        return heads[0] if heads else None

    def fetch(self, branch: str) -> str | None:
        """Fetch the branch's head (only its last commit) and return it, or None if absent."""
        if self.remote_head(branch) is None:
            return None
        self.run(
            [
                "fetch",
                "--quiet",
                "--no-tags",
                "--depth=1",
                self.remote,
                f"+refs/heads/{branch}:refs/portal/seen",
            ]
        )
        return self.run(["rev-parse", "--verify", "refs/portal/seen^{commit}"]).stdout.strip()

    def tree_of(self, site_dir: Path) -> str:
        """Write every file of the site (ignore rules and all) into a tree; return its id."""
        index = self.path / "portal-index"
        env = {"GIT_INDEX_FILE": str(index)}
        work = [f"--work-tree={site_dir}"]
        index.unlink(missing_ok=True)
        self.run([*work, "add", "--all", "--force", "--", "."], env=env)
        return self.run(["write-tree"], env=env).stdout.strip()

    def unchanged(self, seen: str | None, tree: str, history: History) -> bool:
        """Tell whether the branch already holds exactly this site (in one commit, if replacing)."""
        if seen is None or self._tree(seen) != tree:
            return False
        if history == "keep":
            return True
        # A shallow fetch hides parents from rev-list, but the commit object still names them.
        body = self.run(["cat-file", "commit", seen]).stdout
        return not any(line.startswith("parent ") for line in body.split("\n\n", 1)[0].splitlines())

    def changes(self, seen: str | None, tree: str) -> Changes:
        """Compare the new tree with the tree of the fetched head."""
        if seen is None:
            listed = self.run(["ls-tree", "-r", "-z", "--name-only", tree]).stdout
            return Changes(added=tuple(sorted(p for p in listed.split("\0") if p)))
        out = self.run(
            ["diff-tree", "-r", "-z", "--no-renames", "--name-status", self._tree(seen), tree]
        ).stdout
        fields = [f for f in out.split("\0") if f]
        kinds: dict[str, list[str]] = {"A": [], "M": [], "D": []}
        for status, path in zip(fields[::2], fields[1::2], strict=True):
            kinds.get(status[0], kinds["M"]).append(path)
        return Changes(
            tuple(sorted(kinds["A"])), tuple(sorted(kinds["M"])), tuple(sorted(kinds["D"]))
        )

    def commit(self, tree: str, parent: str | None, message: str) -> str:
        """Make a commit of *tree* (on *parent*, or an orphan) and return its id."""
        args = ["commit-tree", tree] + (["-p", parent] if parent else []) + ["-F", "-"]
        return self.run(args, stdin=message, env=self._identity()).stdout.strip()

    def _tree(self, commit: str) -> str:
        return self.run(["rev-parse", "--verify", f"{commit}^{{tree}}"]).stdout.strip()

    def _identity(self) -> dict[str, str]:
        """Name the publisher: GIT_AUTHOR_*/GIT_COMMITTER_*, else git's user.*, else portal."""
        configured = []
        for key in ("user.name", "user.email"):
            got = self.run(["config", "--get", key], ok=(0, 1)).stdout.strip()
            configured.append(got)
        name = configured[0] or DEFAULT_IDENTITY[0]
        email = configured[1] or DEFAULT_IDENTITY[1]
        env: dict[str, str] = {}
        for role in ("AUTHOR", "COMMITTER"):
            env[f"GIT_{role}_NAME"] = self.env.get(f"GIT_{role}_NAME") or name
            env[f"GIT_{role}_EMAIL"] = self.env.get(f"GIT_{role}_EMAIL") or email
        return env


def _push(repo: _Repository, commit: str, branch: str, seen: str | None) -> _PushOutcome:
    """Push *commit* to the branch as a fast-forward only (over *seen*, its head as fetched)."""
    ref = f"refs/heads/{branch}"
    args = ["push", "--porcelain", "--no-verify", repo.remote, f"{commit}:{ref}"]
    result = repo.pushing(args, branch, seen, commit)
    return _read_push(result, ref, display_remote(repo.remote))


def _push_replace(
    repo: _Repository, commit: str, branch: str, seen: str | None, only_request: bool = False
) -> _PushOutcome:
    """Make *commit* the branch's whole history, over exactly the head *seen* (or no branch).

    With it goes refs/portal/replace, which asks the deploy hooks to purge everything else; both
    or neither (--atomic). With *only_request*, the branch already is *commit*: only ask again.
    """
    ref = f"refs/heads/{branch}"
    args = ["push", "--porcelain", "--no-verify"]
    if only_request:
        args += [repo.remote, f"+{commit}:{REPLACE_REF}"]
        watched = REPLACE_REF
    else:
        # Forced, but only over the head we saw ("" = no branch yet).
        args += ["--atomic", f"--force-with-lease={ref}:{seen or ''}"]
        args += [repo.remote, f"{commit}:{ref}", f"+{commit}:{REPLACE_REF}"]
        watched = ref
    result = repo.pushing(args, branch, seen, commit)
    return _read_push(result, watched, display_remote(repo.remote))


def _run_to_completion(
    command: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    stdin: str | None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command and return what it did; if interrupted, stop it and all it started first."""
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE if stdin is not None else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except FileNotFoundError:
        raise PublishError(GIT_MISSING) from None
    with process:
        try:
            out, err = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop_process_tree(process)
            raise PublishError(f"git took longer than {timeout:.0f} s and was stopped") from None
        except BaseException:
            # Ctrl-C or SIGTERM: git may have started ssh, or (for a local remote) the
            # receiving git and its hooks. Stop them all, so nothing carries on unseen.
            _stop_process_tree(process)
            raise
    return subprocess.CompletedProcess(list(command), process.returncode, out, err)


def _stop_process_tree(process: subprocess.Popen[str]) -> None:
    """Ask a process and its descendants to stop (SIGTERM, so git cleans up), then kill them."""
    stopping: set[int] = set()
    for _ in range(3):  # a process may start another while the tree is being walked
        found = (_descendants(process.pid) | {process.pid}) - stopping
        if not found:
            break
        for pid in found:
            _signal(pid, signal.SIGTERM)
        stopping |= found
    try:
        process.wait(timeout=_STOP_WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    deadline = time.monotonic() + _STOP_WAIT
    while time.monotonic() < deadline and any(_alive(pid) for pid in stopping):
        time.sleep(0.05)
    for pid in stopping:
        if _alive(pid):
            _signal(pid, signal.SIGKILL)


def _descendants(pid: int) -> set[int]:
    """Return every process below *pid* (from /proc; empty where there is none)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return set()
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """Tell whether a process still runs (a zombie has finished)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _signal(pid: int, sig: signal.Signals) -> None:
    with suppress(OSError):  # already gone
        os.kill(pid, sig)


def _read_push(result: subprocess.CompletedProcess[str], ref: str, remote: str) -> _PushOutcome:
    """Read `git push --porcelain`: accepted, moved (retry), or a one-line PublishError."""
    messages = tuple(
        line
        for line in (
            redact(" ".join(raw.removeprefix("remote:").split()))
            for raw in result.stderr.splitlines()
            if raw.startswith("remote:")
        )
        if line
    )
    status = next(
        (line for line in result.stdout.splitlines() if f":{ref}\t" in line),
        None,
    )
    if status is None:
        if result.returncode == 0:  # pragma: no cover - git always reports the ref
            return _PushOutcome(False, messages)
        raise PublishError(explain_git_failure(result.stderr, remote))
    flag, summary = status[0], status.rsplit("\t", 1)[-1]
    if flag != "!":
        return _PushOutcome(False, messages)
    if any(reason in summary for reason in ("non-fast-forward", "fetch first", "stale info")):
        return _PushOutcome(True, messages)
    full = next((m for m in messages if any(s in m.casefold() for s in _DISK_FULL_SIGNS)), None)
    if full:
        raise PublishError(_disk_full(f"remote: {full}"))
    if "hook declined" in summary:
        said = messages[-1] if messages else summary
        said = _after(_after(said, "portal-deploy:"), "rejected:")
        raise PublishError(f"the server's deploy hook rejected the push: {said}")
    reason = summary.split("(", 1)[-1].rstrip(")") if "(" in summary else summary
    raise PublishError(redact(f"the remote rejected the push: {reason}"))
