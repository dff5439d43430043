"""Points about assertions: who controls a place, rebuttals, and statements worded alike.

Pure; no I/O. Claims are linked by edges: a rebuttal and what it answers, two claims about who
holds the same place, two statements from different items worded alike by RapidFuzz about the
same places or speaker. Linked claims form a point that `contradict`s when any edge does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process, utils

from parallax.contention import Facets
from parallax.model import Point
from parallax.point_groups import Groups, is_single, point_id, unique_claims
from parallax.point_labels import assertion_label


@dataclass(frozen=True, slots=True)
class _Edge:
    """Two claims answering one question, and whether they contradict each other."""

    a: int
    b: int
    contradicts: bool
    kind: str  # "rebuttal" | "control" | "wording"


def assertion_points(event_id: str, facets: Sequence[Facets], threshold: float) -> list[Point]:
    edges = _rebuttal_edges(facets) + _control_edges(facets) + _wording_edges(facets, threshold)
    groups = Groups(len(facets))
    for edge in edges:
        groups.join(edge.a, edge.b)
    linked = {i for e in edges for i in (e.a, e.b)}
    for i in range(1, len(facets)):
        if (i in linked or i - 1 in linked) and _continues(facets[i - 1], facets[i]):
            groups.join(i - 1, i)  # a quote that runs on belongs with its first sentence
    points = []
    for group in groups.groups():
        members = set(group)
        inner = [e for e in edges if e.a in members and e.b in members]
        if inner:
            points.append(_assertion_point(event_id, [facets[i] for i in group], inner, facets))
    return points


def _continues(before: Facets, after: Facets) -> bool:
    a, b = before.claim, after.claim
    adjacent = a.item_id == b.item_id and b.sentence.index == a.sentence.index + 1
    return adjacent and a.speaker == b.speaker and a.quote and b.quote


def _rebuttal_edges(facets: Sequence[Facets]) -> list[_Edge]:
    edges = []
    for i, rebuttal in enumerate(facets):
        if rebuttal.rebuts:
            edges += [_Edge(min(i, j), max(i, j), True, "rebuttal") for j in _rebutted(i, facets)]
    return edges


def _rebutted(i: int, facets: Sequence[Facets]) -> list[int]:
    """The claims a rebuttal answers: the one just before ("that claim"), or those it names."""
    rebuttal = facets[i]
    speaker = rebuttal.claim.speaker
    if rebuttal.rebuts_previous:
        before = [
            j
            for j in range(i - 1, -1, -1)
            if facets[j].claim.item_id == rebuttal.claim.item_id
            and facets[j].claim.speaker != speaker
        ]
        return before[:1]
    named = [
        j
        for j, f in enumerate(facets)
        if j != i
        and f.claim.speaker != speaker
        and f.claim.speaker.split()[-1].lower() in rebuttal.named
    ]
    on_topic = [j for j in named if facets[j].topics and rebuttal.topics]
    if on_topic or not named:
        return on_topic
    texts = [facets[j].claim.sentence.text for j in named]
    best = process.extractOne(
        rebuttal.claim.sentence.text,
        texts,
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
    )
    return [] if best is None else [named[best[2]]]


def _control_edges(facets: Sequence[Facets]) -> list[_Edge]:
    """Claims about who holds the same place: one side's control against the other's."""
    holding = [i for i, f in enumerate(facets) if f.control is not None and f.places]
    return [
        _Edge(i, j, facets[i].control != facets[j].control, "control")
        for n, i in enumerate(holding)
        for j in holding[n + 1 :]
        if facets[i].places & facets[j].places
        and facets[i].claim.speaker != facets[j].claim.speaker
    ]


def _wording_edges(facets: Sequence[Facets], threshold: float) -> list[_Edge]:
    """Statements from different items worded alike about the same places or people."""
    candidates = [i for i, f in enumerate(facets) if len(f.claim.sentence.text.split()) >= 6]
    if len({facets[i].claim.item_id for i in candidates}) < 2:
        return []
    # Each text is processed once, and only the pairs that may align are scored, in one call
    # (#9): the same scores as process.extract of each text against the ones after it.
    texts = [utils.default_process(facets[i].claim.sentence.text) for i in candidates]
    pairs = _pairs_that_may_align([facets[i] for i in candidates])
    if not pairs:
        return []
    scores = process.cpdist(
        [texts[x] for x, _ in pairs], [texts[y] for _, y in pairs],
        scorer=fuzz.token_set_ratio, processor=None, score_cutoff=threshold, dtype=np.float64,
    )  # fmt: skip
    edges = []
    for (x, y), score in zip(pairs, scores.tolist(), strict=True):
        if score >= threshold:
            a, b = facets[candidates[x]], facets[candidates[y]]
            contradicts = a.negated != b.negated and a.claim.side != b.claim.side
            edges.append(_Edge(candidates[x], candidates[y], contradicts, "wording"))
    return edges


def _pairs_that_may_align(facets: Sequence[Facets]) -> list[tuple[int, int]]:
    """The pairs (x, y), x < y and in that order, of claims from different items about a
    same place or by a same actor. Two claims with figures never pair: figures are lined up
    by what they count, not by wording. Every pair of an event is looked at, so the test is
    written out on what each claim has, not called per pair (#9)."""
    read = [(f.claim.item_id, bool(f.claim.figures), f.places, f.claim.actor) for f in facets]
    pairs = []
    for x, (item, figures, places, actor) in enumerate(read):
        for y in range(x + 1, len(read)):
            other_item, other_figures, other_places, other_actor = read[y]
            if (
                item != other_item
                and not (figures and other_figures)
                and (places & other_places or (actor and actor == other_actor))
            ):
                pairs.append((x, y))
    return pairs


def _assertion_point(
    event_id: str, members: Sequence[Facets], edges: Sequence[_Edge], facets: Sequence[Facets]
) -> Point:
    contradicts = any(e.contradicts for e in edges)
    status = "contradict" if contradicts else "single" if is_single(members) else "agree"
    kinds = sorted({e.kind for e in edges})
    rebuttals = [(facets[e.a], facets[e.b]) for e in edges if e.kind == "rebuttal"]
    claims = unique_claims(members)
    return Point(
        id=point_id("assertion", claims),
        event_id=event_id,
        label=assertion_label(members, kinds, rebuttals),
        claim_ids=tuple(claims),
        status=status,
    )
