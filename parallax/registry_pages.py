"""Source and actor pages: what each outlet covered and how it worded it, what each speaker said.

Pure: a `Lookup` in, page objects out. A speaker the actors registry does not know still gets
a page, keyed by a slug of the name as written, so every claim's speaker can be followed.
"""

# Page objects declare fields with `described(...)`, a thin wrapper of dataclasses.field.

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

from parallax.lookup import Lookup
from parallax.model import Article, Claim, Item, Source
from parallax.page_parts import (
    article_summary,
    articles_newest_first,
    framing_counts,
    group_order,
    speaker_key,
)
from parallax.pages import ArticleSummary, ClaimView, LazyList, Link, described
from parallax.story_pages import claim_view
from parallax.urls import (
    ACTORS_INDEX,
    CLAIMS_DATA,
    EVENTS_DATA,
    SOURCES_INDEX,
    actor_dest,
    event_anchor,
    relative,
    source_dest,
    story_dest,
)

# An actor page shows a speaker's latest claims only, so that it stays the same size however
# large the corpus grows (#9); data/claims.json holds all of them.
ACTOR_CLAIMS = 200
# A source page lists an outlet's latest events and articles only, for the same reason: at
# 100k articles an outlet of eight had about 12,500 articles on one page; data/events.json
# lists them all.
SOURCE_LIST = 200


@dataclass(frozen=True, slots=True)
class EventLink:
    """An event in a list, linked to its section on the story page."""

    date: str = described("The event's first day, YYYY-MM-DD.")
    title: str = described("The event's title.")
    href: str = described("Link to the event's section on its story page.")
    story: str = described("The story's title.")


@dataclass(frozen=True, slots=True)
class WordChoice:
    """How often an outlet used one variant of a contested term."""

    concept: str = described("What the variants name, in neutral words.")
    variant: str = described("The words the outlet used.")
    count: int = described("In how many of its reports.")


@dataclass(frozen=True, slots=True)
class SourcePage:
    """One outlet: who it is, what it covered, which words it chose."""

    name: str = described("The outlet's name.")
    domain: str = described("Its web domain.")
    country: str = described("ISO 3166 alpha-2 country code.")
    group: str = described("Its source group.")
    ownership: str | None = described("Who owns it, when the registry says.")
    notes: str | None = described("Maintainers' notes from sources.yml.")
    events: tuple[EventLink, ...] = described(
        "The latest events it reported (at most SOURCE_LIST, 200), newest first."
    )
    event_count: int = described("How many events it reported in all, listed or not.")
    words: tuple[WordChoice, ...] = described("Contested-term variants it used, by concept.")
    articles: tuple[ArticleSummary, ...] = described(
        "Its latest articles (at most SOURCE_LIST, 200), newest first."
    )
    article_count: int = described("How many articles it has in all, listed or not.")
    data_href: str = described(
        "Link to data/events.json, which lists every event with its outlets and articles."
    )


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One outlet in the sources table."""

    link: Link = described("Link to the source page.")
    group: str = described("Its source group.")
    country: str = described("ISO 3166 alpha-2 country code.")
    article_count: int = described("How many articles it has here.")
    event_count: int = described("How many events it reported.")


@dataclass(frozen=True, slots=True)
class SourcesIndexPage:
    """Every outlet, by source group."""

    rows: tuple[SourceRow, ...] = described("One per outlet in sources.yml, by group then name.")


@dataclass(frozen=True, slots=True)
class DatedClaim:
    """A claim on an actor page: when, in which event, and the claim itself."""

    event: EventLink = described("The event the claim belongs to.")
    claim: ClaimView = described("The claim, linked to its sentence.")


@dataclass(frozen=True, slots=True)
class ActorPage:
    """One speaker: what they were reported saying lately, across stories, oldest first."""

    name: str = described("Canonical name, or the name as written for speakers not in actors.yml.")
    affiliation: str | None = described("From actors.yml.")
    side: str | None = described("From actors.yml, else from their claims.")
    aliases: tuple[str, ...] = described("Other spellings from actors.yml.")
    registered: bool = described("True when actors.yml knows this speaker.")
    claims: Sequence[DatedClaim] = described(
        "Their latest claims (at most ACTOR_CLAIMS, 200), by date, oldest first: a tuple, or"
        " a `LazyList` built when first read."
    )
    claim_count: int = described("How many claims they made in all, shown or not.")
    data_href: str = described("Link to data/claims.json, which holds every claim.")


@dataclass(frozen=True, slots=True)
class ActorRow:
    """One speaker in the actors table."""

    link: Link = described("Link to the actor page.")
    side: str = described("Their side, or an empty string.")
    claim_count: int = described("How many claims they made.")


@dataclass(frozen=True, slots=True)
class ActorsIndexPage:
    """Every speaker with a claim, most quoted first."""

    rows: tuple[ActorRow, ...] = described("One per speaker, most claims first, then by name.")


def event_link(lookup: Lookup, event_id: str, from_dest: str) -> EventLink | None:
    """An event linked to its story section; None for an event in no story."""
    event, story = lookup.events.get(event_id), lookup.story_of_event.get(event_id)
    if event is None or story is None:
        return None
    href = relative(from_dest, story_dest(story.id), event_anchor(event.id))
    return EventLink(event.start.isoformat(), event.title, href, story.title)


def _by_source(lookup: Lookup) -> Mapping[str, tuple[tuple[Item, ...], tuple[Article, ...]]]:
    """Each outlet's items, in the analysis's order, and articles, newest first."""
    return lookup.kept("by source", partial(_group_by_source, lookup))


def _group_by_source(
    lookup: Lookup,
) -> Mapping[str, tuple[tuple[Item, ...], tuple[Article, ...]]]:
    items: dict[str, list[Item]] = {}
    for item in lookup.analysis.items:
        items.setdefault(item.source, []).append(item)
    articles: dict[str, list[Article]] = {}
    for article in articles_newest_first(lookup):
        articles.setdefault(article.source, []).append(article)
    return {
        key: (tuple(items.get(key, ())), tuple(articles.get(key, ())))
        for key in items.keys() | articles.keys()
    }


def _source_items(lookup: Lookup, key: str) -> tuple[Item, ...]:
    return _by_source(lookup).get(key, ((), ()))[0]


def _source_articles(lookup: Lookup, key: str) -> tuple[Article, ...]:
    return _by_source(lookup).get(key, ((), ()))[1]


def _source_events(lookup: Lookup, key: str) -> list[str]:
    """The ids of the events in a story that the outlet reported, newest first (then by
    id): the events `event_link` links."""
    ids = {
        e.id
        for i in _source_items(lookup, key)
        for e in lookup.events_by_item.get(i.id, ())
        if e.id in lookup.story_of_event
    }
    return sorted(sorted(ids), key=lambda e: lookup.events[e].start, reverse=True)


def _words(lookup: Lookup, key: str) -> tuple[WordChoice, ...]:
    counts = {(t, v): n for (source, t, v), n in framing_counts(lookup).items() if source == key}
    concept = {t.key: t.concept for t in lookup.terms.values()}
    return tuple(
        WordChoice(concept.get(term, term), variant, n)
        for (term, variant), n in sorted(counts.items())
    )


def source_page(lookup: Lookup, source: Source) -> SourcePage:
    """The page object of one outlet."""
    dest = source_dest(source.key)
    articles = _source_articles(lookup, source.key)
    events = _source_events(lookup, source.key)
    links = (event_link(lookup, e, dest) for e in events[:SOURCE_LIST])
    return SourcePage(
        name=source.name,
        domain=source.domain,
        country=source.country,
        group=source.group,
        ownership=source.ownership,
        notes=source.notes,
        events=tuple(link for link in links if link is not None),
        event_count=len(events),
        words=_words(lookup, source.key),
        articles=tuple(article_summary(lookup, a, dest) for a in articles[:SOURCE_LIST]),
        article_count=len(articles),
        data_href=relative(dest, EVENTS_DATA),
    )


def sources_index_page(lookup: Lookup) -> SourcesIndexPage:
    """Every outlet in the registry."""
    articles = Counter(a.source for a in lookup.analysis.corpus.articles)
    # Each event counts once for each outlet with an item in it.
    events = Counter(
        source
        for e in lookup.analysis.events
        for source in {lookup.items[x].source for x in e.item_ids if x in lookup.items}
    )
    keys = sorted(lookup.sources, key=lambda k: group_order(lookup, k))
    return SourcesIndexPage(
        tuple(
            SourceRow(
                Link(lookup.source_name(k), relative(SOURCES_INDEX, source_dest(k))),
                lookup.group_of(k),
                lookup.sources[k].country,
                articles[k],
                events[k],
            )
            for k in keys
        )
    )


def claims_by_speaker(lookup: Lookup) -> dict[str, tuple[Claim, ...]]:
    """Every claim, grouped by speaker key, oldest first: by their item's date and id, then
    their sentence and id."""
    # The items put in order once, and each item's claims then, rather than 92,000 claims
    # sorted by a key each (#9).
    day = {item_id: item.published.isoformat() for item_id, item in lookup.items.items()}
    # In the same pass, what the actors' pages and table read of each speaker's claims
    # (`_Said`), rather than a pass over each speaker's claims for each (#9).
    items, stories = lookup.items, lookup.story_of_event
    listed = {event_id for event_id in lookup.events if event_id in stories}
    grouped: dict[str, tuple[list[Claim], list[Claim], list[str]]] = {}
    for item_id in sorted(lookup.claims_by_item, key=lambda i: (day.get(i, ""), i)):
        claims = lookup.claims_by_item[item_id]
        known = item_id in items
        for claim in sorted(claims, key=_IN_ITEM) if len(claims) > 1 else claims:
            key = speaker_key(lookup, claim)
            lists = grouped.get(key)  # not `setdefault`, which made three lists a claim
            if lists is None:
                lists = grouped[key] = ([], [], [])
            said, shown, item_ids = lists
            said.append(claim)
            if known and claim.event_id in listed:
                shown.append(claim)
            if not item_ids or item_ids[-1] != item_id:
                item_ids.append(item_id)
    kept: dict[str, _Said] = lookup.kept("actors' claims", dict)
    found = {}
    for key, (said, shown, item_ids) in sorted(grouped.items()):
        found[key] = claims = tuple(said)
        kept[key] = _Said(claims, tuple(shown), tuple(item_ids))
    return found


# A claim's place in its item: its sentence, then its id.
_IN_ITEM = operator.attrgetter("sentence.index", "id")


class _Said(NamedTuple):
    """What a speaker's page and row read of their claims (`claims_by_speaker`): the claims,
    those the page can show (in an event of a story, from a known item), and the items they
    are from, each once, in the claims' order."""

    claims: tuple[Claim, ...]
    shown: tuple[Claim, ...]
    item_ids: tuple[str, ...]


def _said(lookup: Lookup, key: str, claims: tuple[Claim, ...]) -> _Said:
    """`_Said` of the speaker `key`, whose `claims` they are: as `claims_by_speaker` found
    it, or worked out here for claims grouped otherwise."""
    known: dict[str, _Said] = lookup.kept("actors' claims", dict)
    found = known.get(key)
    if found is not None and found.claims is claims:
        return found
    events, stories, items = lookup.events, lookup.story_of_event, lookup.items
    shown = tuple(
        c for c in claims if c.event_id in events and c.event_id in stories and c.item_id in items
    )
    item_ids = tuple(dict.fromkeys(claim.item_id for claim in claims))
    known[key] = found = _Said(claims, shown, item_ids)
    return found


def _shown(lookup: Lookup, key: str, claims: tuple[Claim, ...]) -> tuple[Claim, ...]:
    """The claims an actor page can show: in an event of a story, from a known item."""
    return _said(lookup, key, claims).shown


def _actor_row(lookup: Lookup, key: str, claims: tuple[Claim, ...]) -> tuple[str, str | None]:
    """An actor page's name and side, as the page and the actors table show them."""
    actor = lookup.actors.get(key)
    if actor is not None and actor.side:
        return actor.name, actor.side
    sides = sorted({c.side for c in claims if c.side})
    name = claims[0].speaker if actor is None else actor.name
    return name, ", ".join(sides) or None


def actor_page(
    lookup: Lookup,
    key: str,
    claims: tuple[Claim, ...],
    article_key: Callable[[str], str | None] | None = None,
) -> ActorPage:
    """The page object of one speaker. Given the build cache's key of each article, its list
    of claims is built when first read (`LazyList`, by `_list_inputs`): the page cache may
    keep that part from the page published before, when only the count moved (#9)."""
    dest = actor_dest(key)
    actor = lookup.actors.get(key)
    shown = _shown(lookup, key, claims)
    latest = shown[-ACTOR_CLAIMS:]
    listed = partial(_dated, lookup, latest, dest)
    inputs = None if article_key is None else _list_inputs(lookup, latest, article_key)
    name, side = _actor_row(lookup, key, claims)
    return ActorPage(
        name=name,
        affiliation=None if actor is None else actor.affiliation,
        side=side,
        aliases=() if actor is None else actor.aliases,
        registered=actor is not None,
        claims=listed() if inputs is None else LazyList(listed, inputs, len(latest)),
        claim_count=len(shown),
        data_href=relative(dest, CLAIMS_DATA),
    )


def _dated(lookup: Lookup, latest: tuple[Claim, ...], dest: str) -> tuple[DatedClaim, ...]:
    """Each of the claims an actor page lists (`_shown`), with its event."""
    dated = []
    for claim in latest:
        link, view = event_link(lookup, claim.event_id, dest), claim_view(lookup, claim, dest)
        if link is None or view is None:  # `_shown` keeps the claims that have both
            raise ValueError(f"claim {claim.id} is in no story or of no known item")
        dated.append(DatedClaim(link, view))
    return tuple(dated)


def _list_inputs(
    lookup: Lookup, latest: tuple[Claim, ...], article_key: Callable[[str], str | None]
) -> str | None:
    """Everything `_dated` reads, written out, for the page cache (#9); None when an article
    involved has no key. Each claim's article key stands for its text, figures, speaker and
    outlet; the rest is where the claim stands: its event and its story."""
    parts = []
    item_keys = lookup.item_keys(article_key)
    places: dict[str, str] = lookup.kept("events' places", dict)  # written out once each
    for claim in latest:
        found = item_keys[claim.item_id]
        if found is None:
            return None
        where = places.get(claim.event_id)
        if where is None:
            event, story = lookup.events[claim.event_id], lookup.story_of_event[claim.event_id]
            where = places[claim.event_id] = repr(
                (event.start, event.id, event.title, story.id, story.title)
            )
        parts.append(f"{claim.id!r} {found} {where}")
    return "\n".join(parts)


def actor_inputs(
    lookup: Lookup, key: str, claims: tuple[Claim, ...], article_key: Callable[[str], str | None]
) -> str | None:
    """Everything `actor_page` reads, written out, for the page cache (#9); None when an
    article involved has no key. Keep it in step with the builders above.

    The keys of the articles behind every claim of the speaker stand for the claims (their
    speaker, side, sentence, figures and items, and so their order) and for the registries
    (the actor, the outlets' names); the rest is the inputs of the list of claims the page
    shows (`_list_inputs`).
    """
    said = _said(lookup, key, claims)
    item_keys = lookup.item_keys(article_key)
    keys = set()
    for item_id in said.item_ids:  # a speaker's claims share items
        found = item_keys.get(item_id)
        if found is None:
            return None
        keys.add(found)
    shown = said.shown
    listed = _list_inputs(lookup, shown[-ACTOR_CLAIMS:], article_key)
    return None if listed is None else "\n".join([key, *sorted(keys), str(len(shown)), listed])


def actors_index_page(lookup: Lookup, claims: Mapping[str, tuple[Claim, ...]]) -> ActorsIndexPage:
    """Every speaker with a page, from their claims by speaker (`claims_by_speaker`)."""
    rows = []
    for key, said in claims.items():
        name, side = _actor_row(lookup, key, said)
        href = relative(ACTORS_INDEX, actor_dest(key))
        rows.append(ActorRow(Link(name, href), side or "", len(_shown(lookup, key, said))))
    return ActorsIndexPage(tuple(sorted(rows, key=lambda r: (-r.claim_count, r.link.text))))
