"""Clustering quality on a labelled, hand-written evaluation corpus (tests/eval/clusters/).

B-cubed precision and recall: for each item, the share of its predicted event that truly
belongs with it, and the share of its true event that was predicted with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
import yaml

from parallax.analyse import analyse_item, build_lexicon
from parallax.cluster import cluster_items
from parallax.config import Settings
from parallax.event_ids import content_digest
from parallax.ingest import load_corpus
from parallax.model import Item, Registries
from parallax.per_article import analyse_articles
from parallax.segment import segment_article
from parallax.signature import display_names, item_signature
from parallax.stories import item_counts, shared_offices

EVAL = Path(__file__).parent / "eval" / "clusters"
# The hand-written set has 86 items in 25 events and 20 stories, most of them hard cases by
# design. Measured with EVAL_SETTINGS: events P 1.000 R 0.948 F1 0.973; a live blog's first
# "explosions heard" entry and the other side's version of that strike share only the city
# with the rest of their event, and one dam entry only the dam's name. Wrongly merging two
# four-item events costs about 0.047 precision (8 items each seeing half their event wrong,
# over 86), so the precision floor of 0.95 fails on any one hard negative merged; the F1
# floor allows one more small split, not two.
MIN_EVENT_F1 = 0.95
MIN_EVENT_PRECISION = 0.95
# Stories measured P 0.964 R 0.949 F1 0.956: the strike on Odesa's grain terminal joins the
# story of the grain deal's end three weeks before (an editor might link them; the labels do
# not), and Finland's remark on NATO stays out of the NATO bid's story. Linking two unrelated
# four-item events into one story costs about 0.05 F1 and fails the floor.
MIN_STORY_F1 = 0.90
# The defaults of mkdocs.yml's extra.digest, calibrated on this set.
EVAL_SETTINGS = Settings(event_threshold=12.0, story_threshold=28.0)


def load_items(content: Path = EVAL) -> tuple[tuple[Item, ...], Registries]:
    corpus, problems = load_corpus(content.resolve(), Settings())
    assert not [p for p in problems if p.is_error]
    lexicon = build_lexicon(corpus.registries)
    items = tuple(
        analyse_item(item, lexicon)
        for article in corpus.articles
        for item in segment_article(article, Settings())[0]
    )
    return items, corpus.registries


def true_labels(kind: str = "event") -> dict[str, str]:
    labels = yaml.safe_load((EVAL / "labels.yml").read_text(encoding="utf-8"))
    return {
        item: (event if kind == "event" else entry["story"])
        for event, entry in labels.items()
        for item in entry["items"]
    }


def b_cubed(predicted: Mapping[str, str], truth: Mapping[str, str]) -> tuple[float, float, float]:
    def members(labels: Mapping[str, str]) -> dict[str, set[str]]:
        groups: dict[str, set[str]] = {}
        for item, label in labels.items():
            groups.setdefault(label, set()).add(item)
        return {item: groups[label] for item, label in labels.items()}

    pred, true = members(predicted), members(truth)
    precision = sum(len(pred[i] & true[i]) / len(pred[i]) for i in truth) / len(truth)
    recall = sum(len(pred[i] & true[i]) / len(true[i]) for i in truth) / len(truth)
    return precision, recall, 2 * precision * recall / (precision + recall)


def predicted_labels(groups: Sequence[tuple[str, Sequence[str]]]) -> dict[str, str]:
    return {item: label for label, items in groups for item in items}


def run(settings: Settings = EVAL_SETTINGS):
    items, registries = load_items()
    events, stories, problems = cluster_items(items, registries, settings)
    assert problems == ()
    event_of = {item: e.id for e in events for item in e.item_ids}
    story_of = {item: s.id for s in stories for e in s.event_ids for item in _items_of(events, e)}
    return event_of, story_of, events, stories


def _items_of(events, event_id):
    return next(e.item_ids for e in events if e.id == event_id)


def test_every_item_is_labelled():
    items, _ = load_items()
    assert sorted(i.id for i in items) == sorted(true_labels())


def test_event_quality_stays_above_the_floor():
    event_of, story_of, _, _ = run()
    precision, recall, f1 = b_cubed(event_of, true_labels())
    print(f"events: P={precision:.3f} R={recall:.3f} F1={f1:.3f}")
    print("stories: P={:.3f} R={:.3f} F1={:.3f}".format(*b_cubed(story_of, true_labels("story"))))
    assert precision >= MIN_EVENT_PRECISION
    assert f1 >= MIN_EVENT_F1


def test_story_quality_stays_above_the_floor():
    _, story_of, _, _ = run()
    assert b_cubed(story_of, true_labels("story"))[2] >= MIN_STORY_F1


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("kakhovka-dam", "kherson-bus-stop"),
        ("kyiv-locked-shelter", "kyiv-tower-block"),
        ("peskov-operation-continues-2022", "peskov-anniversary-2023"),
        ("peskov-anniversary-2023", "medvedev-operation-continues-2023"),
        ("grain-deal", "crimean-bridge"),
        ("kharkiv-counteroffensive", "kharkiv-blackout"),
        # one live blog, one day: each shares Russia, Ukraine and "Thursday" with the strike
        ("odesa-port-strike", "kursk-shelling"),
        ("odesa-port-strike", "finland-nato"),
        ("odesa-port-strike", "kremlin-no-talks"),
        ("odesa-port-strike", "denmark-air-defence"),
        ("kursk-shelling", "denmark-air-defence"),
        # loss counts a day apart, by the two sides, about each other's losses
        ("mod-losses-counteroffensive", "general-staff-losses"),
    ],
)
def test_hard_negatives_are_never_one_event(one, other):
    event_of, _, _, _ = run()
    truth = true_labels()
    ones = {event_of[i] for i, label in truth.items() if label == one}
    others = {event_of[i] for i, label in truth.items() if label == other}
    assert not ones & others


@pytest.mark.parametrize(
    "same",
    [
        (  # one wire story on three sites
            "articles/northwire/2023-07-17-grain-deal-ends",
            "articles/globalpulse/2023-07-17-russia-quits-grain-deal",
            "articles/morningstar/2023-07-17-grain-deal-suspended",
        ),
        (  # two entries of one live blog about the same attack, and the outlets' reports
            "articles/liveline/2023-07-17-crimea-bridge-live#05-20-traffic-halted-on-crimean-bridge",
            "articles/liveline/2023-07-17-crimea-bridge-live#08-45-two-killed-on-the-bridge-child-injured",
            "articles/vestnik/2023-07-17-crimean-bridge-attack",
            "articles/northwire/2023-07-17-crimea-bridge-struck",
        ),
        (  # a strike told by a live blog's entries hours apart, with different tolls
            "articles/liveline/2023-08-10-odesa-port-live#08-20-two-dead-at-odesa-grain-terminal-regional-head-says",
            "articles/liveline/2023-08-10-odesa-port-live#16-40-odesa-toll-rises-to-three",
            "articles/northwire/2023-08-10-odesa-port-strike",
            "articles/dniprotimes/2023-08-10-odesa-terminal-burns",
        ),
    ],
)
def test_agency_copies_and_live_blog_entries_join_one_event(same):
    event_of, _, _, _ = run()
    assert len({event_of[i] for i in same}) == 1


def test_two_holders_of_one_office_months_apart_share_a_story():
    # No name is shared: Kornev and Zimin are both the defence minister, and both count
    # Ukraine's troops lost. The other side's count the next day is another story.
    _, story_of, _, _ = run()
    truth = true_labels()
    stories = {
        t: {story_of[i] for i, label in truth.items() if label == t} for t in set(truth.values())
    }
    assert stories["mod-losses-february"] == stories["mod-losses-counteroffensive"]
    assert stories["general-staff-losses"] != stories["mod-losses-counteroffensive"]


def test_statements_months_apart_are_separate_events():
    event_of, _, _, _ = run()
    truth = true_labels()
    peskov = {event_of[i] for i, t in truth.items() if t.startswith("peskov")}
    assert len(peskov) == 2


def test_ids_are_stable_when_unrelated_articles_go_and_files_move():
    items, registries = load_items()
    truth = true_labels()
    events, stories, _ = cluster_items(items, registries, EVAL_SETTINGS)
    before = {e.id for e in events}
    stories_before = {s.id for s in stories}
    moved = "articles/vestnik/2023-07-28-medvedev-operation"
    kept = tuple(
        dataclasses.replace(i, article_id=i.article_id + "-renamed") if i.id == moved else i
        for i in items
        if truth[i.id] != "azovstal-swap"
    )
    events, stories, _ = cluster_items(kept, registries, EVAL_SETTINGS)
    after = {e.id for e in events}
    assert len(before - after) == 1  # only the removed event's id is gone
    assert after < before
    assert {s.id for s in stories} == stories_before - (before - after)


def test_clustering_on_what_the_per_article_pass_made_equals_clustering_from_scratch():
    # The pipeline clusters on the signatures and story counts the per-article pass made
    # (and the build cache kept); cluster_items makes any it is not given.
    corpus, _ = load_corpus(EVAL.resolve(), Settings())
    works = analyse_articles(corpus.articles, corpus.registries, Settings())
    items = tuple(item for work in works for item in work.items)
    signatures = {s.item_id: s for work in works for s in work.signatures}
    counts = {
        item.id: c for work in works for item, c in zip(work.items, work.story_counts, strict=True)
    }
    names, offices = display_names(corpus.registries), shared_offices(corpus.registries)
    digests = {
        item.id: d for work in works for item, d in zip(work.items, work.digests, strict=True)
    }
    assert signatures == {i.id: item_signature(i, names) for i in items}
    assert counts == {i.id: item_counts(i, names, offices) for i in items}
    assert digests == {i.id: content_digest(i) for i in items}
    assert any(t.startswith("o:") for c in counts.values() for t in c)  # offices held by two
    from_scratch = cluster_items(items, corpus.registries, EVAL_SETTINGS)
    assert len(from_scratch[0]) > 20 and len(from_scratch[1]) > 15
    given = cluster_items(
        items, corpus.registries, EVAL_SETTINGS, signatures, counts, digests=digests
    )
    assert given == from_scratch
    some = {i.id for i in items[::2]}  # the rest made here
    partly = cluster_items(
        items,
        corpus.registries,
        EVAL_SETTINGS,
        {k: v for k, v in signatures.items() if k in some},
        {k: v for k, v in counts.items() if k in some},
    )
    assert partly == from_scratch
