"""Grouping items into events, and events into stories, with RapidFuzz.

Pure: no I/O, no clock. The cost grows close to linearly with the corpus: each item is only
compared with items published within `event_window_days` that share at least
`min_shared_terms` rare signature tokens (an inverted index, never an all-pairs matrix). Pairs
are scored on who, where, what, when and which numbers, then grouped by average link, which
does not chain unrelated items together the way single link does. Overrides win last.

A build with the stage memo (`ScoreMemo`) keeps from the last build the scores, candidate
pairs, groups and events that nothing they depend on has changed (#9).
"""

from __future__ import annotations

import dataclasses
import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from rapidfuzz import fuzz

from parallax.analyse import analyse_item, build_lexicon
from parallax.config import Settings
from parallax.event_ids import event_id, item_order_key
from parallax.linkage import average_link
from parallax.model import Event, Evidence, Item, Registries, Story
from parallax.overrides import exclude_items, merge_groups, retitle, split_groups
from parallax.problems import Problem
from parallax.signature import (
    Signature,
    blocking_tokens,
    display_names,
    informative_text,
    item_signature,
    token_counts,
    weights_of,
)
from parallax.stories import (
    PAIR,
    StoryScores,
    carry_scores,
    link_stories,
    pair_rows,
    pairs_redone,
)

MAX_POSTINGS = 50  # a token posted by more items than this within a window is not rare
SCORE_FLOOR = 20.0  # pairs scoring below this are left out of the grouping (count as 0)
FUZZY_SHARE = 0.3  # the share of rapidfuzz's token_set_ratio in a pair's score
# token_set_ratio of two unrelated signatures is 35-50 (shared letters, not shared facts): only
# what a pair scores above this chance level counts, rescaled to 0-100.
FUZZY_CHANCE = 30.0
DATE_MISMATCH_PENALTY = 30.0  # both items say when, and the days differ by more than one
DAY_GAP_PENALTY = 3.0  # per day of publication gap beyond the first
MAX_EVIDENCE = 12
MAX_SHARED = 8


@dataclasses.dataclass(frozen=True, slots=True)
class _Scores:
    """What the grouping computed, kept to explain and title the events."""

    items: Mapping[str, Item]
    order: Mapping[str, int]  # item id -> its place in content order (see item_order_key)
    signatures: Mapping[str, Signature]
    weights: Mapping[str, float]
    # The scored pairs: (lower place, higher place) in content order -> score.
    pairs: Mapping[tuple[int, int], float]
    # item id -> its `content_digest`, where the per-article pass made it: an event's id
    # reads its earliest item's, which that item would otherwise work out from its sentences
    digests: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def score(self, a: str, b: str) -> float | None:
        """The score of the items `a` and `b`, when they were scored."""
        one, other = self.order[a], self.order[b]
        return self.pairs.get((one, other) if one < other else (other, one))


# A connected part of the graph of scored pairs, as `PairScores` keeps it: how many pairs
# it had, and its groups.
Part = tuple[int, tuple[tuple[str, ...], ...]]


@dataclasses.dataclass(frozen=True, slots=True)
class PairScores:
    """What a build scored, for the next build to keep (#9).

    A pair's score depends on its two items and on the weights of their tokens alone. Where
    neither item's article changed (its build-cache key is the same) and none of their
    tokens' weights moved, the last build's score is this one's. Rarity counts in coarse
    steps (`signature.rarity`), so one more article moves few weights.
    """

    # Each item scored -> its article's build-cache key, in content order: the places that
    # `pairs` name.
    keys: Mapping[str, str | None]
    weights: Mapping[str, float]
    counts: Mapping[str, int]  # how many items carry each token (`signature.token_counts`)
    # Every candidate pair, as an array of `stories.PAIR` (the places of its items, earlier
    # first, and its score) in the order `candidate_pairs` finds them, in bytes: read back
    # at once, where a dict by the items' ids was 42,000 keys to unpickle, look up and
    # pickle again at 10k articles (#9).
    pairs: bytes
    # Each connected part, by its items in content order. Average link never joins two
    # parts, and groups a part the same way whatever else the graph holds.
    parts: Mapping[tuple[str, ...], Part]
    events: Mapping[tuple[str, ...], Event]  # each group's event, before ids are made unique
    stories: StoryScores


@dataclasses.dataclass(slots=True)
class ScoreMemo:
    """`cluster_items`'s memo: the last build's scores in, this build's out.

    An item's key must change with everything its scores and pairs depend on besides the
    weights: its article, the registries and the settings, as the build cache's keys do.
    """

    keys: Mapping[str, str]  # item id -> its article's build-cache key, in this build
    last: PairScores | None = None
    made: PairScores | None = None  # set by cluster_items
    kept: int = 0  # candidate pairs of items whose score was the last build's


class LastPairs(NamedTuple):
    """The last build's candidate pairs, when this build's items are the last build's (as
    they were) and `added` (`candidate_pairs`)."""

    ids: Sequence[str]  # the last build's items, at the places its pairs name
    pairs: bytes  # of `stories.PAIR`, (earlier, later); their scores are not read
    added: Collection[str]


def candidate_pairs(
    signatures: Sequence[Signature],
    window_days: int,
    min_shared: int,
    last: LastPairs | None = None,
) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, published within the window and sharing enough rare tokens,
    by i then j: `candidate_places` as a list."""
    first, second = candidate_places(signatures, window_days, min_shared, last)
    return list(zip(first.tolist(), second.tolist(), strict=True))


def candidate_places(
    signatures: Sequence[Signature],
    window_days: int,
    min_shared: int,
    last: LastPairs | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j), i < j, published within the window and sharing enough rare tokens,
    as an array of each i and one of each j, by i then j.

    `signatures` must be sorted by day. A token is rare for an item when fewer than
    MAX_POSTINGS items within the window around it carry the token.

    Whether i and j pair depends on their tokens and on how many items carry each token
    within the window around i. Items added to those of the last build (`last`) change that
    only for the items that carry one of their tokens within the window around them, so
    only the pairs of those items and of the added ones are worked out again (#9).
    """
    blocking = [blocking_tokens(s) for s in signatures]
    days: dict[str, list[int]] = defaultdict(list)
    posted: dict[str, list[int]] = defaultdict(list)
    for index, (signature, tokens) in enumerate(zip(signatures, blocking, strict=True)):
        for token in tokens:
            days[token].append(signature.day)
            posted[token].append(index)

    def window(i: int, token: str) -> tuple[int, int]:
        """Where the items carrying `token` within the window around item i are posted."""
        token_days, day = days[token], signatures[i].day
        low = bisect_left(token_days, day - window_days)
        return low, bisect_right(token_days, day + window_days)

    def row(i: int) -> list[int]:
        """The j of each pair (i, j), in order."""
        shared: dict[int, int] = defaultdict(int)
        for token in blocking[i]:
            low, high = window(i, token)
            if high - low > MAX_POSTINGS:
                continue
            for j in posted[token][low:high]:
                if j > i:
                    shared[j] += 1
        return [j for j, count in sorted(shared.items()) if count >= min_shared]

    if last is None:
        return pair_rows(range(len(signatures)), row)
    redo: set[int] = set()
    for i, signature in enumerate(signatures):
        if signature.item_id in last.added:
            for token in blocking[i]:
                low, high = window(i, token)
                redo.update(posted[token][low:high])  # the added item itself among them
    # The last build's pairs at this build's places, but those of the items redone, in
    # numpy: a loop over them took 0.025 s at 10k articles (#9).
    position = {s.item_id: n for n, s in enumerate(signatures)}
    place = np.array([position[i] for i in last.ids], dtype=np.int64)
    redone = np.zeros(len(signatures), dtype=bool)
    redone[list(redo)] = True
    return pairs_redone(place, last.pairs, redone, row)


def _weight(signature: Signature, weights: Mapping[str, float]) -> float:
    """The summed weight of a signature's tokens.

    Sums over a set are summed exactly (`math.fsum`): a set's order depends on the hash seed
    and on how it was built (an unpickled signature from the build cache may iterate in
    another order), and a plain sum's last bits follow that order, which decided between
    two near-equal pairs and made a cached build differ from a clean one.
    """
    return math.fsum(weights[t] for t in signature.tokens)


def _overlap(a: Signature, b: Signature, weights: Mapping[str, float], total: float) -> float:
    """Weighted Dice coefficient of two signatures' tokens, 0-100; `total` is both weights."""
    shared = math.fsum(weights[t] for t in a.tokens if t in b.tokens)
    return 200.0 * shared / total if total else 0.0


def _when_penalty(a: Signature, b: Signature) -> float:
    penalty = DAY_GAP_PENALTY * max(0, abs(a.day - b.day) - 1)
    if a.near_dates and b.near_dates:
        closest = min(abs(x - y) for x in a.near_dates for y in b.near_dates)
        penalty += DATE_MISMATCH_PENALTY if closest > 1 else 0.0
    return penalty


def _above_chance(fuzzy: float) -> float:
    return max(0.0, fuzzy - FUZZY_CHANCE) * 100.0 / (100.0 - FUZZY_CHANCE)


def score_pair(
    a: Signature, b: Signature, weights: Mapping[str, float], total: float | None = None
) -> float:
    """How likely two items report one event, 0-100: shared who/where/what/numbers/when.

    `total` is the summed weight of both signatures' tokens, when the caller has it.
    """
    if total is None:
        total = _weight(a, weights) + _weight(b, weights)
    fuzzy = _above_chance(fuzz.token_set_ratio(a.text, b.text, processor=None))
    blended = (1 - FUZZY_SHARE) * _overlap(a, b, weights, total) + FUZZY_SHARE * fuzzy
    return max(0.0, blended - _when_penalty(a, b))


def _prepare(
    items: Sequence[Item], registries: Registries, digests: Mapping[str, str] | None = None
) -> tuple[Item, ...]:
    """Items sorted by content, analysed if a caller passed them raw. `digests` are items'
    `content_digest` by id, where the per-article pass made them already."""
    raw = [item for item in items if item.text and not item.sentences]
    if raw:
        lexicon = build_lexicon(registries)
        analysed = {item.id: analyse_item(item, lexicon) for item in raw}
        items = [analysed.get(item.id, item) for item in items]
    digests = digests or {}
    keys = [item_order_key(item, digests.get(item.id)) for item in items]
    return tuple(items[n] for n in sorted(range(len(items)), key=keys.__getitem__))


def _signatures(
    items: tuple[Item, ...], registries: Registries, made: Mapping[str, Signature] | None
) -> list[Signature]:
    names = display_names(registries)
    made = made or {}
    return [
        item_signature(item, names) if (found := made.get(item.id)) is None else found
        for item in items
    ]


def _score_items(
    items: tuple[Item, ...],
    registries: Registries,
    settings: Settings,
    made: Mapping[str, Signature] | None,
    memo: ScoreMemo | None,
    digests: Mapping[str, str] | None = None,
) -> tuple[_Scores, np.ndarray, set[str], dict[str, int]]:
    """The scores, every candidate pair with its score (an array of `stories.PAIR`, by
    place, for `PairScores`), the items whose every score was the last build's, and how
    many items carry each token."""
    signatures = _signatures(items, registries, made)
    last = None if memo is None else _last_pairs(memo, signatures)
    counts = _token_counts(signatures, memo, last)
    weights = weights_of(counts, len(signatures))
    window, min_shared = settings.event_window_days, settings.min_shared_terms
    first, second = candidate_places(signatures, window, min_shared, last)
    every = np.zeros(len(first), dtype=PAIR)
    every["first"], every["second"] = first, second
    ids = [s.item_id for s in signatures]
    same = set() if memo is None else _settled(memo, signatures, weights)
    kept = np.zeros(len(first), dtype=bool) if memo is None else _kept(memo, same, ids, every)
    # What scoring reads of an item (its text without background tokens, and its tokens'
    # summed weight), made for the items of pairs scored here only: with the cache, those
    # are a few hundred of 10,000 (#9).
    scorable: dict[int, tuple[Signature, float]] = {}

    def scorable_item(i: int) -> tuple[Signature, float]:
        found = scorable.get(i)
        if found is None:
            found = scorable[i] = (
                dataclasses.replace(signatures[i], text=informative_text(signatures[i], weights)),
                _weight(signatures[i], weights),
            )
        return found

    todo = np.flatnonzero(~kept)
    for k, i, j in zip(todo.tolist(), first[todo].tolist(), second[todo].tolist(), strict=True):
        (one, total_one), (other, total_other) = scorable_item(i), scorable_item(j)
        every["score"][k] = score_pair(one, other, weights, total_one + total_other)
        same.difference_update((ids[i], ids[j]))
    if memo is not None:
        memo.kept = len(first) - len(todo)
    scored = np.flatnonzero(every["score"] >= SCORE_FLOOR)
    pairs = zip(first[scored].tolist(), second[scored].tolist(), strict=True)
    scores = _Scores(
        items={item.id: item for item in items},
        order={item.id: n for n, item in enumerate(items)},
        signatures={s.item_id: s for s in signatures},
        weights=weights,
        pairs=dict(zip(pairs, every["score"][scored].tolist(), strict=True)),
        digests=digests or {},
    )
    return scores, every, same, counts


def _token_counts(
    signatures: Sequence[Signature], memo: ScoreMemo | None, last: LastPairs | None
) -> dict[str, int]:
    """How many items carry each token: the last build's counts and the added items' tokens,
    when the items are the last build's and added ones (`last`), as counting all 10,000
    signatures' tokens again took 0.02 s at 10k articles (#9)."""
    if memo is None or memo.last is None or last is None:
        return token_counts(signatures)
    counts = dict(memo.last.counts)
    for signature in signatures:
        if signature.item_id in last.added:
            for token in signature.tokens:
                counts[token] = counts.get(token, 0) + 1
    return counts


def _last_pairs(memo: ScoreMemo, signatures: Sequence[Signature]) -> LastPairs | None:
    """The last build's candidate pairs, when this build's items are the last build's, as
    they were, and others added; else None."""
    last = memo.last
    if last is None:
        return None
    keys = {s.item_id: memo.keys.get(s.item_id) for s in signatures}
    if None in keys.values() or any(
        key is None or keys.get(i) != key for i, key in last.keys.items()
    ):
        return None  # an item without a key, now or then, or one changed or gone
    return LastPairs(list(last.keys), last.pairs, keys.keys() - last.keys.keys())


def _settled(
    memo: ScoreMemo, signatures: Sequence[Signature], weights: Mapping[str, float]
) -> set[str]:
    """The items whose scores cannot have changed."""
    last = memo.last
    if last is None:
        return set()
    moved = {t for t, w in weights.items() if last.weights.get(t) != w}
    return {
        s.item_id
        for s in signatures
        if (key := memo.keys.get(s.item_id)) is not None
        and last.keys.get(s.item_id) == key
        and moved.isdisjoint(s.tokens)
    }


def _kept(memo: ScoreMemo, same: set[str], ids: Sequence[str], pairs: np.ndarray) -> np.ndarray:
    """Set the score of each of `pairs` (`stories.PAIR`, by place in `ids`) whose two
    items are both `same` to the last build's; whether each was set.

    The last build's pairs of such items are moved to this build's places and looked up by
    position, in numpy (`stories.carry_scores`, as for events, #9)."""
    last = memo.last
    if last is None or not last.pairs or not len(pairs):
        return np.zeros(len(pairs), dtype=bool)
    at = {item_id: n for n, item_id in enumerate(ids) if item_id in same}
    place = np.array([at.get(item_id, -1) for item_id in last.keys], dtype=np.int64)
    return carry_scores(place, last.pairs, pairs, len(ids))


def _group_items(
    items: tuple[Item, ...],
    scores: _Scores,
    threshold: float,
    last: Mapping[tuple[str, ...], Part],
    settled: set[str],
) -> tuple[list[tuple[str, ...]], dict[tuple[str, ...], Part], set[tuple[str, ...]]]:
    """The groups of average link, each part of the graph of scored pairs in turn; a part
    whose items' scores are all the last build's, with the same items and as many pairs,
    keeps its groups (#9). Also every part with its pairs and groups, and the kept groups."""
    item_ids = [item.id for item in items]  # a property, which makes the id each time
    index = {item_id: n for n, item_id in enumerate(item_ids)}
    edges = _edges(item_ids, scores)
    part_of = _parts(len(items), edges)
    members: dict[int, list[int]] = defaultdict(list)
    for n, root in enumerate(part_of):
        members[root].append(n)
    counts = Counter(part_of[a] for a, _, _ in edges)
    parts: dict[tuple[str, ...], Part] = {}
    kept: set[tuple[str, ...]] = set()
    redo: set[int] = set()  # the roots of the parts grouped again
    for root, nodes in members.items():
        ids = tuple(item_ids[n] for n in nodes)
        if len(ids) == 1:
            continue
        part = last.get(ids)
        if part is not None and part[0] == counts[root] and settled.issuperset(ids):
            parts[ids] = part
            kept.update(part[1])
        else:
            redo.add(root)
    regrouped = [n for n, root in enumerate(part_of) if root in redo]  # in content order
    local = {n: m for m, n in enumerate(regrouped)}
    found = average_link(
        len(regrouped),
        ((local[a], local[b], score) for a, b, score in edges if part_of[a] in redo),
        threshold,
    )
    grouped: dict[int, list[tuple[str, ...]]] = defaultdict(list)
    for group in found:
        ids = tuple(item_ids[regrouped[m]] for m in group)
        grouped[part_of[regrouped[group[0]]]].append(ids)
    for root in redo:
        parts[tuple(item_ids[n] for n in members[root])] = (counts[root], tuple(grouped[root]))
    groups = [g for _, found_groups in parts.values() for g in found_groups]
    groups += [(item_ids[ns[0]],) for ns in members.values() if len(ns) == 1]
    return sorted(groups, key=lambda g: index[g[0]]), parts, kept


def _edges(ids: Sequence[str], scores: _Scores) -> list[tuple[int, int, float]]:
    """The scored pairs as (place, place, score), each pair's item with the lower id (of
    `ids`, by place) first, sorted: the order in which average link has always read them."""
    found = [
        (a, b, score) if ids[a] < ids[b] else (b, a, score)
        for (a, b), score in scores.pairs.items()
    ]
    return sorted(found)


def _parts(size: int, edges: Sequence[tuple[int, int, float]]) -> list[int]:
    """Each node's part of the graph: the lowest node it is connected to (union-find)."""
    parent = list(range(size))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b, _ in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [root(n) for n in range(size)]


def _pair_scores(group: Sequence[str], scores: _Scores) -> list[tuple[float, str, str]]:
    """The scored pairs inside a group, best first."""
    found = []
    for n, a in enumerate(group):
        for b in group[n + 1 :]:
            score = scores.score(a, b)
            if score is not None:
                found.append((score, min(a, b), max(a, b)))
    return sorted(found, key=lambda p: (-p[0], p[1], p[2]))


def _shared_labels(a: Signature, b: Signature, weights: Mapping[str, float]) -> tuple[str, ...]:
    labels = dict(a.labels)
    shared = sorted(a.tokens & b.tokens, key=lambda t: (-weights[t], t))
    return tuple(labels[t] for t in shared[:MAX_SHARED])


def _evidence(pairs: list[tuple[float, str, str]], scores: _Scores) -> tuple[Evidence, ...]:
    return tuple(
        Evidence(
            (a, b),
            round(score, 1),
            _shared_labels(scores.signatures[a], scores.signatures[b], scores.weights),
        )
        for score, a, b in pairs[:MAX_EVIDENCE]
    )


def _central_title(
    group: Sequence[str], pairs: list[tuple[float, str, str]], scores: _Scores
) -> str:
    """The headline of the member most similar to the others (the earliest on a tie)."""
    centrality: dict[str, float] = defaultdict(float)
    for score, a, b in pairs:
        centrality[a] += score
        centrality[b] += score
    ordered = sorted(group, key=scores.order.__getitem__)
    best = max(ordered, key=lambda i: centrality[i])  # max keeps the first of equals
    return scores.items[best].title


def make_event(group: Sequence[str], scores: _Scores) -> Event:
    """An event of these items: a stable id, a central title, dates and evidence."""
    members = [scores.items[i] for i in sorted(group, key=scores.order.__getitem__)]
    pairs = _pair_scores([m.id for m in members], scores)
    return Event(
        id=event_id(members[0], scores.digests.get(members[0].id)),
        item_ids=tuple(m.id for m in members),
        title=_central_title(group, pairs, scores),
        start=min(m.published for m in members),
        end=max(m.published for m in members),
        evidence=_evidence(pairs, scores),
    )


def _unique_ids(events: list[Event]) -> tuple[Event, ...]:
    """Events sorted by start and id, a repeated id (identical earliest items) suffixed."""
    ordered = sorted(events, key=lambda e: (e.start, e.id, e.item_ids))
    seen: dict[str, int] = defaultdict(int)
    unique = []
    for event in ordered:
        seen[event.id] += 1
        if seen[event.id] > 1:
            event = dataclasses.replace(event, id=f"{event.id}-{seen[event.id]}")
        unique.append(event)
    return tuple(sorted(unique, key=lambda e: (e.start, e.id)))


def _events(
    groups: list[tuple[str, ...]], scores: _Scores, known: Mapping[tuple[str, ...], Event]
) -> tuple[tuple[Event, ...], dict[tuple[str, ...], Event]]:
    """The events of the groups, with ids made unique, and each group's event before that;
    `known` are events of groups whose items and pairs are as the last build had them."""
    made = {
        g: found if (found := known.get(g)) is not None else make_event(g, scores) for g in groups
    }
    return _unique_ids(list(made.values())), made


def cluster_items(
    items: Sequence[Item],
    registries: Registries,
    settings: Settings,
    signatures: Mapping[str, Signature] | None = None,
    story_counts: Mapping[str, Mapping[str, float]] | None = None,
    memo: ScoreMemo | None = None,
    digests: Mapping[str, str] | None = None,
) -> tuple[tuple[Event, ...], tuple[Story, ...], tuple[Problem, ...]]:
    """Events and stories of the items, with the problems the overrides met. `signatures`,
    `story_counts` and `digests` are the items' signatures, `stories.item_counts` and
    `event_ids.content_digest` by item id, where the per-article pass made them already;
    the rest depends on all items. `memo` holds the last build's scores, to keep those that
    still hold, and takes this build's (#9).

    Overrides apply in a fixed order: exclude items, then cluster, split, merge, retitle.
    """
    overrides = registries.overrides
    kept, problems = exclude_items(_prepare(items, registries, digests), overrides)
    scores, every, settled, counts = _score_items(
        kept, registries, settings, signatures, memo, digests
    )
    last = None if memo is None else memo.last
    groups, parts, same = _group_items(
        kept, scores, settings.event_threshold, {} if last is None else last.parts, settled
    )
    # A group of a part kept whole has the event it had: its items, pairs and weights are.
    known = {} if last is None else {g: e for g, e in last.events.items() if g in same}
    groups, split_problems = split_groups(groups, overrides)
    events, made = _events(groups, scores, known)
    merge_problems: tuple[Problem, ...] = ()
    if any(o.action == "merge" for o in overrides):  # merges name the events just made
        groups, merge_problems = merge_groups(events, overrides)
        events, made = _events(groups, scores, made)
    events, event_problems = retitle(events, overrides, "event")
    stories, linked = link_stories(
        events,
        scores.items,
        registries,
        settings,
        story_counts,
        None if last is None else last.stories,
    )
    stories, story_problems = retitle(stories, overrides, "story")
    if memo is not None:
        keys = {i: memo.keys.get(i) for i in scores.items}
        pairs = every.tobytes()
        memo.made = PairScores(keys, scores.weights, counts, pairs, parts, made, linked)
    all_problems = problems + split_problems + merge_problems + event_problems + story_problems
    return events, stories, all_problems


def _evidence_json(evidence: Evidence) -> dict[str, Any]:
    shared = list(evidence.shared)
    return {"items": list(evidence.item_ids), "score": evidence.score, "shared": shared}


def event_json(event: Event, items_by_id: Mapping[str, Item]) -> dict[str, Any]:
    """One event's record of `events_to_json`."""
    members = [items_by_id[i] for i in event.item_ids]
    return {
        "id": event.id,
        "title": event.title,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "items": [{"article": m.article_id + ".md", "item": m.anchor} for m in members],
        "sources": sorted({m.source for m in members}),
        "evidence": [_evidence_json(e) for e in event.evidence],
    }


def events_to_json(
    events: Sequence[Event], stories: Sequence[Story], items_by_id: Mapping[str, Item]
) -> dict[str, Any]:
    """The events and stories in the shape DESIGN.md documents, sorted by date and id."""
    return {
        "events": [
            event_json(e, items_by_id) for e in sorted(events, key=lambda e: (e.start, e.id))
        ],
        "stories": stories_json(stories, events),
    }


def stories_json(stories: Sequence[Story], events: Sequence[Event]) -> list[dict[str, Any]]:
    """The stories' records of `events_to_json`, by the date of their first event, then id."""
    start = {event.id: event.start for event in events}
    return [
        {
            "id": story.id,
            "title": story.title,
            "events": sorted(story.event_ids, key=lambda e: (start[e], e)),
        }
        for story in sorted(stories, key=lambda s: (start[s.event_ids[0]], s.id))
    ]
