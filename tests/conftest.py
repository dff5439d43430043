"""Shared fixtures: a factory that writes small articles, and a tiny project around them."""

from __future__ import annotations

import itertools
import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

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


def interrupt_at(
    step: int, when: str, real: Callable[..., Any] = os.replace, calls: Any = None
) -> Callable[..., None]:
    """`real` (os.replace) raising KeyboardInterrupt before or after its `step`-th call;
    wrappers given one `calls` (an itertools.count) count their calls together."""
    calls = itertools.count() if calls is None else calls

    def call(*args: Any, **kwargs: Any) -> None:
        n = next(calls)
        if n == step and when == "before":
            raise KeyboardInterrupt
        real(*args, **kwargs)
        if n == step and when == "after":
            raise KeyboardInterrupt

    return call


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root` and its bytes, to compare folders exactly."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# A link between the built pages: the page it is on, its href, the file it reaches (a page's
# folder stands for its index.html) and its anchor ("" for none).
SiteLink = tuple[Path, str, Path, str]


def _site_links(site: Path) -> tuple[dict[Path, set[str]], list[SiteLink]]:
    """The ids on each built page of `site`, and every link between its pages."""
    site = site.resolve()
    soups = {
        p: BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser") for p in site.rglob("*.html")
    }
    ids = {p: {str(tag["id"]) for tag in soup.find_all(id=True)} for p, soup in soups.items()}
    links = []
    for page, soup in soups.items():
        for anchor in soup.find_all("a", href=True):
            href = str(anchor["href"])
            if "://" in href or href.startswith(("mailto:", "javascript:")):
                continue
            path, _, fragment = href.partition("#")
            base = site if path.startswith("/") else page.parent  # 404.html links from the root
            target = (base / path.lstrip("/")).resolve() if path else page
            # a page is its folder: a link to it ends in "/" (or is "." or "..")
            if target.is_dir() and (path.endswith("/") or path.rpartition("/")[2] in (".", "..")):
                target = target / "index.html"
            links.append((page, href, target, fragment))
    return ids, links


def broken_links(site: Path) -> list[str]:
    """Every link between the built pages whose page or anchor is missing. MkDocs checks the
    links it finds in Markdown; those in the parts of a page written as HTML are checked
    only by the build's `render.check_links`, and their anchors only here."""
    ids, links = _site_links(site)
    broken = []
    for page, href, target, fragment in links:
        where = f"{page.relative_to(site.resolve())}: {href}"
        if not target.is_file():
            broken.append(where)
        elif fragment and target.suffix == ".html" and fragment not in ids[target]:
            broken.append(where + " (no such anchor)")
    return broken


def linked_pages(site: Path) -> set[str]:
    """Every page of `site` some built page links to, as its folder relative to the site."""
    root = site.resolve()
    return {
        target.parent.relative_to(root).as_posix()
        for _, _, target, _ in _site_links(site)[1]
        if target.name == "index.html" and target.is_relative_to(root)
    }
