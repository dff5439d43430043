"""URLs compared as the duplicate checks compare them (`domains.normal_url`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parallax.domains import _parsed_normal_url, normal_url

URLS = [
    "https://www.example.org/news/2024/05/31/story",
    "http://example.org/news/story/",
    "https://Example.ORG/News/Story",
    "https://WWW.example.org",
    "https://example.org",
    "https://example.org/",
    "https://example.org//a//",
    " https://example.org/a \n",
    "https://example.org/a?utm_source=x&id=3",
    "https://example.org/a?utm_source=x",
    "https://example.org/a#section",
    "https://example.org:8080/a",
    "https://user@example.org/a",
    "https://example.org/a%20b",
    "https://example.org/a b",
    "HTTPS://example.org/a",
    "ftp://example.org/a",
    "https://exa\tmple.org/a",
    "https://www.example.org/a?",
    "https://example.org/caf\u00e9",
    "not a url",
    "",
]


@pytest.mark.parametrize("url", URLS)
def test_a_plain_url_reads_as_the_parse_reads_it(url):
    assert normal_url(url) == _parsed_normal_url(url)


def test_plain_urls_compare_equal_across_scheme_host_case_and_trailing_slash():
    same = {
        normal_url(u)
        for u in (
            "https://www.example.org/a/b",
            "http://example.org/a/b/",
            "https://EXAMPLE.org/a/b",
            "https://example.org/a/b?utm_campaign=z",
            "https://example.org/a/b#top",
        )
    }
    assert same == {"example.org/a/b"}
    assert normal_url("https://example.org/A/b") != normal_url("https://example.org/a/b")


_URL_PART = st.text(alphabet="aZ09.-_~/:?#&=@% \t", max_size=12)


@given(
    st.sampled_from(["http://", "https://", "HTTP://", "", " https://"]),
    st.sampled_from(["example.org", "www.Example.org", "a-b.c", "", "x:1", "u@h"]),
    _URL_PART,
)
def test_any_url_reads_as_the_parse_reads_it(scheme, host, rest):
    url = scheme + host + rest
    assert normal_url(url) == _parsed_normal_url(url)
