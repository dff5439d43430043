"""Work spread over processes (fork_map, beside) gives what one process gives."""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import process
from functools import partial
from pathlib import Path

import pytest

from parallax import cache as cache_module
from parallax import ingest, packs, parallel, per_article, pipeline, points, reducers
from parallax.config import Settings
from parallax.ingest import load_corpus
from tests.test_cache import EVAL, NORTHWIRE, copy_article, make_project

# These tests check work done in forked processes. Where the platform cannot fork (Windows),
# fork_map and beside run everything in this process instead, as the tests without this mark
# check; on Linux, where CI runs, none of them is skipped.
FORKED = pytest.mark.skipif(not parallel._can_fork(), reason="the platform cannot fork")


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loaded, problems = load_corpus(EVAL, Settings())
    assert not [p for p in problems if p.severity == "error"]
    return loaded


def run(corpus, workers):
    return per_article.analyse_articles(
        corpus.articles, corpus.registries, Settings(), workers=workers
    )


@FORKED
def test_two_processes_give_what_one_gives(corpus, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 0)
    monkeypatch.setattr(parallel, "CHUNK", 7)  # several chunks, the last one short
    assert run(corpus, 2) == run(corpus, 1)


@FORKED
def test_loading_on_two_processes_gives_what_one_gives(tmp_path, monkeypatch):
    content = tmp_path / "content"
    shutil.copytree(EVAL, content)
    folder = tmp_path / NORTHWIRE
    (folder / "2022-09-02-no-end.md").write_text("---\ntitle: [unclosed\n", encoding="utf-8")
    (folder / "2022-09-03-not-text.md").write_bytes(b"---\ntitle: \xff\xfe\n---\nBody\n")
    parsed_here = []
    real = ingest.parse_file

    def parse_file(*args):
        parsed_here.append(args[0])  # in this process only: a worker appends to its own copy
        return real(*args)

    monkeypatch.setattr(ingest, "parse_file", parse_file)
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 0)
    monkeypatch.setattr(parallel, "CHUNK", 7)
    monkeypatch.setenv("PARALLAX_JOBS", "1")
    one = load_corpus(content, Settings())
    assert len(parsed_here) > 60
    parsed_here.clear()
    monkeypatch.setenv("PARALLAX_JOBS", "2")
    two = load_corpus(content, Settings())
    assert parsed_here == []  # every file was parsed in the workers
    assert two == one
    assert {Path(p.source.path).name for p in one[1] if p.is_error} == {
        "2022-09-02-no-end.md",
        "2022-09-03-not-text.md",
    }


@FORKED
def test_the_cache_keeps_what_the_workers_pickled(tmp_path, monkeypatch):
    # The workers send each result pickled as the cache keeps it: this process unpickles
    # it, and keeps the bytes instead of pickling the result again (#9).
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 0)
    monkeypatch.setattr(parallel, "CHUNK", 7)
    pickled_here = []
    real = cache_module.dumps_work

    def dumps_work(work):
        pickled_here.append(work)  # in this process only: a worker appends to its own copy
        return real(work)

    monkeypatch.setattr(cache_module, "dumps_work", dumps_work)
    monkeypatch.setattr(per_article, "dumps_work", dumps_work)
    kept = {}
    for workers in (1, 2):
        cache = cache_module.BuildCache(tmp_path / str(workers), Settings(), EVAL)
        corpus, _ = load_corpus(EVAL, Settings(), cache.memoised())
        pickled_here.clear()
        works = per_article.analyse_articles(
            corpus.articles, corpus.registries, Settings(), cache=cache, workers=workers
        )
        cache.save()  # where this process pickles what it made itself
        entries = packs.read_pack(cache.abs_pack, "test pack").entries
        own = [e for k, e in entries.items() if k[:1] != " " and e[0] != cache_module.IN_CHUNK]
        # Those of whole chunks are pickled with their chunk; the others on their own, here
        # or (as they came) by the workers.
        assert 0 < len(own) < cache_module.CHUNK < len(works)
        assert len(pickled_here) == (len(own) if workers == 1 else 0)
        found = []
        for article in corpus.articles:
            entry = entries[cache.article_key(article.id)]
            if entry[0] == cache_module.IN_CHUNK:
                found.append(pickle.loads(entries[entry[1]][0])[cache.article_key(article.id)][1])
            else:
                found.append(pickle.loads(entry[1]))
        assert found == list(works)
        kept[workers] = {k: e for k, e in entries.items() if not k.startswith(" chunk ")}
    # The same entries (a chunk's bytes depend on which objects its values share).
    assert kept[1].keys() == kept[2].keys()


def test_results_come_back_in_corpus_order(corpus):
    works = run(corpus, 1)
    assert [w.items[0].article_id for w in works] == [a.id for a in corpus.articles]


def test_jobs_follows_parallax_jobs(monkeypatch):
    monkeypatch.setenv("PARALLAX_JOBS", "3")
    assert parallel.jobs() == 3
    monkeypatch.setenv("PARALLAX_JOBS", "not a number")
    assert parallel.jobs() >= 1


def test_the_pipeline_stamps_each_claim_with_its_event(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project, _ = pipeline.load_project(pipeline.Path(__file__).parent.parent / "mkdocs.yml", EVAL)
    analysis, _ = pipeline.analyse(project, use_cache=False)
    event_of = {i: e.id for e in analysis.events for i in e.item_ids}
    assert analysis.claims
    assert all(claim.event_id == event_of[claim.item_id] for claim in analysis.claims)


@FORKED
def test_points_on_two_processes_are_those_of_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project, _ = pipeline.load_project(pipeline.Path(__file__).parent.parent / "mkdocs.yml", EVAL)
    monkeypatch.setenv("PARALLAX_JOBS", "1")
    one, _ = pipeline.analyse(project, use_cache=False)
    monkeypatch.setenv("PARALLAX_JOBS", "2")
    monkeypatch.setattr(points, "PARALLEL_UNITS", 2)
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 10**9)  # only the points go to workers
    two, _ = pipeline.analyse(project, use_cache=False)
    assert len(one.stories) > 2 and one.points
    assert two.points == one.points


def _pid_or_fail(fail: bool, away: bool) -> tuple[int, bool]:
    if fail:
        raise ValueError("from the task")
    return os.getpid(), away


@FORKED
def test_beside_runs_the_task_in_another_process_while_the_block_runs():
    with parallel.beside(partial(_pid_or_fail, False)) as result:
        here = os.getpid()
        pid, away = result()
    assert pid != here and away
    failing = parallel.beside(partial(_pid_or_fail, True))
    with failing as result, pytest.raises(ValueError, match="from the task"):
        result()


def test_beside_without_a_fork_runs_the_task_here_once_asked():
    calls = []

    def task(away: bool) -> int:
        calls.append(away)
        return len(calls)

    with parallel.beside(task, fork=False) as result:
        assert calls == []  # not run until its result is asked for
        assert (result(), result()) == (1, 1)
    assert calls == [False]


def _wait_forever(started: Path, away: bool) -> None:
    started.write_text(str(os.getpid()))
    time.sleep(600)


@FORKED
def test_a_block_that_fails_stops_the_process_beside_it(tmp_path):
    started = tmp_path / "pid"
    with pytest.raises(KeyboardInterrupt), parallel.beside(partial(_wait_forever, started)):
        for _ in range(1000):  # until the task has started
            if started.exists() and started.read_text():
                break
            time.sleep(0.01)
        raise KeyboardInterrupt
    with pytest.raises(ProcessLookupError):  # stopped and reaped, not left to run
        os.kill(int(started.read_text()), 0)


def _large(away: bool) -> bytes:
    return bytes(range(256)) * 4096  # a megabyte: more than a pipe holds at once


def _die(away: bool) -> None:
    os._exit(3)


@FORKED
def test_beside_sends_back_a_large_result_and_reports_a_process_that_died():
    with parallel.beside(_large) as result:
        assert result() == _large(False)
    with parallel.beside(_die) as result, pytest.raises(ChildProcessError, match="ended early"):
        result()
    failing = parallel.beside(partial(_pid_or_fail, True))
    with failing as result, pytest.raises(ValueError) as raised:
        result()
    assert "_pid_or_fail" in str(raised.value.__cause__)  # where it failed, over there


@FORKED
def test_lint_beside_cluster_gives_what_lint_after_it_gives(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = make_project(tmp_path / "project")
    copy_article(root)  # a near duplicate, for lint to find
    project, _ = pipeline.load_project(root / "mkdocs.yml")
    monkeypatch.setattr(pipeline, "worth_forking", lambda count: False)
    here, here_problems = pipeline.analyse(project, use_cache=True)  # with the stage memo
    shutil.rmtree(root / ".cache")
    monkeypatch.setattr(pipeline, "worth_forking", lambda count: True)
    away, away_problems = pipeline.analyse(project, use_cache=True)
    assert any("nearly the same text" in p.message for p in here_problems)
    assert away_problems == here_problems
    assert away == here


def test_the_collector_is_off_for_the_whole_build_and_back_on_after(tmp_path, monkeypatch):
    # A build's objects live until it ends: full collections walked them again and again.
    root = make_project(tmp_path / "project")
    project, _ = pipeline.load_project(root / "mkdocs.yml")
    seen = []
    real = pipeline.render.render_site

    def render_site(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.render, "render_site", render_site)
    assert gc.isenabled()
    result = pipeline.build(project, run_site=False)
    assert result.published and seen == [False]
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        monkeypatch.setattr(pipeline.render, "render_site", _fails)
        pipeline.build(project, run_site=False)
    assert gc.isenabled()  # after a build that failed too


def _fails(*args, **kwargs):
    raise RuntimeError("a stage failed")


def _meet(folder: Path, last: int, n: int) -> tuple[int, int]:
    """n squared with the pid that made it, noted once (a task run twice fails). Task 0 and
    the tasks of the last chunk (from `last`) each wait for the other side to start (10 s
    at most): this process, which starts with the last chunk, cannot run task 0 too, nor
    the worker, which starts with the first, the last chunk."""
    (folder / str(n)).touch(exist_ok=False)
    other = folder / ("last" if n == 0 else "0")
    if n >= last:
        (folder / "last").touch()
    for _ in range(1000 if n == 0 or n >= last else 0):
        if other.exists():
            break
        time.sleep(0.01)
    return os.getpid(), n * n


@FORKED
@pytest.mark.parametrize("count", [6, 7, 50, 51])  # two chunks or more
def test_a_shared_map_runs_each_task_once_here_and_in_a_worker(tmp_path, count):
    # With `here`, this process takes chunks from the back and the worker from the front.
    task = partial(_meet, tmp_path, (count - 1) // 5 * 5)
    made = parallel.fork_map(task, count, workers=2, chunk=5, min_count=0, here=True)
    assert [square for _, square in made] == [n * n for n in range(count)]
    assert made[0][0] != os.getpid() == made[-1][0]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*map(str, range(count)), "last"])


def test_workers_take_chunks_from_the_front_and_this_process_from_the_back():
    taken = multiprocessing.get_context().Array("i", [0, 4])  # chunks 0-4
    order = [parallel._take(taken, last=n % 2 == 1) for n in range(6)]
    assert order == [0, 4, 1, 3, 2, None]
    assert parallel._take(taken) is None


def _fail_at(bad: int, n: int) -> int:
    if n == bad:
        raise ValueError(f"task {n} failed in {os.getpid()}")
    return n


@FORKED
def test_a_shared_map_raises_the_first_failure_as_one_process_would():
    def fail_at_both_ends(n: int) -> int:
        if n in (0, 99):
            raise ValueError(f"task {n} failed")
        return n

    with pytest.raises(ValueError, match="task 0 failed"):
        parallel.fork_map(fail_at_both_ends, 100, workers=2, chunk=10, min_count=0, here=True)


@FORKED
@pytest.mark.parametrize("bad", [0, 99])  # in the worker's first chunk, in this process's
def test_a_shared_map_raises_a_failed_task_wherever_it_ran(bad):
    with pytest.raises(ValueError, match=f"task {bad} failed"):
        parallel.fork_map(partial(_fail_at, bad), 100, workers=2, chunk=10, min_count=0, here=True)
    assert parallel._TAKEN is None and parallel._TASK is None  # nothing left for the next map


def _square(n: int) -> int:
    return n * n


def _pids_alive(pids: set[int]) -> set[int]:
    """The processes of `pids` that have not ended (a zombie has ended)."""
    alive = set()
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].split()[0]
        except OSError:
            continue
        if status != "Z":
            alive.add(pid)
    return alive


@FORKED
@pytest.mark.parametrize("here", [True, False])
def test_a_map_returns_with_every_result_and_its_workers_then_end(here):
    before = {p.pid for p in multiprocessing.active_children()}
    made = parallel.fork_map(_square, 40, workers=2, chunk=5, min_count=0, here=here)
    assert made == [n * n for n in range(40)]
    workers = {p.pid for p in multiprocessing.active_children()} - before
    deadline = time.monotonic() + 10
    while (workers := _pids_alive(workers)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert workers == set()  # each ended on its own, and was reaped
    assert not {p.pid for p in multiprocessing.active_children()} - before


def _pool_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if isinstance(t, process._ExecutorManagerThread)]


@FORKED
@pytest.mark.parametrize("then", ["beside", "fork_map"])
def test_the_next_fork_waits_for_the_last_maps_workers_to_exit(then):
    # A thread alive when a process forks leaves the locks it holds locked in the child:
    # the pool's thread that reaps the workers must be gone by the next fork.
    assert parallel.fork_map(_square, 40, workers=2, chunk=5, min_count=0, here=True)
    assert parallel._EXITING
    if then == "beside":
        with parallel.beside(lambda away: os.getpid()) as forked:
            assert not parallel._EXITING and not _pool_threads()
            assert forked() != os.getpid()
    else:
        made = parallel.fork_map(_square, 40, workers=2, chunk=5, min_count=0)
        assert made == [n * n for n in range(40)]
    assert not _pool_threads() or parallel._EXITING


_AFTER_A_MAP = """
import os, signal, sys, time, multiprocessing
from parallax import parallel
def square(n):
    return n * n
before = set(multiprocessing.active_children())
assert parallel.fork_map(square, 40, workers=2, chunk=5, min_count=0, here=True)
for worker in set(multiprocessing.active_children()) - before:
    os.kill(worker.pid, signal.SIGINT)  # as Ctrl-C reaches every process of the terminal's
time.sleep(0.3)
parallel.reap()
print("done")
"""


@FORKED
def test_ctrl_c_after_a_map_leaves_its_workers_quiet():
    # A worker waiting for work or exiting once the map has its results ignores Ctrl-C: the
    # build stops and says so; a worker would print a traceback of its own.
    done = subprocess.run(
        [sys.executable, "-c", _AFTER_A_MAP],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stdout == "done\n"
    assert done.stderr == ""


@FORKED
def test_a_map_that_fails_has_stopped_its_workers_when_it_raises():
    before = {p.pid for p in multiprocessing.active_children()}
    with pytest.raises(ValueError, match="task 3 failed"):
        parallel.fork_map(partial(_fail_at, 3), 40, workers=2, chunk=5, min_count=0)
    assert not {p.pid for p in multiprocessing.active_children()} - before


def test_frozen_dataclasses_unpickle_through_their_makers_as_themselves(tmp_path):
    from parallax.cache import dumps
    from parallax.model import Claim, Figure, Sentence, Span

    sentence = Sentence(2, "The mayor said 3 people died.", Span(10, 39))
    figure = Figure(3.0, "people", "killed", None, "3 people", Span(25, 33))
    claim = Claim("c1", "articles/a/x", "ev-1", "a", sentence, "The mayor", None, None, False)
    claim = dataclasses.replace(claim, figures=(figure,))
    blob = dumps(claim)
    # Made through the compiled maker (the twin without one), not the class's __init__.
    assert (b"_Make__" if reducers.COMPILED else b"_Twin__") in blob
    again = pickle.loads(blob)
    assert again == claim and hash(again) == hash(claim) and type(again) is Claim
    assert type(again.sentence.span) is Span and again.figures[0] == figure
    with pytest.raises(dataclasses.FrozenInstanceError):
        again.event_id = "ev-2"  # type: ignore[misc]
    # A process that imported the cache finds the twins by name.
    (tmp_path / "claim.pickle").write_bytes(blob)
    script = (
        "import pickle, sys, parallax.cache; "
        "c = pickle.loads(open(sys.argv[1], 'rb').read()); "
        "print(type(c).__name__, c.figures[0].text)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "claim.pickle")],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert out.stdout == "Claim 3 people\n"
