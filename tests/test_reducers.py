"""How frozen dataclasses are pickled (`parallax.reducers`): through the compiled makers
(`parallax._makers`), or the Python twins they replace where there is no compiler."""

from __future__ import annotations

import collections.abc
import copyreg
import dataclasses
import gc
import io
import pickle
import tracemalloc

import pytest

from parallax import model, reducers
from parallax.model import Claim, Figure, Item, Sentence, Span


def test_the_compiled_module_is_built():
    # The install compiles it wherever there is a C compiler, as there is here: without it,
    # every build would silently unpickle through the slower twins.
    assert reducers.COMPILED


def _claim() -> Claim:
    sentence = Sentence(0, "Officials said 12 people were hurt.", Span(0, 35))
    figure = Figure(12.0, "people", "injured", None, "12 people", Span(15, 24))
    return Claim(
        "c", "articles/a/x", "", "a", sentence, "Officials", None, "west", False, (figure,)
    )


def _pickled(value: object, classes: list[type]) -> bytes:
    out = io.BytesIO()
    pickler = pickle.Pickler(out, 5)
    pickler.dispatch_table = {**copyreg.dispatch_table, **reducers.constructor_reducers(classes)}
    pickler.dump(value)
    return out.getvalue()


def test_a_maker_makes_what_the_class_makes():
    claim = _claim()
    again = pickle.loads(_pickled(claim, [Claim, Sentence, Span, Figure]))
    assert again == claim and type(again) is Claim and hash(again) == hash(claim)
    assert type(again.sentence) is Sentence and type(again.figures[0].span) is Span
    assert gc.is_tracked(again) == gc.is_tracked(claim)
    assert repr(again) == repr(claim)
    with pytest.raises(dataclasses.FrozenInstanceError):
        again.speaker = "someone"  # type: ignore[misc]


def test_a_maker_is_pickled_by_its_name_and_found_again():
    maker = reducers._maker(Span)
    assert maker is not None and maker is reducers._maker(Span)
    assert maker.cls is Span and maker(3, 9) == Span(3, 9)
    assert pickle.loads(pickle.dumps(maker)) is maker
    assert len(pickle.dumps(maker)) < 80  # a reference, not the maker
    # Its module is where pickle looks it up by name, not found by searching every module.
    assert maker.__module__ == "parallax._makers"


MAKE = [reducers._maker, reducers._twin]  # the compiled makers, and the twins without them


@pytest.mark.parametrize("made_for", MAKE)
def test_classes_of_one_name_get_makers_of_their_own(made_for):
    def make(kind: type) -> type:
        @dataclasses.dataclass(frozen=True, slots=True)
        class Same:
            a: kind  # type: ignore[valid-type]

        return Same

    one, other = make(int), make(str)
    assert one.__qualname__ == other.__qualname__ and one is not other
    makers = made_for(one), made_for(other)
    assert makers[0] is not makers[1] and makers[0] is made_for(one)
    assert [type(m(1)) for m in makers] == [one, other]


def test_a_class_of_a_taken_name_is_pickled_through_its_own_maker():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Span:  # the name of parallax.model.Span, in another module
        start: int
        end: int

    assert reducers._maker(Span) is not reducers._maker(model.Span)
    assert pickle.loads(_pickled(Span(1, 2), [Span])) == Span(1, 2)


@pytest.mark.parametrize("made_for", MAKE)
def test_a_class_that_is_not_frozen_or_checks_itself_gets_none(made_for):
    @dataclasses.dataclass(slots=True)
    class Open:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            assert self.a >= 0

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    assert [made_for(c) for c in (Open, Checked, NoSlots)] == [None, None, None]
    assert reducers.constructor_reducers([Checked])[Checked](Checked(1)) == (Checked, (1,))


def test_a_maker_refuses_what_is_not_an_object_slot_of_the_class():
    maker_type = type(reducers._maker(Span))

    @dataclasses.dataclass(frozen=True, slots=True)
    class Base:
        a: int

    class Child(Base):
        __slots__ = ("b",)

    with pytest.raises(TypeError, match="not an object slot"):
        maker_type(Span, ("start", "nope"), "x")
    with pytest.raises(TypeError, match="cannot make"):
        maker_type(Child, ("a", "b"), "x")  # `a` is the base class's slot
    with pytest.raises(TypeError, match="not an object slot"):
        maker_type(Item, (*reducers._own_slots(Item)[:-1], "id"), "x")  # a property
    with pytest.raises(TypeError):
        maker_type(Span, ["start", "end"], "x")  # the names must be a tuple


def test_a_maker_refuses_a_class_whose_objects_need_more_than_their_slots():
    maker_type = type(reducers._maker(Span))

    class Slotted(dict):  # type: ignore[type-arg]
        __slots__ = ("a",)

    class WithDict:
        __slots__ = ("__dict__", "a")

    class OwnNew:
        __slots__ = ("a",)

        def __new__(cls) -> OwnNew:
            return super().__new__(cls)

    class Two:
        __slots__ = ("a", "b")

    for cls, names in [
        (type, ()),  # a type of C's making
        (Slotted, ("a",)),  # a dict's insides would never be set up
        (collections.abc.Sized, ()),
        (WithDict, ("a",)),
        (OwnNew, ("a",)),
        (Two, ("a",)),  # a slot left empty
        (Two, ("a", "a")),  # one named twice
    ]:
        with pytest.raises(TypeError):
            maker_type(cls, names, "x")
    assert maker_type(Two, ("b", "a"), "x")(1, 2).a == 2


def test_a_maker_takes_exactly_the_values_of_the_slots():
    maker = reducers._maker(Span)
    assert maker is not None
    with pytest.raises(TypeError, match="takes 2 values, not 1"):
        maker(1)
    with pytest.raises(TypeError, match="no keywords"):
        maker(1, 2, end=3)


def test_making_and_freeing_leaks_nothing():
    maker = reducers._maker(Sentence)
    assert maker is not None
    span = Span(0, 4)
    for _ in range(1000):  # warm up
        maker(0, "text", span)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20_000):
            maker(0, "text", span)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 10_000


def test_without_the_compiled_module_the_twins_make_the_same(monkeypatch):
    monkeypatch.setattr(reducers, "_MAKERS", None)
    claim = _claim()
    blob = _pickled(claim, [Claim, Sentence, Span, Figure])
    assert b"_Twin__" in blob and b"_Make__" not in blob
    assert pickle.loads(blob) == claim
