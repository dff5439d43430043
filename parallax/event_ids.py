"""Stable, readable ids for events and stories, derived from content, never from positions.

Pure. An event's id comes from its earliest member: the publication date, a slug of its
headline and a short hash of its source, date, headline and lead. The file's path is left
out, so renaming a file keeps the id, and adding or removing unrelated articles cannot
change it either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from parallax.model import Item
from parallax.segment import slugify

SLUG_WORDS = 6
HASH_CHARS = 4

_NOT_WORD = re.compile(r"[\W_]+")


def _normal(text: str) -> str:
    return _NOT_WORD.sub(" ", text.lower()).strip()


def content_digest(item: Item) -> str:
    """A hex digest of what the item says and who said it when, not where its file is."""
    lead = item.sentences[0].text if item.sentences else item.text[:300]
    key = "\n".join((item.source, item.published.isoformat(), _normal(item.title), _normal(lead)))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def item_order_key(item: Item, digest: str | None = None) -> tuple[dt.date, str, str, str]:
    """Orders items by date, source and content; the id only breaks ties between copies.
    `digest` is the item's `content_digest`, when the caller has it."""
    return (item.published, item.source, digest or content_digest(item), item.id)


def event_id(earliest: Item, digest: str | None = None) -> str:
    """`2023-06-01-strike-on-kyiv-3f2a`: lower-case ASCII, usable as a URL slug. `digest`
    is the item's `content_digest`, when the caller has it."""
    words = slugify(earliest.title, fallback="event").split("-")[:SLUG_WORDS]
    digest = (digest or content_digest(earliest))[:HASH_CHARS]
    return f"{earliest.published.isoformat()}-{'-'.join(words)}-{digest}"
