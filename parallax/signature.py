"""What identifies the event an item reports, as a short set of normalised tokens.

Pure: no I/O. A signature holds who and where (canonical entities of the headline and lead,
then the first of the body), what (stemmed content words of the headline and lead), which
numbers (figure values of the headline and lead, and counted figures beyond it: "3 people
killed") and when (dates the text mentions near publication). Headline wording alone is a weak
signal: outlets covering one event often share almost none of it, but they share names, places
and numbers. Tokens are weighed by rarity, and the corpus's background weighs nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from parallax.analyse import ORG_WORDS
from parallax.figures import NUMBER_WORDS
from parallax.model import Item, Registries
from parallax.segment import word_set

BACKGROUND_SHARE = 0.35
IDF_PRIOR = 10  # items assumed to carry none of the tokens, so small corpora still weigh
# Rarity is coarse on purpose, so that a new article moves few weights (#9): the corpus's
# size counts in steps of an eighth of an octave (about 9 %), and rarity rounds to a tenth.
SIZE_STEPS = 8
RARITY_STEPS = 10  # per unit of rarity (a natural log)
MAX_ENTITIES = 8
BODY_ENTITIES = 8
MAX_WORDS = 8
MAX_NUMBERS = 4
MAX_FIGURES = 6  # counted figures anywhere in the text: "3 people killed"
LEAD_SENTENCES = 2
SOURCE_NAME = ""  # the display name that marks an entity key as an outlet's name
NEAR_DAYS = 7  # mentioned dates this close before publication say when the event happened
# How much each kind of shared token counts, before rarity: names beat words. People and
# bodies of actors.yml ("a") are the ones who speak, about many events a week: a place or a
# named thing ("e") says more about which happening an item reports.
KIND_WEIGHTS = {"e": 1.5, "a": 1.0, "n": 1.0, "f": 1.0, "w": 0.5, "d": 0.5}

# Words that say nothing about which event an item reports.
GENERIC_WORDS = word_set(
    """said says told tell according report reports reported reporting news update updates
    latest live blog also would could will should after before amid during over under about
    against their there where which while with without from into onto that this these those
    have been being were they them than then when what more most other such some many much
    very just only even still year years month months week weeks today yesterday tonight
    time times first last next people official officials statement statements spokesman
    spokeswoman spokesperson president minister ministry government country countries state
    states side sides war conflict military forces troops region city town village area
    monday tuesday wednesday thursday friday saturday sunday morning evening night"""
)
YEARS = (1900, 2100)
# Numbers, not times of day: a live blog's "## 06:40 Dam destroyed" gives no figure.
_NUMBER = re.compile(
    r"(?<![\w.\-:])\d{1,3}(?:,\d{3})+(?![\w,:])|(?<![\w.,:])\d+(?:\.\d+)?(?![\w,:])"
)
_LOWER_WORD = re.compile(r"[a-z]+")
_CONTENT_WORD = re.compile(r"\b[a-z][a-z\-]{3,}\b")
# "KYIV, June 6 (Northwire) - ": where the copy was filed, not where the event happened.
_DATELINE = re.compile(r"^[A-Z][A-Z .'\-]+,[^()\n]{0,30}\([^()\n]{1,40}\)\s*[-–—]+\s*")


@dataclass(frozen=True, slots=True)
class Signature:
    """The tokens that identify an item's event, with how each reads to a person."""

    item_id: str
    day: int  # publication date as an ordinal, for date windows
    tokens: frozenset[str]  # "e:kyiv", "a:klitschko", "w:strik", "n:26000", "d:2023-06-06"
    text: str  # the tokens' values, sorted and joined, for fuzzy scoring
    near_dates: frozenset[int]  # mentioned dates near publication, as ordinals
    labels: tuple[tuple[str, str], ...]  # (token, readable text), for evidence
    # The tokens that find candidate pairs (`blocking_tokens`), made with the signature in
    # the per-article pass and kept in the build cache, rather than sorted out of every
    # signature's tokens on every build (0.04 s at 10k, #9); None: not made yet.
    blocking: tuple[str, ...] | None = None


# The kinds of token that find clustering's candidate pairs: names, numbers, figures and
# dates. Words only score.
BLOCKING_KINDS = ("e:", "a:", "n:", "f:", "d:")


def blocking_tokens(signature: Signature) -> tuple[str, ...]:
    """The signature's tokens of the `BLOCKING_KINDS`, sorted."""
    if signature.blocking is not None:
        return signature.blocking
    return _blocking(signature.tokens)


def _blocking(tokens: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(t for t in tokens if t.startswith(BLOCKING_KINDS)))


def stem(word: str) -> str:
    """A crude, stable stem: strips one common ending and keeps five letters."""
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:5]


def _lead(item: Item) -> str:
    if item.sentences:
        lead = " ".join(s.text for s in item.sentences[:LEAD_SENTENCES])
    else:
        lead = item.text[:400]
    return _DATELINE.sub("", lead)


def _entity_tokens(item: Item, head: str, names: Mapping[str, str]) -> list[tuple[str, str]]:
    """Entities written in the headline or lead; registry vocabulary only when capitalised."""
    salient = [e for e in item.entities if is_salient(e.key, e.text, names)]
    in_head = [e for e in salient if e.text in head]
    in_body = [e for e in salient if e.text not in head][:BODY_ENTITIES]
    return [
        (f"{'a' if e.kind == 'actor' else 'e'}:{e.key}", names.get(e.key, e.text))
        for e in in_head[:MAX_ENTITIES] + in_body
    ]


def _word_tokens(head: str, taken: Iterable[str]) -> list[tuple[str, str]]:
    skip = {w.lower() for t in taken for w in t.split()}
    seen: dict[str, str] = {}
    for word in _CONTENT_WORD.findall(head):
        if word not in GENERIC_WORDS and word not in skip:
            seen.setdefault(f"w:{stem(word)}", word)
    return list(seen.items())[:MAX_WORDS]


def _headline_numbers(title: str) -> list[tuple[str, str]]:
    """Numbers in a headline, in digits or words ("three"); years are dates, not figures."""
    found = [
        (f"n:{NUMBER_WORDS[word]:.15g}", word)
        for word in _LOWER_WORD.findall(title.lower())
        if word in NUMBER_WORDS and NUMBER_WORDS[word] > 1
    ]
    for match in _NUMBER.finditer(title):
        value = float(match.group(0).replace(",", ""))
        if not (YEARS[0] <= value <= YEARS[1] and "," not in match.group(0)):
            found.append((f"n:{value:.15g}", match.group(0)))
    return found


def _number_tokens(item: Item, lead_end: int) -> list[tuple[str, str]]:
    """Figure values of the headline and lead; the full figure reader runs in analysis."""
    in_lead = [f for f in item.figures if f.span is not None and f.span.start < lead_end]
    seen: dict[str, str] = {}
    for token, text in (
        _headline_numbers(item.title) if any(c.isdigit() for c in item.title) else []
    ):
        seen.setdefault(token, text)
    for figure in in_lead:
        seen.setdefault(f"n:{figure.value:.15g}", figure.text)
    return list(seen.items())[:MAX_NUMBERS]


def _figure_tokens(item: Item, lead_end: int) -> list[tuple[str, str]]:
    """What the text beyond the lead counts, with the value: two reports of one strike give the
    same toll even when their headlines and leads share nothing else."""
    seen: dict[str, str] = {}
    for figure in item.figures:
        beyond_lead = figure.span is None or figure.span.start >= lead_end
        if beyond_lead and figure.about != "count":
            label = f"{figure.value:.15g} {figure.unit} {figure.about}"
            seen.setdefault(f"f:{label}", label)
    return list(seen.items())[:MAX_FIGURES]


def _near_dates(item: Item) -> list[dt.date]:
    low = item.published - dt.timedelta(days=NEAR_DAYS)
    return [d for d in item.dates if low <= d <= item.published + dt.timedelta(days=1)]


def item_signature(item: Item, names: Mapping[str, str]) -> Signature:
    """The signature of an analysed item; `names` gives readable names for entity keys."""
    lead = _lead(item)
    head = f"{item.title}\n{lead}"
    entities = _entity_tokens(item, head, names)
    words = _word_tokens(head, (label for _, label in entities))
    numbers = _number_tokens(item, len(lead))
    figures = _figure_tokens(item, len(lead))
    dates = [(f"d:{d.isoformat()}", d.isoformat()) for d in _near_dates(item)]
    labels = [*entities, *words, *numbers, *figures, *dates]
    tokens = frozenset(token for token, _ in labels)
    text = " ".join(sorted(token[2:].replace(" ", "_") for token in tokens))
    return Signature(
        item_id=item.id,
        day=item.published.toordinal(),
        tokens=tokens,
        text=text,
        near_dates=frozenset(d.toordinal() for d in _near_dates(item)),
        labels=tuple(labels),
        blocking=_blocking(tokens),
    )


def informative_text(signature: Signature, weights: Mapping[str, float]) -> str:
    """The signature's text without the corpus's background tokens (those that weigh nothing),
    so that fuzzy scoring does not reward two items for both naming Russia."""
    kept = (t for t in signature.tokens if weights.get(t, 0.0) > 0.0)
    return " ".join(sorted(t[2:].replace(" ", "_") for t in kept))


def is_salient(key: str, text: str, names: Mapping[str, str]) -> bool:
    """Whether an entity can identify an event: a capitalised name that is not an outlet's,
    nor a lone word for a kind of body ("the Ministry", "the Staff" of a longer name)."""
    if not text[:1].isupper():
        return False  # registry vocabulary too: "invasion" is a word, not a name
    return names[key] != SOURCE_NAME if key in names else key not in ORG_WORDS


def display_names(registries: Registries) -> dict[str, str]:
    """Readable names for the registries' keys: actors' names and terms' canonical variants.

    Outlets' own names map to SOURCE_NAME: a wire's name in a credit line says nothing about
    which event an item reports.
    """
    names = {source.name.lower(): SOURCE_NAME for source in registries.sources}
    names.update({source.key: SOURCE_NAME for source in registries.sources})
    names.update({term.key: term.canonical for term in registries.terms})
    names.update({actor.key: actor.name for actor in registries.actors})
    return names


def rarity(count: int, total: int) -> float:
    """How much a token carried by `count` of `total` things (items, events) tells: a smoothed
    inverse document frequency, less that of the background.

    Smoothing with IDF_PRIOR things that carry nothing keeps a small corpus's tokens telling;
    a token carried by more than BACKGROUND_SHARE of them ("Russia", "Ukraine", the day a live
    blog was written) is background and tells nothing.

    Both numbers are coarse (#9). With exact ones, every new article moved every weight a
    little, and every score with them, so that a build could keep nothing of the last one's
    grouping. Rounded, one more article moves only the tokens whose rarity crosses a step (its
    own, now and then) and the scores of the items carrying them; all weights move together
    once the corpus grows by a size step.
    """
    idf = math.log((_stepped(total) + IDF_PRIOR) / (count + 1))
    exact = max(0.0, idf - math.log(1 / BACKGROUND_SHARE))
    return round(exact * RARITY_STEPS) / RARITY_STEPS


def _stepped(total: int) -> float:
    """`total` rounded down to a power of two in steps of 1/SIZE_STEPS: 9,742, 10,624, 11,586
    and so on."""
    if total < 1:
        return float(total)
    return math.pow(2.0, math.floor(math.log2(total) * SIZE_STEPS) / SIZE_STEPS)


def token_counts(signatures: Iterable[Signature]) -> dict[str, int]:
    """How many of the signatures carry each token."""
    return dict(Counter(token for s in signatures for token in s.tokens))


def weights_of(counts: Mapping[str, int], total: int) -> dict[str, float]:
    """Each token's weight among `total` signatures, given how many carry it (`counts`,
    `token_counts`): its kind's weight times its rarity among them.

    Tokens most items share weigh nothing; a village's name weighs a lot.
    """
    rarities = {count: rarity(count, total) for count in set(counts.values())}
    return {token: KIND_WEIGHTS[token[0]] * rarities[count] for token, count in counts.items()}
