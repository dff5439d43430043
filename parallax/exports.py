"""Data files of the site: JSON exports of stories, events, claims and points, and an Atom feed.

Pure (but for the last build's data/claims.json, whose runs of lines the new one copies, and
the spill `export_groups` may hand the files to): an `Analysis` (or its `Lookup`) in,
`RenderedPage`s under data/ out; publish writes them and MkDocs copies them into site/ unchanged.
`clusters_json` and `claims_json` give the shapes of DESIGN.md's `clusters --json` and
`claims --json`, so the command line and the site agree. Output is deterministic: lists
sorted by id, keys in a fixed order, no clock. The feed's dates are the stories' own dates,
never the time of the build.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from parallax.claims_json import claim_to_json, in_reading_order, points_to_json
from parallax.cluster import events_to_json
from parallax.lookup import Lookup, build_lookup
from parallax.markup import plain
from parallax.model import Analysis, Claim, RenderedPage, Story
from parallax.overview_pages import FEED_ENTRIES, stories_newest_first
from parallax.publish import CopySource, Pieces, ShortRun, Span, join_pieces
from parallax.story_pages import story_events, story_sources
from parallax.urls import (
    CLAIMS_DATA,
    EVENTS_DATA,
    FEED,
    article_dest,
    event_anchor,
    safe_id,
    sentence_anchor,
    site_url,
    story_dest,
)

ATOM = "http://www.w3.org/2005/Atom"
MADE_BY = "parallax/exports.py"  # the template of a data file, as messages name it
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
    return {
        "claims": [claim_record(lookup, c) for c in in_reading_order(analysis.claims)],
        "points": points_to_json(analysis.points, analysis.claims, analysis.stories),
    }


def claim_record(lookup: Lookup, claim: Claim) -> dict[str, Any]:
    """One claim's record in `claims_json`."""
    item = lookup.items.get(claim.item_id)
    record = claim_to_json(claim, item)
    record["url"] = None
    if item is not None:
        anchor = sentence_anchor(item, claim.sentence)
        record["url"] = site_url(article_dest(item.article_id), anchor)
    return record


def json_file(dest: str, key: str, records: list[dict[str, Any]]) -> RenderedPage:
    """`{key: records}` with one record per line: a rebuild's diff shows the records that
    changed, and json's C encoder (which `indent` turns off) writes 90,000 claims in a
    fraction of the time (#9)."""
    return _lines_file(dest, key, list(map(_ENCODER.encode, records)))


def json_data(key: str, records: list[dict[str, Any]]) -> bytes:
    """`json_file`'s text, UTF-8, made as bytes in one piece: as text, joined, closed and
    encoded, data/events.json and points.json were each copied four times, 5 MB at a time
    at 10k articles (#9)."""
    if not records:
        return _lines_file("", key, []).text.encode()
    made = [_opening(key).encode()]
    for record in records:
        made += (_ENCODER.encode(record).encode(), _BETWEEN)
    made[-1] = _END
    return b"".join(made)


def _lines_file(dest: str, key: str, lines: list[str]) -> RenderedPage:
    """`json_file` of records already encoded, one or more lines each."""
    body = ",\n".join(lines)
    text = f"{_opening(key)}{body}\n]}}" if lines else f"{{{json.dumps(key)}: []}}"
    return RenderedPage(dest_path=dest, text=text + "\n", template=MADE_BY)


def _opening(key: str) -> str:
    """What comes before the first line of `_lines_file`'s records."""
    return f"{{{json.dumps(key)}: [\n"


class ClaimLines(Protocol):
    """Where an event's lines of data/claims.json may come from the last build (the page
    cache, `page_cache.PageCache`)."""

    def claim_lines_key(self, event_id: str, article_ids: Mapping[str, str]) -> str | None:
        """The key of the lines of an event's claims, made of the claims of these items
        (item id -> article id); None when they cannot be kept."""

    def claim_lines(self, key: str) -> Span | None:
        """Where the lines kept under `key` are in the last build's file (`claims_file`),
        or None."""

    def claims_file(self) -> CopySource | None:
        """The last build's file, once `claim_lines` found a run in it; else None."""


def claims_data(
    lookup: Lookup, memo: ClaimLines | None = None
) -> tuple[list[bytes | Span], dict[str, Span]]:
    """data/claims.json's bytes (`json_file` of `claims_json`'s claims) as pieces: bytes,
    and runs of `memo`'s file (`ClaimLines.claims_file`), with where the lines of each
    event's claims are in the whole, by their key, for the memo of the next build.

    The claims are in reading order (`in_reading_order`), so each event's claims are one
    run of lines. A run is made of its claims and their items alone: with `memo`, the runs
    whose items' articles are unchanged are copied from the last build's file instead of
    encoded again, 93,000 claims at 10k articles, and their claims are not even put in order
    (#9). Runs next to each other in both files are one piece: with one article added at
    10k, a few pieces of the old file, which the kernel copies (`publish.Spill.pieces`).
    """
    opening = _opening("claims").encode()
    pieces: list[bytes | Span] = []
    made: list[bytes] = [opening]  # bytes made since the last run of the old file
    spans: dict[str, Span] = {}
    at = len(opening)
    for event_id, by_item in sorted(_claims_by_event(lookup).items()):
        items = sorted(by_item)
        key = None if memo is None else _run_key(lookup, memo, event_id, items)
        run = None if key is None or memo is None else memo.claim_lines(key)
        if run is None:
            claims = (c for i in items for c in sorted(by_item[i], key=_sentence_index))
            lines = ",\n".join(_ENCODER.encode(claim_record(lookup, c)) for c in claims).encode()
            made += (lines, _BETWEEN)
            length = len(lines)
        else:
            last = pieces[-1] if pieces and made == [_BETWEEN] else None
            if isinstance(last, tuple) and last[1] + len(_BETWEEN) == run[0]:
                pieces[-1] = (last[0], run[1])  # the old file has the same separator between
            else:
                pieces += (b"".join(made), run)
            made = [_BETWEEN]
            length = run[1] - run[0]
        if key is not None:
            spans[key] = (at, at + length)
        at += length + len(_BETWEEN)
    if made == [opening] and not pieces:  # no claims
        return [_lines_file(CLAIMS_DATA, "claims", []).text.encode()], spans
    made[-1] = _END  # the last run's separator is the end of the list
    pieces.append(b"".join(made))
    return pieces, spans


_BETWEEN = b",\n"  # between two runs of lines, as `_lines_file` joins lines
_END = b"\n]}\n"  # after the last line, as `_lines_file` ends


def _claims_by_event(lookup: Lookup) -> dict[str, dict[str, tuple[Claim, ...]]]:
    """event id -> item id -> its claims, in the analysis's order. Every claim of an item is
    in the item's event (`corpus_stages.tag_claims` tags them so), read from its first: the
    93,000 claims of a 10k digest are not each touched, nor copied in a render worker (#9)."""
    by_event: dict[str, dict[str, tuple[Claim, ...]]] = {}
    for item_id, claims in lookup.claims_by_item.items():
        by_event.setdefault(claims[0].event_id, {})[item_id] = claims
    return by_event


def _sentence_index(claim: Claim) -> int:
    return claim.sentence.index


def _run_key(lookup: Lookup, memo: ClaimLines, event_id: str, item_ids: list[str]) -> str | None:
    article_ids = {}
    for item_id in item_ids:
        item = lookup.items.get(item_id)
        if item is None:
            return None
        article_ids[item_id] = item.article_id
    return memo.claim_lines_key(event_id, article_ids)


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
    return RenderedPage(dest_path=FEED, text=text + "\n", template=MADE_BY)


class Sink(Protocol):
    """Where data files go as they are made, instead of their text (`publish.Spill`)."""

    def page(self, page: RenderedPage) -> RenderedPage:
        """`page`, handed over."""

    def data(self, dest: str, template: str, data: bytes) -> RenderedPage:
        """The page of `data`, handed over."""

    def pieces(
        self, dest: str, template: str, pieces: Pieces, source: CopySource | None
    ) -> RenderedPage:
        """The page of the bytes `pieces` stand for, runs of `source` among them, handed
        over."""


def export_files(lookup: Lookup, site_name: str) -> list[RenderedPage]:
    """Every data file of the site: data/stories.json, events.json, claims.json, points.json
    and feed.xml."""
    return [page for group in export_groups(lookup, site_name) for page in group()[0]]


def _claims_file(lookup: Lookup, memo: ClaimLines | None, spill: Sink | None) -> Exported:
    pieces, spans = claims_data(lookup, memo)
    source = None if memo is None else memo.claims_file()
    if spill is None:
        return [RenderedPage(CLAIMS_DATA, join_pieces(pieces, source).decode(), MADE_BY)], spans
    return [spill.pieces(CLAIMS_DATA, MADE_BY, pieces, source)], spans


# Data files, and where data/claims.json's runs of lines are, by key (`claims_data`), when
# the group wrote that file.
Exported = tuple[list[RenderedPage], dict[str, Span] | None]


def export_groups(
    lookup: Lookup, site_name: str, memo: ClaimLines | None = None, spill: Sink | None = None
) -> tuple[Callable[[], Exported], ...]:
    """`export_files` in three groups that can be made apart (#9): the claims, by far the
    largest, the points, and the rest. `memo` as for `claims_data`; with a `spill`, each file is
    handed to it as it is made (a render worker's, which writes it rather than send it)."""
    analysis = lookup.analysis

    def handed(page: RenderedPage) -> RenderedPage:
        return page if spill is None else spill.page(page)

    def records(dest: str, key: str, made: list[dict[str, Any]]) -> RenderedPage:
        if spill is None:
            return json_file(dest, key, made)
        return spill.data(dest, MADE_BY, json_data(key, made))

    def claims() -> Exported:
        try:
            return _claims_file(lookup, memo, spill)
        except ShortRun:  # the last build's file changed while it was copied: made anew
            return _claims_file(lookup, None, spill)

    def points() -> Exported:
        points = points_to_json(analysis.points, lookup.claims, analysis.stories)
        return [records("data/points.json", "points", points)], None

    def clusters() -> Exported:
        data = clusters_json(analysis, lookup)
        return [
            records("data/stories.json", "stories", data["stories"]),
            records(EVENTS_DATA, "events", data["events"]),
            handed(feed_file(lookup, site_name)),
        ], None

    return (claims, points, clusters)
