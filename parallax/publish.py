"""Writing the generated pages into site_src/ and running MkDocs into site/, all or nothing.

The build owns a fixed set of folders and files in site_src/ (GENERATED); hand-written pages
beside them are never touched. New pages are written into a staging folder, MkDocs builds
from a copy of site_src/ with them in place, and only when everything has succeeded are the
generated folders and site/ swapped in. A failure or an interrupt at any point leaves the
previous site_src/ and site/ exactly as they were. The data files are written earlier, by
render's workers, into a spill folder of the build's own (`Spill`), and linked from there.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from parallax.model import FileStamp, RenderedPage, Reused
from parallax.problems import BuildError
from parallax.search import build_search_index

# Everything under site_src/ that the build writes; it may wipe these, and only these.
GENERATED = (
    "index.md",
    "articles",
    "stories",
    "events",
    "sources",
    "actors",
    "coverage.md",
    "vocabulary.md",
    "data",
)
STAGING_DIR = ".parallax-build"  # beside mkdocs.yml, ignored by git


def _check_dest(dest_path: str) -> tuple[str, ...]:
    """The parts of a page's path in site_src/, refused unless it is in a generated folder.
    A plain path ("a/b.md": no empty part, "." or "..") is split as it is, and any other as
    a path, which is what `PurePosixPath` would make of it: 10,400 paths at 10k articles
    (#9)."""
    parts = tuple(dest_path.split("/"))
    if "" in parts or "." in parts:
        parts = PurePosixPath(dest_path).parts
    if (
        dest_path.startswith("/")
        or ".." in parts
        or "\\" in dest_path
        or "\x00" in dest_path
        or not parts
        or parts[0] not in GENERATED
        or len(dest_path) > 240
    ):
        raise BuildError(f"refusing to write outside the generated folders: {dest_path!r}")
    return parts


def file_stamp(abs_path: Path | str) -> FileStamp | None:
    """The stamp of a plain file; None for a link, a folder or nothing at all."""
    try:
        info = os.lstat(abs_path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def read_plain(abs_path: Path | str, size: int | None = None) -> tuple[FileStamp, bytes] | None:
    """The stamp and bytes of a plain file, from one open that refuses a link, so that both
    are of one file; None for a link, a folder, nothing at all, or one that is not `size`
    bytes long (when given: it is not read)."""
    try:
        handle = os.open(abs_path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(handle, "rb") as opened:
        try:
            info = os.fstat(handle)
            if not stat.S_ISREG(info.st_mode) or size not in (None, info.st_size):
                return None
            data = opened.read()
        except OSError:
            return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns), data


# A run of bytes of a file (start, end): a piece of a new file copied from an old one.
Span = tuple[int, int]
# A new file as it is made: bytes, and runs of the file it is copied from (`Spill.pieces`).
Pieces = Sequence[bytes | Span]
_CHUNK = 1 << 20  # bytes read at once, to hash a file without holding it


class ShortRun(Exception):
    """A run to copy reaches past the end of its file: the file changed since it was checked."""


class CopySource:
    """A plain file opened for copying runs of its bytes into new files (`Spill.pieces`):
    the kernel copies them (`os.copy_file_range`), so that they are never read into this
    process. data/claims.json of a 10k corpus copied from the last build's, 45 MB, was read
    and joined in memory: 0.22 s and 31,000 page faults for the worker that made it (#9).
    Where the kernel cannot copy between the two files, the runs are read and written."""

    def __init__(self, handle: int, stamp: FileStamp) -> None:
        self._handle = handle
        self.stamp = stamp
        self._kernel_copies = True

    @classmethod
    def open_trusted(cls, abs_path: str, stamp: FileStamp, sha256: str) -> CopySource | None:
        """The plain file at `abs_path` (never through a link) when it holds the bytes a
        manifest describes: it has the recorded stamp, or else the recorded sha256."""
        try:
            handle = os.open(abs_path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        try:
            info = os.fstat(handle)
            found = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
            if stat.S_ISREG(info.st_mode) and (found == stamp or file_sha256(handle) == sha256):
                return cls(handle, found)
        except OSError:
            pass
        os.close(handle)
        return None

    @property
    def size(self) -> int:
        return self.stamp[2]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._handle)

    def read(self, start: int, end: int) -> bytes:
        """The run's bytes; `ShortRun` when the file ends first."""
        data = os.pread(self._handle, end - start, start)
        if len(data) != end - start:
            raise ShortRun(f"{end - start} bytes at {start}, {len(data)} read")
        return data

    def copy_into(self, out: int, start: int, end: int) -> None:
        """Append the run to the file open as `out`; `ShortRun` when this file ends first."""
        at = start
        while at < end and self._kernel_copies:
            try:
                copied = os.copy_file_range(self._handle, out, end - at, at)
            except OSError:  # not between these file systems, or not at all: read and write
                self._kernel_copies = False
                break
            if copied == 0:
                raise ShortRun(f"{end - start} bytes at {start}, {at - start} copied")
            at += copied
        while at < end:
            data = self.read(at, min(end, at + _CHUNK))
            _write_bytes(out, data)
            at += len(data)


def join_pieces(pieces: Pieces, source: CopySource | None) -> bytes:
    """The bytes `pieces` stand for, their runs read from `source`."""
    made = []
    for piece in pieces:
        if isinstance(piece, bytes):
            made.append(piece)
        elif source is None:
            raise ValueError(f"a run of a file ({piece}), and no file to read it from")
        else:
            made.append(source.read(*piece))
    return b"".join(made)


def _write_bytes(out: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(out, view) :]


def _compiled_writeback() -> Callable[[int], bool] | None:
    """`parallax._writeback.start`, compiled with the package where a C compiler was found
    (setup.py), else None."""
    try:
        from parallax._writeback import start
    except ImportError:
        return None
    return start


_WRITEBACK = _compiled_writeback()


def start_writeback(handle: int) -> bool:
    """Start writing the pages of the file open as `handle` to disk, without waiting: in the
    process that made a data file, rather than in the rename that publishes it, which waits
    for that (`parallax._writeback`, #9). Whether it started (never off Linux, nor without
    the compiled module: the kernel then writes the file when it decides)."""
    return _WRITEBACK is not None and _WRITEBACK(handle)


def file_sha256(handle: int) -> str:
    """The sha256 of the bytes of the file open as `handle`, read a chunk at a time."""
    digest = hashlib.sha256()
    chunk = bytearray(_CHUNK)
    at = 0
    while read := os.preadv(handle, [chunk], at):
        digest.update(memoryview(chunk)[:read])
        at += read
    return digest.hexdigest()


def _same_file(abs_old: str, data: bytes) -> FileStamp | None:
    """The stamp of `abs_old` when it is a plain file (not a link) holding exactly `data`,
    taken before its bytes were compared, else None."""
    found = read_plain(abs_old, len(data))
    return found[0] if found is not None and found[1] == data else None


def _link(abs_old: str, abs_new: str) -> bool:
    """Hard-link `abs_new` to `abs_old`; False where that fails (gone since, another file
    system, links not supported), and the caller writes the file instead."""
    try:
        os.link(abs_old, abs_new, follow_symlinks=False)
    except OSError:
        return False
    return True


def write_pages(
    pages: Sequence[RenderedPage], abs_out_dir: Path, abs_previous: Path | None = None
) -> dict[str, FileStamp]:
    """Write pages below `abs_out_dir`, refusing a path twice or outside the generated set;
    the stamp of each page's file as its bytes were known to be the page's (written, or
    compared, or checked by the page cache), by destination. Anything that writes into a
    file after that changes its stamp.

    A page whose bytes equal those of the same path under `abs_previous` (the live
    site_src/) is hard-linked to that file instead of written again (#9): nothing ever
    writes into a published file (a build only adds new files and swaps whole folders), so
    sharing it is safe, and an unchanged republish costs a read instead of a write. A page
    kept as published (`RenderedPage.reused`: the page cache checked the file under
    `abs_previous` in this build) is linked without reading it while its file still has the
    stamp it had then; else its file is copied if it still has the checked bytes.

    Every path is checked before anything is written. Then this thread links every page
    that can be linked, and hands the others, a chunk at a time, to a few threads that write
    them, since the file system's calls release the interpreter (#9); at most
    `WAITING_CHUNKS` chunks wait for them, so the bytes of a large site are not all held
    at once.
    """
    made: set[str] = set()
    # Paths as text: Path objects cost a third of publishing a 10k site unchanged (#9).
    out, previous = str(abs_out_dir), None if abs_previous is None else str(abs_previous)
    todo: list[tuple[RenderedPage, str, str | None]] = []
    for page, rel in zip(pages, _destinations(pages), strict=True):
        abs_path = os.path.join(out, *rel)
        folder = os.path.dirname(abs_path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        todo.append((page, abs_path, None if previous is None else os.path.join(previous, *rel)))
    stamps: dict[str, FileStamp] = {}

    def unlinked() -> Iterator[tuple[str, str, bytes]]:
        for page, abs_path, abs_old in todo:
            data, stamp = _kept(page, abs_path, abs_old)
            if data is not None:
                yield page.dest_path, abs_path, data
            elif stamp is not None:
                stamps[page.dest_path] = stamp

    stamps.update(_write_chunks(unlinked()))
    return stamps


def _write_chunks(writes: Iterable[tuple[str, str, bytes]]) -> dict[str, FileStamp]:
    """Write each (destination, path, bytes) as `writes` makes them, a chunk at a time, on a
    few threads; the stamp of each file written, by destination."""
    stamps: dict[str, FileStamp] = {}
    pool: ThreadPoolExecutor | None = None
    pending: deque[Future[Written]] = deque()
    chunk: list[tuple[str, str, bytes]] = []
    try:
        for write in writes:
            chunk.append(write)
            if len(chunk) < WRITE_CHUNK:
                continue
            # A full chunk goes to the threads at once, and no more than a few chunks wait
            # for them: the bytes of every new page of a 100k site held at once were 1.1 GB.
            if pool is None:
                pool = ThreadPoolExecutor(WRITERS, thread_name_prefix="parallax-write")
            pending.append(pool.submit(_write_all, chunk))
            chunk = []
            while len(pending) > WAITING_CHUNKS:
                stamps.update(pending.popleft().result())
        stamps.update(_write_all(chunk))
        while pending:
            stamps.update(pending.popleft().result())
    finally:  # an error or an interrupt: the writes not yet started are not started
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return stamps


def _destinations(pages: Sequence[RenderedPage]) -> list[tuple[str, ...]]:
    """The parts of each page's path in site_src/ (`_check_dest`), refusing a path twice:
    names that differ only in case are one file on some systems."""
    seen: dict[str, str] = {}
    rels = []
    for page in pages:
        rel = _check_dest(page.dest_path)
        key = "/".join(rel).casefold()
        if key in seen:
            raise BuildError(
                f"two pages would be written to site_src/{page.dest_path}: "
                f"from {seen[key]} and from {page.template}"
            )
        seen[key] = page.template
        rels.append(rel)
    return rels


# Threads writing new pages: the 10,421 pages of a 10k site were written into an empty folder
# in 3.4-6.1 s against 4.2-7.2 s on one thread, faster in each of eight alternating runs.
# Published pages are linked by this thread: on threads, that was slower.
WRITERS = 4
WRITE_CHUNK = 128  # pages per task of a writing thread
WAITING_CHUNKS = 2 * WRITERS  # chunks handed to the threads and not yet written, at most


def _kept(
    page: RenderedPage, abs_path: str, abs_old: str | None
) -> tuple[bytes | None, FileStamp | None]:
    """(None, the file's stamp) when the published page is linked in as `abs_path` (see
    `write_pages`), else (the bytes to write there, None)."""
    data = None if page.reused is not None else page.text.encode("utf-8")
    found = _unchanged(page, abs_old, data)
    if found is not None and _link(found[0], abs_path):
        return None, found[1]
    return data if data is not None else _published_bytes(page, _source(page, abs_old)), None


def _unchanged(
    page: RenderedPage, abs_old: str | None, data: bytes | None
) -> tuple[str, FileStamp] | None:
    """The file that holds exactly the page's bytes, and its stamp: a kept page's (published,
    or spilled by a render worker) while it has the stamp it had when the page cache checked
    it or the worker wrote it; else the published file `abs_old`, when it holds `data`, the
    page's text encoded. None when there is no such file."""
    if page.reused is not None:
        abs_source = _source(page, abs_old)
        if abs_source is None or file_stamp(abs_source) != page.reused.stamp:
            return None
        return abs_source, page.reused.stamp
    if abs_old is None or data is None:
        return None
    same = _same_file(abs_old, data)
    return None if same is None else (abs_old, same)


def _source(page: RenderedPage, abs_old: str | None) -> str | None:
    """Where a kept page's bytes are: the file a render worker spilled, or the published one."""
    if page.reused is None or page.reused.abs_path is None:
        return abs_old
    return page.reused.abs_path


def _published_bytes(page: RenderedPage, abs_source: str | None) -> bytes:
    """The bytes of a page whose file cannot be linked (a file system without hard links):
    read again, and refused if they changed since the page cache checked them or a render
    worker wrote them."""
    assert page.reused is not None
    found = None if abs_source is None else read_plain(abs_source)  # a link is not followed
    data = None if found is None else found[1]
    if data is None or hashlib.sha256(data).hexdigest() != page.reused.sha256:
        where = page.reused.abs_path or f"site_src/{page.dest_path}"
        raise BuildError(
            f"{where} changed while the site was built; build again (nothing was published)"
        )
    return data


@dataclass(frozen=True, slots=True)
class Spill:
    """Where render's workers put the data files they make (#9): sending data/claims.json
    and the other exports back to the parent, 55 MB at 10k articles, cost each worker
    0.7 s. A worker writes each file here instead, or finds it unchanged in site_src/, and
    sends back only a page that names the file (`RenderedPage.reused`), which
    `write_pages` links into place. The folder is the build's own (`spill_folder`): nothing
    in it is published unless publishing succeeds."""

    abs_dir: Path
    abs_site_src: Path

    def page(self, page: RenderedPage) -> RenderedPage:
        """`page` without its text: its bytes found unchanged in site_src/, or written here."""
        return self.data(page.dest_path, page.template, page.text.encode("utf-8"), page.links)

    def data(
        self, dest: str, template: str, data: bytes, links: tuple[str, ...] = ()
    ) -> RenderedPage:
        """The page of `data` at `dest`, with no text: found unchanged in site_src/, or
        written here."""
        rel = _check_dest(dest)
        sha256 = hashlib.sha256(data).hexdigest()
        stamp = _same_file(os.path.join(self.abs_site_src, *rel), data)
        if stamp is not None:
            return RenderedPage(dest, "", template, links, Reused(stamp, sha256))
        # A name of its own, and the mode any page gets (`_write_all`: the umask decides).
        abs_path = os.path.join(self.abs_dir, f"{secrets.token_hex(8)}-{rel[-1]}")
        handle = os.open(abs_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            start_writeback(handle)
            info = os.fstat(handle)
        stamp = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        return RenderedPage(dest, "", template, links, Reused(stamp, sha256, abs_path))

    def pieces(
        self, dest: str, template: str, pieces: Pieces, source: CopySource | None
    ) -> RenderedPage:
        """`data` of the bytes `pieces` stand for, with the runs among them copied from
        `source` by the kernel: the new file is written here, then read back a chunk at a
        time for its sha256. When it is the size of the published file it may be that file:
        its bytes are put together and compared. `ShortRun` when `source` ends too soon."""
        if source is None or all(isinstance(p, bytes) for p in pieces):
            return self.data(dest, template, join_pieces(pieces, source))
        rel = _check_dest(dest)
        size = sum(len(p) if isinstance(p, bytes) else p[1] - p[0] for p in pieces)
        published = file_stamp(os.path.join(self.abs_site_src, *rel))
        if published is not None and published[2] == size:
            return self.data(dest, template, join_pieces(pieces, source))
        abs_path = os.path.join(self.abs_dir, f"{secrets.token_hex(8)}-{rel[-1]}")
        handle = os.open(abs_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            for piece in pieces:
                if isinstance(piece, bytes):
                    _write_bytes(handle, piece)
                else:
                    source.copy_into(handle, *piece)
            start_writeback(handle)
            sha256 = file_sha256(handle)
            info = os.fstat(handle)
        finally:
            os.close(handle)
        stamp = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        return RenderedPage(dest, "", template, (), Reused(stamp, sha256, abs_path))


@contextmanager
def spill_folder(abs_config: Path, abs_site_src: Path) -> Iterator[Spill]:
    """A `Spill` in the staging folder beside mkdocs.yml, removed when the build ends."""
    abs_dir = _own_folder(abs_config.parent / STAGING_DIR, "spill")
    try:
        yield Spill(abs_dir, abs_site_src)
    finally:
        shutil.rmtree(abs_dir, ignore_errors=True)


# What a build makes for itself and removes when it ends, named for its process: its folders
# under STAGING_DIR, and MkDocs' config beside mkdocs.yml (`_mkdocs_config`). ASCII digits
# only, as the build writes them.
OWN_FOLDERS = re.compile(r"(?:run|spill)-(\d+)-[a-z0-9_]+", re.ASCII)
OWN_CONFIG = re.compile(r"\.parallax-mkdocs-(\d+)\.yml", re.ASCII)
ORPHAN_AGE = 3600.0  # seconds untouched before what an ended process left is removed
_MAX_PID = 1 << 22  # Linux's largest process id: a larger number names no process of ours


def _own_folder(abs_root: Path, kind: str) -> Path:
    """A new folder under `abs_root` for this build, named for its process. What builds
    that were killed left there is removed first (`remove_orphans`), unless the folder is
    a link (a build writes through it, but removes nothing there)."""
    abs_root.mkdir(exist_ok=True)
    if not abs_root.is_symlink():
        remove_orphans(abs_root, OWN_FOLDERS)
    return Path(tempfile.mkdtemp(prefix=f"{kind}-{os.getpid()}-", dir=abs_root))


def remove_orphans(abs_folder: Path, own: re.Pattern[str]) -> list[str]:
    """Remove, from `abs_folder` itself (never below it, never through a link), what a build
    makes for itself (names `own` matches in full, the process id its first group) and a
    build that could not clean up left: named for a process that has ended, and untouched
    for `ORPHAN_AGE` (a killed build, 55 MB of data files at 10k articles; the age keeps a
    build in another process namespace safe). The names removed."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(abs_folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = own.fullmatch(entry.name)
        if match is None or entry.is_symlink() or not 0 < int(match[1]) <= _MAX_PID:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if age < ORPHAN_AGE or _alive(int(match[1])):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
        if not os.path.lexists(entry.path):
            removed.append(entry.name)
    return removed


def _alive(pid: int) -> bool:
    """Whether a process of that id runs here (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # not ours to signal, but there
        return True
    return True


# The stamps of the files a writing thread wrote, by destination.
Written = list[tuple[str, FileStamp]]


def _write_all(writes: Sequence[tuple[str, str, bytes]]) -> Written:
    """Write (destination, path, bytes) each; the stamp of each file once written."""
    written = []
    for dest, abs_path, data in writes:
        with open(abs_path, "wb") as out:
            out.write(data)
            out.flush()
            info = os.fstat(out.fileno())
        written.append((dest, (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)))
    return written


def _copy_hand_written(abs_site_src: Path, abs_dest: Path) -> None:
    abs_dest.mkdir(parents=True, exist_ok=True)
    if not abs_site_src.is_dir():
        return
    for entry in sorted(abs_site_src.iterdir()):
        if entry.name in GENERATED or entry.name.startswith("."):
            continue
        if entry.is_dir():
            shutil.copytree(entry, abs_dest / entry.name, symlinks=False)
        else:
            shutil.copy2(entry, abs_dest / entry.name)


def _mkdocs_config(abs_config: Path, abs_docs: Path, abs_site: Path) -> Path:
    """A config that inherits mkdocs.yml but reads the staged docs and writes the staged site."""
    remove_orphans(abs_config.parent, OWN_CONFIG)
    abs_child = abs_config.parent / f".parallax-mkdocs-{os.getpid()}.yml"
    # Quoted (a JSON string is a YAML one): a folder named "a #1" or "a: b" is a path, not
    # a comment or a mapping (#7).
    values = {"INHERIT": abs_config.name, "docs_dir": str(abs_docs), "site_dir": str(abs_site)}
    abs_child.write_text(
        "".join(f"{key}: {json.dumps(value)}\n" for key, value in values.items()),
        encoding="utf-8",
    )
    return abs_child


def run_mkdocs(abs_config: Path, abs_docs: Path, abs_site: Path) -> None:
    """`mkdocs build --strict` in a subprocess, exactly as a contributor would run it."""
    abs_child = _mkdocs_config(abs_config, abs_docs, abs_site)
    try:
        result = subprocess.run(
            # No --quiet: it drops the warnings before --strict can count them.
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(abs_child)],
            cwd=abs_config.parent,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"},
        )
    finally:
        abs_child.unlink(missing_ok=True)
    if result.returncode != 0:
        lines = (result.stderr + result.stdout).splitlines()
        output = "\n".join(line for line in lines if line.startswith(("WARNING", "ERROR")))
        raise BuildError(f"mkdocs build --strict failed:\n{output or result.stderr.strip()}")


class Tidy:
    """Folders a build removes before it ends, in a thread, while it waits for its other
    work: the staging folder holds the last site_src/ once the new one is in, 10,400 files at
    10k articles (0.06 s to remove), and the build then waits for the process that writes
    its cache (#9). `tidying` waits for the thread."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []

    def remove(self, abs_folder: Path) -> None:
        thread = threading.Thread(
            target=shutil.rmtree, args=(abs_folder,), kwargs={"ignore_errors": True}
        )
        thread.start()
        self._threads.append(thread)

    def wait(self) -> None:
        for thread in self._threads:
            thread.join()
        self._threads.clear()


@contextmanager
def tidying() -> Iterator[Tidy]:
    """A `Tidy` whose folders are all removed when the block ends, even by an error."""
    tidy = Tidy()
    try:
        yield tidy
    finally:
        tidy.wait()


@contextmanager
def _staging(abs_root: Path, tidy: Tidy | None) -> Iterator[Path]:
    abs_stage = _own_folder(abs_root, "run")
    try:
        yield abs_stage
    finally:
        if tidy is None:
            shutil.rmtree(abs_stage, ignore_errors=True)
        else:
            tidy.remove(abs_stage)


def _swap_in(abs_new_docs: Path, abs_site_src: Path, abs_backup: Path) -> None:
    """Move the old generated entries aside and the new ones in."""
    abs_backup.mkdir(parents=True, exist_ok=True)
    abs_site_src.mkdir(parents=True, exist_ok=True)
    for name in GENERATED:
        if (abs_site_src / name).exists():
            os.replace(abs_site_src / name, abs_backup / name)
    for name in GENERATED:
        if (abs_new_docs / name).exists():
            os.replace(abs_new_docs / name, abs_site_src / name)


def _restore(abs_site_src: Path, abs_backup: Path, had: set[str]) -> None:
    """Undo `_swap_in` from wherever it stopped, judging by what is where now.

    An interrupt can land between any two renames, so no list of what was done can be
    trusted (#7): an entry in the backup was moved aside, and an entry in site_src/ is new
    when its old one is in the backup or when there was none before (`had`).
    """
    for name in GENERATED:
        target, saved = abs_site_src / name, abs_backup / name
        if saved.exists() or name not in had:
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        if saved.exists():
            os.replace(saved, target)


def publish(
    pages: Sequence[RenderedPage],
    abs_config: Path,
    abs_site_src: Path,
    abs_site: Path,
    *,
    run_site: bool = True,
    tidy: Tidy | None = None,
) -> dict[str, FileStamp]:
    """Write the pages into site_src/ and build site/ with MkDocs, all or nothing; the
    stamps `write_pages` gives, which the files keep through the swap. Pages kept as
    published are linked or copied from site_src/ (`write_pages`). The staging folder is
    removed here, or by `tidy`.

    Without the site, when most pages are kept as published, only the files that change
    are swapped, one at a time (`_publish_in_place`), and the rest are left where they are.
    """
    with _staging(abs_config.parent / STAGING_DIR, tidy) as abs_stage:
        if not run_site and _mostly_kept(pages):
            changes = _changes(pages, str(abs_site_src))
            if changes is not None:
                return _publish_in_place(changes, str(abs_site_src), abs_stage)
        abs_docs = abs_stage / "docs"
        _copy_hand_written(abs_site_src, abs_docs)
        stamps = write_pages(pages, abs_docs, abs_site_src)
        if run_site:
            run_mkdocs(abs_config, abs_docs, abs_stage / "site")
            # Pagefind indexes the built HTML, so it runs after MkDocs and before the swap.
            build_search_index(abs_stage / "site")
        generated = abs_stage / "generated"
        generated.mkdir()
        for name in GENERATED:
            if (abs_docs / name).exists():
                os.replace(abs_docs / name, generated / name)
        _commit(generated, abs_site_src, abs_stage, abs_site if run_site else None)
    return stamps


def _commit(generated: Path, abs_site_src: Path, abs_stage: Path, abs_site: Path | None) -> None:
    """The swap: the only moment the live folders change. Interrupts roll it back."""
    backup, old_site, new_site = (abs_stage / n for n in ("previous", "previous-site", "site"))
    had = {name for name in GENERATED if (abs_site_src / name).exists()}
    try:
        _swap_in(generated, abs_site_src, backup)
        if abs_site is not None:
            if abs_site.exists():
                os.replace(abs_site, old_site)
            os.replace(new_site, abs_site)
    except BaseException:
        if abs_site is not None:
            if not new_site.exists() and abs_site.exists():  # the new site went in
                shutil.rmtree(abs_site)
            if old_site.exists():
                os.replace(old_site, abs_site)
        _restore(abs_site_src, backup, had)
        raise


# --- publishing in place (#9) ------------------------------------------------------------------
#
# The swap above links every page into a new copy of the generated folders: at 10k articles,
# 10,419 links and the removal of the old copy, 0.27 s of a build with one article added,
# of which 80 pages changed. Without the site (`--no-site`), nothing needs the whole new
# copy, so when most pages are kept as published, the build writes only the files that
# change into its staging folder and swaps them in one by one: each published file it
# replaces or removes is first set aside in the staging folder (linked there, when a new
# file replaces it, else moved), and an error or an interrupt puts back whatever had
# moved, as `_restore` does for the folders. Between
# two builds, unchanged files keep their inodes (`mkdocs serve` sees only what changed).

IN_PLACE_KEPT = 0.5  # the least share of pages kept as published for publishing in place


def _mostly_kept(pages: Sequence[RenderedPage]) -> bool:
    """Whether the page cache kept enough pages for publishing in place to pay: a file
    swapped in place costs two renames where the full swap costs one link per page."""
    kept = sum(1 for page in pages if page.reused is not None and page.reused.abs_path is None)
    return kept > 0 and kept >= IN_PLACE_KEPT * len(pages)


Parts = tuple[str, ...]  # a path under site_src/, split (`_check_dest`)


@dataclass(frozen=True, slots=True)
class _Changes:
    """What publishing in place does."""

    stamps: dict[str, FileStamp]  # pages already published as they are, by destination
    # (destination, path, page) of each page to write, or the bytes of a kept page whose
    # file must be written again: a page's text is encoded as it is written, as
    # `write_pages` does, not held encoded with every other's.
    writes: list[tuple[str, Parts, RenderedPage | bytes]]
    spilled: list[tuple[str, Parts, str, FileStamp]]  # data files to move in from the spill
    aside: list[Parts]  # published files to set aside first: replaced, then gone
    stale: list[Parts]  # folders no page is in any more, the deepest first


def _published(root: str) -> tuple[set[Parts], set[Parts]] | None:
    """The files and folders of site_src/'s generated part, or None when there is anything
    else there (a link, a device): the full swap replaces it, and publishing in place
    would have to decide what to do with it."""
    files: set[Parts] = set()
    folders: set[Parts] = set()
    todo: list[Parts] = []
    for name in GENERATED:
        try:
            info = os.lstat(os.path.join(root, name))
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(info.st_mode):
            folders.add((name,))
            todo.append((name,))
        elif stat.S_ISREG(info.st_mode):
            files.add((name,))
        else:
            return None
    while todo:
        parts = todo.pop()
        with os.scandir(os.path.join(root, *parts)) as entries:
            for entry in entries:
                found = (*parts, entry.name)
                if entry.is_dir(follow_symlinks=False):
                    folders.add(found)
                    todo.append(found)
                elif entry.is_file(follow_symlinks=False):
                    files.add(found)
                else:
                    return None
    return files, folders


def _changes(pages: Sequence[RenderedPage], root: str) -> _Changes | None:
    """What publishing `pages` in place changes in site_src/ (`root`); None where it cannot
    be published in place: something other than files and folders in the generated part, a
    folder where a page goes or a file where a folder does (published, or another page), or
    a page whose name differs only in case from a file it would remove."""
    rels = _destinations(pages)
    published = _published(root)
    if published is None:
        return None
    old, folders = published
    wanted = set(rels)
    needed = {rel[:n] for rel in wanted for n in range(1, len(rel))}
    if not wanted.isdisjoint(folders | needed) or not needed.isdisjoint(old):
        return None
    gone = sorted(old - wanted)
    if gone and {"/".join(g).casefold() for g in gone} & {"/".join(r).casefold() for r in rels}:
        return None
    stamps: dict[str, FileStamp] = {}
    writes: list[tuple[str, Parts, RenderedPage | bytes]] = []
    spilled: list[tuple[str, Parts, str, FileStamp]] = []
    # Joined as text: os.path.join of each of 10,400 pages cost a tenth of publishing (#9).
    live = os.path.join(root, "")
    for page, rel in zip(pages, rels, strict=True):
        abs_live = live + os.sep.join(rel)
        data = None if page.reused is not None else page.text.encode("utf-8")
        found = _unchanged(page, abs_live if rel in old else None, data)
        if found is None:  # a kept page's file changed since is read again, and checked
            bytes_or_page = (
                page if data is not None else _published_bytes(page, _source(page, abs_live))
            )
            writes.append((page.dest_path, rel, bytes_or_page))
        elif found[0] == abs_live:
            stamps[page.dest_path] = found[1]
        else:
            spilled.append((page.dest_path, rel, *found))
    incoming = [rel for _, rel, _ in writes] + [rel for _, rel, _, _ in spilled]
    aside = [rel for rel in incoming if rel in old] + gone
    stale = sorted(folders - needed, key=len, reverse=True)
    return _Changes(stamps, writes, spilled, aside, stale)


def _publish_in_place(changes: _Changes, root: str, abs_stage: Path) -> dict[str, FileStamp]:
    """Swap the changed files into site_src/ (`root`), all or nothing; the stamps of every
    page's file, as `write_pages` gives them."""
    stamps = dict(changes.stamps)
    abs_new = abs_stage / "new"
    abs_new.mkdir()
    incoming = [
        (rel, os.path.join(abs_new, str(n))) for n, (_, rel, _) in enumerate(changes.writes)
    ]

    def encoded() -> Iterator[tuple[str, str, bytes]]:
        for (dest, _, made), (_, abs_path) in zip(changes.writes, incoming, strict=True):
            data = made if isinstance(made, bytes) else made.text.encode("utf-8")
            yield dest, abs_path, data

    stamps.update(_write_chunks(encoded()))
    moves = [
        (rel, abs_path, stamps[dest])
        for (dest, rel, _), (_, abs_path) in zip(changes.writes, incoming, strict=True)
    ]
    for dest, rel, abs_source, stamp in changes.spilled:
        moves.append((rel, abs_source, stamp))
        stamps[dest] = stamp
    _swap_files(root, _Swap(moves, changes.aside, changes.stale), abs_stage / "previous")
    return stamps


@dataclass(frozen=True, slots=True)
class _Swap:
    """The renames of publishing in place, in site_src/."""

    incoming: list[tuple[Parts, str, FileStamp]]  # (path, the new file to move there, its stamp)
    aside: list[Parts]  # published files to move aside first: replaced, or gone
    stale: list[Parts]  # folders to remove once the files are swapped, the deepest first


def _swap_files(root: str, swap: _Swap, abs_backup: Path) -> None:
    """Move the published files of `swap.aside` into `abs_backup` (or link them there), each
    new file in, and the folders left empty out; an error or an interrupt puts back what
    had moved (`_unswap_files`)."""
    # Aside under their own paths: a file that cannot be put back is found by its name.
    saved = {rel: os.path.join(abs_backup, *rel) for rel in swap.aside}
    for folder in sorted({os.path.dirname(abs_path) for abs_path in saved.values()}):
        os.makedirs(folder, exist_ok=True)
    made: list[str] = []  # folders made for new files, each listed before it is made
    removed: list[str] = []  # stale folders, each listed before it is removed
    replaced = {rel for rel, _, _ in swap.incoming}
    try:
        for rel, abs_path in saved.items():
            abs_live = os.path.join(root, *rel)
            # A file that a new one replaces is linked aside, where it can: it stays in place
            # until the new one takes its name, and its path is never empty.
            if rel not in replaced or not _link(abs_live, abs_path):
                os.replace(abs_live, abs_path)
        for rel, abs_path, _ in swap.incoming:
            for n in range(1, len(rel)):
                folder = os.path.join(root, *rel[:n])
                if not os.path.isdir(folder):
                    made.append(folder)
                    os.mkdir(folder)
            os.replace(abs_path, os.path.join(root, *rel))
        for parts in swap.stale:  # emptied by the renames above
            removed.append(os.path.join(root, *parts))
            os.rmdir(removed[-1])
    except BaseException:
        _unswap_files(root, swap.incoming, saved, made, removed, abs_backup)
        raise


def _unswap_files(
    root: str,
    incoming: list[tuple[Parts, str, FileStamp]],
    saved: dict[Parts, str],
    made: list[str],
    removed: list[str],
    abs_backup: Path,
) -> None:
    """Undo `_swap_files` from wherever it stopped, judging by what is where now (an
    interrupt can land between a rename and the line after it): the stale folders come
    back, whatever is aside goes back (over the new file, if it went in; onto itself, a
    rename that does nothing, if a file linked aside was not replaced yet), and a new file
    where there was none goes (when it is still the file moved there), with the folders
    made for it. A published file that cannot be put back is kept where it is, outside the
    build's folder (`_keep_backup`)."""
    for folder in reversed(removed):  # the shallowest first
        with contextlib.suppress(OSError):  # not removed yet; else its files cannot go back
            os.mkdir(folder)
    failed = []
    for rel, abs_path in saved.items():
        if os.path.lexists(abs_path):
            try:
                os.replace(abs_path, os.path.join(root, *rel))
            except OSError:
                failed.append("/".join(rel))
    for rel, _, stamp in incoming:
        abs_live = os.path.join(root, *rel)
        if rel not in saved and file_stamp(abs_live) == stamp:
            with contextlib.suppress(OSError):
                os.unlink(abs_live)
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            os.rmdir(folder)
    if failed:
        raise BuildError(
            f"publishing failed, and {len(failed)} published files could not be put back "
            f"into site_src/ (the first: {failed[0]}): they are kept in "
            f"{_keep_backup(abs_backup)}, under their paths in site_src/; build again to "
            "publish every page"
        )


def _keep_backup(abs_backup: Path) -> Path:
    """Move the folder of files set aside out of the build's own folder, which is removed
    when the build ends, under a name no build removes."""
    abs_kept = abs_backup.parent.parent / f"kept-{abs_backup.parent.name}"
    os.replace(abs_backup, abs_kept)
    return abs_kept
