"""Where an imported draft goes: checked against the corpus, then written, or skipped with why.

The importer's writing edge: it writes under content/articles/ only, atomically, and never
replaces a file without --force. Before that, each draft is compared with the articles
already there and with those written earlier in the same run: the same URL is skipped,
near-identical text from the same outlet is skipped, and near-identical text from another
outlet is recorded as a copy (`syndicated_from`) so that it counts as one voice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from parallax.drafts import TODO, Draft, render_content_file
from parallax.duplicates import Match, Text, TextIndex, article_text, make_text
from parallax.import_report import (
    CREATED,
    OVERWRITTEN,
    SKIPPED,
    WOULD_CREATE,
    WOULD_OVERWRITE,
    ImportedFile,
)
from parallax.model import Article

SOURCE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What the command line says about the inputs; anything given beats inference."""

    source: str | None = None  # --source KEY
    url: str | None = None  # --url URL
    published: dt.date | None = None  # --published DATE
    kind: str | None = None  # --kind liveblog|article; None = detect
    force: bool = False  # --force: overwrite an existing file
    dry_run: bool = False  # --dry-run: report, write nothing


@dataclass(frozen=True, slots=True)
class Candidate:
    """A draft on its way to a file, with what is known of where its text came from."""

    label: str  # the input as the report names it
    draft: Draft
    canonical: str | None  # the page's canonical URL, when it has one
    review: tuple[str, ...]  # notes for the contributor, so far
    source_entry: str | None  # a sources.yml entry to paste, for an unknown domain


def skipped(label: str, reason: str, draft: Draft | None = None) -> ImportedFile:
    """The report of an input that was not written."""
    notes = draft.notes if draft else ()
    todos = draft.front_matter.todos if draft else ()
    return ImportedFile(label, None, SKIPPED, reason, notes, todos)


def _report(
    candidate: Candidate, status: str, reason: str | None, duplicate_of: str | None
) -> ImportedFile:
    """The full report of a candidate: written (reason None) or skipped."""
    draft = candidate.draft
    return ImportedFile(
        input_path=candidate.label,
        dest_path=None if status == SKIPPED else draft.dest_path,
        status=status,
        reason=reason,
        removed=draft.notes,
        todos=draft.front_matter.todos,
        duplicate_of=duplicate_of,
        syndicated_from=draft.front_matter.syndicated_from,
        review=candidate.review,
        source_entry=candidate.source_entry,
    )


def write_atomically(abs_dest: Path, text: str, overwrite: bool) -> None:
    """Write through a temporary file, so a reader never sees half a file; without
    `overwrite`, an existing file is never replaced (FileExistsError)."""
    abs_dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=abs_dest.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, abs_dest)
        else:
            os.link(tmp, abs_dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _force(path: str, draft: Draft) -> str:
    """The way out when the match is the file the draft would replace."""
    return "; pass --force to replace it" if path == draft.dest_path else ""


class Placer:
    """Places the candidates of one run, remembering what it wrote for the next ones."""

    def __init__(self, abs_content_dir: Path, options: ImportOptions, existing: Sequence[Article]):
        self._root = abs_content_dir.resolve()
        self._options = options
        self._index = TextIndex()
        self._planned: dict[str, str] = {}
        for article in sorted(existing, key=lambda a: a.id):
            self._index.add(article_text(article), article.url, article.path)

    def _destination(self, draft: Draft) -> Path | None:
        """The file to write, or None when its name would leave the content folder."""
        source = draft.front_matter.source or TODO.lower()
        if not (SOURCE_KEY.fullmatch(source) and SLUG.fullmatch(draft.slug)):
            return None
        abs_dest = (self._root / draft.dest_path).resolve()
        return abs_dest if abs_dest.is_relative_to(self._root / "articles") else None

    def place(self, candidate: Candidate) -> ImportedFile:
        """Check one candidate against the corpus and write it, or say why not."""
        draft = candidate.draft
        if not draft.body:
            return skipped(candidate.label, "no article text left after cleaning", draft)
        same = self._same_url(draft.front_matter.url, draft)
        if same is not None:
            reason = f"already in the corpus: {same} has the same URL" + _force(same, draft)
            return _report(candidate, SKIPPED, reason, same)
        by_canonical = self._same_url(candidate.canonical, draft)
        if by_canonical is not None:
            note = f"its canonical URL is that of {by_canonical}"
            candidate = replace(candidate, review=(*candidate.review, note))
            return self._write(candidate, by_canonical)
        match = self._best_match(candidate)
        if match is None:
            return self._write(candidate, None)
        return self._judge_copy(candidate, match)

    def _is_other(self, path: str, draft: Draft) -> bool:
        """Whether `path` counts against the draft: its own file only when not --force."""
        return path != draft.dest_path or not self._options.force

    def _same_url(self, url: str | None, draft: Draft) -> str | None:
        """The file already in the corpus with this URL."""
        found = self._index.path_of_url(url) if url else None
        return found if found is not None and self._is_other(found, draft) else None

    def _text(self, draft: Draft) -> Text | None:
        fm = draft.front_matter
        fields = (fm.source, fm.syndicated_from, fm.published)
        return make_text(draft.dest_path, draft.dest_path, fields, f"{fm.title or ''} {draft.body}")

    def _best_match(self, candidate: Candidate) -> Match | None:
        """The most similar text in the corpus, other than the draft's own file."""
        text = self._text(candidate.draft)
        matches = self._index.copies(text) if text else ()
        return next((m for m in matches if self._is_other(m.text.path, candidate.draft)), None)

    def _judge_copy(self, candidate: Candidate, match: Match) -> ImportedFile:
        """Skip the same outlet's text twice; record another outlet's text as a copy of it."""
        fm = candidate.draft.front_matter
        other, score = match.text, f"{match.score:.0f}% similar"
        if fm.source is not None and other.source == fm.source:
            reason = f"nearly the same text as {other.path} ({score}), from the same outlet"
            reason += _force(other.path, candidate.draft)
            return _report(candidate, SKIPPED, reason, other.path)
        original = other.syndicated_from or other.source
        if fm.syndicated_from or original in (None, fm.source):
            note = f"nearly the same text as {other.path} ({score})"
        elif fm.published and other.published and fm.published < other.published:
            note = (
                f"{other.path} has nearly the same text ({score}) but is later: if it copies "
                f"this article, add syndicated_from: {fm.source or TODO} to it"
            )
        else:
            fm = replace(fm, syndicated_from=original)
            note = f"syndicated_from: {original}: nearly the same text as {other.path} ({score})"
        draft = replace(candidate.draft, front_matter=fm)
        return self._write(
            replace(candidate, draft=draft, review=(*candidate.review, note)), other.path
        )

    def _write(self, candidate: Candidate, duplicate_of: str | None) -> ImportedFile:
        draft = candidate.draft
        abs_dest = self._destination(draft)
        if abs_dest is None:
            reason = "the file name would leave content/articles"
            return _report(candidate, SKIPPED, reason, duplicate_of)
        if draft.dest_path in self._planned:
            reason = f"{self._planned[draft.dest_path]} is imported to the same file"
            return _report(candidate, SKIPPED, reason, duplicate_of)
        self._planned[draft.dest_path] = candidate.label
        exists = abs_dest.exists()
        if exists and not self._options.force:
            reason = f"{draft.dest_path} exists; pass --force to replace it"
            return _report(candidate, SKIPPED, reason, duplicate_of)
        status = self._write_file(draft, abs_dest, exists)
        if status is None:
            reason = f"{draft.dest_path} appeared while importing"
            return _report(candidate, SKIPPED, reason, duplicate_of)
        self._index.add(self._text(draft), draft.front_matter.url, draft.dest_path)
        return _report(candidate, status, None, duplicate_of)

    def _write_file(self, draft: Draft, abs_dest: Path, exists: bool) -> str | None:
        if self._options.dry_run:
            return WOULD_OVERWRITE if exists else WOULD_CREATE
        text = render_content_file(draft.front_matter, draft.body)
        try:
            write_atomically(abs_dest, text, overwrite=self._options.force)
        except FileExistsError:
            return None
        return OVERWRITTEN if exists else CREATED
