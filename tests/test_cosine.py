"""The compiled cosines of story linking (`parallax._cosine`) against `story_score`.

tests/test_cluster.py checks what story linking makes of the scores; these check that the
compiled loop gives every pair the score the Python one gives, bit for bit, on weights
whose sums round (a score at the threshold could otherwise go either way).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parallax import stories
from parallax.stories import Profile, story_score, story_scores


def test_the_compiled_module_is_built():
    # The install compiles it wherever there is a C compiler, as there is here: without it,
    # every build would silently run the slower loop.
    assert stories.COMPILED is not None


def profile(weights: dict[str, float]) -> Profile:
    norm = math.sqrt(sum(v * v for v in weights.values()))
    return Profile(0, weights, norm, tuple(weights)[:2])


TOKENS = [f"e:{n}" for n in range(12)]


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(TOKENS),
            st.one_of(
                st.floats(0, 50, allow_nan=False, allow_subnormal=False),
                st.sampled_from([0.1, 0.2, 0.3, 1 / 3, 2.0, 7.25]),
            ),
            max_size=8,
        ),
        min_size=1,
        max_size=12,
    ),
    st.data(),
)
@settings(max_examples=300, deadline=None)
def test_compiled_scores_are_story_score_bit_for_bit(weights, data):
    profiles = [profile(w) for w in weights]
    index = st.integers(0, len(profiles) - 1)
    pairs = data.draw(st.lists(st.tuples(index, index), max_size=40))
    firsts = np.array([a for a, _ in pairs], dtype=np.int32)
    seconds = np.array([b for _, b in pairs], dtype=np.int32)
    got = story_scores(profiles, firsts, seconds)
    assert got.dtype == np.float64
    assert got.tolist() == [story_score(profiles[a], profiles[b]) for a, b in pairs]


def test_the_products_are_summed_in_the_first_profiles_order():
    # 1e16 + 1 + 1 is 1e16 summed from the left, 1e16 + 2 from the right: the order shows.
    a = profile({"e:big": 1e16, "e:x": 1.0, "e:y": 1.0})
    b = profile({"e:y": 1.0, "e:x": 1.0, "e:big": 1.0})
    expected = [story_score(a, b), story_score(b, a)]
    got = story_scores([a, b], np.array([0, 1]), np.array([1, 0])).tolist()
    assert got == expected
    assert 100.0 * (1e16 + 1.0 + 1.0) / (a.norm * b.norm) == expected[0]


def test_profiles_without_weight_or_shared_tokens_score_zero():
    empty, a, b = profile({}), profile({"e:a": 2.0}), profile({"e:b": 3.0})
    got = story_scores([empty, a, b], np.array([0, 1, 1]), np.array([1, 0, 2]))
    assert got.tolist() == [0.0, 0.0, 0.0]


def test_the_python_loop_runs_where_nothing_was_compiled(monkeypatch):
    a, b = profile({"e:a": 2.0, "e:b": 1.0}), profile({"e:b": 3.0, "e:a": 0.5})
    compiled = story_scores([a, b], np.array([0]), np.array([1])).tolist()
    monkeypatch.setattr(stories, "COMPILED", None)
    assert story_scores([a, b], np.array([0]), np.array([1])).tolist() == compiled


def test_no_pairs_is_an_empty_array():
    got = story_scores(
        [profile({"e:a": 1.0})], np.array([], dtype=np.int32), np.array([], dtype=np.int32)
    )
    assert got.shape == (0,)


def test_a_product_is_rounded_before_it_is_added():
    # Fused into one multiply-add, this profile's cosine with itself comes out as
    # 100.00000000000003 (setup.py compiles with -ffp-contract=off): it must be 100.0.
    a = profile({"e:0": 0.1, "e:1": 2.637610112774439})
    assert story_scores([a], np.array([0]), np.array([0])).tolist() == [story_score(a, a)]
    assert story_score(a, a) == 100.0


def test_the_compiled_loop_refuses_what_is_not_a_profile():
    cosines = stories.COMPILED
    assert cosines is not None
    one = np.array([0, 1], dtype=np.int64)
    tokens, weights, norms = np.array([0], dtype=np.int64), np.array([1.0]), np.array([1.0])
    pair = np.array([0], dtype=np.int64)
    out = np.empty(1)
    with pytest.raises(IndexError, match="pair 0 names no profile"):
        cosines(one, tokens, weights, norms, pair, np.array([1]), out)
    with pytest.raises(IndexError, match="pair 1 names no profile"):
        cosines(one, tokens, weights, norms, np.array([0, -1]), np.array([0, 0]), np.empty(2))
    with pytest.raises(ValueError, match="offsets must run from 0"):
        cosines(np.array([0, 2]), tokens, weights, norms, pair, pair, out)
    two = np.array([0.5, 0.5])
    with pytest.raises(ValueError, match="offsets must not decrease"):
        cosines(np.array([0, 3, 2]), np.array([0, 1]), two, two, pair, pair, out)
    with pytest.raises(ValueError, match="one length"):
        cosines(one, tokens, weights, norms, np.array([0, 0]), pair, out)
    with pytest.raises(TypeError, match="firsts must be an array of int64"):
        cosines(one, tokens, weights, norms, np.array([0, 0], dtype=np.int32), pair, out)
    with pytest.raises(TypeError, match="weights must be an array of float64"):
        cosines(one, tokens, np.array([1], dtype=np.int64), norms, pair, pair, out)
    with pytest.raises(TypeError, match="norms must be an array of float64"):
        cosines(one, tokens, weights, b"\0" * 8, pair, pair, out)
    with pytest.raises(ValueError, match="out shares memory with firsts"):
        shared = np.zeros(3, dtype=np.int64)
        cosines(one, tokens, weights, norms, shared[:2], shared[:2], shared[1:].view(np.float64))
    cosines(one, tokens, weights, norms, pair, pair, out)
    assert out.tolist() == [100.0]
