"""The `portal` command line: one command per pipeline entry point."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from generator import __version__
from generator.errors import InputError, PrivacyError, PublishError
from generator.wording import plural

if TYPE_CHECKING:
    from generator.model import Project
    from generator.scaffold import Scaffold

EXIT_OK, EXIT_UNEXPECTED, EXIT_INPUT, EXIT_PRIVACY, EXIT_PUBLISH = 0, 1, 2, 3, 4


class Context:
    """Options shared by every command."""

    def __init__(self, project: Path, debug: bool, today: dt.date | None) -> None:
        self.project = project
        self.debug = debug
        self.today = today


def _fail(code: int, lines: list[str]) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(code)


@contextmanager
def reporting(ctx: Context) -> Iterator[None]:
    """Turn known failures into one-line messages and exit codes; tracebacks only with --debug."""
    try:
        yield
    except InputError as exc:
        if ctx.debug:
            raise
        _fail(EXIT_INPUT, [*_problem_lines(exc), _problem_summary(exc)])
    except PrivacyError as exc:
        if ctx.debug:
            raise
        _fail(
            EXIT_PRIVACY,
            [f"privacy audit failed: {f}" for f in exc.findings]
            + [
                "The built site contains private values and was not published. "
                "Nothing has left this machine."
            ],
        )
    except PublishError as exc:
        if ctx.debug:
            raise
        _fail(EXIT_PUBLISH, [f"publish failed: {exc}", "The remote was left as it was."])
    except KeyboardInterrupt as exc:
        # Ctrl-C, or SIGTERM where a command turns it into this: exit 130 (128 + SIGINT), as
        # shells do. publish raises PublishCancelled, whose message says what became of the remote.
        _fail(130, [str(exc) or "cancelled: nothing was published"])
    except click.exceptions.Exit:
        raise
    except Exception as exc:
        if ctx.debug:
            raise
        _fail(
            EXIT_UNEXPECTED,
            [
                f"unexpected error: {type(exc).__name__}: {exc}",
                "Run again with --debug to see the details, and report it to the portal team.",
            ],
        )


# A file with thousands of mistakes usually has one cause; the first hundred show it.
SHOWN_PROBLEMS = 100


def _problem_lines(exc: InputError) -> list[str]:
    """Return one line per problem, the first hundred of them, then how many more there are."""
    lines = [str(p) for p in exc.problems[:SHOWN_PROBLEMS]]
    rest = exc.problems[SHOWN_PROBLEMS:]
    if rest:
        files = sorted({p.file for p in rest})
        where = files[0] if len(files) == 1 else f"{len(files)} files"
        more = "more problem" if len(rest) == 1 else "more problems"
        lines.append(f"… and {len(rest):,} {more} in {where}; fix these first")
    return lines


def _problem_summary(exc: InputError) -> str:
    """Count what stopped the command: errors, or warnings made fatal by --strict."""
    errors = sum(1 for p in exc.problems if p.severity == "error")
    warnings = len(exc.problems) - errors
    if not errors:
        return (
            f"{plural(warnings, 'warning')} found, and --strict makes warnings fatal; "
            "nothing was written."
        )
    found = plural(errors, "error")
    if warnings:
        found += f" and {plural(warnings, 'warning')}"
    them = "it" if errors + warnings == 1 else "them"
    return f"{found} found; nothing was written. Fix {them} and run the command again."


def _parse_today(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; write it as YYYY-MM-DD") from None


def common(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --project, --debug and --today to a command."""
    command = click.option(
        "--today",
        callback=_parse_today,
        metavar="YYYY-MM-DD",
        help="Build as if today were this date (default: $PORTAL_TODAY or the real date).",
    )(command)
    command = click.option("--debug", is_flag=True, help="Show a full traceback on failure.")(
        command
    )
    command = click.option(
        "--project",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="The project folder (holding programme.yaml).",
    )(command)
    return command


def progress(message: str) -> None:
    """Print one progress line to stderr."""
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portal")
def main() -> None:
    """Build and publish a reverse mentoring programme's intranet portal."""


@main.command()
@common
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check(project: Path, debug: bool, today: dt.date | None, strict: bool) -> None:
    """Validate programme.yaml, the data tables and content/; print every problem."""
    from generator.pipeline import check_project

    ctx = Context(project, debug, today)
    with reporting(ctx):
        result = check_project(project, today, strict)
        p = result.project
        for warning in result.warnings:
            click.echo(str(warning), err=True)
        named = sum(1 for person in p.participants if person.is_named)
        counts = [
            plural(len(p.config.cohorts), "cohort"),
            plural(len(p.participants), "participant") + f" ({named} named)",
            plural(len(p.pairs), "pair"),
            plural(len(p.sessions), "session"),
            plural(len(p.surveys), "survey answer"),
            plural(len(p.stories), "story", "stories"),
            plural(len(p.posts), "post"),
            plural(len(result.warnings), "warning"),
        ]
        click.echo("ok: " + ", ".join(counts))


@main.command()
@click.option(
    "--kind",
    type=click.Choice(["programme", "story", "post", "guide"]),
    default="programme",
    show_default=True,
    help="Which file to describe: programme.yaml, or a story's, post's or guide's front matter.",
)
def schema(kind: str) -> None:
    """Print a JSON Schema: programme.yaml's, or a kind of front matter's (point your editor at it).

    The front-matter schemas are also kept in schemas/ and described in docs/front-matter.md.
    """
    if kind != "programme":
        from generator import schemas

        click.echo(schemas.schema_text(schemas.kind(kind)), nl=False)
        return
    from generator.config import ProgrammeConfig

    document = ProgrammeConfig.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "programme.yaml"
    click.echo(json.dumps(document, indent=2, sort_keys=True))


@main.command()
@common
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--preview", is_flag=True, help="Include drafts, clearly marked (what `portal serve` shows)."
)
def generate(
    project: Path, debug: bool, today: dt.date | None, strict: bool, preview: bool
) -> None:
    """Write the MkDocs sources into site_src/ (only files that changed)."""
    from generator.clock import resolve_today
    from generator.fingerprint import unchanged_files

    with reporting(Context(project, debug, today)):
        # Nothing changed since the last run: said before the pipeline is even loaded.
        unchanged = unchanged_files(project.resolve(), resolve_today(today), strict, preview)
        if unchanged is not None:
            click.echo(
                f"site_src/ is up to date: nothing changed since it was generated "
                f"({unchanged} files)"
            )
            return
        from generator.pipeline import regenerate

        result = regenerate(
            project, today, strict, preview=preview, progress=progress, recorded=False
        )
        for warning in result.warnings:
            click.echo(str(warning), err=True)
        click.echo(
            f"generated site_src/: {len(result.report.written)} file(s) written, "
            f"{result.report.unchanged} unchanged, {len(result.report.removed)} removed"
        )


@main.command()
@common
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def build(project: Path, debug: bool, today: dt.date | None, strict: bool) -> None:
    """Check, generate, build site/ with MkDocs (strict) and audit it for private values."""
    from generator.pipeline import build as run_build

    with reporting(Context(project, debug, today)), counted_progress("building") as on_page:
        result = run_build(project, today, strict, progress=progress, on_page=on_page)
        for warning in [*result.generated.warnings, *result.build.removed]:
            click.echo(str(warning), err=True)
        click.echo(
            f"built {result.pages} pages into {result.site_dir} in {result.build.seconds:.1f} s; "
            "privacy audit clean"
        )


@main.command()
@common
@click.option("--port", default=8000, show_default=True, help="Port to serve on (127.0.0.1 only).")
def serve(project: Path, debug: bool, today: dt.date | None, port: int) -> None:
    """Preview the portal with live reload; drafts are shown and marked as not published."""
    from generator.serve import serve_preview

    with reporting(Context(project, debug, today)):
        serve_preview(project, today, port, progress=progress)


@main.command()
@common
@click.option(
    "--remote",
    metavar="URL_OR_PATH",
    help="Git remote to publish to (default: publish.remote in programme.yaml).",
)
@click.option(
    "--branch", metavar="NAME", help="Deploy branch (default: publish.branch, else portal)."
)
@click.option(
    "--history",
    type=click.Choice(["keep", "replace"]),
    help="keep: add one commit on top; replace: the branch becomes one new commit, "
    "force-pushed with a lease (default: publish.history).",
)
@click.option(
    "--message", "-m", metavar="TEXT", default="", help="First line of the deploy commit's message."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Build, audit and list the pages that would change on the remote; push nothing.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def publish(
    project: Path,
    debug: bool,
    today: dt.date | None,
    remote: str | None,
    branch: str | None,
    history: str | None,
    message: str,
    dry_run: bool,
    strict: bool,
) -> None:
    """Build, audit and push the site to the deploy branch: all of it, or nothing."""
    from generator.publish import DeployError, History, cancel_on_termination
    from generator.publish import publish as run_publish

    # SIGTERM (and SIGHUP) cancel like Ctrl-C: git stopped, temporary folders removed, exit 130.
    with (
        reporting(Context(project, debug, today)),
        cancel_on_termination(),
        counted_progress("building") as on_page,
    ):
        try:
            mode: History | None = (
                None if history is None else "replace" if history == "replace" else "keep"
            )
            outcome = run_publish(
                project,
                remote=remote,
                branch=branch,
                history=mode,
                message=message,
                dry_run=dry_run,
                today=today,
                strict=strict,
                progress=progress,
                on_page=on_page,
            )
        except DeployError as exc:
            if debug:
                raise
            _fail(EXIT_PUBLISH, [f"publish failed: {exc}"])
        done = outcome.published
        where = f"{done.remote} branch {done.branch}"
        if done.dry_run:
            click.echo(
                f"dry run: publishing to {where} would mean {done.changes.summary()}; "
                "nothing was pushed"
            )
            for line in done.changes.listing():
                click.echo(f"  {line}")
        elif not done.pushed:
            purged = "; the server purged all older history again" if done.purged else ""
            click.echo(f"nothing to publish: {where} already holds this site{purged}")
        else:
            retried = (
                " (after one retry: someone else had published meanwhile)" if done.retried else ""
            )
            purged = "; the server purged all older history" if done.purged else ""
            click.echo(
                f"published {outcome.pages} pages to {where} as commit "
                f"{(done.commit or '')[:12]}{retried}: {done.changes.summary()}{purged}"
            )


@main.command()
@common
@click.option(
    "--cohort",
    "cohort_id",
    required=True,
    metavar="ID",
    help="The cohort to match: an id under cohorts: in programme.yaml.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The proposals CSV (default: proposals-<cohort>.csv beside the pairs table). "
    "The private report goes beside it.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def match(
    project: Path,
    debug: bool,
    today: dt.date | None,
    cohort_id: str,
    out: Path | None,
    strict: bool,
) -> None:
    """Propose mentor-mentee pairs for a cohort, with a private report of the reasons."""
    from generator.match import (
        check_output_path,
        default_proposals_path,
        default_report_path,
        match_steps,
        propose_matches,
        write_match_report,
        write_proposals_csv,
    )
    from generator.pipeline import load_project

    with reporting(Context(project, debug, today)):
        loaded = load_project(project, today, strict)
        proposals = out if out is not None else default_proposals_path(loaded, cohort_id)
        report = default_report_path(proposals, cohort_id)
        # Both files hold private data: refuse any folder the portal publishes from.
        check_output_path(loaded, proposals, "--out")
        check_output_path(loaded, report, "--out")
        steps = match_steps(loaded, cohort_id)
        with progress_bar(steps, f"matching cohort {cohort_id}") as tick:
            # On a terminal the bar shows the progress; the stage lines would break it up.
            result = propose_matches(
                loaded, cohort_id, progress=None if tick else progress, tick=tick
            )
        write_proposals_csv(result, proposals)
        write_match_report(result, report)
        click.echo(
            f"proposed {plural(len(result.proposals), 'pair')} for cohort {cohort_id} "
            f"(total score {result.total_score:.2f}), kept "
            f"{plural(len(result.kept), 'approved pair')}: {proposals}"
        )
        left = len(result.unmatched)
        click.echo(
            f"{left} {'person' if left == 1 else 'people'} left unmatched; reasons in the "
            f"private report (never publish it): {report}"
        )


# A bar is drawn once work has gone on this long: shorter work finishes before it would help.
PROGRESS_DELAY_SECONDS = 1.0


class _DelayedBar:
    """A progress bar on stderr that appears only once the work has taken over a second.

    Until then it counts quietly; when it appears, it shows the count so far, the total and the
    time left, reckoned from the start of the work (not from the moment the bar appeared).
    """

    def __init__(self, length: int, label: str, delay: float, clock: Callable[[], float]) -> None:
        self.length, self.label, self.delay, self.clock = length, label, delay, clock
        self.started = clock()
        self.wall_started = time.time()
        self.done = 0
        self.bar: Any = None

    def update(self, steps: int) -> None:
        """Advance by *steps*; draw the bar once the delay has passed."""
        self.done += steps
        if self.bar is None:
            if self.clock() - self.started < self.delay:
                return
            self.bar = click.progressbar(
                length=self.length, label=self.label, file=sys.stderr, show_pos=True
            )
            self.bar.__enter__()
            self.bar.start = self.wall_started  # time left counts from when the work began
            self.bar.update(self.done)
            return
        self.bar.update(steps)

    def close(self) -> None:
        """Finish the bar, if it was drawn."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@contextmanager
def counted_progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a (done, total) callback for a delayed bar on a terminal; None in a log or pipe."""
    if not sys.stderr.isatty():
        yield None
        return
    drawn: list[_DelayedBar] = []
    last = [0]

    def advance(done: int, total: int) -> None:
        if not drawn:
            drawn.append(_DelayedBar(total, label, PROGRESS_DELAY_SECONDS, time.monotonic))
        drawn[0].update(done - last[0])
        last[0] = done

    try:
        yield advance
    finally:
        if drawn:
            drawn[0].close()


@contextmanager
def progress_bar(
    length: int,
    label: str,
    at_least: int = 1,
    delay: float = PROGRESS_DELAY_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Callable[[int], None] | None]:
    """Yield a function advancing a progress bar on stderr, or None when it is not worth one.

    A bar is drawn only on a terminal (in a log or a pipe it would be noise), only for at
    least *at_least* items, and only once the work has lasted *delay* seconds: then it shows
    the count done, the total and the time left.
    """
    if length < at_least or not sys.stderr.isatty():
        yield None
        return
    bar = _DelayedBar(length, label, delay, clock)
    try:
        yield bar.update
    finally:
        bar.close()


@main.command()
@common
@click.option(
    "--cohort",
    "cohort_id",
    metavar="ID",
    help="Report on one cohort only: an id under cohorts: in programme.yaml (default: all).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Folder for the report and its CSV tables (default: reports/ beside the pairs table).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def report(
    project: Path,
    debug: bool,
    today: dt.date | None,
    cohort_id: str | None,
    out: Path | None,
    strict: bool,
) -> None:
    """Write the private programme-health report: stuck pairs, ratings, surveys, story leads."""
    from generator.pipeline import load_project
    from generator.private_outputs import check_output_path
    from generator.report import (
        PROGRESS_PAIRS,
        build_health_report,
        default_report_folder,
        write_health_report,
    )

    with reporting(Context(project, debug, today)):
        loaded = load_project(project, today, strict)
        folder = out if out is not None else default_report_folder(loaded)
        # The report names people: refuse any folder the portal publishes from, before working.
        check_output_path(loaded, folder, "--out", what="the programme-health report")
        with progress_bar(len(loaded.pairs), "assessing pairs", PROGRESS_PAIRS) as tick:
            result = build_health_report(loaded, cohort_id, tick=tick)
        written = write_health_report(loaded, result, folder)
        click.echo(
            f"programme health of {result.scope if cohort_id else 'every cohort'}: "
            f"{plural(len(result.pairs), 'pair')}, "
            f"{len(result.flagged)} flagged, "
            f"{plural(len(result.awaiting_consent), 'story', 'stories')} awaiting consent, "
            f"{plural(len(result.suggestions), 'story suggestion')}: {written[0]}"
        )
        click.echo(
            f"{plural(len(written) - 1, 'CSV table')} beside it. The report names people: "
            "keep it private, never publish it."
        )


@main.command()
@common
@click.option(
    "--cohort",
    "cohort_id",
    required=True,
    metavar="ID",
    help="The cohort whose participants get certificates: an id under cohorts: in programme.yaml.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Folder for the PDFs (default: certificates/<cohort>/ beside the pairs table).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def certificates(
    project: Path,
    debug: bool,
    today: dt.date | None,
    cohort_id: str,
    out: Path | None,
    strict: bool,
) -> None:
    """Write a private PDF certificate for everyone in the cohort whose pair completed."""
    from generator.certificates import (
        PROGRESS_CERTIFICATES,
        default_certificates_folder,
        eligible_certificates,
        write_certificates,
    )
    from generator.pipeline import load_project
    from generator.private_outputs import check_output_path

    with reporting(Context(project, debug, today)):
        loaded = load_project(project, today, strict)
        folder = out if out is not None else default_certificates_folder(loaded, cohort_id)
        check_output_path(loaded, folder, "--out", what="a certificate")
        earned = eligible_certificates(loaded, cohort_id)
        minimum = loaded.config.certificates.min_sessions
        if not earned:
            click.echo(
                f"no certificate for cohort {cohort_id}: no completed pair has held "
                f"{plural(minimum, 'session')} or more; nothing was written"
            )
            return
        with progress_bar(len(earned), "drawing certificates", PROGRESS_CERTIFICATES) as tick:
            written = write_certificates(loaded, earned, folder, tick=tick)
        click.echo(
            f"wrote {plural(len(written), 'certificate')} for cohort {cohort_id} (completed pairs "
            f"with {plural(minimum, 'session')} or more) into {folder}. They are private: give "
            "each to its person, never publish them."
        )


@main.command()
@common
@click.option(
    "--cohort",
    "cohort_id",
    required=True,
    metavar="ID",
    help="The cohort whose pairs are announced: an id under cohorts: in programme.yaml.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Folder for the e-mails and calendars (default: announcements/<cohort>/ beside the "
    "pairs table).",
)
@click.option(
    "--time",
    "start_time",
    default="10:00",
    show_default=True,
    metavar="HH:MM",
    help="Time of day the planned sessions start in the calendars (each pair moves them).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def announce(
    project: Path,
    debug: bool,
    today: dt.date | None,
    cohort_id: str,
    out: Path | None,
    start_time: str,
    strict: bool,
) -> None:
    """Write private match e-mails (.eml) and session calendars (.ics) for a cohort's pairs."""
    from generator.announce import (
        PROGRESS_ANNOUNCEMENTS,
        approved_people,
        build_announcements,
        default_announcements_folder,
        write_announcements,
    )
    from generator.pipeline import load_project
    from generator.private_outputs import check_output_path

    try:
        start_at = dt.time.fromisoformat(start_time)
    except ValueError:
        raise click.BadParameter(
            f"'{start_time}' is not a time of day; write it as HH:MM, e.g. 09:30",
            param_hint="'--time'",
        ) from None
    with reporting(Context(project, debug, today)):
        loaded = load_project(project, today, strict)
        folder = out if out is not None else default_announcements_folder(loaded, cohort_id)
        # The e-mails name people and hold their addresses: never under a published folder.
        check_output_path(loaded, folder, "--out", what="an announcement")
        count = approved_people(loaded, cohort_id)
        with progress_bar(count, "writing e-mails", PROGRESS_ANNOUNCEMENTS) as tick:
            result = build_announcements(loaded, cohort_id, start_at, tick=tick)
        if not result.calendars:
            click.echo(
                f"no announcement for cohort {cohort_id}: it has no approved pair (active, paused "
                "or completed) yet; nothing was written"
            )
            return
        write_announcements(loaded, result, folder)
        skipped = (
            f"; {plural(result.skipped, 'pair')} not yet approved or withdrawn left out"
            if result.skipped
            else ""
        )
        click.echo(
            f"wrote {plural(len(result.emails), 'e-mail')} and "
            f"{plural(len(result.calendars), 'calendar')} for {result.cohort.name} into "
            f"{folder}{skipped}."
        )
        click.echo(
            "They are private: open each .eml in your mail program to check and send it; "
            "never publish them."
        )


@main.group()
def new() -> None:
    """Start a story, a blog post or a guide: a ready-to-edit file with every field."""


def _write_scaffold(ctx: Context, make: Callable[[Project], Scaffold]) -> None:
    """Load the project, make a scaffold and write it; print where and what to do next."""
    from generator.pipeline import load_project
    from generator.scaffold import write_scaffold

    with reporting(ctx):
        loaded = load_project(ctx.project, ctx.today)
        scaffold = make(loaded)
        path = write_scaffold(loaded.root, scaffold)
        shown = path if ctx.project != Path(".") else Path(scaffold.relative)
        click.echo(f"wrote {shown}: {scaffold.about}")
        for note in scaffold.notes:
            click.echo(f"note: {note}")
        click.echo("next:")
        for number, step in enumerate(scaffold.next_steps, start=1):
            click.echo(f"  {number}. {step}")


@new.command("story")
@common
@click.option(
    "--pair",
    "pair_query",
    required=True,
    metavar="ID_OR_NAMES",
    help="The pair the story is about: its id, or its two names ('Callum Reid and Alison Brooks').",
)
@click.option(
    "--title",
    metavar="TEXT",
    help="The story's headline; also its file name (default: the pair's names).",
)
def new_story(
    project: Path, debug: bool, today: dt.date | None, pair_query: str, title: str | None
) -> None:
    """Start a success story about a pair, as a draft with its consent checklist."""
    from generator.scaffold import story_scaffold

    _write_scaffold(
        Context(project, debug, today), lambda loaded: story_scaffold(loaded, pair_query, title)
    )


@new.command("post")
@common
@click.option(
    "--author",
    "author_query",
    required=True,
    metavar="ID_OR_NAME",
    help="Who writes it: a participant's or staff member's id or name.",
)
@click.option(
    "--title",
    metavar="TEXT",
    help="The post's headline; also its file name (default: 'A post by <name>').",
)
def new_post(
    project: Path, debug: bool, today: dt.date | None, author_query: str, title: str | None
) -> None:
    """Start a blog post, as a draft."""
    from generator.scaffold import post_scaffold

    _write_scaffold(
        Context(project, debug, today), lambda loaded: post_scaffold(loaded, author_query, title)
    )


@new.command("guide")
@common
@click.argument("title")
def new_guide(project: Path, debug: bool, today: dt.date | None, title: str) -> None:
    """Start a guide called TITLE (it may use the programme's own values)."""
    from generator.scaffold import guide_scaffold

    _write_scaffold(Context(project, debug, today), lambda loaded: guide_scaffold(loaded, title))
