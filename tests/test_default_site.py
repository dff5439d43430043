"""The default content: it checks clean, builds, and builds byte-identically twice."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from parallax.cli import main
from tests.conftest import broken_links, linked_pages, tree_bytes
from tests.test_cli import copy_default_content


def test_the_default_content_has_no_problems(tmp_path, monkeypatch):
    root = copy_default_content(tmp_path)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", "--strict"])
    assert result.exit_code == 0, result.output


def test_broken_copies_of_the_default_content_are_each_named(tmp_path, monkeypatch):
    root = copy_default_content(tmp_path)
    monkeypatch.chdir(root)
    articles = sorted((root / "content" / "articles").rglob("*.md"))
    edits = [("source: ", "source: x"), ("published: 20", "published: 19-"), ("title:", "title: [")]
    for path, (old, new) in zip(articles, edits, strict=False):
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    named = {
        line.split(":")[0] for line in result.output.splitlines() if line.startswith("content/")
    }
    assert named == {p.relative_to(root).as_posix() for p in articles[:3]}


def test_an_override_is_reported_only_once_the_files_it_may_name_load(tmp_path, monkeypatch):
    root = copy_default_content(tmp_path)
    monkeypatch.chdir(root)
    overrides = root / "content" / "overrides.yml"
    rule = "- action: retitle\n  story: no-such-story\n  title: T\n  reason: A test.\n"
    overrides.write_text(rule, encoding="utf-8")
    article = sorted((root / "content" / "articles").rglob("*.md"))[0]
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("source: ", "source: x", 1), encoding="utf-8")
    broken = CliRunner().invoke(main, ["check"])
    assert broken.exit_code == 1
    assert "overrides.yml" not in broken.output and article.name in broken.output
    article.write_text(text, encoding="utf-8")
    fixed = CliRunner().invoke(main, ["check"])
    assert fixed.exit_code == 1
    assert 'content/overrides.yml:1: story: no story "no-such-story" to retitle' in fixed.output


@pytest.mark.slow
def test_the_default_site_builds_and_links_every_article(tmp_path, monkeypatch):
    root = copy_default_content(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    result = CliRunner().invoke(main, ["--strict"])
    assert result.exit_code == 0, result.output
    first = tree_bytes(root / "site_src")
    assert (root / "site" / "index.html").is_file()
    linked = linked_pages(root / "site")
    assert broken_links(root / "site") == []
    for article in sorted((root / "content" / "articles").rglob("*.md")):
        slug = article.relative_to(root / "content").with_suffix("").as_posix()
        assert (root / "site" / slug / "index.html").is_file()
        assert slug in linked, slug
    shutil.rmtree(root / "site")
    result = CliRunner().invoke(main, ["--strict"])
    assert result.exit_code == 0, result.output
    assert tree_bytes(root / "site_src") == first
