"""The site's URL scheme: where each page goes under site_src/, its anchors, links between pages.

Pure. Every destination and anchor the build writes is made here, so URLs stay stable across
rebuilds and a page object never holds a path it did not get from this module. Ids from the
analysis are treated as untrusted: anything outside a small safe alphabet is turned into a
slug plus a short hash, so no id can leave its folder or break a link.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from functools import lru_cache

from markupsafe import Markup

from parallax.markup import escape_html, escape_inline, safe_markup
from parallax.model import Item, Sentence

_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_SAFE_HREF = re.compile(r"^(\.\./)*[a-z0-9][a-z0-9/._-]*(#[a-z0-9_-]+)?$|^#[a-z0-9_-]+$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")

HOME = "index.md"
STORIES_INDEX = "stories/index.md"
SOURCES_INDEX = "sources/index.md"
ACTORS_INDEX = "actors/index.md"
COVERAGE = "coverage.md"
VOCABULARY = "vocabulary.md"
METHODOLOGY = "methodology.md"
DATA_INDEX = "data/index.md"
FEED = "data/feed.xml"
CLAIMS_DATA = "data/claims.json"
POINTS_DATA = "data/points.json"
EVENTS_DATA = "data/events.json"


# Pages link to the same articles, actors and sources hundreds of thousands of times in a
# build: a safe id, and an article's path, are worked out once per id (#9).
_PER_ID = 1 << 17


@lru_cache(maxsize=_PER_ID)
def safe_id(raw: str) -> str:
    """`raw` when it is a safe lowercase id, else a slug of it plus an 8-digit hash."""
    if _SAFE_ID.fullmatch(raw):
        return raw
    base = slug(raw)[:48].strip("-")
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:8]
    return f"{base}-{digest}" if base else f"id-{digest}"


def slug(text: str) -> str:
    """Lowercase letters and digits joined by "-", at most 60 characters; may be empty."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:60].strip("-")


def story_dest(story_id: str) -> str:
    """stories/<story id>.md"""
    return f"stories/{safe_id(story_id)}.md"


def event_anchor(event_id: str) -> str:
    """The anchor of an event's section on its story page."""
    return f"event-{safe_id(event_id)}"


@lru_cache(maxsize=_PER_ID)
def article_dest(article_id: str) -> str:
    """articles/<source>/<YYYY-MM-DD>-<slug>.md: the article's id with ".md"."""
    parts = article_id.split("/")
    return "/".join(safe_id(part) for part in parts) + ".md"


def source_dest(source_key: str) -> str:
    """sources/<source key>.md"""
    return f"sources/{safe_id(source_key)}.md"


def actor_dest(actor_key: str) -> str:
    """actors/<actor key>.md"""
    return f"actors/{safe_id(actor_key)}.md"


def item_anchor(item: Item) -> str | None:
    """The heading anchor of a live-blog entry on its article page; None for a whole article."""
    return None if item.anchor is None else f"item-{safe_id(item.anchor)}"


def sentence_anchor(item: Item, sentence: Sentence) -> str:
    """The anchor of one sentence on its article page: s-<n>, prefixed by the entry's anchor."""
    prefix = item_anchor(item)
    return f"s-{sentence.index}" if prefix is None else f"{prefix}-s-{sentence.index}"


def relative(from_dest: str, to_dest: str, anchor: str | None = None) -> str:
    """A link from one page to another (or to an anchor on it), relative as MkDocs wants it."""
    if from_dest == to_dest and anchor is not None:
        return f"#{anchor}"
    path = _relpath(to_dest, _dirname(from_dest))
    return path if anchor is None else f"{path}#{anchor}"


# A build links from about ten thousand pages, in a handful of folders (#9).
_dirname = lru_cache(maxsize=1 << 15)(posixpath.dirname)


def _relpath(to_dest: str, start: str) -> str:
    """posixpath.relpath for the plain relative paths made here, without its two calls to
    os.getcwd: links are made tens of thousands of times per build (#9)."""
    if not to_dest or "/." in f"/{to_dest}/{start}" or "/" in (to_dest[0], start[:1]):
        return posixpath.relpath(to_dest, start or ".")  # ".", ".." or absolute: the real one
    folder, _, name = to_dest.rpartition("/")
    if name and name not in start:  # the folder's path, worked out once per pair of folders
        path = _relfolder(folder, start)
        return name if path == "." else f"{path}/{name}"
    return _relparts(to_dest, start)


@lru_cache(maxsize=1 << 12)
def _relfolder(folder: str, start: str) -> str:
    return _relparts(folder, start)


def _relparts(to_dest: str, start: str) -> str:
    target = [part for part in to_dest.split("/") if part]
    base = [part for part in start.split("/") if part]
    common = 0
    while common < min(len(target), len(base)) and target[common] == base[common]:
        common += 1
    parts = [".."] * (len(base) - common) + target[common:]
    return "/".join(parts) if parts else "."


def site_url(dest: str, anchor: str | None = None) -> str:
    """The page's URL relative to the site root, as MkDocs publishes it (directory URLs)."""
    path = dest  # a data file keeps its name
    if dest.endswith(".md"):
        path = dest.removesuffix(".md")
        path = "" if path == "index" else path.removesuffix("/index") + "/"
    return path if anchor is None else f"{path}#{anchor}"


def site_files(url: str, href: str) -> tuple[str, ...]:
    """`site_url` backwards: the files under site_src/ that the published `url` (relative to
    the site root, normalised, reached by `href`) may stand for. A page is its folder, and a
    link to it ends in "/"; a data file keeps its name."""
    if not href.endswith("/") and href.rpartition("/")[2] not in (".", ".."):
        return (url,)
    if url == ".":
        return ("index.md",)
    return (f"{url}.md", f"{url}/index.md")


def served_href(from_dest: str, href: str) -> str:
    """A link made by `relative` for the Markdown page `from_dest`, as the page MkDocs
    publishes needs it: MkDocs rewrites the links it finds in Markdown, not those in the
    parts of a page written as HTML, and with directory URLs each page sits one folder
    deeper than its Markdown file."""
    path, hash_, anchor = href.partition("#")
    return _served_path(from_dest, path) + hash_ + anchor if path else href


# A story page links each of its articles once per claim, an actor page each of its events
# once per claim: the path is worked out once per page and target (#9).
@lru_cache(maxsize=1 << 16)
def _served_path(from_dest: str, path: str) -> str:
    target = posixpath.normpath(posixpath.join(_dirname(from_dest), path))
    url = site_url(target)
    here = site_url(from_dest)  # a folder: "" or ending in "/"
    found = _relparts(url, here)
    if url.endswith("/") or not url:  # a page, published as its folder
        return "./" if found == "." else found + "/"
    return found


def _checked(href: str) -> str:
    if not _SAFE_HREF.match(href) or "//" in href:
        raise ValueError(f"not an internal link: {href!r}")
    return href


def page_link(text: str, href: str) -> Markup:
    """A Markdown link to a page of the site; `href` comes from `relative` and is checked again."""
    return safe_markup(f"[{escape_inline(text)}]({_checked(href)})")


# A link in a page's HTML parts (`html_page_link`, markup.html_link); Markdown's own links
# are MkDocs' to check, and escaped text cannot hold this.
_HTML_HREF = re.compile(r'<a href="([^"]*)"')


# The shape of every path `page_links` finds in the links the pages make (`served_href`).
_PAGE_LINK = re.compile(r"^(?:\.\./|\./)*[a-z0-9][a-z0-9/._-]*$|^\.\.?/$|^(?:\.\./)+$")


def page_links(text: str) -> tuple[str, ...]:
    """The paths the links of a page's HTML parts lead to, each once and sorted: without
    their anchors, and without links inside the page or out of the site."""
    if '<a href="' not in text:
        return ()
    paths = {href.partition("#")[0] for href in _HTML_HREF.findall(text)}
    return tuple(sorted(p for p in paths if p and "://" not in p))


def is_page_link(path: str) -> bool:
    """Whether `path` has the shape of the paths `page_links` finds in the pages' own links:
    for a record of them read back from a file."""
    return _PAGE_LINK.match(path) is not None


def html_page_link(text: str, href: str, from_dest: str) -> Markup:
    """`page_link` for the parts of a page written as HTML, with the link MkDocs would have
    made of `href` on the page `from_dest`."""
    return safe_markup(
        f'<a href="{served_href(from_dest, _checked(href))}">{escape_html(text)}</a>'
    )
