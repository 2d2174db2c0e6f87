"""Finding people and pairs by id or by name (generator.names), as front matter writes them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.names import Directory, NameNotFound, fold_name, join_or
from generator.pipeline import load_project
from tests.scratch import PARTICIPANTS

# Row 6: a second "Ada Junior" makes her name ambiguous; row 7: an accented name.
TWIN = "P5,Ada Junior,ada2@example.org,mentor,A1,Legal,Apprentice,HQ,,,,,,,,c1,named\n"
ZOE = "P6,Zoë Ní Bhriain,zoe@example.org,mentee,SCS1,Legal,Head,HQ,,,,,,,,c1,none\n"


@pytest.fixture
def directory(scratch: Callable[..., Path]) -> Directory:
    root = scratch({"data/participants.csv": PARTICIPANTS + ZOE})
    return Directory.of(load_project(root))


def test_fold_name_ignores_case_accents_and_spacing() -> None:
    assert fold_name("  ZOË   Ní\tBhriain ") == "zoe ni bhriain"
    assert fold_name("Zoe\u0308") == "zoe"  # a decomposed accent too


def test_join_or() -> None:
    assert [join_or([]), join_or(["a"]), join_or(["a", "b"]), join_or(["a", "b", "c"])] == [
        "",
        "a",
        "a or b",
        "a, b or c",
    ]


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("P1", "P1"),
        ("p1", "P1"),
        ("Ada Junior", "P1"),
        ("  ada   JUNIOR ", "P1"),
        ("zoe ni bhriain", "P6"),  # a non-consenting name resolves: the check step is private
        ("office", "office"),
        ("Programme Office", "office"),
    ],
)
def test_person_by_id_or_name(directory: Directory, query: str, key: str) -> None:
    assert directory.person(query) == key


def test_participant_leaves_staff_out(directory: Directory) -> None:
    with pytest.raises(NameNotFound) as caught:
        directory.participant("Programme office")
    assert caught.value.message == "no participant has the name or id 'Programme office'"


def test_unknown_person_offers_the_nearest_names_with_ids(directory: Directory) -> None:
    with pytest.raises(NameNotFound) as caught:
        directory.person("Dan Senoir")
    assert caught.value.message == (
        "no participant or member of staff has the name or id 'Dan Senoir'; "
        "did you mean Dan Senior (P4)?"
    )
    assert caught.value.suggestions == ("P4",)


def test_a_surname_alone_offers_everyone_who_has_it(directory: Directory) -> None:
    with pytest.raises(NameNotFound) as caught:
        directory.person("Junior")
    assert caught.value.suggestions == ("P1", "P2")
    assert "did you mean Ada Junior (P1) or Ben Junior (P2)?" in caught.value.message


def test_nobody_near_offers_nothing(directory: Directory) -> None:
    with pytest.raises(NameNotFound) as caught:
        directory.person("Xavier Q")
    assert caught.value.message == (
        "no participant or member of staff has the name or id 'Xavier Q'"
    )


def test_an_ambiguous_name_asks_for_the_id(scratch: Callable[..., Path]) -> None:
    directory = Directory.of(load_project(scratch({"data/participants.csv": PARTICIPANTS + TWIN})))
    with pytest.raises(NameNotFound) as caught:
        directory.person("ada junior")
    assert caught.value.message == (
        "2 people are called 'ada junior': did you mean Ada Junior (P1) or Ada Junior (P5)? "
        "Write the id to say which"
    )
    assert directory.person("P5") == "P5"


@pytest.mark.parametrize(
    "query",
    [
        "K1",
        "k1",
        "Ada Junior and Dan Senior",
        "Dan Senior and Ada Junior",
        "Ada Junior & Dan Senior",
    ],
)
def test_pair_by_id_or_names_in_either_order(directory: Directory, query: str) -> None:
    assert directory.pair(query) == "K1"


def test_two_people_who_are_not_a_pair_offer_their_pairs(directory: Directory) -> None:
    with pytest.raises(NameNotFound) as caught:
        directory.pair("Ada Junior and Ben Junior")
    assert caught.value.suggestions == ("K1", "K2")
    assert caught.value.message.endswith(
        "did you mean Ada Junior and Dan Senior (K1) or Ben Junior and Cat Senior (K2)?"
    )


def test_labels_give_name_and_id(directory: Directory) -> None:
    assert directory.label("P4") == "Dan Senior (P4)"
    assert directory.label("K1") == "Ada Junior and Dan Senior (K1)"
    assert directory.label("office") == "Programme office (office)"
    assert directory.label("nobody") == "nobody"
