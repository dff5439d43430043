"""Average-link agglomerative clustering over a sparse graph of scored pairs.

Pure and deterministic. Pairs that were never scored count as 0, so a group only grows while
its members are similar on average; single link (union-find over pairs above a threshold)
chains unrelated items together through intermediaries as a corpus grows.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable


def average_link(
    size: int, pairs: Iterable[tuple[int, int, float]], threshold: float
) -> tuple[tuple[int, ...], ...]:
    """Groups of the indices 0..size-1: merge the most similar groups while their mean pair
    similarity is at least `threshold`. Ties go to the lowest indices. Every index is in
    exactly one group; groups are sorted and listed by their lowest index."""
    links: list[dict[int, float]] = [{} for _ in range(size)]  # summed similarity to neighbours
    for a, b, score in pairs:
        if a != b:
            links[a][b] = links[b][a] = score
    members: list[list[int]] = [[i] for i in range(size)]
    sizes = [1] * size  # len(members[i]), kept apart: the loop below reads it a million times
    version = [0] * size
    heap = [(-s, a, b, 0, 0) for a in range(size) for b, s in links[a].items() if a < b]
    heap = [entry for entry in heap if -entry[0] >= threshold]
    heapq.heapify(heap)
    push, pop = heapq.heappush, heapq.heappop
    while heap:
        _, a, b, version_a, version_b = pop(heap)
        if version[a] != version_a or version[b] != version_b or not members[b]:
            continue  # stale: one of the two groups has changed since this entry was pushed
        _merge(links, members, a, b)
        sizes[a] += sizes[b]
        sizes[b] = 0
        version[a] += 1
        version[b] = -1
        size_a, version_a = sizes[a], version[a]
        for c, total in links[a].items():
            mean = total / (size_a * sizes[c])
            if mean >= threshold:
                if a < c:
                    push(heap, (-mean, a, c, version_a, version[c]))
                else:
                    push(heap, (-mean, c, a, version[c], version_a))
    return tuple(tuple(sorted(group)) for group in members if group)


def _merge(links: list[dict[int, float]], members: list[list[int]], a: int, b: int) -> None:
    """Fold group b into group a (a < b), summing b's links into a's."""
    members[a].extend(members[b])
    members[b] = []
    into = links[a]
    del into[b]
    del links[b][a]
    for c, total in links[b].items():
        summed = into[c] = into.get(c, 0.0) + total
        links[c][a] = summed
        del links[c][b]
    links[b] = {}
