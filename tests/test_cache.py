"""The incremental build cache: a cached build writes exactly what a clean build writes."""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from parallax import cache as cache_module
from parallax import cluster as cluster_module
from parallax import lint as lint_module
from parallax import packs, parallel, pipeline
from parallax.cache import BuildCache
from parallax.claims import extract_claims
from parallax.config import Settings
from parallax.ingest import parse_files
from parallax.model import Event, Override, Registries, Source, SourceRef
from parallax.per_article import Readers, work_on
from parallax.problems import BuildError
from parallax.signature import display_names, item_signature
from parallax.stories import item_counts, shared_offices
from tests.conftest import REPO, tree_bytes

EVAL = REPO / "tests" / "eval" / "clusters"
NEW_ARTICLE = """\
---
title: "Drone attack on Odesa port, three injured"
source: northwire
published: 2023-07-20
---
ODESA, July 20 (Northwire) - Drones struck the port of Odesa overnight, injuring three people,
regional governor Oleh Kiper said on Thursday.
"""


def make_project(root: Path) -> Path:
    """A project around the labelled evaluation corpus (66 articles, two live blogs)."""
    shutil.copytree(EVAL, root / "content", ignore=shutil.ignore_patterns("labels.yml"))
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "site_src", root / "site_src", ignore=_hand_written_only)
    return root


def _hand_written_only(folder: str, names: list[str]) -> list[str]:
    from parallax.publish import GENERATED

    return [n for n in names if Path(folder).name == "site_src" and n in GENERATED]


def build(root: Path, *, use_cache: bool) -> pipeline.BuildResult:
    project, problems = pipeline.load_project(root / "mkdocs.yml")
    assert problems == ()
    result = pipeline.build(project, run_site=False, use_cache=use_cache)
    assert result.published, result.problems
    return result


def add_article(root: Path) -> None:
    path = root / "content" / "articles" / "northwire" / "2023-07-20-odesa-port.md"
    path.write_text(NEW_ARTICLE, encoding="utf-8")


@pytest.fixture
def at_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path (messages name paths relative to the working directory)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return tmp_path


def entries_of(pack: Path) -> dict[str, object]:
    """A pack's entries, with its journal's."""
    return packs.read_pack(pack, "test pack").entries


def articles_of(pack: Path) -> dict[str, tuple[Any, Any]]:
    """The build cache's entries in a pack, key -> (loaded, work), unpickled: each on its
    own, or from its chunk."""
    entries = entries_of(pack)
    found = {}
    for key, value in entries.items():
        assert isinstance(value, tuple)
        if value[0] == cache_module.IN_CHUNK:
            found[key] = pickle.loads(entries[value[1]][0])[key]
        elif not key.startswith(" "):
            found[key] = (pickle.loads(value[0]), value[1] and pickle.loads(value[1]))
    return found


def stamps(pack: Path) -> tuple[int | None, ...]:
    """When a pack and its journal were last written (None: no journal)."""
    more = packs.journal_path(pack)
    return pack.stat().st_mtime_ns, more.stat().st_mtime_ns if more.exists() else None


def test_a_cached_build_after_adding_an_article_equals_a_clean_build(at_home):
    cached_equals_clean(at_home)


NORTHWIRE = Path("content") / "articles" / "northwire"


def copy_article(root: Path) -> None:  # a near duplicate: lint warns about it
    folder = root / NORTHWIRE
    shutil.copy(folder / "2022-09-01-iaea-arrives.md", folder / "2022-09-01-iaea-again.md")


def change_article(root: Path) -> None:
    path = root / NORTHWIRE / "2022-09-10-ukraine-retakes-izium.md"
    added = '\nThe governor said on Saturday that "the city is fully under our control now".\n'
    path.write_text(path.read_text(encoding="utf-8") + added, encoding="utf-8")


def delete_article(root: Path) -> None:
    (root / NORTHWIRE / "2022-09-11-blackouts.md").unlink()


@pytest.fixture(params=["one process", "lint beside cluster"])
def lint_beside(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Lint in this process, or in a forked one beside clustering, sending back what it
    added to the stage memo (on a corpus this small only when told to fork)."""
    forked = request.param == "lint beside cluster"
    if forked:
        # Where the platform cannot fork (Windows), lint always runs in this process, which
        # the "one process" param covers; on Linux, where CI runs, this is never skipped.
        if not parallel._can_fork():
            pytest.skip("the platform cannot fork")
        monkeypatch.setattr(pipeline, "worth_forking", lambda count: True)
    return forked


@pytest.mark.parametrize("edit", [add_article, copy_article, change_article, delete_article])
def test_a_cached_build_after_an_edit_equals_a_clean_build(at_home, edit, lint_beside):
    # Lint's near duplicates and the points are reused from the stage memo (#9). Both
    # builds run at one path: messages and the analysis name the files.
    root = make_project(at_home / "project")
    edit(root)
    clean = build(root, use_cache=False)
    clean_site = tree_bytes(root / "site_src")
    shutil.rmtree(root)
    make_project(root)
    build(root, use_cache=True)
    edit(root)
    cached = build(root, use_cache=True)
    assert tree_bytes(root / "site_src") == clean_site
    assert cached.problems == clean.problems
    assert cached.analysis == clean.analysis


def test_the_stage_memo_answers_an_unchanged_build(at_home, lint_beside):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    pack = cache_module.pack_path(root / ".cache", root / "content")
    memo = pack.with_name(pack.name.replace("articles-", "stages-"))
    entries = entries_of(memo)
    assert "spellings" in entries  # back from lint's process too
    assert sum(key.startswith("scores ") for key in entries) == 1  # clustering's pair scores
    # Clustering's signatures are made in the per-article pass, and kept with its results.
    found = articles_of(pack)
    assert len(found) > 60
    for _, work in found.values():
        assert [s.item_id for s in work.signatures] == [i.id for i in work.items]
    written = stamps(memo)
    copy_article(root)
    build(root, use_cache=True)
    assert stamps(memo) != written  # the new article's text and pairs
    written = stamps(memo)
    build(root, use_cache=True)
    assert stamps(memo) == written  # every entry was found: nothing to write


def test_unknown_spellings_are_kept_by_article_in_one_entry(at_home, monkeypatch, lint_beside):
    # Lint looks for unknown spellings only in the articles it has none kept for, and the
    # entry then holds those of the build's articles, no others.
    root = make_project(at_home / "project")
    first = build(root, use_cache=True)
    pack = cache_module.pack_path(root / ".cache", root / "content")
    memo = pack.with_name(pack.name.replace("articles-", "stages-"))

    def kept() -> dict[str, Any]:
        value = pickle.loads(entries_of(memo)["spellings"])
        assert isinstance(value, dict)
        return value

    assert len(kept()) == len(first.analysis.corpus.articles)
    looked = at_home / "looked"  # written to by lint's process too
    spellings = lint_module._article_spellings

    def spy(article: Any, *args: Any) -> Any:
        with looked.open("a", encoding="utf-8") as out:
            out.write(article.id + "\n")
        return spellings(article, *args)

    monkeypatch.setattr(lint_module, "_article_spellings", spy)
    (root / NORTHWIRE / "2022-09-10-ukraine-retakes-izium.md").unlink()
    add_article(root)
    again = build(root, use_cache=True)
    assert looked.read_text(encoding="utf-8") == "articles/northwire/2023-07-20-odesa-port\n"
    assert len(kept()) == len(again.analysis.corpus.articles) == len(first.analysis.corpus.articles)


def test_lint_is_weighed_for_a_process_of_its_own_by_what_it_must_work_out(at_home, monkeypatch):
    # A process beside cluster pays only for lint's work anew: for results read back, it
    # cost cluster more than lint in this process (#9). The first question of each build is
    # lint's; publish asks too, with every article.
    asked: list[int] = []

    def worth_forking(count: int) -> bool:
        asked.append(count)
        return False

    monkeypatch.setattr(pipeline, "worth_forking", worth_forking)
    root = make_project(at_home / "project")
    first = build(root, use_cache=True)
    assert first.analysis is not None
    articles = len(first.analysis.corpus.articles)
    assert asked[0] == articles
    asked.clear()
    build(root, use_cache=True)
    assert asked[0] == 0
    asked.clear()
    copy_article(root)
    build(root, use_cache=True)
    assert asked == [1, articles + 1]
    asked.clear()
    # A changed article may end a sketch value's being common: every text is paired again.
    change_article(root)
    build(root, use_cache=True)
    assert asked == [articles + 1, articles + 1]
    asked.clear()
    build(root, use_cache=True)
    assert asked[0] == 0
    asked.clear()
    build(root, use_cache=False)
    assert asked[0] == articles + 1


def test_the_second_build_reads_every_article_from_the_cache(at_home):
    root = make_project(at_home / "project")
    first = build(root, use_cache=True)
    assert first.analysis is not None
    project, _ = pipeline.load_project(root / "mkdocs.yml")
    cache = pipeline.open_cache(project)
    assert cache is not None
    corpus, _ = pipeline.load_corpus(
        project.abs_content, project.site.settings, cache.memoised(parse_files)
    )
    assert (cache.hits, cache.misses) == (len(first.analysis.corpus.articles), 0)
    assert all(cache.work(a.id) is not None for a in corpus.articles)


@pytest.mark.parametrize("forked", [False, True])
def test_the_cache_is_written_when_render_fails_and_beside_publish(at_home, monkeypatch, forked):
    # Publish waits for the process that writes the cache beside it (a large corpus); a
    # template error in render still keeps what the analysis made.
    monkeypatch.setattr(pipeline, "worth_forking", lambda count: forked)
    root = make_project(at_home / "project")
    pack = cache_module.pack_path(root / ".cache", root / "content")
    memo = pack.with_name(pack.name.replace("articles-", "stages-"))
    story = root / "templates" / "story.md.j2"
    good = story.read_text(encoding="utf-8")
    story.write_text(good + "{{ no_such_name }}\n", encoding="utf-8")
    project, _ = pipeline.load_project(root / "mkdocs.yml")
    with pytest.raises(Exception, match="no_such_name"):
        pipeline.build(project, run_site=False)
    entries = entries_of(pack)
    assert len(entries) > 60 and memo.exists()
    story.write_text(good, encoding="utf-8")
    first = build(root, use_cache=True)
    assert first.analysis is not None
    written = stamps(pack), stamps(memo)
    add_article(root)
    build(root, use_cache=True)
    assert stamps(pack) != written[0] and stamps(memo) != written[1]
    assert len(entries_of(pack)) == len(entries) + 1


@pytest.mark.parametrize("forked", [False, True])
def test_the_cache_is_written_when_publish_fails(at_home, monkeypatch, forked):
    monkeypatch.setattr(pipeline, "worth_forking", lambda count: forked)
    root = make_project(at_home / "project")

    def fail(*args, **kwargs):
        raise BuildError("MkDocs refused the site")

    monkeypatch.setattr(pipeline, "publish", fail)
    project, _ = pipeline.load_project(root / "mkdocs.yml")
    with pytest.raises(BuildError, match="MkDocs refused"):
        pipeline.build(project, run_site=False)
    pack = cache_module.pack_path(root / ".cache", root / "content")
    assert len(entries_of(pack)) > 60


def test_temporary_files_of_stopped_writes_go_after_an_hour(at_home):
    folder = at_home / ".cache" / "parallax"
    folder.mkdir(parents=True)
    old, new = folder / "tmpold.tmp", folder / "tmpnew.tmp"
    for path in (old, new):
        path.write_bytes(b"half a pack")
    os.utime(old, (time.time() - 2 * packs.STALE,) * 2)
    BuildCache(at_home / ".cache", Settings(), at_home / "content")
    assert not old.exists() and new.exists()


def test_no_cache_writes_no_cache(at_home):
    root = make_project(at_home / "project")
    build(root, use_cache=False)
    assert not (root / ".cache").exists()


def test_a_changed_file_registry_setting_or_code_gets_another_key(tmp_path, monkeypatch):
    raw, registries = b"---\ntitle: x\n---\n", Registries()
    cache = BuildCache(tmp_path, Settings(), tmp_path)
    key = cache.key("articles/a/2023-01-01-x.md", "p", raw, registries)
    assert key == cache.key("articles/a/2023-01-01-x.md", "p", raw, Registries())
    assert key != cache.key("articles/a/2023-01-01-x.md", "p", raw + b" ", registries)
    assert key != cache.key("articles/a/2023-01-01-y.md", "p", raw, registries)
    assert key != cache.key("articles/a/2023-01-01-x.md", "other/p", raw, registries)
    cnn = Source("cnn", "CNN", "cnn.com", "US", "western", None, None, SourceRef("s.yml"))
    other_registries = Registries(sources=(cnn,))
    assert key != cache.key("articles/a/2023-01-01-x.md", "p", raw, other_registries)
    other_settings = BuildCache(tmp_path, Settings(max_items_per_article=3), tmp_path)
    assert key != other_settings.key("articles/a/2023-01-01-x.md", "p", raw, registries)
    # Overrides only steer clustering, which runs on every build: an editor's decision in
    # overrides.yml must not send every article through the per-article stages again (#9).
    override = Override("exclude", "a duplicate", "items", ("articles/a/x",), None, SourceRef("o"))
    assert key == cache.key(
        "articles/a/2023-01-01-x.md", "p", raw, Registries(overrides=(override,))
    )
    cache_module.code_version.cache_clear()
    monkeypatch.setattr(cache_module, "FORMAT", cache_module.FORMAT + 1)
    try:
        new_code = BuildCache(tmp_path, Settings(), tmp_path)
        assert key != new_code.key("articles/a/2023-01-01-x.md", "p", raw, registries)
    finally:
        cache_module.code_version.cache_clear()


def test_a_damaged_pack_is_a_clean_build(at_home):
    root = make_project(at_home / "project")
    pack = cache_module.pack_path(root / ".cache", root / "content")
    pack.parent.mkdir(parents=True)
    pack.write_bytes(b"not a pickle")
    first = build(root, use_cache=True)
    assert first.analysis is not None and len(first.analysis.corpus.articles) > 60
    assert pack.stat().st_size > 1000  # rewritten


def test_claims_are_the_same_whatever_the_event_id_they_were_extracted_with(at_home):
    # The cache keeps claims extracted with event_id "" and stamps the event id later.
    root = make_project(at_home / "project")
    project, _ = pipeline.load_project(root / "mkdocs.yml")
    analysis, _ = pipeline.analyse(project, use_cache=False)
    registries = analysis.corpus.registries
    for item in analysis.items[:40]:
        stamped = extract_claims(item, "", registries)
        assert extract_claims(item, "ev-1", registries) == tuple(
            dataclasses.replace(claim, event_id="ev-1") for claim in stamped
        )


def test_the_pack_keeps_claims_tagged_and_a_wrong_tag_is_tagged_again(at_home):
    # An item that stays in its event passes its claims on as the last build tagged them;
    # one whose tag no longer holds (its event changed) is tagged again, and kept so (#9).
    root = make_project(at_home / "project")
    clean = build(root, use_cache=False)
    clean_site = tree_bytes(root / "site_src")
    assert clean.analysis is not None
    event_of = {i: e.id for e in clean.analysis.events for i in e.item_ids}
    build(root, use_cache=True)
    pack = cache_module.pack_path(root / ".cache", root / "content")

    def tags() -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for _, work in articles_of(pack).values():
            for item, claims in zip(work.items, work.claims, strict=True):
                found.setdefault(item.id, set()).update(c.event_id for c in claims)
        return found

    tagged = tags()
    assert sum(map(len, tagged.values())) > 50
    assert all(ids <= {event_of[item_id]} for item_id, ids in tagged.items())
    entries = {}
    stale = 0
    for key, (loaded, work) in articles_of(pack).items():
        claims = tuple(tuple(c.in_event("ev-stale") for c in cs) for cs in work.claims)
        stale += sum(map(len, claims))
        work = dataclasses.replace(work, claims=claims)
        entries[key] = (cache_module.dumps(loaded), cache_module.dumps_work(work))
    packs.write_pack(pack, entries)
    again = build(root, use_cache=True)
    assert stale > 50 and again.analysis == clean.analysis
    assert tree_bytes(root / "site_src") == clean_site
    assert tags() == tagged


def test_a_small_change_goes_into_the_journal_and_a_large_one_into_the_pack(at_home, caplog):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    pack = cache_module.pack_path(root / ".cache", root / "content")
    more = packs.journal_path(pack)
    first, was = entries_of(pack), pack.stat()
    assert not more.exists()
    add_article(root)
    added = build(root, use_cache=True)
    assert pack.stat().st_mtime_ns == was.st_mtime_ns and more.exists()  # the pack as it was
    assert packs.read_pack(pack, "test pack").own == first
    entries = entries_of(pack)
    assert first.keys() < entries.keys() and len(entries) == len(first) + 1
    copied = shutil.copytree(pack.parent, at_home / "copied")  # as CI restores it: new inodes
    assert entries_of(copied / pack.name) == entries
    stale = more.read_bytes()
    again = build(root, use_cache=True)  # everything from the pack and the journal
    assert again.analysis == added.analysis and more.read_bytes() == stale
    # A journal that is not the pack's (written before the pack was last written) is not
    # read, and a damaged one is reported and not read.
    packs.write_pack(pack, first)
    more.write_bytes(stale)
    assert entries_of(pack) == first
    more.write_bytes(b"not a pickle")
    with caplog.at_level("WARNING"):
        assert entries_of(pack) == first
    assert "ignoring the test pack" in caplog.text and more.name in caplog.text
    # A third of the articles gone: the pack is written whole, without what they had.
    build(root, use_cache=True)
    articles = sorted((root / "content" / "articles").rglob("*.md"))
    for path in articles[::3]:
        path.unlink()
    fewer = build(root, use_cache=True)
    assert fewer.analysis is not None
    assert not more.exists()
    assert len(packs.read_pack(pack, "test pack").own) == len(fewer.analysis.corpus.articles)


def test_a_journal_the_same_as_before_is_not_written_again(at_home):
    # A removed article's entries stay in the pack until it is written whole: they must not
    # make every later build write the same journals again.
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    pack = cache_module.pack_path(root / ".cache", root / "content")
    memo = pack.with_name(pack.name.replace("articles-", "stages-"))
    min((root / "content" / "articles").rglob("*.md")).unlink()
    add_article(root)
    build(root, use_cache=True)
    assert packs.journal_path(pack).exists() and packs.journal_path(memo).exists()
    written = stamps(pack), stamps(memo)
    build(root, use_cache=True)
    assert (stamps(pack), stamps(memo)) == written


def test_a_journal_that_cannot_be_read_is_written_again(tmp_path, caplog):
    # The pack alone answers this build (an entry unused, none new): the damaged journal
    # must still be replaced, not reported again on every build.
    pack = tmp_path / "articles-test.pickle"
    packs.write_pack(pack, {key: key.encode() for key in "abcde"})
    packs.journal_path(pack).write_bytes(b"not a pickle")
    stored = packs.read_pack(pack, "test pack")
    assert not stored.journal_read and "ignoring the test pack" in caplog.text
    packs.write_pack(pack, {k: v for k, v in stored.entries.items() if k != "e"}, stored)
    assert packs.read_pack(pack, "test pack").journal_read


def test_a_pack_is_read_ahead_only_when_this_code_and_these_settings_wrote_it(at_home):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    project, _ = pipeline.load_project(root / "mkdocs.yml")
    pack = cache_module.pack_path(root / ".cache", project.abs_content)
    assert cache_module.base_path(pack).exists()
    same = BuildCache(root / ".cache", project.site.settings, project.abs_content)
    assert same._same_base()
    other = dataclasses.replace(project.site.settings, event_threshold=99.0)
    assert not BuildCache(root / ".cache", other, project.abs_content)._same_base()


def test_the_pair_scores_keep_each_event_in_an_entry_of_its_own(at_home):
    # Kept events keep their entries; one that cannot be read costs the scores, which are
    # then made and written again.
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    pack = cache_module.pack_path(root / ".cache", root / "content")
    memo = pack.with_name(pack.name.replace("articles-", "stages-"))

    def event_entries() -> dict[tuple[str, ...], str]:
        entries = entries_of(memo)
        (scores,) = (pickle.loads(v) for k, v in entries.items() if k.startswith("scores "))
        assert all(isinstance(pickle.loads(entries[e]), Event) for e in scores.events.values())
        return dict(scores.events)

    def stored_events() -> dict[tuple[str, ...], Event]:
        entries = entries_of(memo)
        return {g: pickle.loads(entries[e]) for g, e in event_entries().items()}

    first = event_entries()
    add_article(root)
    added = build(root, use_cache=True)
    assert added.analysis is not None
    events = event_entries()
    assert len(events) == len(added.analysis.events)
    kept = {g for g, entry in events.items() if first.get(g) == entry}
    assert 0 < len(kept) < len(events)  # the events whose parts kept their pairs
    # The events the build kept were not pickled again: their entries are still the pack's,
    # and the journal beside it holds the others.
    stored = packs.read_pack(memo, "test pack")
    written = {k for k, v in stored.entries.items() if stored.own.get(k) is not v}
    assert {e for g, e in events.items() if g not in kept} <= written
    assert set(events.values()) - written
    before = stored_events()
    damaged = dict(packs.read_pack(memo, "test pack").entries)
    damaged[events[min(kept)]] = b"not a pickle"
    packs.write_pack(memo, damaged)
    published = tree_bytes(root / "site_src")
    again = build(root, use_cache=True)
    assert again.analysis == added.analysis and tree_bytes(root / "site_src") == published
    assert stored_events() == before  # written again, all of them readable


def test_an_event_made_again_just_as_it_was_keeps_its_entry(at_home, monkeypatch):
    # No item counts as settled, so every part of the graph is grouped again and each event
    # made again: those equal to the last build's are not pickled into the journal again.
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    pack = cache_module.pack_path(root / ".cache", root / "content")
    memo = pack.with_name(pack.name.replace("articles-", "stages-"))
    before = {k: pickle.loads(v) for k, v in entries_of(memo).items() if k.startswith("event ")}
    monkeypatch.setattr(cluster_module, "_settled", lambda *args: set())
    add_article(root)
    added = build(root, use_cache=True)
    assert added.analysis is not None
    stored = packs.read_pack(memo, "test pack")
    written = {k for k, v in stored.entries.items() if stored.own.get(k) is not v}
    new = {e for e in added.analysis.events if e not in before.values()}
    assert 0 < len(new) < len(added.analysis.events)
    assert {pickle.loads(stored.entries[k]) for k in written if k.startswith("event ")} == new


def test_work_on_is_what_the_stages_make_one_by_one(at_home):
    root = make_project(at_home / "project")
    project, _ = pipeline.load_project(root / "mkdocs.yml")
    analysis, _ = pipeline.analyse(project, use_cache=False)
    corpus, _ = pipeline.load_corpus(project.abs_content, project.site.settings)
    readers = Readers.of(corpus.registries)
    work = work_on(corpus.articles[0], corpus.registries, project.site.settings, readers)
    article_items = [i for i in analysis.items if i.article_id == corpus.articles[0].id]
    assert list(work.items) == article_items
    names, offices = display_names(corpus.registries), shared_offices(corpus.registries)
    assert work.signatures == tuple(item_signature(i, names) for i in article_items)
    assert work.story_counts == tuple(item_counts(i, names, offices) for i in article_items)


@pytest.mark.parametrize("command", [["build", "--no-site"], ["check"], ["clusters", "--json"]])
def test_no_cache_on_the_command_line(at_home, command):
    from click.testing import CliRunner

    from parallax.cli import main

    root = make_project(at_home / "project")
    config = str(root / "mkdocs.yml")
    result = CliRunner().invoke(main, ["-q", *command, "-f", config, "--no-cache"])
    assert result.exit_code == 0, result.output
    assert not (root / ".cache").exists()
    result = CliRunner().invoke(main, ["-q", *command, "-f", config])
    assert result.exit_code == 0, result.output
    assert cache_module.pack_path(root / ".cache", root / "content").exists()


@pytest.mark.parametrize("settled", [False, True])
@pytest.mark.parametrize("forked", [False, True])
def test_reading_through_the_cache_loads_what_a_plain_read_loads(
    at_home, monkeypatch, forked, settled
):
    # On a large corpus another process reads and hashes the files while this one unpickles
    # the pack, and sends back keys without bytes: the files the pack cannot answer (a new
    # one, a changed one, an entry that cannot be read) are read again here. Files a build
    # read and that have not changed since (`settled`) are not read at all, unless the pack
    # cannot answer them (the damaged entry).
    monkeypatch.setattr(cache_module, "worth_forking", lambda count: forked)
    if settled:
        monkeypatch.setattr(cache_module, "SETTLED_NS", 0)
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    copy_article(root)
    change_article(root)
    project, _ = pipeline.load_project(root / "mkdocs.yml")
    cache = pipeline.open_cache(project)
    assert cache is not None
    pack = packs.read_pack(cache.abs_pack, "test pack").entries
    changed = "articles/northwire/2022-09-10-ukraine-retakes-izium"  # its old entry goes
    articles = articles_of(cache.abs_pack)
    damaged = next(
        key for key in sorted(articles) if getattr(articles[key][0][0], "id", changed) != changed
    )
    pack[damaged] = (b"not a pickle", None)
    packs.write_pack(cache.abs_pack, pack)
    settings = project.site.settings
    loaded = pipeline.load_corpus(project.abs_content, settings, cache.memoised(parse_files))
    assert loaded == pipeline.load_corpus(project.abs_content, settings)
    assert cache.misses == 3  # the copy, the changed article and the damaged entry
    assert cache.hits == len(loaded[0].articles) - 3


def test_entries_are_pickled_a_chunk_at_a_time_once_there_are_enough(at_home):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    pack = cache_module.pack_path(root / ".cache", root / "content")
    entries = entries_of(pack)
    chunks = [key for key in entries if key.startswith(" chunk ")]
    in_chunks = [k for k, v in entries.items() if v[0] == cache_module.IN_CHUNK]
    articles = articles_of(pack)
    # Whole chunks only; the rest on their own, and every article has its entry.
    assert len(articles) > cache_module.CHUNK
    assert len(in_chunks) == len(chunks) * cache_module.CHUNK
    assert len(articles) - len(in_chunks) < cache_module.CHUNK
    # A chunk holds articles next to each other in the corpus's order, in that order.
    (chunk,) = chunks[:1]
    ids = [loaded[0].id for loaded, _ in pickle.loads(entries[chunk][0]).values()]
    assert ids == sorted(ids) == sorted(a[0][0].id for a in articles.values())[: len(ids)]
    # An article added is an entry on its own (the journal), its chunk kept as it was.
    add_article(root)
    build(root, use_cache=True)
    again = entries_of(pack)
    assert [key for key in again if key.startswith(" chunk ")] == chunks
    assert len(articles_of(pack)) == len(articles) + 1
    assert packs.journal_path(pack).exists()


def test_a_chunk_that_lost_a_quarter_of_its_entries_goes(at_home):
    # Entries leave a chunk when their article goes, or when their claims are tagged anew
    # (a build keeps the claims of its entries as it tagged them).
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    pack = cache_module.pack_path(root / ".cache", root / "content")
    entries = entries_of(pack)
    (chunk,) = [key for key in entries if key.startswith(" chunk ")][:1]
    articles = articles_of(pack)
    members = sorted(articles[k][0][0].id for k, v in entries.items() if v[1:] == (chunk,))

    def kept_whole_enough() -> bool:
        """Whether every chunk holds at least three quarters of its entries; and `chunk`
        is still there."""
        now = entries_of(pack)
        for name in (key for key in now if key.startswith(" chunk ")):
            held = len(pickle.loads(now[name][0]))
            assert sum(v[1:] == (name,) for v in now.values()) * 4 >= held * 3
        return chunk in now

    gone = 0
    for article_id in members[:20]:  # more than a quarter, one at a time
        (root / "content" / f"{article_id}.md").unlink()
        gone += 1
        build(root, use_cache=True)
        if not kept_whole_enough():
            break
    assert chunk not in entries_of(pack)
    assert len(articles_of(pack)) == len(articles) - gone
    clean = at_home / "clean"
    shutil.copytree(root / "content", clean / "content")
    shutil.copy(root / "mkdocs.yml", clean / "mkdocs.yml")
    for name in ("templates", "site_src"):
        shutil.copytree(root / name, clean / name)
    build(clean, use_cache=False)
    build(root, use_cache=True)  # read from the entries on their own now
    assert tree_bytes(root / "site_src") == tree_bytes(clean / "site_src")


def test_a_damaged_chunk_costs_only_its_entries(at_home):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    project, _ = pipeline.load_project(root / "mkdocs.yml")
    cache = pipeline.open_cache(project)
    assert cache is not None
    pack = packs.read_pack(cache.abs_pack, "test pack").entries
    (chunk,) = [key for key in pack if key.startswith(" chunk ")][:1]
    members = [k for k, v in pack.items() if v == (cache_module.IN_CHUNK, chunk)]
    pack[chunk] = (b"not a pickle", None)
    packs.write_pack(cache.abs_pack, pack)
    settings = project.site.settings
    loaded = pipeline.load_corpus(project.abs_content, settings, cache.memoised(parse_files))
    assert loaded == pipeline.load_corpus(project.abs_content, settings)
    assert cache.misses == len(members) == cache_module.CHUNK
    # A build through it makes the site a clean build makes.
    build(root, use_cache=True)
    clean = make_project(at_home / "clean")
    build(clean, use_cache=False)
    assert tree_bytes(root / "site_src") == tree_bytes(clean / "site_src")


def test_each_content_folder_keeps_its_own_pack(at_home):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    other = at_home / "other"
    shutil.copytree(root / "content", other)
    (other / "articles" / "vestnik").rename(other / "vestnik-gone")
    project, _ = pipeline.load_project(root / "mkdocs.yml", other)
    pipeline.analyse(project)
    project, _ = pipeline.load_project(root / "mkdocs.yml")
    cache = pipeline.open_cache(project)
    assert cache is not None
    pipeline.load_corpus(project.abs_content, project.site.settings, cache.memoised(parse_files))
    assert cache.misses == 0


def cached_equals_clean(at: str | Path) -> None:
    """Build a project in `at`, add an article, build from the cache; then the same content
    clean, beside it: site_src/ must be byte for byte the same."""
    root = Path(at)
    cached, clean = make_project(root / "cached"), make_project(root / "clean")
    build(cached, use_cache=True)
    add_article(cached)
    build(cached, use_cache=True)
    add_article(clean)
    build(clean, use_cache=False)
    assert tree_bytes(cached / "site_src") == tree_bytes(clean / "site_src")


@pytest.mark.parametrize("seed", ["5", "9"])
def test_a_cached_build_equals_a_clean_one_whatever_the_hash_seed(tmp_path, seed):
    # Sets iterate in an order that depends on PYTHONHASHSEED and on how a set was built: a
    # signature unpickled from the cache may iterate its tokens in another order. Scores
    # summed in that order differed in their last bits and, under these two seeds (CPython
    # 3.11), swapped two near-equal pairs in an event's evidence.
    code = (
        f"from tests.test_cache import cached_equals_clean; cached_equals_clean({str(tmp_path)!r})"
    )
    env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1700000000"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def _articles_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The article files each build reads, as they are read."""
    read: list[str] = []
    real = Path.read_bytes

    def reading(path: Path) -> bytes:
        if path.suffix == ".md" and "articles" in path.parts:
            read.append(path.name)
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", reading)
    return read


def test_files_with_the_stamp_they_were_read_with_are_not_read_again(at_home, monkeypatch):
    monkeypatch.setattr(cache_module, "SETTLED_NS", 0)  # the fixture's files were just written
    cached = make_project(at_home / "cached")
    first = build(cached, use_cache=True)
    read = _articles_read(monkeypatch)
    again = build(cached, use_cache=True)
    assert read == [] and again.analysis == first.analysis
    # The same number of bytes, the modification time put back: the change time still moves.
    path = cached / "content" / "articles" / "dailyherald" / "2022-09-01-grossi-frontline.md"
    before = path.stat()
    time.sleep(0.05)
    text = path.read_text(encoding="utf-8")
    assert "Grossi" in text
    path.write_text(text.replace("Grossi", "Grozzi", 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    build(cached, use_cache=True)
    assert read == [path.name]  # the one file, once
    clean = make_project(at_home / "clean")
    clean_path = clean / "content" / path.relative_to(cached / "content")
    clean_path.write_text(text.replace("Grossi", "Grozzi", 1), encoding="utf-8")
    build(clean, use_cache=False)
    assert tree_bytes(cached / "site_src") == tree_bytes(clean / "site_src")


def test_a_file_changed_just_before_a_build_is_read_by_the_next_one_too(at_home, monkeypatch):
    root = make_project(at_home / "project")  # its files changed a moment ago
    build(root, use_cache=True)
    digests = cache_module.file_digests_path(
        cache_module.pack_path(root / ".cache", root / "content")
    )
    assert not digests.exists()
    read = _articles_read(monkeypatch)
    build(root, use_cache=True)
    assert len(read) == len(list((root / "content" / "articles").rglob("*.md")))


@pytest.mark.parametrize("damage", [b"", b"x" * 40, "format"])
def test_damaged_file_digests_cost_only_reading_the_files(at_home, monkeypatch, caplog, damage):
    monkeypatch.setattr(cache_module, "SETTLED_NS", 0)
    root = make_project(at_home / "project")
    first = build(root, use_cache=True)
    digests = cache_module.file_digests_path(
        cache_module.pack_path(root / ".cache", root / "content")
    )
    if damage == "format":  # written by another version: read as none, without a warning
        payload = pickle.dumps((cache_module.DIGESTS_FORMAT + 1, {}))
        digests.write_bytes(packs.with_digest(payload))
    else:
        digests.write_bytes(damage)
    read = _articles_read(monkeypatch)
    again = build(root, use_cache=True)
    assert len(read) == len(list((root / "content" / "articles").rglob("*.md")))
    assert again.analysis == first.analysis
    assert ("ignoring the file digests" in caplog.text) == (damage != "format")
    read.clear()
    build(root, use_cache=True)  # written again whole
    assert read == []
