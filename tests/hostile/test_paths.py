"""Paths: no key, name or link in content/ makes the build read outside it or write outside
the generated folders. Writing is checked again in publish (tests/test_publish.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from parallax.urls import article_dest, source_dest
from tests.hostile.common import GOOD, load, messages

ARTICLE = "content/articles/cnn/2023-06-01-x.md"
LINK_OUT = (
    "a symbolic link that points outside the content folder\n"
    "  hint: replace the link with the file itself"
)
BAD_PLACE = (
    "the file is not at articles/<source>/<YYYY-MM-DD>-<slug>.md\n"
    "  hint: name it like articles/cnn/2023-06-01-kyiv-strike.md: lowercase letters, digits "
    "and hyphens, at most 120 characters"
)
SOURCE_FORM = (
    "  hint: a source key is lowercase letters, digits, '-' or '_', as in content/sources.yml"
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("../../etc", '"../../etc"'),
        ("/etc/passwd", '"/etc/passwd"'),
        ('"C:\\\\Windows"', '"C:\\\\Windows"'),
        ('"cnn\\0"', '"cnn\\u0000"'),
        ("cnn/../tass", '"cnn/../tass"'),
        ("x" * 65, '"' + "x" * 56 + '..."'),
    ],
    ids=["dot-dot", "absolute", "drive-letter", "nul", "traversal", "too-long"],
)
def test_a_source_key_that_is_a_path_is_refused(write_article, content_dir, value, shown):
    write_article("cnn/2023-06-01-x.md", GOOD.replace("source: cnn", f"source: {value}"))
    corpus, printed = load(content_dir)
    assert corpus.articles == ()
    assert printed == [f"{ARTICLE}:3: source: {shown} is not in the expected form\n{SOURCE_FORM}"]


@pytest.mark.parametrize("key", ["../evil", "/abs", "C:", "a/b"])
def test_a_registry_key_that_is_a_path_is_refused(content_dir, key):
    entry = f'"{key}":\n  name: X\n  domain: x.org\n  country: US\n  group: other\n'
    (content_dir / "sources.yml").write_text(entry, encoding="utf-8")
    assert messages(content_dir) == [
        f'content/sources.yml:1: {key}: "{key}" is not a valid key\n'
        "  hint: keys are lowercase letters, digits, '-' or '_'"
    ]


@pytest.mark.parametrize(
    "name",
    [
        "cnn/2023-06-01-" + "x" * 110 + ".md",  # longer than 120 characters
        "cnn/2023-06-01-Strike.md",
        "cnn/2023-06-01-a b.md",
        "cnn/2023-06-01-..md",
        "cnn/2023-06-01-x.md.md",
        "cnn/sub/2023-06-01-x.md",
        "2023-06-01-x.md",
    ],
    ids=["long", "capitals", "space", "dots", "double-suffix", "too-deep", "no-folder"],
)
def test_a_file_name_outside_the_pattern_is_refused(write_article, content_dir, name):
    write_article(name, GOOD)
    corpus, printed = load(content_dir)
    assert corpus.articles == ()
    assert printed == [f"content/articles/{name}:1: {BAD_PLACE}"]


def test_names_that_differ_only_in_case_are_refused(write_article, content_dir):
    write_article("cnn/2023-06-01-x.md", GOOD)
    write_article("CNN/2023-06-01-x.md", GOOD.replace("cnn.com/a", "cnn.com/b"))
    assert messages(content_dir) == [
        'content/articles/CNN/2023-06-01-x.md:3: source: the file is in the folder of "CNN" '
        'but says source "cnn"\n  hint: move the file to articles/cnn/ or correct the source',
        f"{ARTICLE}:1: the name differs only in case from articles/CNN/2023-06-01-x.md\n"
        "  hint: such names collide on case-insensitive file systems: rename one of them",
    ]


def link(at: Path, target: Path | str) -> Path:
    at.parent.mkdir(parents=True, exist_ok=True)
    at.symlink_to(target)
    return at


def test_a_symlinked_folder_out_of_content_is_refused(content_dir, tmp_path):
    (tmp_path / "elsewhere" / "cnn").mkdir(parents=True)
    (tmp_path / "elsewhere" / "cnn" / "2023-06-01-x.md").write_text(GOOD, encoding="utf-8")
    link(content_dir / "articles" / "cnn", tmp_path / "elsewhere" / "cnn")
    corpus, printed = load(content_dir)
    assert corpus.articles == ()
    assert printed == [f"content/articles/cnn:1: {LINK_OUT}"]


def test_an_articles_folder_linked_out_of_content_is_refused(content_dir, tmp_path):
    (tmp_path / "elsewhere" / "cnn").mkdir(parents=True)
    (tmp_path / "elsewhere" / "cnn" / "2023-06-01-x.md").write_text(GOOD, encoding="utf-8")
    (content_dir / "articles").rmdir()
    link(content_dir / "articles", tmp_path / "elsewhere")
    corpus, printed = load(content_dir)
    assert corpus.articles == ()
    assert printed == [f"content/articles:1: {LINK_OUT}"]


@pytest.mark.parametrize("name", ["sources.yml", "actors.yml", "terms.yml", "overrides.yml"])
def test_a_registry_linked_out_of_content_is_refused_unread(content_dir, tmp_path, name):
    secret = tmp_path / "secret.yml"
    secret.write_text("SECRET_TOKEN_123: hunter2\n", encoding="utf-8")
    (content_dir / name).unlink(missing_ok=True)
    link(content_dir / name, secret)
    printed = messages(content_dir)
    assert f"content/{name}:1: {LINK_OUT}" in printed
    assert not any("SECRET" in line or "hunter2" in line for line in printed)


@pytest.mark.parametrize("target", ["/dev/zero", "/etc/passwd", "/"])
def test_links_to_system_files_are_refused(write_article, content_dir, target):
    link(content_dir / "articles" / "cnn" / "2023-06-01-x.md", target)
    assert messages(content_dir) == [f"{ARTICLE}:1: {LINK_OUT}"]


def test_a_link_loop_is_reported_not_a_crash(content_dir):
    link(content_dir / "articles" / "cnn" / "2023-06-01-x.md", "2023-06-01-x.md")
    assert messages(content_dir) == [
        f"{ARTICLE}:1: a symbolic link that loops back on itself\n"
        "  hint: replace the link with the file itself"
    ]


def test_a_linked_folder_inside_articles_is_not_followed(write_article, content_dir):
    # Decided: its files are read once, at their real place, never again through the link.
    write_article("cnn/2023-06-01-x.md", GOOD)
    link(content_dir / "articles" / "tass", content_dir / "articles" / "cnn")
    corpus, printed = load(content_dir)
    assert printed == [
        "content/articles/tass:1: a linked folder is not read (warning)\n"
        "  hint: move its files here instead of linking"
    ]
    assert [a.id for a in corpus.articles] == ["articles/cnn/2023-06-01-x"]


def test_a_linked_file_inside_articles_is_read_as_a_copy(write_article, content_dir):
    # Decided: a link to a file inside is read like a file; the copy is caught like any copy.
    write_article("cnn/2023-06-01-x.md", GOOD)
    link(content_dir / "articles" / "cnn" / "2023-06-01-y.md", "2023-06-01-x.md")
    assert messages(content_dir) == [
        "content/articles/cnn/2023-06-01-y.md:1: url: the same URL as "
        f"{ARTICLE}\n  hint: each article is imported once: remove the copy, or correct the URL"
    ]


def test_a_named_pipe_is_skipped_without_blocking(write_article, content_dir):
    write_article("cnn/2023-06-01-x.md", GOOD)
    os.mkfifo(content_dir / "articles" / "cnn" / "2023-06-01-y.md")
    corpus, printed = load(content_dir)
    assert printed == [
        "content/articles/cnn/2023-06-01-y.md:1: not read: not a regular file (warning)\n"
        "  hint: replace it with the article's file"
    ]
    assert [a.slug for a in corpus.articles] == ["2023-06-01-x"]


@pytest.mark.parametrize(
    "key", ["../../etc", "/abs", "C:\\x", "a\x00b", "..", "CON", "x" * 300, "a/../../b"]
)
def test_page_paths_from_hostile_ids_stay_in_their_folder(key):
    for dest in (source_dest(key), article_dest(f"articles/{key}/2023-06-01-x")):
        parts = dest.split("/")
        assert parts[0] in ("sources", "articles")
        assert all(p and p not in (".", "..") and "\\" not in p and ":" not in p for p in parts)
        assert "\x00" not in dest
        assert len(dest) < 240


@pytest.mark.parametrize(
    ("key", "shown"),
    [("cnn\\n", '"cnn\\n"'), ("cnn\\t", '"cnn\\t"'), ("cnn\\u202e", '"cnn\\u202e"')],
)
def test_a_key_with_a_line_break_or_invisible_character_is_refused(content_dir, key, shown):
    # "cnn\n" passed the schema's $-anchored pattern, then broke the build as a page path.
    entry = f'"{key}":\n  name: CNN\n  domain: cnn.com\n  country: US\n  group: western\n'
    (content_dir / "sources.yml").write_text(entry, encoding="utf-8")
    assert messages(content_dir) == [
        f"content/sources.yml:1: the key {shown} contains a line break or an invisible "
        "character\n  hint: keys are plain names: write the key without it"
    ]


@pytest.mark.slow
def test_a_project_folder_with_yaml_characters_in_its_name_builds(tmp_path, monkeypatch):
    from tests.test_interrupt import build, make_project

    root = make_project(tmp_path / "site #1: draft" / "project")
    monkeypatch.chdir(root)
    assert build(root).published
    assert (root / "site" / "index.html").is_file()
