"""The importer with hostile captures: files land in content/articles/ only, as files check
can read, and an existing file is never overwritten or half-written (#7).
tests/test_importer.py covers bad --source keys, --force and a failing os.link."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from parallax.importer import import_feed, import_files
from parallax.ingest import parse_article
from parallax.model import Registries
from parallax.placement import ImportOptions
from tests.hostile.payloads import PAYLOADS

REGISTRIES = Registries()
BODY = "\n\nTen people were injured in Kyiv on Thursday, officials said.\n"
TITLES = [p.text for p in PAYLOADS if "\n" not in p.text] + [
    "../../../etc/passwd",
    "/etc/passwd",
    "C:\\Windows\\system32",
    "CON",
    "..",
    "Strike\x00on Kyiv",
    "x" * 5_000,
]
DEST = "articles/todo/undated-strike-on-kyiv.md"


def capture(tmp_path: Path, title: str = "Strike on Kyiv") -> Path:
    path = tmp_path / "capture.txt"
    path.write_text(title + BODY, encoding="utf-8")
    return path


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("title", TITLES, ids=range(len(TITLES)))
def test_a_hostile_title_gives_a_plain_file_name_and_a_readable_file(content_dir, tmp_path, title):
    (report,), problems = import_files(
        [capture(tmp_path, title)], ImportOptions(), content_dir, REGISTRIES
    )
    assert (report.status, problems) == ("created", ())
    assert files_under(tmp_path) == [
        "capture.txt",
        f"project/content/{report.dest_path}",
        "project/content/sources.yml",
    ]
    text = (content_dir / report.dest_path).read_text(encoding="utf-8")
    article, found = parse_article(report.dest_path, text, report.dest_path, REGISTRIES)
    # Only what the contributor still has to fill in: the TODO source and date, which also
    # name the file (articles/todo/undated-...), never a front-matter error.
    assert article is None
    assert {(p.field, p.message.split(" ")[0]) for p in found if p.is_error} == {
        ("", "the"),
        ("source", "still"),
        ("published", "still"),
    }


@pytest.mark.parametrize("force", [False, True])
def test_a_link_planted_at_the_destination_is_never_written_through(content_dir, tmp_path, force):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (content_dir / "articles" / "todo").mkdir()
    (content_dir / DEST).symlink_to(victim)
    options = ImportOptions(force=force)
    (report,), _ = import_files([capture(tmp_path)], options, content_dir, REGISTRIES)
    assert (report.status, report.reason) == (
        "skipped",
        "the file name would leave content/articles",
    )
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_a_folder_link_at_the_destination_is_never_written_through(content_dir, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (content_dir / "articles" / "todo").symlink_to(tmp_path / "elsewhere")
    (report,), _ = import_files([capture(tmp_path)], ImportOptions(), content_dir, REGISTRIES)
    assert (report.status, report.reason) == (
        "skipped",
        "the file name would leave content/articles",
    )
    assert list((tmp_path / "elsewhere").iterdir()) == []


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_an_interrupted_overwrite_leaves_the_old_file_whole(
    content_dir, tmp_path, monkeypatch, step
):
    old = "---\ntitle: edited by hand\n---\nA contributor's work.\n"
    (content_dir / "articles" / "todo").mkdir()
    (content_dir / DEST).write_text(old, encoding="utf-8")

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, step, interrupt)
    with pytest.raises(KeyboardInterrupt):
        import_files([capture(tmp_path)], ImportOptions(force=True), content_dir, REGISTRIES)
    monkeypatch.undo()
    assert files_under(content_dir / "articles") == ["todo/undated-strike-on-kyiv.md"]
    assert (content_dir / DEST).read_text(encoding="utf-8") == old


class _HalfWriter:
    """A file that takes half of what it is given, then is interrupted."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def write(self, text: str) -> int:
        self._handle.write(text[: len(text) // 2])
        raise KeyboardInterrupt

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _HalfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


@pytest.mark.parametrize("step", ["write", "fsync", "link"])
def test_an_interrupted_new_file_leaves_nothing(content_dir, tmp_path, monkeypatch, step):
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    real_fdopen = os.fdopen
    if step == "write":
        monkeypatch.setattr(os, "fdopen", lambda *a, **k: _HalfWriter(real_fdopen(*a, **k)))
    else:
        monkeypatch.setattr(os, step, interrupt)
    with pytest.raises(KeyboardInterrupt):
        import_files([capture(tmp_path)], ImportOptions(), content_dir, REGISTRIES)
    monkeypatch.undo()
    assert files_under(content_dir / "articles") == []


def test_a_source_key_with_a_final_newline_is_refused(content_dir, tmp_path):
    (report,), _ = import_files(
        [capture(tmp_path)], ImportOptions(source="cnn\n"), content_dir, REGISTRIES
    )
    assert report.status == "skipped"
    assert files_under(content_dir / "articles") == []


LAUGHS_FEED = """\
<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY l0 "lollollollollollollollollollol">
{levels}
<!ENTITY xxe SYSTEM "file://{secret}">
]>
<rss version="2.0"><channel><title>T</title><link>https://cnn.com/</link>
<item><title>&l9;</title><link>https://cnn.com/a</link>
<description>&xxe; Ten people were injured, officials said.</description></item>
</channel></rss>
"""


def test_a_feed_with_billion_laughs_and_an_external_entity_expands_neither(content_dir, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET_TOKEN_123\n", encoding="utf-8")
    levels = "\n".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    feed = tmp_path / "feed.xml"
    feed.write_text(LAUGHS_FEED.format(levels=levels, secret=secret), encoding="utf-8")
    (report,), _ = import_feed(str(feed), ImportOptions(), content_dir, REGISTRIES)
    text = (content_dir / report.dest_path).read_text(encoding="utf-8")
    assert "SECRET_TOKEN" not in text and "lollol" not in text
    assert len(text) < 1_000


SAVED_PAGE = """\
<!doctype html><html><head><title>Strike on Kyiv injures ten</title>
<script>alert('PXHOSTILE')</script><style>body{x:url(https://attacker.invalid/a)}</style>
</head><body><article><h1>Strike on Kyiv injures ten</h1>
<p>Ten people were injured in Kyiv on Thursday, officials said.
<img src=x onerror="alert('PXHOSTILE')"></p><script>alert('PXHOSTILE')</script>
<p>The mayor said <a href="javascript:alert('PXHOSTILE')">rescue teams</a> were at the scene
and more than 20 buildings were damaged.</p><iframe src="https://attacker.invalid/f"></iframe>
<p>Air defence shot down 3 missiles over the city, the military said on Thursday morning.</p>
</article></body></html>
"""


def test_a_saved_page_keeps_its_words_and_drops_scripts_handlers_and_targets(content_dir, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(SAVED_PAGE, encoding="utf-8")
    (report,), _ = import_files([page], ImportOptions(), content_dir, REGISTRIES)
    body = (content_dir / report.dest_path).read_text(encoding="utf-8").split("---\n", 2)[2]
    assert "The mayor said rescue teams were at the scene" in body
    assert [w for w in ("PXHOSTILE", "attacker.invalid", "javascript", "<") if w in body] == []
