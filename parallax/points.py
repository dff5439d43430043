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

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from parallax.assertion_points import assertion_points
from parallax.contention import Facets, read_facets, term_variants
from parallax.figure_points import event_figure_points, story_figure_points
from parallax.model import Claim, Event, Item, Point, Registries, Story
from parallax.parallel import fork_map
from parallax.point_groups import point_id

__all__ = ["PointMemo", "align_claims", "point_id"]


# Fewer stories (and lone events) than this are aligned sooner than a process starts.
PARALLEL_UNITS = 32


class PointMemo(Protocol):
    """Where `align_claims` finds an event's or a story's points from an earlier build (#9):
    kind is "event" or "story"."""

    def get(self, kind: str, key: str) -> list[Point] | None: ...

    def put(self, kind: str, key: str, points: list[Point]) -> None: ...


class _NoMemo:
    def get(self, kind: str, key: str) -> list[Point] | None:
        return None

    def put(self, kind: str, key: str, points: list[Point]) -> None:
        pass


class _Aligner:
    """The points of events and stories, reading each event's facets once per process."""

    def __init__(
        self,
        by_event: Mapping[str, list[Claim]],
        items_by_id: Mapping[str, Item],
        threshold: float,
        variants: Mapping[str, str],
    ) -> None:
        self.by_event, self.items_by_id = by_event, items_by_id
        self.threshold, self.variants = threshold, variants
        self._read: dict[str, tuple[Facets, ...]] = {}

    def facets_of(self, event_id: str) -> tuple[Facets, ...]:
        if event_id not in self._read:
            block = _reading_order(self.by_event.get(event_id, ()), self.items_by_id)
            self._read[event_id] = read_facets(block, self.items_by_id, self.variants)
        return self._read[event_id]

    def event_points(self, event_id: str) -> list[Point]:
        facets = self.facets_of(event_id)
        return event_figure_points(event_id, facets) + assertion_points(
            event_id, facets, self.threshold
        )

    def story_points(self, story: Story) -> list[Point]:
        return story_figure_points([f for e in story.event_ids for f in self.facets_of(e)])

    def run(self, unit: _Unit) -> tuple[dict[str, list[Point]], list[Point] | None]:
        event_ids, story = unit
        found = {event_id: self.event_points(event_id) for event_id in event_ids}
        return found, None if story is None else self.story_points(story)


_Unit = tuple[tuple[str, ...], Story | None]
"""Work for one process: the events whose points are still to find, and the story whose
figure points are (or None). A story and its events go together, so their facets are read
once."""


def align_claims(
    claims: Sequence[Claim],
    events: Sequence[Event],
    stories: Sequence[Story],
    items_by_id: Mapping[str, Item],
    threshold: float = 60.0,
    registries: Registries | None = None,
    memo: PointMemo | None = None,
) -> tuple[Point, ...]:
    """The points of every event, then those that span the events of a story.

    `memo` may answer an event's or a story's points from an earlier build (#9); the rest are
    found on every core, a story with its events (parallax.parallel)."""
    memo = memo or _NoMemo()
    by_event: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_event[claim.event_id].append(claim)
    event_ids = sorted(by_event)
    ordered = sorted(stories, key=lambda s: s.id)
    known_events = {e: memo.get("event", e) for e in event_ids}
    known_stories = {s.id: memo.get("story", s.id) for s in ordered}
    units = _units(ordered, known_events, known_stories, by_event)
    aligner = _Aligner(by_event, items_by_id, threshold, term_variants(registries))
    for (event_ids_done, story), (found, story_found) in zip(
        units,
        fork_map(lambda n: aligner.run(units[n]), len(units), chunk=1, min_count=PARALLEL_UNITS),
        strict=True,
    ):
        for event_id in event_ids_done:
            known_events[event_id] = found[event_id]
            memo.put("event", event_id, found[event_id])
        if story is not None and story_found is not None:
            known_stories[story.id] = story_found
            memo.put("story", story.id, story_found)
    points: dict[str, Point] = {}
    for found_points in (*known_events.values(), *known_stories.values()):
        for point in found_points or ():
            points.setdefault(point.id, point)
    return tuple(sorted(points.values(), key=lambda p: (p.event_id, p.label, p.id)))


def _units(
    stories: Sequence[Story],
    known_events: Mapping[str, list[Point] | None],
    known_stories: Mapping[str, list[Point] | None],
    by_event: Mapping[str, list[Claim]],
) -> list[_Unit]:
    """What is left to compute, in units of a story and its events (then the events of no
    story), the largest first so that no process is left with a long one at the end."""
    todo = {e for e, found in known_events.items() if found is None}
    units: list[_Unit] = []
    for story in stories:
        mine = tuple(e for e in story.event_ids if e in todo)
        todo -= set(mine)
        if mine or known_stories[story.id] is None:
            units.append((mine, story if known_stories[story.id] is None else None))
    units += [((e,), None) for e in sorted(todo)]

    def size(unit: _Unit) -> int:
        event_ids, story = unit
        spanned = story.event_ids if story is not None else event_ids
        return sum(len(by_event.get(e, ())) for e in {*event_ids, *spanned})

    return sorted(units, key=lambda unit: -size(unit))  # stable: ties keep story order


def _reading_order(claims: Iterable[Claim], items_by_id: Mapping[str, Item]) -> list[Claim]:
    def key(claim: Claim) -> tuple[str, str, int]:
        item = items_by_id.get(claim.item_id)
        published = item.published.isoformat() if item is not None else ""
        return (published, claim.item_id, claim.sentence.index)

    return sorted(claims, key=key)
