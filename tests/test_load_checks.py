"""The shortcuts of loading give what the long way gives (#9): the hand check of the article
front matter the same problems as jsonschema, in the same order, on valid and invalid front
matters; YAML parsed once (a small document) the same data, lines or problem as with the
first pass over its events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parallax.frontmatter import YamlDoc, YamlProblem, _parse_yaml, parse_yaml
from parallax.schema import check_article, validate

PATH = "content/articles/cnn/2023-06-01-x.md"
FIELDS = ("title", "source", "published", "url", "author", "language", "kind", "tags")
FIELDS += ("syndicated_from",)

# Strings near the schema's patterns and limits, and any other text.
NEAR = st.sampled_from(
    [
        "",
        "x",
        "cnn",
        "cnn\n",
        "CNN",
        "-cnn",
        "a" * 64,
        "a" * 65,
        "2024-05-01",
        "2024-05-01 10:30",
        "2024-05-01T10:30:00.5+02:00",
        "2024-05-01T10:30Z\n",
        "2024-5-1",
        "https://example.org/a",
        "http://x",
        "https://a b",
        "ftp://x",
        "en",
        "en-GB",
        "e",
        "deu-Latn-DE",
        "article",
        "liveblog",
        "Article",
        "TODO",
        "t" * 300,
        "t" * 301,
        "n" * 200,
        "n" * 201,
        "g" * 80,
        "g" * 81,
        "https://" + "u" * 1992,
        "https://" + "u" * 1993,
    ]
)
TEXT = st.one_of(NEAR, st.text(max_size=30))
SCALAR = st.one_of(
    TEXT,
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, dt.UTC])),
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(TEXT, min_size=48, max_size=53),
        st.dictionaries(st.one_of(TEXT, st.integers()), inner, max_size=3),
    ),
    max_leaves=8,
)
KEY = st.one_of(st.sampled_from(FIELDS), st.text(max_size=8))
FRONT = st.dictionaries(KEY, VALUE, max_size=10)


def _doc(data: Any) -> YamlDoc:
    lines: dict[tuple[str | int, ...], int] = {(): 1}
    if isinstance(data, dict):
        for number, (key, value) in enumerate(data.items(), start=2):
            lines[(key,)] = number
            if isinstance(value, list):
                lines.update({(key, index): 100 + index for index in range(len(value))})
    return YamlDoc(data, lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FRONT)
def test_hand_check_agrees_with_jsonschema(data: dict[Any, Any]) -> None:
    doc = _doc(data)
    assert check_article(doc, PATH) == validate("article", doc, PATH)


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries({name: VALUE for name in FIELDS}))
def test_every_field_present(data: dict[str, Any]) -> None:
    doc = _doc(data)
    assert check_article(doc, PATH) == validate("article", doc, PATH)


@pytest.mark.parametrize(
    "text",
    [
        "title: T\nsource: cnn\npublished: 2024-05-01",
        "title: ''\nsource: CNN\npublished: '2024-5-1'\nurl: ftp://x\nkind: blog",
        "title: [a]\nauthor: [a, '', 3]\ntags: [x, '', [y]]\nlanguage: english",
        "author: {a: 1}\ntags: 2024-05-01\n1: 2\n'1': 3\nsyndicated_from: AP",
        "title: 2024-05-01\nsource: cnn\npublished: 2024-05-01 10:30:00+02:00\nauthor: []",
        "title: !!binary aGVsbG8=\nsource: !!set {a, b}\npublished: !!omap [{a: 1}]",
        "tags: [" + ", ".join(["t"] * 51) + "]\nauthor: [" + ", ".join(["a"] * 51) + "]",
    ],
)
def test_examples_agree(text: str) -> None:
    doc = parse_yaml(text)
    assert check_article(doc, PATH) == validate("article", doc, PATH)


LINES = st.sampled_from(
    [
        "title: T",
        "title: 'a: b'",
        'title: "x',
        "source: cnn",
        "published: 2024-05-01",
        "published: 2024-02-30",
        "url: https://example.org/a-b-c",
        "tags: [a, b]",
        "tags: [[[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]]",
        "tags:",
        "  - a",
        "  - - b",
        "- - - - - - - - - - - - - - - - - - - - - - x",
        "a: &x [1, 2]",
        "b: *x",
        "c: *y",
        "? k",
        ": v",
        "---",
        "...",
        "  bad: indent",
        "\tx: 1",
        "k\u200b: 1",
        "{a: {b: {c: {d: [e, f]}}}}",
        "x: !!binary aGVsbG8=",
        "x: !!set {a, b}",
        "",
    ]
)
YAML_TEXT = st.one_of(
    st.lists(LINES, max_size=12).map("\n".join),
    st.text(st.sampled_from("ab1 -:?[]{},&*!#'\"\n\t|>%@`"), max_size=60),
)


def _outcome(parse: Any) -> Any:
    try:
        doc = parse()
    except YamlProblem as exc:
        return (exc.message, exc.line, exc.hint, exc.field)
    return (repr(doc.data), doc.lines)


@settings(max_examples=1500, deadline=None)
@given(YAML_TEXT, st.integers(1, 3))
def test_one_pass_agrees_with_two(text: str, first_line: int) -> None:
    once = _outcome(lambda: parse_yaml(text, first_line))
    assert once == _outcome(lambda: _parse_yaml(text, first_line, check_events=True))
