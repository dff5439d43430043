"""The build cache of the corpus-wide stages: lint and claims (points).

I/O at the edge, like `parallax.cache`: read once after the per-article pass, written once
after the claims stage, beside publishing (`pipeline._build`). Every entry is keyed by the
per-article cache keys of the articles it depends on, and those keys already cover the
files, the registries, every setting and the code, so an entry is never invalidated by hand:
a changed article is a new key (#9).

- near duplicates: each article's comparable text (words and sketch), and the pairs that
  scored as copies among the articles of the last build, with the corpus's common sketch
  values then. Whether two texts are a candidate pair, and their score, depend on those two
  texts and the common values alone, so only pairs involving an article the last build did
  not have are scored again. A value that became common only removes candidates, so the old
  pairs are checked again (`is_candidate`); one that stopped being common (an article
  removed or changed) costs a clean pass. And each article's unknown spellings.
- points: each event's, keyed by its id and its items' articles, and each story's figure
  points, keyed by its id and its events' keys.

- pair scores (cluster): every candidate pair's score, with the weights and article keys
  they were made from, the groups and events of each connected part of the scored pairs,
  and each event's story profile with the scores of its candidate pairs
  (`cluster.PairScores`); each event in an entry of its own, so that the events a build
  keeps are not pickled again. Clustering scores again only the pairs whose items changed or
  carry a token whose weight moved, works out candidate pairs again only around added
  items, and groups again only the parts whose pairs changed; story linking groups all
  events again. What it reads of each item (its signature, story counts and content
  digest) is made from the item alone, in the per-article pass, and kept with its results
  in the articles' pack (`parallax.cache`).

Every article's unknown spellings are kept in one entry ("spellings"), by the article's
key. Lint's entries are its own, so that lint can run in a forked process beside cluster:
that process sends back the entries it read and made (`changes`), and this one adds them
(`take`).

One pack per content folder, `stages-<digest>.pickle` beside the articles pack, holding only
the entries this build used (with a journal, as the articles pack has: `packs.write_pack`);
a damaged pack costs a clean build. Trusted like the code
(pickle), as the articles pack is.
"""

from __future__ import annotations

import copyreg
import dataclasses
import hashlib
import logging
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from parallax import duplicates
from parallax.cache import REDUCERS, BuildCache, code_version, dumps
from parallax.cluster import PairScores, ScoreMemo
from parallax.duplicates import (
    CopyPairs,
    Text,
    article_text,
    common_values,
    copy_pairs_with,
    is_candidate,
)
from parallax.model import Article, Event, Evidence, Item, Point, Story
from parallax.packs import Blob, read_pack, save_pack
from parallax.parallel import quiet_gc
from parallax.points import PointMemo
from parallax.problems import Problem
from parallax.reducers import constructor_reducers
from parallax.stories import Profile, StoryScores

log = logging.getLogger(__name__)

# The entry of the last build's copy pairs, common values and sketch index (`_SketchIndex`);
# named after its shape.
_PAIRS = "pairs+common+index"
_TEXT = "lint-text"  # an article's near-duplicate text (`duplicates.Text`), by its key
# Each article's unknown spellings, by its key, all in one entry: 10,000 entries of their own
# took 0.02 s to read back at 10k articles (#9).
_SPELLINGS = "spellings"
# The texts of a build's sketch index, by number: their article keys; the values of their
# sketches, sorted; the text each value is of; the ordinal of each text's day (-1: none).
# Arrays as bytes (uint64, int32, int32): read back without unpickling a text (#9).
_SketchIndex = tuple[tuple[str, ...], bytes, bytes, bytes]
# What `_PAIRS` holds: the keys of the articles paired that have no text (too short), the
# pairs by the articles' keys, the common values, and the index of the others' texts.
_Paired = tuple[frozenset[str], dict[tuple[str, str], float], frozenset[int], _SketchIndex | None]
# Results are pickled as calls of their classes' constructors: the 10k corpus's pair scores,
# with their events and profiles, took 0.15 s to pickle the generic way (#9).
_DISPATCH = {
    **copyreg.dispatch_table,
    **REDUCERS,
    **constructor_reducers([Event, Evidence, Point, Profile, StoryScores, PairScores, Text]),
}


@dataclass(frozen=True, slots=True)
class _StoredScores:
    """The pair scores as their entry keeps them: without their events, which are kept in
    entries of their own (`StageMemo._put_scores`), named here by group."""

    scores: PairScores  # with no events
    events: dict[tuple[str, ...], str]


@dataclass(frozen=True)
class Changes:
    """What a `StageMemo` read and computed in another process (`StageMemo.changes`)."""

    used: dict[str, bytes | None]  # entry -> its pickled value; None: as read from the pack
    hits: int
    misses: int


class StageMemo:
    """What the corpus-wide stages computed in the last build, for this one to reuse."""

    def __init__(self, cache: BuildCache) -> None:
        self._article_key = cache.article_key
        name = cache.abs_pack.name.replace("articles-", "stages-", 1)
        self.abs_pack = cache.abs_pack.with_name(name)
        self._read = read_pack(self.abs_pack, "build cache")
        self._stored: dict[str, Blob] = self._read.entries
        self._used: dict[str, Blob] = {}
        # Each article's unknown spellings by its key, as stored and as this build found
        # them (None until lint asks): lint's entries are its own, so that it can run in
        # another process beside cluster and send back only those (`changes`, `take`).
        self._spelled_before: dict[str, tuple[Problem, ...]] = {}
        self._spelled: dict[str, tuple[Problem, ...]] | None = None
        self._scores: ScoreMemo | None = None
        self._event_entries: dict[tuple[str, ...], str] = {}  # group -> its event's entry
        self.hits = 0
        self.misses = 0

    def _get(self, key: str) -> Any:
        """The stored value (in a 1-tuple), or None when there is none."""
        blob = self._stored.get(key)
        if blob is None:
            self.misses += 1
            return None
        try:
            value = pickle.loads(blob)
        except Exception:  # a miss is always safe
            self.misses += 1
            return None
        self.hits += 1
        self._used[key] = blob
        return (value,)

    def _put(self, key: str, value: object) -> None:
        self._used[key] = dumps(value, _DISPATCH)

    # --- near duplicates (lint) ---------------------------------------------------------------

    def lint_todo(self, articles: Sequence[Article]) -> int:
        """How many of `articles` lint must work out anew rather than read back: those with
        no near-duplicate text stored, or all of them when an article the last build linted was
        changed or removed. Only then can a sketch value stop being common (`common_values`
        only grows as texts are added), which sends `_find_pairs` through a clean pass."""
        stored = self._stored
        keys = [self._article_key(article.id) for article in articles]
        if not self._last_linted() <= set(keys):
            return len(articles)
        return sum(1 for key in keys if key is None or f"{_TEXT} {key}" not in stored)

    def _last_linted(self) -> frozenset[str]:
        """The keys of the articles the last build paired (`_PAIRS`), read without counting
        a hit: empty when there are none, or they cannot be read."""
        blob = self._stored.get(_PAIRS)
        try:
            return frozenset() if blob is None else _known(pickle.loads(blob))
        except Exception:  # a miss is always safe: lint then reads it as one
            return frozenset()

    def spellings(
        self, article: Article, find: Callable[[], tuple[Problem, ...]]
    ) -> tuple[Problem, ...]:
        """`lint`'s unknown spellings in one article."""
        key = self._article_key(article.id)
        if key is None:
            return find()
        if self._spelled is None:
            stored = self._get(_SPELLINGS)
            self._spelled_before = stored[0] if stored and type(stored[0]) is dict else {}
            self._spelled = {}
        found: tuple[Problem, ...] | None = self._spelled_before.get(key)
        if found is None:
            found = find()
        self._spelled[key] = found
        return found

    def find_pairs(self, articles: tuple[Article, ...]) -> tuple[list[Text], CopyPairs]:
        """The copy pairs of `articles`, as `duplicates.copy_pairs` makes them, and the texts
        of the paired articles, at least (`duplicates.reported_copies` ranks the pairs by
        them)."""
        with quiet_gc():  # many entries are unpickled: see parallel.quiet_gc
            return self._find_pairs(articles)

    def _text(self, article: Article, key: str | None) -> Text | None:
        """An article's near-duplicate text: read back from its entry, or made and kept."""
        if key is None:
            return article_text(article)
        entry = f"{_TEXT} {key}"
        found = self._get(entry)
        if found is not None:
            text: Text | None = found[0]
            return text
        text = article_text(article)
        self._put(entry, text)
        return text

    def _find_pairs(self, articles: tuple[Article, ...]) -> tuple[list[Text], CopyPairs]:
        keys = {a.id: self._article_key(a.id) for a in articles}
        id_of = {key: article_id for article_id, key in keys.items() if key is not None}
        by_id = {a.id: a for a in articles}
        read: dict[str, Text | None] = {}

        def text_of(article_id: str) -> Text | None:
            if article_id not in read:
                read[article_id] = self._text(by_id[article_id], keys[article_id])
            return read[article_id]

        prior = self._get(_PAIRS)
        known = frozenset() if prior is None else _known(prior[0])
        _, pairs, was_common, index = prior[0] if prior else (None, {}, frozenset(), None)
        added = [a.id for a in articles if keys[a.id] not in known]  # a keyless one is new
        if index is not None and known <= set(id_of) and len(added) <= duplicates.FEW_NEW:
            # Every text the last build paired is still there, as it was, and few were
            # added: the added texts are looked up in the last build's sketch index, which
            # names the few old texts sharing a value with one of them. No other text is
            # read back (at 10k articles, reading them all was two thirds of lint, #9).
            self._keep_unread(known)
            new = [t for i in added if (t := text_of(i)) is not None]
            values, holders, days = _arrays(index)
            common = was_common | _newly_common(new, values, holders, days)
            old = [t for key in _sharing(new, common, index) if (t := text_of(id_of[key]))]
        else:
            every = [t for a in articles if (t := text_of(a.id)) is not None]
            common = common_values(every)
            if not was_common <= common:  # a value no longer common may pair old texts
                known, pairs = frozenset(), {}
            new = [t for t in every if keys[t.key] not in known]
            old = [t for t in every if keys[t.key] in known]
            index = None
        found: CopyPairs = {
            (id_of[a], id_of[b]): score
            for (a, b), score in pairs.items()
            if a in id_of and b in id_of
        }
        if common != was_common:
            found = {
                p: s
                for p, s in found.items()
                if is_candidate(_known_text(text_of, p[0]), _known_text(text_of, p[1]), common)
            }
        found |= copy_pairs_with(new, old, common)
        for pair in found:  # the texts that rank the pairs (`duplicates.reported_copies`)
            for article_id in pair:
                text_of(article_id)
        if new or frozenset(id_of) != known or common != was_common:  # else still true
            stored = {
                (key_a, key_b): score
                for (a, b), score in found.items()
                if (key_a := keys[a]) is not None and (key_b := keys[b]) is not None
            }
            self._put_pairs(frozenset(id_of), stored, common, _grown(index, new, old, keys))
        return [t for t in read.values() if t is not None], found

    def _keep_unread(self, keys: frozenset[str]) -> None:
        """Keep the text entries of `keys` for the next build without reading them."""
        for key in keys:
            entry = f"{_TEXT} {key}"
            if entry in self._stored and entry not in self._used:
                self._used[entry] = self._stored[entry]

    def _put_pairs(
        self,
        known: frozenset[str],
        pairs: dict[tuple[str, str], float],
        common: frozenset[int],
        index: _SketchIndex | None,
    ) -> None:
        """Keep the pairs for the next build. A build with a text that has no key (its
        article is not in the build cache) keeps no index (`index` None): the common values
        that text helped make could not be taken back once it is gone, so the next build
        takes the clean pass."""
        textless = known if index is None else known.difference(index[0])
        paired: _Paired = (textless, pairs, common, index)
        self._put(_PAIRS, paired)

    # --- points (claims) ----------------------------------------------------------------------

    def point_memo(
        self, events: Sequence[Event], stories: Sequence[Story], items_by_id: Mapping[str, Item]
    ) -> PointMemo:
        """`points.align_claims`'s memo: an event's or story's points from the last build."""
        event_keys = {e.id: self._event_key(e, items_by_id) for e in events}
        story_keys = {
            s.id: _digest("story", s.id, *(event_keys.get(e) for e in s.event_ids)) for s in stories
        }
        return _PointEntries(self._get, self._put, {"event": event_keys, "story": story_keys})

    def _event_key(self, event: Event, items_by_id: Mapping[str, Item]) -> str | None:
        items = [items_by_id.get(i) for i in event.item_ids]
        parts = [None if i is None else self._article_key(i.article_id) for i in items]
        return _digest("event", event.id, *event.item_ids, *parts)

    # --- pair scores (cluster) ----------------------------------------------------------------

    def score_memo(self, items: Sequence[Item]) -> ScoreMemo:
        """`cluster.cluster_items`'s memo: the last build's scores, and the items' keys."""
        keys = {i.id: key for i in items if (key := self._article_key(i.article_id)) is not None}
        found = self._get(_scores_entry())
        stored = found[0] if found and isinstance(found[0], _StoredScores) else None
        last = None if stored is None else self._with_events(stored)
        self._scores = ScoreMemo(keys, last)
        return self._scores

    def _with_events(self, stored: _StoredScores) -> PairScores | None:
        """The scores of the last build with their events, each read from its own entry;
        None when one cannot be read (the entries read are then left out when saving)."""
        self._event_entries = dict(stored.events)
        events = {}
        for group, entry in stored.events.items():
            found = self._get(entry)
            if found is None or not isinstance(found[0], Event):
                return None
            events[group] = found[0]
        return dataclasses.replace(stored.scores, events=events)

    def _put_scores(self, made: PairScores, last: PairScores | None) -> None:
        """The scores' entry, and an entry of its own for each event: the events a build
        keeps are the last build's, whose entries are kept as they are, where pickling all
        2,800 events of a 10k digest again was a third of writing the scores (#9). So are
        those of events made again just as they were: at 10k articles with one added,
        700 of them, from the parts of the graph grouped again."""
        entries = {}
        for group, event in made.events.items():
            entry = self._event_entries.get(group)
            was = None if last is None else last.events.get(group)
            if entry is None or (was is not event and was != event):
                blob = dumps(event, _DISPATCH)
                entry = f"event {hashlib.sha256(blob).hexdigest()}"
                self._used[entry] = blob
            entries[group] = entry
        for gone in set(self._event_entries.values()) - set(entries.values()):
            self._used.pop(gone, None)
        scores = dataclasses.replace(made, events={})
        self._put(_scores_entry(), _StoredScores(scores, entries))

    # --- from another process ------------------------------------------------------------------

    def changes(self) -> Changes:
        """What this memo read and computed, for the memo of the process that forked this
        one (`take`): entries read from the pack by name, computed ones pickled."""
        self._put_changed()
        # What was read is a view of the pack's file, which cannot be pickled: named instead.
        used = {k: None if v is self._stored.get(k) else bytes(v) for k, v in self._used.items()}
        return Changes(used, self.hits, self.misses)

    def take(self, changes: Changes) -> None:
        """Add what a forked copy of this memo read and computed (`changes`). The copy was
        made before this memo read anything for the stage it ran, so nothing overlaps."""
        assert not changes.used.keys() & self._used.keys(), "a forked memo's entries overlap"
        for key, blob in changes.used.items():
            self._used[key] = self._stored[key] if blob is None else blob
        self.hits += changes.hits
        self.misses += changes.misses

    def _put_changed(self) -> None:
        if self._spelled is not None and self._spelled != self._spelled_before:
            self._put(_SPELLINGS, self._spelled)
            self._spelled_before = self._spelled

    # --- the pack -----------------------------------------------------------------------------

    def save(self) -> None:
        """Write back the entries this build used, if they differ from what was read."""
        self._put_changed()
        scores = self._scores
        if scores is not None and scores.made is not None and scores.made != scores.last:
            self._put_scores(scores.made, scores.last)
        save_pack(self.abs_pack, self._used, self._read, "build cache")


def _known(paired: _Paired) -> frozenset[str]:
    """The keys of every article a `_PAIRS` entry paired."""
    textless, _, _, index = paired
    return textless if index is None else textless.union(index[0])


def _arrays(index: _SketchIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The values, holders and days of a sketch index, as arrays."""
    _, values, holders, days = index
    return (
        np.frombuffer(values, dtype=np.uint64),
        np.frombuffer(holders, dtype=np.int32),
        np.frombuffer(days, dtype=np.int32),
    )


def _sharing(new: Sequence[Text], common: frozenset[int], index: _SketchIndex) -> list[str]:
    """The keys of the indexed texts that hold a value of a `new` text that is not common:
    the old texts `copy_pairs_with` may pair with them, in the index's order."""
    values, holders, _ = _arrays(index)
    wanted = np.array(sorted({v for t in new for v in t.sketch} - common), dtype=np.uint64)
    low = np.searchsorted(values, wanted, side="left")
    high = np.searchsorted(values, wanted, side="right")
    numbers = sorted({int(n) for a, b in zip(low, high, strict=True) for n in holders[a:b]})
    return [index[0][n] for n in numbers]


def _grown(
    index: _SketchIndex | None,
    new: Sequence[Text],
    old: Sequence[Text],
    keys: Mapping[str, str | None],
) -> _SketchIndex | None:
    """The sketch index for the next build: `index` with the `new` texts, or, without one,
    made of every text (`new` and `old`); None when a text has no key (`_put_pairs`)."""
    texts = list(new) if index is not None else [*new, *old]
    kept = [(key, t) for t in texts if (key := keys[t.key]) is not None]
    if len(kept) < len(texts):
        return None
    return index if index is not None and not kept else _index(kept, index)


def _index(texts: Sequence[tuple[str, Text]], grow: _SketchIndex | None = None) -> _SketchIndex:
    """The sketch index of `texts` (each with its article's key), or `grow` with them."""
    sizes = [len(t.sketch) for _, t in texts]
    first = 0 if grow is None else len(grow[0])
    values = np.fromiter((v for _, t in texts for v in t.sketch), dtype=np.uint64, count=sum(sizes))
    holders = np.repeat(np.arange(first, first + len(texts), dtype=np.int32), sizes)
    ordinals = [-1 if t.published is None else t.published.toordinal() for _, t in texts]
    days = np.array(ordinals, dtype=np.int32)
    keys = tuple(key for key, _ in texts)
    if grow is not None:
        old_values, old_holders, old_days = _arrays(grow)
        keys = grow[0] + keys
        values = np.concatenate((old_values, values))
        holders = np.concatenate((old_holders, holders))
        days = np.concatenate((old_days, days))
    order = np.argsort(values, kind="stable")
    return keys, values[order].tobytes(), holders[order].tobytes(), days.tobytes()


def _newly_common(
    new: Sequence[Text], values: np.ndarray, holders: np.ndarray, days: np.ndarray
) -> frozenset[int]:
    """The values of `new` texts that are common among them and the indexed texts: held on
    more than COMMON_DAYS distinct days (`duplicates.common_values`)."""
    seen: dict[int, set[int]] = {}
    for text in new:
        if text.published is not None:
            for value in text.sketch:
                seen.setdefault(value, set()).add(text.published.toordinal())
    common = set()
    for value, own in seen.items():
        at = np.uint64(value)
        low = int(np.searchsorted(values, at, side="left"))
        high = int(np.searchsorted(values, at, side="right"))
        held = own | {int(d) for d in days[holders[low:high]] if d >= 0}
        if len(held) > duplicates.COMMON_DAYS:
            common.add(value)
    return frozenset(common)


def _known_text(text_of: Callable[[str], Text | None], article_id: str) -> Text:
    text = text_of(article_id)
    assert text is not None, "a paired article without a text"
    return text


def _scores_entry() -> str:
    """The entry of the pair scores: one per version of the code, which makes them."""
    return f"scores {code_version()}"


def _digest(*parts: str | None) -> str | None:
    """A key over `parts`, or None when one of them has none (that result is not kept)."""
    known = [part for part in parts if part is not None]
    if len(known) < len(parts):
        return None
    return hashlib.sha256("\n".join(known).encode()).hexdigest()


class _PointEntries:
    """The points entries of a `StageMemo`, by event or story id (a `points.PointMemo`)."""

    def __init__(
        self,
        get: Callable[[str], Any],
        put: Callable[[str, object], None],
        keys: Mapping[str, Mapping[str, str | None]],
    ) -> None:
        self._get, self._put, self._keys = get, put, keys

    def get(self, kind: str, key: str) -> list[Point] | None:
        entry = self._keys[kind].get(key)
        found = None if entry is None else self._get(f"points {entry}")
        return None if found is None else list(found[0])

    def put(self, kind: str, key: str, points: list[Point]) -> None:
        entry = self._keys[kind].get(key)
        if entry is not None:
            self._put(f"points {entry}", points)
