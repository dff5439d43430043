"""Small pieces several pages share: coverage bars, status badges, dates, figures, speakers.

Pure: analysis objects in, page parts out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache, partial

from parallax.lookup import Lookup
from parallax.model import Article, Claim, Figure
from parallax.pages import ArticleSummary, Badge, BarSegment, CoverageBar, Speaker
from parallax.urls import actor_dest, article_dest, relative, safe_id, slug

# (status, what a reader sees, a shape that tells the statuses apart without colour)
BADGES = {
    "agree": Badge("agree", "Agree", "✓"),
    "differ": Badge("differ", "Figures differ", "≠"),
    "contradict": Badge("contradict", "Contradict", "✗"),
    "single": Badge("single", "One side only", "◇"),
}
STATUS_ORDER = ("contradict", "differ", "agree", "single")  # the sharpest disagreement first


def badge(status: str) -> Badge:
    """The badge of a point status; an unknown status reads as "single", the weakest claim."""
    return BADGES.get(status, BADGES["single"])


def date_range(start: dt.date, end: dt.date) -> str:
    """2023-06-06, or 2023-06-06 – 2023-06-08."""
    if end <= start:
        return start.isoformat()
    return f"{start.isoformat()} – {end.isoformat()}"


def figure_text(figure: Figure) -> str:
    """A figure as the outlet wrote it, or rebuilt from its parts when the words are missing."""
    if figure.text.strip():
        return figure.text
    number = float(figure.value)
    value = f"{number:,.0f}" if number.is_integer() else f"{number:g}"
    words = [figure.qualifier or "", value, figure.unit, figure.about]
    return " ".join(w for w in words if w)


def figure_texts(figures: Iterable[Figure], limit: int = 5) -> tuple[str, ...]:
    """Distinct figure texts in order of appearance, at most `limit` of them."""
    seen: dict[str, None] = {}
    for figure in figures:
        seen.setdefault(figure_text(figure), None)
    return tuple(seen)[:limit]


def framing_counts(lookup: Lookup) -> Counter[tuple[str, str, str]]:
    """How many items of each outlet use each variant of each term, by (source key, term
    key, variant): counted once for the lookup, in one pass over the items, for the sources'
    pages and the vocabulary page, which counted them each their own way, an update a
    time (#9)."""

    def count() -> Counter[tuple[str, str, str]]:
        framing = lookup.framing
        return Counter(
            (item.source, key, variant)
            for item in lookup.analysis.items
            for key, variant in set(framing.get(item.id, ()))
        )

    return lookup.kept("framing counts", count)


def coverage_bar(lookup: Lookup, source_keys: Iterable[str]) -> CoverageBar:
    """Reports by source group: one entry per report's source key."""
    counts = Counter(lookup.group_of(key) for key in source_keys)
    order = sorted(counts, key=lambda g: (lookup.group_index(g), g))
    segments = tuple(BarSegment(g, counts[g], lookup.colour_of(g)) for g in order)
    text = ", ".join(f"{s.group} {s.count}" for s in segments)
    return CoverageBar(segments=segments, text=text or "no reports")


def speaker_key(lookup: Lookup, claim: Claim) -> str:
    """The key of the speaker's actor page: the registry key, else a slug of the name."""
    if claim.actor and claim.actor in lookup.actors:
        return claim.actor
    return _unknown_speaker_key(claim.speaker)


@lru_cache(maxsize=1 << 14)  # a story page names each speaker once per claim (#9)
def _unknown_speaker_key(name: str) -> str:
    return safe_id("speaker-" + (slug(name) or "unnamed"))


def speaker(lookup: Lookup, claim: Claim, from_dest: str) -> Speaker:
    """Who made a claim, linked to their actor page."""
    href = relative(from_dest, actor_dest(speaker_key(lookup, claim)))
    actor = lookup.actors.get(claim.actor) if claim.actor else None
    if actor is None:
        return _speaker(claim.speaker, claim.side, href)
    return _speaker(actor.name, claim.side or actor.side, href)


# The same speaker, side and link make one object, shared by every claim that names them:
# a frozen dataclass is slow to make, and a story page made one per claim (#9).
_speaker = lru_cache(maxsize=1 << 14)(Speaker)


def articles_newest_first(lookup: Lookup) -> tuple[Article, ...]:
    """Articles by publication date, newest first; ties by id."""
    return lookup.kept("articles newest first", partial(_newest_first, lookup))


def _newest_first(lookup: Lookup) -> tuple[Article, ...]:
    by_id = sorted(lookup.analysis.corpus.articles, key=lambda a: a.id)
    return tuple(sorted(by_id, key=lambda a: a.published, reverse=True))


def article_summary(lookup: Lookup, article: Article, from_dest: str) -> ArticleSummary:
    """One article in a list on the page at `from_dest`."""
    return ArticleSummary(
        title=article.title,
        href=relative(from_dest, article_dest(article.id)),
        source_name=lookup.source_name(article.source),
        published=article.published.isoformat(),
    )


def group_order(lookup: Lookup, source_key: str) -> tuple[int, str, str, str]:
    """Sort key that keeps each group's outlets together, in the same order on every page."""
    group = lookup.group_of(source_key)
    name = lookup.source_name(source_key)
    return (lookup.group_index(group), group, name.casefold(), source_key)
