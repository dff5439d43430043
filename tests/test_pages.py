"""Page objects built from a hand-written analysis: order, links to sentences, statuses, counts."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from markupsafe import Markup

from parallax import lookup as lookup_module
from parallax import matrix_pages, pages, registry_pages
from parallax.article_pages import anchored_paragraphs, article_page, body_sections
from parallax.lookup import build_lookup
from parallax.model import Item, Sentence, Span
from parallax.overview_pages import index_page, overview_pages
from parallax.render import make_environment
from parallax.story_pages import story_page
from parallax.urls import safe_id
from tests.conftest import REPO
from tests.conftest_golden import BAD, LIVE, NW, site_analysis


@pytest.fixture
def lookup():
    return build_lookup(site_analysis())


def veresk(lookup):
    return story_page(lookup, lookup.stories["veresk-dam"])


def test_events_are_in_time_order_with_outlets_by_group(lookup):
    page = veresk(lookup)
    assert [e.title for e in page.events] == ["Veresk dam breached", "Lysivka evacuated"]
    first = page.events[0]
    assert [(o.source_name, o.group) for o in first.outlets] == [
        ("TASS", "russian-state"),
        ("Kyiv Courier", "ukrainian"),
        ("Newswire", "western"),
    ]
    assert first.missing_groups == ("other",)
    assert first.bar.text == "russian-state 1, ukrainian 1, western 1"


def test_an_outlet_column_shows_headline_lead_speakers_figures_and_words(lookup):
    tass = veresk(lookup).events[0].outlets[0]
    (report,) = tass.reports
    assert report.title == "Dam collapses on the Veresk"
    assert report.href == "../articles/tass/2024-03-04-dam-collapse.md"
    assert report.lead == "A dam on the Veresk river collapsed."
    assert [(s.name, s.side, s.href) for s in report.speakers] == [
        ("Igor Volkov", "russia", "../actors/igor-volkov.md")
    ]
    assert report.figures == ("about 300 people",)
    assert report.framing == ("Kiev",)


def test_points_put_the_sharpest_disagreement_first_and_singles_apart(lookup):
    event = veresk(lookup).events[0]
    assert [(p.badge.status, p.label) for p in event.points] == [
        ("contradict", "What destroyed the dam"),
        ("differ", "People evacuated"),
    ]
    assert [p.label for p in event.singles] == ["When the water peaks"]
    assert event.points[1].badge.label == "Figures differ"


def test_every_claim_links_to_its_sentence(lookup):
    event = veresk(lookup).events[0]
    hrefs = [c.href for p in (*event.points, *event.singles) for c in p.claims]
    assert hrefs == [
        "../articles/tass/2024-03-04-dam-collapse.md#s-2",
        "../articles/newswire/2024-03-04-veresk-dam-breached.md#s-2",
        "../articles/tass/2024-03-04-dam-collapse.md#s-1",
        "../articles/newswire/2024-03-04-veresk-dam-breached.md#s-1",
        "../articles/kyivpost/2024-03-05-live-veresk.md#item-water-rising-s-1",
    ]


def test_grouping_evidence_is_strongest_first(lookup):
    evidence = veresk(lookup).events[0].evidence
    assert [(e.left, e.right, e.score) for e in evidence] == [
        ("Newswire: Veresk dam breached", "TASS: Dam collapses on the Veresk", "72"),
        ("Newswire: Veresk dam breached", "Kyiv Courier: Water rising", "64"),
    ]
    assert evidence[0].shared == ("Veresk", "dam", "evacuated")


def test_sentences_are_wrapped_in_anchored_spans_inside_paragraphs(lookup):
    item = lookup.items[NW.id]
    assert anchored_paragraphs(item) == (
        Markup(
            '<span class="px-s" id="s-0">The Veresk dam was breached early on Monday.</span> '
            '<span class="px-s" id="s-1">Olena Marchenko said 1,200 people were evacuated '
            "from Lysivka.</span>"
        ),
        Markup(
            '<span class="px-s" id="s-2">She said the dam was destroyed by shelling.</span> '
            '<span class="px-s" id="s-3">Aid arrived from Kyiv.</span>'
        ),
    )


def test_text_between_sentences_and_hostile_text_stay_escaped_text():
    text = "Intro <b>x</b> here. [a](javascript:x) said."
    sentence = Sentence(0, "[a](javascript:x) said.", Span(21, len(text)))
    item = Item("articles/a/2024-01-01-x", None, "a", dt.date(2024, 1, 1), "t", text, (sentence,))
    # HTML, with Markdown's characters as entities too: text even outside an HTML block
    assert anchored_paragraphs(item) == (
        Markup(
            "Intro &lt;b&gt;x&lt;/b&gt; here. "
            '<span class="px-s" id="s-0">&#91;a&#93;&#40;javascript:x&#41; said.</span>'
        ),
    )


def test_live_blog_entries_become_anchored_sections(lookup):
    page = article_page(lookup, LIVE)
    assert [(s.heading, s.anchor) for s in page.sections] == [
        ("Water rising", "item-water-rising"),
        ("Lysivka empty", "item-lysivka-empty"),
    ]
    assert page.sections[0].events[0].href == (
        "../../stories/veresk-dam.md#event-2024-03-04-veresk-dam"
    )


def test_an_article_without_items_shows_its_body_split_at_entry_headings():
    live = dataclasses.replace(LIVE, body="Intro.\n\n## One\n\nFirst.\n\n## Two\n\nSecond.")
    sections = body_sections(live)
    assert [(s.heading, s.paragraphs) for s in sections] == [
        (None, (Markup("Intro."),)),
        ("One", (Markup("First."),)),
        ("Two", (Markup("Second."),)),
    ]


def test_the_home_page_lists_stories_newest_first(lookup):
    page = index_page(lookup, "Parallax", latest_stories=1)
    assert [(s.title, s.href, s.dates) for s in page.stories] == [
        ("Grain talks", "stories/grain-talks.md", "2024-03-10")
    ]
    assert (page.story_count, page.article_count, page.source_count) == (2, 6, 4)


def test_the_coverage_matrix_marks_blind_spots(lookup):
    page = matrix_pages.coverage_page(lookup)
    assert [s.text for s in page.sources][1:] == ["TASS", "Kyiv Courier", "Newswire"]
    rows = [(r.event.title, r.cells[1:], r.missing_groups) for r in page.rows]
    assert rows == [
        ("Grain talks resume", (True, False, False), ("ukrainian", "western")),
        ("Lysivka evacuated", (False, True, True), ("other", "russian-state")),
        ("Veresk dam breached", (True, True, True), ("other",)),
    ]
    assert page.totals[1:] == (2, 2, 2)


def test_the_vocabulary_page_counts_variants_per_outlet(lookup):
    (term,) = matrix_pages.vocabulary_page(lookup).terms
    assert term.variants == ("Kyiv", "Kiev")
    assert term.expected == ("ukrainian, western", "russian-state")
    assert [(r.source.text, r.counts) for r in term.rows] == [
        ("TASS", (0, 1)),
        ("Newswire", (1, 0)),
    ]


def test_actor_pages_list_claims_oldest_first_and_speakers_outside_the_registry(lookup):
    claims = registry_pages.claims_by_speaker(lookup)
    page = registry_pages.actor_page(lookup, "olena-marchenko", claims["olena-marchenko"])
    assert [(d.event.date, d.claim.text[:20]) for d in page.claims] == [
        ("2024-03-04", "Olena Marchenko said"),
        ("2024-03-04", "She said the dam was"),
        ("2024-03-05", "Olena Marchenko said"),
    ]
    assert "speaker-state-emergency-service" in claims


@pytest.mark.parametrize("unlisted", [False, True])
def test_what_claims_by_speaker_finds_of_each_speaker_is_what_each_claim_says(unlisted):
    analysis = site_analysis()
    if unlisted:  # a story's events in no story, an item unknown: their claims are not shown
        dropped = analysis.claims[0].item_id
        items = tuple(i for i in analysis.items if i.id != dropped)
        analysis = dataclasses.replace(analysis, stories=analysis.stories[1:], items=items)
    lookup = build_lookup(analysis)
    said = registry_pages.claims_by_speaker(lookup)
    assert sum(map(len, said.values())) == len(analysis.claims)
    hidden = 0
    for key, claims in said.items():
        found = registry_pages._said(lookup, key, claims)
        again = registry_pages._said(build_lookup(analysis), key, tuple(claims))  # one by one
        assert found == again and found.claims is claims
        assert set(found.item_ids) == {c.item_id for c in claims}
        hidden += len(claims) - len(found.shown)
        _, side = registry_pages._actor_row(lookup, key, claims)
        actor = lookup.actors.get(key)
        sides = ", ".join(sorted({c.side for c in claims if c.side})) or None
        assert side == (actor.side if actor and actor.side else sides)
    assert (hidden > 0) == unlisted


def test_source_pages_show_events_and_word_choices(lookup):
    page = registry_pages.source_page(lookup, lookup.sources["tass"])
    assert [e.title for e in page.events] == ["Grain talks resume", "Veresk dam breached"]
    assert [(w.concept, w.variant, w.count) for w in page.words] == [
        ("The capital of Ukraine", "Kiev", 1)
    ]


def test_source_pages_list_only_the_latest_and_count_them_all(lookup, monkeypatch):
    full = registry_pages.source_page(lookup, lookup.sources["tass"])
    monkeypatch.setattr(registry_pages, "SOURCE_LIST", 1)
    page = registry_pages.source_page(lookup, lookup.sources["tass"])
    assert page.events == full.events[:1] and page.articles == full.articles[:1]
    assert (page.event_count, page.article_count) == (2, len(full.articles)) != (1, 1)
    assert page.data_href == "../data/events.json"
    env = make_environment(REPO / "templates")
    text = env.get_template("source.md.j2").render(page=page, dest="sources/tass.md")
    assert "The latest 1 of 2 events it reported" in text
    assert f"The latest 1 of its {page.article_count} articles" in text
    assert text.count("](../data/events.json)") == 2
    # Under the limit, nothing is said of it.
    text = env.get_template("source.md.j2").render(page=full, dest="sources/tass.md")
    assert "The latest" not in text and "events.json" not in text


def test_the_sources_table_counts_an_event_once_per_outlet():
    analysis = site_analysis()
    live = "articles/kyivpost/2024-03-05-live-veresk#lysivka-empty"
    first = analysis.events[0]
    # Both of the Kyiv Courier live blog's items in one event: one event for the outlet.
    events = (
        dataclasses.replace(first, item_ids=(*first.item_ids, live)),
        dataclasses.replace(
            analysis.events[1], item_ids=("articles/newswire/2024-03-07-lysivka-evacuated",)
        ),
        *analysis.events[2:],
    )
    page = registry_pages.sources_index_page(
        build_lookup(dataclasses.replace(analysis, events=events))
    )
    counts = {row.link.text: (row.article_count, row.event_count) for row in page.rows}
    assert counts["Kyiv Courier"] == (1, 1)
    assert counts["Newswire"] == (2, 2)


def test_every_page_has_a_unique_destination(lookup):
    dests = [dest for _, dest, _ in overview_pages(lookup, "Parallax", 20)]
    assert len(dests) == len(set(dests))
    assert "actors/olena-marchenko.md" in dests and "sources/hostile.md" in dests


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("veresk-dam", "veresk-dam"),
        ("../../etc/passwd", "etc-passwd-3754d6cb"),
        ("Kyiv Strike", "kyiv-strike-4189dafa"),
        ("<script>", "script-5b63e5b2"),
        ("", "id-e3b0c442"),
    ],
)
def test_ids_outside_the_safe_alphabet_become_slugs_with_a_hash(raw, expected):
    assert safe_id(raw) == expected


def test_the_hostile_article_keeps_its_text_as_data(lookup):
    page = article_page(lookup, BAD)
    assert page.title == BAD.title and page.url == "https://hostile.example/10"


def _page_classes():
    for module in (pages, registry_pages, matrix_pages):
        for value in vars(module).values():
            if dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                yield value


def test_every_page_object_field_has_help():
    missing = [
        f"{cls.__name__}.{f.name}"
        for cls in _page_classes()
        for f in dataclasses.fields(cls)
        if not f.metadata.get("help")
    ]
    assert missing == []


def test_a_syndicated_copy_counts_as_its_original_outlet():
    import dataclasses

    from parallax.lookup import build_lookup
    from parallax.story_pages import event_voices
    from tests.conftest_golden import site_analysis

    analysis = site_analysis()
    lookup = build_lookup(analysis)
    event = max(analysis.events, key=lambda e: len(event_voices(lookup, e).sources))
    before = event_voices(lookup, event)
    first, second = before.sources[:2]
    copy = next(
        a
        for a in analysis.corpus.articles
        if a.source == second and any(i.startswith(a.id) for i in event.item_ids)
    )
    articles = tuple(
        dataclasses.replace(a, syndicated_from=first) if a is copy else a
        for a in analysis.corpus.articles
    )
    corpus = dataclasses.replace(analysis.corpus, articles=articles)
    after = event_voices(build_lookup(dataclasses.replace(analysis, corpus=corpus)), event)
    assert after.count == before.count - 1
    assert second not in after.sources
    assert after.copies == ((copy.id, first),)


def test_actor_pages_show_only_the_latest_claims_and_count_them_all(lookup, monkeypatch):
    monkeypatch.setattr(registry_pages, "ACTOR_CLAIMS", 2)
    claims = registry_pages.claims_by_speaker(lookup)
    page = registry_pages.actor_page(lookup, "olena-marchenko", claims["olena-marchenko"])
    assert [(d.event.date, d.claim.text[:20]) for d in page.claims] == [
        ("2024-03-04", "She said the dam was"),
        ("2024-03-05", "Olena Marchenko said"),
    ]
    assert page.claim_count == 3
    assert page.data_href == "../data/claims.json"
    said = {"olena-marchenko": claims["olena-marchenko"]}
    index = registry_pages.actors_index_page(lookup, said)
    assert [(r.link.text, r.claim_count) for r in index.rows] == [(page.name, 3)]


def test_a_lazy_part_is_built_once_when_first_read_and_reads_as_what_it_stands_for():
    built = []

    def build() -> pages.Link:
        built.append(1)
        return pages.Link("text", "../x/")

    lazy = pages.Lazy(build, "inputs")
    assert repr(lazy) == "Lazy(inputs='inputs')" and built == []
    assert (lazy.text, lazy.href, lazy.value) == ("text", "../x/", pages.Link("text", "../x/"))
    assert built == [1]


def test_a_lazy_list_is_counted_without_being_built_and_built_once_when_read():
    built = []

    def build() -> tuple[str, ...]:
        built.append(1)
        return ("a", "b")

    listed = pages.LazyList(build, "inputs", 2)
    assert (len(listed), bool(listed), built) == (2, True, [])
    assert repr(listed) == "Lazy(inputs='inputs')"
    assert list(listed) == ["a", "b"] and listed[1] == "b" and listed[-1:] == ("b",)
    assert built == [1]
    wrong = pages.LazyList(lambda: ("a",), "inputs", 2)
    assert len(wrong) == 2
    with pytest.raises(ValueError, match="a lazy list of 2 built"):
        list(wrong)


def test_an_actor_page_given_the_articles_keys_builds_its_list_only_when_read(lookup, monkeypatch):
    monkeypatch.setattr(registry_pages, "ACTOR_CLAIMS", 2)
    claims = registry_pages.claims_by_speaker(lookup)["olena-marchenko"]
    built = []
    real = registry_pages._dated
    monkeypatch.setattr(registry_pages, "_dated", lambda *args: built.append(1) or real(*args))
    eager = registry_pages.actor_page(lookup, "olena-marchenko", claims)
    assert built == [1] and isinstance(eager.claims, tuple)
    lazy = registry_pages.actor_page(lookup, "olena-marchenko", claims, lambda a: f"key of {a}")
    assert isinstance(lazy.claims, pages.LazyList) and len(lazy.claims) == 2 and built == [1]
    assert tuple(lazy.claims) == eager.claims and built == [1, 1]
    assert dataclasses.replace(lazy, claims=eager.claims) == eager
    # Its inputs name each claim's article key, event and story: another key, other inputs.
    other = registry_pages.actor_page(lookup, "olena-marchenko", claims, lambda a: f"new {a}")
    assert repr(other.claims) != repr(lazy.claims)
    unkeyed = registry_pages.actor_page(lookup, "olena-marchenko", claims, lambda a: None)
    assert unkeyed.claims == eager.claims


@pytest.mark.parametrize(
    "values",
    [
        [],
        [("a", 1), ("a", 2), ("b", 3)],
        [("b", 1), ("a", 2), ("a", 3), ("c", 4)],
        [("a", 1), ("b", 2), ("a", 3)],  # a key that comes back: grouped all the same
    ],
)
def test_values_listed_run_by_run_are_grouped_as_one_by_one(values):
    runs = lookup_module._runs(values, lambda value: value[0])
    grouped = lookup_module._grouped((value[0], value) for value in values)
    assert runs == grouped and list(runs) == list(grouped)


def test_the_claims_of_an_item_are_looked_up_together():
    analysis = site_analysis()
    lookup = build_lookup(analysis)
    assert sum(map(len, lookup.claims_by_item.values())) == len(analysis.claims) > 5
    for item_id, claims in lookup.claims_by_item.items():
        assert claims == tuple(c for c in analysis.claims if c.item_id == item_id)


def test_the_framing_counts_are_each_items_variants_counted_once_by_outlet(lookup):
    from collections import Counter, defaultdict

    from parallax import matrix_pages, page_parts

    counted = page_parts.framing_counts(lookup)
    assert page_parts.framing_counts(lookup) is counted  # once for the lookup
    by_term: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    by_source: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for item in lookup.analysis.items:
        for key, variant in set(lookup.framing.get(item.id, ())):
            by_term[key][(item.source, variant)] += 1
            by_source[item.source][(key, variant)] += 1
    assert sum(counted.values()) >= 2
    assert matrix_pages._term_counts(lookup) == by_term
    for source in lookup.sources:
        words = registry_pages._words(lookup, source)
        concept = {t.key: t.concept for t in lookup.terms.values()}
        expected = [(concept.get(t, t), v, n) for (t, v), n in sorted(by_source[source].items())]
        assert [(w.concept, w.variant, w.count) for w in words] == expected


def test_a_points_claims_are_found_near_it_and_every_claim_is_made_only_when_asked_for():
    analysis = site_analysis()
    lookup = build_lookup(analysis)
    everything = {c.id: c for c in analysis.claims}
    assert analysis.points
    for point in analysis.points:
        near = lookup.point_claims(point)
        assert all(near[c] is everything[c] for c in point.claim_ids)
    assert lookup.claims._by_id is None  # not made: every point's claims were near it
    # A claim outside the point's story (no build makes one): every claim is read instead.
    point = analysis.points[0]
    outside = next(c for c in analysis.claims if c.id not in lookup.point_claims(point))
    odd = dataclasses.replace(point, claim_ids=(*point.claim_ids, outside.id))
    assert lookup.point_claims(odd) is lookup.claims
    assert lookup.claims[outside.id] is outside and dict(lookup.claims) == everything
