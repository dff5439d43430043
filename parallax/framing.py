"""Framing: which variants of the contested terms in terms.yml an item uses.

Pure; no I/O. Matching ignores case and a possessive ending, lets the words of a variant be
split by any whitespace, and also finds a variant inside quotation marks (Moscow's "special
military operation" is still the term). Pages show the results side by side per outlet.
"""

from __future__ import annotations

import re
from functools import lru_cache

from parallax.model import Item, Registries

_Pattern = tuple[str, str, re.Pattern[str]]


@lru_cache(maxsize=8)
def _patterns(registries: Registries) -> tuple[_Pattern, ...]:
    """One pattern per variant, as (term key, variant text, pattern), in registry order."""
    patterns = []
    for term in registries.terms:
        for variant in term.variants:
            words = r"[\s\u00a0]+".join(re.escape(w) for w in variant.text.split())
            pattern = re.compile(rf"(?<![\w-]){words}(?:['’]s)?(?![\w-])", re.IGNORECASE)
            patterns.append((term.key, variant.text, pattern))
    return tuple(patterns)


def framing_terms(item: Item, registries: Registries) -> tuple[tuple[str, str], ...]:
    """(term key, variant text) for every variant the item's title or text uses, each once."""
    text = f"{item.title}\n{item.text}"
    return tuple(
        (key, variant) for key, variant, pattern in _patterns(registries) if pattern.search(text)
    )
