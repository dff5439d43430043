"""The packs' files (#9): written whole or into a journal, read as views of a mapped file."""

from __future__ import annotations

import errno
import logging
import pickle

import pytest

from parallax import packs

ENTRIES = {
    "a": b"first",
    "b": (b"loaded", b"work"),
    "c": (b"loaded", None),
    "d": b"",
    "e": memoryview(b"a view of another pack"),
}


def test_a_pack_reads_back_what_was_written_as_views_of_its_file(tmp_path):
    pack = tmp_path / "articles-x.pickle"
    packs.write_pack(pack, ENTRIES)
    stored = packs.read_pack(pack, "test pack")
    assert stored.entries == ENTRIES and stored.own == ENTRIES
    assert stored.size == pack.stat().st_size and isinstance(stored.name, str)
    assert isinstance(stored.entries["a"], memoryview)
    assert stored.entries["b"][0].obj is stored.entries["a"].obj  # one mapping of the file
    assert pack.read_bytes().startswith(packs.MAGIC)
    # Written again from what was read (views), the file is the same but for its name.
    packs.write_pack(tmp_path / "again.pickle", stored.entries)
    assert packs.read_pack(tmp_path / "again.pickle", "test pack").entries == ENTRIES


def test_views_of_a_pack_keep_their_bytes_when_a_later_build_replaces_it(tmp_path):
    pack = tmp_path / "articles-x.pickle"
    packs.write_pack(pack, {"k": pickle.dumps("old value")})
    view = packs.read_pack(pack, "test pack").entries["k"]
    packs.write_pack(pack, {"k": pickle.dumps("a new value, longer than the old one")})
    assert pickle.loads(view) == "old value"
    assert pickle.loads(packs.read_pack(pack, "test pack").entries["k"]) == (
        "a new value, longer than the old one"
    )


def test_a_journal_holds_bytes_and_reads_back_over_the_pack(tmp_path):
    pack = tmp_path / "articles-x.pickle"
    packs.write_pack(pack, {str(n): bytes(100) for n in range(20)})
    stored = packs.read_pack(pack, "test pack")
    used = {**stored.entries, "new": b"added", "0": memoryview(b"changed")}
    packs.write_pack(pack, used, stored)
    assert packs.journal_path(pack).exists()
    assert packs.read_pack(pack, "test pack").entries == used


@pytest.mark.parametrize(
    "damage",
    [
        "an earlier layout",
        "truncated",
        "empty",
        "outside the file",
        "an index that is not a dict",
    ],
)
def test_a_pack_that_cannot_be_read_is_empty_and_named(tmp_path, caplog, damage):
    pack = tmp_path / "articles-x.pickle"
    packs.write_pack(pack, ENTRIES)
    data = pack.read_bytes()
    head = len(packs.MAGIC) + 8
    if damage == "an earlier layout":  # one pickled dict, as before the layout above
        pack.write_bytes(pickle.dumps(dict(ENTRIES, e=b"e")))
    elif damage == "truncated":  # the last blob reaches past the end
        pack.write_bytes(data[: len(data) - 3])
    elif damage == "empty":
        pack.write_bytes(b"")
    else:
        index = (
            pickle.dumps({"a": slice(0, len(data))})
            if damage == "outside the file"
            else pickle.dumps(["a"])
        )
        pack.write_bytes(packs.MAGIC + len(index).to_bytes(8, "little") + index + data[head:])
    with caplog.at_level(logging.WARNING):
        stored = packs.read_pack(pack, "test pack")
    assert stored.entries == {} and stored.name is None
    assert "ignoring the test pack" in caplog.text and str(pack) in caplog.text


@pytest.mark.parametrize("why", ["not POSIX", "a file system that cannot map"])
def test_a_file_that_cannot_be_mapped_is_read(tmp_path, monkeypatch, caplog, why):
    pack = tmp_path / "articles-x.pickle"
    packs.write_pack(pack, ENTRIES)
    mapped = packs.mmap.mmap
    if why == "not POSIX":
        monkeypatch.setattr(packs, "_can_map", lambda: False)
    else:

        def no_device(*args: object, **kwargs: object) -> None:
            raise OSError(errno.ENODEV, "No such device")

        monkeypatch.setattr(packs.mmap, "mmap", no_device)
    with caplog.at_level(logging.WARNING):
        stored = packs.read_pack(pack, "test pack")
    assert stored.entries == ENTRIES and caplog.text == ""
    assert not isinstance(stored.entries["a"].obj, mapped)


def test_a_journal_is_weighed_with_the_views_it_would_hold(tmp_path):
    # An entry made of a view of the pack and new bytes (an article's work pickled again)
    # counts both towards the journal's size, which decides whether the pack is written whole.
    pack = tmp_path / "articles-x.pickle"
    packs.write_pack(pack, {str(n): (bytes(1000), None) for n in range(10)})
    stored = packs.read_pack(pack, "test pack")
    assert packs._size((stored.entries["0"][0], b"work")) == 1004
    half = {k: (v[0], b"w") if int(k) < 4 else v for k, v in stored.entries.items()}
    packs.write_pack(pack, half, stored)  # 4,004 bytes again of 10,000: a journal
    assert packs.journal_path(pack).exists()
    stored = packs.read_pack(pack, "test pack")
    more = {k: (v[0], b"w") if int(k) < 6 else v for k, v in stored.entries.items()}
    packs.write_pack(pack, more, stored)  # 6,006 bytes: the pack written whole
    assert not packs.journal_path(pack).exists()
    assert packs.read_pack(pack, "test pack").entries == more


def test_a_checked_file_reads_back_its_payload_and_refuses_a_damaged_one(tmp_path):
    path = tmp_path / "cache" / "file.pickle"
    with pytest.raises(FileNotFoundError):
        packs.read_checked(path)
    packs.write_checked(path, b"payload")
    digest, payload = packs.read_checked(path)
    assert payload == b"payload" and path.read_bytes() == digest + payload
    path.write_bytes(path.read_bytes()[:-1] + b"!")  # one byte changed
    with pytest.raises(ValueError, match="damaged"):
        packs.read_checked(path)
