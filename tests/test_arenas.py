"""Arenas filled with pages as they are made (`parallax.arenas`): the interpreter still
makes and frees every object as before, here and in a forked process.

Each check runs in an interpreter of its own, whose arenas no other test has wrapped.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="populating is Linux's")
def test_populating_starts_when_asked_and_only_once():
    out = run(
        """
        from parallax import _arenas, arenas
        print(_arenas.populating(), arenas.populate_arenas(), _arenas.populating(),
              arenas.populate_arenas())
        """
    )
    assert out == "False True True True"


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

        expected = 3 * sum(range(1_000_000))
        assert churn(1_000_000) == expected
        assert churn(1_000_000) == expected
        child = os.fork()
        if child == 0:
            os._exit(0 if churn(500_000) == 3 * sum(range(500_000)) else 1)
        _, status = os.waitpid(child, 0)
        print(os.waitstatus_to_exitcode(status))
        """
    )
    assert out == "0"
