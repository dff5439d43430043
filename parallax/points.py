"""Points: claims from different sentences lined up on one question, with how they relate.

Pure; no I/O. `align_claims` works within each event, and across the events of each story,
never over all the claims of the corpus at once, so its cost grows with the size of events
and stories rather than with the square of the corpus. Three kinds of questions are found:

- a counted thing (people injured, troops lost, territory), from claims whose figures count
  the same thing about the same place; their values `differ` beyond rounding and qualifiers,
  or `agree`;
- who controls a place, and statements that rebut one another ("is mistaken", "disputed that
  claim"): `contradict`;
- statements worded alike by RapidFuzz about the same places: `agree`, or `contradict` when one
  is negated and the other is not.

A point whose claims all come from one outlet, or all from one side, is `single` unless its
figures differ or its claims contradict each other. Point ids come from the claim ids.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from parallax.contention import Facets, read_facets, term_variants
from parallax.model import Claim, Event, Figure, Item, Point, Registries, Story
from parallax.point_labels import assertion_label, figure_label

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


def align_claims(
    claims: Sequence[Claim],
    events: Sequence[Event],
    stories: Sequence[Story],
    items_by_id: Mapping[str, Item],
    threshold: float = 60.0,
    registries: Registries | None = None,
) -> tuple[Point, ...]:
    """The points of every event, then those that span the events of a story."""
    variants = term_variants(registries)
    by_event: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_event[claim.event_id].append(claim)
    facets_by_event = {
        event_id: read_facets(_reading_order(block, items_by_id), items_by_id, variants)
        for event_id, block in sorted(by_event.items())
    }
    points: dict[str, Point] = {}
    for event_id, facets in facets_by_event.items():
        for point in _event_points(event_id, facets, threshold):
            points.setdefault(point.id, point)
    for story in sorted(stories, key=lambda s: s.id):
        story_facets = [f for e in story.event_ids for f in facets_by_event.get(e, ())]
        for point in _story_points(story_facets):
            points.setdefault(point.id, point)
    return tuple(sorted(points.values(), key=lambda p: (p.event_id, p.label, p.id)))


def _reading_order(claims: Iterable[Claim], items_by_id: Mapping[str, Item]) -> list[Claim]:
    def key(claim: Claim) -> tuple[str, str, int]:
        item = items_by_id.get(claim.item_id)
        published = item.published.isoformat() if item is not None else ""
        return (published, claim.item_id, claim.sentence.index)

    return sorted(claims, key=key)


def point_id(kind: str, claim_ids: Iterable[str]) -> str:
    """A short id from the kind of question and the claims, not from list positions."""
    text = kind + "\n" + "\n".join(sorted(set(claim_ids)))
    return hashlib.sha1(text.encode()).hexdigest()[:12]


# --- groups of claims -----------------------------------------------------------------------


class _Groups:
    """Union-find over indices, read out as sorted groups so results are deterministic."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def groups(self) -> list[list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            found[self.find(i)].append(i)
        return sorted(found.values())


# --- figures --------------------------------------------------------------------------------


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


def _event_points(event_id: str, facets: Sequence[Facets], threshold: float) -> list[Point]:
    by_key: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
    for entry in _entries(facets):
        about = "money" if entry.figure.unit in CURRENCIES else entry.figure.about
        by_key[(entry.figure.unit, about)].append(entry)
    points = []
    for _, entries in sorted(by_key.items(), key=lambda kv: kv[0]):
        groups = _Groups(len(entries))
        for i, a in enumerate(entries):
            for j in range(i + 1, len(entries)):
                if _same_question(a, entries[j]):
                    groups.join(i, j)
        for group in groups.groups():
            points.append(_figure_point(event_id, [entries[i] for i in group], story=False))
    return points + _assertion_points(event_id, facets, threshold)


def _same_question(a: _Entry, b: _Entry) -> bool:
    """Two figures for one counted thing: the same item, or no two different places."""
    if a.whose and b.whose and a.whose != b.whose:
        return False
    if a.facets.claim.item_id == b.facets.claim.item_id:
        return True
    return not (a.facets.places and b.facets.places and not a.facets.places & b.facets.places)


def _story_points(facets: Sequence[Facets]) -> list[Point]:
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
    places = [e.facets.places for e in entries if e.facets.places]
    return bool(places) and bool(frozenset.intersection(*places))


def _figure_point(event_id: str, entries: Sequence[_Entry], *, story: bool) -> Point:
    claims = _unique_claims(e.facets for e in entries)
    differ = any(
        _disagree(a.figure, b.figure)
        for i, a in enumerate(entries)
        for b in entries[i + 1 :]
        if a.facets.claim.speaker != b.facets.claim.speaker  # one speaker's two counts are parts
    )
    single = _is_single([e.facets for e in entries])
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


def _unique_claims(facets: Iterable[Facets]) -> list[str]:
    ordered = sorted(facets, key=lambda f: (f.published, f.claim.item_id, f.claim.sentence.index))
    return list(dict.fromkeys(f.claim.id for f in ordered))


def _disagree(a: Figure, b: Figure) -> bool:
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


def _is_single(facets: Sequence[Facets]) -> bool:
    """One outlet only, or one side only (when every side is known)."""
    sources = {f.claim.source for f in facets}
    sides = {f.claim.side for f in facets}
    return len(sources) == 1 or (None not in sides and len(sides) == 1)


# --- assertions -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Edge:
    """Two claims answering one question, and whether they contradict each other."""

    a: int
    b: int
    contradicts: bool
    kind: str  # "rebuttal" | "control" | "wording"


def _assertion_points(event_id: str, facets: Sequence[Facets], threshold: float) -> list[Point]:
    edges = _rebuttal_edges(facets) + _control_edges(facets) + _wording_edges(facets, threshold)
    groups = _Groups(len(facets))
    for edge in edges:
        groups.join(edge.a, edge.b)
    linked = {i for e in edges for i in (e.a, e.b)}
    for i in range(1, len(facets)):
        if (i in linked or i - 1 in linked) and _continues(facets[i - 1], facets[i]):
            groups.join(i - 1, i)  # a quote that runs on belongs with its first sentence
    points = []
    for group in groups.groups():
        members = set(group)
        inner = [e for e in edges if e.a in members and e.b in members]
        if inner:
            points.append(_assertion_point(event_id, [facets[i] for i in group], inner, facets))
    return points


def _continues(before: Facets, after: Facets) -> bool:
    a, b = before.claim, after.claim
    adjacent = a.item_id == b.item_id and b.sentence.index == a.sentence.index + 1
    return adjacent and a.speaker == b.speaker and a.quote and b.quote


def _rebuttal_edges(facets: Sequence[Facets]) -> list[_Edge]:
    edges = []
    for i, rebuttal in enumerate(facets):
        if rebuttal.rebuts:
            edges += [_Edge(min(i, j), max(i, j), True, "rebuttal") for j in _rebutted(i, facets)]
    return edges


def _rebutted(i: int, facets: Sequence[Facets]) -> list[int]:
    """The claims a rebuttal answers: the one just before ("that claim"), or those it names."""
    rebuttal = facets[i]
    speaker = rebuttal.claim.speaker
    if rebuttal.rebuts_previous:
        before = [
            j
            for j in range(i - 1, -1, -1)
            if facets[j].claim.item_id == rebuttal.claim.item_id
            and facets[j].claim.speaker != speaker
        ]
        return before[:1]
    named = [
        j
        for j, f in enumerate(facets)
        if j != i
        and f.claim.speaker != speaker
        and f.claim.speaker.split()[-1].lower() in rebuttal.named
    ]
    on_topic = [j for j in named if facets[j].topics and rebuttal.topics]
    if on_topic or not named:
        return on_topic
    texts = [facets[j].claim.sentence.text for j in named]
    best = process.extractOne(
        rebuttal.claim.sentence.text,
        texts,
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
    )
    return [] if best is None else [named[best[2]]]


def _control_edges(facets: Sequence[Facets]) -> list[_Edge]:
    """Claims about who holds the same place: one side's control against the other's."""
    holding = [i for i, f in enumerate(facets) if f.control is not None and f.places]
    return [
        _Edge(i, j, facets[i].control != facets[j].control, "control")
        for n, i in enumerate(holding)
        for j in holding[n + 1 :]
        if facets[i].places & facets[j].places
        and facets[i].claim.speaker != facets[j].claim.speaker
    ]


def _wording_edges(facets: Sequence[Facets], threshold: float) -> list[_Edge]:
    """Statements from different items worded alike about the same places or people."""
    candidates = [i for i, f in enumerate(facets) if len(f.claim.sentence.text.split()) >= 6]
    if len({facets[i].claim.item_id for i in candidates}) < 2:
        return []
    texts = [facets[i].claim.sentence.text for i in candidates]
    edges = []
    for x, i in enumerate(candidates[:-1]):
        similar = process.extract(
            texts[x],
            texts[x + 1 :],
            scorer=fuzz.token_set_ratio,
            processor=utils.default_process,
            score_cutoff=threshold,
            limit=None,
        )
        for _, _, y in sorted(similar, key=lambda match: match[2]):
            j = candidates[x + 1 + y]
            if _may_align(facets[i], facets[j]):
                a, b = facets[i], facets[j]
                contradicts = a.negated != b.negated and a.claim.side != b.claim.side
                edges.append(_Edge(i, j, contradicts, "wording"))
    return edges


def _may_align(a: Facets, b: Facets) -> bool:
    if a.claim.item_id == b.claim.item_id or (a.claim.figures and b.claim.figures):
        return False  # figures are lined up by what they count, not by wording
    return bool(a.places & b.places or (a.claim.actor and a.claim.actor == b.claim.actor))


def _assertion_point(
    event_id: str, members: Sequence[Facets], edges: Sequence[_Edge], facets: Sequence[Facets]
) -> Point:
    contradicts = any(e.contradicts for e in edges)
    status = "contradict" if contradicts else "single" if _is_single(members) else "agree"
    kinds = sorted({e.kind for e in edges})
    rebuttals = [(facets[e.a], facets[e.b]) for e in edges if e.kind == "rebuttal"]
    claims = _unique_claims(members)
    return Point(
        id=point_id("assertion", claims),
        event_id=event_id,
        label=assertion_label(members, kinds, rebuttals),
        claim_ids=tuple(claims),
        status=status,
    )
