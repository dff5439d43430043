"""Events and stories: grouping, stable ids, overrides, evidence and the JSON shape."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parallax import cluster as cluster_module
from parallax import stories
from parallax.cluster import LastPairs, ScoreMemo, candidate_pairs, cluster_items, events_to_json
from parallax.config import Settings
from parallax.linkage import average_link
from parallax.model import Actor, Item, Override, Registries, SourceRef
from parallax.signature import Signature, blocking_tokens, display_names, item_signature, rarity

SETTINGS = Settings(event_threshold=12.0, story_threshold=28.0)
OVERRIDES = SourceRef("content/overrides.yml", 3)


def make_item(path: str, day: int, title: str, text: str, anchor: str | None = None) -> Item:
    source = path.split("/")[0]
    date = dt.date(2023, 6, day)
    return Item(f"articles/{path}", anchor, source, date, title, text)


DAM = (
    make_item(
        "wire/2023-06-06-dam",
        6,
        "Kakhovka dam breached",
        "The Kakhovka dam at Nova Kakhovka was breached on Tuesday."
        " Oleksandr Prokudin said 16,000 people were at risk.",
    ),
    make_item(
        "herald/2023-06-06-water",
        6,
        "A wall of water in Kherson",
        "Residents of Kherson fled after the Kakhovka dam at Nova Kakhovka gave way on Tuesday,"
        " Oleksandr Prokudin said.",
    ),
    make_item(
        "copy/2023-06-06-dam",
        6,
        "Kakhovka dam breached",
        "The Kakhovka dam at Nova Kakhovka was breached on Tuesday."
        " Oleksandr Prokudin said 16,000 people were at risk.",
    ),
)
KYIV_EARLY = make_item(
    "wire/2023-06-01-kyiv",
    1,
    "Strike on Kyiv kills three",
    "Three people were killed in Kyiv's Desnianskyi district on Thursday, Vitali Klitschko said.",
)
KYIV_LATE = make_item(
    "wire/2023-06-24-kyiv",
    24,
    "Strike on Kyiv kills five",
    "Five people were killed in Kyiv's Solomianskyi district on Saturday, Vitali Klitschko said.",
)
ITEMS = (*DAM, KYIV_EARLY, KYIV_LATE)


def cluster(items=ITEMS, overrides=()):
    return cluster_items(items, Registries(overrides=tuple(overrides)), SETTINGS)


def groups(events):
    return sorted(sorted(e.item_ids) for e in events)


def test_pairs_just_above_the_threshold_merge_and_just_below_do_not():
    assert average_link(2, [(0, 1, 60.0)], 60.0) == ((0, 1),)
    assert average_link(2, [(0, 1, 59.9)], 60.0) == ((0,), (1,))


def test_average_link_does_not_chain():
    # 0-1 and 1-2 are similar, 0-2 was never scored: the mean of {0,1} to 2 is 45.
    assert average_link(3, [(0, 1, 90.0), (1, 2, 90.0)], 60.0) == ((0, 1), (2,))


def test_groups_join_only_through_pairs_given_even_at_a_threshold_of_zero():
    # A threshold of 0 is allowed (config): a pair never scored counts as 0 in a mean, but
    # does not join two groups by itself.
    assert average_link(3, [(0, 1, 0.0)], 0.0) == ((0, 1), (2,))


def test_two_merged_groups_go_on_to_merge():
    # {0,1} and {2,3} form first, each the closest pair; every pair across them scores 80.
    across = [(a, b, 80.0) for a in (0, 1) for b in (2, 3)]
    pairs = [(0, 1, 100.0), (2, 3, 100.0), *across]
    assert average_link(4, pairs, 60.0) == ((0, 1, 2, 3),)


def test_copies_and_paraphrases_are_one_event_and_strikes_weeks_apart_are_two():
    events, stories, problems = cluster()
    assert groups(events) == sorted([sorted(i.id for i in DAM), [KYIV_EARLY.id], [KYIV_LATE.id]])
    assert problems == ()
    assert sorted(e for s in stories for e in s.event_ids) == sorted(e.id for e in events)


def test_event_ids_are_readable_slugs_from_the_earliest_item():
    events, _, _ = cluster()
    dam = next(e for e in events if len(e.item_ids) == 3)
    assert dam.id.startswith("2023-06-06-")
    assert dam.id == dam.id.lower() and all(c.isalnum() or c == "-" for c in dam.id)
    assert (dam.start, dam.end) == (dt.date(2023, 6, 6), dt.date(2023, 6, 6))


def test_ids_survive_unrelated_additions_and_renamed_files():
    before = {e.id for e in cluster()[0]}
    unrelated = make_item(
        "other/2023-06-10-grain",
        10,
        "Grain deal talks in Istanbul",
        "Turkey hosted grain talks in Istanbul on Saturday.",
    )
    renamed = dataclasses.replace(DAM[0], article_id="articles/wire/2023-06-06-renamed")
    after = {e.id for e in cluster((renamed, *DAM[1:], KYIV_EARLY, KYIV_LATE, unrelated))[0]}
    assert before < after


def test_evidence_names_what_the_items_share():
    events, _, _ = cluster()
    dam = next(e for e in events if len(e.item_ids) == 3)
    assert dam.evidence[0].score == 100.0
    assert "Oleksandr Prokudin" in dam.evidence[0].shared or "Kakhovka" in " ".join(
        dam.evidence[0].shared
    )
    assert all(0 <= ev.score <= 100 for ev in dam.evidence)


def override(action, kind, targets, title=None):
    return Override(action, "editor's call", kind, tuple(targets), title, OVERRIDES)


def test_overrides_merge_split_exclude_and_retitle():
    events, _, _ = cluster()
    early, late = (
        next(e.id for e in events if i.id in e.item_ids) for i in (KYIV_EARLY, KYIV_LATE)
    )
    rules = [
        override("merge", "events", [early, late]),
        override("split", "items", [DAM[1].id + ".md"]),
        override("exclude", "items", [DAM[2].id]),
        override("retitle", "event", [early], "Kyiv strikes"),
    ]
    events, _, problems = cluster(overrides=rules)
    assert problems == ()
    assert groups(events) == sorted(
        [[DAM[0].id], [DAM[1].id], sorted([KYIV_EARLY.id, KYIV_LATE.id])]
    )
    assert next(e.title for e in events if e.id == early) == "Kyiv strikes"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            ("merge", "events", ["2023-06-01-strike-on-kyiv-kills-three-xxxx"]),
            'no event "2023-06-01-strike-on-kyiv-kills-three-xxxx" to merge',
        ),
        (
            ("exclude", "items", ["articles/wire/2023-06-06-dan"]),
            'no item "articles/wire/2023-06-06-dan" to exclude',
        ),
        (("retitle", "story", ["nothing-like-it"], "T"), 'no story "nothing-like-it" to retitle'),
    ],
)
def test_overrides_that_name_nothing_are_errors_with_a_hint(rule, message):
    _, _, problems = cluster(overrides=[override(*rule)])
    assert [(p.source, p.field, p.message) for p in problems] == [(OVERRIDES, rule[1], message)]
    assert problems[0].is_error


def test_unknown_ids_hint_at_the_closest():
    _, _, problems = cluster(
        overrides=[override("exclude", "items", ["articles/wire/2023-06-06-dan"])]
    )
    assert problems[0].hint == 'did you mean "articles/wire/2023-06-06-dam"?'
    _, _, problems = cluster(overrides=[override("retitle", "story", ["zzz"], "T")])
    assert problems[0].hint == 'run "python build.py clusters --json" to list the ids'


def test_json_has_the_documented_shape():
    entry = make_item(
        "live/2023-06-06-blog", 6, "Dam breached", "The Kakhovka dam was breached.", "dam-breached"
    )
    events, stories, _ = cluster((*ITEMS, entry))
    data = events_to_json(events, stories, {i.id: i for i in (*ITEMS, entry)})
    assert sorted(data) == ["events", "stories"]
    first = data["events"][0]
    assert {"id", "title", "start", "end", "items"} <= set(first)
    assert first["items"] == [{"article": "articles/wire/2023-06-01-kyiv.md", "item": None}]
    anchors = [i["item"] for e in data["events"] for i in e["items"]]
    assert "dam-breached" in anchors
    assert [e["start"] for e in data["events"]] == sorted(e["start"] for e in data["events"])
    assert {e for s in data["stories"] for e in s["events"]} == {e["id"] for e in data["events"]}


def test_a_time_of_day_in_a_heading_is_not_a_number():
    entry = make_item("live/2023-06-06-blog", 6, "06:40 Dam breached", "The dam broke.", "a")
    assert not [t for t in item_signature(entry, {}).tokens if t.startswith("n:")]


def test_tokens_most_items_carry_weigh_nothing():
    assert rarity(7, 10) == 0.0  # "Russia", "Ukraine", the day a live blog was written
    assert rarity(1, 10) > rarity(3, 10) > 0.0


def test_one_more_article_moves_few_weights():
    # Within a size step (10,624-11,585 items), a token's rarity moves only with its own
    # count, and only when it crosses a tenth: so one more article leaves most scores as they
    # were, and a build can keep what it grouped last time (#9).
    counts = range(1, 4000)
    assert all(rarity(c, 10_624) == rarity(c, 11_585) for c in counts)
    assert sum(rarity(c, 10_624) != rarity(c + 1, 10_624) for c in range(100, 3000)) < 100
    # The next size step moves them all together.
    assert sum(rarity(c, 11_585) != rarity(c, 11_586) for c in counts) > 3000


ELSEWHERE = (
    make_item("wire/2023-06-02-bridge", 2, "Bridge closed", "Crimea's Chonhar bridge was shut."),
    make_item(
        "herald/2023-06-12-flood",
        12,
        "Kherson counts the flood's cost",
        "Oleksandr Prokudin said 3,000 homes in Kherson were flooded after the Kakhovka dam.",
    ),
    make_item("wire/2023-06-13-drone", 13, "Drones over Moscow", "Drones flew over Moscow."),
    make_item("herald/2023-06-15-aid", 15, "Norway pledges aid", "Norway will give Kyiv $1bn."),
    make_item("wire/2023-06-20-talks", 20, "Envoys meet in Jeddah", "Talks opened in Jeddah."),
    make_item("herald/2023-06-28-visit", 28, "Scholz in Vilnius", "Olaf Scholz flew to Vilnius."),
)


def score_memo(items, last=None, changed=()):
    """A memo as the stage memo makes it: each item's article key, and the last build's
    scores. `changed` are items whose article is new or edited."""
    keys = {i.id: ("edited " if i.id in changed else "") + i.article_id for i in items}
    return ScoreMemo(keys, last)


def clean_scores(items, changed=()):
    """The scores a build without a memo gives `items`."""
    memo = score_memo(items, changed=changed)
    cluster_items(items, Registries(), SETTINGS, memo=memo)
    return memo.made


def test_a_build_keeps_the_scores_that_still_hold_and_equals_a_clean_build():
    blog = [make_item("live/2023-06-01-blog", 1, t, x, f"e{n}") for n, (t, x) in enumerate(BLOG)]
    corpus = (*ITEMS, *blog, *ELSEWHERE)
    assert len(corpus) == 16
    first = score_memo(corpus)
    assert cluster_items(corpus, Registries(), SETTINGS, memo=first) == cluster(corpus)
    assert first.made is not None and first.kept == 0
    every = len(np.frombuffer(first.made.pairs, dtype=stories.PAIR))

    again = score_memo(corpus, first.made)
    assert cluster_items(corpus, Registries(), SETTINGS, memo=again) == cluster(corpus)
    assert again.kept == every > 0
    assert again.made == first.made

    # A fourth report of the dam moves its tokens' weights (16 and 17 items are one size
    # step): the dam's pairs are scored again, the others are kept.
    fourth = make_item(
        "courier/2023-06-06-dam",
        6,
        "Dam at Nova Kakhovka destroyed",
        "The Kakhovka dam was destroyed on Tuesday, Oleksandr Prokudin said.",
    )
    more = (*corpus, fourth)
    memo = score_memo(more, first.made)
    assert cluster_items(more, Registries(), SETTINGS, memo=memo) == cluster(more)
    assert memo.made == clean_scores(more)  # stories' scores too, which decide only groups
    assert 0 < memo.kept < every
    assert _scored_pairs(memo.made.stories).keys() & _scored_pairs(first.made.stories).keys()

    # An edited article is scored again, though its tokens and their weights did not move:
    # the report now came out two days after the breach ("on Tuesday" is still 6 June).
    edited = dataclasses.replace(DAM[1], published=dt.date(2023, 6, 8))
    edits = (*[edited if i is DAM[1] else i for i in corpus],)
    memo = score_memo(edits, first.made, changed={edited.id})
    assert cluster_items(edits, Registries(), SETTINGS, memo=memo) == cluster(edits)
    assert memo.made == clean_scores(edits, changed={edited.id})
    assert memo.kept < every


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.sets(st.sampled_from("abcdef"), max_size=4)),
        min_size=1,
        max_size=30,
    ),
    st.data(),
)
def test_candidate_pairs_after_items_are_added_are_those_worked_out_afresh(rows, data):
    # Few tokens on few days, and a token is common past 3 items in a window: added items
    # make tokens common and rare again around them.
    signatures = [
        Signature(f"i{n:02}", day, frozenset(f"e:{t}" for t in tokens), "", frozenset(), ())
        for n, (day, tokens) in enumerate(sorted(rows, key=lambda r: r[0]))
    ]
    added = data.draw(st.sets(st.sampled_from([s.item_id for s in signatures])))
    before = [s for s in signatures if s.item_id not in added]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cluster_module, "MAX_POSTINGS", 3)
        pairs = np.zeros(len(found := candidate_pairs(before, 2, 1)), dtype=stories.PAIR)
        pairs["first"], pairs["second"] = zip(*found, strict=True) if found else ((), ())
        last = LastPairs([s.item_id for s in before], pairs.tobytes(), added)
        fresh = candidate_pairs(signatures, 2, 1)
        assert candidate_pairs(signatures, 2, 1, last) == fresh


def test_a_signature_brings_its_blocking_tokens_and_pairs_as_one_made_without_them():
    names = display_names(Registries())
    analysed = cluster_module._prepare(ITEMS, Registries())  # analysed, in clustering's order
    made = sorted((item_signature(item, names) for item in analysed), key=lambda s: s.day)
    assert all(s.blocking == blocking_tokens(dataclasses.replace(s, blocking=None)) for s in made)
    assert any(s.blocking for s in made) and all(
        not t.startswith("w:") for s in made for t in s.blocking or ()
    )
    bare = [dataclasses.replace(s, blocking=None) for s in made]
    assert candidate_pairs(made, 3, 1) == candidate_pairs(bare, 3, 1) != []


def test_an_item_without_a_key_in_the_last_build_keeps_nothing_of_its_pairs():
    # The last build could not say what one item was made of; now it is gone, or it has a
    # key and other text, while another article is added: nothing of its pairs is kept.
    blog = [make_item("live/2023-06-01-blog", 1, t, x, f"e{n}") for n, (t, x) in enumerate(BLOG)]
    corpus = (*ITEMS, *blog, *ELSEWHERE)
    unknown = DAM[0]
    first = ScoreMemo({i.id: i.article_id for i in corpus if i is not unknown})
    cluster_items(corpus, Registries(), SETTINGS, memo=first)
    added = make_item("courier/2023-06-28-visit", 28, "Scholz in Vilnius", "Scholz met Nauseda.")
    gone = (*(i for i in corpus if i is not unknown), added)
    memo = score_memo(gone, first.made)
    assert cluster_items(gone, Registries(), SETTINGS, memo=memo) == cluster(gone)
    assert memo.made == clean_scores(gone)
    text = "The dam at Nova Kakhovka was breached on Tuesday."
    known = (*(dataclasses.replace(i, text=text) if i is unknown else i for i in corpus), added)
    memo = score_memo(known, first.made)
    assert cluster_items(known, Registries(), SETTINGS, memo=memo) == cluster(known)
    assert memo.made == clean_scores(known)


def test_parts_of_the_graph_whose_pairs_are_as_they_were_keep_their_groups_and_events():
    blog = [make_item("live/2023-06-01-blog", 1, t, x, f"e{n}") for n, (t, x) in enumerate(BLOG)]
    corpus = (*ITEMS, *blog, *ELSEWHERE)
    first = score_memo(corpus)
    cluster_items(corpus, Registries(), SETTINGS, memo=first)
    # Kyiv's strike is reported again: the parts of the dam and of the blog keep their
    # groups and events, the very objects of the last build.
    again = make_item("herald/2023-06-24-kyiv", 24, "Five die in Kyiv", KYIV_LATE.text)
    more = (*corpus, again)
    memo = score_memo(more, first.made)
    assert cluster_items(more, Registries(), SETTINGS, memo=memo) == cluster(more)
    assert memo.made == clean_scores(more)
    dam = tuple(sorted(i.id for i in DAM))
    kept = [part for part in memo.made.parts if part in first.made.parts]
    assert kept and all(memo.made.parts[p] is first.made.parts[p] for p in kept)
    assert any(set(part) == set(dam) for part in kept)
    assert memo.made.events[dam] is first.made.events[dam]

    # A part that had another number of pairs is grouped again, though its items are the
    # same: here the last build's groups are made up, every item alone.
    made_up = {p: (n + 1, tuple((i,) for i in p)) for p, (n, _) in first.made.parts.items()}
    memo = score_memo(corpus, dataclasses.replace(first.made, parts=made_up))
    assert cluster_items(corpus, Registries(), SETTINGS, memo=memo) == cluster(corpus)


BLOG = [
    ("Missiles hit Kyiv overnight", "Russia fired missiles at Kyiv on Thursday, Ukraine said."),
    ("Kyiv toll: three killed", "Falling debris killed three people in Kyiv's Obolon district."),
    ("Grain talks in Ankara", "Russia and Ukraine sent envoys to Ankara on Thursday."),
    ("Drone downed over Belgorod", "Russia said on Thursday it downed a Ukrainian drone."),
    ("Aid package from Denmark", "Denmark will send Ukraine tanks, Russia protested on Thursday."),
]


def test_live_blog_entries_on_one_strike_join_and_the_rest_stay_apart():
    entries = [
        make_item("live/2023-06-01-blog", 1, title, text, f"e{n}")
        for n, (title, text) in enumerate(BLOG)
    ]
    strike = make_item(
        "wire/2023-06-01-obolon",
        1,
        "Three killed as missile debris falls on Kyiv",
        "Debris from missiles shot down over Kyiv killed three people in the Obolon district"
        " on Thursday.",
    )
    events, _, _ = cluster((*entries, strike))
    assert groups(events) == sorted(
        [sorted([entries[0].id, entries[1].id, strike.id])] + [[e.id] for e in entries[2:]]
    )


def minister(key: str, name: str, affiliation: str) -> Actor:
    return Actor(key, name, (), affiliation, "russia", OVERRIDES)


def loss_claim(path: str, when: dt.date, name: str, lost: str) -> Item:
    title = f"{name.split()[-1]} claims Kyiv's losses"
    text = f"Ukraine lost more than {lost} troops, Defence Minister {name} said on Tuesday."
    return dataclasses.replace(make_item(path, 1, title, text), published=when)


@pytest.mark.parametrize(("office", "one_story"), [("Defence Minister", True), ("Envoy", False)])
def test_holders_of_one_office_link_their_events_into_a_story(office, one_story):
    registries = Registries(
        actors=(
            minister("kornev", "Pavel Kornev", "Russian Defence Minister (until October 2023)"),
            minister("zimin", "Arkady Zimin", f"Russian {office} (from October 2023)"),
        )
    )
    claims = (
        loss_claim("rt/2023-03-14-kornev", dt.date(2023, 3, 14), "Pavel Kornev", "11,000"),
        loss_claim("rt/2023-11-21-zimin", dt.date(2023, 11, 21), "Arkady Zimin", "90,000"),
    )
    events, stories, _ = cluster_items((*claims, *ITEMS), registries, SETTINGS)
    event_of = {i: e.id for e in events for i in e.item_ids}
    story_of = {e: s.id for s in stories for e in s.event_ids}
    assert event_of[claims[0].id] != event_of[claims[1].id]
    same = story_of[event_of[claims[0].id]] == story_of[event_of[claims[1].id]]
    assert same is one_story


def _average_link_by_definition(size, pairs, threshold):
    """Average link as defined: merge the two groups of highest mean pair score (pairs not
    given score 0) while it is at least `threshold`; ties go to the groups whose lowest
    indices are lowest."""
    scores = {}
    for a, b, score in pairs:
        if a != b:
            scores[(a, b)] = scores[(b, a)] = score
    groups = [[i] for i in range(size)]
    while True:
        best = None
        for x, first in enumerate(groups):
            for second in groups[x + 1 :]:
                total = sum(scores.get((a, b), 0.0) for a in first for b in second)
                rank = (-total / (len(first) * len(second)), first[0], second[0])
                best = rank if best is None or rank < best else best
        if best is None or -best[0] < threshold:
            return tuple(sorted(tuple(sorted(g)) for g in groups))
        first = next(g for g in groups if g[0] == best[1])
        second = next(g for g in groups if g[0] == best[2])
        groups.remove(second)
        first.extend(second)
        first.sort()


@given(
    st.integers(1, 12).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 100)),
                max_size=40,
            ),
        )
    ),
    st.sampled_from([30.0, 50.0, 75.0]),
)
@settings(max_examples=300, deadline=None)
def test_average_link_merges_as_defined(graph, threshold):
    # Whole-number scores keep every sum exact, so ties are ties in both.
    size, pairs = graph
    edges = [(a, b, float(score)) for a, b, score in pairs]
    expected = _average_link_by_definition(size, edges, threshold)
    assert tuple(sorted(average_link(size, edges, threshold))) == expected


def _story_candidates_by_definition(
    profiles: list[stories.Profile], window: int
) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, where j holds one of i's key tokens, within `window` days of i,
    and that token is held by at most MAX_POSTINGS events within those days of i."""
    pairs = set()
    for i, one in enumerate(profiles):
        for token in one.keys:
            near = [
                j
                for j, p in enumerate(profiles)
                if token in p.keys and abs(p.day - one.day) <= window
            ]
            if len(near) <= stories.MAX_POSTINGS:
                pairs.update((i, j) for j in near if j > i)
    return sorted(pairs)


@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.sets(st.sampled_from("abcdefgh"), max_size=4)),
        max_size=40,
    ),
    st.integers(0, 10),
    st.integers(1, 6),
)
@settings(max_examples=300, deadline=None)
def test_story_candidates_are_as_defined(events, window, max_postings):
    # Profiles sorted by day, as `link_stories` gives them; a low MAX_POSTINGS makes the
    # common-token rule bite.
    profiles = [
        stories.Profile(day, {}, 0.0, tuple(sorted(keys)))
        for day, keys in sorted(events, key=lambda e: e[0])
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stories, "MAX_POSTINGS", max_postings)
        assert stories._candidates(profiles, window) == _story_candidates_by_definition(
            profiles, window
        )


@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.sets(st.sampled_from("abcdef"), max_size=3)),
        max_size=30,
    ),
    st.data(),
    st.integers(0, 8),
    st.integers(1, 4),
)
@settings(max_examples=300, deadline=None)
def test_story_candidates_after_events_moved_are_those_worked_out_afresh(
    events, data, window, max_postings
):
    # The last build's events, then some gone, some new, some with other keys or another
    # day: the pairs kept and worked out again are the pairs worked out from nothing.
    def profiles_of(rows: list[tuple[str, int, frozenset[str]]]) -> dict[str, stories.Profile]:
        ordered = sorted(rows, key=lambda r: (r[1], r[0]))
        return {i: stories.Profile(day, {}, 0.0, tuple(sorted(keys))) for i, day, keys in ordered}

    before = [(f"e{n:02}", day, frozenset(keys)) for n, (day, keys) in enumerate(events)]
    after = []
    for event_id, day, keys in before:
        change = data.draw(st.sampled_from(["same", "same", "gone", "keys", "day"]))
        if change == "keys":
            keys = frozenset(data.draw(st.sets(st.sampled_from("abcdef"), max_size=3)))
        elif change == "day":
            day = data.draw(st.integers(0, 30))
        if change != "gone":
            after.append((event_id, day, keys))
    added = data.draw(st.lists(st.tuples(st.integers(0, 30), st.sets(st.sampled_from("abcdef")))))
    after += [(f"n{n:02}", day, frozenset(keys)) for n, (day, keys) in enumerate(added)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stories, "MAX_POSTINGS", max_postings)
        then = profiles_of(before)
        found = stories._candidates(list(then.values()), window)
        pairs = np.zeros(len(found), dtype=stories.PAIR)
        pairs["first"], pairs["second"] = zip(*found, strict=True) if found else ((), ())
        last = stories.StoryScores(then, pairs.tobytes())
        now = profiles_of(after)
        first, second = stories._candidate_places(list(now.values()), list(now), window, last)
        fresh = stories._candidates(list(now.values()), window)
        assert list(zip(first.tolist(), second.tolist(), strict=True)) == fresh


def _scored_pairs(scores: stories.StoryScores) -> dict[tuple[str, str], float]:
    """The scores of `scores`' candidate pairs, by the two events' ids."""
    ids = list(scores.profiles)
    pairs = np.frombuffer(scores.pairs, dtype=stories.PAIR)
    return {(ids[int(p["first"])], ids[int(p["second"])]): float(p["score"]) for p in pairs}


def _packed(pairs: list[tuple[int, int, float]]) -> bytes:
    return np.array(pairs, dtype=stories.PAIR).tobytes()


def _linked(ids: list[str], pairs: list[tuple[int, int, float]]) -> stories.StoryScores:
    profiles = {i: stories.Profile(n, {}, 0.0, ()) for n, i in enumerate(ids)}
    return stories.StoryScores(profiles, _packed(pairs), (("e1", "e3"), ("e2",)), 28.0)


def test_story_linking_keeps_the_last_stories_only_when_it_would_read_the_same():
    ids, pairs = ["e1", "e2", "e3"], [(0, 1, 10.0), (0, 2, 60.0)]
    last = _linked(ids, pairs)
    assert _scored_pairs(last) == {("e1", "e2"): 10.0, ("e1", "e3"): 60.0}
    assert stories._same_groups(last, ids, _packed(pairs), 28.0) == ((0, 2), (1,))
    moved = _packed([(0, 1, 11.0), (0, 2, 60.0)])
    assert stories._same_groups(last, ids, moved, 28.0) is None
    assert stories._same_groups(last, ids, _packed(pairs), 30.0) is None  # another threshold
    assert stories._same_groups(last, ["e2", "e1", "e3"], _packed(pairs), 28.0) is None
    assert stories._same_groups(None, ids, _packed(pairs), 28.0) is None


def test_story_scores_kept_are_those_of_unchanged_profiles_at_their_new_places():
    # e2 is new: e1 and e3 keep their scores at the places they move to.
    one, three = stories.Profile(1, {"a": 1.0}, 1.0, ()), stories.Profile(3, {"b": 1.0}, 1.0, ())
    last = stories.StoryScores({"e1": one, "e3": three}, _packed([(0, 1, 42.5)]))
    pairs = np.zeros(3, dtype=stories.PAIR)
    pairs["first"], pairs["second"] = (0, 0, 1), (1, 2, 2)
    profiles = [one, stories.Profile(2, {}, 0.0, ()), three]
    kept = stories._keep_scores(last, ["e1", "e2", "e3"], profiles, pairs)
    assert kept.tolist() == [False, True, False]
    assert pairs["score"].tolist() == [0.0, 42.5, 0.0]
    # A profile that moved keeps none of its pairs' scores.
    moved = [stories.Profile(1, {"a": 2.0}, 2.0, ()), profiles[1], three]
    pairs["score"] = 0.0
    assert not stories._keep_scores(last, ["e1", "e2", "e3"], moved, pairs).any()


def test_stories_kept_from_the_last_build_are_the_stories_linked_again():
    events, linked, _ = cluster()
    by_id = {i.id: i for i in ITEMS}
    again, made = stories.link_stories(events, by_id, Registries(), SETTINGS)
    kept, remade = stories.link_stories(events, by_id, Registries(), SETTINGS, last=made)
    assert kept == again == linked and remade == made
    assert any(len(story.event_ids) > 1 for story in kept)  # the two strikes on Kyiv
