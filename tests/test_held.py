"""Items and claims read from the build cache hold their heavy fields until read (#9)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import pickle

import pytest

from parallax import model, reducers
from parallax.cache import ArticleWork, dumps_work
from parallax.model import Claim, Entity, Figure, Item, Sentence, Span
from tests.test_cache import add_article, at_home, build, make_project  # noqa: F401

pytestmark = pytest.mark.skipif(not reducers.COMPILED, reason="holds only with the makers")

TEXT = "Officials said 12 people were hurt. The mayor said 3 homes burned."


def _work() -> ArticleWork:
    first = Sentence(0, TEXT[:35], Span(0, 35))
    second = Sentence(1, TEXT[36:], Span(36, len(TEXT)))
    hurt = Figure(12.0, "people", "injured", None, "12 people", Span(15, 24))
    homes = Figure(3.0, "homes", "destroyed", None, "3 homes", Span(51, 58))
    item = Item(
        "articles/a/x",
        None,
        "a",
        dt.date(2024, 5, 1),
        "Strike",
        TEXT,
        (first, second),
        (Entity("mayor", "name", "The mayor"),),
        (dt.date(2024, 5, 1),),
        (hurt, homes),
    )
    said = [
        Claim("c1", item.id, "e", "a", first, "Officials", None, None, False, (hurt,)),
        Claim("c2", item.id, "e", "a", second, "The mayor", "mayor", "west", True, (homes,)),
    ]
    return ArticleWork(None, (item,), (), ((),), (tuple(said),), (None,), ({},), ("d",))  # type: ignore[arg-type]


def _made(obj: object, name: str) -> bool:
    """Whether `obj` has made its field `name` (not reading it, which would make it)."""
    try:
        object.__getattribute__(obj, name)
    except AttributeError:
        return False
    return True


def test_a_work_read_from_the_cache_equals_the_one_written_and_makes_nothing_until_read():
    work = _work()
    read = pickle.loads(dumps_work(work))
    item, claims = read.items[0], read.claims[0]
    # The light fields are there; the heavy ones are made at the first read of any of them.
    assert item.title == "Strike" and item.text == TEXT
    assert [c.sentence_index for c in claims] == [0, 1]
    assert not any(_made(item, name) for name in model.ITEM_HELD)
    assert not any(_made(c, name) for c in claims for name in model.CLAIM_HELD)
    assert item.dates == work.items[0].dates
    assert all(_made(item, name) for name in model.ITEM_HELD) and item.held is None
    # A claim takes its sentence and figures from its item: the same objects, not copies.
    second = claims[1]
    assert second.figures == work.claims[0][1].figures
    assert second.sentence is item.sentences[1] and second.figures[0] is item.figures[1]
    assert second.held is None and not _made(claims[0], "sentence")
    assert read == work and hash(read.items[0]) == hash(work.items[0])
    assert repr(item) == repr(work.items[0]) and repr(claims) == repr(work.claims[0])


def test_a_claim_read_first_makes_its_item_once():
    read = pickle.loads(dumps_work(_work()))
    first, second = read.claims[0]
    assert first.sentence.text == TEXT[:35]
    item = read.items[0]
    assert _made(item, "sentences")
    sentences = item.sentences
    assert second.sentence is sentences[1]


def test_a_work_read_and_not_used_is_written_again_as_it_was():
    written = dumps_work(_work())
    assert dumps_work(pickle.loads(written)) == written
    used = pickle.loads(written)
    assert used.items[0].sentences and used.claims[0][0].figures
    assert pickle.loads(dumps_work(used)) == _work()


def test_a_claim_whose_sentence_or_figures_are_not_its_items_is_kept_whole():
    work = _work()
    (first, second), sentence = work.claims[0], Sentence(1, "Not in the item.", Span(0, 5))
    claims = (
        first,
        dataclasses.replace(second, sentence=sentence),
        dataclasses.replace(second, id="c3", figures=(Figure(1.0, "x", "y", None, "1 x"),)),
    )
    work = dataclasses.replace(work, claims=(claims,))
    read = pickle.loads(dumps_work(work))
    assert [c.held is None for c in read.claims[0]] == [False, True, True]
    assert read == work


def test_held_objects_copy_compare_and_pickle_as_whole_ones():
    work = _work()
    read = pickle.loads(dumps_work(work))
    item, claim = read.items[0], read.claims[0][1]
    assert copy.deepcopy(item) == work.items[0] and copy.copy(claim) == work.claims[0][1]
    read = pickle.loads(dumps_work(work))
    item, claim = read.items[0], read.claims[0][1]
    # Pickled another way (a worker's results, `cache.REDUCERS`), they are whole.
    plain = pickle.loads(pickle.dumps((item, claim)))
    assert plain == (work.items[0], work.claims[0][1])
    assert plain[0].held is None and plain[1].held is None
    assert dataclasses.replace(claim, event_id="f").sentence == claim.sentence
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        item.nothing  # type: ignore[attr-defined]  # noqa: B018
    assert not hasattr(claim, "nothing")


def test_a_partial_maker_fills_the_slots_it_is_given_and_leaves_the_others_empty():
    maker = reducers.partial_maker(Span, ("start",))
    assert maker is not None and maker is not reducers._maker(Span)
    made = maker(3)
    assert made.start == 3 and not _made(made, "end")
    assert reducers.partial_maker(Span, ("start", "end")) is None  # that is a whole maker's
    assert reducers.partial_maker(Span, ("start", "other")) is None
    with pytest.raises(TypeError, match="takes 1 values"):
        maker(3, 9)


def test_a_build_with_nothing_changed_makes_no_held_field(at_home, monkeypatch):  # noqa: F811
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    made: list[str] = []
    real = model._unheld

    def noting(obj: object, name: str, *rest: object) -> object:
        made.append(f"{type(obj).__name__} {name}")
        return real(obj, name, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(model, "_unheld", noting)
    build(root, use_cache=True)
    assert made == []
    add_article(root)
    result = build(root, use_cache=True)
    assert 0 < len(made) < len(result.analysis.items) + len(result.analysis.claims)
