"""Memoising the indexes that stages build from the registries, by the registries' identity.

Pure. `functools.lru_cache` hashes its argument on every call, and a frozen `Registries`
hashes all of its actors and terms each time: called once per item, that cost grew with the
corpus times the registries (#9). The pipeline passes one `Registries` object to every
call, so checking identity first makes each call O(1); an equal but distinct object still
gets the same result, computed once more.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

A = TypeVar("A")
R = TypeVar("R")
KEEP = 8  # how many recent arguments are remembered


def by_identity(function: Callable[[A], R]) -> Callable[[A], R]:
    """`function` memoised on the identity of its one argument, for the last KEEP arguments.

    The argument is kept alive in the memo, so its id cannot be reused by another object.
    """
    recent: list[tuple[A, R]] = []

    @wraps(function)
    def memoised(argument: A) -> R:
        for known, result in recent:
            if known is argument:
                return result
        result = function(argument)
        recent.insert(0, (argument, result))
        del recent[KEEP:]
        return result

    return memoised
