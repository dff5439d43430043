"""The two matrix pages: coverage (events × sources) and vocabulary (term variants × sources).

Pure: a `Lookup` in, page objects out. Columns are outlets in source-group order, the same order
as the columns of a story page.
"""

# Page objects declare fields with `described(...)`, a thin wrapper of dataclasses.field.

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from parallax.lookup import Lookup
from parallax.page_parts import framing_counts, group_order
from parallax.pages import Link, described
from parallax.registry_pages import EventLink, event_link
from parallax.story_pages import event_voices
from parallax.urls import COVERAGE, VOCABULARY, relative, source_dest


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One event across every outlet."""

    event: EventLink = described("The event, linked to its story section.")
    cells: tuple[bool, ...] = described("Per outlet column: True when it reported the event.")
    missing_groups: tuple[str, ...] = described("Source groups with no report: the blind spots.")


@dataclass(frozen=True, slots=True)
class CoveragePage:
    """Events × sources, newest events first."""

    sources: tuple[Link, ...] = described("The outlet columns, linked to the source pages.")
    totals: tuple[int, ...] = described("Per outlet column: how many events it reported.")
    rows: tuple[CoverageRow, ...] = described("One per event in a story, newest first.")


@dataclass(frozen=True, slots=True)
class VariantRow:
    """One outlet's use of a term's variants."""

    source: Link = described("The outlet, linked to its source page.")
    group: str = described("Its source group.")
    counts: tuple[int, ...] = described("Per variant: in how many of its reports.")


@dataclass(frozen=True, slots=True)
class TermTable:
    """One contested term: its variants and who used which."""

    concept: str = described("What the variants name, in neutral words.")
    variants: tuple[str, ...] = described("The variants, as terms.yml lists them.")
    expected: tuple[str, ...] = described("Per variant: the groups terms.yml says tend to use it.")
    rows: tuple[VariantRow, ...] = described("Outlets that used any variant, in group order.")


@dataclass(frozen=True, slots=True)
class VocabularyPage:
    """Every contested term in terms.yml."""

    terms: tuple[TermTable, ...] = described("One per term, by concept.")


def _source_keys(lookup: Lookup) -> tuple[str, ...]:
    keys = set(lookup.sources) | {i.source for i in lookup.analysis.items}
    return tuple(sorted(keys, key=lambda k: group_order(lookup, k)))


def coverage_page(lookup: Lookup) -> CoveragePage:
    """Which outlet reported which event."""
    keys = _source_keys(lookup)
    rows = []
    for event in lookup.analysis.events:
        link = event_link(lookup, event.id, COVERAGE)
        if link is None:
            continue
        voices = event_voices(lookup, event)
        covered, groups = set(voices.sources), set(voices.groups)
        missing = tuple(g for g in lookup.groups if g not in groups)
        rows.append(CoverageRow(link, tuple(k in covered for k in keys), missing))
    rows.sort(key=lambda r: (r.event.date, r.event.href), reverse=True)
    return CoveragePage(
        sources=tuple(
            Link(lookup.source_name(k), relative(COVERAGE, source_dest(k))) for k in keys
        ),
        totals=tuple(sum(r.cells[n] for r in rows) for n in range(len(keys))),
        rows=tuple(rows),
    )


def _term_counts(lookup: Lookup) -> dict[str, Counter[tuple[str, str]]]:
    """Per term key, how many items of each source use each variant: from one pass over the
    items for all terms (`framing_counts`), not one per term, which grew with corpus times
    registry (#9)."""
    counts: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for (source, key, variant), n in framing_counts(lookup).items():
        counts[key][(source, variant)] = n
    return counts


def _term_table(lookup: Lookup, term_key: str, counts: Counter[tuple[str, str]]) -> TermTable:
    term = lookup.terms[term_key]
    variants = tuple(v.text for v in term.variants)
    users = sorted({s for s, _ in counts}, key=lambda k: group_order(lookup, k))
    rows = tuple(
        VariantRow(
            Link(lookup.source_name(s), relative(VOCABULARY, source_dest(s))),
            lookup.group_of(s),
            tuple(counts[(s, v)] for v in variants),
        )
        for s in users
    )
    expected = tuple(", ".join(v.used_by) for v in term.variants)
    return TermTable(term.concept, variants, expected, rows)


def vocabulary_page(lookup: Lookup) -> VocabularyPage:
    """Who used which words for each contested concept."""
    keys = sorted(lookup.terms, key=lambda k: (lookup.terms[k].concept.casefold(), k))
    counts = _term_counts(lookup)
    return VocabularyPage(tuple(_term_table(lookup, k, counts.get(k, Counter())) for k in keys))
