"""Shared fixtures: a factory that writes small articles, and a tiny project around them."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

# The --update-golden option and the hand-written analysed corpus of the page tests.
pytest_plugins = ("tests.conftest_golden",)

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

SOURCES = """\
ap:
  name: The Associated Press
  domain: apnews.com
  country: US
  group: western
cnn:
  name: CNN
  domain: cnn.com
  country: US
  group: western
tass:
  name: TASS
  domain: tass.com
  country: RU
  group: russian-state
"""


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """An empty content folder with a small sources registry."""
    root = tmp_path / "project" / "content"
    (root / "articles").mkdir(parents=True)
    (root / "sources.yml").write_text(SOURCES, encoding="utf-8")
    return root


WriteArticle = Callable[[str, str], Path]


@pytest.fixture
def write_article(content_dir: Path) -> WriteArticle:
    """write_article("cnn/2023-06-01-x.md", text): dedent `text`, write it under articles/."""

    def write(name: str, text: str) -> Path:
        path = content_dir / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def project(content_dir: Path) -> Path:
    """A project folder: the repository's mkdocs.yml, templates and hand-written pages."""
    root = content_dir.parent
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "site_src", root / "site_src", ignore=_generated_only)
    return root


def _generated_only(folder: str, names: list[str]) -> list[str]:
    from parallax.publish import GENERATED

    return [n for n in names if Path(folder).name == "site_src" and n in GENERATED]


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root` and its bytes, to compare folders exactly."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
