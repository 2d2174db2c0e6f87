"""A scratch programme whose participant-written text is made of injection payloads.

Names, bios, job titles, skills, goals, a story and a blog post carry HTML, JavaScript, Markdown,
attribute-list, Jinja and snippet payloads, and one post per class of attack in `CORPUS` holds
the constructs a line-based cleaner misreads. The portal must build it with nothing live: no
script runs, no element gets an inline event handler, no link uses javascript:. Plain fields
show every payload as text; in bodies, Markdown is kept and the HTML allow-list removes what it
does not allow.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import tests.scratch
from tests.scratch import PAIRS, PROGRAMME, SESSIONS, SURVEYS, write_project

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = "<svg onload=alert(1)>"
BREAK_OUT = '"><script>alert(1)</script>'
JINJA = "{{ 7*7 }}"
ATTR_LIST = '{: onclick="alert(1)" }'
SNIPPET = '--8<-- "/etc/passwd"'
MD_LINK = "[click](javascript:alert(1))"
ENTITY_LINK = "[entity](&#106;avascript:alert(1))"

# Text that must be shown literally wherever it is a plain field (bio, job title, goal, ...).
PLAIN_PAYLOADS = (SCRIPT, IMG, SVG, BREAK_OUT, JINJA, ATTR_LIST, SNIPPET, MD_LINK, ENTITY_LINK)
# Text that must be shown literally in a story or post body: what is not HTML. (Raw HTML in a
# body is judged by the allow-list: a script goes, an <img> stays without its handler.)
BODY_PAYLOADS = (JINJA, SNIPPET)

# One class of attack per entry: each becomes the body of its own post, built for real.
CORPUS: dict[str, str] = {
    # Code spans that a line-based cleaner reads wrongly: an escaped backtick does not open a
    # span, and a span closes only on a run of the same length.
    "escaped-backtick": '\\`<img src="x" onerror="alert(1)">`',
    "unequal-backticks": "`<img src=x onerror=alert(1)>``",
    "double-backticks": "`` ` <img src=x onerror=alert(1)> `` and ``<img src=x onerror=alert(1)>`",
    "backticks-across-lines": "`code\n\n<img src=x onerror=alert(1)>` after",
    # Fences that do not close where they seem to, and indented ones.
    "fence-closed-by-shorter": "````\n```\n<img src=x onerror=alert(1)>\n````",
    "fence-other-char": "~~~\n```\n~~~\n<script>alert(1)</script>",
    "fence-indented-four": "    ```\n<img src=x onerror=alert(1)>\n    ```",
    "fence-in-list": "- item\n\n  ```\n  text\n  ```\n<svg onload=alert(1)>",
    "fence-never-closed": "```\nopen fence\n\n<img src=x onerror=alert(1)>",
    # HTML blocks and comments.
    "html-block": "<div>\n<img src=x onerror=alert(1)>\n</div>",
    "html-comment": "<!-- a comment -->\n<script>alert(1)</script>\n<!--><img src=x onerror=alert(1)>-->",
    "html-comment-trick": "<!--\n--><img src=x onerror=alert(1)><!-- -->",
    "html-details": "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "html-md-in-html": '<div markdown="1" onclick="alert(1)">*text*</div>',
    "html-iframe": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "html-form": '<form action="javascript:alert(1)"><button>go</button></form>',
    "html-style": '<style>body{background:url(javascript:alert(1))}</style><p style="x:expression(alert(1))">s</p>',
    "html-mxss": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "html-noscript": '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "html-base": '<base href="javascript:alert(1)//">after the base',
    "html-meta": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "html-clobber": '<div id="__config">{"base": "javascript:alert(1)"}</div>',
    # Every link and image form.
    "link-inline": "[x](javascript:alert(1))",
    "link-reference": "[x][r]\n\n[r]: javascript:alert(1)",
    "link-reference-next-line": "[x][r]\n\n[r]:\n  javascript:alert(1)",
    "link-autolink": "<javascript:alert(1)>",
    "link-angle": "[x](<javascript:alert(1)>)",
    "link-escaped-colon": "[x](javascript\\:alert(1))",
    "link-entity-scheme": "[x](&#x6A;avascript&colon;alert(1)) [y](jav&#x09;ascript:alert(1))",
    "link-split-scheme": "[x](java\nscript:alert(1))",
    "link-data": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "link-vbscript": "[x](vbscript:msgbox(1))",
    "link-title-breakout": '[x](https://example.org/ "a" onmouseover="alert(1)")',
    "image-inline": "![x](javascript:alert(1))",
    "image-reference": "![x][i]\n\n[i]: javascript:alert(1)",
    "image-title": '![x](../../images/pixel.png "x" onerror="alert(1)")',
    "image-remote": "![tracker](https://tracker.example/pixel.png)",
    # Titles the theme could turn into markup (Material's tooltips did, on hover).
    "abbr-title": "The OD team.\n\n*[OD]: <img src=x onerror=alert(1)>",
    "link-title-html": '[the intranet](https://example.org/ "<img src=x onerror=alert(1)>")',
    "attr-list-title": 'A paragraph.\n{: title="<img src=x onerror=alert(1)>" }',
    "attr-list": '# Heading { onclick="alert(1)" #__config }\n\nText{: onmouseover="alert(1)" }',
    # SVG in content.
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-onload": '<svg onload="alert(1)"><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "svg-use": '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>',
}

# Names: a double quote, HTML with a handler, Markdown and Jinja.
MENTOR_NAME = 'Ada "Zero" <b onmouseover=alert(1)>Junior</b>'
MENTEE_NAME = "Dan {{ 7*7 }} [Senior](javascript:alert(1)) <script>alert(1)</script>"
OTHER_MENTOR_NAME = 'Ben "><svg onload=alert(1)> Junior'
OTHER_MENTEE_NAME = 'Cat {: onclick="alert(1)" } Senior'

PROGRAMME_WITH_PUBLIC_TEXT = PROGRAMME.replace(
    "public_fields: [name, job_title, department, bio]",
    "public_fields: [name, pronouns, job_title, department, location, skills_offered,"
    " skills_wanted, interests, bio]",
).replace(
    "\nprivacy:",
    "\nblog:\n  categories: [Payloads]\n\nprivacy:",
)

_COLUMNS = tests.scratch.PARTICIPANTS.splitlines()[0].split(",")


def _participants() -> str:
    """Return the participants CSV: every public field of every person carries payloads."""
    # Multi-value fields are split on ';', so payloads holding ';' go in single-value fields.
    skills = ";".join([SCRIPT, IMG, MD_LINK, JINJA, "Shared <b>skill</b>"])
    rows = [
        (
            "P1",
            MENTOR_NAME,
            "ada@example.org",
            "mentor",
            "A1",
            f"Digital {SVG}",
            f"Apprentice {BREAK_OUT}",
        ),
        (
            "P2",
            OTHER_MENTOR_NAME,
            "ben@example.org",
            "mentor",
            "A2",
            "Housing",
            f"Officer {ENTITY_LINK}",
        ),
        ("P3", OTHER_MENTEE_NAME, "cat@example.org", "mentee", "SCS1", "Finance", "Director"),
        ("P4", MENTEE_NAME, "dan@example.org", "mentee", "B2", "Planning", f"Head {SNIPPET}"),
    ]
    managers = {"P1": "P3", "P2": "P4", "P3": "", "P4": ""}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for pid, name, email, role, grade, department, job_title in rows:
        bio = " ".join(PLAIN_PAYLOADS) + f" Person {pid[1:]} wrote this."
        writer.writerow(
            [
                pid,
                name,
                email,
                role,
                grade,
                department,
                job_title,
                f"HQ {ATTR_LIST}",
                managers[pid],
                skills,
                skills,
                ";".join([SVG, ATTR_LIST, "Chess"]),
                bio,
                "",
                f"they/them {SCRIPT}",
                "c1",
                "named",
            ]
        )
    return out.getvalue()


PAIRS_WITH_PAYLOAD_GOALS = PAIRS.replace(
    "Learn TikTok;Understand apprentices",
    '"' + ";".join(p.replace('"', '""') for p in (SCRIPT, IMG, MD_LINK, JINJA, BREAK_OUT)) + '"',
)

STORY = f"""\
---
title: 'Payload story {SCRIPT} {JINJA}'
date: 2026-06-01
summary: 'A story whose text is all payloads {IMG} {BREAK_OUT}'
pair: K1
tags: [payloads, 'tag {SVG}']
status: approved
anonymous: false
consent:
  P1: 2026-05-01
  P4: 2026-05-02
---

The story starts here. {SCRIPT}

{IMG}

{SVG}

{BREAK_OUT}

{MD_LINK}

{ENTITY_LINK}

[spaced]( javascript:alert(1) ) and [mixed case](JaVaScRiPt:alert(1))

[split link](java
script:alert(1))

[link on the next line](
javascript:alert(1))

[reference on the next line][later]

[later]:
    javascript:alert(1)

[data link](data:text/html,alert(1)) and <javascript:alert(1)> and [reference link][evil]

[evil]: javascript:alert(1)

A paragraph with an attribute list {ATTR_LIST}

{{: onclick="alert(1)" }}

![picture](../images/pixel.png){{ onerror="alert(1)" }}

{JINJA} and {{% raw %}} and {{# comment #}}

{SNIPPET}

<a href="javascript:alert(1)">raw anchor</a>

<div markdown="1" onclick="alert(1)">a div with a handler</div>

<details open ontoggle=alert(1)><summary>details</summary></details>

``` {{.js onclick="alert(1)"}}
code stays code: {SCRIPT}
```

---
title: not front matter
---

The story ends here.
"""

POST = f"""\
---
title: 'Payload post {SVG} {JINJA}'
date: 2026-06-02
authors: [P1]
categories: [Payloads]
tags: [payloads]
summary: 'A post by a payload-named author {SCRIPT}'
---

The post starts here. {SCRIPT}

{IMG} {SVG} {BREAK_OUT}

{MD_LINK} {ENTITY_LINK}

[split link](java
script:alert(1))

A paragraph with an attribute list {ATTR_LIST}

{JINJA}

{SNIPPET}

The post ends here.
"""


def corpus_post(name: str, body: str) -> str:
    """Return a post whose body is one class of attack."""
    return (
        f"---\ntitle: Corpus {name}\ndate: 2026-06-03\nauthors: [P1]\n"
        f"categories: [Payloads]\n---\n\nBefore.\n\n{body}\n\nAfter.\n"
    )


def pixel_png() -> bytes:
    """Return a small real PNG for the payload bodies' image."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 90, 90)).save(out, format="PNG")
    return out.getvalue()


def write_injection_project(root: Path) -> Path:
    """Write the payload programme into *root* (without mkdocs.yml and theme/)."""
    write_project(
        root,
        {
            "programme.yaml": PROGRAMME_WITH_PUBLIC_TEXT,
            "data/participants.csv": _participants(),
            "data/pairs.csv": PAIRS_WITH_PAYLOAD_GOALS,
            "data/sessions.csv": SESSIONS,
            "data/surveys.csv": SURVEYS,
            "content/stories/payloads.md": STORY,
            "content/blog/payloads.md": POST,
            **{
                f"content/blog/corpus-{name}.md": corpus_post(name, body)
                for name, body in CORPUS.items()
            },
        },
    )
    (root / "content" / "images").mkdir(parents=True, exist_ok=True)
    (root / "content" / "images" / "pixel.png").write_bytes(pixel_png())
    return root
