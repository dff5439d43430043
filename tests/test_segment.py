"""Segmenting articles into items, Markdown into plain text, and text into sentences."""

from __future__ import annotations

import datetime as dt

import pytest

from parallax.config import Settings
from parallax.model import Article, SourceRef
from parallax.segment import markdown_to_text, segment_article, slugify, split_sentences


def make_article(body: str, kind: str = "article", title: str = "Title") -> Article:
    return Article(
        id="articles/cnn/2023-06-01-x",
        source="cnn",
        title=title,
        published=dt.date(2023, 6, 1),
        published_at=None,
        url=None,
        authors=(),
        language="en",
        kind=kind,
        tags=(),
        body=body,
        body_line=7,
        origin=SourceRef("content/articles/cnn/2023-06-01-x.md"),
    )


def test_an_article_is_one_item_without_anchor():
    items, problems = segment_article(make_article("Some *text*."), Settings())
    assert [(i.anchor, i.title, i.text) for i in items] == [(None, "Title", "Some text.")]
    assert problems == ()


def test_liveblog_entries_become_items_with_anchors_from_headings():
    body = (
        "Summary.\n\n## 10:32 Strike on Kyiv\nA strike.\n\n## Strike on Kyiv\nMore.\n\n## Über\nx"
    )
    items, _ = segment_article(make_article(body, "liveblog"), Settings())
    assert [i.anchor for i in items] == ["intro", "10-32-strike-on-kyiv", "strike-on-kyiv", "uber"]
    assert [i.title for i in items] == ["Title", "10:32 Strike on Kyiv", "Strike on Kyiv", "Über"]
    assert items[1].id == "articles/cnn/2023-06-01-x#10-32-strike-on-kyiv"


def test_repeated_headings_get_numbered_anchors():
    body = "## Update\na\n## Update\nb\n## Update\nc"
    items, _ = segment_article(make_article(body, "liveblog"), Settings())
    assert [i.anchor for i in items] == ["update", "update-2", "update-3"]


def test_headings_inside_code_fences_do_not_split():
    body = "## One\n```\n## not a heading\n```\ntext"
    items, _ = segment_article(make_article(body, "liveblog"), Settings())
    assert [i.anchor for i in items] == ["one"]


def test_too_many_entries_is_a_problem():
    body = "\n".join(f"## Entry {n}\ntext" for n in range(4))
    items, problems = segment_article(
        make_article(body, "liveblog"), Settings(max_items_per_article=3)
    )
    assert items == ()
    assert [(p.source.line, p.field, p.message) for p in problems] == [
        (7, "body", "live blog has 4 entries, more than max_items_per_article (3)")
    ]


def test_liveblog_without_headings_is_one_item_and_a_warning():
    items, problems = segment_article(make_article("Just text.", "liveblog"), Settings())
    assert [i.anchor for i in items] == [None]
    assert [p.message for p in problems] == ["live blog has no entries"]


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("[the report](https://x.org) said", "the report said"),
        ("**bold** and _em_ and snake_case", "bold and em and snake_case"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("# Heading #\n\npara", "Heading\n\npara"),
        ("- one\n- two", "one\n\ntwo"),
        ("> quoted\n> on two lines", "quoted on two lines"),
        ("![a map](map.png)", "a map"),
    ],
)
def test_markdown_to_text(markdown, text):
    assert markdown_to_text(markdown) == text


def test_slugify_is_ascii_and_bounded():
    assert slugify("Kyiv’s Ölgas — 12:00!") == "kyivs-olgas-12-00"
    assert slugify("!!!") == "entry"
    assert len(slugify("word " * 40)) <= 60


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Mr. Smith met Gen. Jones. He left.", ["Mr. Smith met Gen. Jones.", "He left."]),
        (
            "It began on Jan. 27, 2022. Then it ended.",
            ["It began on Jan. 27, 2022.", "Then it ended."],
        ),
        ("The U.N. envoy spoke. Talks end.", ["The U.N. envoy spoke.", "Talks end."]),
        ("Prices rose 3.5 percent. Good.", ["Prices rose 3.5 percent.", "Good."]),
        ('"It is over." He left.', ['"It is over."', "He left."]),
        ("Wait... then nothing. Really?", ["Wait... then nothing.", "Really?"]),
        ("One\n\nTwo", ["One", "Two"]),
    ],
)
def test_split_sentences(text, sentences):
    assert [s.text for s in split_sentences(text)] == sentences


def test_sentence_spans_point_into_the_text():
    text = "  First one.  Second one!\n\nThird"
    for sentence in split_sentences(text):
        assert text[sentence.span.start : sentence.span.end] == sentence.text
    assert [s.index for s in split_sentences(text)] == [0, 1, 2]
