"""Entities normalised through the registries, and dates resolved against publication."""

from __future__ import annotations

import datetime as dt

import pytest

from parallax.analyse import analyse_item, build_lexicon, find_entities
from parallax.dates import find_dates
from parallax.model import Actor, Item, Registries, SourceRef, Term, TermVariant

WHERE = SourceRef("content/actors.yml")
REGISTRIES = Registries(
    actors=(
        Actor("zelensky", "Volodymyr Zelensky", ("Zelenskyy", "Zelenskiy"), None, "ukraine", WHERE),
        Actor("peskov", "Dmitry Peskov", (), "Kremlin", "russia", WHERE),
    ),
    terms=tuple(
        Term(key, key, tuple(TermVariant(v, ()) for v in variants), WHERE)
        for key, variants in [
            ("kyiv", ("Kyiv", "Kiev")),
            ("kharkiv", ("Kharkiv", "Kharkov")),
            ("bakhmut", ("Bakhmut", "Artyomovsk")),
        ]
    ),
)
LEXICON = build_lexicon(REGISTRIES)
THURSDAY = dt.date(2023, 6, 8)


def keys(text: str) -> list[str]:
    return [e.key for e in find_entities(text, LEXICON)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zelensky met Zelenskyy", ["zelensky"]),
        ("Kiev's mayor and Kyiv", ["kyiv"]),
        ("fighting in Artyomovsk near Bakhmut", ["bakhmut"]),
        ("Kharkov and Kharkiv", ["kharkiv"]),
        ("Dmitry Peskov said. Peskov added", ["peskov"]),
        ("The Ministry of Defence said", ["ministry of defence"]),
        ("The U.N. envoy", ["un"]),
        ("On Tuesday Officials in Kherson said", ["kherson"]),
    ],
)
def test_entities_are_normalised(text, expected):
    assert keys(text) == expected


def test_entity_kinds():
    entities = find_entities("Shelling in Kherson. The Ministry of Defence and Zelensky", LEXICON)
    assert [(e.key, e.kind) for e in entities] == [
        ("kherson", "place"),
        ("ministry of defence", "org"),
        ("zelensky", "actor"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on Tuesday", dt.date(2023, 6, 6)),
        ("on Thursday", THURSDAY),
        ("last Thursday", dt.date(2023, 6, 1)),
        ("Monday's strike", dt.date(2023, 6, 5)),
        ("July 12", dt.date(2023, 7, 12)),
        ("on Jan. 27, 2022", dt.date(2022, 1, 27)),
        ("on 27 January 2022", dt.date(2022, 1, 27)),
        ("on December 30", dt.date(2022, 12, 30)),
        ("yesterday", dt.date(2023, 6, 7)),
        ("last weekend", dt.date(2023, 6, 3)),
        ("2023-05-01", dt.date(2023, 5, 1)),
    ],
)
def test_dates_resolve_against_publication(text, expected):
    assert find_dates(text, THURSDAY) == (expected,)


def test_invalid_and_ambiguous_dates_are_ignored():
    assert find_dates("February 30 and it may 5 times", THURSDAY) == ()


def test_analyse_item_fills_sentences_entities_and_dates():
    item = Item(
        "articles/cnn/x", None, "cnn", THURSDAY, "Kiev hit", "Zelensky spoke on Tuesday. Done."
    )
    analysed = analyse_item(item, LEXICON)
    assert [s.text for s in analysed.sentences] == ["Zelensky spoke on Tuesday.", "Done."]
    assert [e.key for e in analysed.entities] == ["kyiv", "zelensky"]
    assert analysed.dates == (dt.date(2023, 6, 6),)
    assert analyse_item(item, REGISTRIES) == analysed


def test_a_body_in_actors_yml_gives_no_surname():
    staff = Actor(
        "general-staff", "General Staff of the Armed Forces of Ukraine", (), None, None, WHERE
    )
    lexicon = build_lexicon(Registries(actors=(staff, *REGISTRIES.actors)))
    assert [e.key for e in find_entities("On Monday Ukraine said Zelensky", lexicon)] == [
        "ukraine",
        "zelensky",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Two were hurt in Russia’s Kursk region.", ["russia", "kursk"]),
        ("Shelling hit Ukraine's Kharkov region.", ["ukraine", "kharkiv"]),
        ("On Monday Russians and Ukrainians met.", ["russia", "ukraine"]),
    ],
)
def test_a_possessive_ends_a_name_and_plural_demonyms_name_the_country(text, expected):
    assert keys(text) == expected


def test_a_long_tail_without_letters_is_read_in_one_pass():
    # A table of figures after the last word: reading words and their gaps once went back
    # over such a tail from each of its characters, hours for this one.
    text = "Officials in Kharkiv reported the figures: " + "12, 345; " * 20_000
    assert [e.key for e in find_entities(text, build_lexicon(Registries()))] == ["kharkiv"]
