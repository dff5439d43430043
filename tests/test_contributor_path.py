"""A new contributor's path, as they would walk it: import a raw capture, fix what the
importer left, check, build, and find the article on its story page and its own page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result

from parallax.cli import main

TITLE = "Strike cuts power to thousands of homes near Kharkiv"
CAPTURE = f"""\
{TITLE}
By Jane Doe, CNN
Share
Russian forces struck an energy facility in the Kharkiv region overnight, the regional \
governor said on Friday.
Two workers were injured and power was cut to about 3,000 homes, he said.
Repair crews began work after the air-raid alert ended.
"""
IMPORTED = "content/articles/cnn/undated-strike-cuts-power-to-thousands-of-homes-near-kharkiv.md"
FIXED = "content/articles/cnn/2024-05-31-strike-cuts-power-to-thousands-of-homes-near-kharkiv.md"
LEAD = "Russian forces struck an energy facility in the Kharkiv region overnight"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["-q", *args])


@pytest.fixture
def workdir(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1717200000")  # 2024-06-01
    (project / "capture.txt").write_text(CAPTURE, encoding="utf-8")
    return project


def import_capture() -> str:
    result = run("import", "capture.txt", "--source", "cnn")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "  TODO: published"
    return Path(IMPORTED).read_text(encoding="utf-8")


def fix_the_draft(text: str) -> None:
    """What the contributor does: fill the TODO, move the byline, drop the noise, rename."""
    text = text.replace("published: TODO", "published: 2024-05-31\nauthor: Jane Doe")
    text = text.replace("By Jane Doe, CNN\n\nShare\n\n", "")
    Path(FIXED).write_text(text, encoding="utf-8")
    Path(IMPORTED).unlink()


def test_check_names_what_the_importer_left(workdir):
    import_capture()
    result = run("check")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{IMPORTED}:1: the file is not at articles/<source>/<YYYY-MM-DD>-<slug>.md",
        "  hint: name it like articles/cnn/2023-06-01-kyiv-strike.md: lowercase letters, "
        "digits and hyphens, at most 120 characters",
        f"{IMPORTED}:4: published: still marked TODO by the importer",
        "  hint: write the publication date unquoted in YYYY-MM-DD form",
        "2 errors, 0 warnings in 1 file",
    ]


def link_to(page: Path, text: str, site: Path) -> Path:
    """Follow the link with this text, as a reader would click it."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    link = soup.find("a", string=re.compile(re.escape(text)))
    assert link is not None, f"no link {text!r} on {page.relative_to(site)}"
    target = (page.parent / str(link["href"])).resolve()
    return target / "index.html" if target.is_dir() else target


@pytest.mark.slow
def test_imported_article_reaches_its_story_page(workdir):
    fix_the_draft(import_capture())
    checked = run("check", "--strict")
    assert (checked.exit_code, checked.stdout) == (0, ""), checked.output
    built = run("build", "--strict")
    assert built.exit_code == 0, built.output
    site = workdir / "site"
    story = link_to(site / "index.html", TITLE, site)
    assert story.parent.parent.name == "stories"
    story_text = story.read_text(encoding="utf-8")
    assert LEAD in story_text and "By Jane Doe" not in story_text
    article = link_to(story, TITLE, site)
    assert article.relative_to(site).parts[:2] == ("articles", "cnn")
    assert LEAD in article.read_text(encoding="utf-8")


def test_a_second_copy_fails_the_strict_pull_request_check(workdir):
    fix_the_draft(import_capture())
    copy = Path(FIXED).read_text(encoding="utf-8").replace("cnn", "ap").replace("CNN", "AP")
    Path("content/articles/ap").mkdir()
    Path("content/articles/ap/2024-06-01-power-cut.md").write_text(
        copy.replace("2024-05-31", "2024-06-01"), encoding="utf-8"
    )
    assert run("check").exit_code == 0  # a warning alone does not fail a local check
    result = run("check", "--strict", "--format", "github")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "::warning file=content/articles/ap/2024-06-01-power-cut.md,line=1,title=body::nearly "
        f"the same text as {FIXED} (100%25 similar)%0Ahint: if it republishes the cnn article, "
        'add "syndicated_from: cnn"; otherwise remove the copy',
        "0 errors, 1 warning in 1 file (--strict: warnings count as errors)",
    ]


@pytest.mark.parametrize("address", ["8000", "127.0.0.1:http", "127.0.0.1:70000"])
def test_serve_rejects_a_bad_address_as_usage(workdir, address):
    result = run("serve", "-a", address)
    assert result.exit_code == 2
    assert "expected IP:PORT such as 127.0.0.1:8000" in result.stderr
