"""RSS and Atom feeds to drafts: one per entry, marked for a contributor's review.

Pure apart from parsing the bytes it is given: feedparser reads them from memory, never from
an address (it is handed a stream, so it cannot fetch) and without external entities. An
entry gives the title, link, date, authors and its summary (or its full content, when the
feed carries it) as the body; the body of a feed is rarely the whole article, so each draft
is tagged `needs-review`, which `check` refuses until a person has replaced the text and
removed the tag.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

import feedparser
import lxml.html

from parallax.domains import Origin, find_origin
from parallax.drafts import ARTICLE, NEEDS_REVIEW, Draft, FrontMatter, render_blocks, slugify
from parallax.html_import import Block, dom_blocks
from parallax.model import Registries


class FeedError(Exception):
    """The bytes are not a feed feedparser can read; the message says why."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed entry as a draft, with where it was published."""

    number: int  # 1-based position in the feed
    draft: Draft
    origin: Origin


def parse_feed(raw: bytes, base_url: str | None) -> Any:
    """feedparser's result; FeedError when there is no feed in the bytes."""
    headers = {"content-location": base_url} if base_url else {}
    parsed = feedparser.parse(io.BytesIO(raw), response_headers=headers, sanitize_html=True)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements"
        raise FeedError(f"not an RSS or Atom feed: {reason}")
    return parsed


def html_blocks(html: str) -> tuple[Block, ...]:
    """The paragraphs and headings of an HTML fragment (a summary), as plain text."""
    if not html.strip():
        return ()
    root = lxml.html.fromstring(f"<div>{html}</div>")
    return tuple(dom_blocks(root))


def _date(entry: Any) -> dt.date | None:
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    return dt.date(moment.tm_year, moment.tm_mon, moment.tm_mday) if moment else None


def _authors(entry: Any) -> tuple[str, ...]:
    names = [str(a.get("name", "")).strip() for a in entry.get("authors", ())]
    return tuple(name for name in names if name)


def _body(entry: Any) -> tuple[Block, ...]:
    """The full content when the feed carries it and it is longer, else the summary."""
    contents = [str(c.get("value", "")) for c in entry.get("content", ())]
    candidates = [*contents, str(entry.get("summary", ""))]
    return max((html_blocks(c) for c in candidates), key=lambda b: sum(len(x.text) for x in b))


def _language(parsed: Any) -> str:
    tag = str(parsed.feed.get("language") or "en").split("-")[0].lower()
    return tag if re.fullmatch(r"[a-z]{2,3}", tag) else "en"


def _entry(parsed: Any, number: int, registries: Registries, source: str | None) -> Entry:
    entry = parsed.entries[number - 1]
    site = str(parsed.feed.get("title") or "") or None
    origin = find_origin((entry.get("link"),), site, registries, source)
    title = re.sub(r"\s+", " ", str(entry.get("title", ""))).strip() or None
    front_matter = FrontMatter(
        title=title,
        source=origin.source,
        published=_date(entry),
        url=origin.url,
        authors=_authors(entry),
        language=_language(parsed),
        kind=ARTICLE,
        tags=(NEEDS_REVIEW,),
        syndicated_from=origin.syndicated_from,
    )
    blocks = _body(entry)
    body = render_blocks(tuple((b.heading, b.text) for b in blocks))
    slug = slugify(title or (blocks[0].text if blocks else ""))
    return Entry(number, Draft(front_matter, body, slug, ()), origin)


def feed_entries(
    raw: bytes, base_url: str | None, registries: Registries, source: str | None = None
) -> tuple[Entry, ...]:
    """Every entry of a feed, in the feed's order; `source` (--source) beats the domain."""
    parsed = parse_feed(raw, base_url)
    return tuple(_entry(parsed, n, registries, source) for n in range(1, len(parsed.entries) + 1))
