"""Consent holds in free text: authored content that names someone it may not is withheld."""

from __future__ import annotations

import html
import re
import unicodedata
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.fold import _SKELETONS, _one_space, fold, fold_path, loosen
from generator.pipeline import check_project
from generator.withhold import Decisions
from tests.conftest import TODAY
from tests.scratch import PARTICIPANTS, PROGRAMME, run_check

# A fifth participant who never agreed to be named, and who shares no word with anyone else.
SUSAN = "P5,Susan Hargreaves,susan.h@example.org,mentee,B2,Housing,Director of Housing,HQ,,,,,,,,c1,none\n"
NAMES = {"Susan Hargreaves", "susan.h@example.org", "P5"}


def post(body: str = "Text.", **meta: str) -> str:
    fields = {"title": "A post", "date": "2026-05-01", "authors": "[office]"} | meta
    head = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\n{head}---\n\n{body}\n"


def decide(scratch: Callable[..., Path], files: dict[str, str]) -> Decisions:
    # The programme lists the category the post below uses, so the name is its only problem.
    programme = PROGRAMME + "blog:\n  categories: ['Susan Hargreaves']\n"
    root = scratch(
        {"programme.yaml": programme, "data/participants.csv": PARTICIPANTS + SUSAN, **files}
    )
    return check_project(root, TODAY).decisions


# --- folding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "disguise",
    [
        "susan hargreaves",  # case
        "SUSAN   HARGREAVES",  # spacing
        "Susan\nHargreaves",  # a line break
        "Su\u200bsan Harg\u00adreaves",  # zero-width space, soft hyphen
        "\ufeffSusan Hargreaves",  # byte-order mark
        "Ѕusаn Hаrgreaves",  # Cyrillic look-alikes
        "Ｓｕｓａｎ Ｈａｒｇｒｅａｖｅｓ",  # full-width letters
        "Su&#115;an Har&shy;greaves",  # HTML character references
        "Susan%20Hargreaves",  # percent-encoding
        "Susan%2520Hargreaves",  # percent-encoding twice
        "Susan \\u0048argreaves",  # a JSON escape
        "Súsan Hárgreaves",  # accents
        "Su\u0301san Hargreaves",  # a combining accent
    ],
)
def test_every_disguise_folds_to_the_same_name(disguise: str) -> None:
    assert fold(disguise) == fold("Susan Hargreaves")


def test_a_decomposed_accent_folds_like_a_composed_one() -> None:
    assert fold("Zoe\u0301 Nu\u0303n\u0303ez") == fold("Zoë Núñez") == fold("Zoe Nunez")


def test_file_names_fold_with_their_separators_as_spaces() -> None:
    assert fold("susan hargreaves") in fold_path("stories/susan-hargreaves_story.md")


# --- every authored field and the file name ----------------------------------------------------


FIELDS = {
    "title": post(title="'Lunch with Susan Hargreaves'"),
    "summary": post(summary="'What Susan Hargreaves learned'"),
    "tags": post(tags="[leadership, Susan Hargreaves]"),
    "categories": post(categories="['Susan Hargreaves']"),
    "body": post("A line.\n\nThen Susan Hargreaves joined us."),
}


@pytest.mark.parametrize("where", sorted(FIELDS))
def test_a_name_in_any_field_withholds_the_post(scratch: Callable[..., Path], where: str) -> None:
    decisions = decide(scratch, {"content/blog/a-post.md": FIELDS[where]})
    assert decisions.is_withheld("post", "a-post")
    [warning] = decisions.warnings
    assert warning.field == where
    assert "names Susan Hargreaves (P5), who has not agreed to be named" in warning.message


def test_a_name_in_the_file_name_withholds_the_post(scratch: Callable[..., Path]) -> None:
    decisions = decide(scratch, {"content/blog/susan-hargreaves.md": post()})
    assert decisions.is_withheld("post", "susan-hargreaves")
    assert decisions.warnings[0].field == "file name"


def test_the_warning_names_file_line_and_person(scratch: Callable[..., Path]) -> None:
    root = scratch(
        {
            "data/participants.csv": PARTICIPANTS + SUSAN,
            "content/stories/x.md": (
                "---\ntitle: A story\ndate: 2026-05-01\nsummary: S.\nstatus: draft\n---\n\n"
                "One.\n\nTwo.\n\nThree with Susan Hargreaves in it.\n"
            ),
        }
    )
    code, lines = run_check(root)
    assert code == 0
    assert lines[0] == (
        "content/stories/x.md:12: warning: body: withheld: names Susan Hargreaves (P5), "
        "who has not agreed to be named"
    )
    code, lines = run_check(root, "--strict")
    assert code == 2


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("Write to susan.h@example.org today", "gives the email address of Susan Hargreaves (P5)"),
        ("Case ref-P5 is closed", "gives the participant id of Susan Hargreaves (P5)"),
        ("See (P5).", "gives the participant id of Susan Hargreaves (P5)"),
        ("Our pair K1.", "gives the id of pair K1 (Ada Junior and Dan Senior)"),
        ("The pair [K2] met", "gives the id of pair K2 (Ben Junior and Cat Senior)"),
        ("Ada's id is P1", "gives the participant id of Ada Junior (P1)"),
    ],
)
def test_ids_and_emails_at_token_boundaries_withhold(
    scratch: Callable[..., Path], text: str, what: str
) -> None:
    decisions = decide(scratch, {"content/blog/a-post.md": post(text)})
    assert decisions.is_withheld("post", "a-post")
    assert what in decisions.warnings[0].message


@pytest.mark.parametrize(
    "text",
    [
        "Susan and Hargreaves are two words here",  # not the full name
        "P50 and AP5 are other tokens",  # not at a token boundary
        "Susanna Hargreaves-Smith",  # a longer name
        "May we meet? Will you come?",  # ordinary words
    ],
)
def test_ordinary_text_is_not_withheld(scratch: Callable[..., Path], text: str) -> None:
    decisions = decide(scratch, {"content/blog/a-post.md": post(text)})
    assert decisions.withheld == {}
    assert decisions.warnings == ()


def test_a_person_called_may_is_matched_by_full_name_only(scratch: Callable[..., Path]) -> None:
    may = "P6,May Will,may@example.org,mentor,A1,Parks,Gardener,HQ,,,,,,,,c1,none\n"
    root = scratch(
        {
            "data/participants.csv": PARTICIPANTS + may,
            "content/blog/a.md": post("May I say: Will is a verb."),
            "content/blog/b.md": post("Lunch with May Will."),
        }
    )
    decisions = check_project(root, TODAY).decisions
    assert sorted(slug for _kind, slug in decisions.withheld) == ["b"]


def test_a_name_a_consenting_participant_also_has_is_not_withheld(
    scratch: Callable[..., Path],
) -> None:
    twin = "P6,Ada Junior,ada2@example.org,mentor,A1,Parks,Gardener,HQ,,,,,,,,c1,none\n"
    root = scratch(
        {"data/participants.csv": PARTICIPANTS + twin, "content/blog/a.md": post("Ada Junior.")}
    )
    assert check_project(root, TODAY).decisions.withheld == {}


# --- withdrawal in one step ------------------------------------------------------------------


def _withdraw(participants: str, pid: str) -> str:
    lines = participants.splitlines(keepends=True)
    return "".join(
        line.replace(",named", ",none") if line.startswith(pid + ",") else line for line in lines
    )


STORY = (
    "---\ntitle: Learning TikTok\ndate: 2026-05-01\nsummary: S.\npair: K1\nstatus: approved\n"
    "consent:\n  P1: 2026-04-20\n  P4: 2026-04-21\n---\n\nThe story.\n"
)


def test_withdrawing_consent_withholds_the_story_and_sole_posts_and_drops_a_coauthor(
    scratch: Callable[..., Path],
) -> None:
    root = scratch(
        {
            "data/participants.csv": _withdraw(PARTICIPANTS, "P1"),
            "content/stories/tiktok.md": STORY,
            "content/blog/alone.md": post(authors="[P1]"),
            "content/blog/together.md": post(authors="[P1, P2]"),
        }
    )
    result = check_project(root, TODAY)
    decisions = result.decisions
    assert decisions.is_withheld("story", "tiktok")
    assert decisions.is_withheld("post", "alone")
    assert not decisions.is_withheld("post", "together")
    assert decisions.dropped_authors == {"together": ("P1",)}
    assert sorted(str(w) for w in result.warnings) == [
        "content/blog/alone.md:4: warning: authors: withheld: is by Ada Junior (P1), who has "
        "not agreed to be named",
        "content/blog/together.md:4: warning: authors: Ada Junior (P1) is left out of the "
        "authors: not agreed to be named",
        "content/stories/tiktok.md:5: warning: pair: withheld: is about the pair Ada Junior and Dan Senior (K1), and "
        "Ada Junior "
        "(P1) has not agreed to be named; make the story anonymous or leave it out",
    ]


def test_an_anonymous_story_naming_its_own_pair_is_withheld(scratch: Callable[..., Path]) -> None:
    story = STORY.replace("status: approved", "status: approved\nanonymous: true").replace(
        "The story.", "Dan Senior tried TikTok."
    )
    decisions = decide(scratch, {"content/stories/tiktok.md": story})
    assert decisions.is_withheld("story", "tiktok")
    assert "who is in this anonymous story's pair" in decisions.warnings[0].message


def test_an_anonymous_story_gets_a_byline_that_fits_enough_people(
    scratch: Callable[..., Path],
) -> None:
    story = STORY.replace("status: approved", "status: approved\nanonymous: true")
    decisions = decide(scratch, {"content/stories/tiktok.md": story})
    # Two mentors and three mentees: nothing narrower than the role fits five people.
    assert decisions.bylines == {"tiktok": "A junior colleague and a senior leader"}


def test_an_anonymous_story_that_narrows_its_people_down_gets_a_warning(
    scratch: Callable[..., Path],
) -> None:
    story = STORY.replace("status: approved", "status: approved\nanonymous: true").replace(
        "The story.", "Our mentor works in Digital, and the mentee in Planning."
    )
    decisions = decide(scratch, {"content/stories/tiktok.md": story})
    assert not decisions.withheld
    messages = [w.message for w in decisions.warnings]
    assert any("mentions 'Digital'" in m and "only 1 mentor" in m for m in messages)
    assert any("mentions 'Planning'" in m for m in messages)


@pytest.mark.parametrize("text", ["Ms Hargreaves", "Mrs Hargreaves", "Dr. Hargreaves"])
def test_a_surname_after_a_title_withholds_the_post(
    scratch: Callable[..., Path], text: str
) -> None:
    """Red team: the surname after a title, the way colleagues write about a director."""
    decisions = decide(scratch, {"content/blog/a-post.md": post(f"Then {text} joined us.")})
    assert decisions.is_withheld("post", "a-post")


@settings(max_examples=300)
@given(st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x85\xa0\u2003\u3000ab", max_size=12))
def test_fold_makes_each_run_of_white_space_one_space(text: str) -> None:
    assert _one_space(text) == re.sub(r"\s+", " ", text)


def _loosen_reference(folded: str) -> str:
    """The rule `loosen` follows, in three plain substitutions."""
    tags = re.sub(r"<[^<>]*>", " ", folded)
    joins = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", tags)
    return " ".join(re.sub(r"[\W_]+", " ", joins).split())


@settings(max_examples=500)
@given(st.text(alphabet="ab1 2_-<>p/é²٣x\u00a0.,Z9", max_size=16))
def test_loosen_reads_text_as_its_rule_says(text: str) -> None:
    assert loosen(text) == _loosen_reference(text)


def _fold_reference(text: str) -> str:
    """The rule `fold` follows, over the whole text at once, each category looked up anew."""

    def run(match: re.Match[str]) -> str:
        kept = "".join(c for c in match.group() if unicodedata.category(c) != "Cf")
        decomposed = unicodedata.normalize("NFD", kept.translate(_SKELETONS))
        bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
        return unicodedata.normalize("NFC", bare)

    for _ in range(4):  # references, percent-encoding and JSON escapes, layer by layer
        decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
        decoded = html.unescape(urllib.parse.unquote(decoded, errors="replace"))
        if decoded == text:
            break
        text = decoded
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", re.sub(r"[^\x00-\x7f]+", run, text))


@settings(max_examples=1000)
@given(
    st.text(
        alphabet="ab1 \n\r\t<&;#%\\u0e9Aé\u0301\u200b\u00ad\u0430\u0441\uff21\u2028\u0085\u2003"
        "\ufeff\U0001f600e\u0308\u0130\u00df\u00b6",
        max_size=16,
    )
)
def test_fold_reads_text_as_its_rule_says(text: str) -> None:
    """Folding line by line, with categories looked up as met, folds as the whole text would."""
    assert fold(text) == _fold_reference(text)
