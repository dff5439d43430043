"""Publishing is all or nothing: a failure at any point leaves site_src/ and site/ as they were."""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from parallax import publish as publish_module
from parallax.model import RenderedPage, Reused
from parallax.problems import BuildError
from parallax.publish import (
    GENERATED,
    ORPHAN_AGE,
    OWN_CONFIG,
    STAGING_DIR,
    CopySource,
    ShortRun,
    file_stamp,
    join_pieces,
    publish,
    remove_orphans,
    spill_folder,
    write_pages,
)
from tests.conftest import interrupt_at, tree_bytes


def page(dest: str, text: str = "# Page\n", template: str = "t.md.j2") -> RenderedPage:
    return RenderedPage(dest, text, template)


@pytest.mark.parametrize(
    "dest",
    [
        "../escape.md",
        "/etc/passwd",
        "articles/../../x.md",
        "articles/./../../x.md",
        "",
        ".",
        "notes.md",
        "articles\\x.md",
        "articles/x\x00.md",
        "C:/x.md",
        "articles/" + "x" * 300 + ".md",
    ],
)
def test_pages_outside_the_generated_folders_are_refused(tmp_path, dest):
    with pytest.raises(BuildError, match="refusing to write outside the generated folders"):
        write_pages([page(dest)], tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_two_pages_for_one_path_name_both_templates(tmp_path):
    with pytest.raises(BuildError) as caught:
        write_pages(
            [page("articles/a.md", template="one"), page("articles/A.md", template="two")], tmp_path
        )
    assert str(caught.value) == (
        "two pages would be written to site_src/articles/A.md: from one and from two"
    )


def test_stale_generated_pages_go_and_hand_written_pages_stay(project):
    site_src = project / "site_src"
    (site_src / "articles" / "old").mkdir(parents=True)
    (site_src / "articles" / "old" / "gone.md").write_text("old", encoding="utf-8")
    publish(
        [page("index.md", "# New\n")],
        project / "mkdocs.yml",
        site_src,
        project / "site",
        run_site=False,
    )
    assert not (site_src / "articles").exists()
    assert (site_src / "index.md").read_text(encoding="utf-8") == "# New\n"
    assert (site_src / "about.md").is_file()
    assert not (project / "site").exists()


@pytest.fixture(params=["in chunks", "a thread task per page"])
def writers(request, monkeypatch):
    """Pages are written by threads, a chunk of pages per task (`publish.WRITE_CHUNK`)."""
    if request.param == "a thread task per page":
        monkeypatch.setattr(publish_module, "WRITE_CHUNK", 1)


def test_pages_are_each_written_in_full_by_the_writing_threads(tmp_path, monkeypatch):
    monkeypatch.setattr(publish_module, "WRITE_CHUNK", 7)  # 43 tasks for four threads
    pages = [page(f"articles/{n % 5}/p{n}.md", f"# Page {n}\n" * (n % 13 + 1)) for n in range(300)]
    write_pages(pages, tmp_path)
    assert tree_bytes(tmp_path) == {p.dest_path: p.text.encode() for p in pages}


def test_only_a_few_chunks_of_pages_wait_for_the_writing_threads(tmp_path, monkeypatch):
    # The bytes of every new page of a large site are not all held at once (#9).
    monkeypatch.setattr(publish_module, "WRITE_CHUNK", 2)
    monkeypatch.setattr(publish_module, "WAITING_CHUNKS", 3)
    lock = threading.Lock()
    counts = {"encoded": 0, "written": 0, "most": 0}
    kept, write_all = publish_module._kept, publish_module._write_all

    def encoding(*args):
        data = kept(*args)
        with lock:
            counts["encoded"] += 1
            counts["most"] = max(counts["most"], counts["encoded"] - counts["written"])
        return data

    def slowly(chunk):
        time.sleep(0.005)  # a disk slower than this thread
        written = write_all(chunk)
        with lock:
            counts["written"] += len(chunk)
        return written

    monkeypatch.setattr(publish_module, "_kept", encoding)
    monkeypatch.setattr(publish_module, "_write_all", slowly)
    pages = [page(f"articles/p{n}.md", f"# Page {n}\n") for n in range(100)]
    stamps = write_pages(pages, tmp_path)
    assert tree_bytes(tmp_path) == {p.dest_path: p.text.encode() for p in pages}
    assert stamps == {p.dest_path: file_stamp(tmp_path / p.dest_path) for p in pages}
    # Three chunks waiting, one handed over as the oldest is awaited, one being filled.
    assert counts["most"] <= 5 * 2


def test_a_page_that_cannot_be_written_fails_the_write(tmp_path, monkeypatch):
    monkeypatch.setattr(publish_module, "WRITE_CHUNK", 3)
    (tmp_path / "articles" / "p11.md").mkdir(parents=True)  # a folder where a page goes
    with pytest.raises(IsADirectoryError):
        write_pages([page(f"articles/p{n}.md") for n in range(20)], tmp_path)


def kept(abs_site_src: Path, dest: str, text: str) -> RenderedPage:
    """The page the page cache makes of a published page it checked: no text."""
    stamp = file_stamp(abs_site_src / dest)
    assert stamp is not None
    sha256 = hashlib.sha256(text.encode()).hexdigest()
    return RenderedPage(dest, "", "t.md.j2", reused=Reused(stamp, sha256))


def _publish(project: Path, pages: list[RenderedPage]) -> None:
    publish(pages, project / "mkdocs.yml", project / "site_src", project / "site", run_site=False)


@pytest.mark.parametrize("reused", [False, True])
def test_unchanged_pages_are_kept_and_changed_ones_written(project, reused, writers):
    # `reused`: the page cache checked the published page and kept it, without its text.
    site_src = project / "site_src"
    _publish(project, [page("articles/same.md", "# Same\n"), page("articles/edit.md", "# Old\n")])
    same, edit = (os.stat(site_src / "articles" / n) for n in ("same.md", "edit.md"))
    # A link in a generated folder is never followed: its page is written afresh.
    about = site_src / "about.md"
    (site_src / "articles" / "link.md").symlink_to(about)
    text = about.read_text(encoding="utf-8")
    _publish(
        project,
        [
            kept(site_src, "articles/same.md", "# Same\n")
            if reused
            else page("articles/same.md", "# Same\n"),
            page("articles/edit.md", "# New\n"),
            page("articles/link.md", text),
        ],
    )
    assert os.stat(site_src / "articles" / "same.md").st_ino == same.st_ino
    assert (site_src / "articles" / "same.md").read_text(encoding="utf-8") == "# Same\n"
    assert os.stat(site_src / "articles" / "edit.md").st_ino != edit.st_ino
    assert (site_src / "articles" / "edit.md").read_text(encoding="utf-8") == "# New\n"
    link = site_src / "articles" / "link.md"
    assert not link.is_symlink() and link.stat().st_ino != about.stat().st_ino


def test_a_kept_page_that_cannot_be_linked_is_copied(project, monkeypatch):
    site_src = project / "site_src"
    _publish(project, [page("articles/same.md", "# Same\n")])
    monkeypatch.setattr(publish_module, "_link", lambda old, new: False)  # no hard links
    _publish(project, [kept(site_src, "articles/same.md", "# Same\n")])
    assert (site_src / "articles" / "same.md").read_text(encoding="utf-8") == "# Same\n"


def test_a_kept_page_changed_during_the_build_stops_the_publish(project):
    site_src = project / "site_src"
    _publish(project, [page("articles/same.md", "# Same\n"), page("articles/b.md", "# B\n")])
    pages = [kept(site_src, "articles/same.md", "# Same\n"), page("articles/b.md", "# New B\n")]
    # An editor, or a second build, writes into the file after the page cache checked it.
    (site_src / "articles" / "same.md").write_text("# Edited\n", encoding="utf-8")
    before = tree_bytes(site_src)
    with pytest.raises(BuildError, match=r"site_src/articles/same\.md changed while the site"):
        _publish(project, pages)
    assert tree_bytes(site_src) == before


@pytest.mark.parametrize("way", ["in place", "linked", "copied"])
def test_data_files_spilled_by_a_worker_are_published_as_written(project, monkeypatch, way):
    site_src = project / "site_src"
    _publish(project, [page("data/same.json", "{}\n"), page("data/new.json", "[1]\n")])
    same, folder = os.stat(site_src / "data" / "same.json"), os.stat(site_src / "data")
    if way != "in place":  # the whole generated part swapped, as with the site
        monkeypatch.setattr(publish_module, "IN_PLACE_KEPT", 2.0)
    if way == "copied":
        monkeypatch.setattr(publish_module, "_link", lambda old, new: False)  # no hard links
    with spill_folder(project / "mkdocs.yml", site_src) as spill:
        pages = [
            spill.page(page("data/same.json", "{}\n")),
            spill.page(page("data/new.json", "[2]\n")),
        ]
        assert [p.text for p in pages] == ["", ""]
        # The unchanged file is found in site_src/; the changed one is written to the spill.
        kept, new = (p.reused for p in pages)
        assert kept is not None and kept.abs_path is None
        assert new is not None and new.abs_path and Path(new.abs_path).parent == spill.abs_dir
        stamps = publish(pages, project / "mkdocs.yml", site_src, project / "site", run_site=False)
    assert not spill.abs_dir.exists()
    assert (site_src / "data" / "same.json").read_text(encoding="utf-8") == "{}\n"
    assert (site_src / "data" / "new.json").read_text(encoding="utf-8") == "[2]\n"
    assert (os.stat(site_src / "data" / "same.json").st_ino == same.st_ino) is (way != "copied")
    # In place, the folder stays; the whole swap puts a new one in.
    assert (os.stat(site_src / "data").st_ino == folder.st_ino) is (way == "in place")
    # The stamps the page cache's manifest records are those of the published files.
    assert stamps == {p.dest_path: file_stamp(site_src / p.dest_path) for p in pages}


# --- data files copied in part from the published ones (`Spill.pieces`) -------------------

OLD = b'{"claims": [\n{"id": 1},\n{"id": 2},\n{"id": 3}\n]}\n'


def _source(path: Path, data: bytes = OLD) -> CopySource:
    path.write_bytes(data)
    stamp = file_stamp(path)
    assert stamp is not None
    source = CopySource.open_trusted(str(path), stamp, "not checked: the stamp holds")
    assert source is not None
    return source


def _run(of: bytes) -> tuple[int, int]:
    start = OLD.index(of)
    return start, start + len(of)


@pytest.mark.parametrize("kernel", [True, False])
def test_a_data_file_made_of_runs_of_the_published_one_holds_their_bytes(
    project, monkeypatch, kernel
):
    if not kernel:  # a file system the kernel cannot copy between: read and written

        def refused(*args: object) -> int:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(os, "copy_file_range", refused)
    site_src = project / "site_src"
    _publish(project, [page("data/claims.json", OLD.decode())])
    source = _source(project / "old.json")
    pieces = [b'{"claims": [\n', _run(b'{"id": 1},\n{"id": 2}'), b',\n{"id": 9}', b"\n]}\n"]
    expected = b'{"claims": [\n{"id": 1},\n{"id": 2},\n{"id": 9}\n]}\n'
    with spill_folder(project / "mkdocs.yml", site_src) as spill:
        made = spill.pieces("data/claims.json", "exports", pieces, source)
        assert made.text == "" and made.reused is not None and made.reused.abs_path
        assert Path(made.reused.abs_path).read_bytes() == expected
        assert made.reused.sha256 == hashlib.sha256(expected).hexdigest()
        assert made.reused.stamp == file_stamp(made.reused.abs_path)
        publish([made], project / "mkdocs.yml", site_src, project / "site", run_site=False)
    assert (site_src / "data" / "claims.json").read_bytes() == expected


def test_a_data_file_made_of_runs_and_as_published_is_kept(project):
    site_src = project / "site_src"
    _publish(project, [page("data/claims.json", OLD.decode())])
    published = os.stat(site_src / "data" / "claims.json")
    source = _source(project / "old.json")
    with spill_folder(project / "mkdocs.yml", site_src) as spill:
        # The same size as the published file: put together and compared.
        kept = spill.pieces("data/claims.json", "exports", [(0, len(OLD))], source)
        assert kept.reused is not None and kept.reused.abs_path is None
        assert kept.reused.stamp[1] == published.st_ino
        # The same size, other bytes: written.
        other = [b"[" + OLD[1:-2], (len(OLD) - 2, len(OLD))]
        written = spill.pieces("data/claims.json", "exports", other, source)
        assert written.reused is not None and written.reused.abs_path
        assert Path(written.reused.abs_path).read_bytes() == b"[" + OLD[1:]


def test_a_run_past_the_end_of_a_file_cut_short_since_it_was_opened_is_refused(project):
    source = _source(project / "old.json")
    (project / "old.json").write_bytes(OLD[:10])  # the same file, cut short
    with spill_folder(project / "mkdocs.yml", project / "site_src") as spill:
        with pytest.raises(ShortRun):
            spill.pieces("data/claims.json", "exports", [b"[", _run(b'{"id": 3}')], source)
        with pytest.raises(ShortRun):
            join_pieces([_run(b'{"id": 3}')], source)


def test_a_file_to_copy_from_is_trusted_on_its_stamp_or_else_its_bytes(project, tmp_path):
    path = tmp_path / "old.json"
    path.write_bytes(OLD)
    stamp = file_stamp(path)
    assert stamp is not None
    right, wrong = hashlib.sha256(OLD).hexdigest(), hashlib.sha256(b"other").hexdigest()
    assert CopySource.open_trusted(str(path), stamp, wrong) is not None
    moved = (stamp[0], stamp[1], stamp[2], stamp[3] + 1)  # touched, or restored from a cache
    assert CopySource.open_trusted(str(path), moved, right) is not None
    assert CopySource.open_trusted(str(path), moved, wrong) is None
    link = tmp_path / "link.json"
    link.symlink_to(path)
    assert CopySource.open_trusted(str(link), moved, right) is None  # never through a link
    assert CopySource.open_trusted(str(tmp_path / "gone.json"), stamp, right) is None


# --- publishing in place: without the site, when most pages are kept ----------------------

FIRST = {
    "index.md": "# Home\n",
    "articles/a.md": "# A\n",
    "articles/b.md": "# B\n",
    "articles/c.md": "# C\n",
    "articles/d.md": "# D\n",
    "stories/s.md": "# S\n",
    "events/e.md": "# E\n",  # its page goes, and its folder with it
}


def _second_pages(site_src: Path) -> list[RenderedPage]:
    """A build with one article added: most pages kept, one changed, one gone, and a page in
    a folder that is not there yet."""
    same = ("articles/a.md", "articles/b.md", "articles/c.md", "stories/s.md")
    return [
        *(kept(site_src, dest, FIRST[dest]) for dest in same),
        page("articles/d.md", FIRST["articles/d.md"]),  # unchanged, rendered again
        page("index.md", "# Home, again\n"),
        page("articles/f.md", "# F\n"),
        page("sources/n.md", "# N\n"),
    ]


def _folders(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir())


def _leftovers(project: Path) -> list[str]:
    staging = project / STAGING_DIR
    return sorted(p.name for p in staging.iterdir()) if staging.exists() else []


def test_publishing_in_place_swaps_only_the_files_that_change(project):
    site_src = project / "site_src"
    _publish(project, [page(dest, text) for dest, text in FIRST.items()])
    hand_written = {
        k: v for k, v in tree_bytes(site_src).items() if k.split("/")[0] not in GENERATED
    }
    before = {dest: os.stat(site_src / dest).st_ino for dest in FIRST}
    folder = os.stat(site_src / "articles").st_ino
    pages = _second_pages(site_src)
    stamps = publish(pages, project / "mkdocs.yml", site_src, project / "site", run_site=False)
    expected = {
        **{d: FIRST[d] for d in ("articles/a.md", "articles/b.md", "articles/c.md")},
        "articles/d.md": "# D\n",
        "articles/f.md": "# F\n",
        "index.md": "# Home, again\n",
        "sources/n.md": "# N\n",
        "stories/s.md": "# S\n",
    }
    assert tree_bytes(site_src) == {
        **hand_written,
        **{dest: text.encode() for dest, text in expected.items()},
    }
    assert "events" not in _folders(site_src)
    # Unchanged files were left where they were, rendered again or not; the others are new.
    unchanged = ("articles/a.md", "articles/b.md", "articles/c.md", "articles/d.md", "stories/s.md")
    assert all(os.stat(site_src / dest).st_ino == before[dest] for dest in unchanged)
    # In place: the folders stay (the whole swap would have put new ones in).
    assert os.stat(site_src / "articles").st_ino == folder
    assert os.stat(site_src / "index.md").st_ino != before["index.md"]
    # Each stamp is of the file as it is published: the page cache's manifest records them.
    assert stamps == {p.dest_path: file_stamp(site_src / p.dest_path) for p in pages}
    assert _leftovers(project) == []


def test_publishing_in_place_gives_what_the_whole_swap_gives(project, tmp_path, monkeypatch):
    site_src = project / "site_src"
    _publish(project, [page(dest, text) for dest, text in FIRST.items()])
    other = shutil.copytree(project, tmp_path / "other", symlinks=True)
    _publish(project, _second_pages(site_src))
    monkeypatch.setattr(publish_module, "IN_PLACE_KEPT", 2.0)  # never in place
    _publish(other, _second_pages(other / "site_src"))
    assert tree_bytes(site_src) == tree_bytes(other / "site_src")
    assert _folders(site_src) == _folders(other / "site_src")


def test_a_link_in_the_generated_folders_is_replaced_even_when_most_pages_are_kept(project):
    site_src = project / "site_src"
    _publish(project, [page(dest, text) for dest, text in FIRST.items()])
    (site_src / "events" / "e.md").unlink()
    (site_src / "events" / "e.md").symlink_to(site_src / "about.md")
    _publish(project, [*_second_pages(site_src), page("events/e.md", "# E\n")])
    link = site_src / "events" / "e.md"
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "# E\n"


# What publishing in place does to site_src/: links and renames, folders made and removed.
SWAP_CALLS = ("link", "replace", "mkdir", "rmdir")


@pytest.mark.parametrize("when", ["before", "after"])
def test_an_interrupt_at_any_step_of_publishing_in_place_rolls_back(project, tmp_path, when):
    _publish(project, [page(dest, text) for dest, text in FIRST.items()])
    steps: list[str] = []
    served: list[bool] = []  # whether index.md, which is replaced, is there after each step

    def counting(name: str) -> Any:
        real = getattr(os, name)

        def call(*args: Any, **kwargs: Any) -> None:
            named = args[1] if name in ("link", "replace") else args[0]
            steps.append(f"{name} {Path(str(named)).name}")
            real(*args, **kwargs)
            served.append((counted / "site_src" / "index.md").exists())

        return call

    counted = shutil.copytree(project, tmp_path / "count", symlinks=True)
    pages = _second_pages(counted / "site_src")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(publish_module, "_swap_files", _swapping(counting))
        _publish(counted, pages)
    # Folders for what goes aside (in the staging folder); index.md linked aside (it is
    # replaced) and events/e.md moved aside (it goes); index.md, f.md, then sources/ and
    # n.md in; events/ out.
    assert steps == [
        *("mkdir previous", "mkdir events", "link index.md", "replace e.md"),
        *("replace index.md", "replace f.md", "mkdir sources", "replace n.md", "rmdir events"),
    ]
    assert all(served)  # a replaced page is never missing, for `mkdocs serve`
    broken = []
    for step in range(len(steps)):
        root = shutil.copytree(project, tmp_path / f"{step}", symlinks=True)
        before = tree_bytes(root / "site_src"), _folders(root / "site_src")
        pages = _second_pages(root / "site_src")
        interrupting = functools.partial(_interrupting, step, when, itertools.count())
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(publish_module, "_swap_files", _swapping(interrupting))
            with pytest.raises(KeyboardInterrupt):
                _publish(root, pages)
        after = tree_bytes(root / "site_src"), _folders(root / "site_src")
        if after != before or _leftovers(root):
            broken.append(f"{when} {steps[step]}")
    assert broken == [], "\n".join(broken)


def _interrupting(step: int, when: str, calls: Any, name: str) -> Any:
    """os's `name`, interrupted at the `step`-th of the calls `calls` counts."""
    return interrupt_at(step, when, getattr(os, name), calls)


def _swapping(wrap: Any) -> Any:
    """`publish._swap_files` with `wrap(name)` in place of each of os's `SWAP_CALLS` while it
    runs forward; its rollback calls the real ones."""
    swap, real = publish_module._swap_files, publish_module._unswap_files

    def swap_files(*args: Any) -> None:
        saved = {name: getattr(os, name) for name in SWAP_CALLS}

        def unswap(*unswap_args: Any) -> None:
            for name, call in saved.items():
                setattr(os, name, call)
            real(*unswap_args)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(publish_module, "_unswap_files", unswap)
            for name in SWAP_CALLS:
                patch.setattr(os, name, wrap(name))
            swap(*args)

    return swap_files


def test_a_file_that_cannot_be_put_back_is_kept_and_named(project, monkeypatch):
    _publish(project, [page(dest, text) for dest, text in FIRST.items()])
    pages = _second_pages(project / "site_src")
    real = os.replace
    moves: list[str] = []

    def failing(src: Any, dst: Any) -> None:
        moves.append(str(dst))
        if len(moves) == 3:  # both files are aside and index.md is in: f.md fails to go in
            raise OSError("disk full")
        if str(src).endswith(f"previous{os.sep}index.md"):  # and index.md cannot go back
            raise PermissionError("read-only")
        real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(BuildError, match="1 published files could not be put back") as caught:
        _publish(project, pages)
    monkeypatch.undo()
    kept = Path(str(caught.value).split(" are kept in ")[1].split(", under")[0])
    assert (kept / "index.md").read_text(encoding="utf-8") == FIRST["index.md"]
    # The other file aside went back; nothing new stayed.
    assert (project / "site_src" / "events" / "e.md").exists()
    assert not (project / "site_src" / "articles" / "f.md").exists()


def test_a_folder_that_links_elsewhere_is_replaced_and_its_target_kept(project, tmp_path):
    site_src = project / "site_src"
    _publish(project, [page(dest, text) for dest, text in FIRST.items()])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "s.md").write_text("# S\n", encoding="utf-8")
    shutil.rmtree(site_src / "stories")
    (site_src / "stories").symlink_to(elsewhere, target_is_directory=True)
    _publish(
        project,
        [
            *_second_pages(site_src)[:3],
            *_second_pages(site_src)[4:],
            page("stories/s.md", "# S, again\n"),
        ],
    )
    assert not (site_src / "stories").is_symlink()
    assert (site_src / "stories" / "s.md").read_text(encoding="utf-8") == "# S, again\n"
    assert tree_bytes(elsewhere) == {"s.md": b"# S\n"}


def test_pages_that_are_each_others_folders_fail_and_change_nothing(project, monkeypatch):
    site_src = project / "site_src"
    _publish(project, [page(dest, text) for dest, text in FIRST.items()])
    before = tree_bytes(site_src), _folders(site_src)
    pages = [*_second_pages(site_src), page("sources/n.md/x.md", "# X\n")]
    with pytest.raises(OSError):
        _publish(project, pages)
    assert (tree_bytes(site_src), _folders(site_src)) == before
    assert _leftovers(project) == []


def test_a_spilled_data_file_gets_the_mode_of_a_written_page(project):
    site_src = project / "site_src"
    mask = os.umask(0o027)  # a private umask: group may read, others nothing
    try:
        with spill_folder(project / "mkdocs.yml", site_src) as spill:
            _publish(project, [spill.page(page("data/a.json", "[1]\n")), page("index.md")])
    finally:
        os.umask(mask)
    modes = {n: (site_src / n).stat().st_mode & 0o777 for n in ("data/a.json", "index.md")}
    assert modes == {"data/a.json": 0o640, "index.md": 0o640}


def test_a_spilled_file_changed_before_publishing_stops_the_publish(project, monkeypatch):
    site_src = project / "site_src"
    _publish(project, [page("data/a.json", "[1]\n")])
    before = tree_bytes(site_src)
    with spill_folder(project / "mkdocs.yml", site_src) as spill:
        spilled = spill.page(page("data/a.json", "[2]\n"))
        assert spilled.reused is not None and spilled.reused.abs_path is not None
        Path(spilled.reused.abs_path).write_text("[3]\n", encoding="utf-8")
        with pytest.raises(BuildError, match=r"-a\.json changed while the site was built"):
            _publish(project, [spilled])
    assert tree_bytes(site_src) == before


def test_what_a_killed_build_left_is_removed_and_nothing_else(project, tmp_path):
    # A build stopped by SIGKILL cannot remove its folders: the next build does, once
    # their process has ended and they have been left alone for an hour.
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()
    staging = project / STAGING_DIR
    staging.mkdir()
    old = time.time() - 2 * ORPHAN_AGE
    outside = tmp_path / "elsewhere"
    (outside / "keep").mkdir(parents=True)
    names = {
        f"run-{dead.pid}-abc123": "removed",
        f"spill-{dead.pid}-x_1": "removed",
        f"run-{os.getpid()}-alive1": "kept",  # its process runs
        f"spill-{dead.pid}-recent": "kept",  # touched within the hour
        f"spill-{dead.pid}-linked": "kept",  # a link is never followed nor removed
        "run-notes": "kept",  # not named for a process
        "run-99999999999-x": "kept",  # no process has such an id
        "run-\u0663\u0663\u0663-x": "kept",  # digits, but not the ASCII ones a build writes
    }
    for name in names:
        if name.endswith("-linked"):
            (staging / name).symlink_to(outside, target_is_directory=True)
            continue
        (staging / name / "docs").mkdir(parents=True)
        (staging / name / "docs" / "page.md").write_text("x", encoding="utf-8")
        if not name.endswith("-recent"):
            os.utime(staging / name, (old, old))
    config = project / f".parallax-mkdocs-{dead.pid}.yml"
    config.write_text("INHERIT: mkdocs.yml\n", encoding="utf-8")
    mine = project / f"run-{dead.pid}-notes"  # beside mkdocs.yml, only the config is ours
    mine.mkdir()
    for path in (config, mine):
        os.utime(path, (old, old))
    _publish(project, [page("index.md", "# Home\n")])
    assert sorted(p.name for p in staging.iterdir()) == sorted(
        n for n, fate in names.items() if fate == "kept"
    )
    assert (outside / "keep").is_dir()
    assert remove_orphans(project, OWN_CONFIG) == [config.name] and not config.exists()
    assert (project / "mkdocs.yml").is_file() and mine.is_dir()


MINIMAL_CONFIG = """\
site_name: Test
docs_dir: site_src
site_dir: site
theme:
  name: material
  font: false
plugins: []
"""


def _first_build(project: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """One good build with a config that needs no other generated page."""
    (project / "mkdocs.yml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    for name in ("methodology.md", "search.md"):
        (project / "site_src" / name).unlink(missing_ok=True)
    publish(
        [page("index.md", "# First\n")],
        project / "mkdocs.yml",
        project / "site_src",
        project / "site",
    )
    return tree_bytes(project / "site_src"), tree_bytes(project / "site")


@pytest.mark.slow
def test_a_failing_mkdocs_leaves_both_folders_as_they_were(project):
    before = _first_build(project)
    assert b"First" in before[1]["index.html"]
    bad_link = "# Second\n\n[broken](nowhere.md)\n"
    with pytest.raises(BuildError, match="mkdocs build --strict failed"):
        publish(
            [page("index.md", bad_link)],
            project / "mkdocs.yml",
            project / "site_src",
            project / "site",
        )
    assert (tree_bytes(project / "site_src"), tree_bytes(project / "site")) == before


@pytest.mark.slow
def test_an_interrupt_during_the_swap_rolls_back(project, monkeypatch):
    before = _first_build(project)
    real_replace = os.replace
    calls: list[object] = []

    def interrupted(src: object, dst: object) -> None:
        if Path(str(dst)) == project / "site" and not calls:
            calls.append(dst)  # the new site/ is about to go in: stop here, once
            raise KeyboardInterrupt
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(publish_module.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        publish(
            [page("index.md", "# Second\n")],
            project / "mkdocs.yml",
            project / "site_src",
            project / "site",
        )
    monkeypatch.undo()
    assert (tree_bytes(project / "site_src"), tree_bytes(project / "site")) == before


def test_a_spilled_data_file_is_handed_to_the_kernel_to_write_once_made(project, monkeypatch):
    # Published by a rename over the old file, which would otherwise wait for its blocks.
    started: list[tuple[int, int]] = []  # each file handed over: its inode, and its size then
    real = publish_module.start_writeback

    def noting(handle: int) -> bool:
        info = os.fstat(handle)
        started.append((info.st_ino, info.st_size))
        return real(handle)

    monkeypatch.setattr(publish_module, "start_writeback", noting)
    site_src = project / "site_src"
    _publish(project, [page("data/claims.json", OLD.decode())])
    source = _source(project / "old.json")
    with spill_folder(project / "mkdocs.yml", site_src) as spill:
        data = spill.page(page("data/a.json", "[1]\n"))
        runs = spill.pieces("data/claims.json", "exports", [b"[", _run(b'{"id": 3}')], source)
        made = [os.stat(str(p.reused.abs_path)) for p in (data, runs) if p.reused is not None]
    # Both ways a data file is made hand it over once it is written whole.
    assert started == [(info.st_ino, info.st_size) for info in made] and len(made) == 2
    assert [info.st_size for info in made] == [len(b"[1]\n"), len(b'[{"id": 3}')]


def test_starting_to_write_a_file_changes_nothing_in_it(tmp_path):
    path = tmp_path / "data.json"
    data = os.urandom(1 << 20)
    handle = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        os.write(handle, data)
        started = publish_module.start_writeback(handle)
        assert os.pread(handle, len(data) + 1, 0) == data
    finally:
        os.close(handle)
    assert path.read_bytes() == data
    # On Linux with the compiled module it starts; elsewhere it says it did not.
    compiled = publish_module._WRITEBACK is not None and sys.platform == "linux"
    assert started == compiled
    reading, writing = os.pipe()
    try:
        assert publish_module.start_writeback(reading) is False  # a pipe has no pages to write
    finally:
        os.close(reading)
        os.close(writing)
