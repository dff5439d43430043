"""The page cache (#9): pages reused from site_src/ leave it byte for byte as a clean build."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from parallax import (
    exports,
    packs,
    page_cache,
    parallel,
    pipeline,
    registry_pages,
    render,
    story_pages,
)
from parallax import publish as publish_module
from parallax.article_pages import article_inputs, article_page
from parallax.lookup import Lookup, build_lookup
from parallax.model import Analysis, Claim, Reused
from parallax.page_cache import PageCache
from parallax.story_pages import story_inputs, story_page
from parallax.urls import CLAIMS_DATA, EVENTS_DATA, POINTS_DATA
from tests.conftest import tree_bytes
from tests.test_cache import add_article, build, cached_equals_clean, make_project

FIRST = "articles/dailyherald/2022-09-01-grossi-frontline.md"


@pytest.fixture
def at_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path (messages name paths relative to the working directory)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return tmp_path


def spy(
    monkeypatch: pytest.MonkeyPatch, owner: object, name: str, note: Callable[..., None]
) -> None:
    """`owner.name`, each call's arguments and result also handed to `note(args, result)`."""
    real = getattr(owner, name)

    def spying(*args: Any) -> Any:
        result = real(*args)
        note(args, result)
        return result

    monkeypatch.setattr(owner, name, spying)


@pytest.fixture
def hits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many pages each build reused, in order."""
    counted: list[int] = []
    spy(monkeypatch, PageCache, "save", lambda args, _: counted.append(args[0].hits))
    return counted


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / "content" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CHANGES = {
    "add": add_article,
    "change": lambda root: _edit(root, FIRST, "Grossi", "Rafael Grossi"),
    "delete": lambda root: (root / "content" / FIRST).unlink(),
    "template": lambda root: _edit(root, "../templates/article.md.j2", "# ", "# Article: "),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_cached_build_after_a_change_equals_a_clean_build(at_home, hits, change):
    cached = make_project(at_home / "cached")
    build(cached, use_cache=True)
    build(cached, use_cache=True)
    CHANGES[change](cached)
    build(cached, use_cache=True)
    clean = make_project(at_home / "clean")
    CHANGES[change](clean)
    build(clean, use_cache=False)
    assert tree_bytes(cached / "site_src") == tree_bytes(clean / "site_src")
    first, unchanged, changed = hits
    assert first == 0 and unchanged > 100  # every page but the data files
    assert 0 < changed < unchanged if change != "template" else changed < unchanged - 60


def _manifest_files(root: Path) -> tuple[Path, Path]:
    manifest = page_cache.manifest_path(root / ".cache", root / "site_src")
    return manifest, packs.journal_path(manifest)


def _journal(root: Path) -> tuple[Any, ...]:
    record: tuple[Any, ...] = pickle.loads(_manifest_files(root)[1].read_bytes()[32:])
    return record


def test_a_build_that_changes_few_pages_writes_only_those_into_the_journal(at_home, hits):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    manifest, journal = _manifest_files(root)
    whole = manifest.read_bytes()
    assert not journal.exists()
    build(root, use_cache=True)  # nothing changed
    assert manifest.read_bytes() == whole and _journal(root)[1:4] == (whole[:32], {}, ())
    CHANGES["change"](root)
    build(root, use_cache=True)
    _, _, changed, removed, _, _ = _journal(root)
    assert manifest.read_bytes() == whole and not (root / "site_src" / removed[0]).exists()
    assert FIRST in changed and len(changed) * page_cache.JOURNAL_SHARE <= hits[1]
    assert all(whole.find(entry[1].encode()) < 0 for entry in changed.values())  # new bytes
    build(root, use_cache=True)  # every page as the journal describes it is kept
    assert hits[3] == hits[1]


def test_the_manifest_is_written_whole_once_many_pages_change(at_home, hits):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    build(root, use_cache=True)
    manifest, journal = _manifest_files(root)
    whole = manifest.read_bytes()
    assert journal.exists()
    CHANGES["template"](root)  # every article page
    build(root, use_cache=True)
    assert manifest.read_bytes() != whole and not journal.exists()
    build(root, use_cache=True)
    assert hits[3] == hits[1]


@pytest.mark.parametrize("damage", ["another manifest", "checksum"])
def test_a_journal_that_cannot_be_used_costs_only_a_render(at_home, caplog, hits, damage):
    cached = make_project(at_home / "cached")
    build(cached, use_cache=True)
    build(cached, use_cache=True)
    CHANGES["change"](cached)
    build(cached, use_cache=True)
    journal = _manifest_files(cached)[1]
    data = journal.read_bytes()
    if damage == "checksum":
        journal.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    else:  # as if the manifest had been written whole since, by another build
        record = pickle.loads(data[32:])
        payload = pickle.dumps((record[0], bytes(32), *record[2:]))
        journal.write_bytes(hashlib.sha256(payload).digest() + payload)
    build(cached, use_cache=True)
    assert hits[3] < hits[1]  # the pages the journal described are rendered again
    clean = make_project(at_home / "clean")
    CHANGES["change"](clean)
    build(clean, use_cache=False)
    assert tree_bytes(cached / "site_src") == tree_bytes(clean / "site_src")
    assert ("ignoring the page cache's journal" in caplog.text) == (damage == "checksum")


def test_a_published_page_edited_by_hand_is_rendered_again(at_home, hits):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    page = root / "site_src" / FIRST
    rendered = page.read_bytes()
    page.write_bytes(rendered.replace(b"Grossi", b"Somebody"))
    build(root, use_cache=True)
    assert page.read_bytes() == rendered
    page.unlink()
    build(root, use_cache=True)
    assert page.read_bytes() == rendered
    assert hits[1] == hits[2]  # the one page is rendered again, the others reused


def test_pages_kept_on_their_stamps_are_never_read(at_home, hits, monkeypatch):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    published = tree_bytes(root / "site_src")
    read: list[Path] = []
    read_bytes, read_plain = Path.read_bytes, publish_module.read_plain

    def counting(path: Path) -> bytes:
        read.append(path)
        return read_bytes(path)

    def counting_plain(
        path: Path | str, size: int | None = None
    ) -> tuple[tuple[int, int, int, int], bytes] | None:
        read.append(Path(path))
        return read_plain(path, size)

    opened = publish_module.CopySource.open_trusted

    def counting_opened(path: str, *args: Any) -> publish_module.CopySource | None:
        read.append(Path(path))  # a published file opened to read from: a part, or runs
        return opened(path, *args)

    monkeypatch.setattr(Path, "read_bytes", counting)
    monkeypatch.setattr(publish_module, "read_plain", counting_plain)
    monkeypatch.setattr(publish_module.CopySource, "open_trusted", staticmethod(counting_opened))
    build(root, use_cache=True)
    assert hits[1] > 100
    # Only the data files, made afresh and compared with the published ones, and
    # data/claims.json, points.json and events.json, opened to copy their runs of lines.
    site_src = root / "site_src"
    in_site_src = sorted(p.relative_to(site_src).as_posix() for p in read if site_src in p.parents)
    data_files = sorted(p.relative_to(site_src).as_posix() for p in (site_src / "data").iterdir())
    assert in_site_src == sorted(
        [*(d for d in data_files if d != "data/index.md"), CLAIMS_DATA, POINTS_DATA, EVENTS_DATA]
    )
    assert tree_bytes(root / "site_src") == published


def test_a_site_src_restored_with_new_stamps_is_kept_by_its_bytes(at_home, hits):
    # CI restores site_src/ from its cache: new inodes and times, the same bytes.
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    published = tree_bytes(root / "site_src")
    copy = shutil.copytree(root / "site_src", at_home / "copy")
    shutil.rmtree(root / "site_src")
    shutil.copytree(copy, root / "site_src")
    build(root, use_cache=True)
    build(root, use_cache=True)  # and the stamps recorded after the copy serve again
    assert hits[1] == hits[2] > 100
    assert tree_bytes(root / "site_src") == published


@pytest.mark.parametrize("swap", ["_commit", "_swap_files"], ids=["whole", "in place"])
def test_a_page_written_into_while_the_site_is_built_is_rendered_again(at_home, monkeypatch, swap):
    # A kept page is published as a hard link to its live file, or left where it is when
    # only the changed files are swapped in place: an editor saving into that file while the
    # site is built changes the published page too. The manifest must keep the stamp under
    # which the page's bytes were checked, so that the next build sees the edit.
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    published = tree_bytes(root / "site_src")
    page = root / "site_src" / FIRST
    if swap == "_commit":  # the whole generated part swapped, as with the site
        monkeypatch.setattr(publish_module, "IN_PLACE_KEPT", 2.0)
    real = getattr(publish_module, swap)
    swapped: list[str] = []

    def edit_then_swap(*args: object) -> None:
        with page.open("r+b") as live:  # in place: the same file, as an editor may write
            live.write(b"EDITED")
        swapped.append(swap)
        real(*args)

    monkeypatch.setattr(publish_module, swap, edit_then_swap)
    build(root, use_cache=True)
    monkeypatch.setattr(publish_module, swap, real)
    assert swapped == [swap]
    assert page.read_bytes().startswith(b"EDITED")
    build(root, use_cache=True)
    assert tree_bytes(root / "site_src") == published


def test_no_cache_reads_and_writes_no_manifest(at_home, hits):
    root = make_project(at_home / "project")
    build(root, use_cache=False)
    assert hits == [] and not (root / ".cache").exists()


EXPLODED: list[str] = []


class Exploding:
    """What a damaged manifest might name: unpickling it would record that it was made."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (EXPLODED.append, ("made",))


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not a pickle",
        b"\xff" * 40,
        "truncated",
        "an old format",
        "a list",
        "a bad stamp",
        "a class",
        "a number one more",
        "a part that ends before it starts",
    ],
)
def test_a_damaged_manifest_costs_only_a_render(at_home, caplog, hits, damage):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    published = tree_bytes(root / "site_src")
    manifest = page_cache.manifest_path(root / ".cache", root / "site_src")
    version, pages, runs, files = read_manifest(root)
    if isinstance(damage, bytes):
        manifest.write_bytes(damage)
    elif damage == "truncated":
        manifest.write_bytes(manifest.read_bytes()[:-100])
    elif damage == "an old format":
        write_manifest(root, (version - 1, pages, runs, files))
    elif damage == "a list":
        write_manifest(root, [version, pages, runs, files])
    elif damage == "a class":  # named, never made
        pages[FIRST] = (*pages[FIRST][:3], Exploding())
        write_manifest(root, (version, pages, runs, files))
    elif damage == "a number one more":  # well formed, but not what was written
        sha256, stamp, spans = runs[CLAIMS_DATA]
        key = min(spans)
        spans[key] = (spans[key][0] + 1, spans[key][1])
        runs[CLAIMS_DATA] = (sha256, stamp, spans)
        write_manifest(root, (version, pages, runs, files), digest=False)
    elif damage == "a part that ends before it starts":
        pages[FIRST] = (*pages[FIRST][:4], (("0" * 64, 9, 2),))
        write_manifest(root, (version, pages, runs, files))
    else:
        key, sha256, stamp, links, parts = pages[FIRST]
        pages[FIRST] = (key, sha256, (*stamp[:3], "1"), links, parts)
        write_manifest(root, (version, pages, runs, files))
    build(root, use_cache=True)
    assert hits == [0, 0]  # every page rendered again, none published wrongly
    assert tree_bytes(root / "site_src") == published
    damaged = ("a bad stamp", "a class", "a number one more", "a part that ends before it starts")
    assert read_manifest(root) == (version, pages, runs, files) or damage in damaged
    assert not EXPLODED
    build(root, use_cache=True)
    assert hits[-1] > 100  # written again whole


def test_the_manifest_an_earlier_version_kept_as_json_is_removed(at_home, hits):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    manifest = page_cache.manifest_path(root / ".cache", root / "site_src")
    legacy = page_cache.legacy_manifest(manifest)
    assert legacy.suffix == ".json" and legacy != manifest
    legacy.write_text('{"format": 4, "pages": {}}', encoding="utf-8")
    build(root, use_cache=True)
    assert not legacy.exists() and manifest.exists()
    assert hits[-1] > 100


JOINER = """\
---
title: "Kakhovka dam destroyed, thousands evacuated from Kherson region"
source: morningstar
published: 2023-06-06
---
KHERSON, June 6 (Morning Star) - The Kakhovka dam on the Dnipro was destroyed overnight and
thousands of people were evacuated from villages downstream, regional governor Oleksandr
Prokudin said on Tuesday. "The water is rising fast," Prokudin said.
"""
DAM = "articles/dailyherald/2023-06-06-a-wall-of-water.md"
JOINED = "articles/morningstar/2023-06-06-dam"  # the item JOINER makes
TOWER = "articles/dailyherald/2023-06-24-tower-block.md"
CLINIC = "articles/northwire/2023-06-01-kyiv-strike-clinic.md"
SHELLS = "articles/vestnik/2023-06-06-kiev-regime-shells-dam"  # an item id: no ".md"

# Each edit changes pages of articles and stories that it does not touch: an event gains,
# loses or retitles an item, so its coverage, points and titles move (#9).
EDITS = {
    "join": lambda root: (root / "content/articles/morningstar/2023-06-06-dam.md").write_text(
        JOINER, encoding="utf-8"
    ),
    "retitle": lambda root: _edit(
        root, DAM, "A wall of water: the night the Dnipro broke loose", "Kakhovka dam destroyed"
    ),
    "leave": lambda root: _edit(root, TOWER, "published: 2023-06-24", "published: 2023-08-24"),
    "delete": lambda root: (root / "content" / CLINIC).unlink(),
    "override": lambda root: (root / "content" / "overrides.yml").write_text(
        f"- action: exclude\n  items: [{SHELLS}]\n  reason: A test.\n", encoding="utf-8"
    ),
    "registry": lambda root: _edit(root, "actors.yml", "name: Rafael Grossi", "name: R. Grossi"),
}


def test_pages_keyed_on_their_inputs_follow_every_edit(at_home, hits):
    # Story and article pages are reused without building their page objects when their
    # inputs are unchanged: a page must still change when only its neighbours did.
    cached, clean = make_project(at_home / "cached"), make_project(at_home / "clean")
    build(cached, use_cache=True)
    before = tree_bytes(cached / "site_src")
    moved_by_neighbours = set()
    for name, edit in EDITS.items():
        edit(cached)
        edit(clean)
        build(cached, use_cache=True)
        build(clean, use_cache=False)
        after = tree_bytes(cached / "site_src")
        assert after == tree_bytes(clean / "site_src"), name
        touched = {"articles/morningstar/2023-06-06-dam.md", DAM, TOWER, CLINIC, SHELLS + ".md"}
        moved_by_neighbours |= {
            page
            for page in before.keys() & after.keys()
            if page.startswith(("articles/", "stories/"))
            and page not in touched
            and before[page] != after[page]
        }
        before = after
    assert any(p.startswith("articles/") for p in moved_by_neighbours)
    assert any(p.startswith("stories/") for p in moved_by_neighbours)
    # The pages nothing moved are still reused, after an override too; a registry is in
    # every article's key.
    assert min(hits[1:-1]) > 100 and hits[-1] < 60


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The event of every claim encoded into data/claims.json, as the build goes."""
    monkeypatch.setenv("PARALLAX_JOBS", "1")  # count in this process
    events: list[str] = []
    record = exports.claim_record

    def counting(lookup: Lookup, claim: Claim) -> dict[str, object]:
        events.append(claim.event_id)
        return record(lookup, claim)

    monkeypatch.setattr(exports, "claim_record", counting)
    return events


def test_claims_json_encodes_only_the_claims_of_events_that_changed(at_home, encoded):
    cached, clean = make_project(at_home / "cached"), make_project(at_home / "clean")
    first = build(cached, use_cache=True)
    assert len(encoded) == len(first.analysis.claims) > 50
    claims_json = cached / "site_src" / "data" / "claims.json"
    written = claims_json.stat()
    # The pack the lines were kept in before the manifest said where they are goes.
    legacy = page_cache.legacy_claims_pack(
        page_cache.manifest_path(cached / ".cache", cached / "site_src")
    )
    legacy.write_bytes(b"lines")
    encoded.clear()
    build(cached, use_cache=True)
    assert encoded == []  # nothing changed: every run copied, and the file kept as it was
    assert claims_json.stat().st_ino == written.st_ino
    assert not legacy.exists()
    EDITS["join"](cached)
    EDITS["join"](clean)
    joined = build(cached, use_cache=True)
    (event,) = [e.id for e in joined.analysis.events if JOINED in e.item_ids]
    assert set(encoded) == {event}
    build(clean, use_cache=False)
    assert tree_bytes(cached / "site_src") == tree_bytes(clean / "site_src")


@pytest.mark.parametrize("dest", [POINTS_DATA, EVENTS_DATA])
def test_a_data_file_of_runs_encodes_only_the_records_that_changed(at_home, monkeypatch, dest):
    # points.json: an event's points, made of its story's events; events.json: an event.
    monkeypatch.setenv("PARALLAX_JOBS", "1")  # count in this process
    encoded: list[str] = []  # the event of each record encoded
    name, event_of = {
        POINTS_DATA: ("point_to_json", lambda point: point.event_id),
        EVENTS_DATA: ("event_json", lambda event: event.id),
    }[dest]
    record = getattr(exports, name)

    def counting(value: Any, *args: Any) -> dict[str, Any]:
        encoded.append(event_of(value))
        return record(value, *args)

    monkeypatch.setattr(exports, name, counting)
    cached, clean = make_project(at_home / "cached"), make_project(at_home / "clean")
    first = build(cached, use_cache=True)
    made = first.analysis.points if dest == POINTS_DATA else first.analysis.events
    assert len(encoded) == len(made) > 20
    published = cached / "site_src" / dest
    written = published.stat()
    encoded.clear()
    build(cached, use_cache=True)
    assert encoded == []  # nothing changed: every run copied, and the file kept as it was
    assert published.stat().st_ino == written.st_ino
    EDITS["join"](cached)
    EDITS["join"](clean)
    joined = build(cached, use_cache=True)
    (event,) = [e.id for e in joined.analysis.events if JOINED in e.item_ids]
    if dest == POINTS_DATA:  # the points of the story of the event joined
        stories = {e: s.id for s in joined.analysis.stories for e in s.event_ids}
        assert encoded and {stories[e] for e in encoded} == {stories[event]}
        assert len(encoded) < len(joined.analysis.points)
    else:  # the event joined, and those whose evidence moved with the weights
        assert event in encoded and len(encoded) < len(joined.analysis.events) / 2
    build(clean, use_cache=False)
    assert tree_bytes(cached / "site_src") == tree_bytes(clean / "site_src")
    runs = read_manifest(cached)[2]
    assert set(runs) == {CLAIMS_DATA, POINTS_DATA, EVENTS_DATA}
    data = published.read_bytes()
    assert all(data[start : start + 7] == b'{"id": ' for start, _ in runs[dest][2].values())


def read_manifest(root: Path) -> tuple[int, dict[str, Any], Any, tuple[str, ...]]:
    """The manifest: its format, its pages, its record of data/claims.json and the files
    other than pages that links reach; with what its journal changed, when it has one."""
    manifest = page_cache.manifest_path(root / ".cache", root / "site_src")
    data = manifest.read_bytes()
    version, pages, runs, files = pickle.loads(data[32:])
    journal = packs.journal_path(manifest)
    if journal.exists():
        _, written_for, changed, removed, runs, files = pickle.loads(journal.read_bytes()[32:])
        assert written_for == data[:32], "a journal of another manifest"
        pages = {d: e for d, e in {**pages, **changed}.items() if d not in removed}
    return version, pages, runs, files


def write_manifest(root: Path, data: object, *, digest: bool = True) -> None:
    """Write a manifest of `data`, with its sha256 before it, or (not `digest`) the sha256 it
    had before: as a damaged byte would leave it. Its journal goes."""
    manifest = page_cache.manifest_path(root / ".cache", root / "site_src")
    payload = pickle.dumps(data)
    checksum = hashlib.sha256(payload).digest() if digest else manifest.read_bytes()[:32]
    manifest.write_bytes(checksum + payload)
    packs.journal_path(manifest).unlink(missing_ok=True)


def claim_runs(root: Path) -> Any:
    """The manifest's record of where data/claims.json's runs of lines are."""
    return read_manifest(root)[2][CLAIMS_DATA]


def damage_claim_runs(root: Path, runs: object) -> None:
    """The manifest with `runs` as its record of data/claims.json's runs, or as its record
    of every file's (not a record)."""
    version, pages, records, files = read_manifest(root)
    damaged = runs if runs == "not a record" else {**records, CLAIMS_DATA: runs}
    write_manifest(root, (version, pages, damaged, files))


@pytest.mark.parametrize(
    "damage",
    [
        "not a record",
        ("0", (1, 2), {}),
        ("0", (1, 2, 3, 4), {"k": (9, 2)}),
        ("0", (1, 2, 3, 4), {"k": [1, 2]}),
        ("0", (1, 2, 3, "4"), {}),
    ],
)
def test_a_damaged_record_of_claim_runs_costs_only_a_render(at_home, caplog, monkeypatch, damage):
    monkeypatch.setenv("PARALLAX_JOBS", "1")  # the warning is logged in this process
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    published, runs = tree_bytes(root / "site_src"), claim_runs(root)
    damage_claim_runs(root, damage)
    build(root, use_cache=True)
    assert tree_bytes(root / "site_src") == published
    assert "ignoring the page cache" in caplog.text
    assert claim_runs(root) == runs  # and written again


@pytest.mark.parametrize("edit", ["shifted", "truncated", "not utf-8", "gone"])
def test_claims_json_changed_since_it_was_published_is_encoded_again(at_home, encoded, edit):
    root = make_project(at_home / "project")
    first = build(root, use_cache=True)
    published = tree_bytes(root / "site_src")
    claims_json = root / "site_src" / "data" / "claims.json"
    text = claims_json.read_bytes()
    # Runs copied from a file edited since would be runs of the wrong text.
    claims_json.unlink()
    if edit == "shifted":
        claims_json.write_bytes(b" " + text)
    elif edit == "truncated":
        claims_json.write_bytes(text[: len(text) // 2])
    elif edit == "not utf-8":
        claims_json.write_bytes(text.replace(b'"', b"\xff", 1))
    encoded.clear()
    build(root, use_cache=True)
    assert tree_bytes(root / "site_src") == published
    assert len(encoded) == len(first.analysis.claims)
    # Restored with its bytes and a new stamp (as from CI's cache): its runs are copied.
    claims_json.unlink()
    claims_json.write_bytes(text)
    encoded.clear()
    build(root, use_cache=True)
    assert encoded == [] and tree_bytes(root / "site_src") == published


def test_claims_json_cut_short_while_its_runs_are_copied_is_encoded_again(
    at_home, encoded, monkeypatch
):
    root = make_project(at_home / "project")
    first = build(root, use_cache=True)
    published = tree_bytes(root / "site_src")
    claims_json = root / "site_src" / "data" / "claims.json"
    opened = publish_module.CopySource.open_trusted

    def cut_short(*args: Any) -> publish_module.CopySource | None:
        source = opened(*args)
        claims_json.write_bytes(claims_json.read_bytes()[:100])  # as another program might
        return source

    monkeypatch.setattr(publish_module.CopySource, "open_trusted", staticmethod(cut_short))
    encoded.clear()
    build(root, use_cache=True)
    assert len(encoded) == len(first.analysis.claims)
    assert tree_bytes(root / "site_src") == published


@pytest.mark.parametrize(
    "links",
    [("/etc/passwd",), (1, None), "../", ("../x/", "https://example.org/"), ["../x/"]],
)
def test_a_manifest_with_damaged_links_costs_only_a_render(at_home, caplog, hits, links):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    published = tree_bytes(root / "site_src")
    version, pages, runs, files = read_manifest(root)
    key, sha256, stamp, _, parts = pages[FIRST]
    pages[FIRST] = (key, sha256, stamp, links, parts)
    write_manifest(root, (version, pages, runs, files))
    build(root, use_cache=True)
    assert "ignoring the page cache" in caplog.text
    assert hits == [0, 0]  # every page rendered again, none published wrongly
    assert tree_bytes(root / "site_src") == published


def _retitle_event(analysis: Analysis, n: int) -> Analysis:
    events = list(analysis.events)
    events[n] = dataclasses.replace(events[n], title=events[n].title + " (updated)")
    return dataclasses.replace(analysis, events=tuple(events))


def _retitle_story(analysis: Analysis, n: int) -> Analysis:
    stories = list(analysis.stories)
    stories[n] = dataclasses.replace(stories[n], title="Another title")
    return dataclasses.replace(analysis, stories=tuple(stories))


def _rescore(analysis: Analysis, n: int) -> Analysis:
    events = list(analysis.events)
    evidence = tuple(dataclasses.replace(e, score=e.score + 0.3) for e in events[n].evidence)
    events[n] = dataclasses.replace(events[n], evidence=evidence)
    return dataclasses.replace(analysis, events=tuple(events))


def _relabel_point(analysis: Analysis, n: int) -> Analysis:
    points = list(analysis.points)
    points[n] = dataclasses.replace(points[n], label="Something else", status="contradict")
    return dataclasses.replace(analysis, points=tuple(points))


def _drop_item(analysis: Analysis, n: int) -> Analysis:
    events = list(analysis.events)
    events[n] = dataclasses.replace(events[n], item_ids=events[n].item_ids[1:])
    return dataclasses.replace(analysis, events=tuple(events))


@pytest.mark.parametrize(
    "change", [_retitle_event, _retitle_story, _rescore, _relabel_point, _drop_item]
)
def test_a_page_whose_object_changes_has_other_inputs(at_home, change):
    # What the corpus-wide stages decide (events, stories, points) can change a page while
    # none of its articles changed: the inputs must then change too. Articles keep their keys.
    project, _ = pipeline.load_project(make_project(at_home / "p") / "mkdocs.yml")
    analysis, _ = pipeline.analyse(project, use_cache=False)
    key = "k-{}".format
    things = {_retitle_story: analysis.stories, _relabel_point: analysis.points}
    moved = moved_actors = 0
    for n in range(0, len(things.get(change, analysis.events)), 3):
        changed = change(analysis, n)
        old, new = build_lookup(analysis), build_lookup(changed)
        for story in changed.stories:
            before = old.stories.get(story.id, story)
            if story_page(old, before) != story_page(new, story):
                assert story_inputs(old, before, key) != story_inputs(new, story, key), story.id
                moved += 1
        for article in analysis.corpus.articles:
            if article_page(old, article) != article_page(new, article):
                assert article_inputs(old, article, key) != article_inputs(new, article, key)
                moved += 1
        for speaker, claims in registry_pages.claims_by_speaker(new).items():
            page = functools.partial(registry_pages.actor_page, key=speaker, claims=claims)
            if page(old) != page(new):
                inputs = functools.partial(registry_pages.actor_inputs, key=speaker, claims=claims)
                assert inputs(old, article_key=key) != inputs(new, article_key=key), speaker
                moved_actors += 1
    assert moved > 5  # the changes reach pages
    if change in (_retitle_event, _retitle_story):
        assert moved_actors > 0


def test_pages_reused_in_worker_processes_are_published_as_in_one(at_home, hits, monkeypatch):
    # Render runs in forked workers on a large site: what a worker learns when it reads a
    # page back (its file's stamp) must reach the parent with the page.
    in_workers = functools.partial(parallel.fork_map, workers=2, chunk=7, min_count=0)
    monkeypatch.setattr(render, "fork_map", in_workers)
    # A kept page comes back as its destination, template and stamp, made again here.
    sent_back: list[str] = []
    spy(monkeypatch, PageCache, "kept_page", lambda args, page: sent_back.append(page.dest_path))
    cached_equals_clean(at_home)
    assert hits[0] == 0 and hits[1] > 100
    assert 0 < len(sent_back) < hits[1]  # the worker's share of the kept pages
    # The worker that wrote data/claims.json sends back where its runs of lines are.
    cached = at_home / "cached"
    spans = claim_runs(cached)[2]  # (sha256, stamp, spans)
    claims_json = (cached / "site_src" / "data" / "claims.json").read_text(encoding="utf-8")
    runs = [claims_json[start:end] for start, end in spans.values()]
    assert len(runs) > 10 and all(run.startswith('{"id": ') for run in runs)
    assert all(claims_json[end : end + 2] in (",\n", "\n]") for _, end in spans.values())


def test_a_kept_page_sent_as_its_stamp_is_made_again_as_it_was(at_home):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    cache = PageCache(root / ".cache", root / "site_src", [root / "templates"])
    dest, published = next(
        (d, p) for d, p in cache._published.items() if d.startswith("stories/") and p.parts
    )
    kept = cache.reuse("story.md.j2", dest, published.key)
    assert kept is not None and kept.reused is not None and kept.links
    sent = cache.sendable(kept)
    assert sent == (dest, "story.md.j2", kept.reused.stamp)
    assert cache.kept_page(sent) == kept
    # A page that is not the published one, or not all of it, goes as it is.
    rendered = dataclasses.replace(kept, text="# Story\n", reused=None)
    other_links = dataclasses.replace(kept, links=tuple(list(kept.links)))
    no_parts = dataclasses.replace(kept, parts=())
    elsewhere = dataclasses.replace(kept, reused=Reused(kept.reused.stamp, "0" * 64, "/spill/x"))
    for page in (rendered, other_links, no_parts, elsewhere):
        assert cache.sendable(page) is page


STORY = "stories/2022-09-10-balakliia-and-izium-liberated-counteroffensive-in-f4b8.md"
# The leads of the story's two events, oldest first, and an edit of each.
LEADS = {
    "first": (
        "articles/northwire/2022-09-10-ukraine-retakes-izium.md",
        "Ukrainian troops entered the city",
        "Ukrainian troops marched into the city",
    ),
    "last": (
        "articles/northwire/2022-09-12-kremlin-says-continues.md",
        "would continue until its goals",
        "would go on until its goals",
    ),
}


@pytest.fixture
def parts_kept(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Each part a page rendered again asked the published page for: (its page, found)."""
    asked: list[tuple[str, bool]] = []

    def note(args: tuple[Any, ...], text: str | None) -> None:
        asked.append((args[0]._dest, text is not None))

    spy(monkeypatch, page_cache.PageParts, "kept", note)
    return asked


@pytest.fixture
def sections_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The events whose sections of a story page were built, in order."""
    built: list[str] = []
    spy(monkeypatch, story_pages, "event_section", lambda args, _: built.append(args[1].id))
    return built


@pytest.mark.parametrize("event", LEADS)
def test_a_story_page_rendered_again_keeps_the_events_that_did_not_change(
    at_home, parts_kept, sections_built, event
):
    rel, old, new = LEADS[event]
    cached = make_project(at_home / "cached")
    result = build(cached, use_cache=True)
    story = cached / "site_src" / STORY
    assert story.read_text(encoding="utf-8").count("\n## ") == 2
    (story_id,) = (s.id for s in result.analysis.stories if STORY.endswith(f"/{s.id}.md"))
    lookup = build_lookup(result.analysis)
    (unchanged,) = (
        e for e in lookup.stories[story_id].event_ids if rel[:-3] not in lookup.events[e].item_ids
    )
    parts_kept.clear()
    sections_built.clear()
    _edit(cached, rel, old, new)
    build(cached, use_cache=True)
    # The edited event (its id changes with its text) is built, the other one not even that.
    assert len(sections_built) == 1 and unchanged not in sections_built
    clean = make_project(at_home / "clean")
    _edit(clean, rel, old, new)
    build(clean, use_cache=False)
    assert tree_bytes(cached / "site_src") == tree_bytes(clean / "site_src")
    assert new.split()[-3] in story.read_text(encoding="utf-8")
    # The edited event is rendered again; the other is copied from the published page,
    # the last one's newlines included (cut from the end of the page when it was published).
    found = [kept for dest, kept in parts_kept if dest == STORY]
    assert found == ([False, True] if event == "first" else [True, False])


def test_the_parts_of_a_page_edited_since_it_was_published_are_rendered_again(at_home, parts_kept):
    rel, old, new = LEADS["last"]
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    story = root / "site_src" / STORY
    published = story.read_bytes()
    edited = published.replace(b"Dmitry Peskov", b"Somebody")
    assert edited != published
    story.write_bytes(edited)
    parts_kept.clear()
    _edit(root, rel, old, new)
    build(root, use_cache=True)
    clean = make_project(at_home / "clean")
    _edit(clean, rel, old, new)
    build(clean, use_cache=False)
    assert story.read_bytes() == (clean / "site_src" / STORY).read_bytes()
    assert [kept for dest, kept in parts_kept if dest == STORY] == [False, False]


def test_a_story_template_that_includes_its_events_builds_the_same_site(at_home):
    # An override of story.md.j2 from before events were parts: it reads each event, built
    # when first read, as the event itself.
    old = '{% for event in page.events %}\n{% include "_event.md.j2" %}\n{% endfor %}\n'
    rel, lead, new = LEADS["last"]
    sites = []
    for name in ("cached", "clean"):
        root = make_project(at_home / name)
        template = root / "templates" / "story.md.j2"
        text = template.read_text(encoding="utf-8")
        loop = text[text.index("{% for event") :]
        template.write_text(text.replace(loop, old), encoding="utf-8")
        build(root, use_cache=name == "cached")
        _edit(root, rel, lead, new)
        build(root, use_cache=name == "cached")
        sites.append(tree_bytes(root / "site_src"))
    cached, clean = sites
    assert cached == clean
    reference = make_project(at_home / "reference")
    _edit(reference, rel, lead, new)
    build(reference, use_cache=False)
    assert cached[STORY] == tree_bytes(reference / "site_src")[STORY]


ACTOR = "actors/stoltenberg.md"
# The article of the older of Stoltenberg's two claims: the page lists the later one only
# when it lists one claim.
OLDER = "articles/northwire/2022-09-30-ukraine-applies.md"


def test_an_actor_page_rendered_again_keeps_its_list_of_claims_when_that_did_not_change(
    at_home, parts_kept, monkeypatch
):
    monkeypatch.setattr(registry_pages, "ACTOR_CLAIMS", 1)
    cached = make_project(at_home / "cached")
    build(cached, use_cache=True)
    page = cached / "site_src" / ACTOR
    published = page.read_text(encoding="utf-8")
    parts_kept.clear()
    listed: list[str] = []  # the actor pages whose lists of claims were built
    spy(monkeypatch, registry_pages, "_dated", lambda args, _: listed.append(args[2]))
    (cached / "content" / OLDER).unlink()
    build(cached, use_cache=True)
    assert ACTOR not in listed
    clean = make_project(at_home / "clean")
    (clean / "content" / OLDER).unlink()
    build(clean, use_cache=False)
    assert tree_bytes(cached / "site_src") == tree_bytes(clean / "site_src")
    # The page no longer counts the older claim, and copies its list from the published page,
    # without building it.
    assert "the latest 1 of\n2 claims" in published
    assert "latest" not in page.read_text(encoding="utf-8")
    assert [kept for dest, kept in parts_kept if dest == ACTOR] == [True]


def test_an_actor_template_that_includes_its_claims_builds_the_same_site(at_home):
    # An override of actor.md.j2 from before the claims were a part: the list reads the page.
    sites = []
    for name in ("override", "default"):
        root = make_project(at_home / name)
        if name == "override":
            template = root / "templates" / "actor.md.j2"
            text = template.read_text(encoding="utf-8")
            part = '{{ part("_actor_claims.html.j2", claims=page.claims) }}'
            assert part in text
            template.write_text(
                text.replace(part, '{% include "_actor_claims.html.j2" %}'), encoding="utf-8"
            )
        build(root, use_cache=True)
        sites.append(tree_bytes(root / "site_src"))
    assert sites[0] == sites[1]


@pytest.fixture
def links_checked(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each build, whether it checked the links of the pages it kept."""
    checked: list[bool] = []
    real = render.check_links

    def noting(pages: Any, abs_site_src: Path, *, kept_checked: bool = False) -> set[str]:
        checked.append(not kept_checked)
        return real(pages, abs_site_src, kept_checked=kept_checked)

    monkeypatch.setattr(render, "check_links", noting)
    return checked


def test_kept_pages_links_are_checked_again_only_when_a_page_or_file_they_reached_went(
    at_home, links_checked
):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    build(root, use_cache=True)  # nothing changed
    add_article(root)
    build(root, use_cache=True)  # a page more: every page published before is still there
    assert links_checked == [True, False, False]
    (root / "content" / FIRST).unlink()  # its page goes: the kept pages are checked again
    build(root, use_cache=True)
    assert links_checked[-1] is True
    clean = make_project(at_home / "clean")
    add_article(clean)
    (clean / "content" / FIRST).unlink()
    build(clean, use_cache=False)
    assert tree_bytes(root / "site_src") == tree_bytes(clean / "site_src")


def test_a_hand_written_page_that_links_reached_is_looked_for_before_trusting_them(
    at_home, links_checked
):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    cache = page_cache.PageCache(root / ".cache", root / "site_src", (root / "templates",))
    dests = set(cache._published)
    assert cache.links_hold(dests) and not cache.links_hold(dests - {FIRST})
    version, pages, runs, files = read_manifest(root)
    assert files == ()  # the fixture's HTML parts link to pages of the build only
    write_manifest(root, (version, pages, runs, ("about.md",)))  # as if one reached it
    build(root, use_cache=True)
    # Nothing changed and the hand-written page is there: the kept pages' links hold, and
    # the page stays listed, since a kept page may reach it.
    assert links_checked[-1] is False and read_manifest(root)[3] == ("about.md",)
    (root / "site_src" / "about.md").unlink()
    build(root, use_cache=True)
    assert links_checked[-1] is True and read_manifest(root)[3] == ()
