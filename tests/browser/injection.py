"""A scratch programme whose participant-written text is made of injection payloads.

Names, bios, job titles, skills, goals, a story and a blog post carry HTML, JavaScript, Markdown,
attribute-list, Jinja and snippet payloads. The portal must build it and show every payload as
inert text: no script runs, no element gets an inline event handler, no link uses javascript:.
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
# Text that must be shown literally in a story or post body (Markdown is kept there, so the
# links become ordinary text links, checked separately).
BODY_PAYLOADS = (SCRIPT, IMG, SVG, JINJA, ATTR_LIST, SNIPPET)

# Names: a double quote, HTML with a handler, Markdown and Jinja.
MENTOR_NAME = 'Ada "Zero" <b onmouseover=alert(1)>Junior</b>'
MENTEE_NAME = "Dan {{ 7*7 }} [Senior](javascript:alert(1)) <script>alert(1)</script>"
OTHER_MENTOR_NAME = 'Ben "><svg onload=alert(1)> Junior'
OTHER_MENTEE_NAME = 'Cat {: onclick="alert(1)" } Senior'

PROGRAMME_WITH_PUBLIC_TEXT = PROGRAMME.replace(
    "public_fields: [name, job_title, department, bio]",
    "public_fields: [name, pronouns, job_title, department, location, skills_offered,"
    " skills_wanted, interests, bio]",
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
        bio = " ".join(PLAIN_PAYLOADS) + f" {pid} wrote this."
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

![picture](../images/pixel.svg){{ onerror="alert(1)" }}

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


PIXEL = """\
<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>
"""


def write_injection_project(root: Path) -> Path:
    """Write the payload programme into *root* (without mkdocs.yml and theme/)."""
    return write_project(
        root,
        {
            "programme.yaml": PROGRAMME_WITH_PUBLIC_TEXT,
            "data/participants.csv": _participants(),
            "data/pairs.csv": PAIRS_WITH_PAYLOAD_GOALS,
            "data/sessions.csv": SESSIONS,
            "data/surveys.csv": SURVEYS,
            "content/stories/payloads.md": STORY,
            "content/blog/payloads.md": POST,
            "content/images/pixel.svg": PIXEL,
        },
    )
