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


def test_only_the_variants_a_text_may_use_are_compiled():
    from parallax import framing as framing_module

    registries = Registries(terms=REGISTRIES.terms)  # patterns of its own, none compiled yet
    item = Item("articles/x/a", None, "x", dt.date(2024, 1, 1), "T", "Kiev said nothing.")
    assert framing_terms(item, registries) == (("capital", "Kiev"),)
    index = framing_module._patterns(registries)
    assert len(index.patterns) == 6
    assert [index.patterns[n][1] for n in index.compiled] == ["Kiev"]
    # Another text, another variant; one compiled before is not compiled again.
    kiev = index.compiled[1]
    other = Item("articles/x/b", None, "x", dt.date(2024, 1, 1), "T", "Kiev and the war.")
    assert framing_terms(other, registries) == (("capital", "Kiev"), ("war", "war"))
    assert index.compiled[1] is kiev and len(index.compiled) == 2
