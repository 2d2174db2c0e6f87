"""The pipeline: load → validate → model → withhold → public view → render → assets → write →
build → audit (and match, publish).

Each function here composes stages; the stages themselves live in their own modules.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType

from jinja2 import TemplateError, TemplateSyntaxError

from generator import withhold
from generator.assets import image_file, remake_assets
from generator.audit import (
    Secrets,
    SiteAudit,
    ThemeAssets,
    collect_secrets,
    theme_directories,
)
from generator.build import BuildProgress, BuildReport, starting_mkdocs_build
from generator.clock import resolve_today
from generator.config import ProgrammeConfig
from generator.conversions import forget as forget_conversions
from generator.csp import write_csp
from generator.errors import InputError, PrivacyError, Problem, Problems
from generator.fingerprint import (
    RECORD,
    SITE_SRC,
    Record,
    code_digest,
    input_digest,
    read_record,
    tree_digests,
    unchanged_files,
)
from generator.load import (
    Table,
    check_site_inputs,
    iter_files,
    iter_markdown,
    load_markdown,
    load_table,
    load_yaml_file,
    read_input,
)
from generator.model import (
    ORG_CHART_REQUIRED,
    PAIR_REQUIRED,
    PARTICIPANT_REQUIRED,
    SESSION_REQUIRED,
    SURVEY_REQUIRED,
    Guide,
    ImageFile,
    OrgPerson,
    Pair,
    Participant,
    Post,
    Project,
    Session,
    Story,
    SurveyResponse,
)
from generator.pages import Source, check_slugs, slugify
from generator.parallel import (
    Channel,
    Forked,
    SharedEvent,
    begin,
    fewer_full_collections,
    shared_event,
    trim_heap,
)
from generator.public import PublicSite, build_public_view
from generator.render import make_environment, render_site
from generator.validate import (
    Inputs,
    Located,
    Rows,
    cross_check,
    validate_config,
    validate_document,
    validate_surveys,
    validate_table,
)
from generator.withhold import Decisions
from generator.write import (
    WriteReport,
    replace_directory,
    restore_tree,
    snapshot_of,
    snapshot_tree,
    state_folder,
    write_atomically,
    write_tree,
)

PROGRAMME_FILE = "programme.yaml"
SITE_DIR = "site"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class CheckResult:
    """A valid project, what the build will withhold, and the warnings found checking it."""

    project: Project
    warnings: list[Problem]
    decisions: Decisions


def check_project(root: Path, today: dt.date | None = None, strict: bool = False) -> CheckResult:
    """Load and validate everything; raise InputError listing every problem."""
    # Loading makes a million short-lived objects and no cycles worth collecting; the cyclic
    # collector's passes over them cost more than the loading itself (measured: 10,000
    # participants check in 1.2 s instead of 3 s without them).
    paused = gc.isenabled()
    gc.disable()
    try:
        return _check_project(root, today, strict)
    finally:
        if paused:
            gc.enable()


def _check_project(root: Path, today: dt.date | None, strict: bool) -> CheckResult:
    root = root.resolve()
    problems = Problems()
    config_path = root / PROGRAMME_FILE
    if not config_path.exists():
        raise InputError(
            [
                Problem(
                    PROGRAMME_FILE,
                    f"not found in {root}; run portal in the project folder or pass --project",
                )
            ]
        )
    doc = load_yaml_file(config_path, PROGRAMME_FILE, root=root)
    config, found = validate_config(doc, PROGRAMME_FILE)
    problems.extend(found)
    # No input under the project is read through a symbolic link (MkDocs and Jinja read
    # mkdocs.yml, theme/ and content/templates/ themselves: they are checked first).
    problems.extend(check_site_inputs(root))
    _raise_if_fatal(problems, strict)
    if config is None:  # pragma: no cover - validate_config always reports why
        raise AssertionError("validate_config returned no config and no error")

    def table_path(relative: str) -> tuple[Path, str]:
        # Normalised, not resolved: a link inside the project must be seen to be refused,
        # while a table outside it (real HR data should be) is the admin's to place.
        path = Path(os.path.normpath(root / relative))
        try:
            shown = path.relative_to(root).as_posix()
        except ValueError:
            shown = str(path)
        return path, shown

    columns = config.data.columns
    matching_columns = {
        *config.matching.must_differ,
        *config.matching.must_match,
        *config.matching.prefer_different,
        *config.matching.prefer_same,
    }

    required = {
        "participants": PARTICIPANT_REQUIRED,
        "pairs": PAIR_REQUIRED,
        "sessions": SESSION_REQUIRED,
        "surveys": SURVEY_REQUIRED,
        "people": ORG_CHART_REQUIRED,
    }
    # Grades are matched ignoring case and spacing, and kept in the programme's spelling.
    spellings = {"participants": {"grade": config.grades}}

    def read(kind: str, relative: str) -> Table | None:
        path, shown = table_path(relative)
        try:
            return load_table(
                path,
                shown,
                columns.get(kind),
                root=root,
                limits=config.limits,
                required=required[kind],
                header_row=config.data.header_row.get(kind),
                sheet=config.data.sheet.get(kind),
                spellings=spellings.get(kind),
            )
        except InputError as exc:
            problems.extend(exc.problems)
            return None

    # content/ is read and typed on another core while the tables are (when it is large).
    reading = _reading_content(root, config.limits.max_markdown_bytes, problems)
    with reading:
        participants_table = read("participants", config.data.participants)
        pairs_table = read("pairs", config.data.pairs)
        sessions_table = read("sessions", config.data.sessions) if config.data.sessions else None
        surveys_table = read("surveys", config.data.surveys) if config.data.surveys else None
        org_table = read("people", config.data.people) if config.data.people else None

        # A table that could not be read is marked so: rules about references to it are
        # skipped.
        participants: Rows[Participant] = Rows(config.data.participants, readable=False)
        pairs: Rows[Pair] = Rows(config.data.pairs, readable=False)
        sessions: Rows[Session] = Rows(config.data.sessions, readable=False)
        surveys: Rows[SurveyResponse] = Rows(config.data.surveys, readable=False)
        org_chart: Rows[OrgPerson] | None = (
            Rows(config.data.people, readable=False) if config.data.people else None
        )
        if participants_table is not None:
            participants, found = validate_table(
                participants_table,
                Participant,
                PARTICIPANT_REQUIRED,
                extra_into="extra",
                quiet_extras=matching_columns,
            )
            problems.extend(found)
        if pairs_table is not None:
            pairs, found = validate_table(pairs_table, Pair, PAIR_REQUIRED)
            problems.extend(found)
        if sessions_table is not None:
            sessions, found = validate_table(sessions_table, Session, SESSION_REQUIRED)
            problems.extend(found)
        if surveys_table is not None:
            surveys, found = validate_surveys(surveys_table, config)
            problems.extend(found)
        if org_table is not None:
            # The org chart is private and only its reporting lines are used: any other
            # column (a name, a job title) is allowed, dropped on reading, and not worth a
            # warning, unless a required column is missing, when an unmapped header is the
            # likely cause.
            complete = all(column in org_table.columns for column in ORG_CHART_REQUIRED)
            org_chart, found = validate_table(
                org_table,
                OrgPerson,
                ORG_CHART_REQUIRED,
                quiet_extras=org_table.columns if complete else (),
            )
            problems.extend(found)
        # What authored text may not say is made from the tables while content/ is read.
        everyone = withhold.private_values(
            participants.records(), pairs.records(), (s.name for s in config.staff)
        )
        content = reading.result()
    problems.extend(content.problems)

    # Every image is typed by its bytes, so a workbook named .png is found here, with its row.
    images = _image_files(
        root, root / "content" / "images", config.limits.max_image_bytes, problems
    )

    inputs = Inputs(
        config=config,
        config_doc=doc,
        config_file=PROGRAMME_FILE,
        participants=participants,
        pairs=pairs,
        sessions=sessions,
        surveys=surveys,
        stories=content.stories,
        posts=content.posts,
        guides=content.guides,
        images=images,
        org_chart=org_chart,
    )
    problems.extend(check_slugs(content.sources, [c.id for c in config.cohorts]))
    # Cross-file rules run even when some rows have errors: they skip what failed its own
    # checks, so every problem is found in one pass and none is reported twice.
    problems.extend(cross_check(inputs))
    _raise_if_fatal(problems, strict)
    project = Project(
        root=root,
        config=config,
        participants=participants.records(),
        pairs=pairs.records(),
        sessions=sessions.records(),
        surveys=surveys.records(),
        stories=tuple(s.record for s in content.stories),
        posts=tuple(p.record for p in content.posts),
        guides=tuple(sorted(content.guides, key=lambda g: (g.order, g.slug))),
        today=resolve_today(today),
        images=images,
        org_chart=MappingProxyType(
            {e.id: e.manager_id for e in (org_chart.records() if org_chart else ())}
        ),
    )
    # Consent holds in free text: what names someone it may not is withheld, with a warning.
    decisions = withhold.decide(project, everyone)
    problems.extend(decisions.warnings)
    _raise_if_fatal(problems, strict)
    return CheckResult(project, problems.warnings, decisions)


@dataclass(frozen=True)
class _Content:
    """content/'s Markdown, read and typed, and the problems found reading it."""

    problems: list[Problem]
    sources: list[Source]  # every content file whose name becomes a page address
    stories: list[Located[Story]]
    posts: list[Located[Post]]
    guides: list[Guide]


# Below this many Markdown files, reading them on another core costs more than it saves.
CONTENT_SHARED = 256


def _reading_content(root: Path, limit: int, problems: Problems) -> Forked[_Content]:
    """Start reading content/'s stories, posts and guides; a large folder on another core.

    The files are listed here (a link among them is a problem now); what reading and typing
    them finds comes back with the result, to be added where the plain loop would add it.
    """
    content = root / "content"
    folders = (
        _markdown_files(content / "stories", root, problems),
        _markdown_files(content / "blog", root, problems),
        _markdown_files(content / "guides", root, problems),
    )
    many = sum(len(paths) for paths in folders) >= CONTENT_SHARED
    work = partial(_read_content, root, folders, limit)
    return begin(work, passed=(InputError,), what="reading content/", here=not many)


def _read_content(
    root: Path, folders: tuple[list[Path], list[Path], list[Path]], limit: int, _tell: Channel
) -> _Content:
    problems = Problems()
    sources: list[Source] = []
    stories: list[Located[Story]] = []
    posts: list[Located[Post]] = []
    guides: list[Guide] = []
    story_files, post_files, guide_files = folders
    for paths, model, sink in ((story_files, Story, stories), (post_files, Post, posts)):
        for path in paths:
            relative = path.relative_to(root).as_posix()
            try:
                md = load_markdown(path, relative, root=root, limit=limit)
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            sources.append(Source("story" if model is Story else "post", relative, path.stem))
            located, found = validate_document(md, model, slugify(path.stem))
            problems.extend(found)
            if located is not None:
                sink.append(located)  # type: ignore[arg-type]
    for path in guide_files:
        relative = path.relative_to(root).as_posix()
        sources.append(Source("guide", relative, path.stem))
        try:
            md = load_markdown(path, relative, root=root, limit=limit)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        meta = md.meta.data or {}
        title = str(meta.get("title") or path.stem.replace("-", " ").capitalize())
        try:
            order = int(str(meta.get("order", 100)))
        except ValueError:
            where = md.meta.position(("order",))
            problems.add(
                Problem(
                    relative,
                    f"'{meta.get('order')}' is not a whole number",
                    field="order",
                    line=where.line if where else 1,
                )
            )
            order = 100
        guides.append(
            Guide(
                slug=slugify(path.stem),
                file=relative,
                title=title,
                body=md.body,
                order=order,
                body_line=md.body_line
                + md.body[: len(md.body) - len(md.body.lstrip())].count("\n"),
            )
        )
    return _Content(problems.items, sources, stories, posts, guides)


def _markdown_files(folder: Path, root: Path, problems: Problems) -> list[Path]:
    """List a content folder's Markdown files; links found there become problems."""
    try:
        return list(iter_markdown(folder, root))
    except InputError as exc:
        problems.extend(exc.problems)
        return []


def _image_files(root: Path, folder: Path, limit: int, problems: Problems) -> dict[str, ImageFile]:
    """Type every file under content/images/ by its bytes (never through a link)."""
    try:
        paths = list(iter_files(folder, root)) if folder.is_dir() else []
    except InputError as exc:
        problems.extend(exc.problems)
        return {}
    images: dict[str, ImageFile] = {}
    for path in paths:
        shown = path.relative_to(root).as_posix()
        try:
            data = read_input(path, shown, limit, root=root, setting="max_image_bytes")
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        images[path.relative_to(folder.parent).as_posix()] = image_file(data)
    return images


def _raise_if_fatal(problems: Problems, strict: bool) -> None:
    """Raise InputError on any error (or warning, when strict), listing the warnings too."""
    if problems.errors or (strict and problems.warnings):
        # Warnings are listed alongside errors: an unknown key often explains a missing one.
        raise InputError(sorted(problems.errors + problems.warnings, key=Problem.sort_key))


def load_project(root: Path, today: dt.date | None = None, strict: bool = False) -> Project:
    """Load and validate a project; raise InputError listing every problem."""
    return check_project(root, today, strict).project


@dataclass(frozen=True)
class Generated:
    """The outcome of `portal generate`."""

    project: Project
    site: PublicSite
    report: WriteReport
    warnings: list[Problem]
    decisions: Decisions
    remade: frozenset[str]


def generate(
    root: Path,
    today: dt.date | None = None,
    strict: bool = False,
    preview: bool = False,
    progress: Progress | None = None,
) -> Generated:
    """Check the project, then write site_src/ (only files whose bytes changed).

    When nothing that `generate` reads has changed since it last ran in this process on the
    same project (`generator.fingerprint`), and site_src/ still holds exactly what it wrote,
    the last outcome stands: nothing is checked, rendered or written again.
    """
    say = progress or (lambda _message: None)
    root = root.resolve()
    day = resolve_today(today)
    last = _last_generated if _last_generated and _last_generated.root == root else None
    settings = (day, strict, preview)
    tables = last.tables if last else _recorded_tables(root)
    inputs = input_digest(root, tables, *settings)
    if last is not None and last.inputs == inputs and tree_digests(root / SITE_SRC) == last.tree:
        report = WriteReport((), len(last.tree), ())
        say(f"inputs unchanged: site_src/ is up to date ({report.unchanged} files)")
        return replace(last.generated, report=report)
    generated = _generate(root, day, strict, preview, say)
    _remember(generated, settings, inputs, tables)
    return generated


@dataclass(frozen=True)
class Regenerated:
    """The outcome of `portal generate` run as a command: what it changed, and its warnings."""

    report: WriteReport
    warnings: list[Problem]


def regenerate(
    root: Path,
    today: dt.date | None = None,
    strict: bool = False,
    preview: bool = False,
    progress: Progress | None = None,
    recorded: bool = True,
) -> Regenerated:
    """`generate`, for a command that runs once and ends.

    Each run leaves a record beside the project's inputs (`fingerprint.RECORD`): the digest
    of the code, of every input and of each file it wrote. When the next run finds the same
    code and the same inputs, and site_src/ still as it was left, nothing is checked, rendered
    or written (unless *recorded* is false: the caller has looked). A run that warned leaves
    no record, so its warnings are given again each time.
    """
    say = progress or (lambda _message: None)
    root = root.resolve()
    day = resolve_today(today)
    if recorded:
        unchanged = unchanged_files(root, day, strict, preview)
        if unchanged is not None:
            say(f"inputs unchanged: site_src/ is up to date ({unchanged} files)")
            return Regenerated(WriteReport((), unchanged, ()), [])
    generated = generate(root, day, strict, preview, progress)
    last = _last_generated
    if not generated.warnings and last is not None and last.generated is generated:
        tables = tuple(str(table) for table in last.tables)
        kept = Record(code_digest(), last.inputs, tables, last.tree)
        try:
            state_folder(root)
            write_atomically(root / RECORD, kept.to_json().encode("utf-8"))
        except OSError:
            pass  # the record only saves time; without it the next run does all the work
    return Regenerated(generated.report, generated.warnings)


@dataclass(frozen=True)
class _LastGenerated:
    """What `generate` made last in this process, and from which inputs."""

    root: Path
    inputs: str
    tables: tuple[Path, ...]
    tree: dict[str, bytes]
    generated: Generated


_last_generated: _LastGenerated | None = None


def _remember(
    generated: Generated, settings: tuple[object, ...], inputs: str, tables: tuple[Path, ...]
) -> None:
    """Keep *generated* as the last outcome, with what site_src/ now holds."""
    global _last_generated
    root = generated.project.root
    data = generated.project.config.data
    named = [data.participants, data.pairs, data.sessions, data.surveys, data.people]
    now = tuple(sorted({Path(os.path.normpath(root / name)) for name in named if name}))
    if now != tables:  # the tables programme.yaml names (its bytes are in the digest)
        if input_digest(root, tables, *settings) != inputs:
            _last_generated = None  # an input changed while this run read them
            return
        inputs = input_digest(root, now, *settings)
    _last_generated = _LastGenerated(root, inputs, now, dict(generated.report.digests), generated)


def _recorded_tables(root: Path) -> tuple[Path, ...]:
    """The data tables the last run's record names (none without a record)."""
    record = read_record(root / RECORD)
    return tuple(Path(table) for table in record.tables) if record is not None else ()


def _generate(
    root: Path,
    today: dt.date,
    strict: bool,
    preview: bool,
    say: Progress,
    before_writing: Callable[[], object] = lambda: None,
) -> Generated:
    with fewer_full_collections():
        return _generate_all(root, today, strict, preview, say, before_writing)


def _generate_all(
    root: Path,
    today: dt.date,
    strict: bool,
    preview: bool,
    say: Progress,
    before_writing: Callable[[], object],
) -> Generated:
    say("checking programme.yaml, data and content")
    checked = check_project(root, today, strict)
    project = checked.project
    say(
        f"rendering pages for {len(project.pairs)} pairs, {len(project.stories)} stories, "
        f"{len(project.posts)} posts"
    )
    site = build_public_view(project, checked.decisions, preview=preview)
    env = make_environment(project.root)
    try:
        rendered = render_site(site, env)
    except TemplateSyntaxError as exc:
        raise InputError(
            [
                Problem(
                    _template_file(project.root, exc.name),
                    f"template error: {exc.message}",
                    line=exc.lineno,
                )
            ]
        ) from None
    except TemplateError as exc:
        raise InputError(
            [Problem(_template_file(project.root, None), f"template error: {exc}")]
        ) from None
    assets = remake_assets(project.root / "content", rendered.images, project.root / SITE_SRC)
    before_writing()
    report = write_tree(project.root / SITE_SRC, rendered.files, assets.files)
    say(
        f"site_src/: {len(report.written)} written, {report.unchanged} unchanged, "
        f"{len(report.removed)} removed"
    )
    return Generated(project, site, report, checked.warnings, checked.decisions, assets.remade)


def _template_file(root: Path, name: str | None) -> str:
    if name and (root / "content" / "templates" / name).is_file():
        return f"content/templates/{name}"
    return f"generator/templates/{name}" if name else "content/templates/"


@dataclass(frozen=True)
class Prepared:
    """What `portal build` keeps of generating site_src/: enough to build, audit and report.

    `build` generates in a process of its own (`preparing`): the programme's rows, the public
    view and the rendered sources, a few hundred megabytes at 10,000 participants, are gone
    before the site is audited, and what the audit searches for, taken from the raw inputs,
    follows (`Secrets`).
    """

    config: ProgrammeConfig
    root: Path
    today: dt.date
    warnings: list[Problem]
    remade: frozenset[str]


def preparing(
    root: Path,
    today: dt.date | None = None,
    strict: bool = False,
    progress: Progress | None = None,
    before_writing: Callable[[], object] = lambda: None,
) -> Forked[Secrets]:
    """Start generating site_src/ for a build in a forked copy of this process; return at once.

    The copy checks and renders, calls *before_writing*, writes site_src/ and hands over what
    the build needs (`Prepared`, from `Forked.part`); then it lists the private values the
    audit searches for (`Secrets`, from `Forked.result`) while the site builds.
    """

    def work(tell: Channel) -> Secrets:
        # Not `generate`: what it keeps for a next run would go with this process.
        generated = _generate(
            root.resolve(), resolve_today(today), strict, False, tell, before_writing
        )
        project = generated.project
        tell.hand_over(
            Prepared(
                project.config, project.root, project.today, generated.warnings, generated.remade
            )
        )
        decisions = generated.decisions
        # The sources are written and the public view is done with: what the secrets need is
        # the inputs, and the rest goes back to the system while the site builds beside this.
        del generated
        gc.collect()
        trim_heap()
        return collect_secrets(project, decisions)

    return begin(work, progress, passed=(InputError,), what="generating site_src/")


@dataclass(frozen=True)
class Built:
    """The outcome of `portal build`."""

    generated: Prepared
    site_dir: Path
    build: BuildReport
    pages: int


def build(
    root: Path,
    today: dt.date | None = None,
    strict: bool = False,
    site_dir: Path | None = None,
    progress: Progress | None = None,
    on_page: BuildProgress | None = None,
) -> Built:
    """Check, generate, build strictly into a fresh directory, audit, then swap it into site/.

    *on_page* hears (steps done, steps in all) as the site builds: each page is read, then
    rendered, so a bar can show counts and time left.

    The stages overlap where one waits for nothing of another, each in a process of its own
    (`generator.parallel.begin`): site_src/ is copied aside while the project is checked (it
    is written only once the copy is whole), and what the audit searches for is listed, and
    its search set up, while the engine starts on the site.
    """
    say = progress or (lambda _message: None)
    # site_src/ is staged like site/: a build that fails (the audit above all) leaves the
    # sources as they were before it.
    sources = root.resolve() / SITE_SRC
    taken = shared_event()
    try:
        with (
            begin(partial(_snapshot, sources, taken), what="copying site_src/ aside") as copying,
            preparing(root, today, strict, progress, taken.wait) as generating,
        ):
            snapshot = copying.result()
            prepared: Prepared = generating.part()
            target = (site_dir or prepared.root / SITE_DIR).resolve()
            staging = target.with_name(target.name + ".building")
            if staging.exists():
                shutil.rmtree(staging)
            say("building the site with MkDocs (strict)")
            try:
                with starting_mkdocs_build(prepared.root, staging, prepared.today, on_page) as site:
                    theme = ThemeAssets(theme_directories(prepared.root))
                    audit = SiteAudit(generating.result(), theme, prepared.remade)
                    report = site.result()
                # The hashes of the theme's own inline scripts, for the server's CSP (deploy/).
                write_csp(staging)
                if strict and report.removed:
                    raise InputError(list(report.removed))
                say("auditing every built file for private values")
                findings = audit(staging)
                if findings:
                    raise PrivacyError(findings)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                forget_conversions(prepared.root)  # they may hold what the audit refused
                raise
    except BaseException:
        if taken.is_set():  # the copy is whole, so site_src/ may have been written since
            restore_tree(snapshot_of(sources), sources)
        raise
    replace_directory(staging, target, snapshot)
    pages = sum(1 for _ in target.rglob("*.html"))
    return Built(prepared, target, report, pages)


def _snapshot(sources: Path, taken: SharedEvent, _tell: Channel) -> Path | None:
    snapshot = snapshot_tree(sources)
    taken.set()
    return snapshot
