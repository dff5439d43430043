"""Figures in text: numbers with a normalised unit, what they count and how sure the writer is.

Pure; no I/O. `extract_figures` reads digits ("26,000", "1.5 million", "$300 million", "10km")
and number words ("ten", "four million", "dozens of") with the qualifier before them ("more
than", "at least", "some", "up to"), the counted noun after them, and a word near them that says
what is counted ("killed", "injured", "lost", "intercepted").

What is not a figure: dates ("July 12", "Feb. 24", "12 July"), years ("2022", "in 1952"),
clock times ("08:56PM"), ordinals ("31st", "5th"), ages ("ages 5 or 6"), numbers inside names
("article number five", "Su-34") and spans of time ("five weeks ago", "nine months", "24
hours", "100 years ahead"). Spans of time are left out on purpose: they date a claim rather
than state a quantity outlets could disagree on, and counting them would crowd the figures a
reader compares.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from parallax.figure_words import (
    ABOUT_PHRASES,
    ABOUT_WORDS,
    AREA_UNITS,
    CURRENCY_SIGNS,
    CURRENCY_WORDS,
    DEFAULT_ABOUT,
    EQUIPMENT_WORDS,
    LENGTH_UNITS,
    MONTHS,
    NOUN_UNITS,
    NUMBER_WORDS,
    QUALIFIERS,
    SCALES,
    SMALL_NUMBERS,
    TIME_WORDS,
    VAGUE,
    word_tuple,
)
from parallax.model import Figure, Sentence, Span
from parallax.segment import any_word, fold_case

__all__ = ["NUMBER_WORDS", "extract_figures"]  # NUMBER_WORDS: other stages read numbers too

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORD_NUM = any_word((*NUMBER_WORDS, *VAGUE))
# The space a currency sign may leave before its number ("$ 300") belongs to the sign: a
# match never starts on a space, so the space before each word is not a second try (#9).
_NUMBER_PATTERN = (
    rf"(?:(?P<cur>us\$|[$€£])\s?)?(?:(?P<num>{_NUM})|\b(?P<word>{_WORD_NUM})"
    rf"(?:-(?P<unit_word>{'|'.join(SMALL_NUMBERS[1:10])}))?\b)"
    r"(?:\s?(?P<scale>hundred|thousand|million|billion|trillion|bn|mn|m|k)\b)?"
)
# Matching the lower-cased text case-sensitively is several times faster than IGNORECASE;
# the slow pattern is kept for the rare text whose length changes when lower-cased.
# The lookahead is the first character a match can start with: one test rejects most
# positions before the alternatives are tried, a third of the scan (#9).
_FIRST_LETTERS = re.escape("".join(sorted({w[0] for w in (*NUMBER_WORDS, *VAGUE)})))
_NUMBER_RE = re.compile(rf"(?=[u$€£\d]|\b[{_FIRST_LETTERS}]){_NUMBER_PATTERN}")
_NUMBER_RE_ANY_CASE = re.compile(_NUMBER_PATTERN, re.IGNORECASE)
_TOKEN_RE = re.compile(r"[\w²%][\w²%'’.-]*|[—–]")


@dataclass(frozen=True, slots=True)
class _Number:
    """A number as matched, before its unit and context are read."""

    value: float
    start: int
    end: int
    currency: str | None
    vague: str | None  # "dozens", "hundreds"... when the number is a vague plural


def extract_figures(text: str) -> tuple[Figure, ...]:
    """Every figure in `text`, in reading order, with spans into `text`."""
    folded = fold_case(text)
    if len(folded) == len(text):
        return _read_figures(text, _NUMBER_RE.finditer(folded))
    return _read_figures(text, _NUMBER_RE_ANY_CASE.finditer(text))


def sentence_figures(text: str, sentences: Sequence[Sentence]) -> tuple[Figure, ...]:
    """Every figure of `text`, read sentence by sentence (`sentences` split it), with spans
    into `text`.

    A figure's words never reach into the next sentence: "in March. 5 soldiers" is a count,
    and a number closing one sentence does not count the noun opening the next. So a claim,
    which is one sentence, has the figures of its sentence here, and they are read once.
    """
    folded = fold_case(text)
    found: Iterable[tuple[Sentence, tuple[Figure, ...]]]
    if len(folded) != len(text):  # offsets move: each sentence is matched on its own
        found = ((s, extract_figures(s.text)) for s in sentences)
    else:
        matched = _by_sentence(sentences, _NUMBER_RE.finditer(folded))
        found = ((s, _read_figures(s.text, ms, s.span.start)) for s, ms in matched)
    figures: list[Figure] = []
    for sentence, read in found:
        offset = sentence.span.start
        figures += (
            dataclasses.replace(f, span=Span(f.span.start + offset, f.span.end + offset))
            if f.span is not None
            else f
            for f in read
        )
    return tuple(figures)


def _by_sentence(
    sentences: Sequence[Sentence], matches: Iterable[re.Match[str]]
) -> Iterator[tuple[Sentence, list[re.Match[str]]]]:
    """The matches of one scan of the whole text, with the sentence each lies in; sentences
    without one are left out (most have none). A match cannot run from one sentence into
    the next (a cut is a full stop and a space, or a blank line), and the text around a
    sentence is a space or nothing, so the whole text's matches are the sentence's own: a
    second scan of each sentence took a tenth of reading figures (#9)."""
    pending = list(matches)
    at = 0
    for sentence in sentences:
        while at < len(pending) and pending[at].start() < sentence.span.start:
            at += 1
        mine = []
        while at < len(pending) and pending[at].end() <= sentence.span.end:
            mine.append(pending[at])
            at += 1
        if mine:
            yield sentence, mine


def _read_figures(
    text: str, matches: Iterable[re.Match[str]], offset: int = 0
) -> tuple[Figure, ...]:
    """The figures of `text`, from the number pattern's matches in it; the matches may come
    from a longer text in which `text` starts at `offset`."""
    figures: list[Figure] = []
    for match in matches:
        number = _parse_number(match, offset)
        if number is None or _is_excluded(text, match, number):
            continue
        figure = _read_figure(text, number, figures[-1] if figures else None)
        if figure is not None:
            figures.append(figure)
    return tuple(figures)


def _parse_number(match: re.Match[str], offset: int) -> _Number | None:
    """The number a match reads, its offsets moved back by `offset`."""
    raw_word = fold_case(match["word"] or "")  # "dozenſ", matched ignoring case, is "dozens"
    if match["num"]:
        value = float(match["num"].replace(",", ""))
        if not math.isfinite(value):
            return None  # hundreds of digits: not a figure anyone reports, and not JSON
    elif raw_word in VAGUE:
        value = VAGUE[raw_word]
    else:
        word, unit_word = NUMBER_WORDS.get(raw_word), fold_case(match["unit_word"] or "")
        unit = NUMBER_WORDS.get(unit_word) if unit_word else 0.0
        if word is None or unit is None:
            return None  # a letter no table knows: never a crash on untrusted text
        value = word + unit
    scale = fold_case(match["scale"] or "")
    if scale in ("m", "k", "bn", "mn") and not (match["num"] and match["cur"]):
        scale = ""  # "10 m" is metres; only "$3m" or "$3bn" read as scales
    end = match.end() if scale else match.end("num") if match["num"] else match.end("word")
    if match["unit_word"] and not scale:
        end = match.end("unit_word")
    cur = CURRENCY_SIGNS.get((match["cur"] or "").lower())
    start = match.start("cur" if match["cur"] else "num" if match["num"] else "word")
    return _Number(
        value=value * SCALES.get(scale, 1.0),
        start=start - offset,
        end=end - offset,
        currency=cur,
        vague=raw_word if raw_word in VAGUE else None,
    )


# The patterns that end where a number starts are searched only as far back as a match can
# reach (a search tries every place in the window): those that may end in spaces, on the
# window without them (#9).
_MONTH_BEFORE = re.compile(rf"\b(?:{'|'.join(MONTHS)})\.?$", re.IGNORECASE)  # then spaces
_MONTH_REACH = max(map(len, MONTHS)) + 1
_MONTH_AFTER = re.compile(rf"^(?:st|nd|rd|th)?\s*(?:of\s+)?(?:{'|'.join(MONTHS)})\b", re.IGNORECASE)
_NAMING_WORDS = word_tuple(
    "number no. article ages age aged page chapter section resolution phase flight route "
    "highway unit brigade battalion regiment"
)
_NAMING_BEFORE = re.compile(  # then spaces
    rf"\b(?:{'|'.join(map(re.escape, _NAMING_WORDS))})$", re.IGNORECASE
)
_NAMING_REACH = max(map(len, _NAMING_WORDS))
_GLUED_BEFORE = re.compile(r"(?:[A-Za-z]-?|[\d:/])$", re.IGNORECASE)  # "Su-25", "08:56"
_GLUED_REACH = 3  # two characters, and a newline "$" may stand before
_GLUED_UNITS = ("km²", "km2", "km", "%", "bn", "m", "k")
_ORDINAL_OR_TIME_AFTER = re.compile(
    r"^(?:st|nd|rd|th)\b|^:\d|^/\d|^\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)|^[-\s](?:"
    + "|".join(sorted(TIME_WORDS, key=len, reverse=True)).replace(".", r"\.")
    + r")\b",
    re.IGNORECASE,
)
# "ages 5 or 6": a range of small numbers, read as a description rather than a count.
_RANGE_BEFORE = re.compile(r"\d\s+or\s+$")
_RANGE_AFTER = re.compile(r"\s+or\s+\d")


def _is_excluded(text: str, match: re.Match[str], number: _Number) -> bool:
    """Dates, years, times, ordinals, ages, numbers inside names and spans of time."""
    before, after = (
        text[max(0, number.start - 40) : number.start],
        text[number.end : number.end + 40],
    )
    if match["word"] and number.start > 0 and text[number.start - 1].isalnum():
        return True
    words_before = before.rstrip()
    if _ends(_MONTH_BEFORE, words_before, _MONTH_REACH) or _MONTH_AFTER.search(after):
        return True
    if (
        _ends(_NAMING_BEFORE, words_before, _NAMING_REACH)
        or _ends(_GLUED_BEFORE, before, _GLUED_REACH)
        or _ORDINAL_OR_TIME_AFTER.search(after)
    ):
        return True
    glued = after[:1].isalpha() and not after.lower().startswith(_GLUED_UNITS)
    is_range = _RANGE_BEFORE.search(before) or _RANGE_AFTER.match(after)
    return glued or _is_year(match, number, after) or bool(is_range and not match["word"])


def _ends(pattern: re.Pattern[str], text: str, reach: int) -> bool:
    """Whether `pattern`, which ends with "$" and matches at most `reach` characters, matches
    at the end of `text` (a word boundary at its start still sees the character before)."""
    return pattern.search(text, max(0, len(text) - reach)) is not None


def _is_year(match: re.Match[str], number: _Number, after: str) -> bool:
    raw = match["num"] or ""
    if not (len(raw) == 4 and raw.isdigit() and 1800 <= number.value <= 2100 and not match["cur"]):
        return False
    next_word = next(iter(_TOKEN_RE.findall(after)), "").lower()
    return _singular(next_word) not in NOUN_UNITS


@dataclass(frozen=True, slots=True)
class _Unit:
    """The unit read after a number: normalised name, factor to it, where the words end."""

    name: str
    factor: float
    end: int
    about: str | None = None  # when the counted noun itself says what is counted


_STOP = set(
    word_tuple(
        "of the and or in on at to from by that which who were was had have has is are with for "
        "as than per a an since over after before during into across including while but this "
        "these its their his her our"
    )
)
_AREA_RE = re.compile(
    r"^\s?(" + "|".join(map(re.escape, sorted(AREA_UNITS, key=len, reverse=True))) + r")\b",
    re.IGNORECASE,
)
_LENGTH_RE = re.compile(
    r"^(?:\s?|-)(" + "|".join(sorted(LENGTH_UNITS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_PERCENT_RE = re.compile(r"^\s?(%|percent\b|per cent\b)", re.IGNORECASE)
_CURRENCY_RE = re.compile(r"^\s(" + "|".join(CURRENCY_WORDS) + r")s?\b", re.IGNORECASE)


def _singular(word: str) -> str:
    word = word.lower().strip(".'’")
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    if word in NOUN_UNITS or len(word) < 4:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _read_unit(text: str, number: _Number) -> _Unit | None:
    """The measure or counted noun right after the number, or None when there is none."""
    after = text[number.end : number.end + 60]
    for pattern, table, kind in (
        (_AREA_RE, AREA_UNITS, "km2"),
        (_LENGTH_RE, LENGTH_UNITS, "km"),
    ):
        found = pattern.match(after)
        if found:
            factor = table.get(found[1].lower(), 1.0)
            return _Unit(kind, factor, number.end + found.end())
    found = _PERCENT_RE.match(after)
    if found:
        return _Unit("percent", 1.0, number.end + found.end())
    found = _CURRENCY_RE.match(after)
    if found:
        return _Unit(CURRENCY_WORDS[found[1].lower()], 1.0, number.end + found.end())
    if number.currency:
        return _Unit(number.currency, 1.0, number.end)
    return _read_noun(text, number)


def _is_demonym(word: str) -> bool:
    """A people named by nationality: "Russians", "Moldovans", "Chinese"."""
    return word[:1].isupper() and word.lower().endswith(("ans", "ese", "ians"))


def _read_noun(text: str, number: _Number) -> _Unit | None:
    """A counted noun within a few words: "Ukrainian servicemen", "pieces of heavy weaponry"."""
    tokens = list(_TOKEN_RE.finditer(text, number.end, min(len(text), number.end + 70)))
    of_ok = number.vague is not None
    for position, token in enumerate(tokens[:5]):
        raw = token[0].rstrip(".,")
        word = _singular(raw)
        if word in NOUN_UNITS or _is_demonym(raw):
            unit = NOUN_UNITS.get(word, "people")
            return _Unit(unit, 1.0, token.start() + len(raw), ABOUT_WORDS.get(raw.lower()))
        if raw.lower() in EQUIPMENT_WORDS:
            return _Unit("equipment", 1.0, token.start() + len(raw))
        if raw.lower() in ("casualties", "deaths", "fatalities", "refugees"):
            return _Unit("people", 1.0, token.start() + len(raw), ABOUT_WORDS[raw.lower()])
        if raw.lower() in ("pieces", "units", "items") or (raw.lower() == "of" and of_ok):
            of_ok = True
            continue
        if raw.lower() in _STOP or raw in "—–" or not raw[:1].isalpha():
            break
        if position == 0 and raw.islower() and raw.endswith("s") and len(raw) > 3:
            return _Unit(raw.lower(), 1.0, token.start() + len(raw))
    return None


_QUALIFIER_RE = re.compile(
    r"\b(" + "|".join(sorted(QUALIFIERS, key=len, reverse=True)) + r")\s+$", re.IGNORECASE
)
_PHRASE_RE = re.compile(r"\b(" + "|".join(ABOUT_PHRASES) + r")\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.;:!?]\s|[“”\"]")
_NEW_VERB = re.compile(r"\band\s+\w+ed\b")
_DASH_ASIDE = re.compile(r"[—–(][^—–()]*[—–)]")
_INCLUDING = re.compile(
    r"^\s*,\s*(?:including|ages|aged|among them)\s+[^,]*?(?=\s+(?:were|was|had|have|are|is)\b|,)"
)
_RELATIVE = re.compile(r"\b(?:that|which|who)\b")


def _read_figure(text: str, number: _Number, previous: Figure | None) -> Figure | None:
    unit = _read_unit(text, number)
    if unit is None and (not number.currency and (number.vague or _is_word(text, number))):
        return None
    if text[number.start : number.end].lower() == "one":
        return None  # "one soldier", "one of them": an individual, not a count to compare
    qualifier_match = _QUALIFIER_RE.search(text[max(0, number.start - 20) : number.start])
    qualifier = QUALIFIERS[qualifier_match[1].lower()] if qualifier_match else number.vague
    start = number.start - (len(qualifier_match[0]) if qualifier_match else 0)
    end = unit.end if unit else number.end
    about = (unit.about if unit else None) or _about_near(text, start, end)
    if about is None and previous is not None and _is_listed_after(text, previous, start):
        about = previous.about
    unit_name = unit.name if unit else "count"
    if about is None:
        if unit is None:
            return None  # a bare number with nothing said about it: a reference, not a figure
        about = DEFAULT_ABOUT.get(unit_name, "count")
    value = round(number.value * (unit.factor if unit else 1.0), 3)
    return Figure(value, unit_name, about, qualifier, text[start:end], Span(start, end))


def _is_listed_after(text: str, previous: Figure, start: int) -> bool:
    """Whether this figure continues a list that began with `previous` ("50 missiles, 8 drones")."""
    if previous.span is None or previous.about in (*DEFAULT_ABOUT.values(), "count", "amount"):
        return False
    between = text[previous.span.end : start]
    return len(between) < 80 and not _CLAUSE_END.search(between) and not _NEW_VERB.search(between)


def _is_word(text: str, number: _Number) -> bool:
    return not text[number.start : number.end].lstrip("$€£US").strip()[:1].isdigit()


def _about_near(text: str, start: int, end: int) -> str | None:
    """What is counted: a word just after the figure, else one just before it."""
    after = _DASH_ASIDE.sub(" ", text[end : end + 120])
    after = _INCLUDING.sub("", after)  # "three people, including two children, were killed"
    after = _RELATIVE.split(_clause(after[:60], forward=True))[0]
    after = _NEW_VERB.split(after)[0]  # "killed 78 Russians and destroyed ...": a new clause
    before = _clause(text[max(0, start - 50) : start], forward=False)
    for window, forward in ((after, True), (before, False)):
        phrase = _PHRASE_RE.search(window)
        if phrase:
            return ABOUT_PHRASES[phrase[1].lower()]
        words = [w.lower().strip(".,’'") for w in _TOKEN_RE.findall(window)]
        words = words[:6] if forward else words[-5:][::-1]
        for word in words:
            if word in ABOUT_WORDS:
                return ABOUT_WORDS[word]
            if word[:1].isdigit() or word in NUMBER_WORDS:
                break  # the words beyond another number are about that number
    return None


def _clause(window: str, *, forward: bool) -> str:
    """The part of the window on the figure's side of any sentence or quote boundary."""
    parts = _CLAUSE_END.split(window)
    return parts[0] if forward else parts[-1]
