"""Points: figures that differ, control and rebuttals that contradict, story-wide figures."""

import datetime as dt

from parallax.claims import align_claims, extract_claims
from parallax.model import Actor, Event, Item, Registries, SourceRef, Story, Term, TermVariant
from parallax.points import point_id

WHERE = SourceRef("content/actors.yml")
REGISTRIES = Registries(
    actors=(
        Actor("hrytsenko", "Oksana Hrytsenko", ("Hrytsenko",), None, "ukraine", WHERE),
        Actor("bondar", "Pavlo Bondar", ("Bondar",), None, "ukraine", WHERE),
        Actor("orlov", "Gleb Orlov", ("Orlov",), None, "russia", WHERE),
        Actor("sokolov", "Ilya Sokolov", ("Sokolov",), None, "russia", WHERE),
        Actor("tkachenko", "Mykola Tkachenko", ("Tkachenko",), None, "ukraine", WHERE),
        Actor("zorin", "Yegor Zorin", ("Zorin",), None, "russia", WHERE),
    ),
    terms=(
        Term(
            "marinka",
            "a town",
            (TermVariant("Marinka", ()), TermVariant("Maryinka", ())),
            WHERE,
        ),
    ),
)


def item(name, text, source="cnn", day=dt.date(2023, 6, 1), title="T"):
    return Item(f"articles/{source}/{name}", None, source, day, title, text)


def align(items, events, stories=()):
    by_id = {i.id: i for i in items}
    event_of = {i: e.id for e in events for i in e.item_ids}
    claims = [c for i in items for c in extract_claims(i, event_of[i.id], REGISTRIES)]
    points = align_claims(claims, events, stories, by_id, registries=REGISTRIES)
    return claims, points


def event(eid, *items_, day=dt.date(2023, 6, 1)):
    return Event(eid, tuple(i.id for i in items_), "E", day, day)


def by_speakers(claims, point):
    speakers = {c.id: c.speaker for c in claims}
    return sorted({speakers[c] for c in point.claim_ids})


def test_two_officials_injured_counts_for_one_strike_differ():
    strike = item(
        "strike",
        "Debris fell on a school, according to Oksana Hrytsenko, with at least 6 people injured. "
        "Later, Mayor Pavlo Bondar said at least 11 people were injured in the strike.",
        title="Lviv hit by drones overnight",
    )
    claims, points = align([strike], [event("e1", strike)])
    (point,) = [p for p in points if len(p.claim_ids) == 2]
    assert point.status == "differ"
    assert by_speakers(claims, point) == ["Oksana Hrytsenko", "Pavlo Bondar"]
    assert point.label == "People injured in Lviv, 1 June 2023"


def test_counts_for_different_places_are_not_lined_up():
    one = item("a", "At least 6 people were injured in Lviv, Hrytsenko said.")
    two = item("b", "At least 2 people were injured in Kursk, Orlov said.", source="rt")
    _, points = align([one, two], [event("e1", one, two)])
    assert sorted(len(p.claim_ids) for p in points) == [1, 1]


def test_the_same_count_from_two_sides_agrees_and_from_one_outlet_is_single():
    one = item("a", "Three people were killed in Lviv, Hrytsenko said.")
    two = item("b", "Three people were killed in Lviv, Orlov said.", source="rt")
    _, points = align([one, two], [event("e1", one, two)])
    assert [p.status for p in points] == ["agree"]
    alone = item(
        "c", "Three people were killed in Lviv, Hrytsenko said. Bondar said 3 people died."
    )
    _, points = align([alone], [event("e2", alone)])
    assert [p.status for p in points] == ["single"]


def test_control_claimed_by_both_sides_contradicts():
    text = (
        "The Ukrainian commander has claimed that Russian units are “trapped” in Marinka. "
        "“The town is under the control of Ukrainian forces,” Tkachenko asserted. "
        "“Fighting goes on for the Maryinka outskirts,” Zorin told reporters. "
        "“All of them are under the control of our forces.”"
    )
    town = item("town", text, source="epochtimes")
    claims, points = align([town], [event("e1", town)])
    (point,) = [p for p in points if p.status == "contradict"]
    assert point.label == "Control of Marinka's outskirts"
    assert "Yegor Zorin" in by_speakers(claims, point)
    assert "Mykola Tkachenko" in by_speakers(claims, point)


def test_a_rebuttal_naming_a_speaker_contradicts_his_promise():
    text = (
        "Gleb Orlov said on Monday that Russia would limit attacks near Odesa as a goodwill "
        "gesture. Ilya Sokolov released a video, insisting that “there is no retreat, Mr. Orlov "
        "is mistaken.”"
    )
    talks = item("talks", text, source="wsj")
    claims, points = align([talks], [event("e1", talks)])
    (point,) = points
    assert point.status == "contradict"
    assert by_speakers(claims, point) == ["Gleb Orlov", "Ilya Sokolov"]
    assert point.label == "Whether Russia would limit attacks near Odesa"


def test_disputing_that_claim_contradicts_the_claim_before_it():
    text = (
        "Hrytsenko claimed that Ukrainian troops took two villages near Marinka. "
        "Moscow disputed that claim, saying the attack had failed."
    )
    town = item("t", text)
    claims, points = align([town], [event("e1", town)])
    (point,) = [p for p in points if p.status == "contradict"]
    assert by_speakers(claims, point) == ["Moscow", "Oksana Hrytsenko"]


def test_loss_figures_months_apart_stand_side_by_side_in_their_story():
    july = item(
        "july",
        "Orlov claimed that more than 20,000 Ukrainian servicemen had been killed.",
        source="epochtimes",
        day=dt.date(2023, 7, 13),
    )
    may = item(
        "may",
        "In May, Ukraine lost over 30,000 troops, Sokolov said.",
        source="rt",
        day=dt.date(2024, 5, 31),
    )
    events = [event("e1", july, day=july.published), event("e2", may, day=may.published)]
    claims, points = align([july, may], events, [Story("s1", ("e1", "e2"), "Losses")])
    (point,) = [p for p in points if len(p.claim_ids) == 2]
    assert by_speakers(claims, point) == ["Gleb Orlov", "Ilya Sokolov"]
    assert point.event_id == "e1"  # the event of the earliest claim
    assert point.status == "single"  # only one side reports them
    assert point.label == "Ukrainian losses claimed: troops, July 2023 to May 2024"


SHELLING = "the shelling of {place} went on through the night and damaged dozens of homes"


def test_statements_worded_alike_in_two_outlets_are_one_point():
    cnn = item("a", f"Oksana Hrytsenko said {SHELLING.format(place='Marinka')}.", source="cnn")
    bbc = item("b", f"{SHELLING.format(place='Marinka').capitalize()}, Oksana Hrytsenko said.",
               source="bbc")  # fmt: skip
    other = item("c", "Gleb Orlov said the weather in Kherson was unusually warm this week.",
                 source="tass")  # fmt: skip
    claims, points = align([cnn, bbc, other], [event("e1", cnn, bbc, other)])
    (point,) = points
    assert point.label == "Statements about Marinka"
    assert {claims_of(claims, point)} == {("articles/bbc/b", "articles/cnn/a")}


def test_statements_worded_alike_are_no_point_within_one_item_or_about_other_places():
    twice = item(
        "twice",
        f"Oksana Hrytsenko said {SHELLING.format(place='Marinka')}. "
        f"{SHELLING.format(place='Marinka').capitalize()}, Oksana Hrytsenko said.",
    )
    kherson = item("d", f"Gleb Orlov said {SHELLING.format(place='Kherson')}.", source="tass")
    claims, points = align([twice, kherson], [event("e1", twice, kherson)])
    assert len(claims) == 3 and points == ()


def claims_of(claims, point):
    items = {c.id: c.item_id for c in claims}
    return tuple(sorted(items[c] for c in point.claim_ids))


def test_events_are_not_compared_unless_a_story_links_them():
    one = item("a", "Ukraine lost over 30,000 troops, Sokolov said.", source="rt")
    two = item("b", "Ukraine lost over 90,000 troops, Orlov said.", source="rt")
    _, points = align([one, two], [event("e1", one), event("e2", two)])
    assert all(len(p.claim_ids) == 1 for p in points)


def test_point_ids_come_from_the_claims_not_their_order():
    assert point_id("figure", ["b", "a"]) == point_id("figure", ["a", "b"])
    assert point_id("figure", ["a"]) != point_id("assertion", ["a"])


def _default_content_points():
    """Claims and points of the default content, through the stages as the pipeline runs them."""
    from pathlib import Path

    from parallax.analyse import analyse_item, build_lexicon
    from parallax.clean import clean_article
    from parallax.cluster import cluster_items
    from parallax.config import Settings
    from parallax.ingest import load_corpus
    from parallax.segment import segment_article

    root = Path(__file__).resolve().parent.parent / "content"
    corpus, _ = load_corpus(root, Settings())
    lexicon = build_lexicon(corpus.registries)
    items = [
        analyse_item(i, lexicon)
        for a in corpus.articles
        for i in segment_article(clean_article(a), Settings())[0]
    ]
    events, stories, _ = cluster_items(items, corpus.registries, Settings())
    event_of = {i: e.id for e in events for i in e.item_ids}
    claims = [c for i in items for c in extract_claims(i, event_of[i.id], corpus.registries)]
    by_id = {i.id: i for i in items}
    points = align_claims(claims, events, stories, by_id, registries=corpus.registries)
    return claims, points


def test_the_default_content_shows_the_disputes_readers_must_see():
    claims, points = _default_content_points()
    speakers = {c.id: c.speaker for c in claims}
    found = {(p.status, frozenset(speakers[c] for c in p.claim_ids)) for p in points}

    def shown(status, *names):
        return any(s == status and set(names) <= who for s, who in found)

    assert shown("differ", "Serhiy Popko", "Vitali Klitschko")
    assert shown("contradict", "Oleksandr Syrskyi", "Yan Gagin")
    assert shown("contradict", "Vladimir Medinsky", "Ramzan Kadyrov")
    labels = {p.label for p in points}
    assert "Control of Bakhmut's flanks" in labels
    assert "People injured in Kyiv, 1 June 2023" in labels
    # Shoigu's (July 2023) and Belousov's (May 2024) loss figures meet in one point once
    # clustering links their events into one story; test_points covers that alignment.
