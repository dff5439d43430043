"""The per-article stages (clean, segment, analyse, framing, claim extraction), run over a
corpus on every core when that pays, and answered from the build cache when it can be.

Pure apart from the worker processes. Each article's work depends only on the article, the
registries and the settings, so it can be cached per file and spread over processes; the
results come back in corpus order, so the output is the same with any number of workers.
Claims are extracted before clustering, with an empty event id: `extract_claims` only
stamps the event id on each claim, and the pipeline stamps the real one once events exist.

Workers are forked (Linux): they inherit the corpus and registries instead of receiving
them, and only their results are pickled back. Where fork is not available, or the work is
small, everything runs in this process. PARALLAX_JOBS sets the number of processes
(1: none).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from parallax.analyse import Lexicon, analyse_item, build_lexicon
from parallax.cache import ArticleWork, BuildCache, quiet_gc
from parallax.claims import extract_claims
from parallax.clean import clean_article
from parallax.config import Settings
from parallax.framing import framing_terms
from parallax.model import Article, Registries
from parallax.progress import Stage
from parallax.segment import segment_article

MIN_PARALLEL = 400  # fewer articles than this are not worth starting processes for
CHUNK = 64  # articles per task: large enough that a task's overhead is small


@dataclass(frozen=True, slots=True)
class _Job:
    articles: Sequence[Article]
    registries: Registries
    settings: Settings
    lexicon: Lexicon


_JOB: _Job | None = None  # what forked workers inherit


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


def _work_chunk(bounds: tuple[int, int]) -> list[ArticleWork]:
    job = _JOB
    assert job is not None, "a worker without its job"
    return [
        work_on(job.articles[n], job.registries, job.settings, job.lexicon) for n in range(*bounds)
    ]


def jobs() -> int:
    """How many processes to use: PARALLAX_JOBS, else the cores this process may run on."""
    wanted = os.environ.get("PARALLAX_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _run(job: _Job, workers: int, stage: Stage | None) -> Iterator[ArticleWork]:
    """The work of every article of the job, in order."""
    count = len(job.articles)
    if workers < 2 or count < MIN_PARALLEL or not _can_fork():
        articles = job.articles if stage is None else stage.track(job.articles)
        yield from (work_on(a, job.registries, job.settings, job.lexicon) for a in articles)
        return
    global _JOB
    _JOB = job
    chunks = [(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    gc.freeze()  # the workers' collectors would otherwise touch, and so copy, every page
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            results = pool.map(_work_chunk, chunks)
            ticks = chunks if stage is None else stage.track(chunks)  # the bar, by chunk
            for chunk, _ in zip(results, ticks, strict=True):
                yield from chunk
    finally:
        _JOB = None
        gc.unfreeze()


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
    job = _Job(missing, registries, settings, build_lexicon(registries))
    with quiet_gc():
        computed = iter(list(_run(job, jobs() if workers is None else workers, stage)))
    results = []
    for article, work in zip(articles, known, strict=True):
        if work is None:
            work = next(computed)
            if cache is not None:
                cache.put_work(article.id, work)
        results.append(work)
    return tuple(results)
