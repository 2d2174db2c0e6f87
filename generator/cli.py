"""The `portal` command line: one command per pipeline entry point."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from generator import __version__
from generator.errors import InputError, PrivacyError, PublishError
from generator.wording import plural

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
        _fail(EXIT_INPUT, [str(p) for p in exc.problems] + [_problem_summary(exc)])
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
    except KeyboardInterrupt:
        _fail(EXIT_UNEXPECTED, ["interrupted"])
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
def schema() -> None:
    """Print the JSON Schema of programme.yaml (point your editor at it)."""
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
    from generator.pipeline import generate as run_generate

    with reporting(Context(project, debug, today)):
        result = run_generate(project, today, strict, preview=preview, progress=progress)
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

    with reporting(Context(project, debug, today)):
        result = run_build(project, today, strict, progress=progress)
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
    from generator.publish import DeployError, History
    from generator.publish import publish as run_publish

    with reporting(Context(project, debug, today)):
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
            click.echo(f"nothing to publish: {where} already holds this site")
        else:
            retried = (
                " (after one retry: someone else had published meanwhile)" if done.retried else ""
            )
            click.echo(
                f"published {outcome.pages} pages to {where} as commit "
                f"{(done.commit or '')[:12]}{retried}: {done.changes.summary()}"
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
        result = propose_matches(loaded, cohort_id, progress=progress)
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
