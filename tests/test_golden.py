"""Golden test: the generated site_src/ of the fixture analysis, byte for byte.

`pytest --update-golden` (or PARALLAX_UPDATE_GOLDEN=1) rewrites tests/golden/site/ from the
current output; the reviewer reads that diff in the pull request.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from parallax.render import make_environment, render_site
from tests.conftest import broken_links
from tests.conftest_golden import build_fixture_site, site_analysis, wants_golden_update

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "site"


def rendered() -> dict[str, str]:
    env = make_environment(REPO / "templates")
    return {p.dest_path: p.text for p in render_site(env, site_analysis(), "Parallax")}


def golden() -> dict[str, str]:
    files = sorted(p for p in GOLDEN.rglob("*") if p.is_file())
    return {p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8") for p in files}


def write_golden(pages: dict[str, str]) -> None:
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for dest, text in pages.items():
        path = GOLDEN / dest
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


def diff(expected: dict[str, str], actual: dict[str, str]) -> str:
    lines: list[str] = []
    for dest in sorted(expected.keys() | actual.keys()):
        old, new = expected.get(dest, ""), actual.get(dest, "")
        if old != new:
            lines += difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                f"golden/site/{dest}",
                f"rendered/{dest}",
            )
    return "".join(lines)


def test_the_fixture_site_matches_the_golden_files(request):
    pages = rendered()
    if wants_golden_update(request.config):
        write_golden(pages)
    changes = diff(golden(), pages)
    assert not changes, "rendered pages differ (pytest --update-golden to accept):\n" + changes


@pytest.mark.slow
def test_the_fixture_site_builds_strict_with_mkdocs(tmp_path):
    root = build_fixture_site(tmp_path / "project", search=False)
    story = (root / "site" / "stories" / "veresk-dam" / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(story, "html.parser")
    assert len(soup.select(".px-outlets")[0].select(".px-outlet")) == 3
    assert soup.select_one("[data-pagefind-body]") is not None
    assert soup.find("link", type="application/atom+xml")["href"] == "../../data/feed.xml"
    assert soup.find("form", role="search")["action"] == "../../search/"
    assert (root / "site" / "data" / "claims.json").is_file()
    assert broken_links(root / "site") == []
