"""Building the story page: each event's outlets side by side, then the points of contention.

Pure: a `Lookup` and a `Story` in, a `StoryPage` out. Every link is made relative to the
story page's own destination, so the page can be checked by MkDocs' link validation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from functools import partial

from parallax.lookup import Lookup
from parallax.model import Claim, Event, Evidence, Item, Point, Story
from parallax.page_parts import (
    STATUS_ORDER,
    badge,
    coverage_bar,
    date_range,
    figure_texts,
    group_order,
    speaker,
)
from parallax.pages import (
    ClaimView,
    EventSection,
    EvidenceView,
    Lazy,
    Link,
    OutletColumn,
    PointView,
    Report,
    Speaker,
    StoryPage,
)
from parallax.syndication import Voices, distinct_voices
from parallax.urls import (
    METHODOLOGY,
    article_dest,
    event_anchor,
    item_anchor,
    relative,
    safe_id,
    sentence_anchor,
    source_dest,
    story_dest,
)


def story_events(lookup: Lookup, story: Story) -> tuple[Event, ...]:
    """The story's events in time order; ids the analysis does not know are skipped."""
    events = [lookup.events[e] for e in story.event_ids if e in lookup.events]
    return tuple(sorted(events, key=lambda e: (e.start, e.end, e.id)))


def event_items(lookup: Lookup, event: Event) -> tuple[Item, ...]:
    """The event's items in time order."""
    items = [lookup.items[i] for i in event.item_ids if i in lookup.items]
    return tuple(sorted(items, key=lambda i: (i.published, i.id)))


def _speakers(lookup: Lookup, claims: Iterable[Claim], dest: str) -> tuple[Speaker, ...]:
    seen: dict[str, Speaker] = {}
    for claim in claims:
        found = speaker(lookup, claim, dest)
        seen.setdefault(found.name.casefold(), found)
    return tuple(seen.values())


def _framing(lookup: Lookup, item: Item) -> tuple[str, ...]:
    variants = (variant for _, variant in lookup.framing.get(item.id, ()))
    return tuple(dict.fromkeys(variants))


def _report(lookup: Lookup, item: Item, dest: str) -> Report:
    claims = lookup.claims_by_item.get(item.id, ())
    figures = item.figures or tuple(f for c in claims for f in c.figures)
    return Report(
        title=item.title,
        href=relative(dest, article_dest(item.article_id), item_anchor(item)),
        published=item.published.isoformat(),
        lead=item.lead,
        speakers=_speakers(lookup, claims, dest),
        figures=figure_texts(figures),
        framing=_framing(lookup, item),
    )


def _columns(lookup: Lookup, event: Event, dest: str) -> tuple[OutletColumn, ...]:
    by_source: dict[str, list[Item]] = {}
    for item in event_items(lookup, event):
        by_source.setdefault(item.source, []).append(item)
    return tuple(
        OutletColumn(
            source_name=lookup.source_name(key),
            source_href=relative(dest, source_dest(key)),
            group=lookup.group_of(key),
            colour=lookup.colour_of(lookup.group_of(key)),
            anchor=f"{event_anchor(event.id)}-{safe_id(key)}",
            reports=tuple(_report(lookup, item, dest) for item in by_source[key]),
        )
        for key in sorted(by_source, key=lambda k: group_order(lookup, k))
    )


def claim_view(lookup: Lookup, claim: Claim, dest: str) -> ClaimView | None:
    """One claim with a link to its sentence; None when its item is unknown."""
    item = lookup.items.get(claim.item_id)
    if item is None:
        return None
    anchor = sentence_anchor(item, claim.sentence)
    return ClaimView(
        source_name=lookup.source_name(claim.source),
        href=relative(dest, article_dest(item.article_id), anchor),
        speaker=speaker(lookup, claim, dest),
        text=claim.sentence.text,
        quote=claim.quote,
        figures=figure_texts(claim.figures),
        published=item.published.isoformat(),
    )


def _point_view(lookup: Lookup, point: Point, dest: str) -> PointView:
    near = lookup.point_claims(point)
    claims = [near[c] for c in point.claim_ids if c in near]
    claims.sort(key=lambda c: (*group_order(lookup, c.source), c.id))
    views = (claim_view(lookup, c, dest) for c in claims)
    return PointView(
        label=point.label, badge=badge(point.status), claims=tuple(v for v in views if v)
    )


def _points(lookup: Lookup, event: Event, dest: str) -> tuple[PointView, ...]:
    points = sorted(
        lookup.points_by_event.get(event.id, ()),
        key=lambda p: (STATUS_ORDER.index(badge(p.status).status), p.label.casefold(), p.id),
    )
    return tuple(_point_view(lookup, p, dest) for p in points)


def _evidence(lookup: Lookup, event: Event) -> tuple[EvidenceView, ...]:
    def label(item_id: str) -> str:
        item = lookup.items.get(item_id)
        return item_id if item is None else f"{lookup.source_name(item.source)}: {item.title}"

    return tuple(
        EvidenceView(label(e.item_ids[0]), label(e.item_ids[1]), f"{e.score:.0f}", e.shared)
        for e in _in_page_order(event)
    )


def _in_page_order(event: Event) -> list[Evidence]:
    """An event's evidence in the order its page lists the rows: best score first."""
    return sorted(event.evidence, key=lambda e: (-e.score, e.item_ids))


def event_voices(lookup: Lookup, event: Event) -> Voices:
    """Who covered the event, a copy of another outlet's story counting as that outlet.
    Worked out once an event for the lookup: the stories index and the coverage page each
    ask for every event's (#9)."""
    known: dict[str, Voices] = lookup.kept("event voices", dict)
    found = known.get(event.id)
    if found is None:
        items = event_items(lookup, event)
        articles = (lookup.articles[i.article_id] for i in items if i.article_id in lookup.articles)
        found = known[event.id] = distinct_voices(articles, lookup.group_of)
    return found


def event_section(lookup: Lookup, event: Event, dest: str) -> EventSection:
    """One event of a story page."""
    voices = event_voices(lookup, event)
    points = _points(lookup, event, dest)
    return EventSection(
        title=event.title,
        anchor=event_anchor(event.id),
        dates=date_range(event.start, event.end),
        bar=coverage_bar(lookup, voices.sources),
        outlets=_columns(lookup, event, dest),
        points=tuple(p for p in points if p.badge.status != "single"),
        singles=tuple(p for p in points if p.badge.status == "single"),
        missing_groups=tuple(g for g in lookup.groups if g not in voices.groups),
        evidence=_evidence(lookup, event),
    )


def story_sources(lookup: Lookup, story: Story) -> tuple[str, ...]:
    """The voices of each event across the story: an outlet once per event it covered, and
    a copy of another outlet's story as that outlet (issue #8)."""
    return tuple(s for e in story_events(lookup, story) for s in event_voices(lookup, e).sources)


def story_page(
    lookup: Lookup, story: Story, article_key: Callable[[str], str | None] | None = None
) -> StoryPage:
    """The page object of one story. Given the build cache's key of each article, each event
    whose articles have one is built when first read (`Lazy`, by its `event_inputs`): the
    page cache may keep its part from the page published before."""
    dest = story_dest(story.id)
    events = story_events(lookup, story)

    def section(event: Event) -> EventSection | Lazy:
        inputs = None if article_key is None else event_inputs(lookup, event.id, article_key)
        if inputs is None:
            return event_section(lookup, event, dest)
        return Lazy(partial(event_section, lookup, event, dest), inputs)

    keys = story_sources(lookup, story)
    distinct = sorted(set(keys), key=lambda k: group_order(lookup, k))
    return StoryPage(
        title=story.title,
        dates=date_range(events[0].start, max(e.end for e in events)) if events else "",
        source_count=len(distinct),
        bar=coverage_bar(lookup, keys),
        sources=tuple(
            Link(lookup.source_name(k), relative(dest, source_dest(k))) for k in distinct
        ),
        events=tuple(section(e) for e in events),
        methodology_href=relative(dest, METHODOLOGY),
    )


# What a story page shows of an event but its evidence (`_rows`), by field name.
_EVENT_INPUTS = tuple(f.name for f in dataclasses.fields(Event) if f.name != "evidence")


def _rows(event: Event) -> str:
    """An event's evidence as the page's rows show it, in their order, but the items'
    outlets and titles (their articles' keys stand for them): scores move a little with
    every article that changes the corpus's token weights; the page shows them rounded."""
    return repr(tuple((e.item_ids, f"{e.score:.0f}", e.shared) for e in _in_page_order(event)))


def story_inputs(
    lookup: Lookup, story: Story, article_key: Callable[[str], str | None]
) -> str | None:
    """Everything `story_page` reads, written out, for the page cache (#9); None when an
    article involved has no key. Keep it in step with the builders above.

    The story, and each of its events' inputs (`event_inputs`).
    """
    parts = [repr(story)]
    for event_id in story.event_ids:
        inputs = event_inputs(lookup, event_id, article_key)
        if inputs is None:
            return None
        parts.append(inputs)
    return "\n".join(parts)


def event_inputs(
    lookup: Lookup, event_id: str, article_key: Callable[[str], str | None]
) -> str | None:
    """Everything `event_section` reads, written out, for the page cache (#9); None when an
    article involved has no key. Keep it in step with the builders above.

    The event (its evidence as the page shows it) and its points, and the key of every
    article behind its items and its points' claims: an article's key
    (`BuildCache.article_key`) covers its file, the registries and the settings, so it
    stands for the article's items, claims and framing, and for the outlets' names and
    groups and the speakers' actors.

    Worked out once an event for the lookup: a story page rendered again asks for each of its
    events' inputs once for its own key (`story_inputs`), then again for each event's part.
    """
    known: dict[tuple[Callable[[str], str | None], str], str | None]
    known = lookup.kept("event inputs", dict)
    if (article_key, event_id) not in known:
        known[article_key, event_id] = _event_inputs(lookup, event_id, article_key)
    return known[article_key, event_id]


def _event_inputs(
    lookup: Lookup, event_id: str, article_key: Callable[[str], str | None]
) -> str | None:
    event = lookup.events.get(event_id)
    points = lookup.points_by_event.get(event_id, ())
    parts: list[str] = []
    item_ids: Iterable[str] = ()
    if event is not None:
        parts += (repr(tuple(getattr(event, name) for name in _EVENT_INPUTS)), _rows(event))
        item_ids = event.item_ids  # which hold the items of its points' claims
    elif points:
        claims = (lookup.claims.get(c) for point in points for c in point.claim_ids)
        item_ids = [claim.item_id for claim in claims if claim is not None]
    parts.append(repr(points))
    article_ids = set()
    for item_id in item_ids:
        item = lookup.items.get(item_id)
        if item is not None:
            article_ids.add(item.article_id)
    for article_id in sorted(article_ids):
        key = article_key(article_id)
        if key is None:
            return None
        parts.append(f"{article_id} {key}")
    return "\n".join(parts)
