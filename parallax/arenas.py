"""Python's small-object arenas, filled with pages as they are made (#9).

A build makes hundreds of megabytes of small objects (unpickling the build cache's entries
at 10k articles: 69,000 page faults in the load stage), and the kernel maps each arena's
pages one fault at a time as they are first written. `parallax._arenas` asks for an arena's
pages in one call when the interpreter makes it: the same pages, sooner, in less kernel
time. It is compiled with the package where a C compiler was found (setup.py); without it,
or off Linux, nothing changes.
"""

from __future__ import annotations

from types import ModuleType


def _compiled() -> ModuleType | None:
    try:
        from parallax import _arenas
    except ImportError:
        return None
    return _arenas


_ARENAS = _compiled()


def populate_arenas() -> bool:
    """From now on, ask the kernel to fill each new arena with its pages as it is made, in
    this process and the processes it forks; whether it now does (not without the compiled
    module, off Linux, or on a kernel before 5.14). Calling it again changes nothing."""
    return _ARENAS is not None and bool(_ARENAS.populate())
