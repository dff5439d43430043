"""Checks that need a loaded article or the whole corpus: near-duplicate articles, dates in
the future or before a source's `since`, spellings and quoted people the registries do not
know (warnings), and a title or author the importer left as TODO or a `needs-review` tag
(errors).

Pure: takes the loaded corpus and today's date (the pipeline reads the clock or
SOURCE_DATE_EPOCH, never this module) and returns problems. Nothing here drops an article;
`--strict` makes the warnings fatal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from rapidfuzz import fuzz, process, utils

from parallax.drafts import NEEDS_REVIEW
from parallax.duplicates import CopyPairs, FindPairs, Text, near_duplicates
from parallax.model import Article, Claim, Corpus, Registries, Source, SourceRef
from parallax.problems import ERROR, WARNING, Problem
from parallax.speech_words import NATIONALITIES, ORG_WORDS
from parallax.syndication import syndication_problems

FUTURE_GRACE_DAYS = 1  # an outlet east of UTC may already be on tomorrow's date
SPELLING_SCORE = (
    84.0  # fuzz.ratio at which a word is another spelling: Artemovsk/Artyomovsk is 84.2
)
SPELLING_MIN_LENGTH = 5  # shorter names differ by one letter from too many ordinary words
# Endings that make another word from a name (Ukraine -> Ukrainian), not another spelling; "a"
# and "aya" make the feminine of a Slavic surname (Zelenska, Putina): another person.
INFLECTIONS = (
    *("s", "n", "ns", "an", "ans", "ian", "ians", "ese", "i", "is", "er", "ers", "ite"),
    *("a", "aya"),
)
_NAME = re.compile(r"\b[A-Z][\w'’-]*\w")


class LintMemo(Protocol):
    """What the build cache remembers of lint from the last build (`parallax.stage_memo`)."""

    def find_pairs(self, articles: tuple[Article, ...]) -> tuple[list[Text], CopyPairs]:
        """The texts of `articles` and their copy pairs, as `duplicates.copy_pairs` finds."""

    def spellings(
        self, article: Article, find: Callable[[], tuple[Problem, ...]]
    ) -> tuple[Problem, ...]:
        """The unknown spellings of an article, remembered or found."""


def lint_corpus(
    corpus: Corpus, today: dt.date, memo: LintMemo | None = None
) -> tuple[Problem, ...]:
    """Every content warning about the corpus, in no particular order. `memo` (the build
    cache's) answers for what an earlier build found about the same articles (#9)."""
    articles = corpus.articles
    return (
        *_todo_fields(articles),
        *_future_dates(articles, today),
        *_before_since(articles, corpus.registries),
        *_near_duplicates(articles, None if memo is None else memo.find_pairs),
        *syndication_problems(corpus),
        *_unknown_spellings(articles, corpus.registries, memo),
    )


# --- fields the importer left for a person ----------------------------------------------------


def _todo_fields(articles: tuple[Article, ...]) -> Iterator[Problem]:
    """A title or author still reading "TODO", or the importer's "needs-review" tag."""
    for article in articles:
        marked: tuple[tuple[str, str], ...] = ()  # nearly every article: looked at as text
        if any(map(_marked_todo, (article.title, *article.authors))):
            marked = (("title", article.title), *(("author", a) for a in article.authors))
        for name, value in marked:
            if _marked_todo(value):
                hint = (
                    "write the headline as the outlet published it"
                    if name == "title"
                    else "write the author's name, or remove the line"
                )
                message = "still marked TODO by the importer"
                yield Problem(article.origin, name, message, hint, ERROR)
        if NEEDS_REVIEW in article.tags:  # a feed entry: its body is only the feed's summary
            hint = "put in the outlet's full text from the article's url, then remove the tag"
            message = f'still tagged "{NEEDS_REVIEW}" by the importer'
            yield Problem(article.origin, "tags", message, hint, ERROR)


def _marked_todo(value: str) -> bool:
    """Whether `value.strip().upper()` starts with "TODO": a letter's capital is never
    shorter than the letter, so the first four letters decide, and no whole title is
    capitalised, which was a fifth of lint with one article added to 10k (#9)."""
    return value.lstrip()[:4].upper().startswith("TODO")


# --- dates ----------------------------------------------------------------------------------


def _future_dates(articles: tuple[Article, ...], today: dt.date) -> Iterator[Problem]:
    latest = today + dt.timedelta(days=FUTURE_GRACE_DAYS)
    for article in articles:
        if article.published > latest:
            yield Problem(
                article.origin,
                "published",
                f"{article.published} is in the future (today is {today})",
                "check the year and the order of month and day: YYYY-MM-DD",
                WARNING,
            )


def source_since(source: Source) -> dt.date | None:
    """The earliest date the source's articles may have (`since` in sources.yml), if known."""
    return source.since


def _before_since(articles: tuple[Article, ...], registries: Registries) -> Iterator[Problem]:
    since = {s.key: d for s in registries.sources if (d := source_since(s)) is not None}
    for article in articles:
        earliest = since.get(article.source)
        if earliest is not None and article.published < earliest:
            yield Problem(
                article.origin,
                "published",
                f'{article.published} is before {earliest}, the "since" date of source '
                f'"{article.source}"',
                f'check the date; if it is right, move "since" of {article.source} in '
                "content/sources.yml",
                WARNING,
            )


# --- near duplicates ------------------------------------------------------------------------


def _duplicate_problem(later: Article, earlier: Article, score: float) -> Problem:
    if later.source == earlier.source:
        hint = "the outlet's article is in the corpus twice: remove one of the files"
    else:
        hint = (
            f'if it republishes the {earlier.source} article, add "syndicated_from: '
            f'{earlier.source}"; otherwise remove the copy'
        )
    message = f"nearly the same text as {earlier.origin.path} ({score:.0f}% similar)"
    return Problem(later.origin, "body", message, hint, WARNING)


def _near_duplicates(
    articles: tuple[Article, ...], find_pairs: FindPairs | None
) -> Iterator[Problem]:
    # The matching (sketches, date window, declared copies) is shared with `import` (#8).
    for later, earlier, score in near_duplicates(articles, find_pairs):
        yield _duplicate_problem(later, earlier, score)


# --- spellings the registries do not know ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spelling:
    """A spelling a registry knows: which registry, which entry, and the text as written."""

    registry: str  # "actors" or "terms"
    key: str
    text: str


def _known_spellings(registries: Registries) -> dict[str, _Spelling]:
    known: dict[str, _Spelling] = {}
    for actor in registries.actors:
        for name in (actor.name, *actor.aliases):
            known.setdefault(name.casefold(), _Spelling("actors", actor.key, name))
    for term in registries.terms:
        for variant in term.variants:
            known.setdefault(variant.text.casefold(), _Spelling("terms", term.key, variant.text))
    return known


def _is_inflection(word: str, known: str) -> bool:
    """Ukrainian from Ukraine, Russians from Russia: another word, not another spelling."""
    stems = (known, known[:-1]) if known[-1] in "aey" else (known,)
    return any(word.startswith(s) and word[len(s) :] in INFLECTIONS for s in stems)


def _closest_spelling(word: str, by_initial: dict[str, list[str]]) -> str | None:
    """The known spelling this word is a near miss of, or None."""
    for known in by_initial.get(word[0], ()):
        if abs(len(known) - len(word)) > 2 or _is_inflection(word, known):
            continue
        if fuzz.ratio(word, known, score_cutoff=SPELLING_SCORE):
            return known
    return None


def _spelling_problem(article: Article, word: str, offset: int, spelling: _Spelling) -> Problem:
    where = SourceRef(article.origin.path, article.body_line + article.body.count("\n", 0, offset))
    noun = "actor name" if spelling.registry == "actors" else "term variant"
    hint = (
        f'if it is the same person, add "{word}" to the aliases of "{spelling.key}" in '
        "content/actors.yml; otherwise correct the spelling"
        if spelling.registry == "actors"
        else f'if it names the same thing, add "{word}" to the variants of "{spelling.key}" in '
        "content/terms.yml; otherwise correct the spelling"
    )
    message = (
        f'"{word}" is close to the {noun} "{spelling.text}" ({spelling.key}) but is not in '
        f"{spelling.registry}.yml"
    )
    return Problem(where, "body", message, hint, WARNING)


def _unknown_spellings(
    articles: tuple[Article, ...], registries: Registries, memo: LintMemo | None
) -> Iterator[Problem]:
    known = {k: s for k, s in _known_spellings(registries).items() if " " not in k}
    by_initial: defaultdict[str, list[str]] = defaultdict(list)
    for spelling in sorted(known):
        if len(spelling) >= SPELLING_MIN_LENGTH:
            by_initial[spelling[0]].append(spelling)
    closest: dict[str, str | None] = {}  # per word, across articles: names repeat a lot
    for article in articles:
        find = partial(_article_spellings, article, known, by_initial, closest)
        yield from find() if memo is None else memo.spellings(article, find)


def _article_spellings(
    article: Article,
    known: dict[str, _Spelling],
    by_initial: dict[str, list[str]],
    closest: dict[str, str | None],
) -> tuple[Problem, ...]:
    found = []
    seen: set[str] = set()
    for match in _NAME.finditer(article.body):
        word = match.group().removesuffix("'s").removesuffix("’s")
        folded = word.casefold()
        if folded in seen or folded in known:
            continue
        seen.add(folded)
        if folded not in closest:
            closest[folded] = _closest_spelling(folded, by_initial)
        near = closest[folded]
        if near is not None:
            found.append(_spelling_problem(article, word, match.start(), known[near]))
    return tuple(found)


# --- speakers the registry does not know ----------------------------------------------------


def _is_personal_name(speaker: str) -> bool:
    """ "Jens Stoltenberg" is someone to register; "Western officials", "White House" are not."""
    words = speaker.split()
    return (
        2 <= len(words) <= 4
        and all(w[:1].isupper() and w.replace("-", "").isalpha() for w in words)
        and not any(w in ORG_WORDS or w in NATIONALITIES for w in words)
    )


def _speaker_problem(speaker: str, article: Article, registries: Registries) -> Problem:
    offset = article.body.find(speaker)
    line = article.body_line + (article.body.count("\n", 0, offset) if offset >= 0 else 0)
    names = {a.key: a.name for a in registries.actors}
    match = process.extractOne(
        speaker,
        names,
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        score_cutoff=SPELLING_SCORE,
    )
    hint = (
        f'if it is the same person as "{match[2]}", add "{speaker}" to its aliases in '
        "content/actors.yml"
        if match
        else "add them to content/actors.yml with their side, so their claims are compared"
    )
    message = f'speaker "{speaker}" is not in actors.yml'
    return Problem(SourceRef(article.origin.path, line), "body", message, hint, WARNING)


def lint_speakers(claims: tuple[Claim, ...], corpus: Corpus) -> tuple[Problem, ...]:
    """A warning for each named person quoted but not in actors.yml, at their first claim."""
    articles = {a.id: a for a in corpus.articles}
    # Each speaker's first claim by item and sentence, found in one pass, and each name
    # judged once: 93,000 claims at 10k articles were sorted, and a few hundred names
    # judged 44,000 times, on every build (#9).
    personal: dict[str, bool] = {}
    first: dict[str, tuple[tuple[str, int], Claim]] = {}
    for claim in claims:
        speaker = claim.speaker
        if claim.actor is not None:
            continue
        if speaker not in personal:
            personal[speaker] = _is_personal_name(speaker)
        if not personal[speaker]:
            continue
        at = (claim.item_id, claim.sentence.index)
        earliest = first.get(speaker)
        if earliest is None or at < earliest[0]:
            first[speaker] = (at, claim)
    return tuple(
        _speaker_problem(speaker, articles[claim.item_id.split("#")[0]], corpus.registries)
        for speaker, (_, claim) in sorted(first.items())
        if claim.item_id.split("#")[0] in articles
    )
