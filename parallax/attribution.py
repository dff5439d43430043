"""Who a sentence attributes a statement to: the words naming the speaker, and how they say it.

Pure; no I/O. `find_attribution` reads one sentence. It looks for a speech verb outside the
quoted words ("X said", "said X", "X told TASS", "according to X", "citing X", "..., saying")
and reads the noun phrase that names the speaker: a person ("Russian Defence Minister Sergei
Shoigu" gives "Sergei Shoigu"; "Mr. Medvedev" gives "Medvedev"), a body ("the Kremlin",
"Russia's Defense Ministry"), a group or role ("Ukrainian officials", "the minister") or a
pronoun ("he"). Resolving pronouns and roles to a named speaker, and linking names to the
registries, is left to `claims`, which sees the whole item.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from parallax.segment import any_word
from parallax.speech_words import (
    AUXILIARIES,
    NATIONALITIES,
    NOT_NAMES,
    ORG_WORDS,
    PARTICIPLES,
    PREPOSITIONS,
    PRONOUNS,
    ROLE_HEADS,
    SPEECH_VERBS,
    TITLES,
    word_set,
)

_QUOTE_OPEN = '“‘«"'
_QUOTE_PAIRS = re.compile(
    r"“[^”\"]*?(?:”|’’|\"|$)|«[^»]*(?:»|$)|\"[^\"]*(?:\"|$)|(?<!\w)‘[^’]*’(?!\w)"
)
_TOKEN = re.compile(r"[A-Za-z][\w.’'\-]*|[,;:—–“”\"()]")
_SPLIT_TOKENS = re.compile(f"({_TOKEN.pattern})")  # split: gap, token, gap, ..., gap
_BOUNDARY_MARKS = frozenset(',;:—–“”"()')  # each a token of its own (_TOKEN)
# A speech verb or participle written as a word of its own, in lower case (a word made of
# lower-case letters, not after a hyphen). Matched directly: matching every word and looking
# each up took longer (#9).
_SPEECH_VERB = re.compile(rf"(?<![\w-])(?:{any_word(SPEECH_VERBS)})\b")
_PARTICIPLE = re.compile(rf"(?<![\w-])(?:{any_word(PARTICIPLES)})\b")
# Verbs that attribute only when nothing follows them but punctuation: "Maliar continued."
_ONLY_BEFORE_PUNCTUATION = word_set("continued maintained reported")
# Each looks ahead at the letter a match starts with first: one test rejects most places in
# a sentence before the word boundary and the words (#9).
_ACCORDING = re.compile(r"(?=a)\baccording to\s+", re.IGNORECASE)
_CITING = re.compile(r"(?=[cq])\b(?:citing|quotes|quoted|cites|cited)\s+(?!as\b)", re.IGNORECASE)
_QUOTED_AS = re.compile(r"(?=[wi])\b(?:was|were|is)\s+quoted\s+as\s+saying\b")


@dataclass(frozen=True, slots=True)
class Attribution:
    """The words of a sentence that name who is speaking."""

    speaker: str  # as written, titles dropped: "Sergei Shoigu", "Kremlin", "he", "the minister"
    kind: str  # "name" | "org" | "group" | "pronoun"
    titles: tuple[str, ...]  # the title words read before a name, lower-cased
    verb: str  # the speech verb or phrase that attributes: "said", "according to"


@lru_cache(maxsize=64)  # asked three or four times of each sentence (#9)
def quoted_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) of every quoted passage, an unclosed one running to the end."""
    return tuple((m.start(), m.end()) for m in _QUOTE_PAIRS.finditer(text))


@lru_cache(maxsize=64)
def mask_quotes(text: str) -> str:
    """The text with quoted words blanked out, quote marks and offsets kept."""
    parts: list[str] = []  # the text up to each passage's words, then spaces for them
    kept = 0
    for start, end in quoted_spans(text):
        inner = max(start + 1, end - 1)
        parts += (text[kept : start + 1], " " * (inner - start - 1))
        kept = inner
    return "".join(parts) + text[kept:] if parts else text


def quoted_word_count(text: str) -> int:
    """How many words the quoted passages hold."""
    return sum(len(text[a:b].split()) for a, b in quoted_spans(text))


def find_attribution(text: str) -> Attribution | None:
    """The speaker the sentence attributes its statement to, or None for an unattributed one."""
    return next(iter(find_attributions(text)), None)


def find_attributions(text: str) -> tuple[Attribution, ...]:
    """Every reading of who speaks in the sentence, the likeliest first."""
    return tuple(iter_attributions(text))


def iter_attributions(text: str) -> Iterator[Attribution]:
    """The readings of `find_attributions`, computed only as far as they are consumed."""
    masked = _QUOTED_AS.sub(lambda m: " " * (len(m[0]) - 6) + "saying", mask_quotes(text))
    return (found for found in _candidates(masked) if found is not None)


def find_mentions(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """People named after a title: ("Sergei Shoigu", ("russian", "defense", "minister"))."""
    tokens = _tokens(mask_quotes(text))
    found = []
    for end, token in enumerate(tokens):
        is_last = end + 1 == len(tokens) or not _is_name_word(tokens[end + 1])
        if not (_is_name_word(token) and is_last):
            continue
        named = _name(tokens[: end + 1], "")
        if named is not None and named.kind == "name" and named.titles:
            found.append((named.speaker, named.titles))
    return tuple(found)


def _candidates(masked: str) -> Iterator[Attribution | None]:
    for verb in _SPEECH_VERB.finditer(masked):
        if _is_speech_use(masked, verb):
            found = _after_verb(masked, verb) or _before_verb(masked, verb)
            if verb[0] in _ONLY_BEFORE_PUNCTUATION and found and found.kind == "group":
                continue  # "the departure of units continued, Cherevatyi added"
            yield found
    for pattern in (_ACCORDING, _CITING):
        for match in pattern.finditer(masked):
            yield _read_forward(masked, match.end(), match[0].strip().lower())
    for verb in _PARTICIPLE.finditer(masked):
        if masked[: verb.start()].rstrip().endswith(","):
            yield _subject_before(masked, verb)


def _is_speech_use(masked: str, verb: re.Match[str]) -> bool:
    """ "Popko continued, ..." speaks; "Russia continued its strikes" does not."""
    if verb[0] not in _ONLY_BEFORE_PUNCTUATION:
        return True
    return masked[verb.end() : verb.end() + 1] in (",", ".", "”", '"', ":", "")


# Verbs that may come before their speaker: "..., said Pentagon spokesman John Kirby."
INVERTING = word_set("said says added adds stated wrote asserted noted continued explained warned")
_TIME_TAIL = word_set(
    """on earlier later late last this week night morning evening afternoon today yesterday
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december"""
)
_FORWARD_STOP = word_set("on at who that which when after as citing during while and earlier with")


class _Tok(NamedTuple):  # a tuple, made once per word per reading: cheaper than a dataclass
    text: str
    start: int
    lower: str  # text.lower()
    is_capital: bool  # text[:1].isupper()

    @property
    def is_boundary(self) -> bool:
        return self.text in _BOUNDARY_MARKS


def _tokens(text: str) -> list[_Tok]:
    return list(_token_tuple(text))


_new_tuple = tuple.__new__  # a NamedTuple's own constructor is a Python call, twice as slow


@lru_cache(maxsize=128)  # a sentence's text before a verb is read by two readings, or more (#9)
def _token_tuple(text: str) -> tuple[_Tok, ...]:
    tokens: list[_Tok] = []
    append = tokens.append
    # The tokens and the gaps between them from one split, each token's start counted from
    # their lengths: cheaper than a match object per token (#9).
    parts = _SPLIT_TOKENS.split(text)
    at = 0
    for gap, word in zip(parts[:-1:2], parts[1::2], strict=True):  # a word is never empty
        start = at + len(gap)
        at = start + len(word)
        lower = word.lower()
        if word[-1] == "." and len(word) > 2 and lower not in TITLES:
            word = word.rstrip(".")
            lower = word.lower()
        append(_new_tuple(_Tok, (word, start, lower, word[0].isupper())))
    return tuple(tokens)


def _strip_tail(tokens: list[_Tok]) -> list[_Tok]:
    """Drop auxiliaries, adverbs and time words between a speaker and the verb."""
    while tokens and (tokens[-1].lower in AUXILIARIES or tokens[-1].lower in _TIME_TAIL):
        tokens = tokens[:-1]
    return tokens


def _last_segment(tokens: list[_Tok]) -> list[_Tok]:
    """The tokens after the last boundary mark."""
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i].is_boundary:
            return tokens[i + 1 :]
    return tokens


def _before_verb(masked: str, verb: re.Match[str]) -> Attribution | None:
    """ "Mr. Medvedev, who ..., said": the noun phrase before the verb, appositives skipped."""
    if masked[verb.end() : verb.end() + 4] == " to ":
        return None  # "what Russia claims to be": not a statement
    return _np_before(masked[: verb.start()], verb[0])


def _np_before(text: str, verb: str) -> Attribution | None:
    tokens = _strip_tail(_tokens(text))
    if tokens and tokens[-1].text == ",":
        segment = _last_segment(tokens[:-1])
        if segment and segment[0].is_capital and segment[0].text not in NOT_NAMES:
            found = _parse_np(segment, verb)
            if found is not None:
                return found  # "chief negotiator, Vladimir Medinsky, said"
        tokens = _strip_tail(tokens[: max(0, len(tokens) - len(segment) - 2)])
    segment = _last_segment(tokens)
    if segment and segment[-1].lower == "who":
        return _np_before(text[: segment[-1].start], verb)  # "Jens Stoltenberg, who said"
    return _parse_np(segment, verb)


def _after_verb(masked: str, verb: re.Match[str]) -> Attribution | None:
    """ "..., said Pentagon spokesman John Kirby": the speaker after an inverted verb."""
    if verb[0] not in INVERTING:
        return None
    before = _tokens(masked[: verb.start()])
    if before and not before[-1].is_boundary:
        return None
    after = _first_segment(_tokens(masked[verb.end() : verb.end() + 120]))
    if not after or not all(_is_np_word(t) for t in after[:6]):
        return None  # ", said an hour-long call ..." is not a speaker
    return _read_forward(masked, verb.end(), verb[0], inverted=True)


def _is_np_word(token: _Tok) -> bool:
    lower = token.lower
    return (
        token.is_capital
        or lower in TITLES
        or lower in ROLE_HEADS
        or lower in _DETERMINERS
        or lower
        in (
            "of",
            "for",
            "on",
            "in",
            "at",
        )
    )


def _read_forward(
    masked: str, start: int, verb: str, *, inverted: bool = False
) -> Attribution | None:
    """The noun phrase starting at `start`: "according to Popko, ...", "citing the Kremlin"."""
    tokens = _tokens(masked[start : start + 160])
    phrase: list[_Tok] = []
    for i, token in enumerate(tokens):
        if token.is_boundary or token.lower in _FORWARD_STOP:
            break
        if token.lower == "in" and not (i + 1 < len(tokens) and tokens[i + 1].is_capital):
            break
        phrase.append(token)
    found = _parse_np(phrase, verb)
    rest = tokens[len(phrase) :]
    if found is not None and found.kind == "group" and rest[:1] and rest[0].text == ",":
        named = _parse_np(_first_segment(rest[1:]), verb)  # "wrote the governor, Vyacheslav Chaus"
        if named is not None and named.kind == "name":
            return named
    return found if (found is None or not inverted or found.kind != "pronoun") else None


def _first_segment(tokens: list[_Tok]) -> list[_Tok]:
    for i, token in enumerate(tokens):
        if token.is_boundary:
            return tokens[:i]
    return tokens


def _subject_before(masked: str, verb: re.Match[str]) -> Attribution | None:
    """ "Kadyrov released a video, assuring ...": the nearest speaker not after a preposition."""
    tokens = [t for t in _tokens(masked[: verb.start()]) if not t.is_boundary]
    for end in range(len(tokens) - 1, -1, -1):
        token = tokens[end]
        if token.lower in ("he", "she", "they") and (
            end == 0 or tokens[end - 1].lower not in PREPOSITIONS
        ):
            return Attribution(token.lower, "pronoun", (), verb[0])
        if not _is_name_word(token) or (end + 1 < len(tokens) and _is_name_word(tokens[end + 1])):
            continue
        start = end
        while start > 0 and (_is_name_word(tokens[start - 1]) or tokens[start - 1].lower in TITLES):
            start -= 1
        if start > 0 and tokens[start - 1].lower in PREPOSITIONS:
            continue
        found = _parse_np(tokens[start : end + 1], verb[0])
        if found is not None and found.kind in ("name", "org"):
            return found
    return None


_DETERMINERS = word_set("the a an its his her their which who that")


def _is_name_word(token: _Tok) -> bool:
    text = token.text
    return (
        token.is_capital
        and text not in NOT_NAMES
        and text not in NATIONALITIES
        and token.lower not in TITLES
        and token.lower not in ROLE_HEADS
        and not text.endswith(("’s", "'s"))
        and not (text.isupper() and len(text) <= 4)  # "US", "UK", "NATO" are not names
        and text not in ORG_WORDS
    )


def _parse_np(tokens: list[_Tok], verb: str) -> Attribution | None:
    """Read a speaker from the words of a noun phrase; None when they name nobody."""
    tokens = [t for t in tokens if not t.is_boundary]
    while tokens and tokens[0].lower in _DETERMINERS:
        tokens = tokens[1:]
    if not tokens:
        return None
    last = tokens[-1]
    if len(tokens) == 1 and last.text in PRONOUNS:
        return Attribution(last.lower, "pronoun", (), verb)
    if last.text in ORG_WORDS or (last.text.isupper() and len(last.text) > 1):
        return Attribution(_org_phrase(tokens), "org", (), verb)
    if _is_name_word(last):
        return _name(tokens, verb)
    if last.lower in ROLE_HEADS:
        return _group(tokens, verb)
    for i, token in enumerate(tokens[1:], start=1):
        if token.lower in ("of", "from"):
            left = _parse_np(tokens[:i], verb)  # "Yurii Syrotiuk of the 5th brigade"
            return left if left is not None and left.kind == "name" else None
    return None


def _name(tokens: list[_Tok], verb: str) -> Attribution | None:
    start = len(tokens) - 1
    while start > 0 and _is_name_word(tokens[start - 1]):
        start -= 1
    before = tokens[start - 1].lower if start > 0 else ""
    if before in ("in", "from", "near", "at"):
        left = _parse_np(tokens[: start - 1], verb)  # "the Defense Ministry in Moscow"
        if left is not None and left.kind in ("group", "org"):
            phrase = " ".join(t.text for t in tokens if t.lower not in _DETERMINERS)
            return Attribution(phrase, left.kind, (), verb)
        return left
    if before in ("of", "for", "to", "with", "by"):
        return None  # "a close ally of Mr. Putin" names someone else
    titles = []
    for token in reversed(tokens[:start]):
        if not (token.lower in TITLES or token.text in NATIONALITIES or token.is_capital):
            break
        titles.append(token.lower)
    name = " ".join(t.text for t in tokens[start:])
    return Attribution(name, "name", tuple(reversed(titles)), verb)


def _group(tokens: list[_Tok], verb: str) -> Attribution:
    """ "Ukrainian officials", "the spokesman for the Defense Ministry" (the ministry speaks)."""
    for i, token in enumerate(tokens):
        if token.lower in ("for", "of") and any(t.text in ORG_WORDS for t in tokens[i + 1 :]):
            return Attribution(_org_phrase(tokens[i + 1 :]), "org", (), verb)
    words = [t.text for t in tokens[-7:]]
    while words and words[0].lower() in (*_DETERMINERS, "of", "for"):
        words = words[1:]
    return Attribution(" ".join(words), "group", (), verb)


def _org_phrase(tokens: list[_Tok]) -> str:
    start = len(tokens)
    while start > 0 and (
        tokens[start - 1].is_capital or tokens[start - 1].lower in ("of", "the", "and")
    ):
        start -= 1
    words = [t.text for t in tokens[start:]]
    while words and words[0].lower() in ("of", "the", "and"):
        words = words[1:]
    return " ".join(words) or tokens[-1].text
