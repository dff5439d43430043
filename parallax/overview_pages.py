"""Building the pages that list things: home, all stories, and the overview pages.

Pure: a `Lookup` in, page objects out, each paired with its template and destination.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from parallax import matrix_pages, registry_pages
from parallax.lookup import Lookup
from parallax.model import Story
from parallax.page_parts import article_summary, articles_newest_first, coverage_bar, date_range
from parallax.pages import (
    DataFile,
    DataPage,
    IndexPage,
    Link,
    StoriesIndexPage,
    StorySummary,
)
from parallax.story_pages import story_events, story_sources
from parallax.urls import (
    ACTORS_INDEX,
    COVERAGE,
    DATA_INDEX,
    HOME,
    METHODOLOGY,
    SOURCES_INDEX,
    STORIES_INDEX,
    VOCABULARY,
    actor_dest,
    relative,
    source_dest,
    story_dest,
)

FEED_ENTRIES = 50  # stories in the Atom feed; older ones stay in data/stories.json
LATEST_ARTICLES = 10  # the home page lists a few articles too, for stories still forming

PageSpec = tuple[str, str, object]  # (template, dest_path, page object or Deferred)


@dataclass(frozen=True, slots=True)
class Deferred:
    """A page object built only when the page cache has no page of the same inputs (#9).
    Both are given the articles' keys (`BuildCache.article_key`); `build`, None without a
    page cache."""

    build: Callable[[Callable[[str], str | None] | None], object]
    inputs: Callable[[Callable[[str], str | None]], str | None]


def stories_newest_first(lookup: Lookup) -> tuple[Story, ...]:
    """Stories by their latest event, newest first; ties by id so the order is stable."""
    by_id = sorted(lookup.analysis.stories, key=lambda s: s.id)
    return tuple(sorted(by_id, key=lookup.story_last_date, reverse=True))


def story_summary(lookup: Lookup, story: Story, from_dest: str) -> StorySummary:
    """One story in a list on the page at `from_dest`."""
    events = story_events(lookup, story)
    keys = story_sources(lookup, story)
    dates = date_range(events[0].start, max(e.end for e in events)) if events else ""
    return StorySummary(
        title=story.title,
        href=relative(from_dest, story_dest(story.id)),
        dates=dates,
        event_count=len(events),
        source_count=len(set(keys)),
        bar=coverage_bar(lookup, keys),
    )


def _overview_links(from_dest: str) -> tuple[Link, ...]:
    targets = (
        ("All stories", STORIES_INDEX),
        ("Coverage matrix", COVERAGE),
        ("Sources", SOURCES_INDEX),
        ("Actors", ACTORS_INDEX),
        ("Vocabulary", VOCABULARY),
        ("Data and feed", DATA_INDEX),
        ("Methodology", METHODOLOGY),
    )
    return tuple(Link(text, relative(from_dest, dest)) for text, dest in targets)


def index_page(lookup: Lookup, site_name: str, latest_stories: int) -> IndexPage:
    """The home page."""
    stories = stories_newest_first(lookup)
    articles = articles_newest_first(lookup)
    return IndexPage(
        site_name=site_name,
        stories=tuple(story_summary(lookup, s, HOME) for s in stories[:latest_stories]),
        story_count=len(stories),
        articles=tuple(article_summary(lookup, a, HOME) for a in articles[:LATEST_ARTICLES]),
        article_count=len(articles),
        source_count=len({a.source for a in articles}),
        links=_overview_links(HOME),
    )


def stories_index_page(lookup: Lookup) -> StoriesIndexPage:
    """Every story, newest first."""
    stories = stories_newest_first(lookup)
    return StoriesIndexPage(tuple(story_summary(lookup, s, STORIES_INDEX) for s in stories))


def data_page(lookup: Lookup) -> DataPage:
    """The page that lists the data files."""
    analysis = lookup.analysis
    files = (
        ("stories.json", "Stories: title, URL and event ids.", len(analysis.stories)),
        ("events.json", "Events: dates, URL and the items grouped in each.", len(analysis.events)),
        (
            "claims.json",
            "Claims: speaker, side, sentence, figures, URL of the sentence.",
            len(analysis.claims),
        ),
        ("points.json", "Points: label, status and the claims compared.", len(analysis.points)),
        ("feed.xml", "Atom feed of the newest stories.", min(len(analysis.stories), FEED_ENTRIES)),
    )
    return DataPage(
        tuple(DataFile(n, relative(DATA_INDEX, f"data/{n}"), d, c) for n, d, c in files)
    )


def overview_pages(lookup: Lookup, site_name: str, latest_stories: int) -> list[PageSpec]:
    """Every list and overview page, with its template and destination."""
    return [
        spec for group in overview_groups(lookup, site_name, latest_stories) for spec in group()
    ]


def overview_groups(
    lookup: Lookup, site_name: str, latest_stories: int
) -> tuple[Callable[[], list[PageSpec]], ...]:
    """`overview_pages` in groups of about equal work that can be built apart (#9): the
    actors' pages, the sources' pages, and the rest."""

    def actors() -> list[PageSpec]:
        said = registry_pages.claims_by_speaker(lookup)
        index = ("actors.md.j2", ACTORS_INDEX, registry_pages.actors_index_page(lookup, said))
        return [
            index,
            *(
                (
                    "actor.md.j2",
                    actor_dest(key),
                    Deferred(
                        partial(registry_pages.actor_page, lookup, key, claims),
                        partial(registry_pages.actor_inputs, lookup, key, claims),
                    ),
                )
                for key, claims in said.items()
            ),
        ]

    def sources() -> list[PageSpec]:
        index = ("sources.md.j2", SOURCES_INDEX, registry_pages.sources_index_page(lookup))
        return [
            index,
            *(
                ("source.md.j2", source_dest(s.key), registry_pages.source_page(lookup, s))
                for s in lookup.sources.values()
            ),
        ]

    def lists() -> list[PageSpec]:
        return [
            ("index.md.j2", HOME, index_page(lookup, site_name, latest_stories)),
            ("stories.md.j2", STORIES_INDEX, stories_index_page(lookup)),
            ("coverage.md.j2", COVERAGE, matrix_pages.coverage_page(lookup)),
            ("vocabulary.md.j2", VOCABULARY, matrix_pages.vocabulary_page(lookup)),
            ("data.md.j2", DATA_INDEX, data_page(lookup)),
        ]

    return (lists, sources, actors)
