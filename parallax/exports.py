"""Data files of the site: JSON exports of stories, events, claims and points, and an Atom feed.

Pure (but for the last build's data/claims.json, points.json and events.json, whose runs of
lines the new ones copy, and the spill `export_groups` may hand the files to): an `Analysis`
(or its `Lookup`) in, `RenderedPage`s under data/ out; publish writes them and MkDocs copies
them into site/ unchanged.
`clusters_json` and `claims_json` give the shapes of DESIGN.md's `clusters --json` and
`claims --json`, so the command line and the site agree. Output is deterministic: lists
sorted by id, keys in a fixed order, no clock. The feed's dates are the stories' own dates,
never the time of the build.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from itertools import groupby
from operator import attrgetter
from typing import Any, Protocol

from parallax.claims_json import claim_to_json, in_reading_order, point_to_json, points_to_json
from parallax.cluster import event_json, events_to_json, stories_json
from parallax.lookup import Lookup, build_lookup
from parallax.markup import plain
from parallax.model import Analysis, Claim, Event, Point, RenderedPage, Story
from parallax.overview_pages import FEED_ENTRIES, stories_newest_first
from parallax.publish import CopySource, Pieces, ShortRun, Span, join_pieces
from parallax.story_pages import story_events, story_sources
from parallax.urls import (
    CLAIMS_DATA,
    EVENTS_DATA,
    FEED,
    POINTS_DATA,
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
        _on_the_site(lookup, event)
    for story_json in data["stories"]:
        story_json["url"] = site_url(story_dest(story_json["id"]))
    return data


def _on_the_site(lookup: Lookup, event: dict[str, Any]) -> dict[str, Any]:
    """An event's record (`cluster.event_json`) with its story and its URL on the site."""
    story = lookup.story_of_event.get(event["id"])
    event["story"] = None if story is None else story.id
    event["url"] = (
        None if story is None else site_url(story_dest(story.id), event_anchor(event["id"]))
    )
    return event


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


class Lines(Protocol):
    """Where a data file's runs of lines may come from the last build (the page cache,
    `page_cache.PageCache`)."""

    def article_key(self, article_id: str) -> str | None:
        """The build cache's key of an article, None when it has none."""

    def lines_key(self, dest: str, made_of: str) -> str:
        """The key of a run of lines of the file `dest` made only of `made_of`."""

    def lines(self, dest: str, key: str) -> Span | None:
        """Where the lines kept under `key` are in the last build's file at `dest`
        (`runs_file`), or None."""

    def runs_file(self, dest: str) -> CopySource | None:
        """The last build's file at `dest`, once `lines` found a run in it; else None."""


# A run of lines of a data file, as `lines_data` takes it: what it is made of, written out
# (None: it cannot be kept), and what encodes its lines.
Run = tuple[str | None, Callable[[], bytes]]


def lines_data(
    dest: str, name: str, runs: Iterable[Run], memo: Lines | None = None
) -> tuple[list[bytes | Span], dict[str, Span]]:
    """The bytes of the data file `dest` (`json_file` of `{name: records}`) as pieces: bytes,
    and runs of `memo`'s file (`Lines.runs_file`), with where each run of lines is in the
    whole, by its key, for the memo of the next build.

    With `memo`, a run made of the same as a run of the last build (`Lines.lines_key`) is
    copied from the last build's file instead of encoded again (#9): its records are not
    even made. Runs next to each other in both files are one piece: with one article added
    at 10k, a few pieces of the old file, which the kernel copies (`publish.Spill.pieces`).
    """
    opening = _opening(name).encode()
    pieces: list[bytes | Span] = []
    made: list[bytes] = [opening]  # bytes made since the last run of the old file
    spans: dict[str, Span] = {}
    at = len(opening)
    for made_of, encode in runs:
        key = None if made_of is None or memo is None else memo.lines_key(dest, made_of)
        run = None if key is None or memo is None else memo.lines(dest, key)
        if key in spans:  # a run made of the same twice: neither is told apart later
            run, key = None, None
        if run is None:
            lines = encode()
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
    if made == [opening] and not pieces:  # no records
        return [_lines_file(dest, name, []).text.encode()], spans
    made[-1] = _END  # the last run's separator is the end of the list
    pieces.append(b"".join(made))
    return pieces, spans


_BETWEEN = b",\n"  # between two runs of lines, as `_lines_file` joins lines
_END = b"\n]}\n"  # after the last line, as `_lines_file` ends


def claims_data(
    lookup: Lookup, memo: Lines | None = None
) -> tuple[list[bytes | Span], dict[str, Span]]:
    """data/claims.json (`json_file` of `claims_json`'s claims) as `lines_data` pieces.

    The claims are in reading order (`in_reading_order`), so each event's claims are one
    run of lines. A run is made of its claims and their items alone, which the build cache's
    keys of their articles stand for: with `memo`, the runs whose items' articles are
    unchanged are copied from the last build's file, 93,000 claims at 10k articles, and
    their claims are not even put in order (#9).
    """

    def runs() -> Iterator[Run]:
        for event_id, by_item in sorted(_claims_by_event(lookup).items()):
            items = sorted(by_item)
            made_of = None if memo is None else _claims_made_of(lookup, memo, event_id, items)
            yield made_of, partial(_claim_lines, lookup, by_item, items)

    return lines_data(CLAIMS_DATA, "claims", runs(), memo)


def _claim_lines(
    lookup: Lookup, by_item: Mapping[str, tuple[Claim, ...]], items: list[str]
) -> bytes:
    claims = (c for i in items for c in sorted(by_item[i], key=_sentence_index))
    return ",\n".join(_ENCODER.encode(claim_record(lookup, c)) for c in claims).encode()


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


def _claims_made_of(lookup: Lookup, memo: Lines, event_id: str, item_ids: list[str]) -> str | None:
    """What an event's lines of data/claims.json are made of: its id, and its items with
    their articles' keys; None when an item or its article's key is unknown."""
    parts = [event_id]
    for item_id in item_ids:
        key = _item_key(lookup, memo, item_id)
        if key is None:
            return None
        parts.append(key)
    return "\n".join(parts)


def _item_key(lookup: Lookup, memo: Lines, item_id: str) -> str | None:
    """An item's id with its article's key (`Lines.article_key`), or None."""
    key = lookup.item_keys(memo.article_key).get(item_id)
    return None if key is None else f"{item_id} {key}"


def points_data(
    lookup: Lookup, memo: Lines | None = None
) -> tuple[list[bytes | Span], dict[str, Span]]:
    """data/points.json (`json_file` of `points_to_json`'s records, in the analysis's order)
    as `lines_data` pieces, an event's points a run: the analysis lists them by event.

    An event's points are made of its claims and items, and, for those that span a story's
    events, of the claims and items of every event of its story (`points.align_claims`):
    with `memo`, the runs of events whose story's events hold the same items, of the same
    articles' keys, are copied from the last build's file; where each record lists its
    points' events and story, and made 13,000 records at 10k articles (#9).
    """
    points = lookup.analysis.points
    story_of = {
        e: s.id for s in sorted(lookup.analysis.stories, key=lambda s: s.id) for e in s.event_ids
    }

    def encode(run: tuple[Point, ...]) -> bytes:
        records = (point_to_json(p, lookup.point_claims(p), story_of) for p in run)
        return ",\n".join(map(_ENCODER.encode, records)).encode()

    def runs() -> Iterator[Run]:
        seen: set[str] = set()
        for event_id, run in groupby(points, attrgetter("event_id")):
            # An event's points are one run: one listed apart is not kept.
            kept = event_id not in seen
            seen.add(event_id)
            made_of = _points_made_of(lookup, memo, event_id) if memo is not None and kept else None
            yield made_of, partial(encode, tuple(run))

    return lines_data(POINTS_DATA, "points", runs(), memo)


def events_data(
    lookup: Lookup, memo: Lines | None = None
) -> tuple[list[bytes | Span], dict[str, Span]]:
    """data/events.json (`json_file` of `clusters_json`'s events) as `lines_data` pieces, an
    event's record a run.

    A record is made of the event (its items in order, title, dates and evidence), its
    items, which their articles' keys stand for, and its story's id: with `memo`, the
    records of events all of which are unchanged are copied from the last build's file,
    where each build made and encoded 2,800 records at 10k articles (#9)."""
    events = sorted(lookup.analysis.events, key=lambda e: (e.start, e.id))

    def encode(event: Event) -> bytes:
        record = _on_the_site(lookup, event_json(event, lookup.items))
        return _ENCODER.encode(record).encode()

    def runs() -> Iterator[Run]:
        for event in events:
            made_of = None if memo is None else _event_record_made_of(lookup, memo, event)
            yield made_of, partial(encode, event)

    return lines_data(EVENTS_DATA, "events", runs(), memo)


def _event_record_made_of(lookup: Lookup, memo: Lines, event: Event) -> str | None:
    """What an event's record in data/events.json is made of (`events_data`); None when an
    item or its article's key is unknown. The event's id and items come first, in order
    (`_event_made_of`), then its story's id and the rest of it, as plain values."""
    own = _event_made_of(lookup, memo, event.id)
    if own is None or lookup.events.get(event.id) is not event:
        return None  # another event of the same id: not told apart
    story = lookup.story_of_event.get(event.id)
    evidence = tuple((e.item_ids, e.score, e.shared) for e in event.evidence)
    rest = (None if story is None else story.id, event.title, event.start, event.end, evidence)
    return f"{own}\n{rest!r}"


def _points_made_of(lookup: Lookup, memo: Lines, event_id: str) -> str | None:
    """What an event's lines of data/points.json are made of (`points_data`): the event's
    own (`_event_made_of`) and its story's, the events of its story each with theirs; None
    when one is unknown."""
    own = _event_made_of(lookup, memo, event_id)
    story = lookup.story_of_event.get(event_id)
    if own is None or story is None:
        return own
    known: dict[tuple[Lines, str], str | None] = lookup.kept("stories' made of", dict)
    if (memo, story.id) not in known:
        parts = [story.id]
        for other in story.event_ids:
            found = _event_made_of(lookup, memo, other)
            if found is None:
                parts = []
                break
            parts.append(found)
        made = "\n".join(parts).encode("utf-8", "surrogatepass")
        known[memo, story.id] = hashlib.sha256(made).hexdigest() if parts else None
    whole = known[memo, story.id]
    return None if whole is None else f"{own}\nstory {story.id} {whole}"


def _event_made_of(lookup: Lookup, memo: Lines, event_id: str) -> str | None:
    """An event's id and its items, each with its article's key; None when one is
    unknown. Worked out once an event for the lookup."""
    known: dict[tuple[Lines, str], str | None] = lookup.kept("events' made of", dict)
    if (memo, event_id) not in known:
        event = lookup.events.get(event_id)
        parts = [] if event is None else [event_id]
        for item_id in () if event is None else event.item_ids:
            key = _item_key(lookup, memo, item_id)
            if key is None:
                parts = []
                break
            parts.append(key)
        known[memo, event_id] = "\n".join(parts) if parts else None
    return known[memo, event_id]


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


def _runs_file(
    dest: str,
    make: Callable[[Lines | None], tuple[list[bytes | Span], dict[str, Span]]],
    memo: Lines | None,
    spill: Sink | None,
) -> Exported:
    """The data file at `dest` that `make` gives as pieces (`lines_data`), with where its
    runs are; made anew, without `memo`, when the last build's file was cut short while its
    runs were copied (`ShortRun`)."""
    try:
        pieces, spans = make(memo)
        source = None if memo is None else memo.runs_file(dest)
        if spill is None:
            page = RenderedPage(dest, join_pieces(pieces, source).decode(), MADE_BY)
        else:
            page = spill.pieces(dest, MADE_BY, pieces, source)
    except ShortRun:
        if memo is None:
            raise
        return _runs_file(dest, make, None, spill)
    return [page], {dest: spans}


# Data files, and where the runs of lines of those made of runs are, by destination, then by
# key (`lines_data`).
Exported = tuple[list[RenderedPage], dict[str, dict[str, Span]]]


def export_groups(
    lookup: Lookup, site_name: str, memo: Lines | None = None, spill: Sink | None = None
) -> tuple[Callable[[], Exported], ...]:
    """`export_files` in three groups that can be made apart (#9): the claims, by far the
    largest, the points, and the rest. `memo` as for `lines_data`; with a `spill`, each file is
    handed to it as it is made (a render worker's, which writes it rather than send it)."""
    analysis = lookup.analysis

    def handed(page: RenderedPage) -> RenderedPage:
        return page if spill is None else spill.page(page)

    def records(dest: str, key: str, made: list[dict[str, Any]]) -> RenderedPage:
        if spill is None:
            return json_file(dest, key, made)
        return spill.data(dest, MADE_BY, json_data(key, made))

    def claims() -> Exported:
        return _runs_file(CLAIMS_DATA, partial(claims_data, lookup), memo, spill)

    def points() -> Exported:
        return _runs_file(POINTS_DATA, partial(points_data, lookup), memo, spill)

    def clusters() -> Exported:
        stories = stories_json(analysis.stories, analysis.events)
        for story in stories:
            story["url"] = site_url(story_dest(story["id"]))
        events, runs = _runs_file(EVENTS_DATA, partial(events_data, lookup), memo, spill)
        pages = [records("data/stories.json", "stories", stories), *events]
        return [*pages, handed(feed_file(lookup, site_name))], runs

    return (claims, points, clusters)
