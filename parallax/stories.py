"""Linking events into stories: threads of related events over a longer horizon.

Pure. An event's profile is the entities and headline words its items share most; two events
within `story_window_days` whose profiles share rare tokens are scored, and events are grouped
by average link at `story_threshold`. Every event belongs to exactly one story, often alone.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from parallax.config import Settings
from parallax.linkage import average_link
from parallax.model import Event, Item, Story
from parallax.signature import GENERIC_WORDS, is_salient, stem

PROFILE_TOKENS = 8
MAX_POSTINGS = 50  # a name in more events than this within the window is not rare
FUZZY_SHARE = 0.3
WORD_WEIGHT = 0.5  # headline words count half as much as shared names
_TITLE_WORD = re.compile(r"\b[a-z][a-z\-]{3,}\b")


@dataclass(frozen=True, slots=True)
class _Profile:
    day: int
    tokens: frozenset[str]
    text: str


def _item_tokens(item: Item, names: Mapping[str, str]) -> set[str]:
    """Salient entities, and headline words that are not part of a name."""
    entities = [e for e in item.entities if is_salient(e.key, e.text, names)]
    in_names = {w for e in entities for w in e.text.lower().split()}
    words = _TITLE_WORD.findall(item.title.lower())
    tokens = {f"e:{e.key}" for e in entities}
    return tokens | {f"w:{stem(w)}" for w in words if w not in GENERIC_WORDS | in_names}


def _event_counts(
    event: Event, items: Mapping[str, Item], names: Mapping[str, str]
) -> Counter[str]:
    """Each token once per item that has it."""
    counts: Counter[str] = Counter()
    for item_id in event.item_ids:
        counts.update(_item_tokens(items[item_id], names))
    return counts


def _profiles(
    events: Sequence[Event], items: Mapping[str, Item], names: Mapping[str, str]
) -> list[_Profile]:
    counts = [_event_counts(event, items, names) for event in events]
    document = Counter(token for c in counts for token in c)
    total = len(events) + 10
    profiles = []
    for event, count in zip(events, counts, strict=True):
        ranked = sorted(count, key=lambda t: (-count[t] * math.log(total / (document[t] + 1)), t))
        tokens = frozenset(ranked[:PROFILE_TOKENS])
        text = " ".join(sorted(t[2:].replace(" ", "_") for t in tokens))
        profiles.append(_Profile(event.start.toordinal(), tokens, text))
    return profiles


def _candidates(
    profiles: Sequence[_Profile], window: int, min_shared: int
) -> list[tuple[int, int]]:
    days: dict[str, list[int]] = defaultdict(list)
    posted: dict[str, list[int]] = defaultdict(list)
    names = [sorted(t for t in p.tokens if t.startswith("e:")) for p in profiles]
    for index, profile in enumerate(profiles):
        for token in names[index]:
            days[token].append(profile.day)
            posted[token].append(index)
    pairs = []
    for i, profile in enumerate(profiles):
        shared: dict[int, int] = defaultdict(int)
        for token in names[i]:
            low = bisect_left(days[token], profile.day - window)
            high = bisect_right(days[token], profile.day + window)
            if high - low <= MAX_POSTINGS:
                for j in posted[token][low:high]:
                    shared[j] += j > i
        pairs += [(i, j) for j, n in sorted(shared.items()) if n >= min_shared]
    return pairs


def _score(a: _Profile, b: _Profile, weights: Mapping[str, float]) -> float:
    """0-100; events that share no name are never one story, whatever their words."""
    if not any(t.startswith("e:") for t in a.tokens & b.tokens):
        return 0.0
    total = sum(weights[t] for t in a.tokens) + sum(weights[t] for t in b.tokens)
    overlap = 200.0 * sum(weights[t] for t in a.tokens & b.tokens) / total if total else 0.0
    fuzzy = fuzz.token_set_ratio(a.text, b.text, processor=None)
    return (1 - FUZZY_SHARE) * overlap + FUZZY_SHARE * fuzzy


def _story(events: Sequence[Event]) -> Story:
    ordered = sorted(events, key=lambda e: (e.start, e.id))
    largest = min(ordered, key=lambda e: (-len(e.item_ids), e.start, e.id))
    return Story(ordered[0].id, tuple(e.id for e in ordered), largest.title)


def _weights(profiles: Sequence[_Profile]) -> dict[str, float]:
    document = Counter(t for p in profiles for t in p.tokens)
    total = len(profiles) + 10
    return {
        t: math.log(total / (n + 1)) * (1.0 if t.startswith("e:") else WORD_WEIGHT)
        for t, n in document.items()
    }


def link_stories(
    events: Sequence[Event],
    items: Mapping[str, Item],
    names: Mapping[str, str],
    settings: Settings,
) -> tuple[Story, ...]:
    """Stories of the events; a story's id is the id of its earliest event.

    `names` are the readable names of registry keys, as `signature.display_names` gives them.
    """
    ordered = sorted(events, key=lambda e: (e.start, e.id))
    profiles = _profiles(ordered, items, names)
    weights = _weights(profiles)
    pairs = _candidates(profiles, settings.story_window_days, settings.min_shared_terms)
    edges = ((i, j, _score(profiles[i], profiles[j], weights)) for i, j in pairs)
    groups = average_link(len(ordered), edges, settings.story_threshold)
    stories = [_story([ordered[n] for n in group]) for group in groups]
    return tuple(sorted(stories, key=lambda s: s.id))
