"""Framing: which variants of the contested terms in terms.yml an item uses.

Pure; no I/O. Matching ignores case and a possessive ending, lets the words of a variant be
split by any whitespace, and also finds a variant inside quotation marks (Moscow's "special
military operation" is still the term). Pages show the results side by side per outlet.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from parallax.memo import by_identity
from parallax.model import Item, Registries

_Pattern = tuple[str, str, str]
_RUN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class _Patterns:
    """The variants' patterns, and an index that says which ones can match a text at all.

    Each pattern is compiled the first time a text may match it (`_compiled`): a build that
    adds one article reads a handful of variants, where compiling all 500 of the default
    registry took 0.02 s (#9)."""

    patterns: tuple[_Pattern, ...]  # (term key, variant text, pattern), in registry order
    by_word: dict[str, tuple[int, ...]]  # a variant's first word run, lower-cased ASCII
    always: tuple[int, ...]  # variants with no such word: tried on every text
    compiled: dict[int, re.Pattern[str]] = field(default_factory=dict)  # by place, once used


@by_identity
def _patterns(registries: Registries) -> _Patterns:
    """One pattern per variant, and the variants indexed by their first run of word letters."""
    patterns: list[_Pattern] = []
    by_word: dict[str, list[int]] = defaultdict(list)
    always: list[int] = []
    for term in registries.terms:
        for variant in term.variants:
            words = r"[\s\u00a0]+".join(re.escape(w) for w in variant.text.split())
            pattern = rf"(?<![\w-]){words}(?:['’]s)?(?![\w-])"
            first = _RUN.match(variant.text.split()[0]) if variant.text.split() else None
            if first is not None and first.group(0).isascii():
                by_word[first.group(0).lower()].append(len(patterns))
            else:
                always.append(len(patterns))
            patterns.append((term.key, variant.text, pattern))
    indexed = {word: tuple(found) for word, found in by_word.items()}
    return _Patterns(tuple(patterns), indexed, tuple(always))


def _candidates(text: str, index: _Patterns) -> list[int]:
    """The variants that can match `text`, in registry order.

    A match starts a run of word letters (the pattern's lookbehind), and that run is the
    variant's first run, case aside. When every run of the text is ASCII, case-insensitive
    equality is plain `lower()`, so a dictionary lookup per distinct run finds every
    candidate; any other text tries every variant, as the patterns alone would (#9).
    """
    runs = "\n".join(set(_RUN.findall(text)))  # one call each to test and lower them all
    if not runs.isascii():
        return list(range(len(index.patterns)))
    found = set(index.always)
    for run in set(runs.lower().split("\n")):
        found.update(index.by_word.get(run, ()))
    return sorted(found)


def framing_terms(item: Item, registries: Registries) -> tuple[tuple[str, str], ...]:
    """(term key, variant text) for every variant the item's title or text uses, each once."""
    text = f"{item.title}\n{item.text}"
    index = _patterns(registries)
    found = (n for n in _candidates(text, index) if _compiled(index, n).search(text))
    return tuple(index.patterns[n][:2] for n in found)


def _compiled(index: _Patterns, n: int) -> re.Pattern[str]:
    """The pattern of variant `n`, compiled at the first call."""
    found = index.compiled.get(n)
    if found is None:
        found = index.compiled[n] = re.compile(index.patterns[n][2], re.IGNORECASE)
    return found
