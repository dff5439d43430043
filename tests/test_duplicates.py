"""Near duplicates: what an incremental build adds to the pairs equals a clean build's pairs."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from parallax import duplicates
from parallax.duplicates import (
    article_text,
    common_values,
    copy_pairs,
    copy_pairs_with,
    is_candidate,
    make_text,
    reported_copies,
)
from parallax.model import Article, SourceRef
from parallax.stage_memo import StageMemo

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


@pytest.mark.parametrize("few_new", [0, 1000])  # both ways of finding the new pairs
@pytest.mark.parametrize("split", [0, 1, 30, 59])
def test_old_pairs_plus_new_pairs_are_all_pairs(monkeypatch, few_new, split):
    monkeypatch.setattr(duplicates, "FEW_NEW", few_new)
    texts = corpus()
    old, new = texts[:split], texts[split:]
    assert copy_pairs(old) | copy_pairs_with(new, old) == copy_pairs(texts)


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


class _Keys:
    """The part of a `BuildCache` the stage memo uses: an article's key and the pack's path."""

    def __init__(self, folder: Path) -> None:
        self.abs_pack = folder / "articles-test.pickle"

    def article_key(self, article_id: str) -> str:
        return f"key of {article_id}"  # the articles never change in these tests


def as_article(text: duplicates.Text) -> Article:
    assert text.published is not None
    return Article(
        id=f"articles/s/{text.key}",
        source="s",
        title="",
        published=text.published,
        published_at=None,
        url=None,
        authors=(),
        language="en",
        kind="article",
        tags=(),
        body=text.words,
        body_line=5,
        origin=SourceRef(f"content/articles/s/{text.key}.md"),
    )


@pytest.mark.parametrize("order", ["grow", "shrink"])
def test_the_stage_memo_finds_the_pairs_of_a_clean_pass_when_common_values_change(tmp_path, order):
    articles = [as_article(t) for t in footer_corpus()]
    small, large = articles[:40], articles
    first, second = (small, large) if order == "grow" else (large, small)
    memo = StageMemo(_Keys(tmp_path))  # type: ignore[arg-type]
    memo.find_pairs(tuple(first))
    memo.save()
    texts, pairs = StageMemo(_Keys(tmp_path)).find_pairs(tuple(second))  # type: ignore[arg-type]
    expected = [t for t in map(article_text, second) if t is not None]
    assert pairs and pairs == copy_pairs(expected)
    assert sorted(t.key for t in texts) == sorted(t.key for t in expected)
