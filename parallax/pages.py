"""The page objects templates receive: one frozen dataclass per kind of page, and their parts.

Pure data. Every field has `help` metadata, from which the template docs are generated and
which a test checks. Text fields hold untrusted text as plain `str`: the Jinja environment
escapes it when a template prints it. Fields of type `Markup` were built in Python from
escaped parts (see parallax/markup.py); hrefs come from parallax/urls.py. The functions that
build these objects live in story_pages.py, article_pages.py and overview_pages.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup


def described(text: str) -> Any:
    """A dataclass field with `help` metadata: what a template author needs to know of it."""
    return field(metadata={"help": text})


class Lazy:
    """A part of a page object built when it is first read, as that part; printed as a part
    of its own (`render._part`), the page cache looks it up by `inputs` (everything it is
    made of, written out) and builds it only when it has no part made of the same (#9).
    Its repr is its inputs."""

    __slots__ = ("_build", "_value", "inputs")

    def __init__(self, build: Callable[[], object], inputs: str) -> None:
        self._build: Callable[[], object] | None = build
        self._value: object = None
        self.inputs = inputs

    @property
    def value(self) -> object:
        """What it stands for, built at the first call."""
        if self._build is not None:
            self._value, self._build = self._build(), None
        return self._value

    def __getattr__(self, name: str) -> Any:
        return getattr(self.value, name)

    def __repr__(self) -> str:
        return f"Lazy(inputs={self.inputs!r})"


class LazyList(Lazy, Sequence[Any]):
    """A `Lazy` tuple whose length is known before it is built: a template may count it or
    test it (`| length`, `{% if %}`) and print it as a part, and it is built only when that
    part is rendered, or when the template reads what it holds."""

    __slots__ = ("_length",)

    def __init__(self, build: Callable[[], tuple[Any, ...]], inputs: str, length: int) -> None:
        super().__init__(build, inputs)
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> Any:
        return self._built()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._built())

    def _built(self) -> tuple[Any, ...]:
        built = self.value
        if not isinstance(built, tuple) or len(built) != self._length:
            raise ValueError(f"a lazy list of {self._length} built {built!r}")
        return built


# --- parts shared by several pages ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Link:
    """A link to another page of the site."""

    text: str = described("The link text (untrusted when it is a title).")
    href: str = described("Relative to the page that shows it, from parallax/urls.py.")


@dataclass(frozen=True, slots=True)
class BarSegment:
    """One source group's share of a coverage bar."""

    group: str = described("The source group key from sources.yml.")
    count: int = described("How many reports from this group.")
    colour: int = described("0-7: the group's colour slot, the same on every page.")


@dataclass(frozen=True, slots=True)
class CoverageBar:
    """How the reports of a story or event split by source group, drawn and in words."""

    segments: tuple[BarSegment, ...] = described("One per group with reports, in group order.")
    text: str = described('The same in words, e.g. "western 3, russian-state 2".')


@dataclass(frozen=True, slots=True)
class Badge:
    """A point's status, shown as a symbol and a word so that it never relies on colour."""

    status: str = described("agree, differ, contradict or single: also the CSS modifier.")
    label: str = described('The word a reader sees, e.g. "Figures differ".')
    symbol: str = described(
        "A shape for the status, hidden from screen readers (the label says it)."
    )


# --- story page ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Speaker:
    """Someone an outlet quotes, with their side."""

    name: str = described("Canonical name when known, else as written (untrusted).")
    side: str | None = described("Their side from actors.yml or the claim, or None.")
    href: str | None = described("Link to the actor page when there is one.")


@dataclass(frozen=True, slots=True)
class Report:
    """One item (article or live-blog entry) as it appears in an outlet's column."""

    title: str = described("The headline, or the live-blog entry's heading (untrusted).")
    href: str = described("Link to the item on its article page.")
    published: str = described("YYYY-MM-DD.")
    lead: str = described("The first sentence (untrusted).")
    speakers: tuple[Speaker, ...] = described(
        "Who the report quotes, in order of first appearance."
    )
    figures: tuple[str, ...] = described("Key figures as written, e.g. 'at least 10 injured'.")
    framing: tuple[str, ...] = described("Contested-vocabulary variants the report uses.")


@dataclass(frozen=True, slots=True)
class OutletColumn:
    """One outlet's reports of one event: a column on a wide screen."""

    source_name: str = described("The outlet's name.")
    source_href: str = described("Link to the source page.")
    group: str = described("The outlet's source group.")
    colour: int = described("0-7: the group's colour slot.")
    anchor: str = described("The column heading's anchor, unique on the page.")
    reports: tuple[Report, ...] = described("The outlet's items about the event, oldest first.")


@dataclass(frozen=True, slots=True)
class ClaimView:
    """One outlet's version of a point: who said what, linked to the exact sentence."""

    source_name: str = described("The outlet that printed the claim.")
    href: str = described("Link to the claim's sentence on the article page.")
    speaker: Speaker = described("Who made the claim, according to the outlet.")
    text: str = described("The sentence (untrusted).")
    quote: bool = described("True for a direct quote, False for reported speech.")
    figures: tuple[str, ...] = described("Figures in the claim as written.")
    published: str = described("The item's publication date, YYYY-MM-DD.")


@dataclass(frozen=True, slots=True)
class PointView:
    """A question the outlets answer, with each outlet's version and how they relate."""

    label: str = described("What the point is about (made by the claims stage).")
    badge: Badge = described("The status, as symbol and words.")
    claims: tuple[ClaimView, ...] = described("Each version, ordered by source group then outlet.")


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """Why two reports were grouped into one event."""

    left: str = described('The first report, as "Outlet: headline".')
    right: str = described('The second report, as "Outlet: headline".')
    score: str = described("Their similarity, 0-100, as text.")
    shared: tuple[str, ...] = described("What they share: names, figures, dates.")


@dataclass(frozen=True, slots=True)
class EventSection:
    """One event of a story: the outlets side by side, then the points of contention."""

    title: str = described("The event's title (from the clustering stage).")
    anchor: str = described("The section's anchor, for links from other pages.")
    dates: str = described("The event's dates, e.g. 2023-06-06 or 2023-06-06 – 2023-06-08.")
    bar: CoverageBar = described("The event's reports by source group.")
    outlets: tuple[OutletColumn, ...] = described("One column per outlet, by group then name.")
    points: tuple[PointView, ...] = described("Points that two or more outlets speak to.")
    singles: tuple[PointView, ...] = described("Points only one outlet or side reports.")
    missing_groups: tuple[str, ...] = described("Source groups with no report of this event.")
    evidence: tuple[EvidenceView, ...] = described("The grouping evidence, strongest first.")


@dataclass(frozen=True, slots=True)
class StoryPage:
    """A story: its events in time order, each compared across outlets."""

    title: str = described("The story's title.")
    dates: str = described("First and last event date.")
    source_count: int = described("How many outlets reported any of its events.")
    bar: CoverageBar = described("All its reports by source group.")
    sources: tuple[Link, ...] = described("Links to the outlets' source pages.")
    events: tuple[EventSection | Lazy, ...] = described(
        "Its events, oldest first (each built when first read: `Lazy`)."
    )
    methodology_href: str = described("Link to the methodology page.")


# --- article page ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArticleSection:
    """A run of an article's text: the whole article, or one live-blog entry."""

    heading: str | None = described("The entry's heading, or None for a whole article.")
    anchor: str | None = described("The entry's anchor, or None.")
    paragraphs: tuple[Markup, ...] = described(
        "Paragraphs as HTML (escaped by markup.escape_html), each sentence wrapped in a span "
        "with its anchor; a template prints each in a <p> at the start of a line."
    )
    events: tuple[Link, ...] = described("The story sections that compare this item.")


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """The page of one article: its cleaned text, every sentence anchored."""

    title: str = described("The headline (untrusted).")
    source_name: str = described("The outlet's name.")
    source_href: str = described("Link to the source page.")
    published: str = described("The publication date, YYYY-MM-DD.")
    authors: tuple[str, ...] = described("Bylines, possibly empty (untrusted).")
    url: str | None = described("The original address when it is a plain http(s) URL, else None.")
    kind: str = described("article or liveblog.")
    sections: tuple[ArticleSection, ...] = described("The body: one section, or one per entry.")
    home_href: str = described("Link back to the home page.")


# --- lists and overviews --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StorySummary:
    """One story in a list."""

    title: str = described("The story's title.")
    href: str = described("Link to the story page.")
    dates: str = described("First and last event date.")
    event_count: int = described("How many events it has.")
    source_count: int = described("How many outlets reported it.")
    bar: CoverageBar = described("Its reports by source group.")


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """One line about an article, for lists on other pages."""

    title: str = described("The headline as the outlet published it (untrusted).")
    href: str = described("Link to the article page, relative to the page that shows it.")
    source_name: str = described("The outlet's name from sources.yml.")
    published: str = described("The publication date, YYYY-MM-DD.")


@dataclass(frozen=True, slots=True)
class IndexPage:
    """The home page."""

    site_name: str = described("The digest's name, from mkdocs.yml.")
    stories: tuple[StorySummary, ...] = described("The latest stories, newest first.")
    story_count: int = described("How many stories the site has.")
    articles: tuple[ArticleSummary, ...] = described("The latest articles, newest first.")
    article_count: int = described("How many articles the site has.")
    source_count: int = described("How many outlets the corpus has articles from.")
    links: tuple[Link, ...] = described("Links to the overview pages.")


@dataclass(frozen=True, slots=True)
class StoriesIndexPage:
    """Every story, newest first."""

    stories: tuple[StorySummary, ...] = described("Every story, newest first.")


@dataclass(frozen=True, slots=True)
class DataFile:
    """One downloadable data file."""

    name: str = described("The file name, e.g. stories.json.")
    href: str = described("Link to the file, relative to the data page.")
    description: str = described("What the file holds.")
    count: int = described("How many records it holds.")


@dataclass(frozen=True, slots=True)
class DataPage:
    """The data page: the JSON exports and the feed, with what each holds."""

    files: tuple[DataFile, ...] = described("The data files, JSON first, then the feed.")
