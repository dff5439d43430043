"""Work spread over every core when that pays: `fork_map(task, count)`.

Used where a stage does the same thing to many independent things: the per-article stages
(parallax.per_article), story and article pages (render), the points of each story and
its events (points). Results come back in order, so the output is the same with any number
of workers.

Workers are forked (Linux): they inherit the corpus, registries and the task to run instead
of receiving them, and only their results are pickled back. Where results are small and
reading the shared objects is the work (render), this process takes tasks too, beside one
worker fewer (`here`). Where fork is not available, or
the work is small, everything runs in this process. PARALLAX_JOBS sets the number of
processes (1: none). This module imports no stage, so any stage may use it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from typing import Any, TypeVar

from parallax.progress import Stage

MIN_PARALLEL = 400  # fewer tasks than this are not worth starting processes for
CHUNK = 64  # tasks per chunk sent to a worker: large enough that its overhead is small
R = TypeVar("R")
_TASK: Callable[[int], Any] | None = None  # what forked workers inherit: the function to map
_TAKEN: Any = None  # and, in a map this process shares (`_shared`), which chunks are left
_IN_WORKER = False  # whether this process is a map's forked worker (`_start_worker`)
# The threads of pools whose workers are exiting on their own (`fork_map`), each reaping
# them: waited for before this process forks again, so that none is alive in a fork.
_EXITING: list[threading.Thread] = []


@contextmanager
def quiet_gc() -> Iterator[None]:
    """No garbage collection while many long-lived objects are made: the collector would
    walk them again and again, for nothing (they form no cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def jobs() -> int:
    """How many processes to use: PARALLAX_JOBS, else the cores this process may run on."""
    wanted = os.environ.get("PARALLAX_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _may_fork() -> bool:
    """Whether this process may fork now: the platform forks, and this is not itself a
    forked worker (whose work runs where it is, never forking again)."""
    return _can_fork() and _TASK is None


def in_worker() -> bool:
    """Whether this process is a forked worker of `fork_map`, whose results are pickled
    back to the parent."""
    return _IN_WORKER


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    task = _TASK
    assert task is not None, "a worker without its task"
    if not _IN_WORKER:  # this process's own share of a map (`_shared`)
        return [task(n) for n in range(*bounds)]
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return [task(n) for n in range(*bounds)]
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_worker() -> None:
    """A map's worker takes Ctrl-C only while it runs a chunk (`_run_chunk`): the terminal
    sends it to every process of the build, which stops the map and says so, and a worker
    waiting for work, or exiting once the map has its results, would print a traceback of
    its own."""
    global _IN_WORKER
    _IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def fork_map(
    task: Callable[[int], R],
    count: int,
    *,
    workers: int | None = None,
    stage: Stage | None = None,
    reducers: Mapping[type, Callable[[Any], Any]] | None = None,
    chunk: int | None = None,
    min_count: int | None = None,
    here: bool = False,
) -> list[R]:
    """[task(0), ..., task(count - 1)], in order, on forked worker processes when that pays.

    `task` is inherited by the workers (a closure over the corpus is fine), never pickled;
    only its results are, with `reducers` (a class -> reduce function, as in copyreg) for
    the classes that have a cheaper form. Tasks go to the workers `chunk` at a time, and
    only when there are `min_count` or more: fewer, larger tasks want both smaller (CHUNK
    and MIN_PARALLEL, read at each call, by default). An exception in a task is raised here.

    With `here`, this process is one of the `workers`: it takes chunks from the back while
    the forked ones take them from the front (`_shared`), instead of waiting. That pays
    where results are small and reading the shared objects is most of the work (render's,
    #9): unlike a forked process, this one reads them without copying the pages it touches,
    and its results need no pickling.
    """
    global _TASK
    workers = jobs() if workers is None else workers
    chunk = CHUNK if chunk is None else chunk
    if not forks(count, workers=workers, min_count=min_count):
        indexes = range(count) if stage is None else stage.track(range(count))
        return [task(n) for n in indexes]
    for cls, reduce in (reducers or {}).items():  # the forked workers inherit them
        ForkingPickler.register(cls, reduce)
    reap()
    chunks = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    results: list[R] = []
    _TASK = task
    gc.freeze()  # the workers' collectors would otherwise touch, and so copy, every page
    finished = False
    try:
        context = multiprocessing.get_context("fork")
        forked = workers - 1 if here else workers
        pool = ProcessPoolExecutor(forked, mp_context=context, initializer=_start_worker)
        try:
            with quiet_gc():
                ticks = chunks if stage is None else stage.track(chunks)  # the bar, by chunk
                made = _shared(pool, chunks, forked) if here else pool.map(_run_chunk, chunks)
                for done, _ in zip(made, ticks, strict=True):
                    results += done
            finished = True
        finally:
            # With every result in, the workers are left to exit, and the pool's thread to
            # reap them: waiting took 0.04-0.07 s of render at 10k articles (#9). The next
            # fork waits for them (`reap`). After an error, the pool is shut down and waited
            # for, as `with` would.
            reaping = getattr(pool, "_executor_manager_thread", None)
            pool.shutdown(wait=not finished, cancel_futures=not finished)
            if finished and isinstance(reaping, threading.Thread):
                _EXITING.append(reaping)
    finally:
        _TASK = None
        gc.unfreeze()
    return results


def reap() -> None:
    """Wait for the workers of earlier maps to have exited, and their pools' threads to
    have ended: a thread alive when this process forks leaves the locks it holds locked in
    the child. (The benchmark also waits here, to count what the workers used.)"""
    while _EXITING:
        _EXITING.pop().join()


def _shared(
    pool: ProcessPoolExecutor, chunks: Sequence[tuple[int, int]], forked: int
) -> Iterator[list[Any]]:
    """The chunks' results in order, run by the `forked` workers of `pool` and by this
    process, each taking the next chunk whenever it is free. The workers take them from the
    front, where the long tasks are, and this process from the back: what a worker makes
    is pickled back, what this process makes is not, so it should make the many short
    pages, and the workers the few long tasks with small results."""
    global _TAKEN
    context = multiprocessing.get_context("fork")
    # The first and the last chunk nobody took, inherited by the workers, which the first
    # submit forks (a shared array cannot be pickled).
    taken = _TAKEN = context.Array("i", [0, len(chunks) - 1])
    made: dict[int, list[Any]] = {}
    failed: list[tuple[int, BaseException]] = []
    try:
        pulls = [pool.submit(_pull, chunks) for _ in range(forked)]
        while (n := _take(taken, last=True)) is not None:
            try:
                made[n] = _run_chunk(chunks[n])
            except Exception as exc:
                _stop(taken, n)
                failed.append((n, exc))
        for pull in pulls:
            done, failure = pull.result()
            made.update(done)
            failed += [failure] if failure else []
    except BaseException:  # an interrupt, or a worker that died
        _stop(taken, 0)
        raise
    finally:
        _TAKEN = None
    if failed:  # the first chunk's, as one process running them in order would raise
        raise min(failed, key=lambda failure: failure[0])[1]
    return (made[n] for n in range(len(chunks)))


def _stop(taken: Any, failed: int) -> None:
    """Leave only the chunks before the one that `failed` to take: one of them may fail
    too, and its error is the one to raise, as one process running them in order would."""
    with taken.get_lock():
        taken[1] = min(taken[1], failed - 1)


def _take(taken: Any, *, last: bool = False) -> int | None:
    """The first (or the `last`) chunk nobody has taken, or None when all are."""
    with taken.get_lock():
        first, final = taken[0], taken[1]
        if first > final:
            return None
        if last:
            taken[1] = final - 1
            return int(final)
        taken[0] = first + 1
        return int(first)


def _pull(
    chunks: Sequence[tuple[int, int]],
) -> tuple[dict[int, list[Any]], tuple[int, BaseException] | None]:
    """A worker of `_shared`: the results of the chunks it took, by chunk, and the chunk
    that failed, with its error (after which it takes no more, and nobody takes a later
    one)."""
    taken = _TAKEN
    assert taken is not None, "a worker without its chunks"
    made = {}
    while (n := _take(taken)) is not None:
        try:
            made[n] = _run_chunk(chunks[n])
        except Exception as exc:
            _stop(taken, n)
            exc.__cause__ = _RemoteTraceback(traceback.format_exc())
            return made, (n, exc)
    return made, None


def forks(count: int, *, workers: int | None = None, min_count: int | None = None) -> bool:
    """Whether `fork_map` over `count` tasks runs them in worker processes (with the same
    `workers` and `min_count`)."""
    workers = jobs() if workers is None else workers
    min_count = MIN_PARALLEL if min_count is None else min_count
    return workers >= 2 and count >= min_count and _may_fork()


def worth_forking(count: int) -> bool:
    """Whether work over `count` things is worth a second process (`beside` checks that
    one can be forked)."""
    return jobs() >= 2 and count >= MIN_PARALLEL


@contextmanager
def beside(task: Callable[[bool], R], *, fork: bool = True) -> Iterator[Callable[[], R]]:
    """Run `task` in a forked process while the block runs here; the block is given a
    function that returns the task's result (waiting for it, and raising its exception).

    For a stage that needs nothing from the one beside it (#9). Only the result is pickled
    back. With `fork` false, or where forking is not possible, the task runs in this process
    when its result is first asked for. `task` is told which: its argument is true in a
    forked process, whose changes to objects it shares with this one are its own. A block
    that ends without the result (an error, an interrupt) stops the process at once.
    """
    done: list[R] = []
    process, receive = _fork_beside(task) if fork else (None, None)
    if process is None or receive is None:

        def here() -> R:
            if not done:
                done.append(task(False))
            return done[0]

        yield here
        return

    def result() -> R:
        if not done:
            try:
                ok, value, remote = receive.recv()
            except EOFError:
                raise ChildProcessError("the process beside this one ended early") from None
            if not ok:
                raise value from _RemoteTraceback(remote)
            done.append(value)
        return done[0]

    try:
        yield result
    finally:
        if process.is_alive() and not done:
            process.terminate()
        process.join()
        receive.close()


def _fork_beside(task: Callable[[bool], Any]) -> tuple[BaseProcess | None, Connection | None]:
    """The process of `beside` and the end of its pipe to read; (None, None) where no
    process can be forked (no fork, a fork already under way, or none left to make)."""
    global _TASK
    if not _may_fork():
        return None, None
    reap()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_send_result, args=(receive, send), daemon=True)

    def away(_: int) -> Any:
        return task(True)

    _TASK = away  # what the forked process inherits
    gc.freeze()  # as in fork_map: the child's collector would copy every page it touches
    try:
        process.start()
    except OSError:  # no memory or no process left for a fork: the task runs here
        receive.close()
        return None, None
    finally:
        _TASK = None
        gc.unfreeze()
        send.close()  # the child's end: once the child exits, reading reports it
    return process, receive


class _RemoteTraceback(Exception):
    """Where the task failed, in the process beside: the cause of the error raised here."""

    def __str__(self) -> str:
        return str(self.args[0])


def _send_result(receive: Connection, send: Connection) -> None:
    """The forked process of `beside`: the task's result, or its exception, down the pipe."""
    receive.close()  # else a child whose parent died would wait forever to send
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent is interrupted, and stops this
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # how the parent stops it: at once
    task = _TASK
    assert task is not None, "a process without its task"
    try:
        payload = bytes(ForkingPickler.dumps((True, task(0), "")))
    except BaseException as exc:  # the caller raises it
        remote = traceback.format_exc()
        try:
            payload = bytes(ForkingPickler.dumps((False, exc, remote)))
        except Exception:  # an exception that cannot be pickled: its text
            payload = bytes(ForkingPickler.dumps((False, ChildProcessError(remote), remote)))
    send.send_bytes(payload)
    send.close()
