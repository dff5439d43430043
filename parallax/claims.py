"""Claims: every attributed statement in an item, with its speaker, side, sentence and figures.

Pure; no I/O. `extract_claims` reads an item's sentences in order, keeping what it needs to
resolve "he said", "the minister said" and a quote that runs over several sentences. Speakers
are linked to actors.yml through names, aliases and surnames, with RapidFuzz for spelling
variants; an unknown speaker is kept as written. The outlet's own voice ("RT reports") is
never a speaker. Lining claims up into points lives in `points`, word choices in `framing`,
and the JSON the command line prints in `claims_json`; they are re-exported here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from parallax.attribution import (
    Attribution,
    find_mentions,
    iter_attributions,
    quoted_spans,
    quoted_word_count,
)
from parallax.claims_json import claims_to_json
from parallax.figures import sentence_figures
from parallax.framing import framing_terms
from parallax.memo import by_identity
from parallax.model import Actor, Claim, Figure, Item, Registries, Sentence
from parallax.points import align_claims
from parallax.segment import split_sentences, word_set
from parallax.speech_words import ORG_WORDS

__all__ = ["align_claims", "claim_id", "claims_to_json", "extract_claims", "framing_terms"]

ACTOR_CUTOFF = 88.0  # RapidFuzz ratio (0-100) above which a written name is a registry name
SURNAME_CUTOFF = 85.0  # the same for a surname alone: "Zelenskyy" and "Zelensky"
MIN_QUOTED_WORDS = 4  # fewer quoted words are scare quotes ("trapped"), not a direct quote
TITLE_ABBREVIATIONS = {"gov.": "governor", "gen.": "general", "sen.": "senator", "fm": "minister"}
# Words in the name of an unregistered body or group that say which side it speaks for.
SIDE_WORDS = {
    "russia": "russian russia russia's moscow kremlin chechen donetsk luhansk",
    "ukraine": "ukrainian ukraine ukraine's kyiv kiev",
    "west": "us u.s. american washington white pentagon nato british uk german germany "
    "france french eu european",
}
_SIDE_OF_WORD = {word: side for side, words in SIDE_WORDS.items() for word in words.split()}
_WORD = re.compile(r"[\w.’']+")
_OPENERS = ("“", '"', "«", "‘")


@dataclass(frozen=True, slots=True)
class _Speaker:
    """A resolved speaker: what pages show, and the registry entry when there is one."""

    name: str
    actor: str | None
    side: str | None
    titles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _ActorIndex:
    """actors.yml as lookups: normalised names and aliases, and unambiguous surnames."""

    actors: Mapping[str, Actor] = field(hash=False, compare=False)
    forms: Mapping[str, str] = field(hash=False, compare=False)
    surnames: Mapping[str, str] = field(hash=False, compare=False)
    outlets: frozenset[str] = frozenset()
    # _link's answers: a speaker is named in many sentences, and each answer is a fuzzy
    # search over every actor's names (#9)
    links: dict[tuple[str, str, tuple[str, ...]], _Speaker] = field(
        default_factory=dict, hash=False, compare=False
    )


def _normalise(name: str) -> str:
    text = name.lower().replace("’", "'").replace("defence", "defense")
    text = re.sub(r"\b(?:mr|mrs|ms|dr|gen|gov)\.?\s+", "", text)
    return " ".join(re.sub(r"[^\w' ]+", " ", text).split())


def _is_personal_name(written: str) -> bool:
    """ "Vladimir Medinsky" gives a surname to match on; "Defense Ministry in Moscow" does not."""
    words = written.split()
    return all(w[:1].isupper() for w in words) and not any(w in ORG_WORDS for w in words)


@by_identity  # not lru_cache: hashing the registries per item cost O(registries) (#9)
def _index(registries: Registries) -> _ActorIndex:
    forms: dict[str, str] = {}
    surnames: dict[str, set[str]] = {}
    for actor in registries.actors:
        for written in (actor.name, *actor.aliases):
            forms.setdefault(_normalise(written), actor.key)
            words = _normalise(written).split()
            if len(words) > 1 and _is_personal_name(written):
                surnames.setdefault(words[-1], set()).add(actor.key)
    outlets = {_normalise(s.name) for s in registries.sources}
    outlets |= {s.key for s in registries.sources} | {"tass", "interfax", "reuters", "ria novosti"}
    return _ActorIndex(
        actors={a.key: a for a in registries.actors},
        forms=forms,
        surnames={k: next(iter(v)) for k, v in surnames.items() if len(v) == 1},
        outlets=frozenset(outlets),
    )


def _side_from_words(text: str) -> str | None:
    sides = {_SIDE_OF_WORD.get(w.lower().replace("’", "'")) for w in _WORD.findall(text)}
    sides.discard(None)
    return sides.pop() if len(sides) == 1 else None


def _link(index: _ActorIndex, attribution: Attribution) -> _Speaker:
    """The speaker as the registry knows it, or as written with a side read from its words."""
    asked = (attribution.speaker, attribution.kind, attribution.titles)
    speaker = index.links.get(asked)
    if speaker is None:
        speaker = index.links[asked] = _find_speaker(index, attribution)
    return speaker


def _find_speaker(index: _ActorIndex, attribution: Attribution) -> _Speaker:
    norm = _normalise(attribution.speaker)
    key = index.forms.get(norm)
    surname = norm.split()[-1] if norm else ""
    if key is None and attribution.kind == "name":
        key = index.surnames.get(surname)
    if key is None and norm:
        match = process.extractOne(
            norm, tuple(index.forms), scorer=fuzz.ratio, processor=None, score_cutoff=ACTOR_CUTOFF
        )
        key = None if match is None else index.forms[match[0]]
    if key is None and attribution.kind == "name" and len(surname) >= 5:
        match = process.extractOne(
            surname,
            tuple(index.surnames),
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=SURNAME_CUTOFF,
        )
        key = None if match is None else index.surnames[match[0]]
    if key is not None:
        actor = index.actors[key]
        return _Speaker(actor.name, key, actor.side, attribution.titles)
    side = _side_from_words(attribution.speaker)
    return _Speaker(attribution.speaker, None, side, attribution.titles)


def _is_outlet(index: _ActorIndex, attribution: Attribution) -> bool:
    """The outlet's own voice or another outlet's report: "RT reports", "media reports"."""
    norm = _normalise(attribution.speaker)
    return norm in index.outlets or norm.endswith(("news agency", "media", "reports", "report"))


@dataclass(frozen=True, slots=True)
class _Reading:
    """What one sentence says about its speaker before pronouns and roles are resolved."""

    sentence: Sentence
    attribution: Attribution | None
    quote: bool  # holds a direct quote
    in_quote: bool  # starts inside a quote opened in an earlier sentence


_SINGULAR_ROLES = word_set(
    """minister governor mayor spokesman spokeswoman spokesperson commander president general
    chief head ambassador envoy negotiator secretary leader coordinator"""
)


def _read_sentences(item: Item, index: _ActorIndex) -> list[_Reading]:
    sentences = item.sentences or split_sentences(item.text)
    readings = []
    is_open = False
    previous_end = 0
    for sentence in sentences:
        if "\n" in item.text[previous_end : sentence.span.start]:
            is_open = False  # a quote left open ends with its paragraph
        previous_end = sentence.span.end
        probe = "“" + sentence.text if is_open else sentence.text
        found = next((a for a in iter_attributions(probe) if not _is_outlet(index, a)), None)
        quote = quoted_word_count(probe) >= MIN_QUOTED_WORDS
        readings.append(_Reading(sentence, found, quote, is_open))
        spans = quoted_spans(probe)
        closed = probe.rstrip().endswith(("”", "’’", '"', "»"))
        is_open = bool(spans) and spans[-1][1] == len(probe) and not closed
    return readings


def _role_titles(titles: tuple[str, ...]) -> set[str]:
    return {TITLE_ABBREVIATIONS.get(t, t) for t in titles}


def _resolve_role(
    attribution: Attribution, at: int, mentions: Callable[[], _Mentions]
) -> Attribution:
    """ "the minister said" is the minister named nearest before it, else first after it."""
    head = attribution.speaker.split()[-1].lower()
    if attribution.kind != "group" or head not in _SINGULAR_ROLES:
        return attribution
    fitting = [(i, name) for i, name, titles in mentions() if head in _role_titles(titles)]
    before = [name for i, name in fitting if i <= at]
    after = [name for i, name in fitting if i > at]
    name = before[-1] if before else after[0] if after else None
    return attribution if name is None else Attribution(name, "name", (), attribution.verb)


@dataclass(frozen=True, slots=True)
class _State:
    """What earlier sentences of the item said about who is speaking."""

    last: _Speaker | None = None  # the speaker of the latest claim
    last_person: _Speaker | None = None  # the latest speaker that is a person, for "he"/"she"
    last_position: int = -2  # the reading that made the latest claim


_Mentions = list[tuple[int, str, tuple[str, ...]]]


def _lazy_mentions(readings: list[_Reading]) -> Callable[[], _Mentions]:
    """The titled names of the item's sentences, read only when a role or surname needs them."""
    found: list[_Mentions] = []

    def mentions() -> _Mentions:
        if not found:
            found.append(
                [
                    (r.sentence.index, name, titles)
                    for r in readings
                    for name, titles in find_mentions(r.sentence.text)
                ]
            )
        return found[0]

    return mentions


def extract_claims(item: Item, event_id: str, registries: Registries) -> tuple[Claim, ...]:
    """Every attributed statement in the item, in reading order."""
    index = _index(registries)
    readings = _read_sentences(item, index)
    mentions = _lazy_mentions(readings)
    figures_of = _figures_by_sentence(item)
    claims: dict[str, Claim] = {}
    state = _State()
    for position, reading in enumerate(readings):
        speaker = _speaker_for(position, readings, mentions, index, state)
        if speaker is None:
            continue
        claim = _claim(item, event_id, reading, speaker, figures_of)
        claims.setdefault(claim.id, claim)  # a sentence printed twice is one claim
        is_person = speaker.actor is not None or len(speaker.name.split()) > 1 or speaker.titles
        state = _State(speaker, speaker if is_person else state.last_person, position)
    return tuple(claims.values())


def claim_id(item_id: str, sentence_text: str) -> str:
    """A short id from the item and the sentence's words, stable when other text changes."""
    return hashlib.sha1(f"{item_id}\n{sentence_text}".encode()).hexdigest()[:12]


def _claim(
    item: Item,
    event_id: str,
    reading: _Reading,
    speaker: _Speaker,
    figures_of: Callable[[Sentence], tuple[Figure, ...]],
) -> Claim:
    sentence = reading.sentence
    return Claim(
        id=claim_id(item.id, sentence.text),
        item_id=item.id,
        event_id=event_id,
        source=item.source,
        sentence=sentence,
        speaker=speaker.name,
        actor=speaker.actor,
        side=speaker.side,
        quote=reading.quote or reading.in_quote,
        figures=figures_of(sentence),
    )


def _figures_by_sentence(item: Item) -> Callable[[Sentence], tuple[Figure, ...]]:
    """The figures of each sentence: an analysed item's that lie in it (`analyse_item` reads
    figures sentence by sentence), found in one walk over both; else read from the
    sentence when asked."""
    if not item.sentences:
        return lambda sentence: sentence_figures(item.text, (sentence,))
    found: dict[int, list[Figure]] = {}
    sentences, at = item.sentences, 0
    for figure in item.figures:  # both in reading order
        if figure.span is None:
            continue
        while at < len(sentences) and figure.span.start >= sentences[at].span.end:
            at += 1
        if at < len(sentences) and figure.span.start >= sentences[at].span.start:
            found.setdefault(sentences[at].index, []).append(figure)
    return lambda sentence: tuple(found.get(sentence.index, ()))


def _speaker_for(
    position: int,
    readings: list[_Reading],
    mentions: Callable[[], _Mentions],
    index: _ActorIndex,
    state: _State,
) -> _Speaker | None:
    reading = readings[position]
    attribution = reading.attribution
    if attribution is None and (reading.in_quote or reading.sentence.text.startswith(_OPENERS)):
        attribution = _attribution_later_in_quote(position, readings)
        if attribution is None and state.last_position == position - 1:
            return state.last  # the quote goes on from the sentence before
    if attribution is None:
        return None
    attribution = _resolve_role(attribution, reading.sentence.index, mentions)
    if attribution.kind == "pronoun":
        return state.last if attribution.speaker == "they" else state.last_person
    if attribution.kind == "name" and " " not in attribution.speaker:
        linked = _link(index, attribution)
        if linked.actor is not None:
            return linked
        attribution = _full_name(attribution, mentions())
    return _link(index, attribution)


def _attribution_later_in_quote(position: int, readings: list[_Reading]) -> Attribution | None:
    """ "“Not at all. So Kyiv is under threat,” said Kirby": the attribution closing the quote."""
    for reading in readings[position + 1 :]:
        if not reading.in_quote:
            return _attribution_opening(reading)
        if reading.attribution is not None:
            return reading.attribution
    return None


def _attribution_opening(reading: _Reading) -> Attribution | None:
    """ "“Follow the rules!” Bondar continued, ...": the next sentence starts with the speaker."""
    found = reading.attribution
    if found is None or found.kind != "name":
        return None
    return found if reading.sentence.text.startswith(found.speaker.split()[-1]) else None


def _full_name(attribution: Attribution, mentions: _Mentions) -> Attribution:
    """ "Mr. Medinsky" is the "Vladimir Medinsky" named earlier in the item."""
    surname = attribution.speaker.lower()
    for _, name, titles in mentions:
        if name.split()[-1].lower() == surname and " " in name:
            return Attribution(name, "name", titles, attribution.verb)
    return attribution
