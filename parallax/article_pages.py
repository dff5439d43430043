"""Building the article page: the cleaned text with an anchor on every sentence.

Pure. Each sentence of each item becomes `<span class="px-s" id="s-<n>">…</span>` around its
escaped text, so a claim on a story page can link to the exact sentence and the stylesheet can
highlight it with `:target`. Paragraphs are HTML, which Markdown passes through without its
inline pass (#9); the only tags here are those spans with ids we made, and the text inside
them passes through `escape_html` like every other untrusted string in a page's HTML parts.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable

from markupsafe import Markup, escape

from parallax.lookup import Lookup
from parallax.markup import escape_html, paragraphs, safe_url
from parallax.model import Article, Item, Sentence
from parallax.pages import ArticlePage, ArticleSection, Link
from parallax.urls import (
    HOME,
    article_dest,
    event_anchor,
    item_anchor,
    relative,
    sentence_anchor,
    source_dest,
    story_dest,
)

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def paragraph_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each paragraph: runs of text between blank lines."""
    spans, start = [], 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return tuple((s, e) for s, e in spans if text[s:e].strip())


def _sentence_span(anchor: str, text: str) -> str:
    return f'<span class="px-s" id="{escape(anchor)}">{escape_html(text)}</span>'


def _anchored_paragraph(
    item: Item, start: int, end: int, ordered: list[Sentence], starts: list[int]
) -> Markup:
    """One paragraph of the item's text, its sentences wrapped in anchored spans.

    `ordered` is the item's sentences by position and `starts` where each starts: the
    paragraph's own are found by bisection, not by reading all of them for each paragraph,
    which grew with the square of a long live blog (#9).
    """
    parts: list[str] = []
    pos = start
    for sentence in ordered[bisect_left(starts, start) : bisect_left(starts, end)]:
        begin, stop = max(sentence.span.start, pos), min(sentence.span.end, end)
        if begin >= stop:
            continue
        parts.append(escape_html(item.text[pos:begin]))
        parts.append(_sentence_span(sentence_anchor(item, sentence), item.text[begin:stop]))
        pos = stop
    parts.append(escape_html(item.text[pos:end]))
    # Every part is markup already: joined as strings, not escaped again (#9).
    return Markup(" ".join(p for p in parts if p))


def anchored_paragraphs(item: Item) -> tuple[Markup, ...]:
    """Every paragraph of the item, sentences anchored."""
    ordered = sorted(item.sentences, key=lambda s: (s.span.start, s.index))
    starts = [sentence.span.start for sentence in ordered]
    return tuple(
        _anchored_paragraph(item, s, e, ordered, starts) for s, e in paragraph_spans(item.text)
    )


def _event_links(lookup: Lookup, item: Item, dest: str) -> tuple[Link, ...]:
    links = []
    for event in lookup.events_by_item.get(item.id, ()):
        story = lookup.story_of_event.get(event.id)
        if story is not None:
            href = relative(dest, story_dest(story.id), event_anchor(event.id))
            links.append(Link(f"{story.title}: {event.title}", href))
    return tuple(links)


def _item_section(lookup: Lookup, article: Article, item: Item) -> ArticleSection:
    dest = article_dest(article.id)
    return ArticleSection(
        heading=None if item.anchor is None else item.title,
        anchor=item_anchor(item),
        paragraphs=anchored_paragraphs(item),
        events=_event_links(lookup, item, dest),
    )


def body_sections(article: Article) -> tuple[ArticleSection, ...]:
    """The body without analysis (no items yet): escaped paragraphs, entries at `## `."""
    if article.kind != "liveblog":
        return (ArticleSection(None, None, tuple(map(escape_html, paragraphs(article.body))), ()),)
    chunks = re.split(r"^## +(.*)$", article.body, flags=re.MULTILINE)
    sections = []
    if paragraphs(chunks[0]):
        sections.append(
            ArticleSection(None, None, tuple(map(escape_html, paragraphs(chunks[0]))), ())
        )
    for heading, text in zip(chunks[1::2], chunks[2::2], strict=True):
        body = tuple(map(escape_html, paragraphs(text)))
        sections.append(ArticleSection(heading.strip(), None, body, ()))
    return tuple(sections)


def article_page(lookup: Lookup, article: Article) -> ArticlePage:
    """The page object of one article."""
    dest = article_dest(article.id)
    items = lookup.items_by_article.get(article.id, ())
    sections = (
        tuple(_item_section(lookup, article, i) for i in items) if items else body_sections(article)
    )
    return ArticlePage(
        title=article.title,
        source_name=lookup.source_name(article.source),
        source_href=relative(dest, source_dest(article.source)),
        published=article.published.isoformat(),
        authors=article.authors,
        url=safe_url(article.url),
        kind=article.kind,
        sections=sections,
        home_href=relative(dest, HOME),
    )


def article_inputs(
    lookup: Lookup, article: Article, article_key: Callable[[str], str | None]
) -> str | None:
    """Everything `article_page` reads, written out, for the page cache (#9); None when the
    article has no key. Keep it in step with the builders above.

    The article's key (`BuildCache.article_key`) covers its file, the registries and the
    settings, so it stands for the article, its items and the outlet's name; the rest is
    the event and story each item belongs to, which other articles can change.
    """
    key = article_key(article.id)
    if key is None:
        return None
    parts = [f"{article.id} {key}"]
    for item in lookup.items_by_article.get(article.id, ()):
        for event in lookup.events_by_item.get(item.id, ()):
            story = lookup.story_of_event.get(event.id)
            named = None if story is None else (story.id, story.title)
            parts.append(repr((item.id, event.id, event.title, named)))
    return "\n".join(parts)
