"""Feeds to content files: one per new entry, tagged for review, known entries skipped."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from parallax.drafts import render_content_file
from parallax.feeds import FeedError, feed_entries
from parallax.importer import ImportOptions, import_feed
from parallax.lint import lint_corpus
from parallax.model import Article, Corpus, Registries, Source, SourceRef
from parallax.problems import format_problem

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
REGISTRIES = Registries(
    sources=(
        Source(
            "ledger", "The Northern Ledger", "northernledger.example", "GB", "western",
            None, None, SourceRef("sources.yml"),
        ),
    )
)  # fmt: skip


def _entries(name: str):
    return feed_entries((FEEDS / name).read_bytes(), None, REGISTRIES)


def _content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "articles").mkdir(parents=True)
    return root


def _existing(url: str) -> Article:
    return Article(
        id="articles/ledger/2024-05-31-crane",
        source="ledger",
        title="Crane collapse",
        published=dt.date(2024, 5, 31),
        published_at=None,
        url=url,
        authors=(),
        language="en",
        kind="article",
        tags=(),
        body="Text.\n",
        body_line=8,
        origin=SourceRef("content/articles/ledger/2024-05-31-crane.md"),
    )


def test_an_rss_entry_becomes_a_draft_tagged_for_review():
    first = _entries("ledger.rss")[0].draft
    assert render_content_file(first.front_matter, first.body) == (
        "---\n"
        'title: "Harbour crane collapse injures four"\n'
        "source: ledger\n"
        "published: 2024-05-31\n"
        'url: "https://www.northernledger.example/news/2024/05/31/harbour-crane-collapse"\n'
        'author: "Mira Kowalski"\n'
        "language: en\n"
        "kind: article\n"
        'tags: ["needs-review"]\n'
        "---\n"
        "A crane collapsed at the southern harbour on Friday morning, injuring four dock "
        "workers.\n\nInspections were ordered.\n"
    )


def test_entry_html_is_sanitised_to_text():
    assert _entries("ledger.rss")[2].draft.body == (
        "Forecasters warned of gusts of up to 110 km/h on Sunday night.\n"
    )


def test_an_atom_entry_takes_its_full_content_and_every_author():
    (entry,) = _entries("courier.atom")
    fm = entry.draft.front_matter
    assert (fm.title, fm.source, fm.published) == (
        "Schools closed across the valley",
        None,
        dt.date(2024, 4, 2),
    )
    assert fm.authors == ("Tom Reyes", "Lena Fischer")
    assert entry.draft.body.endswith(
        "Parents were told to check the council's website each morning.\n"
    )
    assert entry.origin.guess.entry is not None


def test_not_a_feed():
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        _entries("not_a_feed.txt")


def test_import_feed_skips_entries_already_in_the_corpus(tmp_path):
    root = _content(tmp_path)
    known = _existing("https://northernledger.example/news/2024/05/31/harbour-crane-collapse/")
    reports, problems = import_feed(
        str(FEEDS / "ledger.rss"), ImportOptions(), root, REGISTRIES, existing=(known,)
    )
    assert problems == ()
    assert [(r.status, r.reason) for r in reports] == [
        (
            "skipped",
            "already in the corpus: articles/ledger/2024-05-31-crane.md has the same URL",
        ),
        ("created", None),
        ("created", None),
    ]
    assert reports[0].duplicate_of == "articles/ledger/2024-05-31-crane.md"
    assert reports[0].input_path == f"{FEEDS / 'ledger.rss'} [1]"
    assert reports[1].review == (
        'tags: "needs-review": the body is the feed\'s summary; put in the full text',
    )


def test_importing_a_feed_twice_creates_nothing_new(tmp_path):
    root = _content(tmp_path)
    first, _ = import_feed(str(FEEDS / "ledger.rss"), ImportOptions(), root, REGISTRIES)
    second, _ = import_feed(str(FEEDS / "ledger.rss"), ImportOptions(), root, REGISTRIES)
    assert [r.status for r in first] == ["created"] * 3
    assert [r.status for r in second] == ["skipped"] * 3  # the files exist


def test_check_refuses_a_draft_still_tagged_for_review():
    article = dataclasses.replace(_existing("https://x.example/a"), tags=("needs-review",))
    problems = lint_corpus(Corpus("content", (article,), REGISTRIES), dt.date(2024, 6, 1))
    assert [format_problem(p) for p in problems] == [
        'content/articles/ledger/2024-05-31-crane.md:1: tags: still tagged "needs-review" by '
        "the importer\n"
        "  hint: put in the outlet's full text from the article's url, then remove the tag"
    ]
