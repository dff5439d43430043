"""Copies: one voice per original, copies found on import, and the field checked by check."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from parallax.drafts import Draft, FrontMatter, render_blocks
from parallax.lint import lint_corpus
from parallax.model import Article, Corpus, Registries, Source, SourceRef
from parallax.placement import Candidate, ImportOptions, Placer
from parallax.problems import format_problem
from parallax.syndication import distinct_voices

STORY = (
    "A cargo ship carrying 30,000 tonnes of wheat left the port of Belmara on Monday after a "
    "week-long delay caused by a dispute over inspection fees, the harbour office said. The "
    "vessel is expected to reach its destination within ten days."
)
GROUPS = {"wire": "agency", "ledger": "western", "newshub": "other", "courier": "western"}
REGISTRIES = Registries(
    sources=tuple(
        Source(key, key.title(), f"{key}.example", "GB", group, None, None, SourceRef("s.yml"))
        for key, group in GROUPS.items()
    )
)


def article(path: str, published: str = "2024-06-03", **fields) -> Article:
    return Article(
        id=f"articles/{path}",
        source=path.split("/")[0],
        title=fields.pop("title", "Grain ship leaves port"),
        published=dt.date.fromisoformat(published),
        published_at=None,
        url=fields.pop("url", None),
        authors=(),
        language="en",
        kind="article",
        tags=(),
        body=fields.pop("body", STORY),
        body_line=8,
        origin=SourceRef(f"content/articles/{path}.md"),
        **fields,
    )


def test_copies_count_as_their_original_voice():
    voices = distinct_voices(
        [
            article("wire/2024-06-03-grain"),
            article("ledger/2024-06-03-grain", syndicated_from="wire"),
            article("newshub/2024-06-03-grain", syndicated_from="wire"),
            article("courier/2024-06-03-other", body="Other words."),
        ],
        GROUPS.__getitem__,
    )
    assert (voices.sources, voices.groups, voices.count) == (
        ("courier", "wire"),
        ("agency", "western"),
        2,
    )
    assert voices.copies == (
        ("articles/ledger/2024-06-03-grain", "wire"),
        ("articles/newshub/2024-06-03-grain", "wire"),
    )


def test_a_copy_whose_original_is_not_in_the_list_is_still_one_voice():
    copies = [
        article(f"{s}/2024-06-03-grain", syndicated_from="wire") for s in ("ledger", "courier")
    ]
    assert distinct_voices(copies).sources == ("wire",)
    assert distinct_voices(copies).groups == ("other",)  # no group_of given


def _candidate(source: str | None, published: dt.date | None, url: str | None = None) -> Candidate:
    front_matter = FrontMatter("Grain ship leaves port", source, published, url=url)
    body = render_blocks(((False, STORY),))
    return Candidate("page.html", Draft(front_matter, body, "grain-ship", ()), None, (), None)


def _place(tmp_path: Path, candidate: Candidate, *existing: Article):
    root = tmp_path / "content"
    (root / "articles").mkdir(parents=True, exist_ok=True)
    return Placer(root, ImportOptions(dry_run=True), existing).place(candidate)


def test_import_records_another_outlets_text_as_a_copy(tmp_path):
    wire = article("wire/2024-06-03-grain")
    report = _place(tmp_path, _candidate("newshub", dt.date(2024, 6, 4)), wire)
    assert (report.status, report.syndicated_from, report.duplicate_of) == (
        "would create",
        "wire",
        "articles/wire/2024-06-03-grain.md",
    )
    assert report.review == (
        "syndicated_from: wire: nearly the same text as articles/wire/2024-06-03-grain.md "
        "(100% similar)",
    )


def test_a_copy_of_a_copy_names_the_original(tmp_path):
    copy = article("ledger/2024-06-03-grain", syndicated_from="wire")
    report = _place(tmp_path, _candidate("newshub", None), copy)
    assert report.syndicated_from == "wire"


def test_an_earlier_text_is_not_called_the_copy(tmp_path):
    later = article("wire/2024-06-04-grain", published="2024-06-04")
    report = _place(tmp_path, _candidate("newshub", dt.date(2024, 6, 3)), later)
    assert report.syndicated_from is None
    assert report.review == (
        "articles/wire/2024-06-04-grain.md has nearly the same text (100% similar) but is later: "
        "if it copies this article, add syndicated_from: newshub to it",
    )


def test_the_same_outlets_text_twice_is_skipped(tmp_path):
    report = _place(tmp_path, _candidate("wire", None), article("wire/2024-06-03-grain"))
    assert (report.status, report.reason) == (
        "skipped",
        "nearly the same text as articles/wire/2024-06-03-grain.md (100% similar), from the "
        "same outlet",
    )


def test_the_same_url_is_skipped(tmp_path):
    known = article("wire/2024-06-03-grain", url="https://wire.example/a?utm_source=x")
    report = _place(tmp_path, _candidate("ledger", None, url="http://www.wire.example/a/"), known)
    assert (report.status, report.duplicate_of) == ("skipped", "articles/wire/2024-06-03-grain.md")
    assert report.reason == (
        "already in the corpus: articles/wire/2024-06-03-grain.md has the same URL"
    )


def test_texts_outside_the_date_window_are_not_copies(tmp_path):
    old = article("wire/2024-05-01-grain", published="2024-05-01")
    report = _place(tmp_path, _candidate("newshub", dt.date(2024, 6, 3)), old)
    assert (report.syndicated_from, report.duplicate_of) == (None, None)


def test_check_warns_about_a_syndicated_from_that_names_no_source_or_its_own():
    articles = (
        article("ledger/2024-06-03-grain", syndicated_from="wirre"),
        dataclasses.replace(
            article("newshub/2024-06-04-x", body="Other."), syndicated_from="newshub"
        ),
    )
    problems = lint_corpus(Corpus("content", articles, REGISTRIES), dt.date(2024, 6, 5))
    assert sorted(format_problem(p) for p in problems) == [
        "content/articles/ledger/2024-06-03-grain.md:1: syndicated_from: unknown source "
        '"wirre" (warning)\n'
        '  hint: did you mean "wire"? Known sources are listed in content/sources.yml',
        "content/articles/newshub/2024-06-04-x.md:1: syndicated_from: names the article's own "
        'source "newshub" (warning)\n'
        "  hint: remove the line: an outlet's own article is not a copy",
    ]
