"""The claims and points as the JSON that `build.py claims --json` prints (DESIGN.md's shape).

Pure; no I/O: builds plain dicts and lists, ready for `json.dumps`. Paths are relative to the
content root, with "/". Beyond the documented fields each claim carries its actor key, the
sentence's index and offsets, and each figure its qualifier, words and offsets; each point
lists its events and, when it spans a story's events, the story.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from parallax.model import Claim, Figure, Item, Point, Story


def claims_to_json(
    claims: Sequence[Claim],
    points: Sequence[Point],
    items_by_id: Mapping[str, Item],
    stories: Sequence[Story] = (),
) -> dict[str, Any]:
    """{"claims": [...], "points": [...]}, claims in reading order, points as given."""
    return {
        "claims": [claim_to_json(c, items_by_id.get(c.item_id)) for c in in_reading_order(claims)],
        "points": points_to_json(points, claims, stories),
    }


def points_to_json(
    points: Sequence[Point],
    claims: Sequence[Claim] | Mapping[str, Claim],
    stories: Sequence[Story],
) -> list[dict[str, Any]]:
    """The points' records, as given; `claims` every claim, or every claim by id (a render
    worker has them so: a dict of 90,000 claims made again there touched every one, #9)."""
    by_id = claims if isinstance(claims, Mapping) else {c.id: c for c in claims}
    story_of = {e: s.id for s in sorted(stories, key=lambda s: s.id) for e in s.event_ids}
    return [point_to_json(p, by_id, story_of) for p in points]


def in_reading_order(claims: Sequence[Claim]) -> list[Claim]:
    """The claims by event, then item, then sentence: the order of the claims JSON."""
    return sorted(claims, key=lambda c: (c.event_id, c.item_id, c.sentence.index))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _figure(figure: Figure) -> dict[str, Any]:
    return {
        "value": _number(figure.value),
        "unit": figure.unit,
        "about": figure.about,
        "qualifier": figure.qualifier,
        "text": figure.text,
        "start": None if figure.span is None else figure.span.start,
        "end": None if figure.span is None else figure.span.end,
    }


def claim_to_json(claim: Claim, item: Item | None) -> dict[str, Any]:
    """One claim's record; `item` is its item, when there is one."""
    article_id, _, anchor = claim.item_id.partition("#")
    if item is not None:
        article_id, anchor = item.article_id, item.anchor or ""
    return {
        "id": claim.id,
        "event": claim.event_id,
        "article": article_id + ".md",
        "item": anchor or None,
        "source": claim.source,
        "speaker": claim.speaker,
        "side": claim.side,
        "text": claim.sentence.text,
        "quote": claim.quote,
        "figures": [_figure(f) for f in claim.figures],
        "actor": claim.actor,
        "sentence": claim.sentence.index,
        "start": claim.sentence.span.start,
        "end": claim.sentence.span.end,
    }


def point_to_json(
    point: Point, claims: Mapping[str, Claim], story_of: Mapping[str, str]
) -> dict[str, Any]:
    """One point's record; `claims` by id, `story_of` an event's story id."""
    events = sorted({claims[c].event_id for c in point.claim_ids if c in claims} | {point.event_id})
    return {
        "id": point.id,
        "event": point.event_id,
        "label": point.label,
        "status": point.status,
        "claims": list(point.claim_ids),
        "events": events,
        "story": story_of.get(point.event_id) if len(events) > 1 else None,
    }
