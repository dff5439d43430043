"""Near duplicates: what an incremental build adds to the pairs equals a clean build's pairs."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from rapidfuzz import fuzz

from parallax import duplicates
from parallax.duplicates import copy_pairs, copy_pairs_with, make_text, reported_copies

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
