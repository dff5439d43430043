"""Tests for parallax.clean: normalisation, and one test per noise rule with a look-alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from parallax import clean
from parallax.clean import Line, Removal, capture_lines, clean_capture, normalise_text
from parallax.model import Article, SourceRef

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def _capture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "removed"),
    [
        (
            "caption_repeated.txt",
            [(2, clean.REPEATED_CAPTION), (3, clean.REPEATED_CAPTION)],
        ),
        ("caption_single.txt", [(2, clean.PHOTO_CAPTION)]),
        ("site_header.txt", [(1, clean.SITE_HEADER), (2, clean.SITE_HEADER)]),
        ("teaser.txt", [(3, clean.TEASER), (5, clean.TEASER), (6, clean.TEASER)]),
        (
            "trailing_block.txt",
            [(4, clean.TRAILING_BLOCK), (5, clean.TRAILING_BLOCK), (6, clean.TRAILING_BLOCK)],
        ),
        (
            "comments.txt",
            [(3, clean.COMMENTS), (4, clean.COMMENTS), (5, clean.COMMENTS), (6, clean.COMMENTS)],
        ),
        ("timestamp.txt", [(4, clean.TIMESTAMP)]),
        ("dangling_label.txt", [(2, clean.DANGLING_LABEL)]),
        ("duplicated_headline.txt", [(3, clean.DUPLICATED_HEADLINE)]),
        ("cut_off_headline.txt", [(5, clean.CUT_OFF_HEADLINE)]),
    ],
)
def test_rule_removes_its_noise_and_nothing_else(name, removed):
    text = _capture(name)
    result = clean_capture(text)
    assert [(r.line, r.rule) for r in result.removals] == removed
    raw = text.split("\n")
    assert all(r.text == raw[r.line - 1] for r in result.removals)
    kept = {n for n, line in enumerate(raw, 1) if line.strip()} - {n for n, _ in removed}
    assert [line.number for line in result.lines] == sorted(kept)


@pytest.mark.parametrize(
    "name",
    [
        "caption_lookalike.txt",
        "site_header_lookalike.txt",
        "teaser_lookalike.txt",
        "trailing_block_lookalike.txt",
        "comments_lookalike.txt",
        "timestamp_lookalike.txt",
        "dangling_label_lookalike.txt",
        "repeated_lookalike.txt",
        "cut_off_headline_lookalike.txt",
    ],
)
def test_keeps_a_sentence_that_merely_looks_like_noise(name):
    text = _capture(name)
    result = clean_capture(text)
    assert result.removals == ()
    assert result.paragraphs == tuple(line for line in text.split("\n") if line)


def test_removal_keeps_the_line_text():
    result = clean_capture(_capture("dangling_label.txt"))
    assert result.removals == (Removal(2, "label with no value", "Updated:"),)


@pytest.mark.parametrize(
    "line",
    [
        "May 31, 2024 at 08:56PM",
        "Published: 12 March 2024 14:02",
        "Updated: Jan. 5, 2023, 9:41 a.m. ET",
        "2024-05-31T20:56:00Z",
        "Posted on Friday, May 31, 2024 at 8:56 PM",
    ],
)
def test_timestamp_shapes(line):
    lines = (Line(1, "A paragraph of text."), Line(2, line))
    assert clean.drop_timestamps(lines) == (Removal(2, clean.TIMESTAMP, line),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\ufeffTitle\r\nBody  \r\n", "Title\nBody\n"),
        ("a\n\n\n\nb\n\n", "a\n\nb\n"),
        ("zero\u200bwidth and \u202eoverride\u202c", "zerowidth and override\n"),
        ("cafe\u0301", "café\n"),
        ("no\u00a0break\u2009thin", "no break thin\n"),
        ("“I said it,’’ he said", "“I said it,” he said\n"),
        ("old\rmac", "old\nmac\n"),
        ("  indented stays", "  indented stays\n"),
        ("", ""),
    ],
)
def test_normalise_text(text, expected):
    assert normalise_text(text) == expected


def test_capture_lines_keep_file_line_numbers():
    text = "\ufeffFirst  line \r\n\r\n\u200b\r\n  Second\u00a0\u00a0line\n"
    assert capture_lines(text) == (Line(1, "First line"), Line(4, "Second line"))


def test_clean_article_normalises_the_body():
    article = Article(
        id="articles/cnn/2023-06-01-x",
        source="cnn",
        title="T",
        published=dt.date(2023, 6, 1),
        published_at=None,
        url=None,
        authors=(),
        language="en",
        kind="article",
        tags=(),
        body="One\u200b. \r\n\r\n\r\nTwo\n",
        body_line=6,
        origin=SourceRef("content/articles/cnn/2023-06-01-x.md"),
    )
    assert clean.clean_article(article).body == "One.\n\nTwo\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kyiv targeted with missiles overnight: Ukrainian military", True),
        ("Adam Morrow", True),
        ("The council approved the plan on Tuesday.", False),
        ("“We will not give up,” she said.", False),
        ("He said:", False),
        ("after a long debate", False),
        ("x " * 30, False),
    ],
)
def test_is_headline_like(text, expected):
    assert clean.is_headline_like(text.strip()) is expected
