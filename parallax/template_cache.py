"""Compiled templates kept between builds (#9).

Jinja compiles each template to Python before it renders it: 0.045 s in the build's own
process and 0.025 s in render's worker, at every build. Jinja's file cache keeps the
compiled code, under a key of the template's name and file, and checks it against the
template's source. What the source compiles to also depends on this code (render's
`_Generator`, the environment's settings) and on Jinja and MarkupSafe, so each version of
them (`cache.renderer_version`) keeps its own folder, `templates-<digest>` under the cache
folder; Jinja checks Python's version itself. The folders of other versions are removed.
A folder that cannot be written only costs compiling again, with one warning a build.

Each file starts with the sha256 of the rest (`packs.with_digest`), checked before Jinja
reads it: compiled code is run as it is found, and a file with one damaged byte crashed the
interpreter (SIGSEGV).
"""

from __future__ import annotations

import io
import logging
import shutil
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

from parallax.cache import PACKS, renderer_version
from parallax.packs import checked, remove_stale, with_digest, write_atomically

log = logging.getLogger(__name__)

PREFIX = "templates-"


def template_cache_path(abs_cache_dir: Path) -> Path:
    """The folder of this code's compiled templates, under the cache folder."""
    return abs_cache_dir / PACKS / f"{PREFIX}{renderer_version()[:16]}"


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache, in a folder of its own made when first written; a template whose
    code cannot be read is compiled, and one whose code cannot be stored is compiled again
    next time."""

    def __init__(self, abs_dir: Path) -> None:
        super().__init__(str(abs_dir), "%s.jinja")
        self._abs_dir = abs_dir
        self._tidied = False  # the folders of other versions, and stopped writes, removed
        self._warned = False

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            data = Path(self._get_cache_filename(bucket)).read_bytes()
        except OSError:  # none yet, or unreadable: compiled
            return
        payload = checked(data)
        if payload is None:  # damaged, or written otherwise
            return
        try:
            bucket.load_bytecode(io.BytesIO(payload))
        except Exception:  # Jinja's own checks (versions, the source) failed: compiled
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        payload = io.BytesIO()
        bucket.write_bytecode(payload)
        data = with_digest(payload.getvalue())
        try:
            if not self._tidied:
                self._tidied = True
                _remove_others(self._abs_dir)
                remove_stale(self._abs_dir)  # what writes that were stopped left
            write_atomically(
                Path(self._get_cache_filename(bucket)),
                lambda out: out.write(data),
            )
        except OSError as exc:  # a read-only checkout still builds
            if not self._warned:
                self._warned = True
                log.warning("could not keep compiled templates in %s: %s", self._abs_dir, exc)


def _remove_others(abs_dir: Path) -> None:
    """Remove the folders of compiled templates that other code versions left."""
    try:
        found = [p for p in abs_dir.parent.glob(PREFIX + "*") if p.name != abs_dir.name]
    except OSError:
        return
    for abs_other in found:
        if abs_other.is_dir() and not abs_other.is_symlink():
            shutil.rmtree(abs_other, ignore_errors=True)
