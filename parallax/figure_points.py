"""Points about a counted thing: figures for the same thing from different claims.

Pure; no I/O. Within an event, figures line up when they count the same thing (unit and what
is counted) about the same place and, for losses, the same side; across a story's events,
deaths and losses count as one family so that a ministry's figures months apart stand side by
side. Values `differ` beyond rounding and what their qualifiers allow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from parallax.contention import Facets
from parallax.model import Figure, Point
from parallax.point_groups import Groups, is_single, point_id, unique_claims
from parallax.point_labels import figure_label

ROUNDING = 0.02  # exact figures this close (relative) are the same figure rounded
APPROXIMATE = 0.15  # "about", "some", "nearly", two lower bounds: this much either way
LOWER_BOUNDS = frozenset({"at least", "more than", "over"})
UPPER_BOUNDS = frozenset({"up to", "less than"})
BOUND_HEADROOM = 1.5  # "more than 26,000" is consistent with up to 39,000
# Across the events of a story, figures compare by family: deaths are losses too.
CURRENCIES = frozenset({"usd", "eur", "gbp", "rub", "uah"})  # sums compare whatever they buy
# Whose people or things a figure counts matters only for what one side inflicts on another.
OWNED_UNITS = frozenset({"people", "troops", "equipment", "tanks", "aircraft", "vehicles"})
OWNED_ABOUT = frozenset({"killed", "losses", "casualties", "injured", "captured", "missing"})
ABOUT_FAMILY = {"killed": "losses", "casualties": "losses", "losses": "losses"}


@dataclass(frozen=True, slots=True)
class _Entry:
    """One figure of one claim, with the claim's facets."""

    facets: Facets
    figure: Figure
    whose: str | None  # the side whose people or things are counted, when the text says


def _whose(facets: Facets, figure: Figure) -> str | None:
    """ "26,000 Ukrainian servicemen", "Ukraine lost 35,000 troops": whose losses."""
    sentence = facets.claim.sentence
    if figure.span is None or figure.unit not in OWNED_UNITS or figure.about not in OWNED_ABOUT:
        return None
    start = figure.span.start - sentence.span.start
    for words in (figure.text, sentence.text[:start].rsplit(", ", 1)[-1]):
        sides = {s for s, names in _WHOSE_WORDS.items() if _words_of(words) & names}
        if sides:
            return sides.pop() if len(sides) == 1 else None
    return None


def _words_of(text: str) -> set[str]:
    return {w.strip("’'s").lower() for w in text.split()}


_WHOSE_WORDS = {
    "ukraine": frozenset({"ukraine", "ukrainian", "ukrainians", "kyiv", "kiev"}),
    "russia": frozenset({"russia", "russian", "russians", "moscow"}),
}


def _entries(facets: Sequence[Facets]) -> list[_Entry]:
    return [_Entry(f, figure, _whose(f, figure)) for f in facets for figure in f.claim.figures]


def event_figure_points(event_id: str, facets: Sequence[Facets]) -> list[Point]:
    by_key: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
    for entry in _entries(facets):
        about = "money" if entry.figure.unit in CURRENCIES else entry.figure.about
        by_key[(entry.figure.unit, about)].append(entry)
    points = []
    for _, entries in sorted(by_key.items(), key=lambda kv: kv[0]):
        groups = Groups(len(entries))
        for i, a in enumerate(entries):
            for j in range(i + 1, len(entries)):
                if _same_question(a, entries[j]):
                    groups.join(i, j)
        for group in groups.groups():
            points.append(_figure_point(event_id, [entries[i] for i in group], story=False))
    return points


def _same_question(a: _Entry, b: _Entry) -> bool:
    """Two figures for one counted thing: the same item, or no two different places."""
    if a.whose and b.whose and a.whose != b.whose:
        return False
    if a.facets.claim.item_id == b.facets.claim.item_id:
        return True
    return not (a.facets.places and b.facets.places and not a.facets.places & b.facets.places)


def story_figure_points(facets: Sequence[Facets]) -> list[Point]:
    """Figures for one counted thing across the events of a story: losses over time."""
    by_key: dict[tuple[str, str, str | None], list[_Entry]] = defaultdict(list)
    for entry in _entries(facets):
        family = ABOUT_FAMILY.get(entry.figure.about, entry.figure.about)
        by_key[(entry.figure.unit, family, entry.whose)].append(entry)
    points = []
    for _, entries in sorted(by_key.items(), key=lambda kv: str(kv[0])):
        if entries[0].whose is None and not _share_a_place(entries):
            continue
        if len({e.facets.claim.event_id for e in entries}) > 1:
            points.append(_figure_point("", entries, story=True))
    return points


def _share_a_place(entries: Sequence[_Entry]) -> bool:
    """Every figure is about a place, and one place is the same for all: months apart, a
    count whose place one claim does not say answers another question ("880 km2 this year"
    against "100 square miles on the southern front")."""
    places = [e.facets.places for e in entries]
    return all(places) and bool(frozenset.intersection(*places))


def _figure_point(event_id: str, entries: Sequence[_Entry], *, story: bool) -> Point:
    claims = unique_claims(e.facets for e in entries)
    differ = any(
        disagree(a.figure, b.figure)
        for i, a in enumerate(entries)
        for b in entries[i + 1 :]
        if a.facets.claim.speaker != b.facets.claim.speaker  # one speaker's two counts are parts
    )
    single = is_single([e.facets for e in entries])
    if story:
        status = "single" if single else "differ" if differ else "agree"
    else:
        status = "differ" if differ else "single" if single else "agree"
    first = min(entries, key=lambda e: (e.facets.published, e.facets.claim.id))
    label = figure_label(
        [e.figure for e in entries], [e.facets for e in entries], first.whose, story
    )
    kind = "story-figure" if story else "figure"
    return Point(
        id=point_id(f"{kind}:{entries[0].figure.unit}:{entries[0].figure.about}", claims),
        event_id=event_id or first.facets.claim.event_id,
        label=label,
        claim_ids=tuple(claims),
        status=status,
    )


def disagree(a: Figure, b: Figure) -> bool:
    """Whether two figures for one thing disagree beyond rounding and their qualifiers."""
    low, high = sorted((a, b), key=lambda f: f.value)
    if high.value == 0:
        return False
    gap = (high.value - low.value) / high.value
    if low.qualifier in LOWER_BOUNDS and high.qualifier not in LOWER_BOUNDS | UPPER_BOUNDS:
        return high.value > low.value * BOUND_HEADROOM  # "more than 26,000" and "30,000"
    if high.qualifier in UPPER_BOUNDS and low.qualifier not in LOWER_BOUNDS | UPPER_BOUNDS:
        return False  # "up to 40" allows 30
    exact = a.qualifier is None and b.qualifier is None
    return gap > (ROUNDING if exact else APPROXIMATE)
