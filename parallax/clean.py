"""Text cleanup: Unicode and whitespace normalisation, quote styles, and capture noise.

Pure; no I/O. A raw capture is cut into numbered lines, and each noise rule below looks at
the lines still kept and says which ones to drop and why, so the importer can report
exactly what it removed ("line 4: repeated photo caption"). The rules are general
(shapes of lines), never strings copied from one capture, and each one errs on the side of
keeping text: a sentence that merely looks like noise stays.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, utils

from parallax.model import Article

# Reasons, as the import report prints them.
SITE_HEADER = "site header"
TIMESTAMP = "timestamp line"
DANGLING_LABEL = "label with no value"
PHOTO_CAPTION = "photo caption"
REPEATED_CAPTION = "repeated photo caption"
DUPLICATED_HEADLINE = "duplicated headline"
REPEATED_LINE = "repeated line"
TEASER = "teaser of another story"
TRAILING_BLOCK = "list of other stories, and everything after it"
COMMENTS = "comment section"
CUT_OFF_HEADLINE = "cut-off entry: a headline with no text after it"

NEARBY = 3  # how many kept lines back a repeat or a duplicate caption is looked for
CAPTION_SIMILARITY = 85.0  # rapidfuzz ratio (0-100) above which two captions are one photo
MAX_TEASER_LINES = 4  # a teaser never swallows more than this many lines
HEADLINE_MAX_CHARS = 200
HEADLINE_MAX_WORDS = 25


@dataclass(frozen=True, slots=True)
class Line:
    """One non-blank line of a capture, normalised, with its 1-based line number."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Removal:
    """A line the cleaner dropped, and the rule that dropped it."""

    line: int  # 1-based line in the capture
    rule: str  # one of the reasons above
    text: str


@dataclass(frozen=True, slots=True)
class CleanedText:
    """A capture without its noise: the kept lines (one paragraph each) and what went."""

    lines: tuple[Line, ...]
    removals: tuple[Removal, ...]  # sorted by line

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(line.text for line in self.lines)


Rule = Callable[[tuple[Line, ...]], tuple[Removal, ...]]

# --- normalisation ----------------------------------------------------------------------------

# Every Unicode space except tab and newline, and " " itself, which needs no replacing: one
# replacement per space was most of the time normalising a body took (#9).
_SPACES = re.compile(r"[^\S\n\t ]")
_RUNS_OF_SPACES = re.compile(r" {2,}")
_QUOTE_PAIRS = {"’’": "”", "‘‘": "“", "``": "“"}  # two single quotes used as one double quote
_BLANK_LINES = re.compile(r"\n{3,}")


def _is_dropped_char(char: str) -> bool:
    """Zero-width, bidi-override and other format or control characters."""
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and char not in "\n\t")


def _normal_line_endings(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _normal_lines(text: str) -> str:
    """Every line NFC, without invisible characters, its Unicode spaces as spaces, without
    trailing space; the line breaks as they are.

    Made on the whole text at once, where a call per line was most of the time this took
    (#9): no step reaches across a newline (a newline composes with nothing, and no pattern
    or quote pair holds one)."""
    text = unicodedata.normalize("NFC", _normal_line_endings(text))
    # Each distinct character is classified once, not each character; a printable text has
    # none to drop: isprintable() is False for every Cc and Cf character.
    if not text.replace("\n", " ").isprintable():
        dropped = [c for c in set(text) if _is_dropped_char(c)]
        if dropped:
            text = text.translate(dict.fromkeys(map(ord, dropped)))
    for pair, quote in _QUOTE_PAIRS.items():
        text = text.replace(pair, quote)
    # After the spaces are made " ", a line can end only in spaces and tabs.
    return "\n".join(line.rstrip(" \t") for line in _SPACES.sub(" ", text).split("\n"))


def normalise_text(text: str) -> str:
    """Normalised text (`_normal_lines`): one blank line at most between paragraphs, ending
    in a newline."""
    joined = _BLANK_LINES.sub("\n\n", _normal_lines(text)).strip("\n")
    return joined + "\n" if joined else ""


def clean_article(article: Article) -> Article:
    """The article with a normalised body (imported bodies were already cleaned of noise)."""
    return dataclasses.replace(article, body=normalise_text(article.body))


def capture_lines(text: str) -> tuple[Line, ...]:
    """The non-blank lines of a capture, normalised, numbered as in the file."""
    lines = _normal_lines(text).split("\n")
    normal = (_RUNS_OF_SPACES.sub(" ", line).strip() for line in lines)
    return tuple(Line(number, line) for number, line in enumerate(normal, 1) if line)


# --- shapes of lines --------------------------------------------------------------------------

_CLOSERS = "\"'”’»)]"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,? )"
DATE = (
    rf"(?:{_WEEKDAY}?(?:{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH},? \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}))"
)
_TIME = (
    r"(?:\d{1,2}[:.]\d{2}(?::\d{2})?(?: ?[AaPp]\.?[Mm]\.?)?(?: ?[A-Z]{2,4}| ?[+-]\d{2}:?\d{2}|Z)?)"
)
_LABEL = r"(?:(?:Last )?(?:Updated|Published|Posted|Modified)(?: on)?:? )"
_BARE_DATE = re.compile(rf"^{DATE}$")
_TIMESTAMP = re.compile(
    rf"^(?:{_LABEL}?{DATE}(?:,? (?:at )?|T| - ){_TIME}|{_LABEL}{DATE})$", re.IGNORECASE
)
_WEATHER = re.compile(r"^-?\d{1,3}(?:[.,]\d)? ?°? ?[CF]$")
_DANGLING = re.compile(r"^(?:Last )?(?:Updated|Published|Posted|Modified|Date)(?: on)? ?:?$", re.I)
_AGENCY = re.compile(r"/|\bvia\b|Getty Images|Reuters|\bAFP\b|\bAP\b|\bEPA\b|Shutterstock")
_CAPTION = re.compile(r"^(?P<text>.*[.!?][”’\"']?) (?P<credit>\([^()]{2,80}\)|[A-Z][^.!?]{1,80})$")
_MARKER_WORDS = r"read more|related|see also|also read|more on this story|recommended"
_TEASER_MARKER = re.compile(rf"^(?:{_MARKER_WORDS})(?: ?[:.]| ?»)?$", re.IGNORECASE)
_TEASER_INLINE = re.compile(rf"^(?:{_MARKER_WORDS}) ?: \S", re.IGNORECASE)
_TRAILING_HEADING = re.compile(
    r"^(?:(?:most (?:popular|read|viewed|shared)|trending)(?: (?:now|today|articles|stories|news))?"
    r"|(?:popular|related|recommended) (?:now|articles|stories|for you))(?: ?:)?$",
    re.IGNORECASE,
)
_COMMENT_BY = re.compile(r"^\S+(?: \S+){0,2} in: [\"“‘'A-Z0-9].*[^.]$")
_COMMENT_HEADING = re.compile(
    r"^(?:\d+ )?(?:comments?|responses?|replies|leave a (?:reply|comment)|join the discussion)$",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://|www\.\w", re.IGNORECASE)


def is_headline_like(text: str) -> bool:
    """A short line that does not end a sentence: a headline, a subheading, a name."""
    words = text.split()
    ends = text.rstrip(_CLOSERS)[-1:]
    starts_well = text[:1].isupper() or text[:1].isdigit() or text[:1] in "“‘\"'"
    return (
        0 < len(words) <= HEADLINE_MAX_WORDS
        and len(text) <= HEADLINE_MAX_CHARS
        and ends not in ".!?…:;,"
        and starts_well
    )


def ends_sentence(text: str) -> bool:
    """True when the line ends like a sentence, after any closing quotes."""
    return text.rstrip(_CLOSERS)[-1:] in (".", "!", "?", "…")


def is_caption(text: str) -> bool:
    """A line that ends with a photo credit: "… on July 11. (Name/Agency)"."""
    match = _CAPTION.match(text)
    return match is not None and _AGENCY.search(match["credit"]) is not None


def _similar(a: str, b: str) -> bool:
    score = fuzz.ratio(a, b, processor=utils.default_process, score_cutoff=CAPTION_SIMILARITY)
    return score > 0


def _same_text(a: str, b: str) -> bool:
    return utils.default_process(a) == utils.default_process(b)


def _drop(lines: tuple[Line, ...], rule: str) -> tuple[Removal, ...]:
    return tuple(Removal(line.number, rule, line.text) for line in lines)


# --- rules ------------------------------------------------------------------------------------


def drop_site_header(lines: tuple[Line, ...]) -> tuple[Removal, ...]:
    """Weather readings and bare date lines above the first headline or paragraph."""
    count = 0
    while count < len(lines) and (
        _WEATHER.match(lines[count].text) or _BARE_DATE.match(lines[count].text)
    ):
        count += 1
    return _drop(lines[:count], SITE_HEADER)


def drop_trailing_block(lines: tuple[Line, ...]) -> tuple[Removal, ...]:
    """A "Most Popular", "Most Read" or "Trending" heading, and every line after it."""
    for index, line in enumerate(lines):
        if index > 0 and _TRAILING_HEADING.match(line.text):
            return _drop(lines[index:], TRAILING_BLOCK)
    return ()


def _is_comment_like(text: str) -> bool:
    return bool(
        _COMMENT_BY.match(text)
        or _COMMENT_HEADING.match(text)
        or _URL.search(text)
        or text.endswith(("...", "…"))
        or len(text.split()) <= 25
    )


def drop_comments(lines: tuple[Line, ...]) -> tuple[Removal, ...]:
    """The comments after an article: from the first "<name> in: <title>" line (or a
    "Comments" heading) to the end, when every line from there on looks like a comment."""
    start = len(lines)
    while start > 0 and _is_comment_like(lines[start - 1].text):
        start -= 1
    for index in range(max(start, 1), len(lines)):
        text = lines[index].text
        if _COMMENT_BY.match(text) or _COMMENT_HEADING.match(text):
            return _drop(lines[index:], COMMENTS)
    return ()


def drop_teasers(lines: tuple[Line, ...]) -> tuple[Removal, ...]:
    """ "Read more" and the headline or caption lines after it, up to the next paragraph."""
    removals: list[Removal] = []
    index = 0
    while index < len(lines):
        text = lines[index].text
        if _TEASER_INLINE.match(text) and not ends_sentence(text):
            removals.append(Removal(lines[index].number, TEASER, text))
        elif _TEASER_MARKER.match(text):
            end = index + 1
            while end < len(lines) and end <= index + MAX_TEASER_LINES:
                if ends_sentence(lines[end].text):
                    break
                end += 1
            removals += _drop(lines[index:end], TEASER)
            index = end - 1
        index += 1
    return tuple(removals)


def drop_timestamps(lines: tuple[Line, ...]) -> tuple[Removal, ...]:
    """Lines that are only a date and time ("May 31, 2024 at 08:56PM", "Published: …")."""
    return _drop(tuple(line for line in lines if _TIMESTAMP.match(line.text)), TIMESTAMP)


def drop_dangling_labels(lines: tuple[Line, ...]) -> tuple[Removal, ...]:
    """ "Updated:" or "Published:" lines whose value the capture lost."""
    return _drop(tuple(line for line in lines if _DANGLING.match(line.text)), DANGLING_LABEL)


def drop_captions(lines: tuple[Line, ...]) -> tuple[Removal, ...]:
    """Photo captions; "repeated" when a near-duplicate caption sits nearby."""
    captions = [index for index, line in enumerate(lines) if is_caption(line.text)]
    removals = []
    for index in captions:
        twins = [
            other
            for other in captions
            if other != index
            and abs(other - index) <= NEARBY
            and _similar(lines[index].text, lines[other].text)
        ]
        rule = REPEATED_CAPTION if twins else PHOTO_CAPTION
        removals.append(Removal(lines[index].number, rule, lines[index].text))
    return tuple(removals)


def drop_repeated_lines(lines: tuple[Line, ...]) -> tuple[Removal, ...]:
    """A line that repeats one of the few lines before it; the first copy stays."""
    removals = []
    for index, line in enumerate(lines):
        earlier = lines[max(0, index - NEARBY) : index]
        if len(line.text.split()) >= 3 and any(_same_text(line.text, e.text) for e in earlier):
            rule = DUPLICATED_HEADLINE if is_headline_like(line.text) else REPEATED_LINE
            removals.append(Removal(line.number, rule, line.text))
    return tuple(removals)


def drop_cut_off_headline(lines: tuple[Line, ...]) -> tuple[Removal, ...]:
    """A headline as the very last line, after a paragraph: its entry was cut off."""
    is_cut_off = len(lines) > 2 and is_headline_like(lines[-1].text)
    if is_cut_off and not is_headline_like(lines[-2].text):
        return _drop(lines[-1:], CUT_OFF_HEADLINE)
    return ()


# Order matters: blocks cut from the end first, so that later rules judge only article text.
RULES: tuple[Rule, ...] = (
    drop_site_header,
    drop_trailing_block,
    drop_comments,
    drop_teasers,
    drop_timestamps,
    drop_dangling_labels,
    drop_captions,
    drop_repeated_lines,
    drop_cut_off_headline,
)


def clean_lines(lines: tuple[Line, ...], rules: tuple[Rule, ...] = RULES) -> CleanedText:
    """Apply the rules in order, each to the lines the earlier ones kept."""
    removals: list[Removal] = []
    for rule in rules:
        dropped = rule(lines)
        gone = {removal.line for removal in dropped}
        lines = tuple(line for line in lines if line.number not in gone)
        removals += dropped
    return CleanedText(lines, tuple(sorted(removals, key=lambda r: r.line)))


def clean_capture(text: str) -> CleanedText:
    """A raw capture, normalised, without its noise, with a record of what was removed."""
    return clean_lines(capture_lines(text))
