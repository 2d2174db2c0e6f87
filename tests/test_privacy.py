"""Privacy: canaries in every private place never reach site_src/ or site/; the audit catches leaks."""

from __future__ import annotations

import html
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from generator.errors import PrivacyError
from generator.pipeline import build, generate
from generator.public import md_body, md_text
from generator.sanitise import clean_content
from tests.conftest import TODAY, add_site_files
from tests.scratch import PROGRAMME

CANARY_PARTICIPANTS = (
    "id,name,email,role,grade,department,job_title,location,manager_id,skills_offered,skills_wanted,"
    "interests,bio,photo,pronouns,cohort,consent,ethnicity\n"
    "EMPCANARY01,Ada Junior,canary.ada@mail-canary.example,mentor,A1,Digital,Apprentice,Quokkaville Depot,"
    "EMPCANARY03,TikTok,Budgets,Running,I build things.,,,c1,named,Ethnicity Canary Value\n"
    "EMPCANARY02,Ben Junior,canary.ben@mail-canary.example,mentor,A2,Housing,Officer,HQ,EMPCANARY04,"
    "Power BI,Influencing,Chess,I fix things.,,,c1,named,\n"
    "EMPCANARY03,Cat Senior,canary.cat@mail-canary.example,mentee,Kestrelgrade,Finance,Director,HQ,,"
    "Budgets,TikTok,Running,I lead things.,,,c1,named,\n"
    "EMPCANARY04,Dan Senior,canary.dan@mail-canary.example,mentee,B2,Planning,Head of Planning,HQ,,"
    "Influencing,Power BI,Chess,I plan things.,,,c1,named,\n"
    "EMPCANARY05,Zebedee Nonconsenter,canary.zed@mail-canary.example,mentor,A1,Parks,Canary Jobtitle Quokka,"
    "HQ,EMPCANARY04,Mowing,Budgets,Wombats,Canary bio about wombats.,,,c1,none,\n"
    "EMPCANARY06,Cat Nonconsenter,canary.cn@mail-canary.example,mentee,Kestrelgrade,Legal,Chief Solicitor,HQ,,"
    "Law,Mowing,Chess,Canary senior bio.,,,c1,none,\n"
)
CANARY_PAIRS = (
    "pair_id,mentor_id,mentee_id,cohort,status,start_date,goals\n"
    "PAIRCANARY1,EMPCANARY01,EMPCANARY04,c1,active,2026-03-09,Learn TikTok\n"
    "PAIRCANARY2,EMPCANARY02,EMPCANARY03,c1,active,2026-03-09,Power BI\n"
    "PAIRCANARY3,EMPCANARY05,EMPCANARY06,c1,active,2026-03-09,Canary goal of a hidden pair\n"
)
CANARIES = {
    "email": "canary.ada@mail-canary.example",
    "email of non-consenting": "canary.zed@mail-canary.example",
    "grade": "Kestrelgrade",
    "manager id": "EMPCANARY03",
    "participant id": "EMPCANARY01",
    "pair id": "PAIRCANARY1",
    "diversity column": "Ethnicity Canary Value",
    "non-public field (location)": "Quokkaville Depot",
    "non-consenting name": "Zebedee Nonconsenter",
    "non-consenting job title": "Canary Jobtitle Quokka",
    "non-consenting bio": "Canary bio about wombats",
    "hidden pair goal": "Canary goal of a hidden pair",
    "draft post": "Draft Canary Headline",
    "future post": "Future Canary Headline",
    "unconsented story": "Unconsented Canary Story",
}


def _story(title: str, status: str, consent: str) -> str:
    return (
        f"---\ntitle: {title}\ndate: 2026-05-01\nsummary: A summary.\npair: PAIRCANARY2\n"
        f"status: {status}\n{consent}---\n\nThe story.\n"
    )


def _post(title: str, date: str, draft: str) -> str:
    return f"---\ntitle: {title}\ndate: {date}\nauthors: [office]\ndraft: {draft}\n---\n\nText.\n"


@pytest.fixture
def canary_project(scratch: Callable[..., Path]) -> Path:
    """A scratch programme with a canary value in every private place."""
    programme = PROGRAMME.replace(
        "grades: [A1, A2, B1, B2, SCS1]", "grades: [A1, A2, B1, B2, Kestrelgrade]"
    )
    root = scratch(
        {
            "programme.yaml": programme,
            "data/participants.csv": CANARY_PARTICIPANTS,
            "data/pairs.csv": CANARY_PAIRS,
            "data/sessions.csv": "pair_id,date,minutes,status,topics,mentor_rating,mentee_rating\n",
            "data/surveys.csv": "participant_id,cohort,phase,confidence\n",
            "content/blog/draft.md": _post("Draft Canary Headline", "2026-05-01", "true"),
            "content/blog/future.md": _post("Future Canary Headline", "2027-05-01", "false"),
            "content/blog/published.md": _post("A published post", "2026-05-01", "false"),
            "content/stories/unconsented.md": _story(
                "Unconsented Canary Story",
                "awaiting-consent",
                "consent:\n  EMPCANARY02: 2026-04-01\n",
            ),
            "content/stories/consented.md": _story(
                "A consented story",
                "approved",
                "consent:\n  EMPCANARY02: 2026-04-01\n  EMPCANARY03: 2026-04-02\n",
            ),
        }
    )
    return add_site_files(root)


def _all_text(folder: Path) -> str:
    chunks = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            raw = path.read_bytes().decode("utf-8", errors="ignore")
            chunks.append(html.unescape(raw.replace("\\u0027", "'")))
    return "\n".join(chunks).casefold()


def test_no_canary_reaches_site_src_or_site(canary_project: Path) -> None:
    result = build(canary_project, today=TODAY)
    assert result.pages > 10
    for where in ("site_src", "site"):
        text = _all_text(canary_project / where)
        leaked = sorted(name for name, value in CANARIES.items() if value.casefold() in text)
        assert leaked == [], f"{where} leaks: {leaked}"
    # The consenting people and the published content are there.
    site_text = _all_text(canary_project / "site")
    assert "ada junior" in site_text
    assert "a consented story" in site_text
    assert "a published post" in site_text


def test_no_data_file_is_copied(canary_project: Path) -> None:
    (canary_project / "content" / "images").mkdir(parents=True)
    (canary_project / "content" / "images" / "export.csv").write_text("id\n1\n")
    build(canary_project, today=TODAY)
    suffixes = {p.suffix for p in (canary_project / "site").rglob("*") if p.is_file()}
    assert not suffixes & {".csv", ".xlsx", ".yaml"}


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_the_build_audits_for_the_private_values_of_the_raw_inputs(canary_project: Path) -> None:
    # `portal build` lists what its audit searches for in the forked process that generates
    # site_src/ (pipeline.preparing), after handing over what the site build needs: the list
    # that comes back is the raw inputs' own, whole.
    from generator.audit import collect_secrets
    from generator.parallel import FORKING
    from generator.pipeline import Prepared, check_project, preparing

    assert FORKING, "the build machines fork; this test is about the forked stage"
    with preparing(canary_project, TODAY) as forked:
        assert isinstance(forked.part(), Prepared)
        secrets = forked.result()
    checked = check_project(canary_project, TODAY)
    expected = collect_secrets(checked.project, checked.decisions)
    assert secrets == expected
    searched = {needle.folded for needle in secrets.searched()}
    assert {"canary.ada@mail-canary.example", "empcanary01"} <= searched


def test_the_audit_refuses_a_private_value_written_by_hand_after_render(
    canary_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The audit must not depend on the public view being right: put a private value into a
    # generated page between render and build, and it must still be found.
    import generator.pipeline as pipeline

    build(canary_project, today=TODAY)
    site_before = _tree(canary_project / "site")
    sources_before = _tree(canary_project / "site_src")
    real_build = pipeline.starting_mkdocs_build

    def tampered(root: Path, site_dir: Path, today: object, on_page: object) -> object:
        page = root / "site_src" / "about.md"
        page.write_text(
            page.read_text() + "\nWrite to canary.ada@mail-canary.example (ref-EMPCANARY01)\n"
        )
        return real_build(root, site_dir, today, on_page)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "starting_mkdocs_build", tampered)
    with pytest.raises(PrivacyError) as caught:
        build(canary_project, today=TODAY)
    assert caught.value.findings == [
        "about.html: contains a participant id (data/participants.csv column 'id')",
        "about.html: contains a participant's email (data/participants.csv column 'email')",
        "search/search_index.js: contains a participant id (data/participants.csv column 'id')",
        "search/search_index.js: contains a participant's email (data/participants.csv column 'email')",
        "search/search_index.json: contains a participant id (data/participants.csv column 'id')",
        "search/search_index.json: contains a participant's email (data/participants.csv column 'email')",
    ]
    assert "canary.ada" not in str(caught.value) and "EMPCANARY01" not in str(caught.value)
    assert _tree(canary_project / "site") == site_before, "a failed audit leaves site/ as it was"
    assert _tree(canary_project / "site_src") == sources_before, "and site_src/ too"
    assert not (canary_project / "site.building").exists()


def test_a_guide_giving_a_participant_email_is_withheld_with_a_warning(
    canary_project: Path,
) -> None:
    leak = canary_project / "content" / "guides" / "contacts.md"
    leak.parent.mkdir(parents=True, exist_ok=True)
    leak.write_text("---\ntitle: Contacts\n---\n\nWrite to canary.ada@mail-canary.example\n")
    result = build(canary_project, today=TODAY)
    assert (
        "content/guides/contacts.md:5: warning: body: withheld: gives the email address of "
        "Ada Junior (EMPCANARY01); participants' emails are never published"
    ) in [str(w) for w in result.generated.warnings]
    assert not (canary_project / "site" / "guides" / "contacts.html").exists()
    assert "canary.ada" not in _all_text(canary_project / "site")


def test_withdrawn_consent_removes_the_person(canary_project: Path) -> None:
    build(canary_project, today=TODAY)
    assert "ada junior" in _all_text(canary_project / "site")
    csv = canary_project / "data" / "participants.csv"
    lines = csv.read_text().splitlines()
    lines[1] = lines[1].replace(",named,", ",none,")
    csv.write_text("\n".join(lines) + "\n")
    build(canary_project, today=TODAY)
    for where in ("site_src", "site"):
        assert "ada junior" not in _all_text(canary_project / where)


# --- participant text is inert ------------------------------------------------------------

INJECTIONS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt&#58;alert(1))",
    "[click]( javascript:alert(1) )",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[ref][x]\n\n[x]: javascript:alert(1)",
    "![img](javascript:alert(1))",
    'text {: onclick="alert(1)" }',
    "# Heading { onclick=alert(1) }",
    "{{ 7*7 }} {% if true %}jinja{% endif %}",
    '--8<-- "/etc/passwd"',
    "---\ntitle: hijack\n---",
    "<a href='javascript:alert(1)'>x</a>",
    "```{.python onclick=alert(1)}\ncode\n```",
    "<!-- more --> <iframe src=//evil.example>",
    "<https://evil.example>",
    "[x](java\nscript:alert(1))",
    "[x](\njavascript:alert(1))",
    "[r]\n\n[r]:\njavascript:alert(1)",
    "[r]\n\n[r]: <\njavascript:alert(1)>",
]
EXTENSIONS = ["attr_list", "md_in_html", "tables", "def_list", "footnotes", "abbr", "admonition"]


SAFE_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "code",
    "pre",
    "blockquote",
    "hr",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
    "sup",
    "div",
    "dl",
    "dt",
    "dd",
    "abbr",
    "span",
    "svg",
    "path",
    "small",
    "details",
    "summary",
}


class _LiveSyntax(HTMLParser):
    """Collect every element, attribute or URL in rendered HTML that could run or load something."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SAFE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc", "formaction"}:
                self.found.append(f"{tag}[{name}]")
            if name in {"href", "src"} and value is not None:
                squashed = "".join(html.unescape(value).split()).casefold()
                if squashed.startswith(("javascript:", "data:", "vbscript:", "//")):
                    self.found.append(f"{tag}[{name}={squashed[:12]}]")


def _is_inert(rendered: str) -> list[str]:
    parser = _LiveSyntax()
    parser.feed(rendered)
    text = html.unescape(rendered)
    parser.found += [m for m in ("{{ 7*7 }}",) if "49" in text and m not in text]
    return parser.found


@pytest.mark.parametrize("payload", INJECTIONS)
def test_plain_fields_render_as_their_own_text(payload: str) -> None:
    rendered = markdown.markdown(f"Bio: {md_text(payload)}", extensions=EXTENSIONS)
    assert _is_inert(rendered) == []
    shown = html.unescape(rendered.removeprefix("<p>").removesuffix("</p>"))
    assert shown == "Bio: " + " ".join(payload.split())


@pytest.mark.parametrize("payload", INJECTIONS)
def test_markdown_bodies_lose_live_syntax_once_the_allow_list_has_judged_the_html(
    payload: str,
) -> None:
    rendered = markdown.markdown(md_body(payload), extensions=EXTENSIONS)
    assert _is_inert(clean_content(rendered).html) == []


def test_markdown_bodies_keep_ordinary_formatting() -> None:
    body = "## What changed\n\n**Bold** and *italic*, a [link](https://intranet.example/x) and a list:\n\n- one\n- two"
    rendered = clean_content(markdown.markdown(md_body(body), extensions=EXTENSIONS)).html
    assert "<h2>What changed</h2>" in rendered
    assert '<a href="https://intranet.example/x">link</a>' in rendered
    assert "<li>two</li>" in rendered


def test_second_generate_rewrites_nothing(canary_project: Path) -> None:
    first = generate(canary_project, today=TODAY)
    assert first.report.written
    stamps = {
        p: p.stat().st_mtime_ns for p in (canary_project / "site_src").rglob("*") if p.is_file()
    }
    second = generate(canary_project, today=TODAY)
    assert second.report.written == ()
    assert second.report.removed == ()
    assert {
        p: p.stat().st_mtime_ns for p in (canary_project / "site_src").rglob("*") if p.is_file()
    } == stamps


def test_generate_removes_stale_pages(canary_project: Path) -> None:
    generate(canary_project, today=TODAY)
    (canary_project / "content" / "blog" / "published.md").unlink()
    report = generate(canary_project, today=TODAY).report
    assert report.removed == ("blog/posts/published.md",)


def test_audit_flags_a_script_link_that_reached_a_page(tmp_path: Path) -> None:
    from generator.audit import audit_site

    (tmp_path / "page.html").write_text(
        '<p><a href="java&#10;script:alert(1)">x</a> <a href="../ok.html">y</a></p>'
    )
    (tmp_path / "safe.html").write_text('<a href="https://example.org/">z</a>')
    assert audit_site(tmp_path, []) == ["page.html: contains a link that would run script"]


def test_audit_ignores_a_script_link_shown_as_text(tmp_path: Path) -> None:
    from generator.audit import audit_site

    (tmp_path / "page.html").write_text('<p>&lt;a href="javascript:alert(1)"&gt;raw&lt;/a&gt;</p>')
    (tmp_path / "bare.html").write_text("<a class=x href=javascript:alert(1)>x</a>")
    assert audit_site(tmp_path, []) == ["bare.html: contains a link that would run script"]


def test_org_chart_never_reaches_the_site_and_its_ids_are_audited(canary_project: Path) -> None:
    # People outside the programme: their ids and names stay private, like the table itself.
    programme = canary_project / "programme.yaml"
    programme.write_text(
        programme.read_text(encoding="utf-8").replace(
            "  surveys: data/surveys.csv\n",
            "  surveys: data/surveys.csv\n  people: data/org-chart.csv\n",
        ),
        encoding="utf-8",
    )
    (canary_project / "data" / "org-chart.csv").write_text(
        "id,manager_id,name\nORGCANARY77,,Orgchart Canary Name\nEMPCANARY03,ORGCANARY77,Cat\n",
        encoding="utf-8",
    )
    build(canary_project, today=TODAY)
    for where in ("site_src", "site"):
        text = _all_text(canary_project / where)
        assert "orgcanary77" not in text and "orgchart canary name" not in text, where
    leak = canary_project / "content" / "guides" / "contacts.md"
    leak.parent.mkdir(parents=True, exist_ok=True)
    leak.write_text("---\ntitle: Contacts\n---\n\nAsk ORGCANARY77.\n", encoding="utf-8")
    with pytest.raises(PrivacyError) as caught:
        build(canary_project, today=TODAY)
    assert "guides/contacts.html: contains an org chart id (data/org-chart.csv column 'id')" in (
        caught.value.findings
    )
