"""The page cache: pages reused from the published site_src/ when what they are made of is
unchanged (#9).

I/O at the edge: the manifest is read once before rendering and written once after a
successful publish; rendering reads a published page only on a hit, and the lines of
data/claims.json (below) in the worker that writes that file. The manifest, one per
site_src/ folder (`<cache_dir>/parallax/pages-<digest>.json`), maps each page's destination to
its key, the sha256 of the file published for it, that file's stamp once published (device,
inode, size and modification time: `publish.file_stamp`) and the link paths of its HTML
parts (`urls.page_links`). The key covers everything the page's text is made from: the page
object (its repr: frozen dataclasses of strings, numbers and tuples, exact and stable), the
template's name, the destination, every template file, and the code (`cache.code_version`).
A hit is trusted when the published file still has the recorded stamp, or else, read back,
the recorded sha256 (a site_src/ restored from CI's cache has new stamps and the same
bytes), so a page edited, deleted or left over from a failed build is rendered again. A hit
is never read into memory: publishing links the file, and the links are checked from the
manifest (#9).

Story and article pages, one per story and article, are keyed on what their page objects are
made of instead (`input_key`): the story with its events and points, the article's events and
stories, and the build cache's key of every article involved, which stands for the article,
its items, claims and framing, the registries and the settings. Their page objects are built
only when the key has changed. Overview pages are keyed on their page objects. Data files
are made afresh, but data/claims.json copies the lines of each event's claims from the last
build when the build cache's keys of their items' articles are unchanged (`claim_lines`):
they are kept in a pack beside the manifest (`claims-<digest>.pickle`), written with it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from parallax.cache import PACKS, code_version, read_pack, write_atomically
from parallax.model import FileStamp, RenderedPage, Reused
from parallax.publish import file_stamp
from parallax.urls import CLAIMS_DATA, is_page_link

log = logging.getLogger(__name__)

FORMAT = 3  # bump when the manifest's layout changes


def manifest_path(abs_dir: Path, abs_site_src: Path) -> Path:
    """The manifest of one site_src/ folder, under the cache folder."""
    digest = hashlib.sha256(str(abs_site_src.resolve()).encode()).hexdigest()[:16]
    return abs_dir / PACKS / f"pages-{digest}.json"


def claim_lines_path(abs_manifest: Path) -> Path:
    """The pack of data/claims.json's lines, beside the manifest it goes with."""
    return abs_manifest.with_name(abs_manifest.name.replace("pages-", "claims-", 1)).with_suffix(
        ".pickle"
    )


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
        abs_spill: Path,
        article_keys: Mapping[str, str] | None = None,
    ) -> None:
        self.abs_manifest = manifest_path(abs_dir, abs_site_src)
        self.abs_spill = abs_spill  # the build's spill folder (`publish.Spill`)
        self.abs_site_src = abs_site_src
        # article id -> the build cache's key of its entry (`BuildCache.article_key`)
        self._article_keys = article_keys or {}
        base = f"{FORMAT}\n{code_version()}\n{templates_digest(abs_template_dirs)}"
        self._base = hashlib.sha256(base.encode()).digest()
        self._published = self._read()
        self._keys: dict[str, str] = {}  # dest -> key, of the pages this build rendered
        self.hits = 0  # pages kept as published
        self.abs_claim_lines = claim_lines_path(self.abs_manifest)
        # The last build's lines of data/claims.json, read by the worker that writes it.
        self._stored_lines: dict[str, str] | None = None
        self._new_lines: str | None = None  # the file of this build's, when they differ

    def _read(self) -> dict[str, _Published]:
        """dest -> what was published there, from the manifest."""
        try:
            data = json.loads(self.abs_manifest.read_text(encoding="utf-8"))
            pages = data["pages"] if data.get("format") == FORMAT else {}
            return {str(d): _entry(entry) for d, entry in pages.items()}
        except FileNotFoundError:
            return {}
        except Exception as exc:  # a damaged manifest only costs a full render
            log.warning("ignoring the page cache %s: %s", self.abs_manifest, exc)
            return {}

    def _kept_lines(self) -> dict[str, str]:
        """The last build's lines of data/claims.json, read at the first call (in the worker
        that writes the file); a damaged pack only costs encoding every claim again."""
        if self._stored_lines is None:
            self._stored_lines = read_pack(self.abs_claim_lines, "page cache")
        return self._stored_lines

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

    def claim_lines_key(self, event_id: str, article_ids: Mapping[str, str]) -> str | None:
        """The key of the lines of an event's claims in data/claims.json, made of the claims
        of these items (item id -> article id), for `exports.claims_file`: those lines are
        made of the event's id and its claims and items alone, which the build cache's keys
        of their articles stand for. None when an article has no key."""
        parts = [event_id]
        for item_id, article_id in article_ids.items():
            key = self._article_keys.get(article_id)
            if key is None:
                return None
            parts.append(f"{item_id} {key}")
        return self._key("parallax/exports.py", CLAIMS_DATA, "\n".join(parts))

    def claim_lines(self, key: str) -> str | None:
        """The lines the last build wrote under `key`, or None. Pure but for reading the
        pack once: it runs in the render worker that writes data/claims.json."""
        lines = self._kept_lines().get(key)
        return lines if isinstance(lines, str) else None  # a foreign pack is only a miss

    def pack_claim_lines(self, lines: Mapping[str, str]) -> str | None:
        """The file of the pack to keep for the next build of `lines` (key -> the lines
        data/claims.json was written with), written in the spill folder, or None when the
        kept pack has the same; for `remember_claim_lines` in the parent process. Runs in
        the worker, beside the other worker's pages, and writes the pack there: sent to
        the parent, its 45 MB at 10k articles cost both processes time (#9)."""
        # Lines copied from the pack are the same objects, so this compares little more than
        # the keys; a foreign value in the pack, encoded again, makes the pack written again.
        same = lines == self._kept_lines()
        self._stored_lines = {}  # read no more in this build: only memory now
        if same:
            return None
        handle, abs_pack = tempfile.mkstemp(dir=self.abs_spill, suffix="-claims.pickle")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(dict(lines), out, protocol=pickle.HIGHEST_PROTOCOL)
        return abs_pack

    def remember_claim_lines(self, abs_pack: str) -> None:
        """Note the file of a pack of claims.json's lines (`pack_claim_lines`), to keep with
        the manifest."""
        self._new_lines = abs_pack

    def reuse(self, template: str, dest: str, key: str) -> RenderedPage | None:
        """The page published at `dest`, kept (no text), when it was made from `key` and is
        intact, else None. Pure but for looking at the file: it runs in render's workers."""
        published = self._published.get(dest)
        if published is None or published.key != key or "\\" in dest or ".." in dest.split("/"):
            return None
        abs_path = self.abs_site_src / dest
        stamp = file_stamp(abs_path)  # a link in site_src/ is rendered again, never followed
        if stamp is None:
            return None
        if stamp != published.stamp:
            try:  # the file was replaced or touched since: its bytes decide
                data = abs_path.read_bytes()
            except OSError:
                return None
            if hashlib.sha256(data).hexdigest() != published.sha256:
                return None
        kept = Reused(stamp, published.sha256)
        return RenderedPage(dest, "", template, links=published.links, reused=kept)

    def remember(self, page: RenderedPage, key: str) -> None:
        """Note a page this build rendered or kept, with its key, for the manifest saved
        after publish."""
        self._keys[page.dest_path] = key
        if page.reused is not None:
            self.hits += 1

    def save(self, pages: Sequence[RenderedPage], stamps: Mapping[str, FileStamp]) -> None:
        """Write the manifest of the pages just published, with the stamps their files had
        when their bytes were known (`publish.publish`); call only once publish succeeded."""
        entries = {
            p.dest_path: _manifest_entry(self._keys[p.dest_path], p, stamps.get(p.dest_path))
            for p in pages
            if p.dest_path in self._keys
        }
        try:
            write_atomically(
                self.abs_manifest,
                lambda out: out.write(
                    json.dumps({"format": FORMAT, "pages": entries}, sort_keys=True).encode()
                ),
            )
        except OSError as exc:  # a read-only checkout still builds, only slower next time
            log.warning("could not write the page cache %s: %s", self.abs_manifest, exc)
        abs_pack = self._new_lines
        if abs_pack is None:
            return
        try:
            os.replace(abs_pack, self.abs_claim_lines)  # the spill folder is beside the cache's,
        except OSError:  # unless cache_dir is on another file system
            try:
                data = Path(abs_pack).read_bytes()
                write_atomically(self.abs_claim_lines, lambda out: out.write(data))
            except OSError as exc:
                log.warning("could not write the page cache %s: %s", self.abs_claim_lines, exc)


@dataclass(frozen=True, slots=True)
class _Published:
    """A manifest entry: what the last build published at one destination."""

    key: str
    sha256: str
    stamp: FileStamp  # when its bytes were known (`publish.write_pages`); -1s: unknown
    links: tuple[str, ...]


def _manifest_entry(key: str, page: RenderedPage, stamp: FileStamp | None) -> list[object]:
    """[key, sha256, stamp, links] of a page just published: its file's stamp when its bytes
    were known (None: the next build reads it), and its sha256 as it was checked, or of its
    text. A stamp taken later could be that of a file written into since."""
    sha256 = page.reused.sha256 if page.reused is not None else _sha256(page.text)
    return [key, sha256, None if stamp is None else list(stamp), list(page.links)]


def _entry(raw: list[object]) -> _Published:
    """A manifest entry (`_manifest_entry`) as read back; a stamp it lacks matches no file."""
    key, sha256, stamp, links = raw
    if not isinstance(stamp, list | None) or not isinstance(links, list):
        raise ValueError(f"a damaged entry: {raw!r:.200}")
    if not all(isinstance(link, str) and is_page_link(link) for link in links):
        raise ValueError(f"a damaged entry: {raw!r:.200}")
    found: FileStamp = (-1, -1, -1, -1)
    if stamp is not None:
        device, inode, size, mtime = (int(n) for n in stamp)
        found = (device, inode, size, mtime)
    return _Published(str(key), str(sha256), found, tuple(links))
