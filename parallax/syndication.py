"""Copies of another outlet's story: one voice, however many sites carry it.

Pure; no I/O. An article with `syndicated_from: <key>` republishes that outlet's story (an
agency text on several sites, an outlet's story on an aggregator). When pages say how many
outlets and source groups covered an event, such copies count once, as the original outlet:
`distinct_voices` is that count. `syndication_problems` checks the field itself for `check`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from parallax.model import Article, Corpus
from parallax.problems import WARNING, Problem

OTHER_GROUP = "other"  # the group of a voice the registry does not know


@dataclass(frozen=True, slots=True)
class Voices:
    """Who covered something once copies are counted as their original outlet."""

    sources: tuple[str, ...]  # one source key per voice, sorted
    groups: tuple[str, ...]  # the distinct source groups of those voices, sorted
    copies: tuple[tuple[str, str], ...]  # (article id, original source) of each copy, by id

    @property
    def count(self) -> int:
        """How many outlets covered it: copies of one original count once."""
        return len(self.sources)


def voice_of(article: Article) -> str:
    """The outlet whose words an article carries: its original when it is a copy."""
    return article.syndicated_from or article.source


def distinct_voices(
    articles: Iterable[Article], group_of: Callable[[str], str] = lambda key: OTHER_GROUP
) -> Voices:
    """The distinct voices among `articles` (e.g. the articles of one event's items), with
    their groups through `group_of` (pages pass `Lookup.group_of`)."""
    unique = {article.id: article for article in articles}
    sources = sorted({voice_of(article) for article in unique.values()})
    copies = tuple(
        (article.id, voice_of(article))
        for article in sorted(unique.values(), key=lambda a: a.id)
        if voice_of(article) != article.source
    )
    return Voices(tuple(sources), tuple(sorted({group_of(s) for s in sources})), copies)


def _unknown_original(article: Article, keys: list[str]) -> Problem:
    found = process.extractOne(
        article.syndicated_from or "",
        keys,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=60,
    )
    hint = (
        f'did you mean "{found[0]}"? Known sources are listed in content/sources.yml'
        if found
        else "add the original outlet to content/sources.yml"
    )
    message = f'unknown source "{article.syndicated_from}"'
    return Problem(article.origin, "syndicated_from", message, hint, WARNING)


def syndication_problems(corpus: Corpus) -> Iterator[Problem]:
    """A `syndicated_from` that names no known source, or the article's own source."""
    keys = [s.key for s in corpus.registries.sources]
    for article in corpus.articles:
        original = article.syndicated_from
        if original is None:
            continue
        if original == article.source:
            hint = "remove the line: an outlet's own article is not a copy"
            message = f'names the article\'s own source "{original}"'
            yield Problem(article.origin, "syndicated_from", message, hint, WARNING)
        elif keys and original not in keys:
            yield _unknown_original(article, keys)
