"""Metadata inference for raw `.txt` captures: headline, byline, date, outlet, live-blog entries.

Pure; no I/O. A capture is cleaned by `parallax.clean`, then its fields are read from the
shapes of its lines; whatever the text does not show stays None (TODO in the file). Options
given on the command line always beat inference.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import re
from collections import Counter

from rapidfuzz import fuzz, process, utils

from parallax.clean import (
    SITE_HEADER,
    TIMESTAMP,
    CleanedText,
    Line,
    Removal,
    clean_capture,
    is_headline_like,
)
from parallax.drafts import ARTICLE, LIVEBLOG, Draft, FrontMatter, render_blocks, slugify
from parallax.model import Registries

LIVEBLOG_MIN_HEADINGS = 5  # fewer headlines followed by text read as an article's subheadings
BYLINE_WINDOW = 3  # a byline sits within this many lines of the top
SOURCE_CUTOFF = 85.0  # rapidfuzz ratio (0-100) for a self-reference to name a known outlet

_NAME_WORD = r"[A-Z][^\W\d_]*(?:['’-][^\W\d_]+)*\.?"
_NAME = rf"{_NAME_WORD}(?: (?:{_NAME_WORD}|de|da|van|von|der|bin|al)){{1,3}}"
_BYLINE = re.compile(rf"^(?:By )?(?P<names>{_NAME}(?:(?:,| and| &) {_NAME})*)$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE_PATTERNS = (
    re.compile(r"(?P<month>[A-Za-z]{3,9})\.? (?P<day>\d{1,2})(?:st|nd|rd|th)?,? (?P<year>\d{4})"),
    re.compile(r"(?P<day>\d{1,2})(?:st|nd|rd|th)? (?P<month>[A-Za-z]{3,9})\.?,? (?P<year>\d{4})"),
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"),
)
_OUTLET_WORD = r"[A-Z][\w&-]*(?:\.[\w&-]+)*"
_OUTLET = rf"(?P<name>(?:The )?{_OUTLET_WORD}(?: {_OUTLET_WORD}){{0,3}})"
_SELF_REFERENCE = re.compile(
    rf"{_OUTLET}(?: (?:could(?:n[’']t| not)|cannot|can[’']t|(?:is|was|has been) unable to"
    r"|(?:has|have) not been able to) (?:independently )?(?:verify|confirm)"
    r"| (?:is|was|has been) reaching out| (?:has )?reached out to| has (?:contacted|asked))"
)


def parse_date(text: str) -> dt.date | None:
    """The first calendar date written in `text` ("May 31, 2024", "31 May 2024", ISO)."""
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        month = match["month"]
        number = int(month) if month.isdigit() else _month_number(month)
        with contextlib.suppress(ValueError):
            return dt.date(int(match["year"]), number, int(match["day"]))
    return None


def _month_number(name: str) -> int:
    key = name[:3].lower()
    return _MONTHS.index(key) + 1 if key in _MONTHS else 0


def infer_published(removals: tuple[Removal, ...]) -> dt.date | None:
    """The earliest timestamp line; else a site-header date, which is only the capture date."""
    for rule in (TIMESTAMP, SITE_HEADER):
        dates = [parse_date(r.text) for r in removals if r.rule == rule]
        known = [date for date in dates if date is not None]
        if known:
            return min(known)
    return None


def outlet_key(name: str) -> str:
    """An outlet's name folded for matching: no leading "The", lower case, no punctuation."""
    return utils.default_process(re.sub(r"^the\s+", "", name, flags=re.IGNORECASE))


def infer_source(lines: tuple[Line, ...], registries: Registries) -> str | None:
    """The outlet the text names as itself ("CNN is reaching out", "The X couldn't verify")."""
    # Each outlet is known by its name and by its domain without the ending ("theepochtimes").
    choices = [(outlet_key(s.name), s.key) for s in registries.sources]
    choices += [(outlet_key(s.domain.rsplit(".", 1)[0]), s.key) for s in registries.sources]
    found: Counter[str] = Counter()
    for line in lines:
        for match in _SELF_REFERENCE.finditer(line.text):
            key = _match_outlet(match["name"], choices)
            if key is not None:
                found[key] += 1
    return found.most_common(1)[0][0] if found else None


def _match_outlet(name: str, choices: list[tuple[str, str]]) -> str | None:
    """The key whose name best matches `name` or one of its endings ("Minister. CNN")."""
    words = name.split()
    best: tuple[str, float, int] | None = None
    for start in range(len(words)):
        candidate = outlet_key(" ".join(words[start:]))
        match = process.extractOne(
            candidate,
            [label for label, _ in choices],
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=SOURCE_CUTOFF,
        )
        if match is not None and (best is None or match[1] > best[1]):
            best = match
    return choices[best[2]][1] if best else None


def is_name_only(text: str) -> bool:
    """A byline: one to a few personal names and nothing else."""
    return _BYLINE.match(text) is not None


def detect_kind(lines: tuple[Line, ...]) -> str:
    """A live blog has several headlines that are each followed by text."""
    headings = sum(
        1
        for line, after in itertools.pairwise(lines)
        if is_headline_like(line.text)
        and not is_name_only(line.text)
        and not is_headline_like(after.text)
    )
    return LIVEBLOG if headings >= LIVEBLOG_MIN_HEADINGS else ARTICLE


def _take_title(lines: tuple[Line, ...], kind: str) -> tuple[Line | None, tuple[Line, ...]]:
    """An article's first line when it is a headline; a live blog's headlines are its entries."""
    first = lines[0].text if lines else ""
    if kind == ARTICLE and is_headline_like(first) and not is_name_only(first):
        return lines[0], lines[1:]
    return None, lines


def _take_byline(lines: tuple[Line, ...]) -> tuple[Line | None, tuple[Line, ...]]:
    """A name-only line near the top, before the first paragraph."""
    for index, line in enumerate(lines[:BYLINE_WINDOW]):
        if is_name_only(line.text):
            return line, lines[:index] + lines[index + 1 :]
        if not is_headline_like(line.text):
            break
    return None, lines


def split_byline(text: str) -> tuple[str, ...]:
    """The names of a byline: "By A, B and C" gives ("A", "B", "C")."""
    names = re.sub(r"^By ", "", text.strip())
    return tuple(name.strip() for name in re.split(r",| and | & ", names) if name.strip())


def _is_heading(lines: tuple[Line, ...], index: int, kind: str) -> bool:
    """A headline followed by text: an entry in a live blog, a subheading in an article."""
    text = lines[index].text
    followed = index + 1 < len(lines) and not is_headline_like(lines[index + 1].text)
    if not (is_headline_like(text) and followed):
        return False
    # In an article the line right under the headline is its standfirst, not a subheading.
    return kind == LIVEBLOG or (index > 0 and not is_headline_like(lines[index - 1].text))


def render_body(lines: tuple[Line, ...], kind: str) -> str:
    """Paragraphs separated by blank lines; each heading becomes a `## ` line."""
    return render_blocks(
        tuple((_is_heading(lines, index, kind), line.text) for index, line in enumerate(lines))
    )


def note(line: int, what: str, text: str) -> str:
    """One line of the import report: "line 4: photo caption: <start of the text>"."""
    start = text if len(text) <= 60 else text[:59].rstrip() + "…"
    return f"line {line}: {what}: {start}"


def _notes(cleaned: CleanedText, title: Line | None, byline: Line | None) -> tuple[str, ...]:
    moved = [(title, "headline, moved to the title"), (byline, "byline, moved to the author")]
    notes = [(r.line, note(r.line, r.rule, r.text)) for r in cleaned.removals]
    notes += [(line.number, note(line.number, what, line.text)) for line, what in moved if line]
    return tuple(text for _, text in sorted(notes))


def draft_text(
    text: str,
    registries: Registries,
    *,
    source: str | None = None,
    published: dt.date | None = None,
    url: str | None = None,
    kind: str | None = None,
) -> Draft:
    """Clean a capture and infer its fields; the keyword arguments, when given, win."""
    cleaned = clean_capture(text)
    kind = kind or detect_kind(cleaned.lines)
    title, rest = _take_title(cleaned.lines, kind)
    byline, rest = _take_byline(rest)
    front_matter = FrontMatter(
        title=title.text if title else None,
        source=source or infer_source(cleaned.lines, registries),
        published=published or infer_published(cleaned.removals),
        url=url,
        authors=split_byline(byline.text) if byline else (),
        kind=kind,
    )
    slug_text = title.text if title else " ".join(line.text for line in rest[:1])
    return Draft(
        front_matter, render_body(rest, kind), slugify(slug_text), _notes(cleaned, title, byline)
    )
