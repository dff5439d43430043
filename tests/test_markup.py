"""Untrusted text becomes Markdown, or HTML, that renders to exactly that text."""

from __future__ import annotations

import markdown
import pytest
from bs4 import BeautifulSoup

from parallax.markup import escape_block, escape_html, escape_inline, html_link, link, safe_url

EXTENSIONS = ["attr_list", "tables", "toc"]


def html(md: str) -> str:
    return markdown.markdown(md, extensions=EXTENSIONS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("[click](javascript:alert(1))", "<p>[click](javascript:alert(1))</p>"),
        ("![x](http://evil.example/x.png)", "<p>![x](http://evil.example/x.png)</p>"),
        ("a | b | c", "<p>a &#124; b &#124; c</p>"),
        ("1. not a list", "<p>1. not a list</p>"),
        ("- not a list", "<p>- not a list</p>"),
        ("# not a heading", "<p># not a heading</p>"),
        ("**not bold** _nor this_", "<p>**not bold** _nor this_</p>"),
        ("&lt;b&gt; smuggled", "<p>&amp;lt;b&amp;gt; smuggled</p>"),
        ("text {: onclick=x }", "<p>text &#123;: onclick&#61;x &#125;</p>"),
        ("<http://evil.example>", "<p>&lt;http://evil.example&gt;</p>"),
        ("{{ 7*7 }} {% raw %}", "<p>&#123;&#123; 7*7 &#125;&#125; &#123;% raw %&#125;</p>"),
    ],
)
def test_escaped_text_renders_as_the_same_text(text, expected):
    assert html(escape_inline(text)) == expected


HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1)) ![x](http://evil.example/x.png)",
    "1. not a list",
    "- not a list",
    "# not a heading",
    "**not bold** _nor this_ `nor code` \\*",
    "&lt;b&gt; smuggled",
    "text {: onclick=x } \" ' = ~ ^ $",
    "<http://evil.example> a | b",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_html_escaped_text_is_the_same_text_in_html_and_in_markdown(text):
    escaped = escape_html(text)
    assert BeautifulSoup(f"<p>{escaped}</p>", "html.parser").get_text() == text
    # a template may also put it where Markdown reads it: it stays the same text there too
    in_markdown = BeautifulSoup(html(escaped), "html.parser")
    assert in_markdown.get_text() == text
    assert [tag.name for tag in in_markdown.find_all(True)] == ["p"]


def test_an_html_link_is_made_only_of_a_safe_url():
    assert html_link("a <b>", "javascript:alert(1)") == "a &lt;b&gt;"
    assert html_link("a", "https://example.org/?q=1&r=2") == (
        '<a href="https://example.org/?q=1&amp;r=2">a</a>'
    )


def test_direction_overrides_and_control_characters_are_removed():
    assert escape_inline("evil\u202egnp.exe\x07 done") == "evilgnp.exe done"
    assert escape_html("evil\u202egnp.exe\x07 done") == "evilgnp.exe done"


def test_a_very_long_word_is_broken_so_it_cannot_stretch_the_page():
    assert "\u200b" in escape_inline("x" * 200)


def test_paragraphs_keep_their_breaks_and_nothing_else():
    assert html(escape_block("One.\nStill one.\n\n<b>Two</b>\n\n\n---")) == (
        "<p>One. Still one.</p>\n<p>&lt;b&gt;Two&lt;/b&gt;</p>\n<p>---</p>"
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<b>",
        "JaVaScRiPt:x",
        "//evil.example/x",
        'https://a.example/x"onmouseover=1',
        "vbscript:x",
        "",
        None,
    ],
)
def test_unsafe_urls_are_dropped(url):
    assert safe_url(url) is None
    assert link("original", url) == "original"


def test_a_safe_url_becomes_a_link():
    assert html(link("original", "https://example.org/a_(b)")) == (
        '<p><a href="https://example.org/a_%28b%29">original</a></p>'
    )
