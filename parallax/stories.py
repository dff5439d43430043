"""Linking events into stories: threads of related events over a longer horizon.

Pure. An event's profile weighs what its items are about: salient names (more when they stand
in a headline or lead, or recur), the office of a registered person when several people held
it (successive defence ministers), the things its figures count (troops lost, territory taken)
and headline words. Stories exist so that claims months apart can be compared, so offices and
counted things weigh more than names. Tokens that more than a third of the events carry are
the corpus's background ("Russia", "Ukraine") and weigh nothing. Two events within
`story_window_days` that share rare profile tokens are scored by the cosine of their profiles;
events are grouped by average link at `story_threshold`. Every event is in exactly one story.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from parallax.config import Settings
from parallax.linkage import average_link
from parallax.model import Event, Item, Registries, Story
from parallax.signature import GENERIC_WORDS, display_names, is_salient, rarity, stem

PROFILE_TOKENS = 24  # an event is compared on its most telling tokens only
KEY_TOKENS = 12  # of which these find candidates in the inverted index
MAX_POSTINGS = 50  # a key token of more events than this within the window is not rare
HEAD_BONUS = 1.0  # a name in a headline or lead counts as much as three more mentions
LEAD_SENTENCES = 2
# What a kind of token is worth before rarity: an office or a counted thing says that two
# events hold comparable claims; a name says they are about the same people or places.
KIND_WEIGHTS = {"e": 1.0, "o": 2.0, "c": 2.0, "w": 0.5}
# Figures whose counted thing says nothing about a thread: bare counts, sums, distances.
VAGUE_COUNTS = frozenset({"count", "people", "amount", "distance", "share"})
# Kinds of loss that one side reports as killed and the other as losses or casualties.
ABOUT_FAMILIES = {"killed": "losses", "casualties": "losses"}
_TITLE_WORD = re.compile(r"\b[a-z][a-z\-]{3,}\b")
_PARENTHESIS = re.compile(r"\([^)]*\)")


@dataclass(frozen=True, slots=True)
class Profile:
    """What an event is about, as story linking compares it."""

    day: int
    weights: Mapping[str, float]  # token -> tf times rarity, the strongest PROFILE_TOKENS
    norm: float
    keys: tuple[str, ...]  # the strongest KEY_TOKENS, for candidates


# A candidate pair of events and its score: the places of the two events in the order of
# `StoryScores.profiles` (earlier first), and the cosine of their profiles.
PAIR = np.dtype([("first", "<i4"), ("second", "<i4"), ("score", "<f8")])


@dataclass(frozen=True, slots=True)
class StoryScores:
    """What story linking scored, for the next build to keep (#9): each event's profile and
    the score of each candidate pair. A pair's score depends on its two profiles alone, so
    where both are as they were, the last build's score is this one's."""

    profiles: Mapping[str, Profile]  # by event id, in the order of the events' places
    # Every candidate pair, as an array of PAIR in the order `_candidates` finds them, in
    # bytes: read back at once, where a dict by the events' ids was 119,000 keys to unpickle
    # at 10k articles, and 119,000 look-ups to keep the scores that hold (#9).
    pairs: bytes = b""
    # The stories average link made of them, as event ids, and at what threshold: a build
    # whose events, pairs and scores are all the last one's keeps them (`_same_groups`).
    groups: tuple[tuple[str, ...], ...] = ()
    threshold: float | None = None


def office_of(affiliation: str) -> str:
    """An affiliation as an office: "Russian Defence Minister (until May 2024)" is
    "russian defense minister"."""
    text = _PARENTHESIS.sub(" ", affiliation).lower().replace("defence", "defense")
    return " ".join(text.replace(",", " ").split())


def shared_offices(registries: Registries) -> dict[str, str]:
    """Actor key -> office, for offices that several registered people held."""
    offices = {a.key: office_of(a.affiliation) for a in registries.actors if a.affiliation}
    holders = Counter(offices.values())
    return {key: office for key, office in offices.items() if holders[office] > 1}


def _name_counts(
    item: Item, names: Mapping[str, str], offices: Mapping[str, str]
) -> defaultdict[str, float]:
    head = item.title + "\n" + " ".join(s.text for s in item.sentences[:LEAD_SENTENCES])
    text = item.title + "\n" + item.text
    counts: defaultdict[str, float] = defaultdict(float)
    for entity in item.entities:
        if not is_salient(entity.key, entity.text, names):
            continue
        # A person is named in full once, then by surname: "Mr. Shoigu told reporters".
        written = entity.text.split()[-1] if entity.kind == "actor" else entity.text
        tf = math.log(1 + max(1, text.count(written))) + HEAD_BONUS * (entity.text in head)
        counts[f"e:{entity.key}"] += tf
        if entity.key in offices:
            counts[f"o:{offices[entity.key]}"] += tf
    return counts


def item_counts(
    item: Item, names: Mapping[str, str], offices: Mapping[str, str]
) -> dict[str, float]:
    """What one item is about, with how much it says about each thing: its share of its
    event's profile. `names` and `offices` are `display_names`' and `shared_offices`' of the
    registries. It depends on the item alone, so the per-article pass makes it (#9)."""
    counts = _name_counts(item, names, offices)
    for figure in item.figures:
        if figure.about not in VAGUE_COUNTS:
            about = ABOUT_FAMILIES.get(figure.about, figure.about)
            counts[f"c:{figure.unit} {about}"] += 1.0
    in_names = {w for e in item.entities for w in e.text.lower().split()}
    for word in _TITLE_WORD.findall(item.title.lower()):
        if word not in GENERIC_WORDS and word not in in_names:
            counts[f"w:{stem(word)}"] += 1.0
    return dict(counts)


def _profiles(
    events: Sequence[Event],
    items: Mapping[str, Item],
    registries: Registries,
    made: Mapping[str, Mapping[str, float]],
) -> list[Profile]:
    names, offices = display_names(registries), shared_offices(registries)
    counts = []
    for event in events:
        total: defaultdict[str, float] = defaultdict(float)
        for item_id in event.item_ids:
            found = made.get(item_id)
            if found is None:
                found = item_counts(items[item_id], names, offices)
            for token, tf in found.items():
                total[token] += tf
        counts.append(total)
    document = Counter(token for c in counts for token in c)
    rarities = {n: rarity(n, len(events)) for n in set(document.values())}
    # One string for each token, in every profile: the items' counts each have their own,
    # and the stage memo pickles a string once, however many profiles hold it (#9).
    same = {token: token for token in document}
    profiles = []
    for event, count in zip(events, counts, strict=True):
        # Best first, then by token: each score negated, exactly.
        ranked = sorted(
            (-tf * KIND_WEIGHTS[t[0]] * rarities[document[t]], t) for t, tf in count.items()
        )
        kept = {same[t]: -score for score, t in ranked[:PROFILE_TOKENS] if score < 0}
        norm = math.sqrt(sum(v * v for v in kept.values()))
        keys = tuple(kept)[:KEY_TOKENS]
        profiles.append(Profile(event.start.toordinal(), kept, norm, keys))
    return profiles


def _candidates(profiles: Sequence[Profile], window: int) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, within the window that share a rare key token, by i then j."""
    first, second = _candidate_places(profiles, (), window, None)
    return list(zip(first.tolist(), second.tolist(), strict=True))


def _candidate_places(
    profiles: Sequence[Profile], ids: Sequence[str], window: int, last: StoryScores | None
) -> tuple[np.ndarray, np.ndarray]:
    """`_candidates` as an array of each i and one of each j. `ids` are the events' ids, and
    `last` what the last build scored: its pairs hold where nothing they depend on moved.

    Whether i and j pair depends on their key tokens and days, and on how many events hold
    each of i's key tokens within the window around i. An event that is new or gone, or
    whose keys or day moved, changes that only for the events holding one of its key tokens
    (as it was, and as it is) within the window around it: only the pairs of those events,
    and its own, are worked out again. With one article added at 10k, one to five events'
    keys or days moved: this took 0.011-0.020 s, where finding every pair took 0.035 s (#9).
    """
    days: dict[str, list[int]] = defaultdict(list)
    posted: dict[str, list[int]] = defaultdict(list)
    for index, profile in enumerate(profiles):  # profiles are sorted by day
        for token in profile.keys:
            days[token].append(profile.day)
            posted[token].append(index)

    def near(day: int, token: str) -> tuple[int, int]:
        """Where the events holding `token` within the window around `day` are posted."""
        on = days.get(token, ())
        return bisect_left(on, day - window), bisect_right(on, day + window)

    def row(i: int) -> list[int]:
        """The j of each pair (i, j), in order."""
        profile = profiles[i]
        shared: set[int] = set()
        for token in profile.keys:
            low, high = near(profile.day, token)
            if high - low <= MAX_POSTINGS:
                # A token's holders are in index order: only those after i, found by
                # bisection, rather than every holder in the window counted (#9).
                holders = posted[token]
                shared.update(holders[bisect_right(holders, i, low, high) : high])
        return sorted(shared)

    if last is None or not last.pairs:
        return pair_rows(range(len(profiles)), row)
    at = {event_id: n for n, event_id in enumerate(ids)}
    place = np.full(len(last.profiles), -1, dtype=np.int64)  # -1: moved or gone
    moved = []  # (day, keys) of each event that moved, as it was and as it is
    for n, (event_id, was) in enumerate(last.profiles.items()):
        m = at.get(event_id)
        if m is not None and profiles[m].day == was.day and profiles[m].keys == was.keys:
            place[n] = m
        else:
            moved.append((was.day, was.keys))
    redone = np.ones(len(profiles), dtype=bool)
    redone[place[place >= 0]] = False
    for m in np.flatnonzero(redone).tolist():
        moved.append((profiles[m].day, profiles[m].keys))
    # A holder of a token that more than MAX_POSTINGS events hold around it, however the
    # moved events counted then, pairs through it neither then nor now: it is not redone for
    # that token. At 10k articles with one article added, one event's keys moved, and 1,490
    # of the 2,790 events held one of them around it.
    # Each holder is looked at once for each token, however many moved events hold it:
    # a day's news moves hundreds of events on one day, and holders around it.
    moving = Counter(token for _, keys in moved for token in keys)
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for day, keys in moved:
        for token in keys:
            if token in posted:
                spans[token].append(near(day, token))
    for token, found in spans.items():
        on, holders, done = days[token], posted[token], 0
        for low, high in sorted(found):
            for n in range(max(low, done), high):
                around = bisect_right(on, on[n] + window) - bisect_left(on, on[n] - window)
                if around - moving[token] <= MAX_POSTINGS:
                    redone[holders[n]] = True
            done = max(done, high)
    return pairs_redone(place, last.pairs, redone, row)


def pair_rows(
    todo: Iterable[int], row: Callable[[int], list[int]]
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (i, j) of each i of `todo`, in order, `row(i)` giving the j of i's pairs in
    order: as an array of each i and one of each j."""
    firsts: list[int] = []
    seconds: list[int] = []
    for i in todo:
        found = row(i)
        firsts += [i] * len(found)
        seconds += found
    return np.array(firsts, dtype=np.int64), np.array(seconds, dtype=np.int64)


def pairs_redone(
    place: np.ndarray, last: bytes, redone: np.ndarray, row: Callable[[int], list[int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs as `pair_rows` gives them: the last build's (`last`, PAIR in bytes,
    by its places), at this build's places (`place` of each of the last build's; -1: not
    kept), but the rows of the places `redone`, worked out again (`row`)."""
    old = np.frombuffer(last, dtype=PAIR)
    first, second = place[old["first"]], place[old["second"]]
    kept = (first >= 0) & (second >= 0)
    kept[kept] = ~redone[first[kept]]
    fresh = pair_rows(np.flatnonzero(redone).tolist(), row)
    first = np.concatenate((first[kept], fresh[0]))
    second = np.concatenate((second[kept], fresh[1]))
    # Sorted by i, then j: as one key, in a stable sort of what is mostly in order already,
    # which took 0.5 ms for 119,000 pairs where `np.lexsort` took 13 ms.
    order = np.argsort(first * len(redone) + second, kind="stable")
    return first[order], second[order]


def story_score(a: Profile, b: Profile) -> float:
    """0-100: the cosine of two events' weighted profiles.

    The products are summed one by one in the order of `a.weights` (not by `sum`, which
    sums floats another way from Python 3.12), as `parallax._cosine` sums them."""
    if not a.norm or not b.norm:
        return 0.0
    dot, other = 0.0, b.weights
    for token, weight in a.weights.items():
        if token in other:
            dot += weight * other[token]
    return 100.0 * dot / (a.norm * b.norm)


def _compiled() -> Callable[..., None] | None:
    """`parallax._cosine.cosines`, compiled with the package where a C compiler was found
    (setup.py), else None."""
    try:
        from parallax._cosine import cosines
    except ImportError:
        return None
    return cosines


COMPILED = _compiled()


def story_scores(
    profiles: Sequence[Profile], firsts: np.ndarray, seconds: np.ndarray
) -> np.ndarray:
    """`story_score` of each pair (profiles[firsts[k]], profiles[seconds[k]]), as float64.

    Compiled (`parallax._cosine`) where the package was installed with a C compiler: the
    1.1 million pairs of a 100k digest took 3.5 s in a loop over `sum`, 1.7 s in the loop of
    `story_score`, and 0.27 s here, with the same scores, bit for bit (#9). Only the profiles
    of the pairs are numbered and sent, so a build that scores few pairs reads few."""
    if COMPILED is None or not len(firsts):
        return np.array(
            [
                story_score(profiles[a], profiles[b])
                for a, b in zip(firsts.tolist(), seconds.tolist(), strict=True)
            ],
            dtype=np.float64,
        )
    used = np.zeros(len(profiles), dtype=bool)
    used[firsts] = used[seconds] = True
    place = np.cumsum(used, dtype=np.int64) - 1  # a used profile's number among them
    chosen = [profiles[n] for n in np.flatnonzero(used).tolist()]
    numbers: dict[str, int] = {}
    tokens = np.fromiter(
        (numbers.setdefault(t, len(numbers)) for p in chosen for t in p.weights), dtype=np.int64
    )
    weights = np.fromiter((w for p in chosen for w in p.weights.values()), dtype=np.float64)
    offsets = np.zeros(len(chosen) + 1, dtype=np.int64)
    np.cumsum([len(p.weights) for p in chosen], out=offsets[1:])
    norms = np.array([p.norm for p in chosen], dtype=np.float64)
    out = np.empty(len(firsts), dtype=np.float64)
    COMPILED(offsets, tokens, weights, norms, place[firsts], place[seconds], out)
    return out


def _story(events: Sequence[Event]) -> Story:
    ordered = sorted(events, key=lambda e: (e.start, e.id))
    largest = min(ordered, key=lambda e: (-len(e.item_ids), e.start, e.id))
    return Story(ordered[0].id, tuple(e.id for e in ordered), largest.title)


def link_stories(
    events: Sequence[Event],
    items: Mapping[str, Item],
    registries: Registries,
    settings: Settings,
    counts: Mapping[str, Mapping[str, float]] | None = None,
    last: StoryScores | None = None,
) -> tuple[tuple[Story, ...], StoryScores]:
    """Stories of the events, and what was scored to link them; a story's id is the id of its
    earliest event. `counts` are `item_counts` by item id, where the per-article pass made
    them already; `last` is what the last build scored, to keep what still holds (#9)."""
    ordered = sorted(events, key=lambda e: (e.start, e.id))
    profiles = _profiles(ordered, items, registries, counts or {})
    ids = [event.id for event in ordered]
    first, second = _candidate_places(profiles, ids, settings.story_window_days, last)
    pairs = np.zeros(len(first), dtype=PAIR)
    pairs["first"], pairs["second"] = first, second
    kept = _keep_scores(last, ids, profiles, pairs)
    todo = np.flatnonzero(~kept)
    pairs["score"][todo] = story_scores(profiles, pairs["first"][todo], pairs["second"][todo])
    firsts, seconds = pairs["first"].tolist(), pairs["second"].tolist()
    packed = pairs.tobytes()
    threshold = settings.story_threshold
    groups = _same_groups(last, ids, packed, threshold)
    if groups is None:
        edges = list(zip(firsts, seconds, pairs["score"].tolist(), strict=True))
        groups = average_link(len(ordered), edges, threshold)
    stories = [_story([ordered[n] for n in group]) for group in groups]
    named = tuple(tuple(ids[n] for n in group) for group in groups)
    made = StoryScores(dict(zip(ids, profiles, strict=True)), packed, named, threshold)
    return tuple(sorted(stories, key=lambda s: s.id)), made


def _same_groups(
    last: StoryScores | None, ids: Sequence[str], pairs: bytes, threshold: float
) -> tuple[tuple[int, ...], ...] | None:
    """The last build's groups, by place in `ids`, when average link would read just what
    it read then: the same events in the same order, the same pairs (`pairs`, an array of
    PAIR in bytes) with the same scores, and the same threshold (its result depends on
    nothing else). With nothing changed, or only the templates, story linking at 10k then
    costs a comparison, not 0.25 s (#9)."""
    if last is None or last.threshold != threshold or list(last.profiles) != list(ids):
        return None
    if last.pairs != pairs:
        return None
    at = {event_id: n for n, event_id in enumerate(ids)}
    return tuple(tuple(at[event_id] for event_id in group) for group in last.groups)


def _keep_scores(
    last: StoryScores | None, ids: Sequence[str], profiles: Sequence[Profile], pairs: np.ndarray
) -> np.ndarray:
    """Set the score of each of `pairs` whose two profiles are both as they were to the last
    build's; whether each was set.

    The events of unchanged profiles keep their order (a profile holds the event's day, and
    events are ordered by day and id), so a pair of them is the pair it was, at new places:
    the last build's pairs are moved to this build's places and looked up by position, in
    numpy, rather than one dict look-up a pair (#9)."""
    if last is None or not last.pairs or not len(pairs):
        return np.zeros(len(pairs), dtype=bool)
    at = {event_id: n for n, event_id in enumerate(ids)}
    place = np.array(
        [
            n if (n := at.get(event_id)) is not None and profile == profiles[n] else -1
            for event_id, profile in last.profiles.items()
        ],
        dtype=np.int64,
    )
    return carry_scores(place, last.pairs, pairs, len(ids))


def carry_scores(place: np.ndarray, last: bytes, pairs: np.ndarray, size: int) -> np.ndarray:
    """Set the score of each of `pairs` (an array of PAIR, by this build's `size` places)
    that the last build scored (`last`, PAIR in bytes, by its places) to that score, where
    `place` takes each of the last build's places to this build's (-1: not kept); whether
    each was set. The last build's pairs are moved to this build's places and looked up by
    position, in numpy, rather than one dict look-up a pair (#9)."""
    kept = np.zeros(len(pairs), dtype=bool)
    if not last or not len(pairs):
        return kept
    old = np.frombuffer(last, dtype=PAIR)
    first, second = place[old["first"]], place[old["second"]]
    both = (first >= 0) & (second >= 0)
    keys = first[both] * size + second[both]
    order = np.argsort(keys, kind="stable")
    keys, scores = keys[order], old["score"][both][order]
    if not len(keys):
        return kept
    wanted = pairs["first"].astype(np.int64) * size + pairs["second"]
    at_key = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    found: np.ndarray = keys[at_key] == wanted
    pairs["score"][found] = scores[at_key[found]]
    return found
