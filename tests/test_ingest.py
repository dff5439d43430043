"""Loading and validating content: every broken input gets its own exact message."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from parallax import ingest
from parallax.config import Settings
from parallax.ingest import decode_text, load_corpus
from parallax.problems import format_problem, sort_problems

GOOD = """\
---
title: Strike on Kyiv
source: cnn
published: 2023-06-01
url: https://cnn.com/a
---
Ten people were injured, officials said.
"""


def messages(content_dir: Path, settings: Settings | None = None) -> list[str]:
    os.chdir(content_dir.parent)
    _, problems = load_corpus(content_dir, settings or Settings())
    return [format_problem(p) for p in sort_problems(problems)]


def test_a_valid_article_is_loaded_with_its_fields(content_dir, write_article):
    write_article("cnn/2023-06-01-strike.md", GOOD)
    corpus, problems = load_corpus(content_dir, Settings())
    assert problems == ()
    (article,) = corpus.articles
    assert article.id == "articles/cnn/2023-06-01-strike"
    assert article.path == "articles/cnn/2023-06-01-strike.md"
    assert (article.source, article.title, article.published) == (
        "cnn",
        "Strike on Kyiv",
        dt.date(2023, 6, 1),
    )
    assert (article.kind, article.language, article.body_line) == ("article", "en", 7)
    assert article.body == "Ten people were injured, officials said.\n"


def test_a_date_time_keeps_the_day_and_the_moment(content_dir, write_article):
    write_article("cnn/2023-06-01-strike.md", GOOD.replace("2023-06-01", "2023-06-01T08:30:00Z"))
    corpus, _ = load_corpus(content_dir, Settings())
    assert corpus.articles[0].published == dt.date(2023, 6, 1)
    assert corpus.articles[0].published_at == "2023-06-01T08:30:00+00:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace("source: cnn", "source: cn"),
            'content/articles/cnn/2023-06-01-x.md:3: source: unknown source "cn"\n'
            '  hint: did you mean "cnn"? Known sources are listed in content/sources.yml',
        ),
        (
            GOOD.replace("published: 2023-06-01", "published: June 1st"),
            "content/articles/cnn/2023-06-01-x.md:4: published: expected a date like 2024-05-01, "
            'got "June 1st"\n  hint: write the date unquoted in YYYY-MM-DD form',
        ),
        (
            GOOD.replace("published: 2023-06-01", "published: 2023-02-30"),
            "content/articles/cnn/2023-06-01-x.md:4: published: not a real date: day is out of "
            "range for month\n  hint: check that the date exists, in YYYY-MM-DD form",
        ),
        (
            GOOD.replace("title: Strike on Kyiv\n", ""),
            "content/articles/cnn/2023-06-01-x.md:2: title: missing required field\n"
            "  hint: add a line for it to the front matter",
        ),
        (
            GOOD.replace("title: Strike on Kyiv", "title: [Strike"),
            "content/articles/cnn/2023-06-01-x.md:3: front matter: invalid YAML: did not find "
            "expected ',' or ']' (while parsing a flow sequence that starts on line 2)\n"
            "  hint: check the indentation and quote values that contain a colon or start with "
            "a quote",
        ),
        (
            GOOD.replace("---\nTen", "Ten"),
            "content/articles/cnn/2023-06-01-x.md:1: front matter: the front matter has no "
            "closing '---'\n  hint: add a line '---' after the last field, before the article "
            "text",
        ),
        (
            GOOD.replace("title: Strike on Kyiv", "title: 12"),
            "content/articles/cnn/2023-06-01-x.md:2: title: expected a string, got 12",
        ),
        (
            GOOD.replace("url: https://cnn.com/a", "url: javascript:alert(1)"),
            'content/articles/cnn/2023-06-01-x.md:5: url: "javascript:alert(1)" is not in the '
            "expected form\n  hint: write the full address, starting with https://",
        ),
        (
            GOOD.replace("source: cnn", "source: TODO"),
            "content/articles/cnn/2023-06-01-x.md:3: source: still marked TODO by the importer\n"
            "  hint: write the outlet's key from content/sources.yml",
        ),
        (
            "title: x\n",
            "content/articles/cnn/2023-06-01-x.md:1: front matter: the file does not start with "
            "a front-matter line '---'\n  hint: start the file with '---', then the fields "
            "(title, source, published), then '---'",
        ),
    ],
    ids=[
        "unknown-source",
        "bad-date",
        "impossible-date",
        "missing-title",
        "broken-yaml",
        "unclosed",
        "wrong-type",
        "unsafe-url",
        "todo",
        "no-front-matter",
    ],
)
def test_each_broken_article_gets_its_own_message(content_dir, write_article, text, expected):
    write_article("cnn/2023-06-01-x.md", text)
    assert messages(content_dir) == [expected]


def test_the_same_url_in_two_files_names_the_first(content_dir, write_article):
    write_article("cnn/2023-06-01-a.md", GOOD)
    write_article(
        "cnn/2023-06-01-b.md", GOOD.replace("https://cnn.com/a", "https://www.CNN.com/a/")
    )
    assert messages(content_dir) == [
        "content/articles/cnn/2023-06-01-b.md:1: url: the same URL as "
        "content/articles/cnn/2023-06-01-a.md\n"
        "  hint: each article is imported once: remove the copy, or correct the URL"
    ]


def test_bytes_that_are_not_utf8_are_located(content_dir, write_article):
    path = write_article("cnn/2023-06-01-x.md", GOOD)
    path.write_bytes(GOOD.encode().replace(b"Kyiv", b"Ky\xffv"))
    assert messages(content_dir) == [
        "content/articles/cnn/2023-06-01-x.md:2: not UTF-8 text (byte 0xff at offset 23)\n"
        "  hint: re-save the file with UTF-8 encoding"
    ]


def test_a_file_in_the_wrong_folder_or_badly_named_is_reported(content_dir, write_article):
    write_article("tass/2023-06-01-x.md", GOOD)
    write_article("cnn/Strike.md", GOOD.replace("cnn.com/a", "cnn.com/b"))
    assert messages(content_dir) == [
        "content/articles/cnn/Strike.md:1: the file is not at "
        "articles/<source>/<YYYY-MM-DD>-<slug>.md\n"
        "  hint: name it like articles/cnn/2023-06-01-kyiv-strike.md: lowercase letters, "
        "digits and hyphens, at most 120 characters",
        'content/articles/tass/2023-06-01-x.md:3: source: the file is in the folder of "tass" '
        'but says source "cnn"\n  hint: move the file to articles/cnn/ or correct the source',
    ]


def test_an_unknown_field_is_a_warning_with_the_closest_name(content_dir, write_article):
    write_article("cnn/2023-06-01-x.md", GOOD.replace("url:", "ulr:"))
    corpus, _ = load_corpus(content_dir, Settings())
    assert len(corpus.articles) == 1
    assert messages(content_dir) == [
        "content/articles/cnn/2023-06-01-x.md:5: ulr: unknown field (warning)\n"
        '  hint: did you mean "url"?'
    ]


def test_every_problem_of_the_run_is_collected(content_dir, write_article):
    write_article("cnn/2023-06-01-a.md", GOOD.replace("source: cnn", "source: cn"))
    write_article("cnn/2023-06-01-b.md", GOOD.replace("2023-06-01\n", "someday\n"))
    write_article("cnn/2023-06-01-c.md", GOOD.replace("title: Strike", "title: [Strike"))
    write_article("cnn/2023-06-01-d.md", GOOD.replace("cnn.com/a", "cnn.com/d"))
    corpus, problems = load_corpus(content_dir, Settings())
    assert [a.slug for a in corpus.articles] == ["2023-06-01-d"]
    assert [p.source.path.rsplit("/", 1)[1] for p in sort_problems(problems)] == [
        "2023-06-01-a.md",
        "2023-06-01-b.md",
        "2023-06-01-c.md",
    ]


def test_aliases_in_front_matter_are_refused(content_dir, write_article):
    write_article(
        "cnn/2023-06-01-x.md",
        GOOD.replace("title: Strike on Kyiv", "title: &a Strike\ntags: [*a, *a]"),
    )
    assert messages(content_dir) == [
        "content/articles/cnn/2023-06-01-x.md:3: front matter: aliases (*name) are not allowed\n"
        "  hint: write the value out in full instead of referring to an anchor"
    ]


def test_a_file_over_the_size_limit_is_refused(content_dir, write_article):
    path = write_article("cnn/2023-06-01-x.md", GOOD + "word " * 400)
    size = path.stat().st_size
    assert messages(content_dir, Settings(max_file_bytes=1000)) == [
        f"content/articles/cnn/2023-06-01-x.md:1: the file is {size:,} bytes, over the limit of "
        "1,000\n  hint: split it, or raise extra.digest.max_file_bytes"
    ]


def test_a_symlink_out_of_the_content_folder_is_refused(content_dir, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text(GOOD, encoding="utf-8")
    (content_dir / "articles" / "cnn").mkdir()
    (content_dir / "articles" / "cnn" / "2023-06-01-x.md").symlink_to(outside)
    corpus, _ = load_corpus(content_dir, Settings())
    assert corpus.articles == ()
    assert messages(content_dir) == [
        "content/articles/cnn/2023-06-01-x.md:1: a symbolic link that points outside the "
        "content folder\n  hint: replace the link with the file itself"
    ]


def test_crlf_is_read_as_lf_and_a_bom_is_a_warning():
    text, problems = decode_text(b"\xef\xbb\xbf---\r\ntitle: x\r\n", "a.md")
    assert text == "---\ntitle: x\n"
    assert [format_problem(p) for p in problems] == [
        "a.md:1: the file starts with a byte-order mark (warning)\n"
        "  hint: save the file as UTF-8 without BOM"
    ]


@pytest.mark.parametrize(
    ("registry", "expected"),
    [
        (
            "cnn:\n  name: CNN\n  domain: cnn.com\n  country: usa\n  group: western\n",
            'content/sources.yml:4: cnn.country: "usa" is not in the expected form\n'
            "  hint: use the ISO 3166 two-letter code in capitals, such as RU, UA or US",
        ),
        (
            "cnn:\n  name: CNN\n  country: US\n  group: western\n",
            "content/sources.yml:1: cnn.domain: missing required field\n"
            "  hint: add a line for it to the front matter",
        ),
        (
            "CNN News:\n  name: CNN\n  domain: cnn.com\n  country: US\n  group: western\n",
            'content/sources.yml:1: CNN News: "CNN News" is not a valid key\n'
            "  hint: keys are lowercase letters, digits, '-' or '_'",
        ),
    ],
)
def test_registry_entries_are_validated_at_their_line(content_dir, registry, expected):
    (content_dir / "sources.yml").write_text(registry, encoding="utf-8")
    assert messages(content_dir) == [expected]


def test_a_source_since_date_is_read(content_dir):
    (content_dir / "sources.yml").write_text(
        "ap:\n  name: AP\n  domain: apnews.com\n  country: US\n  group: western\n"
        "  since: 1990-01-01\n",
        encoding="utf-8",
    )
    corpus, problems = load_corpus(content_dir, Settings())
    assert problems == ()
    assert corpus.registries.sources[0].since == dt.date(1990, 1, 1)


def test_a_reason_too_short_says_how_long_it_must_be(content_dir):
    (content_dir / "overrides.yml").write_text(
        "- action: exclude\n  items: [articles/cnn/2023-06-01-x]\n  reason: ok\n", encoding="utf-8"
    )
    assert messages(content_dir) == [
        "content/overrides.yml:3: 0.reason: must be at least 3 characters long"
    ]


def test_an_unreadable_sources_registry_is_the_one_error(content_dir, write_article):
    write_article("cnn/2023-06-01-strike.md", GOOD)
    (content_dir / "sources.yml").write_text("cnn: [unclosed\n", encoding="utf-8")
    terms = "kyiv:\n  concept: the capital\n  variants:\n    - {text: Kyiv, used_by: [western]}\n"
    (content_dir / "terms.yml").write_text(terms, encoding="utf-8")
    found = messages(content_dir)
    assert len(found) == 1 and found[0].startswith("content/sources.yml:")


def test_files_the_build_skips_under_articles_are_named(content_dir, write_article):
    write_article("cnn/2023-06-01-strike.md", GOOD)
    write_article("cnn/2023-06-02-draft.txt", GOOD)
    write_article("cnn/.gitkeep", "")
    (content_dir / "articles" / "cnn" / "2023-06-03-gone.md").symlink_to("nowhere.md")
    assert messages(content_dir) == [
        "content/articles/cnn/2023-06-02-draft.txt:1: not read: only .md files under articles/"
        " are articles (warning)\n"
        "  hint: rename it to .md if it is an article; raw captures belong in content/captures/",
        "content/articles/cnn/2023-06-03-gone.md:1: the link points to nothing (warning)\n"
        "  hint: remove it, or link to a file in content/",
    ]


def test_a_file_read_again_is_refused_when_it_became_a_link_out_of_the_folder(tmp_path):
    # The build cache reads again a file another process read (`BuildCache._read_again`).
    content = tmp_path / "content"
    (content / "articles" / "cnn").mkdir(parents=True)
    (tmp_path / "elsewhere.md").write_text("outside", encoding="utf-8")
    inside = content / "articles" / "cnn" / "2023-06-01-x.md"
    inside.write_text("inside", encoding="utf-8")
    rel = "articles/cnn/2023-06-01-x.md"
    file, problems = ingest.read_again(content, rel, "shown.md", Settings())
    assert file == (rel, "shown.md", b"inside") and problems == ()
    inside.unlink()
    inside.symlink_to(tmp_path / "elsewhere.md")
    file, problems = ingest.read_again(content, rel, "shown.md", Settings())
    assert file is None and "outside the content folder" in problems[0].message
