"""The content warnings: near duplicates, future dates, `since`, unknown spellings."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from parallax.lint import lint_corpus, lint_speakers, source_since
from parallax.model import (
    Actor,
    Article,
    Claim,
    Corpus,
    Registries,
    Sentence,
    Source,
    SourceRef,
    Span,
    Term,
    TermVariant,
)
from parallax.problems import format_problem

TODAY = dt.date(2024, 6, 1)
STORY = (
    "Russian forces struck an energy facility in the Kharkiv region overnight, the regional "
    "governor said on Saturday. Two workers were injured and power was cut to thousands of "
    "homes while repair crews waited for the all-clear to begin their work."
)


def article(name: str, body: str = STORY, published: str = "2024-05-31", **fields) -> Article:
    source = name.split("/")[0]
    return Article(
        id=f"articles/{name}",
        source=source,
        title=fields.pop("title", "Strike on energy facility"),
        published=dt.date.fromisoformat(published),
        published_at=None,
        url=None,
        authors=(),
        language="en",
        kind="article",
        tags=(),
        body=body,
        body_line=fields.pop("body_line", 6),
        origin=SourceRef(f"content/articles/{name}.md", 1),
        **fields,
    )


def source(key: str) -> Source:
    return Source(key, key.upper(), f"{key}.com", "US", "western", None, None, SourceRef("s", 1))


def lint(*articles: Article, registries: Registries | None = None) -> list[str]:
    corpus = Corpus("content", articles, registries or Registries())
    problems = sorted(lint_corpus(corpus, TODAY), key=lambda p: p.sort_key())
    return [format_problem(p) for p in problems]


def test_clean_corpus_has_no_warnings():
    assert lint(article("ap/2024-05-31-strike"), article("cnn/2024-05-31-other", "Short.")) == []


def test_near_duplicate_from_another_outlet_suggests_syndicated_from():
    copy = STORY.replace("Saturday", "Sunday")
    assert lint(article("ap/2024-05-31-strike"), article("cnn/2024-06-01-strike", copy)) == [
        "content/articles/cnn/2024-06-01-strike.md:1: body: nearly the same text as "
        "content/articles/ap/2024-05-31-strike.md (99% similar) (warning)\n"
        '  hint: if it republishes the ap article, add "syndicated_from: ap"; otherwise '
        "remove the copy"
    ]


def test_near_duplicate_from_the_same_outlet():
    assert lint(article("ap/2024-05-31-strike"), article("ap/2024-05-31-strike-2")) == [
        "content/articles/ap/2024-05-31-strike-2.md:1: body: nearly the same text as "
        "content/articles/ap/2024-05-31-strike.md (100% similar) (warning)\n"
        "  hint: the outlet's article is in the corpus twice: remove one of the files"
    ]


@pytest.mark.parametrize(
    "second",
    [
        article("cnn/2024-06-01-strike", syndicated_from="ap"),  # declared copy
        article("cnn/2024-05-28-strike", published="2024-05-28"),  # 3 days: outside the window
        article("cnn/2024-06-01-strike", STORY[:90] + " Unrelated words follow here. " * 6),
    ],
)
def test_not_reported_as_duplicates(second):
    assert lint(article("ap/2024-05-31-strike"), second) == []


def test_each_later_copy_is_reported_once_against_the_earliest():
    copies = [article(f"ap/2024-05-31-strike-{n}") for n in range(4)]
    warnings = lint(*copies)
    assert len(warnings) == 3
    assert all("as content/articles/ap/2024-05-31-strike-0.md" in w for w in warnings)


def test_date_in_the_future():
    assert lint(article("ap/2024-06-03-strike", published="2024-06-03")) == [
        "content/articles/ap/2024-06-03-strike.md:1: published: 2024-06-03 is in the future "
        "(today is 2024-06-01) (warning)\n"
        "  hint: check the year and the order of month and day: YYYY-MM-DD"
    ]


def test_tomorrow_is_allowed_for_outlets_east_of_utc():
    assert lint(article("ap/2024-06-02-strike", published="2024-06-02")) == []


def test_date_before_the_sources_since():
    dated = dataclasses.replace(source("ap"), since=dt.date(2024, 1, 1))
    old = article("ap/2023-12-31-strike", published="2023-12-31")
    assert lint(old, article("ap/2024-01-01-x", "Ok."), registries=Registries((dated,))) == [
        "content/articles/ap/2023-12-31-strike.md:1: published: 2023-12-31 is before "
        '2024-01-01, the "since" date of source "ap" (warning)\n'
        '  hint: check the date; if it is right, move "since" of ap in content/sources.yml'
    ]


def test_source_without_since_allows_any_date():
    assert source_since(source("ap")) is None


REGISTRIES = Registries(
    actors=(
        Actor(
            "zelensky",
            "Volodymyr Zelensky",
            ("Zelensky", "Zelenskyy"),
            None,
            "ukraine",
            SourceRef("content/actors.yml", 1),
        ),
    ),
    terms=(
        Term(
            "bakhmut",
            "the city of Bakhmut",
            (TermVariant("Bakhmut", ("western",)), TermVariant("Artyomovsk", ("russian",))),
            SourceRef("content/terms.yml", 1),
        ),
    ),
)


def test_unknown_spelling_of_an_actor_points_at_its_line():
    body = "First line.\n\nPresident Zelenskiy's office said so. Zelenskiy again."
    assert lint(article("ap/2024-05-31-x", body, body_line=7), registries=REGISTRIES) == [
        'content/articles/ap/2024-05-31-x.md:9: body: "Zelenskiy" is close to the actor name '
        '"Zelensky" (zelensky) but is not in actors.yml (warning)\n'
        '  hint: if it is the same person, add "Zelenskiy" to the aliases of "zelensky" in '
        "content/actors.yml; otherwise correct the spelling"
    ]


def test_unknown_spelling_of_a_term_variant():
    body = "Fighting near Artemovsk continued."
    assert lint(article("tass/2024-05-31-x", body), registries=REGISTRIES) == [
        'content/articles/tass/2024-05-31-x.md:6: body: "Artemovsk" is close to the term '
        'variant "Artyomovsk" (bakhmut) but is not in terms.yml (warning)\n'
        '  hint: if it names the same thing, add "Artemovsk" to the variants of "bakhmut" in '
        "content/terms.yml; otherwise correct the spelling"
    ]


@pytest.mark.parametrize(
    "word",
    [
        "Zelenskyy",
        "ZELENSKY",
        "Bakhmut's",
        "Zelenskys",
        "Zelenska",
        "Bakhmutian",
        "Kyiv",
        "Zelenograd",
    ],
)
def test_known_spellings_and_other_words_are_not_reported(word):
    assert (
        lint(article("ap/2024-05-31-x", f"The word {word} appears."), registries=REGISTRIES) == []
    )


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        (
            {"title": "TODO: headline"},
            "title: still marked TODO by the importer\n"
            "  hint: write the headline as the outlet published it",
        ),
        (
            {"authors": ("Jane Doe", "TODO")},
            "author: still marked TODO by the importer\n"
            "  hint: write the author's name, or remove the line",
        ),
    ],
)
def test_title_or_author_left_as_todo_is_an_error(fields, line):
    todo = dataclasses.replace(article("ap/2024-05-31-x", "Short."), **fields)
    assert lint(todo) == [f"content/articles/ap/2024-05-31-x.md:1: {line}"]


def claim(speaker: str, item_id: str = "articles/ap/2024-05-31-x", index: int = 0) -> Claim:
    sentence = Sentence(index, "They said so.", Span(0, 13))
    return Claim("c", item_id, "e", "ap", sentence, speaker, None, None, True)


def lint_claims(*claims: Claim) -> list[str]:
    body = "Intro.\n\nNATO chief Jens Stoltenberg said so. Volodymyr Zelenskiy agreed."
    corpus = Corpus("content", (article("ap/2024-05-31-x", body),), REGISTRIES)
    return [format_problem(p) for p in lint_speakers(claims, corpus)]


def test_unknown_named_speaker_is_reported_once_at_its_line():
    assert lint_claims(claim("Jens Stoltenberg"), claim("Jens Stoltenberg", index=3)) == [
        'content/articles/ap/2024-05-31-x.md:8: body: speaker "Jens Stoltenberg" is not in '
        "actors.yml (warning)\n"
        "  hint: add them to content/actors.yml with their side, so their claims are compared"
    ]


def test_unknown_spelling_of_a_known_speaker_names_the_actor():
    assert lint_claims(claim("Volodymyr Zelenskiy")) == [
        'content/articles/ap/2024-05-31-x.md:8: body: speaker "Volodymyr Zelenskiy" is not in '
        "actors.yml (warning)\n"
        '  hint: if it is the same person as "zelensky", add "Volodymyr Zelenskiy" to its '
        "aliases in content/actors.yml"
    ]


@pytest.mark.parametrize(
    "speaker", ["Western officials", "White House", "regional governor", "Ukrainian Army", "Moscow"]
)
def test_groups_and_bodies_are_not_reported_as_speakers(speaker):
    assert lint_claims(claim(speaker)) == []


def test_unknown_speaker_is_reported_in_the_article_of_their_first_item():
    body = "Intro.\n\nNATO chief Jens Stoltenberg said so."
    earlier, later = article("ap/2024-05-30-a", body), article("ap/2024-05-31-x", body)
    corpus = Corpus("content", (later, earlier), REGISTRIES)
    claims = (
        claim("Jens Stoltenberg", later.id, 0),
        claim("Jens Stoltenberg", earlier.id, 4),
        claim("Jens Stoltenberg", earlier.id, 2),
    )
    (problem,) = lint_speakers(claims, corpus)
    assert problem.source.path == "content/articles/ap/2024-05-30-a.md"
