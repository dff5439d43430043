"""A content file before it is written: its front matter, body and name, and how it is rendered.

Pure; no I/O. Every importer (text captures, saved pages, URLs, feeds) ends in a `Draft`, and
`render_content_file` turns it into the exact text written under content/articles/. A field
the importer could not find stays None and is written as a visible TODO, so that `check`
refuses the file until a person has filled it in.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass

from parallax.model import ARTICLE_KINDS

TODO = "TODO"
ARTICLE, LIVEBLOG = ARTICLE_KINDS
NEEDS_REVIEW = "needs-review"  # the tag of a draft whose body is not yet the outlet's text


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The fields of a content file; None means "not known", written as TODO."""

    title: str | None
    source: str | None
    published: dt.date | None
    url: str | None = None
    authors: tuple[str, ...] = ()
    language: str = "en"
    kind: str = ARTICLE
    tags: tuple[str, ...] = ()
    syndicated_from: str | None = None  # the source key of the outlet this text copies

    @property
    def todos(self) -> tuple[str, ...]:
        fields = (("title", self.title), ("source", self.source), ("published", self.published))
        return tuple(name for name, value in fields if value is None)


@dataclass(frozen=True, slots=True)
class Draft:
    """A content file before it is written: its fields, body, name and import notes."""

    front_matter: FrontMatter
    body: str
    slug: str
    notes: tuple[str, ...]  # "line 4: repeated photo caption: …", in line order

    @property
    def dest_path(self) -> str:
        """articles/<source>/<YYYY-MM-DD>-<slug>.md, with "todo"/"undated" for unknowns."""
        folder = self.front_matter.source or TODO.lower()
        day = self.front_matter.published
        return f"articles/{folder}/{day.isoformat() if day else 'undated'}-{self.slug}.md"


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII, lower case, words joined by hyphens, cut at a word; "untitled" when empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’]", "", ascii_text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:max_length]
    return slug.strip("-") or "untitled"


# Characters YAML may not hold unescaped (YAML 1.1 "printable" is narrower than JSON's).
_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x84\x86-\x9f\ufffe\uffff]")


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML, once every character YAML
    refuses to hold raw is written as an escape)."""
    return _NOT_YAML_PRINTABLE.sub(
        lambda m: f"\\u{ord(m[0]):04x}", json.dumps(text, ensure_ascii=False)
    )


_MARKDOWN_START = re.compile(r"^(?:#|>|[-+*](?: |$)|\d+[.)](?: |$)|```|~~~|[=-]+$|\|)")


def escape_markdown(text: str) -> str:
    """Plain text as a Markdown paragraph: a leading block marker is escaped."""
    match = _MARKDOWN_START.match(text)
    if match is None:
        return text
    digits = re.match(r"^\d+", text)
    at = digits.end() if digits else 0
    return text[:at] + "\\" + text[at:]


def render_blocks(blocks: tuple[tuple[bool, str], ...]) -> str:
    """(is_heading, text) blocks as Markdown: paragraphs apart, each heading a `## ` line."""
    lines = [("## " if heading else "") + escape_markdown(text) for heading, text in blocks]
    return "\n\n".join(lines) + "\n" if lines else ""


def title_todo(kind: str) -> str:
    """What a missing title is written as, so `check` names it."""
    return "TODO: headline of the live blog" if kind == LIVEBLOG else "TODO: headline"


def render_content_file(front_matter: FrontMatter, body: str) -> str:
    """The content file: YAML front matter in the documented field order, then the body."""
    fm = front_matter
    lines = [
        "---",
        f"title: {_quoted(fm.title) if fm.title else _quoted(title_todo(fm.kind))}",
        f"source: {fm.source or TODO}",
        f"published: {fm.published.isoformat() if fm.published else TODO}",
    ]
    if fm.url:
        lines.append(f"url: {_quoted(fm.url)}")
    if fm.authors:
        authors = [_quoted(a) for a in fm.authors]
        lines.append(
            f"author: {authors[0] if len(authors) == 1 else '[' + ', '.join(authors) + ']'}"
        )
    lines += [f"language: {fm.language}", f"kind: {fm.kind}"]
    lines.append("tags: [" + ", ".join(_quoted(tag) for tag in fm.tags) + "]")
    if fm.syndicated_from:
        lines.append(f"syndicated_from: {fm.syndicated_from}")
    return "\n".join([*lines, "---", body.rstrip("\n")]) + "\n"
