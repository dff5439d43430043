"""Indexes over an `Analysis` that page builders share: things by id, and what belongs to what.

Pure. Built once per render so that every page builder looks things up in constant time
instead of scanning the corpus. Orders are deterministic: every tuple here is sorted or
keeps the order of the analysis, which is itself sorted by the earlier stages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import Any, TypeVar

from parallax.model import (
    Actor,
    Analysis,
    Article,
    Claim,
    Event,
    Item,
    Point,
    Source,
    Story,
    Term,
)

T = TypeVar("T")
COLOUR_SLOTS = 8  # colours the stylesheet defines for source groups (px-g0 … px-g7)


@dataclass(frozen=True, slots=True)
class Lookup:
    """The analysis, indexed."""

    analysis: Analysis
    articles: Mapping[str, Article]
    sources: Mapping[str, Source]
    actors: Mapping[str, Actor]
    terms: Mapping[str, Term]
    items: Mapping[str, Item]
    items_by_article: Mapping[str, tuple[Item, ...]]
    events: Mapping[str, Event]
    stories: Mapping[str, Story]
    story_of_event: Mapping[str, Story]
    claims: Mapping[str, Claim]  # made at the first look-up (`_ClaimsById`)
    claims_by_item: Mapping[str, tuple[Claim, ...]]
    points_by_event: Mapping[str, tuple[Point, ...]]
    events_by_item: Mapping[str, tuple[Event, ...]]
    framing: Mapping[str, tuple[tuple[str, str], ...]]  # item id -> ((term key, variant), ...)
    groups: tuple[str, ...]  # every source group, sorted: the order of bars and columns
    # What several page builders work out from the whole analysis, once (`kept`).
    made: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def kept(self, name: str, make: Callable[[], T]) -> T:
        """`make()`, worked out once for this lookup and kept under `name`: the index page
        and each source page read the articles newest first, and each source page its own
        items, which were sorted and scanned once a page (#9)."""
        if name not in self.made:
            self.made[name] = make()
        found: T = self.made[name]
        return found

    def item_keys(self, article_key: Callable[[str], str | None]) -> dict[str, str | None]:
        """The key of each item's article (`article_key`: the build cache's, as the page
        cache gives it), by item id: worked out once for the lookup, which the actors'
        pages and the data files' runs ask for item by item, 73,000 times at 10k articles
        for the actors alone (#9)."""
        known: dict[Callable[[str], str | None], dict[str, str | None]]
        known = self.kept("items' article keys", dict)
        found = known.get(article_key)
        if found is None:
            items = self.items.items()
            found = known[article_key] = {i: article_key(item.article_id) for i, item in items}
        return found

    def point_claims(self, point: Point) -> Mapping[str, Claim]:
        """Claims by id, among them every claim of `point`: the claims of the items of its
        story's events (a point compares claims within an event, or across the events of one
        story), or, should one of its claims be elsewhere, every claim (`claims`). A build
        with the cache reads the claims of a few points, where making the dict of every
        claim took 0.015 s before render forked, at 10k articles (#9)."""
        near = self._claims_near(point.event_id)
        return near if all(c in near for c in point.claim_ids) else self.claims

    def _claims_near(self, event_id: str) -> Mapping[str, Claim]:
        """The claims of the items of the events of `event_id`'s story (of the event alone,
        when it is in none), by id; worked out once a story."""
        story = self.story_of_event.get(event_id)
        known: dict[str, dict[str, Claim]] = self.kept("claims near", dict)
        place = f"story {story.id}" if story is not None else f"event {event_id}"
        found = known.get(place)
        if found is None:
            found = known[place] = {}
            for event in story.event_ids if story is not None else (event_id,):
                item_ids = self.events[event].item_ids if event in self.events else ()
                for item_id in item_ids:
                    found.update((c.id, c) for c in self.claims_by_item.get(item_id, ()))
        return found

    def source_name(self, key: str) -> str:
        """The outlet's name, or its key when the registry does not know it."""
        source = self.sources.get(key)
        return key if source is None else source.name

    def group_of(self, source_key: str) -> str:
        """The outlet's source group, or "other" when the registry does not know it."""
        source = self.sources.get(source_key)
        return "other" if source is None else source.group

    def group_index(self, group: str) -> int:
        """The group's place in the sorted groups; unknown groups come last."""
        return self.groups.index(group) if group in self.groups else len(self.groups)

    def colour_of(self, group: str) -> int:
        """The group's colour slot, the same on every page."""
        return self.group_index(group) % COLOUR_SLOTS

    def item_article(self, item_id: str) -> Article | None:
        """The article an item belongs to."""
        item = self.items.get(item_id)
        return None if item is None else self.articles.get(item.article_id)

    def story_last_date(self, story: Story) -> dt.date:
        """The latest end date of the story's events, for ordering lists and the feed."""
        ends = [self.events[e].end for e in story.event_ids if e in self.events]
        return max(ends, default=dt.date.min)


def _grouped(pairs: Iterable[tuple[str, T]]) -> dict[str, tuple[T, ...]]:
    grouped: defaultdict[str, list[T]] = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return {key: tuple(values) for key, values in grouped.items()}


class _ClaimsById(Mapping[str, Claim]):
    """Every claim by its id, made at the first look-up: most builds with the cache read
    none this way (`Lookup.point_claims`), and a render worker that does makes its own."""

    def __init__(self, claims: Sequence[Claim]) -> None:
        self._claims = claims
        self._by_id: dict[str, Claim] | None = None

    def _made(self) -> dict[str, Claim]:
        if self._by_id is None:
            self._by_id = {c.id: c for c in self._claims}
        return self._by_id

    def __getitem__(self, claim_id: str) -> Claim:
        return self._made()[claim_id]

    def __contains__(self, claim_id: object) -> bool:
        return claim_id in self._made()

    def __iter__(self) -> Iterator[str]:
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())

    def __eq__(self, other: object) -> bool:
        return self._made() == other if isinstance(other, Mapping) else NotImplemented

    def __repr__(self) -> str:
        return repr(self._made())


def _runs(values: Sequence[T], key: Callable[[T], str]) -> dict[str, tuple[T, ...]]:
    """`_grouped` of values listed run by run, each key's values next to each other (the
    analysis lists its items article by article, its claims item by item and its points
    event by event): a tuple a run, where grouping the 93,000 claims of a 10k digest one by
    one took twice as long (#9). As `_grouped` where a key comes back after another."""
    grouped: dict[str, tuple[T, ...]] = {}
    for found, run in groupby(values, key):
        if found in grouped:
            return _grouped((key(value), value) for value in values)
        grouped[found] = tuple(run)
    return grouped


def build_lookup(analysis: Analysis) -> Lookup:
    """Index the analysis for the page builders."""
    registries = analysis.corpus.registries
    groups = {s.group for s in registries.sources}
    story_of_event = {e: s for s in analysis.stories for e in s.event_ids}
    return Lookup(
        analysis=analysis,
        articles={a.id: a for a in analysis.corpus.articles},
        sources={s.key: s for s in registries.sources},
        actors={a.key: a for a in registries.actors},
        terms={t.key: t for t in registries.terms},
        items={i.id: i for i in analysis.items},
        items_by_article=_runs(analysis.items, attrgetter("article_id")),
        events={e.id: e for e in analysis.events},
        stories={s.id: s for s in analysis.stories},
        story_of_event=story_of_event,
        claims=_ClaimsById(analysis.claims),
        claims_by_item=_runs(analysis.claims, attrgetter("item_id")),
        points_by_event=_runs(analysis.points, attrgetter("event_id")),
        events_by_item=_grouped((i, e) for e in analysis.events for i in e.item_ids),
        framing=dict(analysis.framing),
        groups=tuple(sorted(groups)),
    )
