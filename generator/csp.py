"""Content-Security-Policy for the built site: hashes of the theme's inline scripts, as files.

mkdocs-material sets itself up with small inline scripts (`__md_scope`, `__md_get`, the tab
restorer), so `script-src 'self'` alone would break the theme, and `'unsafe-inline'` would let any
script that slipped into a page run. The policy allows exactly the inline scripts the theme wrote:
their sha256 hashes, computed here from the built pages. A script inside a page's content (an
`<article>`) is never the theme's: it is left out, so the browser refuses to run it.

The policy is written into the built site under `.portal/` (nginx never serves hidden paths):
`csp.conf`, one `add_header` line for the server to include, and `csp.txt`, the bare policy.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from generator.markup import theme_scripts
from generator.parallel import shared_map

POLICY_DIR = ".portal"
NGINX_INCLUDE = "csp.conf"
POLICY_TEXT = "csp.txt"

# Everything is served from the portal's own origin; nothing comes from the internet.
# style-src keeps 'unsafe-inline' for one reason: Markdown tables align their columns with
# style="text-align: …" on th/td, which the HTML allow-list keeps on purpose. The theme itself
# needs no inline style (it styles through CSSOM, which CSP does not restrict), and CSS cannot
# run script, so this costs little.
BASE_POLICY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("default-src", ("'self'",)),
    ("script-src", ("'self'",)),
    ("style-src", ("'self'", "'unsafe-inline'")),
    ("img-src", ("'self'", "data:")),
    ("font-src", ("'self'", "data:")),
    ("connect-src", ("'self'",)),
    ("worker-src", ("'self'", "blob:")),
    ("frame-src", ("'self'",)),
    ("object-src", ("'none'",)),
    ("base-uri", ("'self'",)),
    ("form-action", ("'self'",)),
    ("frame-ancestors", ("'self'",)),
)


def script_hash(text: str) -> str:
    """Return the CSP source expression ('sha256-…') that allows one inline script."""
    # Browsers normalise line breaks to LF before parsing, then hash the UTF-8 bytes.
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    digest = hashlib.sha256(normalised.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def page_script_hashes(html: str) -> set[str]:
    """Return the hashes of one page's inline scripts (not data blocks, not page content)."""
    return {script_hash(text) for text in theme_scripts(html)}


def inline_script_hashes(site_dir: Path) -> list[str]:
    """Return the sorted unique hashes of the theme's inline scripts in every built page."""
    pages = [
        page
        for page in sorted(site_dir.rglob("*.html"))
        if page.is_file()
        and not any(part.startswith(".") for part in page.relative_to(site_dir).parts)
    ]
    found: set[str] = set()
    for hashes in shared_map(_page_file_hashes, pages):
        found |= hashes
    return sorted(found)


def _page_file_hashes(page: Path) -> set[str]:
    return page_script_hashes(page.read_text(encoding="utf-8", errors="replace"))


def content_security_policy(hashes: list[str]) -> str:
    """Return the policy: the base directives, with the inline scripts' hashes in script-src."""
    directives = []
    for name, sources in BASE_POLICY:
        values = [*sources, *hashes] if name == "script-src" else list(sources)
        directives.append(f"{name} {' '.join(values)}")
    return "; ".join(directives)


def write_csp(site_dir: Path) -> Path:
    """Write the site's policy as an nginx include and as plain text; return the include's path."""
    policy = content_security_policy(inline_script_hashes(site_dir))
    folder = site_dir / POLICY_DIR
    folder.mkdir(exist_ok=True)
    include = folder / NGINX_INCLUDE
    # deploy/post-receive accepts exactly this one line (no nginx variables, no other directive).
    include.write_text(
        f'add_header Content-Security-Policy "{policy}" always;\n', encoding="utf-8", newline="\n"
    )
    (folder / POLICY_TEXT).write_text(policy + "\n", encoding="utf-8", newline="\n")
    return include
