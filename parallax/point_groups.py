"""Helpers shared by the kinds of points: ids from claims, grouping, and who reports a point.

Pure; no I/O.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence

from parallax.contention import Facets


def point_id(kind: str, claim_ids: Iterable[str]) -> str:
    """A short id from the kind of question and the claims, not from list positions."""
    text = kind + "\n" + "\n".join(sorted(set(claim_ids)))
    return hashlib.sha1(text.encode()).hexdigest()[:12]


class Groups:
    """Union-find over indices, read out as sorted groups so results are deterministic."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def groups(self) -> list[list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            found[self.find(i)].append(i)
        return sorted(found.values())


def unique_claims(facets: Iterable[Facets]) -> list[str]:
    ordered = sorted(facets, key=lambda f: (f.published, f.claim.item_id, f.claim.sentence.index))
    return list(dict.fromkeys(f.claim.id for f in ordered))


def is_single(facets: Sequence[Facets]) -> bool:
    """One outlet only, or one side only (when every side is known)."""
    sources = {f.claim.source for f in facets}
    sides = {f.claim.side for f in facets}
    return len(sources) == 1 or (None not in sides and len(sides) == 1)
