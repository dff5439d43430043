"""The per-article stages (clean, segment, analyse, framing, claim extraction, and what
clustering reads of each item) as one pass over the corpus, answered from the build cache
where it can be and spread over the cores.

Pure apart from the worker processes. Each article's work depends only on the article, the
registries and the settings, so it can be cached per file and computed in any process; the
results come back in corpus order. Claims are extracted before clustering, with an empty
event id: `extract_claims` only stamps the event id on each claim, and the pipeline stamps
the real one once events exist (tests/test_cache.py checks that this holds).
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parallax.analyse import Lexicon, analyse_item, build_lexicon
from parallax.cache import REDUCERS, ArticleWork, BuildCache, dumps_work
from parallax.claims import extract_claims
from parallax.clean import clean_article
from parallax.config import Settings
from parallax.event_ids import content_digest
from parallax.framing import framing_terms
from parallax.model import Article, Registries
from parallax.parallel import fork_map, forks, quiet_gc
from parallax.progress import Stage
from parallax.segment import segment_article
from parallax.signature import display_names, item_signature
from parallax.stories import item_counts, shared_offices


def work_on(
    article: Article, registries: Registries, settings: Settings, readers: Readers
) -> ArticleWork:
    """Every per-article stage for one article, as loaded."""
    cleaned = clean_article(article)
    items, problems = segment_article(cleaned, settings)
    items = tuple(analyse_item(item, readers.lexicon) for item in items)
    return ArticleWork(
        cleaned_body=None if cleaned.body == article.body else cleaned.body,
        items=items,
        problems=problems,
        framing=tuple(framing_terms(item, registries) for item in items),
        claims=tuple(extract_claims(item, "", registries) for item in items),
        # What clustering reads of an item depends on the item alone (and the registries):
        # made here, it is made on every core and kept in the build cache (#9).
        signatures=tuple(item_signature(item, readers.names) for item in items),
        story_counts=tuple(item_counts(item, readers.names, readers.offices) for item in items),
        digests=tuple(content_digest(item) for item in items),
    )


@dataclass(frozen=True, slots=True)
class Readers:
    """What the per-article stages read the registries through, made once per build."""

    lexicon: Lexicon  # `analyse.build_lexicon`
    names: Mapping[str, str]  # `signature.display_names`
    offices: Mapping[str, str]  # `stories.shared_offices`

    @classmethod
    def of(cls, registries: Registries) -> Readers:
        return cls(build_lexicon(registries), display_names(registries), shared_offices(registries))


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
    readers = Readers.of(registries)
    # Workers send each result pickled as the cache keeps it, and the cache keeps those
    # bytes: pickling 10k results again here took 1.3 s of this process (#9).
    packed = cache is not None and forks(len(missing), workers=workers)

    def task(n: int) -> ArticleWork | bytes:
        work = work_on(missing[n], registries, settings, readers)
        return dumps_work(work) if packed else work

    with quiet_gc():  # thousands of long-lived objects, and no cycles among them
        computed = iter(
            fork_map(task, len(missing), workers=workers, stage=stage, reducers=REDUCERS)
        )
        results = []
        for article, work in zip(articles, known, strict=True):
            if work is None:
                made = next(computed)
                sent, work = (made, pickle.loads(made)) if isinstance(made, bytes) else (None, made)
                if cache is not None:
                    cache.put_work(article.id, work, sent)
            results.append(work)
    return tuple(results)
