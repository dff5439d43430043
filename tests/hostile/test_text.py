"""Untrusted text stays text: a site built from hostile content, checked in its Markdown and
in the HTML MkDocs makes of it (#7). The browser half lives with tests/browser (#5)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from parallax.markup import escape_block
from parallax.segment import markdown_to_text
from tests.hostile.payloads import HOSTILE_URLS, PAYLOADS, Payload
from tests.hostile.site import (
    LIVEBLOG,
    PUBLISHED,
    build_hostile_site,
    fits,
    html_findings,
    page_text,
    theme_script,
)

pytestmark = pytest.mark.slow
IDS = [p.key for p in PAYLOADS]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hostile_site(tmp_path_factory.mktemp("hostile") / "project")


def markdown_of(site: Path, dest: str) -> str:
    return (site / "site_src" / dest).read_text(encoding="utf-8")


def html_of(site: Path, path: str) -> str:
    return (site / "site" / path / "index.html").read_text(encoding="utf-8")


def words(text: str) -> str:
    return " ".join(text.split())


def article(payload: Payload) -> str:
    return f"articles/h-{payload.key}/{PUBLISHED}-{payload.key}"


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_the_markdown_holds_each_payload_escaped(site, payload):
    md = markdown_of(site, article(payload) + ".md")
    if fits(payload, 300):
        assert md.startswith(f"# {payload.markdown}\n")
    if fits(payload, 200):
        assert f"[{payload.markdown}](../../sources/h-{payload.key}.md) · {PUBLISHED} · " in md
        assert f" · {payload.markdown} · [original article]" in md


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_the_article_page_shows_each_payload_as_text(site, payload):
    html = html_of(site, article(payload))
    shown = words(page_text(html))
    # Bodies are Markdown, reduced to their words (links keep their text, never their target);
    # whatever is left, HTML included, is shown character for character.
    for paragraph in payload.visible.split("\n\n"):
        if fits(payload, 300):
            assert words(paragraph) in shown
        assert words(markdown_to_text(paragraph)) in shown


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if fits(p, 200)], ids=lambda p: p.key)
def test_registry_text_is_shown_as_text(site, payload):
    source_page = words(page_text(html_of(site, f"sources/h-{payload.key}")))
    assert source_page.count(words(payload.visible)) >= 3  # name, ownership, notes
    vocabulary = markdown_of(site, "vocabulary.md")
    assert f"## {payload.markdown}\n" in vocabulary  # the term's concept
    assert f"- **{payload.markdown}**: tends to be used by other\n" in vocabulary  # its variant
    assert f"| [{payload.markdown}](sources/h-{payload.key}.md) | other |" in vocabulary


def test_live_blog_headings_stay_text_and_anchors_stay_plain(site):
    soup = BeautifulSoup(html_of(site, LIVEBLOG.removesuffix(".md")), "html.parser")
    headings = soup.select("article h2")
    shown = [words(h.get_text().replace("\u200b", "").removesuffix("¶")) for h in headings]
    expected = [p.visible for p in PAYLOADS if fits(p, 300)]
    assert len(shown) == len(expected)
    for heading, text in zip(shown, expected, strict=True):
        # Headings are Markdown too: marks may go, leaving the words; nothing else changes.
        assert heading in (words(text), words(markdown_to_text(text)))
    assert all(re.fullmatch(r"[a-z0-9-]+", str(h["id"])) for h in headings)


def test_no_page_holds_anything_that_runs_or_loads(site):
    pages = sorted((site / "site").rglob("*.html"))
    theme = {  # the theme's own scripts, from the two pages that hold no content
        theme_script(script)
        for page in (site / "site" / "404.html", site / "site" / "search" / "index.html")
        for script in BeautifulSoup(page.read_text("utf-8"), "html.parser").find_all("script")
    }
    findings = {
        page.relative_to(site / "site").as_posix(): found
        for page in pages
        if (found := html_findings(page.read_text(encoding="utf-8"), theme))
    }
    assert len(pages) > len(PAYLOADS) * 2
    assert findings == {}


@pytest.mark.parametrize("n", range(1, len(HOSTILE_URLS) + 1))
def test_an_address_that_would_break_out_never_becomes_a_link(site, n):
    md = markdown_of(site, f"articles/h-urls/{PUBLISHED}-address-{n}.md")
    assert "original article" not in md
    assert "attacker.invalid" not in md


def test_the_feed_holds_titles_as_plain_text(site):
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(site / "site" / "data" / "feed.xml").getroot()
    assert {e.get("type") for e in feed.iter()} == {None}  # text constructs, never HTML
    entries = feed.findall(f"{atom}entry")
    assert len(entries) >= 2
    for entry in entries:
        href = str(entry.find(f"{atom}link").get("href")).removeprefix("../")
        h1 = BeautifulSoup(html_of(site, href), "html.parser").select_one("article h1")
        assert words(h1.get_text().replace("\u200b", "").removesuffix("¶")) == words(
            entry.findtext(f"{atom}title")
        )


def test_the_data_files_are_valid_json(site):
    files = sorted((site / "site" / "data").glob("*.json"))
    assert files
    for path in files:
        json.loads(path.read_text(encoding="utf-8"))


def test_escaping_is_what_the_fixtures_say():
    # The fixtures' `markdown` is written out by hand; this keeps them honest.
    assert [escape_block(p.text) for p in PAYLOADS] == [p.markdown for p in PAYLOADS]


@pytest.mark.parametrize(
    ("html", "finding"),
    [
        (
            "<script>alert(1)</script>",
            "a script the theme does not make: <script>alert(1)</script>",
        ),
        ('<img src="x" onerror="y">', "an event handler: <img onerror='y'>"),
        ('<a href=" Java\tScript:x">', "a javascript: URL: <a href>"),
        ('<iframe src="data:text/html,x">', "a data: URL: <iframe src>"),
        (
            '<img src="https://cdn.example/x.png">',
            "a load from another host: <img 'https://cdn.example/x.png'>",
        ),
        (
            '<link rel="stylesheet" href="//cdn.example/x.css">',
            "a load from another host: <link '//cdn.example/x.css'>",
        ),
        ('<p title="PXHOSTILE">', "content in an attribute: <p title='PXHOSTILE'>"),
        ("<style>PXHOSTILE{}</style>", "content inside <style>"),
    ],
)
def test_the_html_check_finds_each_kind_of_attack(html, finding):
    assert finding in html_findings(html, set())


def test_the_readme_lists_every_payload():
    readme = (Path(__file__).parent / "README.md").read_text(encoding="utf-8")
    assert [p.key for p in PAYLOADS if f"| `{p.key}` |" not in readme] == []
