"""Arenas filled with pages as they are made (`parallax.arenas`): a new arena comes with
its pages, and the interpreter still makes and frees every object as before, here and in a
forked process.

Each check runs in an interpreter of its own, whose arenas no other test has wrapped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

from parallax import arenas


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_compiled_module_is_built():
    # The install compiles it wherever there is a C compiler, as there is here.
    assert arenas._ARENAS is not None


def test_populating_starts_when_asked_and_only_once():
    out = run(
        """
        from parallax import _arenas, arenas
        print(_arenas.populating(), arenas.populate_arenas(), _arenas.populating(),
              arenas.populate_arenas())
        """
    )
    # Where the kernel does not fill pages when asked (off Linux, or before 5.14), nothing
    # is wrapped, and every call says so; here it is wrapped once and stays so.
    first, *later = out.split()[1:]
    assert out.split()[0] == "False"
    assert later == [first, first]
    if sys.platform.startswith("linux") and kernel() >= (5, 14):
        assert first == "True"


def kernel() -> tuple[int, int]:
    """The running kernel's version, major and minor."""
    found = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return (int(found[1]), int(found[2])) if found else (0, 0)


# Makes objects until the interpreter makes one more arena, and prints whether it populates
# and the page faults that took: a new arena's pages come at once when populating (256 of
# 4 KiB in 1 MiB), else as its first pools are used.
NEW_ARENA = """
import os, resource, sys, tempfile
from parallax import _arenas

populating = WANTED and _arenas.populate()

def arenas():
    with tempfile.TemporaryFile() as out:  # the statistics go to the C library's stderr
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        lines = out.read().decode().splitlines()
    line = next(line for line in lines if line.startswith("# arenas allocated current"))
    return int(line.split("=")[1].replace(",", ""))

kept = []
before = arenas()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
while arenas() == before:
    kept.extend(object() for _ in range(50))
print(int(populating), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults)
"""


def new_arena(wanted: bool) -> tuple[bool, int]:
    """Whether the interpreter populated, and the faults of its next arena (`NEW_ARENA`)."""
    populating, faults = run(f"WANTED = {wanted}\n{NEW_ARENA}").split()
    return populating == "1", int(faults)


def test_a_new_arena_comes_with_its_pages_when_populating():
    populating, faults = new_arena(True)
    _, without = new_arena(False)
    assert without < 200  # measured: 25
    if populating:
        assert faults >= 200  # measured: 280
    else:  # the kernel refused (off Linux, or before 5.14): the pages come as before
        assert faults < 200


def test_objects_made_and_freed_across_many_arenas_are_intact():
    # Enough small objects for hundreds of arenas, freed (their arenas go back through the
    # wrapper) and made again; then the same in a forked process, which inherits the wrapper.
    out = run(
        """
        import gc, os
        from parallax import arenas
        arenas.populate_arenas()

        def churn(n):
            made = [(k, str(k), [k]) for k in range(n)]
            total = sum(k + int(s) + x[0] for k, s, x in made)
            del made
            gc.collect()
            return total

        expected = 3 * sum(range(300_000))
        assert churn(300_000) == expected
        assert churn(300_000) == expected
        child = os.fork()
        if child == 0:
            os._exit(0 if churn(200_000) == 3 * sum(range(200_000)) else 1)
        _, status = os.waitpid(child, 0)
        print(os.waitstatus_to_exitcode(status))
        """
    )
    assert out == "0"
