"""The page cache (#9): pages reused from site_src/ leave it byte for byte as a clean build."""

from __future__ import annotations

from pathlib import Path

import pytest

from parallax import page_cache
from parallax.page_cache import PageCache
from tests.conftest import tree_bytes
from tests.test_cache import add_article, build, make_project

FIRST = "articles/dailyherald/2022-09-01-grossi-frontline.md"


@pytest.fixture
def at_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path (messages name paths relative to the working directory)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return tmp_path


@pytest.fixture
def hits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many pages each build reused, in order."""
    counted: list[int] = []
    save = PageCache.save

    def counting(self: PageCache, pages: object) -> None:
        counted.append(self.hits)
        save(self, pages)  # type: ignore[arg-type]

    monkeypatch.setattr(page_cache.PageCache, "save", counting)
    return counted


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / "content" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CHANGES = {
    "add": add_article,
    "change": lambda root: _edit(root, FIRST, "Grossi", "Rafael Grossi"),
    "delete": lambda root: (root / "content" / FIRST).unlink(),
    "template": lambda root: _edit(root, "../templates/article.md.j2", "# ", "# Article: "),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_cached_build_after_a_change_equals_a_clean_build(at_home, hits, change):
    cached = make_project(at_home / "cached")
    build(cached, use_cache=True)
    build(cached, use_cache=True)
    CHANGES[change](cached)
    build(cached, use_cache=True)
    clean = make_project(at_home / "clean")
    CHANGES[change](clean)
    build(clean, use_cache=False)
    assert tree_bytes(cached / "site_src") == tree_bytes(clean / "site_src")
    first, unchanged, changed = hits
    assert first == 0 and unchanged > 100  # every page but the data files
    assert 0 < changed < unchanged if change != "template" else changed < unchanged - 60


def test_a_published_page_edited_by_hand_is_rendered_again(at_home, hits):
    root = make_project(at_home / "project")
    build(root, use_cache=True)
    page = root / "site_src" / FIRST
    rendered = page.read_bytes()
    page.write_bytes(rendered.replace(b"Grossi", b"Somebody"))
    build(root, use_cache=True)
    assert page.read_bytes() == rendered
    page.unlink()
    build(root, use_cache=True)
    assert page.read_bytes() == rendered
    assert hits[1] == hits[2]  # the one page is rendered again, the others reused


def test_no_cache_reads_and_writes_no_manifest(at_home, hits):
    root = make_project(at_home / "project")
    build(root, use_cache=False)
    assert hits == [] and not (root / ".cache").exists()
