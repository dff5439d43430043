"""The data files: JSON in DESIGN.md's shapes with URLs, and an Atom feed with stable ids."""

from __future__ import annotations

import dataclasses
import itertools
import json
import xml.etree.ElementTree as ET

import pytest

from parallax.claims_json import points_to_json
from parallax.exports import (
    claims_json,
    clusters_json,
    events_data,
    export_files,
    json_data,
    json_file,
    points_data,
)
from parallax.lookup import build_lookup
from tests.conftest_golden import site_analysis

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return {p.dest_path: p.text for p in export_files(build_lookup(site_analysis()), "Parallax")}


def test_events_and_stories_have_the_cli_shape_plus_urls():
    data = clusters_json(site_analysis())
    stories = {s["id"]: s for s in data["stories"]}
    assert stories["veresk-dam"] == {
        "id": "veresk-dam",
        "title": "The Veresk dam",
        "url": "stories/veresk-dam/",
        "events": ["2024-03-04-veresk-dam", "2024-03-07-lysivka"],
    }
    event = data["events"][0]
    assert {k: event[k] for k in ("id", "start", "end", "story", "url")} == {
        "id": "2024-03-04-veresk-dam",
        "start": "2024-03-04",
        "end": "2024-03-05",
        "story": "veresk-dam",
        "url": "stories/veresk-dam/#event-2024-03-04-veresk-dam",
    }
    assert event["items"][2] == {
        "article": "articles/kyivpost/2024-03-05-live-veresk.md",
        "item": "water-rising",
    }


def test_a_claim_carries_its_sentence_url_and_figures():
    claims = {c["id"]: c for c in claims_json(site_analysis())["claims"]}
    claim = claims["c-tass-evac"]
    for figure in claim["figures"]:  # offsets are checked by the claims tests
        del figure["start"], figure["end"]
    assert claim == {
        "id": "c-tass-evac",
        "event": "2024-03-04-veresk-dam",
        "article": "articles/tass/2024-03-04-dam-collapse.md",
        "item": None,
        "source": "tass",
        "speaker": "Igor Volkov",
        "actor": "igor-volkov",
        "side": "russia",
        "text": "Igor Volkov said about 300 people were evacuated.",
        "sentence": 1,
        "start": 37,
        "end": 86,
        "quote": False,
        "url": "articles/tass/2024-03-04-dam-collapse/#s-1",
        "figures": [
            {
                "value": 300,
                "unit": "people",
                "about": "evacuated",
                "qualifier": "about",
                "text": "about 300 people",
            }
        ],
    }


def test_points_list_their_claims_and_status():
    points = {p["id"]: (p["status"], p["claims"]) for p in claims_json(site_analysis())["points"]}
    assert points["p-bad"] == ("single", ["c-bad"])
    assert points["p-cause"] == ("contradict", ["c-nw-cause", "c-tass-cause"])


def test_points_read_their_claims_from_a_list_or_by_id_alike(files):
    analysis = site_analysis()
    listed = points_to_json(analysis.points, analysis.claims, analysis.stories)
    by_id = points_to_json(analysis.points, build_lookup(analysis).claims, analysis.stories)
    assert by_id == listed and len(listed) == 5
    assert json.loads(files["data/points.json"])["points"] == listed


def test_the_site_claims_are_the_cli_claims_in_their_order(files):
    # The site groups each item's claims by the event of its first (every claim of an item
    # is in the item's event); the command line sorts every claim by its own.
    cli = claims_json(site_analysis())["claims"]
    assert json.loads(files["data/claims.json"])["claims"] == cli
    assert len({c["event"] for c in cli}) > 1


def test_the_json_files_parse_and_hold_every_record(files):
    counts = {d: len(next(iter(json.loads(t).values()))) for d, t in files.items() if ".json" in d}
    assert counts == {
        "data/stories.json": 2,
        "data/events.json": 3,
        "data/claims.json": 9,
        "data/points.json": 5,
    }


def test_each_json_record_is_one_line(files):
    text = files["data/claims.json"]
    lines = text.splitlines()
    assert lines[0] == '{"claims": ['
    assert lines[-1] == "]}"
    records = [json.loads(line.removesuffix(",")) for line in lines[1:-1]]
    assert records == json.loads(text)["claims"]
    assert all(line.endswith(",") for line in lines[1:-2]) and not lines[-2].endswith(",")


def test_an_empty_json_file_is_still_json():
    empty = json_file("data/points.json", "points", [])
    assert json.loads(empty.text) == {"points": []}


@pytest.mark.parametrize(
    "records",
    [
        [],
        [{"id": "a"}],
        [{"id": "é", "text": "«Quote» — ünïcode\n", "n": 1.5}, {"id": "b", "list": [1, None]}],
    ],
)
def test_a_json_file_made_as_bytes_is_the_text_encoded(records):
    made = json_file("data/points.json", "points", records).text.encode("utf-8")
    assert json_data("points", records) == made
    assert json.loads(made) == {"points": records}


def test_the_feed_lists_stories_newest_first_with_stable_ids(files):
    feed = ET.fromstring(files["data/feed.xml"])
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Grain talks", "The Veresk dam"]
    assert feed.findtext(f"{ATOM}updated") == "2024-03-10T00:00:00Z"
    veresk = entries[1]
    assert veresk.find(f"{ATOM}link").get("href") == "../stories/veresk-dam/"
    assert veresk.findtext(f"{ATOM}id") == "urn:uuid:58ca0f45-3c33-5391-95ec-e7c1a71552b9"
    assert veresk.findtext(f"{ATOM}summary") == (
        "2 events reported by 3 outlets (Kyiv Courier, Newswire, TASS): "
        "Veresk dam breached; Lysivka evacuated"
    )


def test_hostile_text_in_the_feed_is_escaped_xml(files):
    text = files["data/feed.xml"]
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\u202e" not in text
    ET.fromstring(text)  # still well-formed


def test_the_points_made_as_runs_are_the_points_json_of_the_analysis():
    analysis = site_analysis()
    lookup = build_lookup(analysis)
    (made,), spans = points_data(lookup)
    records = points_to_json(analysis.points, analysis.claims, analysis.stories)
    assert len(records) >= 5 and spans == {}  # no memo: no run is kept
    assert made == json_data("points", records)
    empty = dataclasses.replace(analysis, points=())
    assert points_data(build_lookup(empty))[0] == [json_data("points", [])]


class _Memo:
    """A memo that keeps nothing, and notes what each run is made of."""

    def __init__(self) -> None:
        self.made_of: list[str] = []

    def article_key(self, article_id: str) -> str | None:
        return f"key of {article_id}"

    def lines_key(self, dest: str, made_of: str) -> str:
        self.made_of.append(made_of)
        return f"{dest} {len(self.made_of)} {made_of}"

    def lines(self, dest: str, key: str) -> None:
        return None

    def runs_file(self, dest: str) -> None:
        return None


def test_an_events_points_are_made_of_its_story_and_each_event_of_it():
    analysis = site_analysis()
    lookup = build_lookup(analysis)
    memo = _Memo()
    (made,), spans = points_data(lookup, memo)
    assert made == points_data(lookup)[0][0]
    events = [e for e, _ in itertools.groupby(p.event_id for p in analysis.points)]
    assert len(memo.made_of) == len(events) == len(spans) and len(set(events)) == len(events)
    for (key, (start, end)), event_id in zip(spans.items(), events, strict=True):
        run = [json.loads(line.rstrip(",")) for line in made[start:end].decode().split("\n")]
        assert {r["event"] for r in run} == {event_id}
        event = lookup.events[event_id]
        assert all(f"{i} key of {lookup.items[i].article_id}" in key for i in event.item_ids)
        story = lookup.story_of_event.get(event_id)
        assert (f"story {story.id} " in key) == (story is not None)


def test_the_events_made_as_runs_are_the_events_json_of_the_analysis():
    analysis = site_analysis()
    lookup = build_lookup(analysis)
    (made,), spans = events_data(lookup)
    assert spans == {}  # no memo: no run is kept
    assert made == json_data("events", clusters_json(analysis, lookup)["events"])
    memo = _Memo()
    (kept,), spans = events_data(lookup, memo)
    assert kept == made and len(spans) == len(analysis.events) == len(memo.made_of)
    for made_of, event in zip(
        memo.made_of, sorted(analysis.events, key=lambda e: (e.start, e.id)), strict=True
    ):
        # Each record is made of its event's id and items first, then the rest of it.
        assert made_of.startswith(f"{event.id}\n") and repr(event.title) in made_of
        assert all(f"{i} key of {lookup.items[i].article_id}" in made_of for i in event.item_ids)
