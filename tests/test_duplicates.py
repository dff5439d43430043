"""Near duplicates: what an incremental build adds to the pairs equals a clean build's pairs."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz

from parallax import duplicates
from parallax.duplicates import (
    TextIndex,
    article_text,
    common_values,
    copy_pairs,
    copy_pairs_with,
    is_candidate,
    make_text,
    reported_copies,
)
from parallax.model import Article
from parallax.stage_memo import StageMemo
from tests.test_lint import article

WORDS = [
    "the",
    "city",
    "port",
    "drone",
    "strike",
    "governor",
    "said",
    "army",
    "troops",
    "night",
    "power",
    "plant",
    "river",
]
BOILERPLATE = "follow our live coverage of the war for the latest news"


def corpus(seed: int = 3, size: int = 60) -> list[duplicates.Text]:
    """Texts over a few days, some copies of others, all sharing one line of boilerplate."""
    rng = random.Random(seed)
    texts: list[duplicates.Text] = []
    for n in range(size):
        day = dt.date(2024, 5, 1) + dt.timedelta(days=rng.randrange(6))
        if texts and rng.random() < 0.3:
            body = rng.choice(texts).words + " " + rng.choice(WORDS)  # a near copy
        else:
            body = " ".join(rng.choice(WORDS) for _ in range(40)) + " " + BOILERPLATE
        text = make_text(f"a{n:03}", f"a{n:03}.md", ("s", None, day), body)
        assert text is not None
        texts.append(text)
    return texts


def test_an_added_article_reads_back_only_the_texts_it_may_copy(tmp_path):
    # With the last build's sketch index, one article added reads back the texts that share
    # a sketch value with it (here the one it copies), not every text of the corpus.
    rng = random.Random(11)
    start = dt.date(2024, 5, 1)
    articles = [
        make_article(
            f"a{n:02}", start + dt.timedelta(days=n % 5), " ".join(rng.choices(WORDS, k=60))
        )
        for n in range(40)
    ]
    copy = make_article("copy", start + dt.timedelta(days=1), articles[7].body + " indeed")
    keys: dict[str, str | None] = {a.id: f"key of {a.id}" for a in [*articles, copy]}
    memo_pairs(tmp_path, keys, articles)
    memo = StageMemo(_Keys(tmp_path, keys))  # type: ignore[arg-type]
    texts, pairs = memo.find_pairs((*articles, copy))
    assert pairs == clean_pairs([*articles, copy])
    assert [set(pair) for pair in pairs] == [{articles[7].id, copy.id}]
    assert {t.key for t in texts} == {articles[7].id, copy.id}
    assert memo.hits == 2  # the pairs' entry and the copied text
    memo.save()
    again = StageMemo(_Keys(tmp_path, keys))  # type: ignore[arg-type]
    assert again.find_pairs((*articles, copy))[1] == pairs
    assert again.hits == 3  # nothing added: the pairs' entry and the two paired texts


def test_a_text_without_a_key_sends_the_next_build_through_the_clean_pass(tmp_path, monkeypatch):
    # A keyless text helped make the footer's values common; once it is gone, they are
    # common no longer, which only a clean pass can see.
    monkeypatch.setattr(duplicates, "COMMON_DAYS", 2)
    first, second, *_, keyless = short_copies(random.Random(4), range(6))
    keys: dict[str, str | None] = {first.id: "key 0", second.id: "key 1", keyless.id: None}
    assert not memo_pairs(tmp_path, keys, [first, second, keyless])[1]
    _, pairs = memo_pairs(tmp_path, keys, [first, second])
    assert pairs and pairs == clean_pairs([first, second])


@pytest.mark.parametrize("few_new", [0, 1000])  # both ways of finding the new pairs
@pytest.mark.parametrize("split", [0, 1, 30, 59])
@pytest.mark.parametrize("given", [False, True])  # the common values, as the stage memo has them
def test_old_pairs_plus_new_pairs_are_all_pairs(monkeypatch, few_new, split, given):
    monkeypatch.setattr(duplicates, "FEW_NEW", few_new)
    texts = corpus()
    old, new = texts[:split], texts[split:]
    common = common_values(texts) if given else None
    assert copy_pairs(old) | copy_pairs_with(new, old, common) == copy_pairs(texts)


def test_each_later_copy_is_reported_once_with_its_earliest_original():
    texts = corpus()
    pairs = copy_pairs(texts)
    assert pairs  # the corpus has copies
    reported = reported_copies(texts, pairs)
    assert len({later for later, _, _ in reported}) == len(reported)
    rank = {t.key: (t.published, t.key) for t in texts}
    for later, earlier, score in reported:
        assert rank[earlier] < rank[later] and score >= duplicates.DUPLICATE_SCORE
        assert earlier == min((a for a, b in pairs if b == later), key=rank.__getitem__)


def test_the_letter_bound_never_drops_a_copy():
    texts = corpus(seed=5, size=80)
    pairs = [(a, b) for n, a in enumerate(texts) for b in texts[n + 1 :]]
    possible = duplicates._may_reach(pairs)
    exact = [fuzz.ratio(a.words, b.words) for a, b in pairs]
    copies = [score >= duplicates.DUPLICATE_SCORE for score in exact]
    assert all(ok for ok, copy in zip(possible, copies, strict=True) if copy)
    assert not possible.all()  # and it does drop pairs that cannot be copies
    assert duplicates._scores(pairs) == [
        s if copy else 0 for s, copy in zip(exact, copies, strict=True)
    ]


@pytest.mark.parametrize(
    ("a", "b", "possible"),
    [
        ("a" * 50, "a" * 45, True),  # 2 * 45 / 95 = 94.7 %
        ("a" * 50, "a" * 40, False),  # 2 * 40 / 90 = 88.9 %: too different in length
        ("ab" * 25, "ab" * 24 + "cc", True),  # 96 of 100 letters in common
        ("ab" * 25, "ab" * 20 + "c" * 10, False),  # 80 of 100
    ],
)
def test_the_letter_bound_just_above_and_below_the_threshold(a, b, possible):
    texts = [
        make_text(k, f"{k}.md", ("s", None, None), (w + " ") * 20) for k, w in (("a", a), ("b", b))
    ]
    assert bool(duplicates._may_reach([(texts[0], texts[1])])[0]) is possible


LONG_WORDS = [f"{stem}{n}" for stem in WORDS for n in range(6)]  # few chance 4-grams
FOOTER = (
    "follow our live coverage of the war for the latest news and sign up to our daily"
    " newsletter to get the main stories of the day sent to your inbox every morning"
)


def footer_corpus(size: int = 120, days: int = 70) -> list[duplicates.Text]:
    """Texts over `days` days, in date order, all ending with one outlet's footer; about a
    quarter are near copies of a text of the day before or the same day."""
    rng = random.Random(11)
    texts: list[duplicates.Text] = []
    start = dt.date(2024, 1, 1)
    for n, offset in enumerate(sorted(rng.randrange(days) for _ in range(size))):
        day = start + dt.timedelta(days=offset)
        recent = [t for t in texts if t.published and (day - t.published).days <= 1]
        if recent and rng.random() < 0.25:
            body = rng.choice(recent).words + " " + rng.choice(LONG_WORDS)
        else:
            body = " ".join(rng.choice(LONG_WORDS) for _ in range(40)) + " " + FOOTER
        text = make_text(f"a{n:03}", f"a{n:03}.md", ("s", None, day), body)
        assert text is not None
        texts.append(text)
    return texts


def all_copies(texts: list[duplicates.Text]) -> set[tuple[str, str]]:
    """Every pair within the window that scores as a copy, by comparing all pairs."""
    window = dt.timedelta(days=duplicates.DUPLICATE_WINDOW_DAYS)
    return {
        (a.key, b.key)
        for n, a in enumerate(texts)
        for b in texts[n + 1 :]
        if a.published and b.published and abs(a.published - b.published) <= window
        if fuzz.ratio(a.words, b.words) >= duplicates.DUPLICATE_SCORE
    }


def test_a_footer_of_every_day_is_common_and_pairs_no_texts():
    texts = footer_corpus()
    common = common_values(texts)
    footer = make_text("f", "f.md", ("s", None, None), FOOTER)
    assert footer is not None and common & set(footer.sketch)  # the footer's values are common
    with_common = duplicates._candidate_pairs(texts, common)
    without = duplicates._candidate_pairs(texts, frozenset())
    assert len(without) > 3 * len(with_common)  # the footer alone made most candidates
    assert all(is_candidate(texts[i], texts[j], common) for i, j in with_common)
    assert set(copy_pairs(texts)) == all_copies(texts)  # and every copy is still found


def test_a_short_window_has_no_common_values():
    texts = [t for t in footer_corpus() if t.published and t.published < dt.date(2024, 1, 25)]
    assert common_values(texts) == frozenset()


def index_candidates(new, old) -> set[tuple[str, str]]:
    """The candidate pairs of the new texts as `import` finds them, one text at a time."""
    index = duplicates.TextIndex()
    for text in (*new, *old):
        index.add(text)
    return {tuple(sorted((t.key, o.key))) for t in new for o in index.candidates(t)}  # type: ignore[misc]


@pytest.mark.parametrize("make", [corpus, footer_corpus])
def test_the_new_texts_candidates_given_the_common_values_are_the_index_s(make):
    # The stage memo's way (one pass over every sketch) against the index's, before scoring:
    # the scored pairs alone would hide a candidate that scores too low.
    texts = make()
    common = common_values(texts)
    rng = random.Random(4)
    found_any = 0
    for _ in range(20):
        new = rng.sample(texts, rng.choice([1, 3, 10]))
        old = [t for t in texts if t not in new]
        found = duplicates._pairs_with(new, old, common)
        assert {tuple(sorted((a.key, b.key))) for a, b in found} == index_candidates(new, old)
        assert all(duplicates._rank(a) < duplicates._rank(b) for a, b in found)
        found_any += len(found)
    assert found_any > 20


@pytest.mark.parametrize("few_new", [0, 1000])
@pytest.mark.parametrize("split", [20, 60])
def test_old_pairs_checked_again_plus_new_pairs_are_all_pairs(monkeypatch, few_new, split):
    # The old texts span fewer days: adding the new ones makes the footer's values common,
    # which removes candidates among the old texts (what the stage memo does, #9).
    monkeypatch.setattr(duplicates, "FEW_NEW", few_new)
    texts = footer_corpus()
    old, new = texts[:split], texts[split:]
    common = common_values(texts)
    assert common_values(old) < common
    by_key = {t.key: t for t in texts}
    kept = {p: s for p, s in copy_pairs(old).items() if is_candidate(*map(by_key.get, p), common)}
    assert kept | copy_pairs_with(new, old) == copy_pairs(texts)
    assert kept | copy_pairs_with(new, old, common) == copy_pairs(texts)


class _Keys:
    """The part of a `BuildCache` the stage memo uses: each article's key (a new one when the
    article changes, None when it has none) and the pack's path."""

    def __init__(self, folder: Path, keys: dict[str, str | None]) -> None:
        self.abs_pack = folder / "articles-test.pickle"
        self.keys = keys

    def article_key(self, article_id: str) -> str | None:
        return self.keys.get(article_id)


def make_article(key: str, day: dt.date, body: str) -> Article:
    return article(f"s/{key}", body, day.isoformat(), title="")  # the title is in the text


def memo_pairs(folder: Path, keys: dict[str, str | None], articles: list[Article]):
    """What a cached build finds: the stage memo of the last build, saved for the next."""
    memo = StageMemo(_Keys(folder, keys))  # type: ignore[arg-type]
    texts, pairs = memo.find_pairs(tuple(articles))
    memo.save()
    return texts, pairs


def clean_pairs(articles: list[Article]) -> duplicates.CopyPairs:
    return copy_pairs([t for t in map(article_text, articles) if t is not None])


def short_copies(rng: random.Random, days: range) -> list[Article]:
    """Near-empty texts, two words and the footer, one on each of `days`: copies of each
    other whose shared phrases are all the footer's."""
    start = dt.date(2024, 1, 1)
    return [
        make_article(f"short{n}", start + dt.timedelta(days=n), f"{rng.choice(WORDS)} {FOOTER}")
        for n in days
    ]


def test_the_stage_memo_counts_the_articles_lint_has_no_results_for(tmp_path):
    # What decides whether lint is worth a process of its own (pipeline._analyse).
    rng = random.Random(5)
    start = dt.date(2024, 3, 1)
    articles = [
        make_article(f"a{n}", start + dt.timedelta(days=n), " ".join(rng.choices(WORDS, k=40)))
        for n in range(5)
    ]
    keys: dict[str, str | None] = {a.id: f"key of {a.id}" for a in articles[:4]}
    keys[articles[4].id] = None  # an article without a key is never read back
    assert StageMemo(_Keys(tmp_path, keys)).lint_todo(articles) == 5  # type: ignore[arg-type]
    memo_pairs(tmp_path, keys, articles[:3])
    assert StageMemo(_Keys(tmp_path, keys)).lint_todo(articles) == 2  # type: ignore[arg-type]
    # An article changed (or removed): a value may stop being common, and every text be
    # paired again.
    keys[articles[0].id] = "a new key: the article changed"
    assert StageMemo(_Keys(tmp_path, keys)).lint_todo(articles) == 5  # type: ignore[arg-type]
    assert StageMemo(_Keys(tmp_path, keys)).lint_todo(articles[1:]) == 4  # type: ignore[arg-type]


@pytest.mark.parametrize("few_new", [0, 1000])
@pytest.mark.parametrize("order", ["grow", "shrink"])
def test_the_stage_memo_finds_the_pairs_of_a_clean_pass_when_common_values_change(
    tmp_path, monkeypatch, order, few_new
):
    monkeypatch.setattr(duplicates, "FEW_NEW", few_new)
    articles = [make_article(t.key, t.published, t.words) for t in footer_corpus()]  # type: ignore[arg-type]
    articles += short_copies(random.Random(2), range(70))
    small = [a for a in articles if a.published < dt.date(2024, 1, 25)]
    # The footer is common in the whole corpus only: there the short copies are not paired.
    assert not clean_pairs(small).keys() <= clean_pairs(articles).keys()
    first, second = (small, articles) if order == "grow" else (articles, small)
    keys: dict[str, str | None] = {a.id: f"key of {a.id}" for a in articles}
    memo_pairs(tmp_path, keys, first)
    texts, pairs = memo_pairs(tmp_path, keys, second)
    assert pairs and pairs == clean_pairs(second)
    # The texts that rank the pairs come back; with few added, only those are read.
    assert {a for pair in pairs for a in pair} <= {t.key for t in texts}
    every = [t for t in map(article_text, second) if t is not None]
    assert reported_copies(texts, pairs) == reported_copies(every, clean_pairs(second))


@pytest.mark.parametrize("seed", range(8))
def test_a_cached_build_after_any_edits_finds_what_a_clean_one_finds(tmp_path, monkeypatch, seed):
    # Articles added, removed, re-dated and rewritten, some without a cache key, over a
    # short span where a few days make a value common: each build's pairs from the stage
    # memo equal a clean pass over the same articles.
    rng = random.Random(seed)
    monkeypatch.setattr(duplicates, "COMMON_DAYS", rng.choice([2, 4]))
    monkeypatch.setattr(duplicates, "FEW_NEW", rng.choice([0, 3, 1000]))
    start = dt.date(2024, 1, 1)
    articles: dict[str, Article] = {}
    keys: dict[str, str | None] = {}

    def body(day: dt.date) -> str:
        near = [a.body for a in articles.values() if abs((a.published - day).days) <= 2]
        if near and rng.random() < 0.3:  # a near copy
            words = rng.choice(near).split()
            words[rng.randrange(len(words))] = rng.choice(LONG_WORDS)
            return " ".join(words)
        length = rng.choice([0, 2, 25])  # mostly footer, or a text of its own
        return " ".join(rng.choice(LONG_WORDS) for _ in range(length)) + " " + FOOTER

    def write(name: str, version: int) -> None:
        day = start + dt.timedelta(days=rng.randrange(12))
        articles[name] = make_article(name, day, body(day))
        keys[articles[name].id] = None if rng.random() < 0.1 else f"{name} v{version}"

    for step in range(10):
        edit = rng.random()
        if edit < 0.5 or len(articles) < 5:
            for _ in range(rng.choice([1, 4, 12])):
                write(f"a{len(keys):03}", step)
        elif edit < 0.75:
            for name in rng.sample(sorted(articles), 3):
                del articles[name]
        else:
            for name in rng.sample(sorted(articles), 2):
                write(name, step)
        current = list(articles.values())
        rng.shuffle(current)
        _, pairs = memo_pairs(tmp_path, keys, current)
        assert pairs == clean_pairs(current), f"step {step}"


def test_import_looks_a_text_up_as_check_sees_it_in_the_corpus():
    # 31 short copies, one a day: the footer's values are common (more than 30 days) only
    # when the text being looked up is counted with the others.
    texts = [article_text(a) for a in short_copies(random.Random(4), range(31))]
    assert all(texts)
    whole = copy_pairs(texts)  # type: ignore[arg-type]
    for text in texts:
        index = TextIndex()
        for other in texts:
            if other is not text:
                index.add(other)
        found = {match.text.key for match in index.copies(text)}  # type: ignore[arg-type]
        assert found == {a if b == text.key else b for a, b in whole if text.key in (a, b)}


@given(st.lists(st.sampled_from(["a", "b", "port", "city", "said"]), min_size=4, max_size=80))
def test_a_sketch_is_the_smallest_distinct_shingles_in_order(words):
    # Five words, many repeats: most 4-grams come back several times, and must count once.
    grams = duplicates.shingles(words)
    expected = tuple(np.unique(grams)[: duplicates.SKETCH_SIZE].tolist())
    assert duplicates._sketch(words) == expected
