"""Data files of the site: JSON exports of stories, events, claims and points, and an Atom feed.

Pure: an `Analysis` (or its `Lookup`) in, `RenderedPage`s under data/ out; publish writes them
and MkDocs copies them into site/ unchanged. `clusters_json` and `claims_json` give the shapes
of DESIGN.md's `clusters --json` and `claims --json`, so the command line and the site agree.
Output is deterministic: lists sorted by id, keys in a fixed order, no clock. The feed's dates
are the stories' own dates, never the time of the build.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from parallax.claims import claims_to_json
from parallax.cluster import events_to_json
from parallax.lookup import Lookup, build_lookup
from parallax.markup import plain
from parallax.model import Analysis, RenderedPage, Story
from parallax.overview_pages import FEED_ENTRIES, stories_newest_first
from parallax.story_pages import story_events, story_sources
from parallax.urls import (
    FEED,
    article_dest,
    event_anchor,
    safe_id,
    sentence_anchor,
    site_url,
    story_dest,
)

ATOM = "http://www.w3.org/2005/Atom"
# One encoder for every record: `json.dumps` with options makes a new one per call (#9).
_ENCODER = json.JSONEncoder(ensure_ascii=False)
_ID_NAMESPACE = uuid.UUID("6f1c3b52-3f0e-4c58-9a57-2f0d1d4c8a11")  # ours; keeps feed ids stable


def clusters_json(analysis: Analysis, lookup: Lookup | None = None) -> dict[str, Any]:
    """`clusters --json` (cluster.events_to_json), with each record's URL on the site;
    `lookup` is the analysis's, when the caller has built it."""
    lookup = build_lookup(analysis) if lookup is None else lookup
    data = events_to_json(analysis.events, analysis.stories, lookup.items)
    for event in data["events"]:
        story = lookup.story_of_event.get(event["id"])
        event["story"] = None if story is None else story.id
        event["url"] = (
            None if story is None else site_url(story_dest(story.id), event_anchor(event["id"]))
        )
    for story_json in data["stories"]:
        story_json["url"] = site_url(story_dest(story_json["id"]))
    return data


def claims_json(analysis: Analysis, lookup: Lookup | None = None) -> dict[str, Any]:
    """`claims --json` (claims.claims_to_json), with the URL of each claim's sentence;
    `lookup` as for `clusters_json`."""
    lookup = build_lookup(analysis) if lookup is None else lookup
    data = claims_to_json(analysis.claims, analysis.points, lookup.items, analysis.stories)
    for claim_json in data["claims"]:
        claim = lookup.claims[claim_json["id"]]
        item = lookup.items.get(claim.item_id)
        claim_json["url"] = None
        if item is not None:
            anchor = sentence_anchor(item, claim.sentence)
            claim_json["url"] = site_url(article_dest(item.article_id), anchor)
    return data


def json_file(dest: str, key: str, records: list[dict[str, Any]]) -> RenderedPage:
    """`{key: records}` with one record per line: a rebuild's diff shows the records that
    changed, and json's C encoder (which `indent` turns off) writes 90,000 claims in a
    fraction of the time (#9)."""
    lines = ",\n".join(map(_ENCODER.encode, records))
    text = f"{{{json.dumps(key)}: [\n{lines}\n]}}" if records else f"{{{json.dumps(key)}: []}}"
    return RenderedPage(dest_path=dest, text=text + "\n", template="parallax/exports.py")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = plain(text)  # XML 1.0 cannot carry control characters
    return element


def _entry(feed: ET.Element, lookup: Lookup, story: Story) -> None:
    events = story_events(lookup, story)
    names = sorted({lookup.source_name(k) for k in story_sources(lookup, story)})
    entry = _sub(feed, "entry")
    _sub(entry, "id", uuid.uuid5(_ID_NAMESPACE, "story:" + story.id).urn)
    _sub(entry, "title", story.title)
    _sub(entry, "updated", f"{lookup.story_last_date(story).isoformat()}T00:00:00Z")
    _sub(entry, "link", href="../" + site_url(story_dest(story.id)), rel="alternate")
    titles = "; ".join(e.title for e in events)
    summary = (
        f"{len(events)} events reported by {len(names)} outlets ({', '.join(names)}): {titles}"
    )
    _sub(entry, "summary", summary)


def feed_file(lookup: Lookup, site_name: str) -> RenderedPage:
    """data/feed.xml: an Atom feed of the newest stories, links relative to the feed."""
    stories = stories_newest_first(lookup)[:FEED_ENTRIES]
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", uuid.uuid5(_ID_NAMESPACE, "feed:" + safe_id(site_name)).urn)
    _sub(feed, "title", f"{site_name}: stories")
    newest = lookup.story_last_date(stories[0]).isoformat() if stories else "1970-01-01"
    _sub(feed, "updated", f"{newest}T00:00:00Z")
    _sub(feed, "link", href="feed.xml", rel="self")
    _sub(feed, "link", href="../", rel="alternate")
    _sub(_sub(feed, "author"), "name", site_name)
    for story in stories:
        _entry(feed, lookup, story)
    ET.indent(feed)
    text = ET.tostring(feed, encoding="unicode", xml_declaration=True)
    return RenderedPage(dest_path=FEED, text=text + "\n", template="parallax/exports.py")


def export_files(lookup: Lookup, site_name: str) -> list[RenderedPage]:
    """Every data file of the site: data/stories.json, events.json, claims.json, points.json
    and feed.xml."""
    return [page for group in export_groups(lookup, site_name) for page in group()]


def export_groups(lookup: Lookup, site_name: str) -> tuple[Callable[[], list[RenderedPage]], ...]:
    """`export_files` in two groups that can be made apart (#9): the claims and points, by
    far the larger, and the rest."""
    analysis = lookup.analysis

    def claims() -> list[RenderedPage]:
        data = claims_json(analysis, lookup)
        return [
            json_file("data/claims.json", "claims", data["claims"]),
            json_file("data/points.json", "points", data["points"]),
        ]

    def clusters() -> list[RenderedPage]:
        data = clusters_json(analysis, lookup)
        return [
            json_file("data/stories.json", "stories", data["stories"]),
            json_file("data/events.json", "events", data["events"]),
            feed_file(lookup, site_name),
        ]

    return (claims, clusters)
