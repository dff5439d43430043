"""The compiled average link (`parallax._linkage`) against the Python loops it replaces.

tests/test_cluster.py checks `average_link` against the definition of average link; these
check that the two implementations behind it agree bit for bit, on inputs where float sums
round (so a near tie could go either way if one summed in another order).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parallax import linkage


def test_the_compiled_module_is_built():
    # The install compiles it wherever there is a C compiler, as there is here: without it,
    # every build would silently run the slower loops.
    assert linkage.COMPILED is not None
    assert linkage.average_link(2, [(0, 1, 80.0)], 50.0) == ((0, 1),)


def compiled(size, pairs, threshold):
    assert linkage.COMPILED is not None
    return linkage.COMPILED(size, pairs, threshold)


@given(
    st.integers(0, 25).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(
                    st.integers(0, max(n - 1, 0)),
                    st.integers(0, max(n - 1, 0)),
                    st.one_of(
                        st.floats(0, 100, allow_nan=False),
                        st.sampled_from([0.0, 12.5, 30.0, 33.3, 50.0, 100.0]),
                    ),
                ),
                max_size=0 if n == 0 else 90,
            ),
        )
    ),
    st.sampled_from([0.0, 12.5, 28.0, 30.0, 50.0, 75.0]),
)
@settings(max_examples=400, deadline=None)
def test_compiled_and_python_make_the_same_groups(graph, threshold):
    size, pairs = graph
    expected = linkage.python_average_link(size, pairs, threshold)
    assert compiled(size, pairs, threshold) == expected
    assert compiled(size, iter(pairs), threshold) == expected  # any iterable, as in Python


def test_same_groups_on_a_large_dense_graph():
    # Merged groups' tables grow and lose entries many times over, as story linking's do.
    rng = random.Random(9)
    size = 400
    pairs = [
        (rng.randrange(size), rng.randrange(size), rng.choice([rng.uniform(0, 100), 40.0]))
        for _ in range(8000)
    ]
    for threshold in (20.0, 35.0, 60.0):
        expected = linkage.python_average_link(size, pairs, threshold)
        assert len(expected) < size  # something merged
        assert compiled(size, pairs, threshold) == expected


def test_a_later_pair_replaces_an_earlier_one_as_in_python():
    pairs = [(0, 1, 90.0), (1, 0, 10.0), (1, 2, 70.0)]
    assert compiled(3, pairs, 50.0) == linkage.python_average_link(3, pairs, 50.0)
    assert compiled(3, pairs, 50.0) == ((0,), (1, 2))


def test_pairs_may_be_lists_and_scores_whole_numbers():
    assert compiled(2, [[0, 1, 80]], 50.0) == ((0, 1),)


@pytest.mark.parametrize(
    ("pairs", "error"),
    [
        ([(0, 5, 1.0)], IndexError),  # beyond the last index
        ([(0, 1)], ValueError),  # not three values
        ([(0, 1, "high")], TypeError),
        ([(0.5, 1, 1.0)], TypeError),
        ([7], TypeError),
    ],
)
def test_bad_pairs_raise_rather_than_crash(pairs, error):
    with pytest.raises(error):
        compiled(3, pairs, 50.0)


def test_a_pair_of_one_index_with_itself_is_skipped_unread_as_in_python():
    pairs = [(0, 0, "x"), (1, 1, None), (0, 1, 80.0)]
    assert compiled(3, pairs, 50.0) == linkage.python_average_link(3, pairs, 50.0)


def test_a_list_changed_while_it_is_read_is_read_as_it_was():
    class Clears(float):
        def __float__(self) -> float:
            pairs.clear()  # what a score's conversion could do to the list being read
            return 80.0

    pairs = [(0, 1, Clears(80.0)), *[(0, 2, 60.0), (1, 2, 70.0)] * 50]
    expected = linkage.python_average_link(3, [(0, 1, 80.0), (0, 2, 60.0), (1, 2, 70.0)], 50.0)
    assert compiled(3, pairs, 50.0) == expected == ((0, 1, 2),)


def test_a_size_no_memory_could_hold_is_refused():
    with pytest.raises(MemoryError):
        compiled(2**62, [], 10.0)


def test_no_indices_make_no_groups():
    assert compiled(0, [], 10.0) == ()
    assert compiled(3, [], 10.0) == ((0,), (1,), (2,))
