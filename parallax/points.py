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
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial

from parallax.assertion_points import assertion_points
from parallax.contention import Facets, read_facets, term_variants
from parallax.figure_points import event_figure_points, story_figure_points
from parallax.model import Claim, Event, Item, Point, Registries, Story
from parallax.point_groups import point_id

__all__ = ["align_claims", "point_id"]


Recall = Callable[[str, str, Callable[[], list[Point]]], list[Point]]
"""(kind "event" or "story", its id, compute): the build cache's answer, or compute's."""


def _compute(kind: str, key: str, compute: Callable[[], list[Point]]) -> list[Point]:
    return compute()


def align_claims(
    claims: Sequence[Claim],
    events: Sequence[Event],
    stories: Sequence[Story],
    items_by_id: Mapping[str, Item],
    threshold: float = 60.0,
    registries: Registries | None = None,
    recall: Recall | None = None,
) -> tuple[Point, ...]:
    """The points of every event, then those that span the events of a story.

    `recall` may answer an event's or a story's points from an earlier build (#9); the
    facets of an event's claims are read only when something needs them."""
    recall = recall or _compute
    variants = term_variants(registries)
    by_event: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_event[claim.event_id].append(claim)
    read: dict[str, tuple[Facets, ...]] = {}

    def facets_of(event_id: str) -> tuple[Facets, ...]:
        if event_id not in read:
            block = _reading_order(by_event.get(event_id, ()), items_by_id)
            read[event_id] = read_facets(block, items_by_id, variants)
        return read[event_id]

    def event_points(event_id: str) -> list[Point]:
        facets = facets_of(event_id)
        return event_figure_points(event_id, facets) + assertion_points(event_id, facets, threshold)

    def story_points(story: Story) -> list[Point]:
        return story_figure_points([f for e in story.event_ids for f in facets_of(e)])

    points: dict[str, Point] = {}
    for event_id in sorted(by_event):
        for point in recall("event", event_id, partial(event_points, event_id)):
            points.setdefault(point.id, point)
    for story in sorted(stories, key=lambda s: s.id):
        for point in recall("story", story.id, partial(story_points, story)):
            points.setdefault(point.id, point)
    return tuple(sorted(points.values(), key=lambda p: (p.event_id, p.label, p.id)))


def _reading_order(claims: Iterable[Claim], items_by_id: Mapping[str, Item]) -> list[Claim]:
    def key(claim: Claim) -> tuple[str, str, int]:
        item = items_by_id.get(claim.item_id)
        published = item.published.isoformat() if item is not None else ""
        return (published, claim.item_id, claim.sentence.index)

    return sorted(claims, key=key)
