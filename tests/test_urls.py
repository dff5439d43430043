"""The site's URLs: where MkDocs publishes each page, and links written in a page's HTML parts."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parallax.urls import (
    html_page_link,
    page_link,
    relative,
    served_href,
    site_files,
    site_url,
)

PAGES = [
    "index.md",
    "coverage.md",
    "stories/index.md",
    "stories/veresk-dam.md",
    "articles/tass/2024-03-04-x.md",
    "articles/kyivpost/2024-03-05-live-veresk.md",
    "sources/tass.md",
    "actors/index.md",
    "data/index.md",
    "data/feed.xml",
]


@pytest.mark.parametrize(
    ("dest", "anchor", "url"),
    [
        ("index.md", None, ""),
        ("stories/index.md", None, "stories/"),
        ("stories/veresk-dam.md", "event-x", "stories/veresk-dam/#event-x"),
        ("articles/tass/2024-03-04-x.md", "s-2", "articles/tass/2024-03-04-x/#s-2"),
        ("data/feed.xml", None, "data/feed.xml"),
    ],
)
def test_site_urls_follow_mkdocs_directory_urls(dest, anchor, url):
    assert site_url(dest, anchor) == url


@pytest.mark.parametrize(
    ("from_dest", "href", "served"),
    [
        ("stories/veresk-dam.md", "../articles/tass/a.md#s-2", "../../articles/tass/a/#s-2"),
        ("stories/veresk-dam.md", "../sources/tass.md", "../../sources/tass/"),
        ("stories/veresk-dam.md", "index.md", "../"),
        ("stories/veresk-dam.md", "../index.md", "../../"),
        ("stories/veresk-dam.md", "#event-x", "#event-x"),
        ("stories/index.md", "veresk-dam.md", "veresk-dam/"),
        ("index.md", "stories/veresk-dam.md#e", "stories/veresk-dam/#e"),
        ("coverage.md", "data/feed.xml", "../data/feed.xml"),
        ("stories/veresk-dam.md", "veresk-dam.md", "./"),
        ("coverage.md", "stories/index.md", "../stories/"),
        ("stories/index.md", "../actors/index.md#a", "../actors/#a"),
        ("data/index.md", "feed.xml", "feed.xml"),
        ("index.md", "data/feed.xml", "data/feed.xml"),
    ],
)
def test_a_link_in_html_is_the_one_mkdocs_makes_of_it(from_dest, href, served):
    assert served_href(from_dest, href) == served


@given(
    st.sampled_from(PAGES),
    st.sampled_from(PAGES),
    st.one_of(st.none(), st.sampled_from(["s-1", "event-x", "item-a-s-0"])),
)
def test_a_served_link_reaches_the_page_it_was_made_for(from_dest, to_dest, anchor):
    if to_dest.endswith(".xml"):
        anchor = None
    href = served_href(from_dest, relative(from_dest, to_dest, anchor))
    path, _, fragment = href.partition("#")
    # a browser resolves the link against the folder of the page it is on
    reached = posixpath.normpath(posixpath.join("/", site_url(from_dest), path))
    expected = posixpath.normpath(posixpath.join("/", site_url(to_dest)))
    if not path:  # a bare #anchor stays on the page
        reached = posixpath.normpath(posixpath.join("/", site_url(from_dest)))
    assert reached == expected
    assert (fragment or None) == anchor


def test_page_links_refuse_anything_but_site_paths():
    assert (
        page_link("A <b>", "../articles/cnn/x.md#s-3") == "[A &lt;b&gt;](../articles/cnn/x.md#s-3)"
    )
    assert html_page_link("A <b>", "../articles/cnn/x.md#s-3", "stories/s.md") == (
        '<a href="../../articles/cnn/x/#s-3">A &lt;b&gt;</a>'
    )
    for href in ("javascript:alert(1)", "../../etc//passwd", "https://evil.example/x.md"):
        with pytest.raises(ValueError):
            page_link("x", href)
        with pytest.raises(ValueError):
            html_page_link("x", href, "stories/s.md")


@pytest.mark.parametrize("dest", PAGES)
def test_a_published_url_leads_back_to_its_file(dest):
    url = site_url(dest)
    href = url or "./"  # the link a page at the root makes to it
    assert dest in site_files(posixpath.normpath(url or "."), href)
