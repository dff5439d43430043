"""Work spread over every core when that pays: `fork_map`, and with it the per-article stages
(clean, segment, analyse, framing, claim extraction), answered from the build cache when it
can be.

Pure apart from the worker processes. Each article's work depends only on the article, the
registries and the settings, so it can be cached per file and spread over processes; the
results come back in corpus order, so the output is the same with any number of workers.
Claims are extracted before clustering, with an empty event id: `extract_claims` only
stamps the event id on each claim, and the pipeline stamps the real one once events exist.

Workers are forked (Linux): they inherit the corpus, registries and the function to run
instead of receiving them, and only their results are pickled back. Where fork is not
available, or the work is small, everything runs in this process. PARALLAX_JOBS sets the
number of processes (1: none).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from parallax.analyse import Lexicon, analyse_item, build_lexicon
from parallax.cache import ArticleWork, BuildCache, quiet_gc
from parallax.claims import extract_claims
from parallax.clean import clean_article
from parallax.config import Settings
from parallax.framing import framing_terms
from parallax.model import Article, Registries
from parallax.progress import Stage
from parallax.segment import segment_article

MIN_PARALLEL = 400  # fewer tasks than this are not worth starting processes for
CHUNK = 64  # tasks per chunk sent to a worker: large enough that its overhead is small
R = TypeVar("R")
_TASK: Callable[[int], Any] | None = None  # what forked workers inherit: the function to map


def jobs() -> int:
    """How many processes to use: PARALLAX_JOBS, else the cores this process may run on."""
    wanted = os.environ.get("PARALLAX_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    task = _TASK
    assert task is not None, "a worker without its task"
    return [task(n) for n in range(*bounds)]


def fork_map(
    task: Callable[[int], R],
    count: int,
    *,
    workers: int | None = None,
    stage: Stage | None = None,
) -> list[R]:
    """[task(0), ..., task(count - 1)], in order, on forked worker processes when that pays.

    `task` is inherited by the workers (a closure over the corpus is fine), never pickled;
    only its results are. An exception in a task is raised here.
    """
    global _TASK
    workers = jobs() if workers is None else workers
    if workers < 2 or count < MIN_PARALLEL or not _can_fork() or _TASK is not None:
        indexes = range(count) if stage is None else stage.track(range(count))
        return [task(n) for n in indexes]
    chunks = [(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    results: list[R] = []
    _TASK = task
    gc.freeze()  # the workers' collectors would otherwise touch, and so copy, every page
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool, quiet_gc():
            ticks = chunks if stage is None else stage.track(chunks)  # the bar, by chunk
            for chunk, _ in zip(pool.map(_run_chunk, chunks), ticks, strict=True):
                results += chunk
    finally:
        _TASK = None
        gc.unfreeze()
    return results


def work_on(
    article: Article, registries: Registries, settings: Settings, lexicon: Lexicon
) -> ArticleWork:
    """Every per-article stage for one article, as loaded."""
    cleaned = clean_article(article)
    items, problems = segment_article(cleaned, settings)
    items = tuple(analyse_item(item, lexicon) for item in items)
    return ArticleWork(
        cleaned_body=None if cleaned.body == article.body else cleaned.body,
        items=items,
        problems=problems,
        framing=tuple(framing_terms(item, registries) for item in items),
        claims=tuple(extract_claims(item, "", registries) for item in items),
    )


def analyse_articles(
    articles: Sequence[Article],
    registries: Registries,
    settings: Settings,
    *,
    cache: BuildCache | None = None,
    stage: Stage | None = None,
    workers: int | None = None,
) -> tuple[ArticleWork, ...]:
    """The per-article stages' results for every article, in order: cached ones from the
    cache, the others computed (on `workers` processes) and added to it."""
    known = [None if cache is None else cache.work(a.id) for a in articles]
    missing = [a for a, work in zip(articles, known, strict=True) if work is None]
    lexicon = build_lexicon(registries)
    with quiet_gc():  # thousands of long-lived objects, and no cycles among them
        computed = iter(
            fork_map(
                lambda n: work_on(missing[n], registries, settings, lexicon),
                len(missing),
                workers=workers,
                stage=stage,
            )
        )
    results = []
    for article, work in zip(articles, known, strict=True):
        if work is None:
            work = next(computed)
            if cache is not None:
                cache.put_work(article.id, work)
        results.append(work)
    return tuple(results)
