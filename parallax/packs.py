"""The files the build cache keeps its entries in: packs, each a dict of pickled values,
with a journal beside it for what builds added since it was written whole (#9).

I/O only, and only under the cache folder. A pack is local and trusted like the code
(pickle runs code when loaded), and every write replaces a file whole
(`write_atomically`), so that a build stopped halfway leaves the last build's files.

A pack's file is `MAGIC`, the length of its index (8 bytes, little-endian), the index (a
pickled dict: each entry's value with every blob in it replaced by where its bytes are,
a `slice` of the rest of the file) and then the blobs, one after the other. The file is
mapped into memory, not read: an entry is a view of its bytes, and is unpickled from there
(where a file cannot be mapped, it is read). Read as one pickle, the 10k corpus's pack of
75 MB was copied twice, into the file's bytes and then into each entry's, and touched 37,000
new pages of memory: 0.08 s, before any entry was unpickled.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import pickle
import secrets
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from parallax.parallel import quiet_gc

log = logging.getLogger(__name__)

MORE = ".more"  # a pack's journal: what builds added since the pack was written whole
PACK_ID = " pack"  # the entry that names a pack for its journal (no key starts with a space)
MAGIC = b"parallax pack 2\n"  # the start of a pack's file, in this layout
_LENGTH = 8  # bytes of the index's length

# A blob of a pack: pickled bytes, or a view of them in the pack's file.
Blob = bytes | memoryview


@dataclass(frozen=True, slots=True)
class Stored:
    """What a build read of a pack, for `write_pack`: its entries with its journal's over
    them, and the pack's own entries, name (`PACK_ID`) and size."""

    entries: dict[Any, Any]
    own: dict[Any, Any]
    name: str | None  # None: no pack
    size: int
    journal_read: bool = True  # False: a journal was there and could not be read as this pack's


STALE = 3600.0  # seconds: a temporary file of the cache left this long was a stopped write


def remove_stale(abs_packs: Path) -> None:
    """Remove the temporary files that writes of the packs left when they were stopped (a
    build interrupted while its cache was written, #9), once they are an hour old: younger
    ones may be another build's, still writing."""
    try:
        found = list(abs_packs.glob("*.tmp"))
    except OSError:
        return
    now = time.time()
    for abs_tmp in found:
        try:
            info = abs_tmp.lstat()
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime >= STALE:
                abs_tmp.unlink()
        except OSError:
            continue  # gone already, or not ours to remove: it only takes room


def journal_path(abs_pack: Path) -> Path:
    """Where a pack's journal is: beside it."""
    return abs_pack.with_name(abs_pack.name + MORE)


def write_pack(abs_pack: Path, entries: dict[str, Any], stored: Stored | None = None) -> None:
    """The entries a build used, for `read_pack`, written atomically (`write_atomically`).

    When they are mostly the pack's (`stored`), only the others are written, into the pack's
    journal, named with the pack's name: a 10k digest's pack is 72 MB, and one article added
    is 7 KB of it (#9). The pack is written whole, with a new name, and its journal removed,
    once the journal would pass half the pack's size or a quarter of the pack's entries are
    no longer used: the files then hold at most about 1.75 times what the build used.
    """
    if stored is not None and stored.name is not None:
        own = stored.own
        more = {key: value for key, value in entries.items() if own.get(key) is not value}
        if len(own.keys() - entries.keys()) * 4 <= len(own):
            if stored.journal_read and _same(more, _journal(stored)):
                return  # the journal there is this one: entries a build no longer uses remain
            if sum(map(_size, more.values())) * 2 <= stored.size:
                data = pickle.dumps((stored.name,), protocol=pickle.HIGHEST_PROTOCOL)
                data += pickle.dumps(_as_bytes(more), protocol=pickle.HIGHEST_PROTOCOL)
                write_atomically(journal_path(abs_pack), lambda out: out.write(data))
                return
    named = {**entries, PACK_ID: secrets.token_hex(16)}
    write_atomically(abs_pack, lambda out: _write_layout(out, named))
    journal_path(abs_pack).unlink(missing_ok=True)  # if this fails, its name is not the pack's


def _write_layout(out: BinaryIO, entries: dict[Any, Any]) -> None:
    """A pack's file: `MAGIC`, the index's length, the index, the blobs (module doc)."""
    blobs: list[Blob] = []
    at = 0

    def placed(value: object) -> object:
        nonlocal at
        if isinstance(value, bytes | memoryview):
            start, at = at, at + len(value)
            blobs.append(value)
            return slice(start, at)
        if isinstance(value, tuple):
            return tuple(placed(part) for part in value)
        return value

    index = pickle.dumps(
        {key: placed(value) for key, value in entries.items()}, protocol=pickle.HIGHEST_PROTOCOL
    )
    out.write(MAGIC + len(index).to_bytes(_LENGTH, "little"))
    out.write(index)
    for blob in blobs:
        out.write(blob)


def _as_bytes(entries: dict[Any, Any]) -> dict[Any, Any]:
    """Entries with every view of a pack's file made bytes, for pickling (a journal)."""

    def plain(value: object) -> object:
        if isinstance(value, memoryview):
            return value.tobytes()
        return tuple(map(plain, value)) if isinstance(value, tuple) else value

    return {key: plain(value) for key, value in entries.items()}


def save_pack(abs_pack: Path, used: dict[str, Any], stored: Stored, what: str) -> None:
    """Write back the entries a build `used` (`write_pack`), unless they are just what it
    read; a pack that cannot be written is logged, naming `what` it is: a read-only
    checkout still builds, only slower next time."""
    read = stored.entries
    if used.keys() == read.keys() and all(used[key] is read[key] for key in used):
        return
    try:
        write_pack(abs_pack, used, stored)
    except OSError as exc:
        log.warning("could not write the %s %s: %s", what, abs_pack, exc)


def _journal(stored: Stored) -> dict[Any, Any]:
    """The entries `stored` read from its journal: those that are not the pack's own."""
    own = stored.own
    return {key: value for key, value in stored.entries.items() if own.get(key) is not value}


def _same(one: dict[Any, Any], other: dict[Any, Any]) -> bool:
    """Whether two dicts of entries hold the same objects under the same keys."""
    return one.keys() == other.keys() and all(one[key] is other[key] for key in one)


def _size(entry: object) -> int:
    """The bytes an entry holds: a pickled value, or a tuple of them (None: none yet)."""
    if isinstance(entry, bytes | memoryview):
        return len(entry)
    return sum(map(_size, entry)) if isinstance(entry, tuple) else 0


def read_pack(abs_pack: Path, what: str) -> Stored:
    """A pack of the cache (a pickled dict, as `write_pack` wrote it) with its journal's
    entries over its own: nothing when there is no pack. A damaged pack or journal is
    logged, naming `what` it is, and read as empty: it only costs time. A journal written
    for another pack (its name is not this one's) is not read. The name is in the pack,
    not in its file's stamp, so that a cache restored from an archive (CI) keeps both."""
    try:
        with quiet_gc():  # many objects, and no cycles
            size, own = _read_layout(abs_pack)
    except FileNotFoundError:
        return Stored({}, {}, None, 0)
    except Exception as exc:
        log.warning("ignoring the %s %s: %s", what, abs_pack, exc)
        return Stored({}, {}, None, 0)
    name = own.pop(PACK_ID, None)
    entries = dict(own)
    abs_more = journal_path(abs_pack)
    read = True
    try:
        with quiet_gc(), abs_more.open("rb") as handle:
            written_for = pickle.load(handle)
            read = name is not None and written_for == (name,)
            if read:
                more = pickle.load(handle)
                read = isinstance(more, dict)
                entries.update(more if isinstance(more, dict) else {})
    except FileNotFoundError:
        pass
    except Exception as exc:
        read = False
        log.warning("ignoring the %s %s: %s", what, abs_more, exc)
    return Stored(entries, own, name if isinstance(name, str) else None, size, read)


def _read_layout(abs_pack: Path) -> tuple[int, dict[Any, Any]]:
    """A pack's file's size and entries, each blob a view of the file (module doc)."""
    with abs_pack.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        data = _mapped(handle, size)
    head = len(MAGIC) + _LENGTH
    if data[: len(MAGIC)] != MAGIC or size < head:
        raise ValueError("not a pack of this version of Parallax")
    end = head + int.from_bytes(data[len(MAGIC) : head], "little")
    index = pickle.loads(data[head:end])
    blobs = data[end:]
    if not isinstance(index, dict):
        raise ValueError("its index is not a dict")

    def found(value: object) -> object:
        if isinstance(value, slice):
            start, stop = value.start, value.stop
            if not (type(start) is type(stop) is int and 0 <= start <= stop <= len(blobs)):
                raise ValueError(f"an entry outside the file: {value}")
            return blobs[start:stop]
        return tuple(map(found, value)) if isinstance(value, tuple) else value

    return size, {key: found(value) for key, value in index.items()}


def _can_map() -> bool:
    """Whether a pack's file is mapped: not where a file mapped cannot be replaced."""
    return os.name == "posix"


def _mapped(handle: BinaryIO, size: int) -> memoryview:
    """The bytes of an open file, mapped into memory where that can be done. The mapping
    stays while any view of it does; the file is never written in place (a pack is replaced
    whole), so a later build's pack does not change what this one maps."""
    if _can_map() and size > 0:
        flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)  # mapped at once, in bulk
        try:
            return memoryview(mmap.mmap(handle.fileno(), size, flags=flags, prot=mmap.PROT_READ))
        except (OSError, ValueError):  # a file system that cannot map files (ENODEV)
            pass
    return memoryview(handle.read())


DIGEST = 32  # bytes of the sha256 before a checksummed file's payload (`with_digest`)


def with_digest(payload: bytes) -> bytes:
    """A file's bytes: the sha256 of `payload`, then `payload`. For cache files whose damage
    would not show when read (a number changed by one) or would crash the interpreter
    (compiled code, run as it is found)."""
    return hashlib.sha256(payload).digest() + payload


def checked(data: bytes) -> bytes | None:
    """The payload of a file's bytes made by `with_digest`; None when its sha256 differs."""
    digest, payload = data[:DIGEST], data[DIGEST:]
    return payload if hashlib.sha256(payload).digest() == digest else None


def read_checked(abs_path: Path) -> tuple[bytes, bytes]:
    """The sha256 and the payload of a file `write_checked` wrote. FileNotFoundError when
    there is none; ValueError when its sha256 does not match (damaged)."""
    data = abs_path.read_bytes()
    payload = checked(data)
    if payload is None:
        raise ValueError("its checksum does not match: damaged")
    return data[:DIGEST], payload


def write_checked(abs_path: Path, payload: bytes) -> None:
    """`payload` after its sha256 (`with_digest`), written atomically (`write_atomically`)."""
    data = with_digest(payload)
    write_atomically(abs_path, lambda out: out.write(data))


def write_atomically(abs_path: Path, write: Callable[[BinaryIO], object]) -> None:
    """`write` into `abs_path` atomically: a temporary file in the same folder, then
    `os.replace`, so that a build stopped halfway leaves the old file or the new one."""
    abs_path.parent.mkdir(parents=True, exist_ok=True)
    handle, abs_tmp = tempfile.mkstemp(dir=abs_path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.chmod(abs_tmp, 0o644)  # mkstemp makes it private; the folder decides
        os.replace(abs_tmp, abs_path)
    finally:
        Path(abs_tmp).unlink(missing_ok=True)
