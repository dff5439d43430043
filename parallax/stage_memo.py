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

Each article's lint results are kept in one entry ("lint <key>"), so that lint can run in
a forked process beside cluster: that process sends back the entries it read and made
(`changes`), and this one adds them (`take`).

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
from functools import partial
from typing import Any

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

_PAIRS = "pairs+common"  # the entry of the last build's copy pairs; named after its shape
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
        # "<stage> <article key>" -> that stage's results for the article, by name: each
        # stage has entries of its own, so that lint can run in another process beside
        # cluster and send back only its own entries (`changes`, `take`).
        self._entries: dict[str, dict[str, Any]] = {}
        self._changed: set[str] = set()  # the entries with a result computed in this build
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

    def _of_article(
        self, stage: str, article_id: str, name: str, compute: Callable[[], Any]
    ) -> Any:
        """One of an article's results, stored with the stage's others in one entry."""
        key = self._article_key(article_id)
        if key is None:
            return compute()
        entry = f"{stage} {key}"
        if entry not in self._entries:
            found = self._get(entry)
            self._entries[entry] = found[0] if found else {}
        values = self._entries[entry]
        if name not in values:
            values[name] = compute()
            self._changed.add(entry)
        return values[name]

    def lint_todo(self, articles: Sequence[Article]) -> int:
        """How many of `articles` lint must work out anew rather than read back: those with
        no lint results stored, or all of them when an article the last build linted was
        changed or removed. Only then can a sketch value stop being common (`common_values`
        only grows as texts are added), which sends `_find_pairs` through a clean pass."""
        stored = self._stored
        keys = [self._article_key(article.id) for article in articles]
        if not self._last_linted() <= set(keys):
            return len(articles)
        return sum(1 for key in keys if key is None or f"lint {key}" not in stored)

    def _last_linted(self) -> frozenset[str]:
        """The keys of the articles the last build paired (`_PAIRS`), read without counting
        a hit: empty when there are none, or they cannot be read."""
        blob = self._stored.get(_PAIRS)
        try:
            known = frozenset() if blob is None else pickle.loads(blob)[0]
        except Exception:  # a miss is always safe: lint then reads it as one
            return frozenset()
        return known if isinstance(known, frozenset) else frozenset()

    def spellings(
        self, article: Article, find: Callable[[], tuple[Problem, ...]]
    ) -> tuple[Problem, ...]:
        """`lint`'s unknown spellings in one article."""
        found: tuple[Problem, ...] = self._of_article("lint", article.id, "spellings", find)
        return found

    def find_pairs(self, articles: tuple[Article, ...]) -> tuple[list[Text], CopyPairs]:
        """The texts of `articles` and their copy pairs, as `duplicates.copy_pairs` makes them."""
        with quiet_gc():  # many entries are unpickled: see parallel.quiet_gc
            return self._find_pairs(articles)

    def _find_pairs(self, articles: tuple[Article, ...]) -> tuple[list[Text], CopyPairs]:
        keys = {a.id: self._article_key(a.id) for a in articles}
        texts: dict[str, Text | None] = {
            a.id: self._of_article("lint", a.id, "text", partial(article_text, a)) for a in articles
        }
        every = [t for t in texts.values() if t is not None]
        common = common_values(every)
        prior = self._get(_PAIRS)
        known, pairs, was_common = prior[0] if prior else (frozenset(), {}, frozenset())
        id_of = {key: article_id for article_id, key in keys.items() if key is not None}
        if not was_common <= common:  # a value no longer common may pair old texts
            known, pairs = frozenset(), {}
        found: CopyPairs = {
            (id_of[a], id_of[b]): score
            for (a, b), score in pairs.items()
            if a in id_of and b in id_of
        }
        if common != was_common:
            by_id = {t.key: t for t in every}
            found = {
                p: s for p, s in found.items() if is_candidate(by_id[p[0]], by_id[p[1]], common)
            }
        old = [t for i, t in texts.items() if t is not None and keys[i] in known]
        new = [t for i, t in texts.items() if t is not None and keys[i] not in known]
        found |= copy_pairs_with(new, old, common)
        stored = {
            (key_a, key_b): score
            for (a, b), score in found.items()
            if (key_a := keys[a]) is not None and (key_b := keys[b]) is not None
        }
        if new or frozenset(id_of) != known or common != was_common:  # else still true
            self._put(_PAIRS, (frozenset(id_of), stored, common))
        return every, found

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
        2,800 events of a 10k digest again was a third of writing the scores (#9)."""
        entries = {}
        for group, event in made.events.items():
            entry = self._event_entries.get(group)
            if entry is None or last is None or last.events.get(group) is not event:
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
        for entry in self._changed:
            self._put(entry, self._entries[entry])
        self._changed.clear()

    # --- the pack -----------------------------------------------------------------------------

    def save(self) -> None:
        """Write back the entries this build used, if they differ from what was read."""
        self._put_changed()
        scores = self._scores
        if scores is not None and scores.made is not None and scores.made != scores.last:
            self._put_scores(scores.made, scores.last)
        save_pack(self.abs_pack, self._used, self._read, "build cache")


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
