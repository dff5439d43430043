"""Saved or fetched web pages to drafts: main text and metadata through trafilatura.

Pure apart from parsing the bytes it is given; it never fetches (trafilatura and htmldate get
a parsed tree, never an address). trafilatura keeps the article and drops navigation, cookie
banners, "most read" boxes, comments and share widgets; the capture rules of
`parallax.clean` then catch what it let through. trafilatura keeps only some headings of a
live blog, so `page_blocks` puts back every heading that the page places right above a
kept paragraph.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import trafilatura
from trafilatura.settings import Document
from trafilatura.utils import load_html

from parallax.clean import Line, clean_lines
from parallax.domains import Origin
from parallax.drafts import ARTICLE, LIVEBLOG, Draft, FrontMatter, render_blocks, slugify
from parallax.infer import LIVEBLOG_MIN_HEADINGS, is_name_only, note, split_byline

LIVEBLOG_MAX_SECTION = 3  # in a live blog, entries are short: at most this many paragraphs
MINOR_WORDS = 6  # a block this short between a heading and its text is a time or a widget
BYLINE_WINDOW = 3  # blocks from the top in which a byline paragraph is looked for
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_LEAF_TAGS = {"p", "li", "blockquote", "td", "dd", "figcaption", "pre", "div", "span", "time"}
_SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "head"}
_SAVED_FROM = re.compile(rb"<!-- saved from url=\(\d+\)(https?://[^\s>]+) ?-->")


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph or heading of the page's main text."""

    heading: bool
    text: str


@dataclass(frozen=True, slots=True)
class Page:
    """What a page says about itself, and its main text."""

    title: str | None
    authors: tuple[str, ...]
    published: dt.date | None
    site_name: str | None
    language: str | None
    is_liveblog: bool  # the page declares itself a live blog (schema.org LiveBlogPosting)
    urls: tuple[str | None, str | None, str | None]  # saved-from, og:url, canonical
    blocks: tuple[Block, ...]


def _text(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _first(tree: Any, xpath: str) -> str | None:
    found = [_text(str(v)) for v in tree.xpath(xpath)]
    return next((v for v in found if v), None)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _language(tree: Any) -> str | None:
    tag = _first(tree, "/html/@lang")
    primary = tag.split("-")[0].lower() if tag else ""
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _extracted_blocks(body: Any) -> list[Block]:
    """trafilatura's body: heads, paragraphs, list items and quotes, in order."""
    blocks = []
    for element in body:
        parts = list(element) if element.tag == "list" else [element]
        for part in parts:
            text = _text(" ".join(part.itertext()))
            if text and element.tag in ("head", "p", "list", "quote", "code"):
                blocks.append(Block(element.tag == "head", text))
    return blocks


def dom_blocks(tree: Any) -> list[Block]:
    """The page's headings and innermost text blocks in document order."""
    blocks = []
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIPPED_TAGS or any(a.tag in _SKIPPED_TAGS for a in element.iterancestors()):
            continue
        is_leaf = tag in _LEAF_TAGS and not any(
            isinstance(c.tag, str) and c.tag in _LEAF_TAGS | _HEADING_TAGS for c in element
        )
        if tag in _HEADING_TAGS or is_leaf:
            text = _text(element.text_content())
            if text:
                blocks.append(Block(tag in _HEADING_TAGS, text))
    return blocks


def _fold(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _heading_above(dom: list[Block], start: int, at: int) -> Block | None:
    """The heading right above dom[at], with only minor blocks between, not before `start`."""
    for index in range(at - 1, start - 1, -1):
        block = dom[index]
        if block.heading:
            return block
        if len(block.text.split()) > MINOR_WORDS:
            return None
    return None


def restore_headings(extracted: list[Block], dom: list[Block]) -> tuple[Block, ...]:
    """The extracted blocks, with each page heading put back above the paragraph it heads."""
    folded = [_fold(block.text) for block in dom]
    result: list[Block] = []
    cursor = 0
    for block in extracted:
        key = _fold(block.text)
        at = next((i for i in range(cursor, len(dom)) if key and folded[i] == key), None)
        if not block.heading and at is not None:
            heading = _heading_above(dom, cursor, at)
            if heading is not None and not (result and result[-1].heading):
                result.append(heading)
        if at is not None:
            cursor = at + 1
        result.append(block)
    return tuple(result)


def read_page(raw: bytes, today: dt.date) -> Page | None:
    """Parse a page; None when it has no main text. `today` bounds the dates htmldate accepts."""
    tree = load_html(raw)
    if tree is None:
        return None
    params = {"original_date": True, "extensive_search": False, "max_date": today.isoformat()}
    doc = trafilatura.bare_extraction(
        raw, with_metadata=True, include_comments=False, include_tables=False,
        date_extraction_params=params,
    )  # fmt: skip
    if not isinstance(doc, Document) or doc.body is None:
        return None
    saved = _SAVED_FROM.search(raw[:4096])
    return Page(
        title=_text(doc.title) if doc.title else None,
        authors=tuple(a.strip() for a in (doc.author or "").split(";") if a.strip()),
        published=_date(doc.date),
        site_name=_text(doc.sitename) if doc.sitename else None,
        language=_language(tree),
        is_liveblog=(doc.pagetype or "").lower() == "liveblogposting",
        urls=(
            saved.group(1).decode("ascii", "replace") if saved else None,
            _first(tree, "//meta[@property='og:url']/@content"),
            _first(tree, "//link[@rel='canonical']/@href"),
        ),
        blocks=restore_headings(_extracted_blocks(doc.body), dom_blocks(tree)),
    )


def _is_liveblog(page: Page, blocks: tuple[Block, ...]) -> bool:
    """Declared, or many headings each over a short run of paragraphs."""
    headings = sum(1 for block in blocks if block.heading)
    paragraphs = len(blocks) - headings
    short = headings > 0 and paragraphs / headings <= LIVEBLOG_MAX_SECTION
    return page.is_liveblog or (headings >= LIVEBLOG_MIN_HEADINGS and short)


def _clean(page: Page) -> tuple[tuple[Block, ...], tuple[str, ...]]:
    """The capture rules over the blocks; the title heading and a byline move to the fields."""
    lines = tuple(Line(n, block.text) for n, block in enumerate(page.blocks, 1))
    cleaned = clean_lines(lines)
    notes = [note(r.line, r.rule, r.text) for r in cleaned.removals]
    kept = [(line.number, page.blocks[line.number - 1]) for line in cleaned.lines]
    if kept and page.title and _fold(kept[0][1].text) == _fold(page.title):
        notes.append(note(kept[0][0], "headline, moved to the title", kept[0][1].text))
        kept = kept[1:]
    for index, (number, block) in enumerate(kept[:BYLINE_WINDOW]):
        if not block.heading and is_name_only(block.text):
            notes.append(note(number, "byline, moved to the author", block.text))
            kept = kept[:index] + kept[index + 1 :]
            break
    return tuple(block for _, block in kept), tuple(sorted(notes, key=_note_line))


def _note_line(text: str) -> int:
    return int(text.split(":", 1)[0].removeprefix("line "))


def _byline(notes: tuple[str, ...]) -> tuple[str, ...]:
    moved = [n.split(": ", 2)[2] for n in notes if "byline, moved" in n]
    return split_byline(moved[0]) if moved else ()


def draft_page(page: Page, origin: Origin, kind: str | None) -> Draft:
    """A draft of the page; `origin` says where it was published and whose text it is."""
    blocks, notes = _clean(page)
    is_live = kind == LIVEBLOG if kind else _is_liveblog(page, blocks)
    body = render_blocks(tuple((b.heading, b.text) for b in blocks))
    front_matter = FrontMatter(
        title=page.title,
        source=origin.source,
        published=page.published,
        url=origin.url,
        authors=page.authors or _byline(notes),
        language=page.language or "en",
        kind=LIVEBLOG if is_live else ARTICLE,
        syndicated_from=origin.syndicated_from,
    )
    first = next((b.text for b in blocks if not b.heading), "")
    return Draft(front_matter, body, slugify(page.title or first), notes)
