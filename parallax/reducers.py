"""How the stages' frozen dataclasses are pickled: as calls that make them from their
fields' values (`constructor_reducers`), for the workers' results and the build cache (#9).
Imports no stage."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any


def _compiled() -> ModuleType | None:
    """`parallax._makers`, compiled with the package where a C compiler was found
    (setup.py), else None."""
    try:
        from parallax import _makers
    except ImportError:
        return None
    return _makers


_MAKERS = _compiled()
COMPILED = _MAKERS is not None  # pickles name the makers then, else the twins


def constructor_reducers(classes: Iterable[type]) -> dict[type, Callable[[Any], Any]]:
    """Reducers (for `fork_map`, and for copyreg) that pickle each of these dataclasses as a
    call that makes it from its fields' values: a slotted frozen dataclass otherwise
    unpickles through a generic `__setstate__`, twice as slow.

    The call is the class's compiled maker (`_maker`), or its twin (`_twin`) where the
    package was installed without a C compiler: the frozen class's own `__init__` sets each
    field through `object.__setattr__`, three times as slow as the twin's (0.94 against 0.29
    µs for a claim), and the twin's twice as slow as the maker: unpickling the build cache's
    10k entries, 590,000 of them, takes 0.33 s through makers and 0.50 s through twins (#9).
    """

    def reducer(cls: type) -> Callable[[Any], Any]:
        names = tuple(f.name for f in dataclasses.fields(cls))
        make = _maker(cls) or _twin(cls) or cls
        return lambda obj: (make, tuple(getattr(obj, name) for name in names))

    return {cls: reducer(cls) for cls in classes}


def _own_slots(cls: type) -> tuple[str, ...] | None:
    """The field names of a frozen dataclass of its own slots (one slot per field, no base
    class) with no `__post_init__` and no `__new__` of its own, which a twin or a maker can
    make: None for another class."""
    params = getattr(cls, "__dataclass_params__", None)
    slots = cls.__dict__.get("__slots__")
    names = tuple(f.name for f in dataclasses.fields(cls)) if params is not None else ()
    if (
        params is None
        or not params.frozen
        or not isinstance(slots, tuple)
        or sorted(slots) != sorted(names)
        or cls.__bases__ != (object,)
        or hasattr(cls, "__post_init__")
        or "__new__" in cls.__dict__
    ):
        return None
    return names


def _maker(cls: type) -> Any:
    """The compiled maker of `cls` (`parallax._makers.Maker`): called with the fields'
    values in order, it makes the same object as `cls(*values)`. It is registered in that
    module under a name of its own, by which pickle finds it. None without the compiled
    module, or for a class `_own_slots` refuses."""
    names = _own_slots(cls)
    if _MAKERS is None or names is None:
        return None
    name = _free_name(vars(_MAKERS), "_Make__", cls, lambda found: getattr(found, "cls", None))
    found = getattr(_MAKERS, name, None)
    if found is None:
        found = _MAKERS.Maker(cls, names, name)
        setattr(_MAKERS, name, found)
    return found


def _free_name(
    space: dict[str, Any], prefix: str, cls: type, made_for: Callable[[Any], object]
) -> str:
    """The name under which the namespace `space` holds (or will hold) what is made for
    `cls`: the prefix and the class's module and name, numbered when another class took it."""
    base = prefix + re.sub(r"\W", "_", f"{cls.__module__}.{cls.__qualname__}".replace(".", "__"))
    name, copies = base, 1
    while (found := space.get(name)) is not None and made_for(found) is not cls:
        copies += 1
        name = f"{base}_{copies}"
    return name


def _twin(cls: type) -> type | None:
    """A plain class with the slots of the frozen dataclass `cls`, whose `__init__` takes
    the fields' values in order, assigns them and then makes the object a `cls`: the same
    object as `cls(*values)`, for what pickle calls where there is no compiled maker. It is
    named in this module after the class, where pickle finds it again by name once the
    module that lists the class's reducers is imported (`ingest`, `cache`, `stage_memo`).
    None for a class `_own_slots` refuses (a `__post_init__` the twin would not run, say)."""
    names = _own_slots(cls)
    if names is None:
        return None
    name = _free_name(
        globals(), "_Twin__", cls, lambda found: getattr(found, "_parallax_frozen", None)
    )
    found = globals().get(name)
    if isinstance(found, type):
        return found
    fields = ", ".join(f"_{n}" for n in range(len(names)))
    lines = [f"def __init__(self, {fields}):"]
    lines += [f"    self.{name} = _{n}" for n, name in enumerate(names)]
    lines.append("    self.__class__ = _frozen")
    namespace: dict[str, Any] = {"_frozen": cls}
    exec("\n".join(lines), namespace)  # a fixed template over the class's field names
    body = {"__slots__": cls.__dict__["__slots__"], "__init__": namespace["__init__"]}
    twin = type(name, (), {**body, "_parallax_frozen": cls})
    twin.__module__ = __name__
    globals()[name] = twin
    return twin
