"""The audit reads markup as Chromium does: whatever runs script in the browser, the audit refuses.

Each case is markup that could reach a page's content by some route past the allow-list. It is
served in a page of its own (no CSP, so the browser shows what the markup itself does), opened
in Chromium, and every link in it clicked; the page reports whether any script ran. The audit's
verdict on the same file must cover the browser's: no case runs without being refused. Cases
where the markup is only text (inside <title>, <textarea>, a comment …) must not be refused,
so the audit does not cry wolf either.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from generator.markup import unsafe_markup
from tests.browser.conftest import open_tab, serve

pytestmark = pytest.mark.browser

RUN = "window.top.__ran=1"

# (name, markup): the markup is put inside <article>, as page content is.
CASES = [
    ("image error handler", f"<img src=missing.png onerror={RUN}>"),
    ("handler in mixed case", f"<img src=missing.png oNeRrOr={RUN}>"),
    ("svg load handler", f"<svg onload={RUN}></svg>"),
    ("details toggle handler", f"<details open ontoggle={RUN}><summary>s</summary></details>"),
    ("body attributes merged into the page's body", f"<body onload={RUN}>"),
    ("script element", f"<script>{RUN}</script>"),
    ("script inside svg", f"<svg><script>{RUN}</script></svg>"),
    (
        "image after a style inside svg",
        f"<svg><style><img src=missing.png onerror={RUN}></style></svg>",
    ),
    (
        "image breaking out of noscript through an attribute",
        f'<noscript><p title="</noscript><img src=missing.png onerror={RUN}>"></p></noscript>',
    ),
    (
        "declarative shadow root",
        f"<div><template shadowrootmode=open><img src=missing.png onerror={RUN}></template></div>",
    ),
    (
        "style closed inside an attribute after a stray </p> in svg",
        f'<svg></p><style><a id="</style><img src=missing.png onerror={RUN}>"></a></style></svg>',
    ),
    (
        "nested forms and math (mutation XSS shape)",
        "<form><math><mtext></form><form><mglyph><style></math>"
        f"<img src=missing.png onerror={RUN}>",
    ),
    ("script link with a tab in its scheme", f'<a href="java&#x09;script:{RUN}">go</a>'),
    ("script link as an entity", f'<a href="&#106;avascript:{RUN}">go</a>'),
    ("frame with its own document", f'<iframe srcdoc="<script>{RUN}</script>"></iframe>'),
    (
        "script in a declarative shadow root",
        f"<div><template shadowrootmode=open><script>{RUN}</script></template></div>",
    ),
    (
        "svg animation turning a link into script",
        f'<svg><a><set attributeName=href to="javascript:{RUN}"/><text y=20>go</text></a></svg>',
    ),
    (
        "svg animation with an encoded scheme",
        f'<svg><a><animate attributeName=href values="jav&#x61;script:{RUN}"/>'
        "<text y=20>go</text></a></svg>",
    ),
    ("unclosed tag at the end", f"<img src=missing.png onerror={RUN} "),
]
# Markup that is only text where it stands: nothing runs, and nothing is refused.
TEXT_ONLY = [
    ("inside a title", f"<title><img src=missing.png onerror={RUN}></title>"),
    ("inside a textarea", f"<textarea><img src=missing.png onerror={RUN}></textarea>"),
    ("inside a style", f"<style>p{{}}</style><style><img src=x onerror={RUN}></style>"),
    ("inside a comment", f"<!-- <img src=missing.png onerror={RUN}> -->"),
    ("escaped", f"&lt;img src=missing.png onerror={RUN}&gt;"),
    ("inside xmp", f"<xmp><img src=missing.png onerror={RUN}></xmp>"),
]


def _page(markup: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>case</title></head>'
        f"<body><article>{markup}</article></body></html>"
    )


# Whole pages, as bytes: what the browser decodes them as decides what they hold.
RAW_CASES = [
    (
        "markup hidden from UTF-8 by an ISO-2022-JP charset",
        (
            '<!doctype html><html><head><meta charset="iso-2022-jp"><title>t</title></head>'
            f"<body><p>hi \x1b$B<!\x1b(B-- <img src=missing.png onerror={RUN}> --></p>"
            "</body></html>"
        ).encode("ascii"),
    ),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """Write every case as a page; return name -> (file name, page)."""
    folder = tmp_path_factory.mktemp("markup")
    pages = {}
    for number, (name, markup) in enumerate(CASES + TEXT_ONLY):
        page = _page(markup)
        (folder / f"case{number}.html").write_text(page, encoding="utf-8")
        pages[name] = (f"case{number}.html", page)
    for number, (name, raw) in enumerate(RAW_CASES):
        (folder / f"raw{number}.html").write_bytes(raw)
        pages[name] = (f"raw{number}.html", "")
    pages["_folder"] = (str(folder), "")
    return pages


def _runs(chromium: Browser, base_url: str, path: str) -> bool:
    tab = open_tab(chromium, base_url)
    try:
        tab.page.goto(base_url + path)
        tab.page.wait_for_timeout(300)
        # Every link, including one whose address an animation sets after the page loads.
        for link in tab.page.locator("a").all():
            link.click(no_wait_after=True, force=True)
        tab.page.wait_for_timeout(200)
        return bool(tab.page.evaluate("() => window.__ran === 1"))
    finally:
        tab.page.context.close()


def test_every_markup_that_runs_in_chromium_is_refused_by_the_audit(
    chromium: Browser, served: dict[str, tuple[str, str]]
) -> None:
    ran, missed = [], []
    with serve(Path(served["_folder"][0])) as base_url:
        for name, _markup in CASES:
            path, page = served[name]
            if _runs(chromium, base_url, path):
                ran.append(name)
                if not unsafe_markup(page):
                    missed.append(name)
    assert missed == []
    # The corpus tests something: most of its cases do run script in a browser.
    assert len(ran) >= len(CASES) - 3, sorted(set(n for n, _ in CASES) - set(ran))


def test_a_page_the_browser_decodes_otherwise_is_refused_by_the_audit(
    chromium: Browser, served: dict[str, tuple[str, str]]
) -> None:
    folder = Path(served["_folder"][0])
    with serve(folder) as base_url:
        for name, raw in RAW_CASES:
            path, _ = served[name]
            assert _runs(chromium, base_url, path), f"{name}: the case no longer runs"
            assert unsafe_markup(raw), name
            # Read as the UTF-8 it claims to be in the site, the markup is hidden.
            assert unsafe_markup(raw.decode("utf-8")) == [], name


def test_markup_that_is_only_text_runs_nothing_and_is_not_refused(
    chromium: Browser, served: dict[str, tuple[str, str]]
) -> None:
    with serve(Path(served["_folder"][0])) as base_url:
        for name, _markup in TEXT_ONLY:
            path, page = served[name]
            assert not _runs(chromium, base_url, path), name
            assert unsafe_markup(page) == [], name
