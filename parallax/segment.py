"""Splitting an article into items (live-blog entries) and text into sentences.

Pure: no I/O. An article is one item; a live blog is one item per `## ` entry. Item text is
plain text: Markdown markup is stripped (links become their words, emphasis marks go), while
raw HTML is kept as literal characters, because body text is untrusted and never interpreted.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from parallax.config import Settings
from parallax.model import Article, Item, Sentence, SourceRef, Span
from parallax.problems import WARNING, Problem

INTRO_ANCHOR = "intro"  # text before a live blog's first heading becomes an entry of its own
MAX_ANCHOR_CHARS = 60

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^## +(.*?)\s*#*\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\[[^\]]*\]")
_REF_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_CODE = re.compile(r"`+([^`]*)`+")
_EMPHASIS = re.compile(r"(\*\*|\*|~~)(?=\S)(.+?)(?<=\S)\1")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-+*]|\d+[.)])\s+")
_BLOCK_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-+*]\s+|\d+[.)]\s+)")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_TRAILING_HASHES = re.compile(r"\s+#+\s*$")


@dataclass(frozen=True, slots=True)
class _Entry:
    """One live-blog entry before it becomes an item."""

    heading: str | None  # None for the text before the first heading
    body: str


def slugify(text: str, fallback: str = "entry") -> str:
    """ASCII, lower-case words joined by "-", at most MAX_ANCHOR_CHARS long."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_ANCHOR_CHARS:
        slug = slug[:MAX_ANCHOR_CHARS].rsplit("-", 1)[0]
    return slug or fallback


# Every inline pattern holds one of these: a line without them has no markup to strip, and
# most lines have none (#9).
_INLINE_MARKS = frozenset("[<`*~_\\")


def _strip_inline(line: str) -> str:
    if _INLINE_MARKS.isdisjoint(line):
        return line
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(lambda m: m.group(1) or m.group(2), line)
    line = _AUTOLINK.sub(r"\1", line)
    line = _CODE.sub(r"\1", line)
    previous = None
    while previous != line:  # nested emphasis: ***x*** or **_x_**
        previous, line = line, _EMPHASIS.sub(r"\2", line)
        line = _UNDERSCORE_EMPHASIS.sub(r"\2", line)
    return line.replace("\\", "") if "\\" in line else line


def markdown_to_text(markdown: str) -> str:
    """Plain text of a Markdown body: paragraphs joined by a blank line, markup removed."""
    paragraphs: list[list[str]] = [[]]
    for raw in markdown.splitlines():
        if _FENCE.match(raw):
            continue  # keep the code's text, drop the fence
        if not raw.strip() or _RULE.match(raw):
            paragraphs.append([])
            continue
        if _REF_DEFINITION.match(raw):
            continue
        if _LIST_ITEM.match(raw) and paragraphs[-1]:
            paragraphs.append([])  # each list item reads as a paragraph of its own
        line = _TRAILING_HASHES.sub("", raw) if raw.lstrip().startswith("#") else raw
        paragraphs[-1].append(_strip_inline(_BLOCK_PREFIX.sub("", line)).strip())
    joined = (" ".join(part for part in lines if part) for lines in paragraphs)
    return "\n\n".join(p for p in joined if p)


def _split_entries(body: str) -> tuple[_Entry, ...]:
    entries: list[_Entry] = []
    heading: str | None = None
    lines: list[str] = []
    in_fence = False
    for line in body.splitlines():
        in_fence = in_fence != bool(_FENCE.match(line))
        match = None if in_fence else _HEADING.match(line)
        if match is None:
            lines.append(line)
            continue
        entries.append(_Entry(heading, "\n".join(lines)))
        heading, lines = match.group(1), []
    entries.append(_Entry(heading, "\n".join(lines)))
    # The text before the first heading is kept only when it says something.
    return tuple(e for e in entries if e.heading is not None or e.body.strip())


def unique_anchors(slugs: tuple[str, ...]) -> tuple[str, ...]:
    """The slugs made unique by suffixing -2, -3, ... to repeats, in the given order."""
    taken: set[str] = set()
    anchors = []
    for slug in slugs:
        anchor, n = slug, 1
        while anchor in taken:
            n += 1
            anchor = f"{slug}-{n}"
        taken.add(anchor)
        anchors.append(anchor)
    return tuple(anchors)


def _item(article: Article, anchor: str | None, title: str, body: str) -> Item:
    return Item(
        article_id=article.id,
        anchor=anchor,
        source=article.source,
        published=article.published,
        title=title,
        text=markdown_to_text(body),
    )


def _liveblog_items(article: Article) -> tuple[tuple[Item, ...], tuple[Problem, ...]]:
    entries = _split_entries(article.body)
    if not any(e.heading is not None for e in entries):
        hint = 'start each entry with a "## " heading, or set kind: article'
        problem = Problem(article.origin, "kind", "live blog has no entries", hint, WARNING)
        return (_item(article, None, article.title, article.body),), (problem,)
    titles = tuple(
        article.title if e.heading is None else _strip_inline(e.heading).strip() for e in entries
    )
    slugs = tuple(
        INTRO_ANCHOR if e.heading is None else slugify(title)
        for e, title in zip(entries, titles, strict=True)
    )
    anchors = unique_anchors(slugs)
    items = tuple(
        _item(article, anchor, title, e.body)
        for e, title, anchor in zip(entries, titles, anchors, strict=True)
    )
    return items, ()


def segment_article(
    article: Article, settings: Settings
) -> tuple[tuple[Item, ...], tuple[Problem, ...]]:
    """The items of an article: itself, or one per live-blog entry, with any problems.

    A live blog with more entries than `settings.max_items_per_article` gives no items and
    an error, so one runaway file cannot swamp the clustering.
    """
    if article.kind != "liveblog":
        return (_item(article, None, article.title, article.body),), ()
    items, problems = _liveblog_items(article)
    limit = settings.max_items_per_article
    if len(items) > limit:
        where = SourceRef(article.origin.path, article.body_line)
        message = f"live blog has {len(items)} entries, more than max_items_per_article ({limit})"
        hint = "split it into several files, or raise max_items_per_article in mkdocs.yml"
        return (), (Problem(where, "body", message, hint),)
    return items, problems


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a text, for writing long word lists readably."""
    return frozenset(text.split())


# Letters that matching ignoring case pairs with an ASCII letter and lower-casing does not
# turn into it ("İ" even becomes two characters); no other letter does either.
_LOOK_ALIKES = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})


def fold_case(text: str) -> str:
    """The text lower-cased, with the look-alike letters made the ASCII letters they match.
    Lower-case patterns match it, at the same offsets, as they would match the text ignoring
    case, which is several times slower in Python's re (#9)."""
    return text.translate(_LOOK_ALIKES).lower()


def any_word(words: Iterable[str]) -> str:
    """A pattern that matches any of the words, the longest that fits first, written as a
    tree of their letters: Python's re tries the branches of an alternation one by one, so
    each place in a text tried all the words; here it tries one branch per letter (#9)."""
    tree: dict[str, dict[str, Any]] = {}
    for word in words:
        node = tree
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = {}  # a word ends here
    return _branches(tree)


def _branches(node: dict[str, dict[str, Any]]) -> str:
    longer = [
        re.escape(letter) + _branches(rest) for letter, rest in sorted(node.items()) if letter
    ]
    if not longer:
        return ""
    body = longer[0] if len(longer) == 1 else "(?:" + "|".join(longer) + ")"
    return f"(?:{body})?" if "" in node else body  # greedy: a longer word first


# --- sentences ------------------------------------------------------------------------------

# Words that end in a full stop without ending the sentence: titles, months, "No.", "vs."
ABBREVIATIONS = word_set(
    """mr mrs ms dr prof gen lt col maj capt cmdr adm sgt cpl pvt gov sen rep pres st jr sr rev
    hon fr insp supt jan feb mar apr jun jul aug sep sept oct nov dec no nos vs approx est dept
    corp inc ltd co univ mt ft e.g i.e cf al"""
)
# A candidate end: terminal punctuation, then closing quotes or brackets, then a space.
_END = re.compile(r"([.!?\u2026]+)([\"'\u201d\u2019)\]]*)(?=\s)")
_NEXT_START = re.compile(r"\s+([\"'\u201c\u2018(\[]*)(\S)")
_PARAGRAPH = re.compile(r"\n\s*\n")
_INITIALS = re.compile(r"(?:[a-z]\.)*[a-z]")


def _word_before(text: str, end: int) -> str:
    """The run of word characters (as the pattern \\w takes them) and dots that ends at
    `end`. Read back a character at a time: a short run, where a pattern searched a window
    before every full stop, trying each place in it (#9)."""
    start = end
    while start > 0:
        char = text[start - 1]
        if not (char.isalnum() or char == "_" or char == "."):
            break
        start -= 1
    return text[start:end]


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the full stop at `dot` belongs to an abbreviation or an initial (U.N., J.)."""
    word = _word_before(text, dot).lower()
    return bool(word) and (word in ABBREVIATIONS or _INITIALS.fullmatch(word) is not None)


def _is_boundary(text: str, end: re.Match[str]) -> bool:
    following = _NEXT_START.match(text, end.end())
    if following is None:
        return True
    first = following.group(2)
    if not (first.isupper() or first.isdigit() or following.group(1)):
        return False  # "... and then" or "the U.S. officials" continue the sentence
    return not (end.group(1) == "." and _is_abbreviation(text, end.start(1)))


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None


def _sentence_spans(text: str) -> list[Span]:
    cuts = [0]
    for paragraph in _PARAGRAPH.finditer(text):
        cuts.append(paragraph.start())
    cuts += [m.end() for m in _END.finditer(text) if _is_boundary(text, m)]
    cuts.append(len(text))
    ordered = sorted(set(cuts))
    spans = (_trimmed(text, a, b) for a, b in itertools.pairwise(ordered))
    return [span for span in spans if span is not None]


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of a plain text, each with its character offsets in `text`."""
    return tuple(
        Sentence(index, text[span.start : span.end], span)
        for index, span in enumerate(_sentence_spans(text))
    )
