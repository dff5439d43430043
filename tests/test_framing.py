"""Framing: the contested-term variants an item uses."""

import datetime as dt

from parallax.framing import framing_terms
from parallax.model import Item, Registries, SourceRef, Term, TermVariant

WHERE = SourceRef("content/terms.yml")


def term(key, *variants):
    return Term(key, key, tuple(TermVariant(v, ()) for v in variants), WHERE)


REGISTRIES = Registries(
    terms=(
        term("capital", "Kyiv", "Kiev"),
        term("war", "war", "invasion", "special military operation", "special operation"),
    )
)


def framing(text, title="T"):
    item = Item("articles/x/a", None, "x", dt.date(2024, 1, 1), title, text)
    return framing_terms(item, REGISTRIES)


def test_each_variant_used_is_listed_once_in_registry_order():
    text = "Kiev's forces and Kyiv residents. The invasion, the war, the war again."
    assert framing(text) == (
        ("capital", "Kyiv"),
        ("capital", "Kiev"),
        ("war", "war"),
        ("war", "invasion"),
    )


def test_case_possessives_quotes_and_line_breaks_are_tolerated():
    text = "Moscow says its “Special Military\noperation” goes on; KIEV’S answer came."
    assert framing(text) == (("capital", "Kiev"), ("war", "special military operation"))


def test_the_title_counts_and_parts_of_other_words_do_not():
    assert framing("Warfare and Kyivstar.", title="Invasion enters its third year") == (
        ("war", "invasion"),
    )
