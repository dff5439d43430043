"""Claims: speakers, sides, quotes and figures, on hand-written items."""

import dataclasses
import datetime as dt

import pytest

from parallax.analyse import analyse_item
from parallax.claims import claim_id, extract_claims
from parallax.model import Actor, Item, Registries, Source, SourceRef

WHERE = SourceRef("content/actors.yml")


def actor(key, name, aliases=(), side=None):
    return Actor(key, name, tuple(aliases), None, side, WHERE)


REGISTRIES = Registries(
    sources=(Source("rt", "RT", "rt.com", "RU", "russian-state", None, None, WHERE),),
    actors=(
        actor("petrenko", "Ivan Petrenko", ["Petrenko"], "ukraine"),
        actor("volkov", "Arkady Volkov", ["Volkov", "Arkadiy Volkov"], "russia"),
        actor("zelensky", "Volodymyr Zelensky", ["Zelensky", "Zelenskyy"], "ukraine"),
        actor("kremlin", "Kremlin", ["the Kremlin"], "russia"),
    ),
)


def item(text, source="cnn", anchor=None):
    return Item("articles/x/2024-01-01-a", anchor, source, dt.date(2024, 1, 1), "T", text)


def claims_of(text, **kwargs):
    return extract_claims(item(text, **kwargs), "ev1", REGISTRIES)


def speakers(text, **kwargs):
    return [(c.speaker, c.side) for c in claims_of(text, **kwargs)]


@pytest.mark.parametrize(
    "text",
    [
        "Deputy Defence Minister Ivan Petrenko said the line held.",
        "The line held, said Deputy Defence Minister Ivan Petrenko.",
        "The line held, according to Ivan Petrenko.",
        "Ivan Petrenko told Ukrinform the line held.",
        "“The line held,” Mr. Petrenko said.",
        "“The line held,” Petrenko, who spoke on television, asserted on Monday.",
        "Petrenko warned that the line would not hold for long.",
        "Petrenko denied the reports.",
    ],
)
def test_a_known_speaker_is_linked_to_the_registry(text):
    assert speakers(text) == [("Ivan Petrenko", "ukraine")]


def test_a_spelling_variant_of_a_name_is_matched_fuzzily():
    assert speakers("Zelenskiy said the talks were useful.") == [("Volodymyr Zelensky", "ukraine")]


def test_an_unknown_speaker_is_kept_as_written_without_a_side():
    assert speakers("Local farmer Olga Marchenko said the shells fell at night.") == [
        ("Olga Marchenko", None)
    ]


def test_a_pronoun_is_the_speaker_named_before_it():
    text = "Arkady Volkov spoke in Minsk. “We are ready,” Volkov said. “Nothing changes,” he added."
    assert speakers(text) == [("Arkady Volkov", "russia")] * 2


def test_a_role_is_the_person_named_with_that_title():
    text = (
        "Defence Minister Arkady Volkov met troops on Monday. "
        "The front moved 5km, the minister said."
    )
    assert speakers(text) == [("Arkady Volkov", "russia")]


def test_a_quote_over_two_sentences_keeps_its_speaker_and_is_a_quote():
    text = "“The enemy is retreating from the river,” Petrenko said. “Our units hold the bridge.”"
    found = claims_of(text)
    assert [(c.speaker, c.quote) for c in found] == [("Ivan Petrenko", True)] * 2


def test_a_quote_whose_attribution_comes_two_sentences_later():
    text = "“The shelling has not stopped. Not for an hour. The city is in danger,” said Volkov."
    assert speakers(text) == [("Arkady Volkov", "russia")] * 3


def test_reported_speech_is_not_a_direct_quote():
    (claim,) = claims_of("Petrenko said the line held despite “heavy” shelling.")
    assert claim.quote is False


def test_the_outlets_own_voice_is_not_a_speaker_but_whom_it_quotes_is():
    assert speakers("RT reports that the bridge was closed.", source="rt") == []
    assert speakers("RT reports, citing the Kremlin, that the bridge was closed.") == [
        ("Kremlin", "russia")
    ]


def test_a_group_speaker_gets_the_side_its_words_name():
    assert speakers("At least 3 people were hurt, Ukrainian officials said.") == [
        ("Ukrainian officials", "ukraine")
    ]


def test_sentences_without_attribution_are_not_claims():
    assert claims_of("The bridge was closed on Monday. Trains were cancelled.") == ()


def test_an_analysed_item_gives_each_claim_the_figures_of_its_sentence():
    text = (
        "Petrenko said 40 drones were shot down. The figure was 319. "
        "Residents said 2 people were hurt, Volkov said."
    )
    analysed = analyse_item(item(text), REGISTRIES)
    claims = extract_claims(analysed, "ev1", REGISTRIES)
    assert [[f.text for f in c.figures] for c in claims] == [["40 drones"], ["2 people"]]
    # The same figures, the same objects, as the item's own...
    assert [f for c in claims for f in c.figures] == list(analysed.figures)
    # ...and as the sentence read alone, for an item not analysed.
    assert [c.figures for c in claims_of(text)] == [c.figures for c in claims]


def test_a_claim_keeps_its_sentence_offsets_and_figures_in_item_coordinates():
    text = "Rain fell. Petrenko said at least 12 people were injured."
    (claim,) = claims_of(text)
    assert text[claim.sentence.span.start : claim.sentence.span.end] == claim.sentence.text
    (figure,) = claim.figures
    assert (figure.value, figure.unit, figure.about, figure.qualifier) == (
        12,
        "people",
        "injured",
        "at least",
    )
    assert text[figure.span.start : figure.span.end] == "at least 12 people"


def test_claim_ids_come_from_the_item_and_the_sentence_not_from_positions():
    one = claims_of("Petrenko said the line held.")[0]
    two = claims_of("Rain fell. Petrenko said the line held.")[0]
    assert one.id == two.id == claim_id("articles/x/2024-01-01-a", "Petrenko said the line held.")
    assert len(one.id) == 12


def test_claims_json_has_the_documented_shape():
    from parallax.claims import claims_to_json
    from parallax.model import Point

    live = item("Ivan Petrenko said at least 10 people were injured.", anchor="strike")
    (claim,) = extract_claims(live, "ev1", REGISTRIES)
    point = Point("p1", "ev1", "People injured", (claim.id,), "single")
    data = claims_to_json([claim], [point], {live.id: live})
    (row,) = data["claims"]
    assert {k: row[k] for k in ("event", "article", "item", "source", "speaker", "side")} == {
        "event": "ev1",
        "article": "articles/x/2024-01-01-a.md",
        "item": "strike",
        "source": "cnn",
        "speaker": "Ivan Petrenko",
        "side": "ukraine",
    }
    assert (row["id"], row["text"], row["quote"]) == (claim.id, claim.sentence.text, False)
    figure = row["figures"][0]
    assert (figure["value"], figure["unit"], figure["about"]) == (10, "people", "injured")
    assert isinstance(row["figures"][0]["value"], int)
    assert data["points"] == [
        {
            "id": "p1",
            "event": "ev1",
            "label": "People injured",
            "status": "single",
            "claims": [claim.id],
            "events": ["ev1"],
            "story": None,
        }
    ]


def test_a_claim_in_an_event_differs_from_it_in_the_event_only():
    live = item("Ivan Petrenko said at least 10 people were injured.", anchor="strike")
    (claim,) = extract_claims(live, "", REGISTRIES)
    assert claim.figures and claim.actor and claim.side  # every field set
    tagged = claim.in_event("ev1")
    assert tagged == dataclasses.replace(claim, event_id="ev1")
    changed = [
        f.name
        for f in dataclasses.fields(claim)
        if getattr(tagged, f.name) != getattr(claim, f.name)
    ]
    assert changed == ["event_id"]
