"""The incremental build cache: what the per-article stages made of each file, kept on disk.

I/O at the edge: read once while loading, written once beside publishing
(`pipeline._build`). A cache hit must never change a build's output, so an entry's key
covers everything the per-article stages read: the file's bytes and content-relative path,
the path messages show for it (it depends on the working directory), the registries as
parsed (but the overrides, which only clustering reads), every setting, and the code (the
package's own sources, the Python and Unicode versions, and the libraries whose behaviour
the stages depend on). Change any of them and the entry is simply never asked for again. One
part of an entry is not the per-article stages' alone: its claims carry the event the last
build put their item in, and every build checks that tag (`corpus_stages.tag_claims`).

An entry holds the loaded article with its problems (from `ingest.parse_file`) and, once the
per-article stages have run, their `ArticleWork`, each pickled on its own: the workers of the
per-article pass send their results pickled, and those bytes are kept as they came (#9).
Once there are CHUNK entries on their own, the build that writes the pack pickles them
together, a chunk at a time, which a later build unpickles faster (`_rechunk`); an entry
whose work a build makes again leaves its chunk, and a chunk that lost a quarter of its
entries goes, its others back with those on their own.
Entries are kept in one pack file per content folder,
`<cache_dir>/parallax/articles-<digest>.pickle`: one read at the start of a build, and only
the entries that build used are written back, so the pack never outgrows the corpus by
much: when they are mostly the pack's, only the others go into a journal beside it
(`.more`), and the pack is written whole again once they are not (`write_pack`).
The pack is local and trusted like the code (pickle runs code when loaded): CI restores it
only from this repository's own cache.
"""

from __future__ import annotations

import copyreg
import dataclasses
import hashlib
import io
import logging
import os
import pickle
import sys
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from importlib import metadata
from pathlib import Path
from typing import Any, TypeGuard

import parallax
from parallax import ingest, reducers
from parallax.config import Settings
from parallax.ingest import (
    FilesRead,
    Loaded,
    Loading,
    ParseFiles,
    RawFile,
    Read,
    parse_files,
    read_content,
)
from parallax.memo import by_identity
from parallax.model import Claim, Item, Registries
from parallax.packs import (
    Blob,
    Stored,
    read_checked,
    read_pack,
    remove_stale,
    save_pack,
    write_atomically,
    write_checked,
)
from parallax.parallel import beside, worth_forking
from parallax.problems import Problem
from parallax.reducers import constructor_reducers
from parallax.signature import Signature

log = logging.getLogger(__name__)

FORMAT = 4  # bump when the layout of entries changes
PACKS = "parallax"  # the folder under cache_dir; one pack per content folder
# Libraries whose results the per-article stages depend on (parsing, fuzzy matching).
LIBRARIES = ("PyYAML", "rapidfuzz", "jsonschema")
# Libraries that render pages: Jinja's own check of a compiled template reads only its
# bytecode format's version, which releases that compile templates otherwise keep.
RENDERERS = ("Jinja2", "MarkupSafe")
ENTRY_BYTES = 4096  # about the least an article's entry takes in the pack, to count them

Framing = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ArticleWork:
    """What the per-article stages made of one loaded article."""

    cleaned_body: str | None  # the body after `clean_article`; None when it did not change
    items: tuple[Item, ...]  # segmented and analysed
    problems: tuple[Problem, ...]  # from segmenting
    framing: tuple[Framing, ...]  # per item, `framing_terms`
    # Per item, extracted with event_id "", then as the last build that used the entry tagged
    # them with their item's event (`corpus_stages.tag_claims`), all of an item's together; a
    # build checks each item's tag.
    claims: tuple[tuple[Claim, ...], ...]
    signatures: tuple[Signature, ...]  # per item, clustering's (`signature.item_signature`)
    story_counts: tuple[Mapping[str, float], ...]  # per item, `stories.item_counts`
    digests: tuple[str, ...]  # per item, `event_ids.content_digest`, which orders items


@dataclass(frozen=True, slots=True)
class _Entry:
    loaded: Loaded
    work: ArticleWork | None = None


@lru_cache(maxsize=1)
def renderer_version() -> str:
    """A digest of `code_version` and of the libraries that render pages: what the page
    cache's keys and the compiled templates depend on besides the templates, where the
    articles' entries do not (a new Jinja keeps the build cache)."""
    return hashlib.sha256(f"{code_version()}{_versions(RENDERERS)}".encode()).hexdigest()


def _versions(names: Sequence[str]) -> str:
    """The installed version of each of these libraries, one line each."""
    found = []
    for name in names:
        try:
            found.append(f"\n{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"\n{name} missing")
    return "".join(found)


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of everything in the code that can change what a stage makes of an article."""
    digest = hashlib.sha256(f"{FORMAT}\n{sys.version}\n{unicodedata.unidata_version}".encode())
    # Pickles name the compiled makers, or the twins where there are none (`reducers`).
    digest.update(f"\nmakers {reducers.COMPILED}".encode())
    digest.update(_versions(LIBRARIES).encode())
    abs_package = Path(parallax.__file__).parent
    for abs_path in sorted(abs_package.rglob("*")):
        if abs_path.suffix in (".py", ".c", ".json") and "__pycache__" not in abs_path.parts:
            digest.update(f"\n{abs_path.relative_to(abs_package).as_posix()}\n".encode())
            digest.update(abs_path.read_bytes())
    return digest.hexdigest()


@by_identity
def _registries_digest(registries: Registries) -> bytes:
    """The registries the per-article stages read: sources, actors and terms. Overrides
    only steer clustering, which runs in full on every build, and whatever they change
    reaches the stage memo and the pages through the events and stories (#9)."""
    # The repr of frozen dataclasses of tuples, strings and dates is exact and stable.
    read = dataclasses.replace(registries, overrides=())
    return hashlib.sha256(repr(read).encode()).digest()


# Also how workers send the per-article results back (parallel.fork_map, #9).
REDUCERS = {**ingest.REDUCERS, **constructor_reducers([ArticleWork, Signature])}
_DISPATCH = {**copyreg.dispatch_table, **REDUCERS}


def dumps(value: object, dispatch: Mapping[type, Callable[[Any], Any]] = _DISPATCH) -> bytes:
    """`value` pickled with the reducers of `dispatch` (a copyreg dispatch table)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = dispatch
    pickler.dump(value)
    return buffer.getvalue()


def dumps_work(work: ArticleWork) -> bytes:
    """An `ArticleWork` as the cache keeps it; a worker of the per-article pass sends it so
    (`BuildCache.put_work`)."""
    return dumps(work)


# A pack's entry: the pickled `Loaded`, and the pickled `ArticleWork` once there is one (each
# a view of the pack's file, as read, or bytes, as made: `packs.Blob`); or, for an entry
# pickled with others in a chunk, `IN_CHUNK` and the chunk's name.
Blobs = tuple[Blob, Blob | None] | tuple[str, str]
IN_CHUNK = " in chunk"
# A chunk is an entry of its own, named for its bytes (no file's key starts with a space):
# a pickled dict of its entries, key -> (loaded, work). Entries unpickled CHUNK at a time
# took 0.29 s at 10k articles, against 0.38 s one by one, with the same objects made.
CHUNK = 64
_CHUNK_NAME = " chunk "


def _on_its_own(entry: Blobs) -> TypeGuard[tuple[Blob, Blob | None]]:
    """Whether an entry is pickled on its own, rather than in a chunk."""
    return entry[0] != IN_CHUNK


def _article_id(entry: _Entry) -> str:
    """The id of an entry's article ("" for a file that did not load)."""
    article = entry.loaded[0]
    return "" if article is None else article.id


def _chunk_of(entry: Blobs) -> str:
    """The name of the chunk an entry is pickled in ("": none)."""
    return entry[1] if entry[0] == IN_CHUNK and isinstance(entry[1], str) else ""


def base_path(abs_pack: Path) -> Path:
    """Where the digest of the code, settings and folder that wrote a pack is kept: beside
    it, read before the pack itself (`BuildCache._same_base`)."""
    return abs_pack.with_name(abs_pack.name + ".base")


def pack_path(abs_dir: Path, abs_content: Path) -> Path:
    """The pack of one content folder: building another folder (`--content`) must not
    evict the entries of this one."""
    digest = hashlib.sha256(str(abs_content.resolve()).encode()).hexdigest()[:16]
    return abs_dir / PACKS / f"articles-{digest}.pickle"


def file_digests_path(abs_pack: Path) -> Path:
    """Where `FileDigests` of a content folder are kept: beside its pack."""
    return abs_pack.with_name(abs_pack.name.replace("articles-", "files-", 1))


# A file's stamp: device, inode, size, and modification and change times in nanoseconds.
Stamp = tuple[int, int, int, int, int]
DIGESTS_FORMAT = 1  # bump when the layout of `FileDigests`' file changes
# How long a file must have gone unchanged before a build read it for its stamp to be kept.
SETTLED_NS = 2_000_000_000


class FileDigests:
    """The sha256 of each article file's bytes as a build read them, by the file's path in
    the content folder, with the stamp the file had then (#9). A file that still has that
    stamp has those bytes, and is not read again: at 10k articles, reading and hashing
    every file took 0.32-0.43 s in the process that does it, which this one then waited for.

    The change time is the kernel's: a write moves it, and so does setting the modification
    time, which anyone can. A stamp is kept only when the file had not changed for
    `SETTLED_NS` before the build looked at it: a write in the same tick of the clock as
    the one before it could leave the same stamp. Kept in one file per content folder,
    beside its pack, after its sha256 (`packs.with_digest`); missing or damaged, every file
    is read. Its stamps are of this machine: restored elsewhere (CI), none matches."""

    def __init__(self, abs_path: Path) -> None:
        self.abs_path = abs_path
        self._known = self._read()
        self._stamps: dict[str, Stamp] = {}  # of the files this build found
        self._unread: set[str] = set()
        self._kept: dict[str, tuple[Stamp, bytes]] = {}  # for the next build
        self._settled = time.time_ns() - SETTLED_NS  # a change time before this is kept

    def _read(self) -> dict[str, Any]:
        try:
            found = pickle.loads(read_checked(self.abs_path)[1])
        except FileNotFoundError:
            return {}
        except Exception as exc:  # it only costs reading the files
            log.warning("ignoring the file digests %s: %s", self.abs_path, exc)
            return {}
        if not isinstance(found, tuple) or len(found) != 2 or found[0] != DIGESTS_FORMAT:
            return {}
        return found[1] if isinstance(found[1], dict) else {}

    def unread(self, rel: str, info: os.stat_result) -> bool:
        """Whether the file at `rel` has the stamp it had when a build hashed its bytes:
        then it need not be read (`ingest.read_files`)."""
        stamp = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        self._stamps[rel] = stamp
        found = self._known.get(rel)
        if (
            type(found) is tuple
            and len(found) == 2
            and found[0] == stamp
            and type(found[1]) is bytes
            and len(found[1]) == hashlib.sha256().digest_size
        ):
            self._unread.add(rel)
            self._kept[rel] = found
            return True
        return False

    def was_unread(self, rel: str) -> bool:
        return rel in self._unread

    def sha256(self, rel: str, raw: bytes) -> bytes:
        """The sha256 of the bytes of the file at `rel`: as known, for a file not read, else
        of `raw`, kept for the next build when the file had settled (`SETTLED_NS`)."""
        if rel in self._unread:
            return self._kept[rel][1]
        digest = hashlib.sha256(raw).digest()
        stamp = self._stamps.get(rel)
        if stamp is not None and stamp[4] < self._settled:
            self._kept[rel] = (stamp, digest)
        return digest

    def save(self) -> None:
        """Write what the next build needs, when it changed: files read, changed or gone."""
        if self._kept == self._known:
            return
        payload = pickle.dumps((DIGESTS_FORMAT, self._kept), pickle.HIGHEST_PROTOCOL)
        try:
            write_checked(self.abs_path, payload)
        except OSError as exc:  # a read-only cache: the next build reads every file
            log.warning("could not write the file digests %s: %s", self.abs_path, exc)


class BuildCache:
    """The cache of one build: `parse` for loading, then `work` and `put_work` per article."""

    def __init__(self, abs_dir: Path, settings: Settings, abs_content: Path) -> None:
        self.abs_pack = pack_path(abs_dir, abs_content)
        self._base = hashlib.sha256(
            f"{code_version()}\n{settings!r}\n{Path.cwd()}".encode()
        ).digest()
        remove_stale(self.abs_pack.parent)
        self._used: dict[str, Blobs] = {}  # key -> the entry, for the pack written back
        self._entries: dict[str, tuple[str, _Entry]] = {}  # article id -> (key, entry)
        self._unpacked: dict[str, ArticleWork] = {}  # key -> a work to pickle when saving
        self._unpickled: dict[str, _Entry | None] = {}  # key -> its entry, read ahead
        self._chunks: dict[str, dict[str, _Entry]] = {}  # name -> its entries, once read
        self._keys: dict[str, str] = {}  # path in the content folder -> the file's key
        self.hits = 0
        self.misses = 0

    @cached_property
    def _read(self) -> Stored:
        """The pack, read when first needed: on a large corpus, while another process reads
        the articles' files (`_read_content`). Damaged, it is empty: a clean build."""
        return read_pack(self.abs_pack, "build cache")

    @property
    def _stored(self) -> dict[str, Blobs]:
        return self._read.entries

    def key(self, rel: str, path: str, raw: bytes, registries: Registries) -> str:
        """The key of one file's entry."""
        return self._key(rel, path, hashlib.sha256(raw).digest(), registries)

    def _key(self, rel: str, path: str, raw_sha256: bytes, registries: Registries) -> str:
        """`key`, given the sha256 of the file's bytes."""
        digest = hashlib.sha256(self._base)
        digest.update(_registries_digest(registries))
        digest.update(f"\n{rel}\n{path}\n".encode())
        digest.update(raw_sha256)
        return digest.hexdigest()

    def memoised(self, parse: ParseFiles = parse_files) -> Loading:
        """How `ingest.load_corpus` should read and parse through the cache: the files it
        has no entry for are parsed together, so on every core (#9)."""
        return Loading(self._read_content, partial(self._parse, parse))

    def _read_content(self, abs_content_dir: Path, settings: Settings) -> Read:
        """`ingest.read_content`, with each file's key. On a large corpus a forked process
        reads the registries and the files and hashes the files, and sends back the
        registries and the keys without the files' bytes, while this one reads the pack and
        unpickles every entry: at 10k articles, 0.29 s and 0.55 s, which were one after the
        other (#9). A file with the stamp it had when a build hashed it is not read at all
        (`FileDigests`). The files the pack has no entry for are then read again, here. The
        pack is read after the fork: the parent would otherwise copy every page of it that
        it touches while the child shares them.
        """
        fork = self._same_base() and worth_forking(self._pack_size() // ENTRY_BYTES)
        scan = partial(self._scan, abs_content_dir, settings)
        with beside(scan, fork=fork) as scanned:
            if fork:
                self._unpickled = {
                    key: self._unpickle(key) for key in self._stored if key[:1] != " "
                }
            try:
                registries, problems, found, self._keys, dropped = scanned()
            except ChildProcessError:  # it died (out of memory?): read here instead
                registries, problems, found, self._keys, dropped = scan(False)
        wanted = set(self._keys.values())  # the entries of files gone or changed are not
        self._unpickled = {k: v for k, v in self._unpickled.items() if k in wanted}
        for rel in dropped:  # the files not read, without a fork: unpickled here once
            key = self._keys[rel]
            if key not in self._unpickled:
                self._unpickled[key] = self._unpickle(key)
        failed = [rel for rel in dropped if self._unpickled[self._keys[rel]] is None]
        if failed:
            found = self._read_again(found, failed, abs_content_dir, settings)
        return registries, problems, found

    def _pack_size(self) -> int:
        try:
            return self.abs_pack.stat().st_size
        except OSError:
            return 0

    def _same_base(self) -> bool:
        """Whether the pack was written by this code, with these settings, from this folder
        (`base_path`): else no entry of it can be asked for, and none is read ahead."""
        try:
            return base_path(self.abs_pack).read_text(encoding="ascii") == self._base.hex()
        except (OSError, UnicodeDecodeError):
            return False

    def _scan(
        self, abs_content_dir: Path, settings: Settings, away: bool
    ) -> tuple[Registries, tuple[Problem, ...], FilesRead, dict[str, str], list[str]]:
        """What `ingest.read_content` reads, the files' keys by their path in the content
        folder, and the files whose bytes were dropped: all of them in another process
        (`away`), which would only send them back to be dropped there. A file with the stamp
        it had when a build read it is not read again (`FileDigests`): its bytes are those
        that build hashed."""
        known = FileDigests(file_digests_path(self.abs_pack))
        registries, problems, found = read_content(abs_content_dir, settings, known.unread)
        keys = {}
        dropped = []
        files = []
        for file, read_problems in found.files:
            if file is not None:
                rel, path, raw = file
                keys[rel] = self._key(rel, path, known.sha256(rel, raw), registries)
                if away or known.was_unread(rel):
                    file = (rel, path, b"")
                    dropped.append(rel)
            files.append((file, read_problems))
        known.save()
        return registries, problems, FilesRead(found.problems, tuple(files)), keys, dropped

    def _read_again(
        self, found: FilesRead, rels: list[str], abs_content_dir: Path, settings: Settings
    ) -> FilesRead:
        """`found` with the files of `rels` read again: their bytes were dropped, and the
        pack has no entry for them (new or changed files, or an entry that cannot be read)."""
        again = set(rels)
        files = []
        for file, problems in found.files:
            if file is not None and file[0] in again:
                rel, path, _ = file
                del self._keys[rel]  # the file may have changed since: keyed anew
                file, problems = ingest.read_again(abs_content_dir, rel, path, settings)
            files.append((file, problems))
        return FilesRead(found.problems, tuple(files))

    def _parse(
        self, parse: ParseFiles, files: Sequence[RawFile], registries: Registries
    ) -> list[Loaded]:
        keys = [
            self._keys.get(rel) or self.key(rel, path, raw, registries) for rel, path, raw in files
        ]
        entries = [self._entry(key) for key in keys]
        missing = [f for f, entry in zip(files, entries, strict=True) if entry is None]
        parsed = iter(parse(missing, registries))
        loaded = []
        for key, entry in zip(keys, entries, strict=True):
            if entry is None:
                self.misses += 1
                entry = _Entry(next(parsed))
                self._used[key] = (dumps(entry.loaded), None)
            else:
                self.hits += 1
                self._used[key] = stored = self._stored[key]
                if chunk := _chunk_of(stored):
                    self._used[chunk] = self._stored[chunk]
            article = entry.loaded[0]
            if article is not None:
                self._entries[article.id] = (key, entry)
            loaded.append(entry.loaded)
        return loaded

    def _entry(self, key: str) -> _Entry | None:
        if key in self._unpickled:
            return self._unpickled[key]
        return self._unpickle(key)

    def _unpickle(self, key: str) -> _Entry | None:
        blobs = self._stored.get(key)
        if blobs is None:
            return None
        if not _on_its_own(blobs):
            return self._chunk(_chunk_of(blobs)).get(key)
        try:  # the caller holds the collector (ingest.load_corpus)
            loaded = pickle.loads(blobs[0])
            work = None if blobs[1] is None else pickle.loads(blobs[1])
        except Exception:  # written by other code under the same key: cannot happen, but
            return None  # a miss is always safe
        if not isinstance(loaded, tuple) or not isinstance(work, ArticleWork | None):
            return None
        return _Entry(loaded, work)

    def _chunk(self, name: str) -> dict[str, _Entry]:
        """The entries of the chunk `name`, unpickled at the first call; none where it
        cannot be read (a miss is always safe)."""
        found = self._chunks.get(name)
        if found is None:
            found = self._chunks[name] = {}
            blobs = self._stored.get(name)
            try:  # the caller holds the collector, as for `_unpickle`
                chunk = pickle.loads(blobs[0]) if blobs and _on_its_own(blobs) else {}
            except Exception:
                chunk = {}
            for key, value in chunk.items() if isinstance(chunk, dict) else ():
                if (
                    isinstance(value, tuple)
                    and len(value) == 2
                    and isinstance(value[0], tuple)
                    and isinstance(value[1], ArticleWork | None)
                ):
                    found[key] = _Entry(value[0], value[1])
        return found

    def work(self, article_id: str) -> ArticleWork | None:
        """The per-article stages' result for a loaded article, when the cache has it."""
        found = self._entries.get(article_id)
        return None if found is None else found[1].work

    def article_key(self, article_id: str) -> str | None:
        """The key of a loaded article's entry: the stage memo keys its results by it (#9)."""
        found = self._entries.get(article_id)
        return None if found is None else found[0]

    def put_work(self, article_id: str, work: ArticleWork, packed: bytes | None = None) -> None:
        """Remember the per-article stages' result for a loaded article; `packed` is
        `dumps_work(work)`, when a worker sent it so."""
        key, entry = self._entries[article_id]
        entry = dataclasses.replace(entry, work=work)
        self._entries[article_id] = (key, entry)
        if packed is None:  # pickled by `save`, which may run beside publishing (#9)
            self._unpacked[key] = work
        else:
            self._unpacked.pop(key, None)
            self._used[key] = (self._loaded_blob(key, entry), packed)

    def _loaded_blob(self, key: str, entry: _Entry) -> Blob:
        """The pickled `Loaded` of an entry: as read, or pickled on its own."""
        used = self._used[key]
        return used[0] if _on_its_own(used) else dumps(entry.loaded)

    def _rechunk(self, entries: Mapping[str, _Entry]) -> None:
        """Pickle the entries on their own CHUNK at a time, once there are that many; and
        those of a chunk that lost more than a quarter of its entries too, which a build
        would otherwise unpickle for nothing. A build that adds a few articles leaves its
        entries on their own, in the journal, until there are enough of them. An entry whose
        work this build made again (`_unpacked`) is no longer its chunk's."""
        live: dict[str, list[str]] = {}
        loose = []
        for key, value in self._used.items():
            if (chunk := _chunk_of(value)) and key not in self._unpacked:
                live.setdefault(chunk, []).append(key)
            elif key[:1] != " " and key in entries:
                loose.append(key)
        for name, keys in live.items():
            if len(keys) * 4 < len(self._chunk(name)) * 3:
                del self._used[name]
                loose += keys
        for name in [key for key in self._used if key.startswith(_CHUNK_NAME)]:
            if name not in live:  # none of its entries is used
                del self._used[name]
        # In the articles' order: a chunk's objects are made together, next to each other
        # in memory, and the stages read them in that order (in the keys' order, clustering
        # took 0.04 s longer at 10k).
        loose.sort(key=lambda key: (_article_id(entries[key]), key))
        whole = len(loose) - len(loose) % CHUNK
        for start in range(0, whole, CHUNK):
            keys = loose[start : start + CHUNK]
            blob = dumps({key: (entries[key].loaded, entries[key].work) for key in keys})
            name = _CHUNK_NAME + hashlib.sha256(blob).hexdigest()
            self._used[name] = (blob, None)
            for key in keys:
                self._used[key] = (IN_CHUNK, name)
        for key in loose[whole:]:  # on their own: as they are, or pickled so
            entry = entries[key]
            if key in self._unpacked or not _on_its_own(self._used[key]):
                work = None if entry.work is None else dumps_work(entry.work)
                self._used[key] = (self._loaded_blob(key, entry), work)

    def save(self) -> None:
        """Write back the entries this build used, if they differ from what was read."""
        self._rechunk({key: entry for key, entry in self._entries.values()})
        self._unpacked.clear()
        save_pack(self.abs_pack, self._used, self._read, "build cache")
        abs_base = base_path(self.abs_pack)
        if self.abs_pack.exists() and not self._same_base():
            try:
                write_atomically(abs_base, lambda out: out.write(self._base.hex().encode()))
            except OSError as exc:  # only costs reading the pack ahead
                log.warning("could not write the build cache %s: %s", abs_base, exc)
