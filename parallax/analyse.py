"""Per-item analysis: sentences, entities normalised through the registries, dates, figures.

Pure: no I/O, no clock. Dates are resolved against the item's publication date, never today.
Build the registry index once with `build_lexicon` and pass it to `analyse_item` for every
item; passing `Registries` instead works but rebuilds the index on each call.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from parallax.dates import find_dates
from parallax.figures import sentence_figures
from parallax.model import Entity, Item, Registries
from parallax.segment import split_sentences, word_set

MAX_NAME_WORDS = 5

# Capitalised words that start sentences or name months and days rather than entities.
COMMON_CAPITALISED = word_set(
    """a an the this that these those there then than thus he she it its they them their we
    our you your i his her him my me us on in at of for from to by with without within into onto
    over under after before during since until as and but or nor so yet if when while where
    what which who whom whose why how all any both each every few many more most other some such
    no not only own same too very can will just should now also earlier later meanwhile however
    although though because according asked speaking writing separately elsewhere overnight
    today yesterday tomorrow tonight monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    mr mrs ms dr gen president prime minister spokesman spokeswoman spokesperson officials
    official residents authorities sources police troops forces soldiers here one two three
    four five six seven eight nine ten several dozens hundreds thousands update updated breaking
    live watch read see photo video editor note"""
)
# Words that connect the parts of one name: "Ministry of Defence", "Bank of England".
CONNECTORS = frozenset({"of", "de", "la", "al", "bin", "von", "van", "der", "for"})
ORG_WORDS = word_set(
    """ministry army forces force council agency party bank company union organization
    organisation nations command guard service committee court parliament government office
    group corporation brigade battalion navy fleet commission assembly duma rada kremlin"""
)
# Titles and roles written before a name: "Mayor Vitali Klitschko" names Klitschko.
ROLE_WORDS = word_set(
    """mayor governor commander commanders chief deputy chairman head general colonel secretary
    ambassador envoy adviser aide prosecutor lieutenant sergeant captain major regional
    foreign defence defense interior acting former senator mr mrs ms dr president minister"""
)
# Adjectives of nationality name the same actor as the country: "Russian forces", "Russia".
DEMONYMS = {
    "russian": "russia", "ukrainian": "ukraine", "belarusian": "belarus", "american": "usa",
    "british": "uk", "turkish": "turkey", "polish": "poland", "german": "germany",
    "french": "france", "chinese": "china", "iranian": "iran", "israeli": "israel",
    "russians": "russia", "ukrainians": "ukraine", "americans": "usa",
}  # fmt: skip
PLACE_CUES = frozenset({"in", "near", "at", "outside", "around", "across", "into", "towards"})

_WORD = re.compile(r"[^\W\d_][\w\-'’.]*\w|[^\W\d_]")  # a letter first, a letter or digit last
_SPLIT_WORDS = re.compile(f"({_WORD.pattern})")  # split: gap, word, gap, word, ..., gap
_SENTENCE_GAP = re.compile(r"[.!?:;\n\u2014\u2013\u2022|]")


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The registries' names as an index: lower-cased word sequences to entity key and kind."""

    names: Mapping[tuple[str, ...], tuple[str, str]] = dataclasses.field(hash=False)
    longest: int = 1  # the most words of any indexed name
    # first word -> the lengths of the names that start with it, longest first: most words
    # start no name, and trying every length for each word was most of this stage (#9)
    starts: Mapping[str, tuple[int, ...]] = dataclasses.field(default_factory=dict, hash=False)


class _Word(NamedTuple):  # a tuple: made for every word of every item, far faster than a dataclass
    text: str  # as written, without a possessive ending
    lower: str
    initial: bool  # first word of a sentence or heading, where capitals say nothing
    spaced: bool  # only spaces separate it from the word before: a name may run on


def _words_of(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(name))


def _is_personal_name(name: str) -> bool:
    """ "Vitali Klitschko" is a person; "General Staff of the Armed Forces of Ukraine" is a
    body, whose last word ("Ukraine") must never stand for it."""
    words = _WORD.findall(name)
    return all(w[:1].isupper() for w in words) and not any(w.lower() in ORG_WORDS for w in words)


def _surname_entries(registries: Registries) -> dict[tuple[str, ...], tuple[str, str]]:
    """Surnames of multi-word personal names, when only one actor has that surname."""
    owners: dict[tuple[str, ...], set[str]] = {}
    for actor in registries.actors:
        words = _words_of(actor.name)
        if len(words) > 1 and len(words[-1]) > 3 and _is_personal_name(actor.name):
            owners.setdefault(words[-1:], set()).add(actor.key)
    return {name: (keys.pop(), "actor") for name, keys in owners.items() if len(keys) == 1}


def build_lexicon(registries: Registries) -> Lexicon:
    """Index every actor name and alias, and every term variant, by its lower-cased words."""
    names = _surname_entries(registries)
    for term in registries.terms:
        for variant in term.variants:
            names[_words_of(variant.text)] = (term.key, "term")
    for actor in registries.actors:  # actors win over terms that spell the same
        for name in (actor.name, *actor.aliases):
            names[_words_of(name)] = (actor.key, "actor")
    names.pop((), None)
    longest = max((len(n) for n in names), default=1)
    lengths: dict[str, set[int]] = {}
    for words in names:
        lengths.setdefault(words[0], set()).add(len(words))
    starts = {word: tuple(sorted(found, reverse=True)) for word, found in lengths.items()}
    return Lexicon(names, longest, starts)


_new_tuple = tuple.__new__  # a NamedTuple's own constructor is a Python call, twice as slow


def _tokens(text: str, *, all_initial: bool = False) -> list[_Word]:
    words: list[_Word] = []
    append, gap_mark = words.append, _SENTENCE_GAP.search
    first = True
    possessive = False  # "Russia's Kursk region" names two things, not "Russia Kursk"
    # Each word with the gap before it, from one split: a match object per word and the
    # slicing around it were a third of this function (#9). (A findall of the gap and the
    # word went back over a long tail without letters from each of its characters.) A word
    # ends in a letter or digit, so its only possible possessive ending is 's or ’s.
    parts = _SPLIT_WORDS.split(text)
    for gap, raw in zip(parts[:-1:2], parts[1::2], strict=True):  # the last gap ends it
        # A single space, the usual gap, neither ends a sentence nor breaks a name.
        if gap == " ":
            initial = all_initial or first
            spaced = not possessive
        else:
            initial = all_initial or first or gap_mark(gap) is not None
            spaced = not gap.strip() and not possessive
        first = False
        possessive = raw[-1] == "s" and raw.endswith(("'s", "’s"))
        word = raw[:-2] if possessive else raw
        append(_new_tuple(_Word, (word, word.lower(), initial, spaced)))
    return words


def _is_capitalised(word: _Word) -> bool:
    return word.text[0].isupper() and word.lower not in COMMON_CAPITALISED


def _starts_name(word: _Word, confirmed: frozenset[str]) -> bool:
    """Whether a capitalised word can start a name: not a role, and not a sentence-initial
    word that the text never capitalises elsewhere ("Defying Western advisers")."""
    if not _is_capitalised(word) or word.lower in ROLE_WORDS:
        return False
    return not word.initial or word.lower in confirmed or word.text.isupper()


def _registry_match(words: list[_Word], i: int, lexicon: Lexicon) -> tuple[int, str, str] | None:
    """The longest registry name starting at word i: (words used, key, kind)."""
    for n in lexicon.starts.get(words[i].lower, ()):
        if n <= len(words) - i:
            found = lexicon.names.get(tuple(w.lower for w in words[i : i + n]))
            if found is not None:
                return n, found[0], found[1]
    return None


def _name_length(words: list[_Word], i: int, lexicon: Lexicon) -> int:
    """How many words from i make one capitalised name, connectors included.

    A run stops where a registry name starts, so "Mayor Vitali Klitschko" ends before the
    actor's name when the registry knows it.
    """
    n = 1
    while i + n < len(words) and n < MAX_NAME_WORDS:
        word = words[i + n]
        if not word.spaced or (
            word.lower in lexicon.starts and _registry_match(words, i + n, lexicon) is not None
        ):
            break
        if _is_capitalised(word):
            n += 1
        elif word.lower in CONNECTORS and i + n + 1 < len(words):
            if not _is_capitalised(words[i + n + 1]) or not words[i + n + 1].spaced:
                break
            n += 2
        else:
            break
    return min(n, MAX_NAME_WORDS)


def _name_kind(words: list[_Word], i: int, n: int) -> str:
    if any(w.lower in ORG_WORDS for w in words[i : i + n]):
        return "org"
    if i > 0 and words[i - 1].lower in PLACE_CUES:
        return "place"
    return "name"


def _confirmed_names(words: list[_Word]) -> frozenset[str]:
    """Words written with a capital where a capital means a name (not at a sentence start)."""
    return frozenset(w.lower for w in words if not w.initial and w.text[0].isupper())


def _entities_in(
    words: list[_Word], lexicon: Lexicon, confirmed: frozenset[str]
) -> Iterator[Entity]:
    i = 0
    starts = lexicon.starts
    while i < len(words):
        word = words[i]
        # Most words start no registry name, and are not capitalised: no call for them (#9).
        found = _registry_match(words, i, lexicon) if word.lower in starts else None
        if found is not None:
            n = found[0]
            yield Entity(found[1], found[2], " ".join(w.text for w in words[i : i + n]))
        elif word.text[0].isupper() and _starts_name(word, confirmed):
            n = _name_length(words, i, lexicon)
            written = " ".join(w.text for w in words[i : i + n])
            key = written.lower().replace(".", "")
            yield Entity(DEMONYMS.get(key, key), _name_kind(words, i, n), written)
        else:
            n = 1
        i += n


def find_entities(text: str, lexicon: Lexicon, headline: str = "") -> tuple[Entity, ...]:
    """The distinct entities of a headline and its text, in the order they first appear.

    Every headline word counts as a sentence start, because outlets write headlines in title
    case: a capitalised headline word is a name only if the registries or the text say so.
    """
    head, body = _tokens(headline, all_initial=True), _tokens(text)
    confirmed = _confirmed_names(body)
    seen: dict[str, Entity] = {}
    for words in (head, body):
        for entity in _entities_in(words, lexicon, confirmed):
            seen.setdefault(entity.key, entity)
    return tuple(seen.values())


def analyse_item(item: Item, lexicon: Lexicon | Registries) -> Item:
    """The item with its sentences, entities (title first), dates and figures filled in."""
    if isinstance(lexicon, Registries):
        lexicon = build_lexicon(lexicon)
    sentences = split_sentences(item.text)
    return dataclasses.replace(
        item,
        sentences=sentences,
        entities=find_entities(item.text, lexicon, item.title),
        dates=find_dates(f"{item.title}\n\n{item.text}", item.published),
        figures=sentence_figures(item.text, sentences),
    )
