"""Turning untrusted text into Markdown that shows exactly that text, and nothing more; or,
for the parts of a page written as HTML, into HTML that does.

Pure. Contributor and outlet text reaches a page only through these functions: HTML is
written as entities, Markdown syntax is escaped (in Markdown), URLs other than http(s) are
dropped, and invisible direction overrides are removed, so no input can add markup, links or
scripts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache, partial
from urllib.parse import urlsplit

from markupsafe import Markup, escape

# Characters Python-Markdown (with the extensions in mkdocs.yml) gives a meaning anywhere.
_MD_BACKSLASH = set("\\`*_[]()!#")
# Characters written as numeric entities: markup, entities, tables, attribute lists, setext lines.
_MD_ENTITY = {
    "<": "&lt;",
    ">": "&gt;",
    "&": "&amp;",
    "|": "&#124;",
    "{": "&#123;",
    "}": "&#125;",
    "=": "&#61;",
    "~": "&#126;",
    "^": "&#94;",
    "$": "&#36;",
}
# At the start of a line these begin a list, a quote or a rule.
_LINE_START = re.compile(r"^(\d+)([.)])|^([-+*])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
MAX_WORD = 80  # break longer unbroken runs so one token cannot stretch a page
# Markup of a str made safe here, without Markup's constructor: a Python call that looks for
# `__html__` first, where this is one call in C. A story page makes thousands (#9).
safe_markup: Callable[[str], Markup] = partial(str.__new__, Markup)


def plain(text: str) -> str:
    """Text with control characters, direction overrides and repeated spaces removed."""
    # Each distinct character is classified once: rendering calls this for every field of
    # every page, and a per-character loop was the largest cost of the render stage (#9).
    if text.isascii() and text.isprintable():  # the common case: nothing to drop
        # and the only spaces are " ": without two in a row, there is nothing to collapse
        return (_SPACES.sub(" ", text) if "  " in text else text).strip()
    dropped = [
        ord(ch) for ch in set(text) if ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cf")
    ]
    # Bidirectional overrides and isolates (U+202A-E, U+2066-9) are format characters (Cf):
    # they can make text read differently from what it is.
    if dropped:
        text = text.translate(dict.fromkeys(dropped))
    return _SPACES.sub(" ", text).strip()


_LONG_WORD = re.compile(rf"\S{{{MAX_WORD}}}(?=\S)")
# Each special character to its escaped form, for one str.translate per text.
_ESCAPES = {ord(ch): entity for ch, entity in _MD_ENTITY.items()} | {
    ord(ch): "\\" + ch for ch in _MD_BACKSLASH
}
# In HTML every one of them is an entity: a backslash would show.
_HTML = {ord(ch): f"&#{ord(ch)};" for ch in (*_MD_BACKSLASH, "'", '"')} | {
    ord(ch): entity for ch, entity in _MD_ENTITY.items()
}


def _break_long_words(text: str) -> str:
    if len(text) <= MAX_WORD:
        return text
    return _LONG_WORD.sub(lambda m: m.group(0) + "\u200b", text)


def _escape_line(text: str, table: dict[int, str], marker: Callable[[str], str]) -> Markup:
    """`text` on one line (`plain`, long runs broken) translated by `table`; a list marker at
    its start ("1." or "-") is written by `marker`, so the line cannot begin a list."""
    text = _break_long_words(plain(text).replace("\n", " "))
    start = _LINE_START.match(text)
    if start is None:
        return safe_markup(text.translate(table))
    at = start.end() - 1
    return safe_markup(text[:at] + marker(text[at]) + text[at + 1 :].translate(table))


@lru_cache(maxsize=1 << 16)
def escape_inline(text: str) -> Markup:
    """One line of text as Markdown that renders to exactly that text.

    Memoised: names, titles and claim sentences recur on many pages, and a build escapes
    about two hundred strings per page (#9).
    """
    return _escape_line(text, _ESCAPES, "\\".__add__)


@lru_cache(maxsize=1 << 16)
def escape_html(text: str) -> Markup:
    """One line of text as HTML that shows exactly that text, for the parts of a page written
    as HTML. Markdown's characters are written as entities too (the browser shows the same
    characters), so the text stays text even where a template puts it outside an HTML block;
    line breaks become spaces, so no blank line can end an HTML block early."""
    return _escape_line(text, _HTML, lambda ch: f"&#{ord(ch)};")


def paragraphs(text: str) -> tuple[str, ...]:
    """Paragraphs of plain text: blank lines separate them, single newlines join lines."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return tuple(p for p in (plain(b.replace("\n", " ")) for b in blocks) if p)


def escape_block(text: str) -> Markup:
    """Several paragraphs of text as Markdown paragraphs, each escaped."""
    return Markup("\n\n".join(escape_inline(p) for p in paragraphs(text)))


def html_block(text: str) -> Markup:
    """`escape_block` for the parts of a page written as HTML: one <p> per paragraph."""
    return Markup("\n").join(Markup("<p>%s</p>") % escape_html(p) for p in paragraphs(text))


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) address, else None: never javascript:, data: etc."""
    if not url:
        return None
    url = plain(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if re.search(r"[\s<>\"'`\\]", url):
        return None
    return url


def link(text: str, url: str | None) -> Markup:
    """A Markdown link to an outside http(s) URL, or the text alone when the URL is unsafe."""
    target = safe_url(url)
    label = escape_inline(text)
    if target is None:
        return label
    encoded = target.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return safe_markup(f"[{label}](<{encoded}>)")


def html_link(text: str, url: str | None) -> Markup:
    """`link` for the parts of a page written as HTML."""
    target = safe_url(url)
    label = escape_html(text)
    return label if target is None else Markup(f'<a href="{escape(target)}">{label}</a>')
