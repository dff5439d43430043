"""The page cache: pages reused from the published site_src/ when what they are made of is
unchanged (#9).

I/O at the edge: the manifest is read once before rendering and written once after a
successful publish; rendering reads a published page only on a hit, and the lines of
data/claims.json, points.json and events.json (below) in the process that writes each file.
The manifest, one per site_src/ folder (`<cache_dir>/parallax/pages-<digest>.pickle`), maps
each page's destination to its key, the sha256 of the file published for it, that file's
stamp once published (device, inode, size and modification time: `publish.file_stamp`) and
the link paths of its HTML parts (`urls.page_links`). It is pickled, of plain tuples, dicts,
strings and numbers only, after the sha256 of the pickle (`packs.with_digest`), and read
back, once its sha256 matches, by an unpickler that makes nothing else (`_PlainUnpickler`):
read and written at every build, as JSON it took 0.04 s and 0.08 s at 10k articles.
(`marshal`, as fast, crashes the interpreter on some files with one damaged byte.) The key
covers everything the page's text is made from: the page object (its repr: frozen
dataclasses of strings, numbers and tuples, exact and stable), the template's name, the
destination, every template file, the code, and Jinja's and MarkupSafe's versions
(`cache.renderer_version`). A hit is trusted when the published file still has the recorded
stamp, or else, read back, the recorded sha256 (a site_src/ restored from CI's cache has new
stamps and the same bytes), so a page edited, deleted or left over from a failed build is
rendered again. A hit is never read into memory: publishing links the file, and the links
are checked from the manifest (#9).

A build that changes few pages writes only those, with the record of the data files' runs
(below) and of the files links reach, into a journal beside the manifest (`.more`), named by
the manifest's sha256: at 10k articles the manifest is 4.2 MB, and writing it whole took
0.06 s of every build with one article added. The manifest is written whole again once the
journal would hold more than one page in `JOURNAL_SHARE`. A journal that is damaged, or
written for another manifest, is ignored: the manifest alone then describes pages published
before, which their stamps and sha256s refuse to keep.

Story and article pages, one per story and article, are keyed on what their page objects are
made of instead (`input_key`): the story with its events and points, the article's events
and stories, and the build cache's key of every article involved, which stands for the
article, its items, claims and framing, the registries and the settings. Their page objects
are built only when the key has changed. Overview pages are keyed on their page objects. A
page rendered again copies from its published file each part (`render._part`) made of the
same values: the manifest records where each part is in the file, by its key (`PageParts`).
Data files are made afresh, but data/claims.json, points.json and events.json copy an
event's run of lines from the last build when what it is made of is unchanged (`lines_key`,
`exports.lines_data`): the manifest records where each run of lines is in each published
file, with that file's sha256 and stamp (in bytes), and the process that writes the new file
opens the old one, trusted as a page is, and has the kernel copy the runs
(`publish.CopySource`). (The claims' lines used to be kept in a pack of their own, 45 MB at
10k articles, written by the render worker and read by it again at the next build; then read
from the old file, #9.)"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import pickle
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parallax.cache import PACKS, renderer_version
from parallax.model import FileStamp, PartSpan, RenderedPage, Reused
from parallax.packs import journal_path, read_checked, write_checked
from parallax.publish import CopySource, ShortRun, Span, file_stamp
from parallax.urls import is_page_link

log = logging.getLogger(__name__)

FORMAT = 9  # bump when the manifest's layout changes
PROTOCOL = pickle.HIGHEST_PROTOCOL
JOURNAL_SHARE = 8  # the journal holds at most one page in this many (module doc)


def manifest_path(abs_dir: Path, abs_site_src: Path) -> Path:
    """The manifest of one site_src/ folder, under the cache folder."""
    digest = hashlib.sha256(str(abs_site_src.resolve()).encode()).hexdigest()[:16]
    return abs_dir / PACKS / f"pages-{digest}.pickle"


def legacy_manifest(abs_manifest: Path) -> Path:
    """Where builds before the manifest was pickled kept it, as JSON."""
    return abs_manifest.with_suffix(".json")


def legacy_claims_pack(abs_manifest: Path) -> Path:
    """Where builds before the manifest recorded data/claims.json's runs kept its lines."""
    name = abs_manifest.name.replace("pages-", "claims-", 1)
    return abs_manifest.with_name(name).with_suffix(".pickle")


def templates_digest(abs_dirs: Iterable[Path | None]) -> str:
    """A digest of every file in the template folders, names and bytes."""
    digest = hashlib.sha256()
    for abs_dir in abs_dirs:
        digest.update(f"\n{abs_dir}\n".encode())
        if abs_dir is None or not abs_dir.is_dir():
            continue
        for abs_path in sorted(abs_dir.rglob("*")):
            if abs_path.is_file():
                digest.update(f"\n{abs_path.relative_to(abs_dir).as_posix()}\n".encode())
                digest.update(abs_path.read_bytes())
    return digest.hexdigest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PageCache:
    """The published pages of one site_src/ folder: `reuse` while rendering, `save` after."""

    def __init__(
        self,
        abs_dir: Path,
        abs_site_src: Path,
        abs_template_dirs: Sequence[Path | None],
        article_keys: Mapping[str, str] | None = None,
    ) -> None:
        self.abs_manifest = manifest_path(abs_dir, abs_site_src)
        self.abs_site_src = abs_site_src
        self._site_src_prefix = f"{abs_site_src}{os.sep}"  # joined as text: see `reuse`
        # article id -> the build cache's key of its entry (`BuildCache.article_key`)
        self._article_keys = article_keys or {}
        base = f"{FORMAT}\n{renderer_version()}\n{templates_digest(abs_template_dirs)}"
        self._base = hashlib.sha256(base.encode()).digest()
        self._written: _Written | None = None  # the manifest as written whole, once read
        self._published, self._runs, self._link_files = self._read()
        self._keys: dict[str, str] = {}  # dest -> key, of the pages this build rendered
        self.hits = 0  # pages kept as published
        # The published data files whose runs of lines the manifest records, by destination,
        # each opened by the process that writes the new one; None when it cannot be trusted.
        self._sources: dict[str, CopySource | None] = {}
        self._new_runs: dict[str, dict[str, Span]] = {}  # this build's, by file, then key
        # The files of site_src/, not pages of the build, that links of the published pages
        # reached (`render.check_links`): as read, then as this build's links reach them.
        self._new_link_files: tuple[str, ...] = ()

    def _read(self) -> tuple[dict[str, _Published], dict[str, _Runs], tuple[str, ...]]:
        """dest -> what was published there, where each data file's runs of lines are (by
        destination), and the files other than pages that links reached, from the manifest
        and its journal."""
        try:
            # Checked: a number changed by one would keep wrong pages.
            digest, payload = read_checked(self.abs_manifest)
            manifest = _PlainUnpickler(io.BytesIO(payload)).load()
            if not isinstance(manifest, tuple) or len(manifest) != 4 or manifest[0] != FORMAT:
                return {}, {}, ()
            _, pages, runs, files = manifest
            if type(pages) is not dict:
                raise ValueError(f"its pages are not a dict: {pages!r:.200}")
            self._written = _Written(digest, pages)
            journal = self._journal(digest)
            if journal is not None:
                changed, removed, runs, files = journal
                pages = {**pages, **changed}
                for dest in removed:
                    pages.pop(dest, None)
            if type(files) is not tuple or not all(type(f) is str and _inside(f) for f in files):
                raise ValueError(f"a damaged record of the files links reach: {files!r:.200}")
            published = {str(d): _entry(entry) for d, entry in pages.items()}
            _check_links({link for entry in published.values() for link in entry.links})
            return published, _runs_of(runs), files
        except FileNotFoundError:
            return {}, {}, ()
        except Exception as exc:  # a damaged manifest only costs a full render
            log.warning("ignoring the page cache %s: %s", self.abs_manifest, exc)
            self._written = None
            return {}, {}, ()

    def _journal(self, digest: bytes) -> tuple[dict[Any, Any], tuple[str, ...], Any, Any] | None:
        """The pages changed and removed since the manifest of sha256 `digest` was written
        whole, and the record of the data files' runs and of the files links reach, from the
        journal written for it; None when there is none (module doc)."""
        abs_journal = journal_path(self.abs_manifest)
        try:
            _, payload = read_checked(abs_journal)
            journal = _PlainUnpickler(io.BytesIO(payload)).load()
        except FileNotFoundError:
            return None
        except Exception as exc:
            log.warning("ignoring the page cache's journal %s: %s", abs_journal, exc)
            return None
        if not (
            isinstance(journal, tuple) and len(journal) == 6 and journal[:2] == (FORMAT, digest)
        ):
            return None  # written for another manifest, or by another version
        _, _, changed, removed, runs, files = journal
        if type(changed) is not dict or type(removed) is not tuple:
            log.warning("ignoring the page cache's journal %s: damaged", abs_journal)
            return None
        return changed, removed, runs, files

    def runs_file(self, dest: str) -> CopySource | None:
        """The data file published at `dest`, opened at the first call (in the process that
        writes the new one) when it is the file whose runs the manifest records; else None."""
        if dest not in self._sources:
            runs = self._runs.get(dest)
            self._sources[dest] = None
            if runs is not None and _inside(dest):
                abs_path = self._site_src_prefix + dest
                self._sources[dest] = CopySource.open_trusted(abs_path, runs.stamp, runs.sha256)
        return self._sources[dest]

    def key(self, template: str, dest: str, page: object) -> str:
        """The key of one page: what its text is made from."""
        return self._key(template, dest, repr(page))

    def article_key(self, article_id: str) -> str | None:
        """The build cache's key of an article, None when it has none: what the article,
        its items, claims and framing are made of (file, registries, settings, code)."""
        return self._article_keys.get(article_id)

    def input_key(self, template: str, dest: str, inputs: str) -> str:
        """The key of a page whose page object is made only of `inputs` (everything its
        builder reads, written out): looked up without building the page object."""
        return self._key(template, dest, f"inputs\n{inputs}")

    def _key(self, template: str, dest: str, made_of: str) -> str:
        digest = hashlib.sha256(self._base)
        digest.update(f"\n{template}\n{dest}\n{made_of}".encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def lines_key(self, dest: str, made_of: str) -> str:
        """The key of a run of lines of the data file `dest` made only of `made_of`
        (everything it is made from, written out: `exports.lines_data`)."""
        return self._key("parallax/exports.py", dest, f"lines\n{made_of}")

    def lines(self, dest: str, key: str) -> Span | None:
        """Where the lines the last build wrote under `key` are in its file at `dest`
        (`runs_file`), or None. Pure but for opening that file once: it runs in the render
        process that writes the new one."""
        runs = self._runs.get(dest)
        span = None if runs is None else runs.spans.get(key)
        if span is None:
            return None
        source = self.runs_file(dest)
        return span if source is not None and span[1] <= source.size else None

    def remember_runs(self, dest: str, spans: Mapping[str, Span]) -> None:
        """Note where the runs of lines of this build's data file at `dest` are, by key
        (`exports.lines_data`), for the manifest: the next build copies them from there.
        The last build's file is no longer needed: its bytes, if this process read them, go."""
        self._new_runs[dest] = dict(spans)
        source = self._sources.get(dest)
        if source is not None:
            source.close()
        self._sources[dest] = None

    def reuse(self, template: str, dest: str, key: str) -> RenderedPage | None:
        """The page published at `dest`, kept (no text), when it was made from `key` and is
        intact, else None. Pure but for looking at the file: it runs in render's workers."""
        published = self._published.get(dest)
        if published is None or published.key != key or not _inside(dest):
            return None
        # As text: a Path joined for each of the 10,000 pages kept at 10k articles cost
        # a third of keeping them (#9).
        abs_path = self._site_src_prefix + dest
        stamp = file_stamp(abs_path)  # a link in site_src/ is rendered again, never followed
        if stamp is None:
            return None
        if stamp != published.stamp:
            try:  # the file was replaced or touched since: its bytes decide
                data = Path(abs_path).read_bytes()
            except OSError:
                return None
            if hashlib.sha256(data).hexdigest() != published.sha256:
                return None
        kept = Reused(stamp, published.sha256)
        return RenderedPage(
            dest, "", template, links=published.links, reused=kept, parts=published.parts
        )

    def sendable(self, page: RenderedPage) -> RenderedPage | KeptPage:
        """`page`, or, for a page kept as published (`reuse`), what `kept_page` makes it
        again from: its destination, template and stamp. A render worker sends its pages
        back pickled, and a kept page's links and parts are the manifest's, which the
        parent has too: at 10k articles with one added, the worker's 6,800 pages were
        4.4 MB, 0.05 s to pickle there and 0.04 s to unpickle here, at the end of render."""
        published = self._published.get(page.dest_path)
        reused = page.reused
        if (
            published is None
            or reused is None
            or reused.abs_path is not None
            or page.links is not published.links
            or page.parts is not published.parts
            or reused.sha256 != published.sha256
            or page.text
        ):
            return page
        return (page.dest_path, page.template, reused.stamp)

    def kept_page(self, kept: KeptPage) -> RenderedPage:
        """The page `sendable` gave as `kept`."""
        dest, template, stamp = kept
        published = self._published[dest]
        reused = Reused(stamp, published.sha256)
        return RenderedPage(dest, "", template, published.links, reused, published.parts)

    def parts_of(self, dest: str) -> PageParts:
        """The parts of the page published at `dest`, for rendering it again."""
        return PageParts(self, dest, self._published.get(dest))

    def remember(self, page: RenderedPage, key: str) -> None:
        """Note a page this build rendered or kept, with its key, for the manifest saved
        after publish."""
        self._keys[page.dest_path] = key
        if page.reused is not None:
            self.hits += 1

    def links_hold(self, dests: Collection[str]) -> bool:
        """Whether every link of every page kept as published still reaches a page: each
        was checked when its page was rendered (`render.check_links`), and each page and
        file it reached then is still there, among this build's pages (`dests`) or the
        files of site_src/ the manifest lists. A kept page's links are then not checked
        again (#9): at 10k articles, 0.05-0.09 s of every build."""
        if not self._published or not all(dest in dests for dest in self._published):
            return False
        return all((self.abs_site_src / rel).is_file() for rel in self._link_files)

    def remember_link_files(self, files: Collection[str], kept_checked: bool) -> None:
        """Note the files of site_src/, not pages, that this build's links reached
        (`render.check_links`), for the manifest; with `kept_checked` (the kept pages' links
        were not checked again), with those the manifest listed, which their links reach."""
        found = set(files) | (set(self._link_files) if kept_checked else set())
        self._new_link_files = tuple(sorted(found))

    def save(self, pages: Sequence[RenderedPage], stamps: Mapping[str, FileStamp]) -> None:
        """Write the manifest of the pages just published, with the stamps their files had
        when their bytes were known (`publish.publish`); call only once publish succeeded."""
        entries = {
            p.dest_path: _manifest_entry(self._keys[p.dest_path], p, stamps.get(p.dest_path))
            for p in pages
            if p.dest_path in self._keys
        }
        runs = {}
        for page in pages:
            spans, stamp = self._new_runs.get(page.dest_path), stamps.get(page.dest_path)
            if spans and stamp is not None:
                reused = page.reused
                sha256 = reused.sha256 if reused is not None else _sha256(page.text)
                runs[page.dest_path] = (sha256, stamp, spans)
        try:
            if not self._journaled(entries, runs):
                manifest = (FORMAT, entries, runs, self._new_link_files)
                write_checked(self.abs_manifest, pickle.dumps(manifest, PROTOCOL))
                journal_path(self.abs_manifest).unlink(missing_ok=True)  # for the one replaced
        except OSError as exc:  # a read-only checkout still builds, only slower next time
            log.warning("could not write the page cache %s: %s", self.abs_manifest, exc)
        for legacy in (legacy_claims_pack(self.abs_manifest), legacy_manifest(self.abs_manifest)):
            with contextlib.suppress(OSError):  # where earlier versions kept what is here now
                legacy.unlink(missing_ok=True)

    def _journaled(self, entries: dict[str, Raw], runs: object) -> bool:
        """Write the pages that differ from the manifest as written whole into its journal,
        when they are few (`JOURNAL_SHARE`, module doc); whether it did."""
        written = self._written
        if written is None:
            return False
        changed = {d: e for d, e in entries.items() if written.pages.get(d) != e}
        removed = tuple(sorted(written.pages.keys() - entries.keys()))
        if (len(changed) + len(removed)) * JOURNAL_SHARE > len(entries):
            return False
        journal = (FORMAT, written.digest, changed, removed, runs, self._new_link_files)
        write_checked(journal_path(self.abs_manifest), pickle.dumps(journal, PROTOCOL))
        return True


@dataclass(frozen=True, slots=True)
class _Written:
    """The manifest as it was written whole: its sha256 (`packs.with_digest`), which names
    it in its journal, and its pages as written."""

    digest: bytes
    pages: dict[Any, Any]


class _PlainUnpickler(pickle.Unpickler):
    """An unpickler of plain values only: a manifest names no class or function, so one
    that does is damaged, and nothing it names is made."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"a damaged manifest names {module}.{name}")


class PageParts:
    """The parts of one published page (`RenderedPage.parts`), for rendering it again (#9):
    the key of a part made of something, and the text of the part published under a key,
    read from the page's file at the first call and trusted as a kept page is (its stamp,
    or else its sha256). Pure but for that read: it runs in render's workers."""

    def __init__(self, cache: PageCache, dest: str, published: _Published | None) -> None:
        self._cache = cache
        self._dest = dest
        self._published = published
        self._spans = {} if published is None else {k: (s, e) for k, s, e in published.parts}
        self._data: bytes | None = None

    def key(self, template: str, made_of: str) -> str:
        """The key of a part that `template` renders, on this page, of `made_of` (its
        values, written out exactly)."""
        return self._cache._key(template, self._dest, f"part\n{made_of}")

    def kept(self, key: str) -> str | None:
        """The text of the part published under `key`, or None."""
        span = self._spans.get(key)
        if span is None:
            return None
        data = self._read()
        start, end = span
        # The offsets are of the page as its template printed it, and the file ends with one
        # newline where that ended with several (`render.render_page`): when the last part
        # ended the page, the newlines past the file's end are those it lost.
        lost = end - len(data)
        if start >= len(data) or (lost > 0 and not data.endswith(b"\n")):
            return None
        try:
            return data[start:end].decode("utf-8") + "\n" * max(lost, 0)
        except UnicodeDecodeError:  # the manifest's offsets cut a character: not our file
            return None

    def _read(self) -> bytes:
        """The published file's bytes when they are the ones the manifest describes, else
        none."""
        published, dest = self._published, self._dest
        if self._data is None:
            self._data = b""
            if published is not None and _inside(dest):
                abs_path = self._cache._site_src_prefix + dest
                self._data = _trusted(abs_path, published.stamp, published.sha256) or b""
        return self._data


def _inside(dest: str) -> bool:
    """Whether a destination from the manifest stays inside site_src/."""
    return "\\" not in dest and ".." not in dest.split("/")


def _trusted(abs_path: str, stamp: FileStamp, sha256: str) -> bytes | None:
    """The bytes of the plain file at `abs_path` when they are the ones the manifest
    describes (`publish.CopySource.open_trusted`: the recorded stamp, or else the recorded
    sha256; never through a link)."""
    source = CopySource.open_trusted(abs_path, stamp, sha256)
    if source is None:
        return None
    try:
        return source.read(0, source.size)
    except (OSError, ShortRun):  # cut short since: as if it were not there
        return None
    finally:
        source.close()


@dataclass(frozen=True, slots=True)
class _Published:
    """A manifest entry: what the last build published at one destination."""

    key: str
    sha256: str
    stamp: FileStamp  # when its bytes were known (`publish.write_pages`); -1s: unknown
    links: tuple[str, ...]
    parts: tuple[PartSpan, ...]


def _manifest_entry(key: str, page: RenderedPage, stamp: FileStamp | None) -> Raw:
    """(key, sha256, stamp, links, parts) of a page just published: its file's stamp when its
    bytes were known (None: the next build reads it), and its sha256 as it was checked, or of
    its text. A stamp taken later could be that of a file written into since."""
    sha256 = page.reused.sha256 if page.reused is not None else _sha256(page.text)
    return (key, sha256, stamp, page.links, page.parts)


# A page kept as published, as a render worker sends it (`PageCache.sendable`).
KeptPage = tuple[str, str, FileStamp]
# A manifest entry as it is pickled.
Raw = tuple[str, str, FileStamp | None, tuple[str, ...], tuple[PartSpan, ...]]


@dataclass(frozen=True, slots=True)
class _Runs:
    """Where a published data file's runs of lines are (`exports.lines_data`)."""

    sha256: str  # of the file as published
    stamp: FileStamp  # its file's, once published
    spans: dict[str, Span]  # by key (`lines_key`)


def _runs_of(raw: object) -> dict[str, _Runs]:
    """The manifest's record of the data files' runs, by destination, as `save` wrote it."""
    if type(raw) is not dict:
        raise ValueError(f"a damaged record of runs of lines: {raw!r:.200}")
    return {dest: _runs(dest, record) for dest, record in raw.items()}


def _runs(dest: object, raw: object) -> _Runs:
    """The manifest's record of one data file's runs."""
    if not isinstance(dest, str) or not isinstance(raw, tuple) or len(raw) != 3:
        raise ValueError(f"a damaged record of {dest}: {raw!r:.200}")
    sha256, stamp, spans = raw
    if not isinstance(sha256, str) or not _is_stamp(stamp) or not isinstance(spans, dict):
        raise ValueError(f"a damaged record of {dest}: {raw!r:.200}")
    for key, span in spans.items():
        if not (
            isinstance(key, str)
            and isinstance(span, tuple)
            and len(span) == 2
            and type(span[0]) is type(span[1]) is int
            and 0 <= span[0] <= span[1]
        ):
            raise ValueError(f"a damaged record of {dest}: {key}: {span!r:.200}")
    return _Runs(sha256, stamp, spans)


_NO_STAMP: FileStamp = (-1, -1, -1, -1)  # matches no file


def _entry(raw: Raw) -> _Published:
    """A manifest entry (`_manifest_entry`) as read back; a stamp it lacks matches no file."""
    key, sha256, stamp, links, parts = raw
    if not (
        type(key) is str
        and type(sha256) is str
        and (stamp is None or _is_stamp(stamp))
        and type(links) is tuple
        and type(parts) is tuple
        and all(_is_part(part) for part in parts)
    ):
        raise ValueError(f"a damaged entry: {raw!r:.200}")
    return _Published(key, sha256, _NO_STAMP if stamp is None else stamp, links, parts)


def _is_part(part: object) -> bool:
    return (
        type(part) is tuple
        and len(part) == 3
        and type(part[0]) is str
        and type(part[1]) is type(part[2]) is int
        and 0 <= part[1] <= part[2]
    )


def _check_links(links: set[object]) -> None:
    """Every link path of the manifest's entries, each checked once: 40,000 at 10k articles,
    a few thousand of them different."""
    for link in links:
        if type(link) is not str or not is_page_link(link):
            raise ValueError(f"a damaged entry: a link {link!r:.200}")


def _is_stamp(stamp: object) -> bool:
    # Each number's type named, not looped over: read for each of 10,400 pages at 10k.
    return (
        type(stamp) is tuple
        and len(stamp) == 4
        and type(stamp[0]) is type(stamp[1]) is type(stamp[2]) is type(stamp[3]) is int
    )
