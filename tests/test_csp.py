"""The Content-Security-Policy: hashes of the theme's inline scripts, nginx, the deploy hook."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from generator.csp import (
    NGINX_INCLUDE,
    POLICY_DIR,
    POLICY_TEXT,
    inline_script_hashes,
    write_csp,
)
from generator.errors import PublishError
from generator.publish import publish_site
from tests.nginx import check_config, serve_with_nginx, write_config
from tests.test_publish import Server, git, make_server

pytestmark = pytest.mark.build

# The one line deploy/post-receive accepts as <webroot>/csp.conf (kept in step with the hook).
HOOK_PATTERN = re.compile(
    r"""add_header Content-Security-Policy "[-A-Za-z0-9 ';:/.+=*_]+" always;"""
)


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own git configuration out of the deploy tests."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def sha256(text: str) -> str:
    """Return the source expression a browser matches an inline script against."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def directives(policy: str) -> dict[str, list[str]]:
    """Split a policy into its directives."""
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {name: values for name, *values in parts}


@pytest.fixture
def demo_copy(built_demo: Path, tmp_path: Path) -> Path:
    """Return a copy of the built demo's site/ that a test may change."""
    return Path(shutil.copytree(built_demo / "site", tmp_path / "site"))


def test_hashes_cover_inline_scripts_as_the_browser_reads_them(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "deep" / "er").mkdir(parents=True)
    (site / ".portal").mkdir(exist_ok=True)
    (site / "index.html").write_text(
        "<!doctype html><html><head>"
        "<script>__md_scope=new URL('.',location)</script>"
        '<script src="assets/bundle.js"></script>'
        '<script src="x.js">ignored: src wins</script>'
        '<script id="__config" type="application/json">{"base": "."}</script>'
        '<script type="text/template"><p>not run</p></script>'
        "</head><body>"
        '<SCRIPT type="module">import("./a.js") // &amp; stays raw</SCRIPT>'
        "<script>if (1 < 2 && '</p>') {}</script>"
        '<article class="md-content__inner"><script>alert("content")</script></article>'
        "</body></html>",
        encoding="utf-8",
    )
    (site / "deep" / "er" / "page.html").write_text(
        "<script>\r\nvar a = 'é';\r\n</script><script>__md_scope=new URL('.',location)</script>",
        encoding="utf-8",
    )
    (site / ".portal" / "hidden.html").write_text("<script>hidden()</script>", encoding="utf-8")

    expected = {
        sha256("__md_scope=new URL('.',location)"),
        sha256('import("./a.js") // &amp; stays raw'),
        sha256("if (1 < 2 && '</p>') {}"),
        sha256("\nvar a = 'é';\n"),  # line breaks normalised to LF, like the HTML parser's
    }
    assert inline_script_hashes(site) == sorted(expected)


def test_the_demo_policy_allows_the_themes_inline_scripts_and_nothing_inline_else(
    demo_copy: Path,
) -> None:
    include = write_csp(demo_copy)

    assert include == demo_copy / POLICY_DIR / NGINX_INCLUDE
    line = include.read_text(encoding="utf-8")
    assert line.endswith("\n") and line.count("\n") == 1
    assert HOOK_PATTERN.fullmatch(line.rstrip("\n")), line
    policy = (demo_copy / POLICY_DIR / POLICY_TEXT).read_text(encoding="utf-8").rstrip("\n")
    assert line == f'add_header Content-Security-Policy "{policy}" always;\n'
    found = directives(policy)
    hashes = inline_script_hashes(demo_copy)
    assert found["script-src"] == ["'self'", *hashes]
    assert "'unsafe-inline'" not in found["script-src"]
    assert found["object-src"] == ["'none'"]
    assert found["base-uri"] == ["'self'"]
    assert found["frame-ancestors"] == ["'self'"]
    assert found["default-src"] == ["'self'"]
    # An independent count: every attribute-less <script> of the demo is one of the theme's.
    theme = set()
    for page in demo_copy.rglob("*.html"):
        for text in re.findall(r"<script>(.*?)</script>", page.read_text(), re.S):
            theme.add(sha256(text))
    assert set(hashes) == theme and len(hashes) >= 2
    assert any("__md_scope" in text for text in _scripts(demo_copy / "index.html"))


def _scripts(page: Path) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", page.read_text(), re.S)


def test_nginx_accepts_the_shipped_config_and_sends_the_sites_policy(
    demo_copy: Path, tmp_path: Path
) -> None:
    include = write_csp(demo_copy)
    webroot = tmp_path / "www"
    (webroot / "releases").mkdir(parents=True)
    shutil.move(demo_copy, webroot / "releases" / "r1")
    os.symlink("releases/r1", webroot / "current")
    shutil.copy2(webroot / "current" / POLICY_DIR / NGINX_INCLUDE, webroot / "csp.conf")
    policy = (webroot / "current" / POLICY_DIR / POLICY_TEXT).read_text().rstrip("\n")
    assert not include.exists()  # moved with the release

    checked = check_config(write_config(webroot, tmp_path / "nginx-t", 8))
    assert checked.returncode == 0, checked.stderr
    with serve_with_nginx(webroot, tmp_path / "nginx") as base:
        with urllib.request.urlopen(base + "about.html", timeout=10) as response:
            headers = response.headers
        hidden = []
        for path in (f"{POLICY_DIR}/{NGINX_INCLUDE}", f"{POLICY_DIR}/{POLICY_TEXT}"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + path, timeout=10)
            hidden.append(refused.value.code)
            refused.value.close()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "missing.html", timeout=10)
        missing_policy = missing.value.headers["Content-Security-Policy"]
        missing.value.close()

    assert headers["Content-Security-Policy"] == policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert hidden == [403, 403], "nginx never serves the hidden policy folder"
    assert missing_policy == policy, "the 404 page is sent with the policy too"


# --- the deploy hook keeps <webroot>/csp.conf in step with the live release -----------------


@pytest.fixture
def server(tmp_path: Path) -> Server:
    """Return an intranet server whose reload command records each policy it would load."""
    made = make_server(tmp_path / "server" / "intranet.git", tmp_path / "server" / "www")
    log = tmp_path / "reloads.log"
    reload = f"cat '{made.www / 'csp.conf'}' >> '{log}'"
    git("--git-dir", str(made.bare), "config", "portal.reload", reload)
    return made


def reloads(tmp_path: Path) -> list[str]:
    """Return the policy lines the web server was reloaded with, in order."""
    log = tmp_path / "reloads.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.publish
def test_the_deploy_hook_installs_the_live_policy_and_reloads_the_server(
    server: Server, demo_copy: Path, tmp_path: Path
) -> None:
    index = demo_copy / "index.html"
    original = index.read_text()
    theme_script = "<script>window.__theme_version=1</script></head>"
    index.write_text(original.replace("</head>", theme_script, 1))
    write_csp(demo_copy)
    first_line = (demo_copy / POLICY_DIR / NGINX_INCLUDE).read_text().rstrip("\n")
    publish_site(demo_copy, server.remote)
    assert (server.www / "csp.conf").read_text() == first_line + "\n"
    assert reloads(tmp_path) == [first_line]

    # The theme's inline script changes: during the switch the server accepts the scripts of
    # both releases, then only the live one's.
    index.write_text(original.replace("</head>", theme_script.replace("1", "2"), 1))
    write_csp(demo_copy)
    second_line = (demo_copy / POLICY_DIR / NGINX_INCLUDE).read_text().rstrip("\n")
    messages: list[str] = []
    publish_site(demo_copy, server.remote, progress=messages.append)

    union, final = reloads(tmp_path)[1:]
    assert final == second_line
    assert (server.www / "csp.conf").read_text() == second_line + "\n"
    hashes = set(re.findall(r"'sha256-[^']+'", first_line + second_line))
    assert set(re.findall(r"'sha256-[^']+'", union)) == hashes
    assert (
        sha256("window.__theme_version=1") in union
        and sha256("window.__theme_version=1") not in final
    )
    assert sha256("window.__theme_version=2") in final
    assert any("web server reloaded" in m for m in messages)

    # A site built without a policy file gets the fallback, and the publisher is told.
    shutil.rmtree(demo_copy / POLICY_DIR)
    (demo_copy / "about.html").write_text("<p>older build</p>")
    messages.clear()
    publish_site(demo_copy, server.remote, progress=messages.append)
    assert "script-src 'self' 'unsafe-inline'" in (server.www / "csp.conf").read_text()
    assert any("has no .portal/csp.conf" in m for m in messages)


@pytest.mark.publish
@pytest.mark.parametrize(
    "include",
    [
        'add_header Content-Security-Policy "default-src *" always;\ninclude /etc/passwd;\n',
        'add_header Content-Security-Policy "default-src $http_x" always;\n',
        "location / { proxy_pass http://10.0.0.1; }\n",
    ],
)
def test_the_deploy_hook_refuses_a_policy_file_that_is_more_than_a_policy(
    server: Server, demo_copy: Path, include: str
) -> None:
    (demo_copy / POLICY_DIR).mkdir(exist_ok=True)
    (demo_copy / POLICY_DIR / NGINX_INCLUDE).write_text(include)

    with pytest.raises(PublishError) as refused:
        publish_site(demo_copy, server.remote)

    assert str(refused.value) == (
        "the server's deploy hook rejected the push: .portal/csp.conf is not the single "
        "Content-Security-Policy line a portal build writes"
    )
    assert server.head() is None and not (server.www / "csp.conf").exists()


@pytest.mark.publish
def test_a_failing_reload_is_a_warning_and_the_site_still_goes_live(
    server: Server, demo_copy: Path
) -> None:
    git("--git-dir", str(server.bare), "config", "portal.reload", "exit 3")
    write_csp(demo_copy)
    messages: list[str] = []

    done = publish_site(demo_copy, server.remote, progress=messages.append)

    assert done.commit is not None and server.live().endswith(done.commit[:12])
    assert any("warning: 'exit 3' failed" in m for m in messages)
