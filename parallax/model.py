"""The frozen objects that pass between the pipeline's stages.

Only data and derived properties live here: no parsing, no I/O, no logic beyond a
lookup. Every collection is a tuple so that objects are hashable and safe to share.
Change an object with `dataclasses.replace`, never by assigning to a field.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field, fields

ARTICLE_KINDS = ("article", "liveblog")
POINT_STATUSES = ("agree", "differ", "contradict", "single")


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where something came from: a path relative to the project root, and a 1-based line."""

    path: str
    line: int = 1


# --- registries -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """One outlet from content/sources.yml."""

    key: str
    name: str
    domain: str
    country: str  # ISO 3166 alpha-2, upper case
    group: str  # a maintainer-defined perspective group, e.g. "russian-state"
    ownership: str | None
    notes: str | None
    origin: SourceRef
    since: dt.date | None = None  # the earliest date its articles may have


@dataclass(frozen=True, slots=True)
class Actor:
    """A person or body that makes claims, from content/actors.yml."""

    key: str
    name: str  # canonical name, as pages show it
    aliases: tuple[str, ...]  # spelling variants and short forms ("Zelensky", "Zelenskyy")
    affiliation: str | None
    side: str | None  # e.g. "russia", "ukraine", "west"; None when unknown
    origin: SourceRef


@dataclass(frozen=True, slots=True)
class TermVariant:
    """One way of naming a contested concept, and the source groups that tend to use it."""

    text: str
    used_by: tuple[str, ...]  # source groups; empty when nobody claims it


@dataclass(frozen=True, slots=True)
class Term:
    """A contested concept and its variants, from content/terms.yml."""

    key: str
    concept: str  # what the variants name, in neutral words
    variants: tuple[TermVariant, ...]
    origin: SourceRef

    @property
    def canonical(self) -> str:
        """The first variant, used to normalise the others in analysis."""
        return self.variants[0].text


@dataclass(frozen=True, slots=True)
class Override:
    """An editorial decision from content/overrides.yml that beats the algorithm."""

    action: str  # merge | split | retitle | exclude
    reason: str
    target_kind: str  # what `targets` names: "events", "items", "event" or "story"
    targets: tuple[
        str, ...
    ]  # event ids, story ids, or item ids ("articles/x/y" or "articles/x/y#a")
    title: str | None  # for retitle
    origin: SourceRef


@dataclass(frozen=True, slots=True)
class Registries:
    """The registries of one content folder, each sorted by key."""

    sources: tuple[Source, ...] = ()
    actors: tuple[Actor, ...] = ()
    terms: tuple[Term, ...] = ()
    overrides: tuple[Override, ...] = ()

    def source(self, key: str) -> Source | None:
        """The source with this key, or None."""
        return next((s for s in self.sources if s.key == key), None)


# --- content --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Article:
    """One validated content file."""

    id: str  # its path relative to the content root, without ".md": "articles/rt/2024-05-31-x"
    source: str  # a key of sources.yml
    title: str
    published: dt.date
    published_at: str | None  # the ISO 8601 date-time when the front matter gives one
    url: str | None
    authors: tuple[str, ...]
    language: str
    kind: str  # one of ARTICLE_KINDS
    tags: tuple[str, ...]
    body: str  # Markdown, as written; untrusted
    body_line: int  # the file line on which the body starts, for messages about the body
    origin: SourceRef
    syndicated_from: str | None = None  # the source key this article is a copy of

    @property
    def path(self) -> str:
        """The content-relative path, with "/", as the JSON output names it."""
        return self.id + ".md"

    @property
    def slug(self) -> str:
        """The file name without its date prefix and extension."""
        return self.id.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range of characters in an item's text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an item, with its place in the item's text."""

    index: int  # 0-based position in the item; anchors on article pages use it
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Figure:
    """A number in the text with what it counts."""

    value: float
    unit: str  # normalised: "people", "km2", "usd", "missiles", ...
    about: str  # what is counted: "killed", "injured", "territory", ...
    qualifier: str | None  # "at least", "more than", "up to", "about", or None for exact
    text: str  # the words as written: "more than 26,000 Ukrainian servicemen"
    span: Span | None = None  # where in the item's text, when known


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity found in an item, normalised through the registries."""

    key: str  # canonical key: an actor key, a term key, or a lower-cased name
    kind: str  # "actor" | "place" | "org" | "term" | "name"
    text: str  # as written in the item


@dataclass(frozen=True, slots=True)
class Item:
    """One unit of reporting: a whole article, or one entry of a live blog."""

    article_id: str
    anchor: str | None  # None for a whole article, else the entry's anchor in its live blog
    source: str
    published: dt.date
    title: str
    text: str  # plain text of the item (Markdown markup removed), untrusted
    sentences: tuple[Sentence, ...] = ()
    entities: tuple[Entity, ...] = ()
    dates: tuple[dt.date, ...] = ()  # dates the text mentions, resolved against `published`
    figures: tuple[Figure, ...] = ()

    @property
    def id(self) -> str:
        """Stable id: the article id, plus "#anchor" for a live-blog entry."""
        return self.article_id if self.anchor is None else f"{self.article_id}#{self.anchor}"

    @property
    def lead(self) -> str:
        """The first sentence, or the start of the text when there are no sentences yet."""
        return self.sentences[0].text if self.sentences else self.text[:300]


# --- analysis results -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why two items were grouped: what they share and how they scored."""

    item_ids: tuple[str, str]
    score: float  # 0-100
    shared: tuple[str, ...] = ()  # shared entities, figures and dates, as readable strings


@dataclass(frozen=True, slots=True)
class Event:
    """Items from one or more outlets about the same happening."""

    id: str  # stable: derived from its earliest member, not from list positions
    item_ids: tuple[str, ...]
    title: str
    start: dt.date
    end: dt.date
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Story:
    """A thread of related events over a longer time."""

    id: str
    event_ids: tuple[str, ...]
    title: str


@dataclass(frozen=True, slots=True)
class Claim:
    """One attributed statement in an item."""

    id: str
    item_id: str
    event_id: str
    source: str
    sentence: Sentence
    speaker: str  # canonical name when the actor is known, else the name as written
    actor: str | None  # the actors.yml key, when known
    side: str | None
    quote: bool  # a direct quote rather than reported speech
    figures: tuple[Figure, ...] = ()

    def in_event(self, event_id: str) -> Claim:
        """This claim in an event: `dataclasses.replace(self, event_id=event_id)` without
        its generic lookup of the fields, a third of tagging a 10k digest's claims (#9)."""
        values = list(_CLAIM_VALUES(self))
        values[_EVENT_ID] = event_id
        return Claim(*values)


_CLAIM_VALUES = operator.attrgetter(*(f.name for f in fields(Claim)))
_EVENT_ID = [f.name for f in fields(Claim)].index("event_id")


@dataclass(frozen=True, slots=True)
class Point:
    """Claims from different items about the same question, with how they relate."""

    id: str
    event_id: str
    label: str
    claim_ids: tuple[str, ...]
    status: str  # one of POINT_STATUSES


# A plain file's device, inode, size and modification time: the same stamp later means
# nobody replaced or wrote into the file in between.
FileStamp = tuple[int, int, int, int]
# A part of a page (`RenderedPage.parts`): its key, and where its bytes start and end.
PartSpan = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Reused:
    """A page whose bytes are already in a file, never read into memory (#9): one the build
    keeps as it was published (the page cache), or a data file a render worker wrote
    (`publish.Spill`) rather than send its text to the parent. What publishing it needs
    instead of its text."""

    stamp: FileStamp  # its file when the page cache checked it, or when it was written
    sha256: str  # of its bytes, as the page cache recorded them or as they were written
    abs_path: str | None = None  # that file; None: the published one, in site_src/


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """A page ready to write: where it goes under site_src/ and its text, or, for a page
    whose bytes are in a file (`reused`), no text."""

    dest_path: str  # relative to site_src/, with "/"
    text: str  # "" when `reused`
    template: str  # the template that made it, for messages
    # The link paths of its HTML parts (`urls.page_links`), for `render.check_links`: read
    # once, where it was rendered, or recorded with a kept page. Data files have none.
    links: tuple[str, ...] = ()
    reused: Reused | None = None
    # Where the parts its template had rendered on their own (`render.part`) are in its
    # bytes, for the page cache: a page rendered again copies each unchanged part from the
    # file published before it (#9). Recorded with a kept page, like its links.
    parts: tuple[PartSpan, ...] = ()


@dataclass(frozen=True, slots=True)
class Corpus:
    """Everything loaded from one content folder."""

    root: str  # the content folder as given, for messages
    articles: tuple[Article, ...] = ()
    registries: Registries = field(default_factory=Registries)


@dataclass(frozen=True, slots=True)
class Analysis:
    """The analysed corpus: everything pages and the JSON commands are made from."""

    corpus: Corpus
    items: tuple[Item, ...] = ()
    events: tuple[Event, ...] = ()
    stories: tuple[Story, ...] = ()
    claims: tuple[Claim, ...] = ()
    points: tuple[Point, ...] = ()
    # per item id, the contested-term variants it uses: (item id, ((term key, variant), ...))
    framing: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
