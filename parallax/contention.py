"""What a claim asserts, as far as lining claims up needs it: places, control, rebuttals.

Pure; no I/O. `read_facets` turns each claim of an event or story into `Facets`: the places
its sentence names (normalised through the contested-term variants, so "Artyomovsk" is
Bakhmut), which side it says controls them ("under the control of our forces", "the enemy is
being pushed out"), whether it rebuts someone ("is mistaken", "disputed that claim", "denied"),
whom it names, and whether it is negated. `points` decides from these which claims answer the
same question and how they relate.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parallax.model import Claim, Item, Registries
from parallax.segment import any_word, fold_case, word_set
from parallax.speech_words import NATIONALITIES, NOT_NAMES, ROLE_HEADS, TITLES

GENERIC_PLACES = word_set(
    """ukraine russia ukrainian russian ukrainians russians us u.s. nato west western europe
    european eu america american military army all one kremlin"""
)
# The patterns that read a claim's sentence, written in lower case: each is compiled to
# ignore case, and as written for the lower-cased sentence, several times faster (#9). Most
# look ahead at the letters a match can start with: one test rejects most places.
_REBUTTAL = (
    r"(?=[iawdrnf])(?:\b(?:is|are|was|were)\s+(?:\w+\s+)?mistaken\b|\bdisputed?\b|"
    r"\bden(?:y|ies|ied)\b|\brejected?\b|\brefuted?\b|\bdismissed\b|\bnot true\b|\bfalse\b|"
    r"\brolled back\b|\bno (?:kind of )?retreat\b|\bnot making any kind of retreat\b)"
)
_THAT_CLAIM = r"\b(?:that|this|the|these|those) (?:claim|claims|report|reports|assertion)s?\b"
_NEGATION = r"(?=[ncd])(?:\b(?:not|no|never|nobody|none|n't|cannot|denies|denied)\b|n’t\b)"
# "under the control of our forces", "under the fire control of [Ukrainian] defense forces"
_CONTROL_BY = r"under (?:the )?(?:fire )?control of (?:the )?\[?(?P<who>our|ukrainians?|russians?)"
# The speaker's enemy losing ground: the speaker's side has the upper hand there.
_ENEMY_LOSING = (
    r"(?=[tbpesif])(?:\btrapped\b|\bbeing pushed out\b|\bpushed (?:out|back)\b|\bencircled\b|"
    r"\bsurrounded\b|\bin retreat\b|\bfled\b)"
)
READING_PATTERNS = (_REBUTTAL, _THAT_CLAIM, _NEGATION, _CONTROL_BY, _ENEMY_LOSING)


@dataclass(frozen=True, slots=True)
class _Patterns:
    """The patterns, compiled for one way of matching."""

    rebuttal: re.Pattern[str]
    that_claim: re.Pattern[str]
    negation: re.Pattern[str]
    control_by: re.Pattern[str]
    enemy_losing: re.Pattern[str]


_ANY_CASE = _Patterns(*(re.compile(p, re.IGNORECASE) for p in READING_PATTERNS))
_LOWER_CASE = _Patterns(*(re.compile(p) for p in READING_PATTERNS))


def _for_matching(text: str) -> tuple[str, _Patterns]:
    """The text to match and the patterns to match it with: folded (`segment.fold_case`),
    unless that moved an offset, which no letter known today does."""
    folded = fold_case(text)
    return (folded, _LOWER_CASE) if len(folded) == len(text) else (text, _ANY_CASE)


SCALE_DOWN = word_set(
    "retreat withdraw withdrawal limit reduce de-escalation de-escalate regroup regrouping pullback"
)
_SPEAKS_NEXT = re.compile(r"\s+[a-z]+s\b")
_CAPITAL = re.compile(r"(?<![\w’'])([A-Z][\w’'-]+)")
_POSSESSIVE = re.compile(r"(?:’s|'s)$")
# A word of SCALE_DOWN standing alone (a run of word characters and hyphens, as a sentence's
# words are read): matched directly, where every word was matched and looked up (#9).
_SCALE_DOWN_WORD = re.compile(rf"(?<![\w-])(?:{any_word(SCALE_DOWN)})(?![\w-])")
_NO_NAMES: frozenset[str] = frozenset()
_SIDE_OF = {
    "our": "",
    "ukrainian": "ukraine",
    "ukrainians": "ukraine",
    "russian": "russia",
    "russians": "russia",
}


@dataclass(frozen=True, slots=True)
class Facets:
    """One claim, read for alignment."""

    claim: Claim
    published: dt.date
    places: frozenset[str]  # normalised keys of the specific places the claim is about
    place_names: tuple[tuple[str, str], ...]  # (key, the name as written) for labels
    control: str | None  # the side the claim says holds its places
    rebuts: bool  # the sentence rejects what someone said
    rebuts_previous: bool  # "disputed that claim": the claim just before is the target
    named: frozenset[str]  # lower-cased surnames named around a rebuttal, its speaker's aside
    negated: bool
    topics: frozenset[str]  # words of SCALE_DOWN the sentence uses


def term_variants(registries: Registries | None) -> dict[str, str]:
    """Every variant of a contested term, lower-cased, to its term key."""
    if registries is None:
        return {}
    return {v.text.lower(): t.key for t in registries.terms for v in t.variants}


def read_facets(
    claims: Sequence[Claim], items_by_id: Mapping[str, Item], variants: Mapping[str, str]
) -> tuple[Facets, ...]:
    """The facets of claims given in item and reading order."""
    facets: list[Facets] = []
    for claim in claims:
        item = items_by_id.get(claim.item_id)
        previous = facets[-1] if facets and facets[-1].claim.item_id == claim.item_id else None
        facets.append(_facets(claim, item, previous, variants))
    return tuple(facets)


def _facets(
    claim: Claim, item: Item | None, previous: Facets | None, variants: Mapping[str, str]
) -> Facets:
    text = claim.sentence.text
    names = _places(text, claim.speaker, variants, skip_first=True)
    if not names and previous is not None and _is_next(previous.claim, claim):
        names = previous.place_names  # "The city is under ..." goes on from the sentence before
    if not names and item is not None:
        names = _places(item.title, claim.speaker, variants, skip_first=False)
    matched, patterns = _for_matching(text)
    rebuttal = patterns.rebuttal.search(matched)  # read once: the slowest pattern here (#9)
    return Facets(
        claim=claim,
        published=item.published if item is not None else dt.date.min,
        places=frozenset(key for key, _ in names),
        place_names=names,
        control=_control(matched, patterns, claim.side, claim.speaker),
        rebuts=rebuttal is not None,
        rebuts_previous=bool(rebuttal and patterns.that_claim.search(matched)),
        named=_named(text, rebuttal, claim.speaker),
        negated=bool(patterns.negation.search(matched)),
        topics=frozenset(_SCALE_DOWN_WORD.findall(text.lower())),
    )


def _is_next(before: Claim, after: Claim) -> bool:
    return after.sentence.index - before.sentence.index == 1


def _places(
    text: str, speaker: str, variants: Mapping[str, str], *, skip_first: bool
) -> tuple[tuple[str, str], ...]:
    """Specific places named in the text: capitalised words that are not people or titles."""
    speaker_words = {w.lower() for w in speaker.split()}
    found: dict[str, str] = {}
    for match in _CAPITAL.finditer(text):
        if skip_first and match.start() == 0:
            continue  # the first word of a sentence is capitalised whatever it is
        if not skip_first and _SPEAKS_NEXT.match(text, match.end()):
            continue  # "Moscow claims heavy losses": a speaker in a headline, not a place
        written = match[1]
        lower = written.lower()
        if written.endswith(("’s", "'s")) or _is_generic(written, lower, speaker_words):
            continue
        found.setdefault(variants.get(lower, lower), written)
    return tuple(sorted(found.items()))


def _is_generic(written: str, lower: str, speaker_words: set[str]) -> bool:
    return (
        lower in GENERIC_PLACES
        or lower in speaker_words
        or written in NOT_NAMES
        or written in NATIONALITIES
        or lower in TITLES
        or lower in ROLE_HEADS
        or written.isupper()
    )


def _control(text: str, patterns: _Patterns, side: str | None, speaker: str) -> str | None:
    """The side the sentence says holds the place; the speaker's own when it says "our"."""
    own = side or f"speaker:{speaker}"
    match = patterns.control_by.search(text)
    if match:
        return _SIDE_OF.get(match["who"].lower()) or own
    return own if patterns.enemy_losing.search(text) else None


def _named(text: str, rebuttal: re.Match[str] | None, speaker: str) -> frozenset[str]:
    """Whom a rebuttal (`rebuttal`, the rebuttal pattern's match in `text`) names in the words
    around it: "Medinsky is mistaken". Only a rebuttal's are read, so a claim that rebuts
    nothing names no one here (#9)."""
    if rebuttal is None:
        return _NO_NAMES
    near = text[max(0, rebuttal.start() - 60) : rebuttal.end() + 30]
    speaker_words = {w.lower() for w in speaker.split()}
    words = {_POSSESSIVE.sub("", m[1]).lower() for m in _CAPITAL.finditer(near)}
    return frozenset(words - speaker_words)
