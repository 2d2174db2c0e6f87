"""The audit trusts nothing: secrets from the raw inputs, every file and path, disguises undone."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from generator.audit import Secrets, ThemeAssets, audit_site, collect_secrets, theme_directories
from generator.images import avatar_colour, avatar_drawing, remake_raster
from generator.pipeline import check_project
from tests.conftest import TODAY
from tests.scratch import PARTICIPANTS, PROGRAMME

# Susan never agreed to be named; 48213 is a numeric HR id, as some exports have.
SUSAN = (
    "48213,Susan Hargreaves,susan.h@example.org,mentee,B2,Housing,Director of Housing,HQ,,,,,"
    "Twenty years in housing.,,,c1,none\n"
)
EMAIL = "a participant's email (data/participants.csv column 'email')"
ID = "a participant id (data/participants.csv column 'id')"
NAME = "the name of a participant without consent (data/participants.csv column 'name')"


@pytest.fixture
def secrets(scratch: Callable[..., Path]) -> Secrets:
    root = scratch({"data/participants.csv": PARTICIPANTS + SUSAN})
    checked = check_project(root, TODAY)
    return collect_secrets(checked.project, checked.decisions)


def site(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "site"
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def findings(tmp_path: Path, secrets: Secrets, files: dict[str, str | bytes]) -> list[str]:
    return audit_site(site(tmp_path, files), secrets)


@pytest.mark.parametrize(
    "text",
    [
        "<p>Susan Hargreaves</p>",
        "<p>Su&#115;an Hargreaves</p>",
        "<p>Susan&nbsp;Hargreaves</p>",
        "<p>Susan\u200b Harg\u00adreaves</p>",
        "<p>Ѕusаn Hаrgreaves</p>",
        "<p>Susa\u0301n Hargreaves</p>",
        '<a href="/x?name=Susan%20Hargreaves">x</a>',
        '{"text": "Susan \\u0048argreaves"}',
    ],
)
def test_a_name_is_found_in_every_disguise(tmp_path: Path, secrets: Secrets, text: str) -> None:
    assert findings(tmp_path, secrets, {"page.html": text}) == [f"page.html: contains {NAME}"]


@pytest.mark.parametrize(
    "text",
    ["ref-P1", "(P1)", "P1.", "[P1]", "P1_photo", "id:P1", "«P1»"],
)
def test_ids_are_found_at_real_token_boundaries(
    tmp_path: Path, secrets: Secrets, text: str
) -> None:
    assert findings(tmp_path, secrets, {"page.html": f"<p>{text}</p>"}) == [
        f"page.html: contains {ID}"
    ]


@pytest.mark.parametrize("text", ["P0451x", "P 0451", "P-0451", "P<br>0451", "P0451s"])
def test_longer_ids_are_found_read_loosely(
    scratch: Callable[..., Path], tmp_path: Path, text: str
) -> None:
    extra = "P0451,Tom Other,tom@example.org,mentor,A1,Parks,Gardener,HQ,,,,,,,,c1,named\n"
    root = scratch({"data/participants.csv": PARTICIPANTS + extra})
    checked = check_project(root, TODAY)
    secrets = collect_secrets(checked.project, checked.decisions)
    assert findings(tmp_path, secrets, {"page.html": f"<p>{text}</p>"}) == [
        f"page.html: contains {ID}"
    ]


@pytest.mark.parametrize("text", ["P10", "AP1", "AP 1", "P1x"])
def test_ids_inside_longer_tokens_are_not_found(
    tmp_path: Path, secrets: Secrets, text: str
) -> None:
    assert findings(tmp_path, secrets, {"page.html": f"<p>{text}</p>"}) == []


@pytest.mark.parametrize(
    "text",
    [
        "<p>48213 sessions were held this year.</p>",  # a headline figure equal to the id
        "<p>We held 48,213 sessions.</p>",
        "<p>In 48213 the sun will be bigger.</p>",
    ],
)
def test_a_number_that_equals_a_numeric_id_is_a_figure(
    tmp_path: Path, secrets: Secrets, text: str
) -> None:
    assert findings(tmp_path, secrets, {"page.html": text}) == []


@pytest.mark.parametrize(
    "text",
    [
        "<p>Employee 48213 complained.</p>",
        "<p>Staff no: 48213</p>",
        "<p>ID #48213</p>",
        "<p>Contact 48213@example.org</p>",
        "<p>Susan Hargreaves, 48213</p>",  # next to another private value of the same person
    ],
)
def test_a_numeric_id_used_as_an_identifier_is_found(
    tmp_path: Path, secrets: Secrets, text: str
) -> None:
    assert f"page.html: contains {ID}" in findings(tmp_path, secrets, {"page.html": text})


def test_paths_are_audited_and_numeric_ids_always_count_there(
    tmp_path: Path, secrets: Secrets
) -> None:
    assert findings(
        tmp_path,
        secrets,
        {"people/susan-hargreaves.html": "<p>ok</p>", "images/48213.txt": "fine"},
    ) == [
        f"images/48213.txt: its path contains {ID}",
        f"people/susan-hargreaves.html: its path contains {NAME}",
    ]


def test_authored_text_exempts_nothing(tmp_path: Path, scratch: Callable[..., Path]) -> None:
    # A story that prints a colleague's email is not "public text": it is a leak.
    story = (
        "---\ntitle: T\ndate: 2026-05-01\nsummary: S.\nstatus: approved\n---\n\n"
        "Write to ben@example.org.\n"
    )
    root = scratch({"content/stories/t.md": story})
    checked = check_project(root, TODAY)
    secrets = collect_secrets(checked.project, checked.decisions)
    assert findings(tmp_path, secrets, {"stories/t.html": "<p>ben@example.org</p>"}) == [
        f"stories/t.html: contains {EMAIL}"
    ]


def test_a_grade_inside_a_public_job_title_is_exempt_and_says_why(
    scratch: Callable[..., Path], tmp_path: Path
) -> None:
    programme = PROGRAMME.replace(
        "grades: [A1, A2, B1, B2, SCS1]", "grades: [A1, A2, B1, B2, Director]"
    )
    participants = PARTICIPANTS.replace(",SCS1,", ",Director,")
    root = scratch({"programme.yaml": programme, "data/participants.csv": participants})
    checked = check_project(root, TODAY)
    secrets = collect_secrets(checked.project, checked.decisions)
    exempt = {n.folded: why for n, why in secrets.exempt.items() if n.kind == "grade"}
    assert exempt["director"] == (
        "the public job_title of a consenting participant (data/participants.csv)"
    )
    assert findings(tmp_path, secrets, {"page.html": "<p>Our Director</p>"}) == []
    # The eligibility rules name B2; a grade nothing public mentions stays secret.
    assert exempt["b2"] == "the public programme.yaml section 'design'"
    assert "a1" in exempt
    hidden = PROGRAMME.replace("Grades A1 and A2", "Junior colleagues")
    root = scratch(
        {
            "programme.yaml": hidden.replace("SCS1", "Director"),
            "data/participants.csv": participants,
        }
    )
    checked = check_project(root, TODAY)
    strict = collect_secrets(checked.project, checked.decisions)
    assert findings(tmp_path, strict, {"p.html": "<p>grade A1</p>"}) == [
        "p.html: contains a grade (data/participants.csv column 'grade')"
    ]


def test_script_in_pages_and_in_the_search_index_is_refused(
    tmp_path: Path, secrets: Secrets
) -> None:
    assert findings(
        tmp_path,
        secrets,
        {
            "a.html": '<img src="x" onerror="alert(1)">',
            "b.html": "<article><script>alert(1)</script></article>",
            "c.html": "<iframe src=x></iframe>",
            "search/search_index.json": '{"docs": [{"title": "<img src=x onerror=alert(1)>", "text": ""}]}',
            "ok.html": "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        },
    ) == [
        "a.html: contains an event handler attribute (onerror)",
        "b.html: contains a script inside the page content",
        "c.html: contains a <iframe> element",
        "search/search_index.json: contains an event handler attribute (onerror) (in the search index)",
    ]


def _jpeg_with_exif(artist: str) -> bytes:
    picture = Image.new("RGB", (16, 16), (200, 100, 50))
    exif = Image.Exif()
    exif[0x013B] = artist  # Artist
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_images_must_be_re_made_and_carry_no_metadata(tmp_path: Path, secrets: Secrets) -> None:
    clean = remake_raster(_jpeg_with_exif("Susan Hargreaves")).data
    folder = site(
        tmp_path,
        {
            "images/a.jpg": _jpeg_with_exif("Susan Hargreaves"),
            "images/b.jpg": clean,
            "images/c.jpg": clean,
            "images/d.png": b"PK\x03\x04 not a picture",
            "data.bin": b"\x00\x01\x02",
        },
    )
    import hashlib

    found = audit_site(folder, secrets, remade=frozenset({hashlib.sha256(clean).hexdigest()}))
    assert found == [
        "data.bin: a kind of file the portal never publishes",
        "images/a.jpg: still carries EXIF metadata",
        "images/d.png: is a ZIP archive, not a PNG picture",
    ]
    # A clean picture the build did not make is refused too.
    assert audit_site(folder, secrets, remade=frozenset()) == sorted(
        [
            *found,
            "images/b.jpg: an image the build did not re-make",
            "images/c.jpg: an image the build did not re-make",
        ]
    )


def test_compressed_text_is_unpacked_and_searched(tmp_path: Path, secrets: Secrets) -> None:
    sitemap = gzip.compress(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://x/P1.html</loc></url></urlset>"
    )
    assert findings(tmp_path, secrets, {"sitemap.xml.gz": sitemap}) == [
        f"sitemap.xml.gz: contains {ID}"
    ]


def test_theme_assets_are_recognised_by_their_bytes_not_their_names(
    tmp_path: Path, secrets: Secrets
) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    bundle = b"var x='P1';" + bytes(range(256))  # a minified bundle that happens to hold "P1"
    (theme / "some-engine-bundle.bin").write_bytes(bundle)
    folder = site(tmp_path, {"assets/anything.js": bundle, "assets/copy.js": bundle + b" "})
    assert audit_site(folder, secrets, ThemeAssets([theme])) == [
        "assets/copy.js: not text, though its name says it is"
    ]


def test_a_symlink_in_the_site_is_refused(tmp_path: Path, secrets: Secrets) -> None:
    folder = site(tmp_path, {"index.html": "<p>ok</p>"})
    (folder / "passwd.html").symlink_to("/etc/passwd")
    assert audit_site(folder, secrets) == [
        "passwd.html: a link to another file must never be part of the site"
    ]


# --- private outputs --------------------------------------------------------------------------

PRIVATE = "a private output of the programme office (report, certificate or announcement)"


@pytest.mark.parametrize(
    "page",
    [
        '<meta name="generator" content="portal-private-output">',
        '<meta name="generator" content="portal&#45;private&#45;output">',
        "<p>PORTAL-PRIVATE-OUTPUT</p>",
    ],
)
def test_a_page_carrying_the_private_marker_fails(
    tmp_path: Path, secrets: Secrets, page: str
) -> None:
    assert findings(tmp_path, secrets, {"news/health.html": page}) == [
        f"news/health.html: contains {PRIVATE}"
    ]


def test_certificates_emails_and_calendars_are_never_published(
    tmp_path: Path, secrets: Secrets
) -> None:
    found = findings(
        tmp_path,
        secrets,
        {"a.pdf": b"%PDF-1.4", "b.eml": "Subject: hi\n", "c.ics": "BEGIN:VCALENDAR\n"},
    )
    for name in ("a.pdf", "b.eml", "c.ics"):
        assert f"{name}: {PRIVATE} must never be part of the site" in found


def test_a_copy_of_the_health_report_fails_under_any_name(
    tmp_path: Path, scratch: Callable[..., Path]
) -> None:
    from generator.report import build_health_report, default_report_folder, write_health_report

    root = scratch()
    checked = check_project(root, TODAY)
    written = write_health_report(
        checked.project,
        build_health_report(checked.project),
        default_report_folder(checked.project),
    )
    secrets = collect_secrets(checked.project, checked.decisions)  # after the report exists
    html = next(p for p in written if p.suffix == ".html")
    table = next(p for p in written if p.suffix == ".csv")
    folder = site(tmp_path, {"notes.txt": table.read_bytes(), "x.html": html.read_bytes()})
    found = audit_site(folder, secrets)
    assert f"notes.txt: a copy of {PRIVATE}" in found
    assert f"x.html: a copy of {PRIVATE}" in found
    assert f"x.html: contains {PRIVATE}" in found


def test_a_copy_of_a_data_table_fails_under_any_name(
    tmp_path: Path, scratch: Callable[..., Path]
) -> None:
    root = scratch()
    checked = check_project(root, TODAY)
    secrets = collect_secrets(checked.project, checked.decisions)
    people = (root / "data" / "participants.csv").read_bytes()
    found = audit_site(site(tmp_path, {"assets/people.txt": people}), secrets)
    assert "assets/people.txt: a copy of a data table (data/participants.csv)" in found


def test_site_src_is_read_for_private_outputs_too(
    tmp_path: Path, scratch: Callable[..., Path]
) -> None:
    root = scratch()
    checked = check_project(root, TODAY)
    secrets = collect_secrets(checked.project, checked.decisions)
    # A report pasted into the sources as Markdown: the sanitiser would drop its <meta> on the
    # way into the site, so the sources are read as well.
    (root / "site_src").mkdir()
    (root / "site_src" / "health.md").write_text(
        '<meta name="generator" content="portal-private-output">\n# Health\n', encoding="utf-8"
    )
    folder = site(tmp_path, {"index.html": "<p>ok</p>"})
    assert audit_site(folder, secrets) == [f"site_src/health.md: contains {PRIVATE}"]


def test_a_private_photo_fails_under_any_name_as_it_is_or_re_made(
    tmp_path: Path, scratch: Callable[..., Path]
) -> None:
    """The red team put a photo of someone without consent in a story under another name."""
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 30, 60)).save(picture, format="PNG")
    photo = picture.getvalue()
    susan = SUSAN.replace(
        "Twenty years in housing.,,", "Twenty years in housing.,images/people/s.png,"
    )
    root = scratch(
        {"data/participants.csv": PARTICIPANTS + susan, "content/images/people/s.png": ""}
    )
    (root / "content" / "images" / "people" / "s.png").write_bytes(photo)
    checked = check_project(root, TODAY)
    secrets = collect_secrets(checked.project, checked.decisions)
    remade = remake_raster(photo).data
    smaller = io.BytesIO()
    Image.open(io.BytesIO(photo)).resize((20, 15)).save(smaller, format="JPEG", quality=60)
    other = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(other, format="PNG")
    found = findings(
        tmp_path,
        secrets,
        {
            "images/stories/colleague.png": remade,
            "images/a-copy.png": photo,
            "images/stories/smaller.jpg": remake_raster(smaller.getvalue()).data,
            "images/stories/someone-else.png": remake_raster(other.getvalue()).data,
        },
    )
    what = "a photo that may not be published (data/participants.csv column 'photo')"
    assert f"images/stories/colleague.png: {what}" in found
    assert f"images/a-copy.png: {what}" in found
    # Red team, round 2: resized and re-encoded as JPEG, it is still her photo.
    assert f"images/stories/smaller.jpg: {what} (the same picture, re-encoded or resized)" in found
    assert not [f for f in found if f.startswith("images/stories/someone-else.png:") and what in f]


def test_the_session_topics_of_a_pair_without_a_page_are_private(
    tmp_path: Path, scratch: Callable[..., Path]
) -> None:
    """Red team: a hidden pair's topics ("Neurodivergent staff") copied into a story."""
    people = PARTICIPANTS.replace("I fix things.,,,c1,named", "I fix things.,,,c1,none")
    sessions = (
        "pair_id,date,minutes,status,topics,mentor_rating,mentee_rating\n"
        "K1,2026-03-16,60,held,Intro,5,4\n"
        "K2,2026-03-17,60,held,Intro;Neurodivergent staff and first-year leavers,5,4\n"
    )
    root = scratch({"data/participants.csv": people, "data/sessions.csv": sessions})
    checked = check_project(root, TODAY)
    secrets = collect_secrets(checked.project, checked.decisions)
    page = "<p>We talked about neurodivergent staff and first-year leavers. Intro first.</p>"
    found = findings(tmp_path, secrets, {"stories/x.html": page})
    assert found == [
        "stories/x.html: contains the session topics of an unpublished pair "
        "(data/sessions.csv column 'topics')"
    ]  # "Intro" is K1's too, shown on its page: public


def test_page_addresses_cannot_be_traced_back_to_ids_without_the_url_secret(
    scratch: Callable[..., Path],
) -> None:
    """Red team: the key was the organisation and programme name, both printed on every page."""
    from generator.public import build_public_view, opaque_id

    root = scratch()
    checked = check_project(root, TODAY)
    site_view = build_public_view(checked.project, checked.decisions)
    keys = {p.key for p in site_view.pairs}
    config = checked.project.config
    public_key = f"{config.programme.organisation}\x00{config.programme.name}"
    guessed = {opaque_id("pair", p.pair_id, public_key) for p in checked.project.pairs}
    assert keys and not keys & guessed
    assert all(k.isalpha() and k.islower() and len(k) == 10 for k in keys)  # no digit runs
    secrets = collect_secrets(checked.project, checked.decisions)
    assert any(n.what == "programme.yaml's privacy.url_secret" for n in secrets.needles)


def test_a_programme_without_a_url_secret_is_warned(scratch: Callable[..., Path]) -> None:
    from tests.scratch import run_check

    programme = PROGRAMME.replace("  url_secret: scratch-programme-url-secret\n", "")
    code, lines = run_check(scratch({"programme.yaml": programme}))
    assert code == 0
    assert any(
        "warning: privacy.url_secret: privacy.url_secret is not set" in line for line in lines
    )


def test_a_large_site_shared_between_cores_is_judged_file_for_file_as_one_loop_would(
    tmp_path: Path, secrets: Secrets, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 600 files: enough for the audit to share them between processes (generator.parallel).
    leaks = {
        f"pages/p{n:03}.html": (
            "<p>Susan Hargreaves</p>" if n % 7 == 3 else f"<img src=x onerror=f({n})>"
        )
        for n in range(0, 600, 5)
    }
    quiet = {f"pages/q{n:03}.html": f"<p>page {n}</p>" for n in range(480)}
    folder = site(tmp_path, {**leaks, **quiet})
    expected = sorted(
        f"{rel}: contains {NAME}"
        if "Susan" in text
        else f"{rel}: contains an event handler attribute (onerror)"
        for rel, text in leaks.items()
    )
    assert audit_site(folder, secrets) == expected
    # The same answer from the plain loop, one process.
    monkeypatch.setattr("generator.parallel.FORKING", False)
    assert audit_site(folder, secrets) == expected


def test_an_engines_theme_bundle_is_a_theme_asset_by_its_bytes_whatever_the_engine(
    tmp_path: Path, secrets: Secrets, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A minified bundle may hold a string that looks like a participant id ("P1"); it is the
    # theme's own file, recognised by its bytes, under ProperDocs' Material or Zensical alike.
    bundle = 'var a={k:"P1"};function f(){return a.k}\n'
    package = tmp_path / "engines" / "zensical"
    (package / "templates" / "assets" / "javascripts").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "templates" / "assets" / "javascripts" / "bundle.js").write_text(
        bundle, encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "engines"))
    files = {"assets/javascripts/bundle.123.min.js": bundle, "page.html": "<p>P1</p>"}
    folder = site(tmp_path, files)
    themes = ThemeAssets(theme_directories(tmp_path))
    assert audit_site(folder, secrets, themes) == [f"page.html: contains {ID}"]
    # The same bytes are no theme's when no installed engine ships them.
    (package / "templates" / "assets" / "javascripts" / "bundle.js").write_text("other", "utf-8")
    assert audit_site(folder, secrets, ThemeAssets(theme_directories(tmp_path))) == [
        f"assets/javascripts/bundle.123.min.js: contains {ID}",
        f"page.html: contains {ID}",
    ]


def test_the_offline_search_index_and_result_addresses_are_checked_too(
    tmp_path: Path, secrets: Secrets
) -> None:
    def index(location: str, text: str) -> str:
        return json.dumps({"docs": [{"location": location, "title": "T", "text": text}]})

    live = index("index.html", '<p>x <img src=x onerror="f()"></p>')
    assert findings(
        tmp_path,
        secrets,
        {
            # The offline copy, which pages opened from a file share search instead.
            "search/search_index.js": f"var __index = {live}",
            "search/search_index.json": index("javascript:alert(1)//", "<p>x</p>"),
            "other/search_index.js": "window.x = 1",
        },
    ) == [
        "other/search_index.js: is not a readable search index",
        "search/search_index.js: contains an event handler attribute (onerror) (in the search index)",
        "search/search_index.json: contains a link that would run script (in the search index)",
    ]


def test_files_a_browser_would_run_by_their_kind_are_refused_wherever_they_are(
    tmp_path: Path, secrets: Secrets
) -> None:
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>https://intranet/a.html</loc></url></urlset>\n"
    )
    styled = sitemap.replace("?>\n", '?>\n<?xml-stylesheet type="text/xsl" href="x.xsl"?>\n')
    assert findings(
        tmp_path,
        secrets,
        {
            "sitemap.xml": sitemap,
            "sitemap.xml.gz": gzip.compress(sitemap.encode()),
            "assets/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"><script>f()</script></svg>',
            "feed.xml": '<root><x:script xmlns:x="http://www.w3.org/1999/xhtml">f()</x:script></root>',
            "styled/sitemap.xml": styled,
            "jis.html": '<meta charset="utf-8"><div title="\x1b$B"\x1b(B x="><p>">x</div>',
            "search/search_index.json": '{"__proto__": {"docs": []}, "docs": []}',
        },
    ) == [
        "assets/logo.svg: is an SVG drawing, but nothing drawable is left once scripts, links, "
        "embedded files and styles are removed",
        "feed.xml: holds more than a sitemap (XML that a browser could run as a page)",
        "jis.html: contains an ESC control character (it switches some encodings)",
        "search/search_index.json: is not a readable search index",
        "styled/sitemap.xml: holds more than a sitemap (XML that a browser could run as a page)",
    ]


def test_an_initials_avatar_of_a_public_name_passes_though_its_letters_spell_a_grade(
    scratch: Callable[..., Path], tmp_path: Path
) -> None:
    # Ada Junior (named) draws "AJ", and AJ is also a grade no public text mentions.
    programme = PROGRAMME.replace(
        "grades: [A1, A2, B1, B2, SCS1]", "grades: [AJ, A2, B1, B2, SCS1]"
    )
    programme = programme.replace("Grades A1 and A2", "Junior colleagues")
    participants = PARTICIPANTS.replace("mentor,A1,", "mentor,AJ,")
    root = scratch({"programme.yaml": programme, "data/participants.csv": participants + SUSAN})
    checked = check_project(root, TODAY)
    secrets = collect_secrets(checked.project, checked.decisions)
    assert "aj" in {n.folded for n in secrets.searched() if n.kind == "grade"}
    colour = avatar_colour(checked.project.config.site.primary_colour)
    ada = avatar_drawing("Ada Junior", colour)
    assert findings(tmp_path / "a", secrets, {"images/initials/a.svg": ada}) == []
    # The same letters anywhere else, or drawn any other way, are still the grade.
    grade = "x.svg: contains a grade (data/participants.csv column 'grade')"
    other = avatar_drawing("Ada Junior", "#000000")
    assert findings(tmp_path / "b", secrets, {"x.svg": other}) == [grade]
    assert findings(tmp_path / "c", secrets, {"x.svg": ada.replace("</svg>", "<!-- -->\n</svg>")})
    assert findings(tmp_path / "d", secrets, {"p.html": "<p>grade AJ</p>"}) == [
        "p.html: contains a grade (data/participants.csv column 'grade')"
    ]
    # Susan Hargreaves has not agreed to be named: her initials are no one's public avatar.
    assert hashlib.sha256(avatar_drawing("Susan Hargreaves", colour).encode()).hexdigest() not in (
        secrets.avatars
    )
