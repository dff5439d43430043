"""How the stages' frozen dataclasses are pickled: as calls that make them from their
fields' values (`constructor_reducers`), for the workers' results and the build cache (#9).
Imports no stage."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import Any


def constructor_reducers(classes: Iterable[type]) -> dict[type, Callable[[Any], Any]]:
    """Reducers (for `fork_map`, and for copyreg) that pickle each of these dataclasses as a
    call that makes it from its fields' values: a slotted frozen dataclass otherwise
    unpickles through a generic `__setstate__`, twice as slow.

    The call is that of the class's twin (`_twin`) where it has one: the frozen class's own
    `__init__` sets each field through `object.__setattr__`, three times as slow as the
    twin's (0.94 against 0.29 µs for a claim); unpickling the build cache's 10k entries
    makes 590,000 of them (#9)."""

    def reducer(cls: type) -> Callable[[Any], Any]:
        names = tuple(f.name for f in dataclasses.fields(cls))
        make = _twin(cls) or cls
        return lambda obj: (make, tuple(getattr(obj, name) for name in names))

    return {cls: reducer(cls) for cls in classes}


def _twin(cls: type) -> type | None:
    """A plain class with the slots of the frozen dataclass `cls`, whose `__init__` takes
    the fields' values in order, assigns them and then makes the object a `cls`: the same
    object as `cls(*values)`, for what pickle calls. It is named in this module after the
    class, where pickle finds it again by name once the module that lists the class's
    reducers is imported (`ingest`, `cache`, `stage_memo`). None for a class that is not a
    frozen dataclass of its own slots (one slot per field, no base class), or that has a
    `__post_init__` (which the twin would not run)."""
    params = getattr(cls, "__dataclass_params__", None)
    slots = cls.__dict__.get("__slots__")
    names = tuple(f.name for f in dataclasses.fields(cls))
    if (
        params is None
        or not params.frozen
        or not isinstance(slots, tuple)
        or sorted(slots) != sorted(names)
        or cls.__bases__ != (object,)
        or hasattr(cls, "__post_init__")
    ):
        return None
    base = "_Twin__" + re.sub(r"\W", "_", f"{cls.__module__}.{cls.__qualname__}".replace(".", "__"))
    name, copies = base, 1
    while (found := globals().get(name)) is not None:  # another class of that name: number it
        if isinstance(found, type) and getattr(found, "_parallax_frozen", None) is cls:
            return found
        copies += 1
        name = f"{base}_{copies}"
    fields = ", ".join(f"_{n}" for n in range(len(names)))
    lines = [f"def __init__(self, {fields}):"]
    lines += [f"    self.{name} = _{n}" for n, name in enumerate(names)]
    lines.append("    self.__class__ = _frozen")
    namespace: dict[str, Any] = {"_frozen": cls}
    exec("\n".join(lines), namespace)  # a fixed template over the class's field names
    body = {"__slots__": slots, "__init__": namespace["__init__"], "_parallax_frozen": cls}
    twin = type(name, (), body)
    twin.__module__ = __name__
    globals()[name] = twin
    return twin
