"""Figures: values, units, what is counted and qualifiers, on hand-written sentences."""

import pytest

from parallax.figures import extract_figures, sentence_figures
from parallax.segment import split_sentences


def _one(text):
    figures = extract_figures(text)
    assert len(figures) == 1, figures
    return figures[0]


@pytest.mark.parametrize(
    ("text", "value", "unit", "about", "qualifier"),
    [
        (
            "The army said more than 12,500 enemy soldiers had been killed.",
            12500,
            "troops",
            "killed",
            "more than",
        ),
        ("Its forces took 640 square kilometers of ground.", 640, "km2", "territory", None),
        ("Officials said at least 7 people were injured.", 7, "people", "injured", "at least"),
        ("Defences downed eight cruise missiles overnight.", 8, "missiles", "intercepted", None),
        ("Congress approved $250 million in new aid.", 250_000_000, "usd", "aid", None),
        ("The enemy lost 41,000 troops last month.", 41000, "troops", "losses", None),
        (
            "The army lost about 1,900 pieces of military hardware.",
            1900,
            "equipment",
            "losses",
            "about",
        ),
        ("The line moved nearly 15km back.", 15, "km", "distance", "nearly"),
        (
            "Some three million people have fled the region.",
            3_000_000,
            "people",
            "displaced",
            "some",
        ),
        ("Up to 40 drones were shot down.", 40, "drones", "intercepted", "up to"),
        ("Troops suffered dozens of casualties.", 24, "people", "casualties", "dozens"),
        ("The fire killed 35 Moldovans and Ukrainians.", 35, "people", "killed", None),
    ],
)
def test_reads_value_unit_about_and_qualifier(text, value, unit, about, qualifier):
    figure = _one(text)
    assert (figure.value, figure.unit, figure.about, figure.qualifier) == (
        value,
        unit,
        about,
        qualifier,
    )


def test_square_miles_are_normalised_to_square_kilometres():
    figure = _one("Kyiv says it retook 50 square miles.")
    assert figure.unit == "km2"
    assert figure.value == pytest.approx(129.5, abs=0.1)


def test_the_text_and_span_cover_the_qualifier_and_the_counted_noun():
    text = "Police said at least 9 people were hurt."
    figure = _one(text)
    assert figure.text == "at least 9 people"
    assert text[figure.span.start : figure.span.end] == figure.text


def test_a_list_shares_what_its_first_figure_counts():
    figures = extract_figures("Gunners destroyed 12 tanks, 30 armoured vehicles and 4 aircraft.")
    assert [(f.value, f.unit, f.about) for f in figures] == [
        (12, "tanks", "destroyed"),
        (30, "vehicles", "destroyed"),
        (4, "aircraft", "destroyed"),
    ]


def test_an_aside_between_the_figure_and_its_verb_is_skipped():
    figures = extract_figures(
        "Four people — among them one child — were killed, and 6 people injured."
    )
    assert [(f.value, f.about) for f in figures] == [(4, "killed"), (6, "injured")]


@pytest.mark.parametrize(
    "text",
    [
        "The summit opened on June 14, 2021.",
        "Troops crossed the border on Feb. 3.",
        "It happened on 9 March in 1999.",
        "The post went up at 07:45PM.",
        "It became the 12th member of the bloc.",
        "The talks lasted five weeks and the war nine months.",
        "A leader who sees 50 years ahead.",
        "Under article number five, allies must help.",
        "The boys, ages 7 or 8 and 10 or 11, were there.",
        "A Su-25 jet was seen.",
        "One of the reasons is the weather.",
    ],
)
def test_dates_years_times_ordinals_and_spans_of_time_are_not_figures(text):
    assert extract_figures(text) == ()


def test_a_number_that_counts_nothing_is_left_out():
    assert extract_figures("The vote was 52 to 48.") == ()


def _by_sentence(text):
    figures = sentence_figures(text, split_sentences(text))
    return [(f.value, f.unit, f.about, f.text) for f in figures]


def test_a_figure_is_read_within_its_sentence():
    # Read across the full stop, "319" counted the residents of the next sentence, and
    # "March." before "5 soldiers" made them a date.
    text = "The mayor said the figure was 319. Residents recalled a collapsed roof."
    assert _by_sentence(text) == []
    text = "The offensive began in March.\n\n5 soldiers were killed on Monday."
    assert _by_sentence(text) == [(5, "troops", "killed", "5 soldiers")]


def test_figures_by_sentence_have_spans_in_the_whole_text():
    text = "Rain fell on Tuesday. At least 12 people were injured. Then 3 tanks were destroyed."
    figures = sentence_figures(text, split_sentences(text))
    assert [text[f.span.start : f.span.end] for f in figures] == [
        "At least 12 people",
        "3 tanks",
    ]


def test_a_text_that_lower_casing_lengthens_is_read_sentence_by_sentence_too():
    # "İ" lower-cases to two characters: the one scan of the whole text is not used.
    text = "İzmir sent aid. At least 12 people were injured."
    (figure,) = sentence_figures(text, split_sentences(text))
    assert text[figure.span.start : figure.span.end] == "At least 12 people"


@pytest.mark.parametrize(
    "text", ["İ dozenſ soldiers", "İ fıve soldiers were killed", "İ ſeven soldiers were killed"]
)
def test_letters_matched_as_ascii_ones_are_read_as_those(text):
    # "İ" lengthens when lower-cased, so the text is matched ignoring case, which pairs "ſ"
    # with "s" and "ı" with "i": the words were then looked up as written, and not found.
    (figure,) = extract_figures(text)
    assert figure.unit == "troops" and figure.value in (24, 5, 7)
