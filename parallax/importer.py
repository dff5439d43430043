"""Raw `.txt` captures to content files for a contributor to review.

Reads the given files and writes under content/articles/ (and nowhere else): the capture
is cleaned by `parallax.clean`, its metadata inferred where the text shows it, and every
field that cannot be inferred is left as a visible TODO, so that `check` fails until a
person has looked. Inference and rendering are pure; only `import_files` touches files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from parallax.clean import (
    SITE_HEADER,
    TIMESTAMP,
    CleanedText,
    Line,
    Removal,
    clean_capture,
    is_headline_like,
)
from parallax.ingest import display_path
from parallax.model import ARTICLE_KINDS, Registries, SourceRef
from parallax.problems import WARNING, Problem

TODO = "TODO"
ARTICLE, LIVEBLOG = ARTICLE_KINDS
LIVEBLOG_MIN_HEADINGS = 5  # fewer headlines followed by text read as an article's subheadings
BYLINE_WINDOW = 3  # a byline sits within this many lines of the top
SOURCE_CUTOFF = 85.0  # rapidfuzz ratio (0-100) for a self-reference to name a known outlet
MAX_CAPTURE_BYTES = 5_000_000
SOURCE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What the command line says about the files; anything given beats inference."""

    source: str | None = None  # --source KEY
    url: str | None = None  # --url URL
    published: dt.date | None = None  # --published DATE
    kind: str | None = None  # --kind liveblog|article; None = detect
    force: bool = False  # --force: overwrite an existing file
    dry_run: bool = False  # --dry-run: report, write nothing


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """What happened to one input file."""

    input_path: str  # as given
    dest_path: str | None  # relative to the content root, "/"-separated; None when skipped
    status: str  # "created" | "overwritten" | "skipped" | "would create" | "would overwrite"
    reason: str | None  # why skipped
    removed: tuple[str, ...]  # "line 4: repeated photo caption: <start of text>"
    todos: tuple[str, ...]  # front-matter fields left as TODO for the contributor


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The fields of a content file; None means "not known", written as TODO."""

    title: str | None
    source: str | None
    published: dt.date | None
    url: str | None = None
    authors: tuple[str, ...] = ()
    language: str = "en"
    kind: str = ARTICLE
    tags: tuple[str, ...] = ()

    @property
    def todos(self) -> tuple[str, ...]:
        fields = (("title", self.title), ("source", self.source), ("published", self.published))
        return tuple(name for name, value in fields if value is None)


@dataclass(frozen=True, slots=True)
class Draft:
    """A content file before it is written: its fields, body, name and import notes."""

    front_matter: FrontMatter
    body: str
    slug: str
    notes: tuple[str, ...]  # "line 4: repeated photo caption: …", in line order

    @property
    def dest_path(self) -> str:
        """articles/<source>/<YYYY-MM-DD>-<slug>.md, with "todo"/"undated" for unknowns."""
        folder = self.front_matter.source or TODO.lower()
        day = self.front_matter.published
        return f"articles/{folder}/{day.isoformat() if day else 'undated'}-{self.slug}.md"


# --- names and quoting ------------------------------------------------------------------------


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII, lower case, words joined by hyphens, cut at a word; "untitled" when empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’]", "", ascii_text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:max_length]
    return slug.strip("-") or "untitled"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


_MARKDOWN_START = re.compile(r"^(?:#|>|[-+*](?: |$)|\d+[.)](?: |$)|```|~~~|[=-]+$|\|)")


def _escape_markdown(text: str) -> str:
    """Plain text as a Markdown paragraph: a leading block marker is escaped."""
    match = _MARKDOWN_START.match(text)
    if match is None:
        return text
    digits = re.match(r"^\d+", text)
    at = digits.end() if digits else 0
    return text[:at] + "\\" + text[at:]


def render_content_file(front_matter: FrontMatter, body: str) -> str:
    """The content file: YAML front matter in the documented field order, then the body."""
    fm = front_matter
    lines = [
        "---",
        f"title: {_quoted(fm.title) if fm.title else _quoted(_title_todo(fm.kind))}",
        f"source: {fm.source or TODO}",
        f"published: {fm.published.isoformat() if fm.published else TODO}",
    ]
    if fm.url:
        lines.append(f"url: {_quoted(fm.url)}")
    if fm.authors:
        authors = [_quoted(a) for a in fm.authors]
        lines.append(
            f"author: {authors[0] if len(authors) == 1 else '[' + ', '.join(authors) + ']'}"
        )
    lines += [f"language: {fm.language}", f"kind: {fm.kind}"]
    lines.append("tags: [" + ", ".join(_quoted(tag) for tag in fm.tags) + "]")
    return "\n".join([*lines, "---", body.rstrip("\n")]) + "\n"


def _title_todo(kind: str) -> str:
    return "TODO: headline of the live blog" if kind == LIVEBLOG else "TODO: headline"


# --- inference (pure) -------------------------------------------------------------------------

_NAME_WORD = r"[A-Z][^\W\d_]*(?:['’-][^\W\d_]+)*\.?"
_NAME = rf"{_NAME_WORD}(?: (?:{_NAME_WORD}|de|da|van|von|der|bin|al)){{1,3}}"
_BYLINE = re.compile(rf"^(?:By )?(?P<names>{_NAME}(?:(?:,| and| &) {_NAME})*)$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE_PATTERNS = (
    re.compile(r"(?P<month>[A-Za-z]{3,9})\.? (?P<day>\d{1,2})(?:st|nd|rd|th)?,? (?P<year>\d{4})"),
    re.compile(r"(?P<day>\d{1,2})(?:st|nd|rd|th)? (?P<month>[A-Za-z]{3,9})\.?,? (?P<year>\d{4})"),
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"),
)
_OUTLET_WORD = r"[A-Z][\w&-]*(?:\.[\w&-]+)*"
_OUTLET = rf"(?P<name>(?:The )?{_OUTLET_WORD}(?: {_OUTLET_WORD}){{0,3}})"
_SELF_REFERENCE = re.compile(
    rf"{_OUTLET}(?: (?:could(?:n[’']t| not)|cannot|can[’']t|(?:is|was|has been) unable to"
    r"|(?:has|have) not been able to) (?:independently )?(?:verify|confirm)"
    r"| (?:is|was|has been) reaching out| (?:has )?reached out to| has (?:contacted|asked))"
)


def parse_date(text: str) -> dt.date | None:
    """The first calendar date written in `text` ("May 31, 2024", "31 May 2024", ISO)."""
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        month = match["month"]
        number = int(month) if month.isdigit() else _month_number(month)
        with contextlib.suppress(ValueError):
            return dt.date(int(match["year"]), number, int(match["day"]))
    return None


def _month_number(name: str) -> int:
    key = name[:3].lower()
    return _MONTHS.index(key) + 1 if key in _MONTHS else 0


def infer_published(removals: tuple[Removal, ...]) -> dt.date | None:
    """The earliest timestamp line; else a site-header date, which is only the capture date."""
    for rule in (TIMESTAMP, SITE_HEADER):
        dates = [parse_date(r.text) for r in removals if r.rule == rule]
        known = [date for date in dates if date is not None]
        if known:
            return min(known)
    return None


def _outlet_key(name: str) -> str:
    return utils.default_process(re.sub(r"^the\s+", "", name, flags=re.IGNORECASE))


def infer_source(lines: tuple[Line, ...], registries: Registries) -> str | None:
    """The outlet the text names as itself ("CNN is reaching out", "The X couldn't verify")."""
    # Each outlet is known by its name and by its domain without the ending ("theepochtimes").
    choices = [(_outlet_key(s.name), s.key) for s in registries.sources]
    choices += [(_outlet_key(s.domain.rsplit(".", 1)[0]), s.key) for s in registries.sources]
    found: Counter[str] = Counter()
    for line in lines:
        for match in _SELF_REFERENCE.finditer(line.text):
            key = _match_outlet(match["name"], choices)
            if key is not None:
                found[key] += 1
    return found.most_common(1)[0][0] if found else None


def _match_outlet(name: str, choices: list[tuple[str, str]]) -> str | None:
    """The key whose name best matches `name` or one of its endings ("Minister. CNN")."""
    words = name.split()
    best: tuple[str, float, int] | None = None
    for start in range(len(words)):
        candidate = _outlet_key(" ".join(words[start:]))
        match = process.extractOne(
            candidate,
            [label for label, _ in choices],
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=SOURCE_CUTOFF,
        )
        if match is not None and (best is None or match[1] > best[1]):
            best = match
    return choices[best[2]][1] if best else None


def is_name_only(text: str) -> bool:
    """A byline: one to a few personal names and nothing else."""
    return _BYLINE.match(text) is not None


def detect_kind(lines: tuple[Line, ...]) -> str:
    """A live blog has several headlines that are each followed by text."""
    headings = sum(
        1
        for line, after in itertools.pairwise(lines)
        if is_headline_like(line.text)
        and not is_name_only(line.text)
        and not is_headline_like(after.text)
    )
    return LIVEBLOG if headings >= LIVEBLOG_MIN_HEADINGS else ARTICLE


def _take_title(lines: tuple[Line, ...], kind: str) -> tuple[Line | None, tuple[Line, ...]]:
    """An article's first line when it is a headline; a live blog's headlines are its entries."""
    first = lines[0].text if lines else ""
    if kind == ARTICLE and is_headline_like(first) and not is_name_only(first):
        return lines[0], lines[1:]
    return None, lines


def _take_byline(lines: tuple[Line, ...]) -> tuple[Line | None, tuple[Line, ...]]:
    """A name-only line near the top, before the first paragraph."""
    for index, line in enumerate(lines[:BYLINE_WINDOW]):
        if is_name_only(line.text):
            return line, lines[:index] + lines[index + 1 :]
        if not is_headline_like(line.text):
            break
    return None, lines


def _authors(byline: Line | None) -> tuple[str, ...]:
    if byline is None:
        return ()
    names = re.sub(r"^By ", "", byline.text)
    return tuple(name.strip() for name in re.split(r",| and | & ", names) if name.strip())


# --- body and draft (pure) --------------------------------------------------------------------


def _is_heading(lines: tuple[Line, ...], index: int, kind: str) -> bool:
    """A headline followed by text: an entry in a live blog, a subheading in an article."""
    text = lines[index].text
    followed = index + 1 < len(lines) and not is_headline_like(lines[index + 1].text)
    if not (is_headline_like(text) and followed):
        return False
    # In an article the line right under the headline is its standfirst, not a subheading.
    return kind == LIVEBLOG or (index > 0 and not is_headline_like(lines[index - 1].text))


def render_body(lines: tuple[Line, ...], kind: str) -> str:
    """Paragraphs separated by blank lines; each heading becomes a `## ` line."""
    blocks = [
        ("## " if _is_heading(lines, index, kind) else "") + _escape_markdown(line.text)
        for index, line in enumerate(lines)
    ]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _note(line: int, what: str, text: str) -> str:
    start = text if len(text) <= 60 else text[:59].rstrip() + "…"
    return f"line {line}: {what}: {start}"


def _notes(cleaned: CleanedText, title: Line | None, byline: Line | None) -> tuple[str, ...]:
    moved = [(title, "headline, moved to the title"), (byline, "byline, moved to the author")]
    notes = [(r.line, _note(r.line, r.rule, r.text)) for r in cleaned.removals]
    notes += [(line.number, _note(line.number, what, line.text)) for line, what in moved if line]
    return tuple(note for _, note in sorted(notes))


def draft_content(text: str, options: ImportOptions, registries: Registries) -> Draft:
    """Clean a capture and infer its fields; options given on the command line win."""
    cleaned = clean_capture(text)
    kind = options.kind or detect_kind(cleaned.lines)
    title, rest = _take_title(cleaned.lines, kind)
    byline, rest = _take_byline(rest)
    front_matter = FrontMatter(
        title=title.text if title else None,
        source=options.source or infer_source(cleaned.lines, registries),
        published=options.published or infer_published(cleaned.removals),
        url=options.url,
        authors=_authors(byline),
        kind=kind,
    )
    slug_text = title.text if title else " ".join(line.text for line in rest[:1])
    return Draft(
        front_matter, render_body(rest, kind), slugify(slug_text), _notes(cleaned, title, byline)
    )


# --- files (the I/O edge) ---------------------------------------------------------------------


def _decode(raw: bytes, path: str) -> tuple[str | None, tuple[Problem, ...]]:
    """UTF-8 text (a byte-order mark is dropped); other encodings give a problem."""
    try:
        return raw.decode("utf-8-sig"), ()
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        hint = "open the capture in an editor and save it again with UTF-8 encoding"
        return None, (Problem(SourceRef(path, line), "", message, hint),)


def _read_capture(abs_path: Path) -> tuple[str | None, tuple[Problem, ...]]:
    path = display_path(abs_path)
    try:
        size = abs_path.stat().st_size
        if size > MAX_CAPTURE_BYTES:
            message = f"the capture is {size} bytes; at most {MAX_CAPTURE_BYTES} are imported"
            return None, (Problem(SourceRef(path), "", message, "split it into articles"),)
        raw = abs_path.read_bytes()
    except OSError as exc:
        problem = Problem(SourceRef(path), "", f"cannot read the capture: {exc.strerror}")
        return None, (problem,)
    return _decode(raw, path)


def _write_atomically(abs_dest: Path, text: str, overwrite: bool) -> None:
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


def _option_problems(options: ImportOptions, registries: Registries) -> tuple[Problem, ...]:
    """A --source must be a usable folder name; a key unknown to sources.yml is a warning."""
    where = SourceRef("--source")
    if options.source is None:
        return ()
    if not SOURCE_KEY.match(options.source):
        hint = "use a key from content/sources.yml: lowercase letters, digits, '-' and '_'"
        return (Problem(where, "source", f"not a source key: {options.source!r}", hint),)
    if registries.sources and registries.source(options.source) is None:
        keys = ", ".join(s.key for s in registries.sources)
        message = f'unknown source "{options.source}"'
        return (Problem(where, "source", message, f"known sources: {keys}", WARNING),)
    return ()


def _destination(draft: Draft, abs_content_dir: Path) -> Path | None:
    """The file to write, or None when its name would leave the content folder."""
    source = draft.front_matter.source or TODO.lower()
    if not (SOURCE_KEY.match(source) and SLUG.match(draft.slug)):
        return None
    abs_root = abs_content_dir.resolve()
    abs_dest = (abs_root / draft.dest_path).resolve()
    return abs_dest if abs_dest.is_relative_to(abs_root / "articles") else None


def _skipped(input_path: str, reason: str, draft: Draft | None = None) -> ImportedFile:
    notes = draft.notes if draft else ()
    todos = draft.front_matter.todos if draft else ()
    return ImportedFile(input_path, None, "skipped", reason, notes, todos)


def _import_one(
    abs_path: Path,
    options: ImportOptions,
    abs_content_dir: Path,
    registries: Registries,
    planned: dict[str, str],
) -> tuple[ImportedFile, tuple[Problem, ...]]:
    text, problems = _read_capture(abs_path)
    if text is None:
        return _skipped(str(abs_path), "cannot be read"), problems
    draft = draft_content(text, options, registries)
    abs_dest = _destination(draft, abs_content_dir)
    if not draft.body:
        return _skipped(str(abs_path), "no article text left after cleaning", draft), problems
    if abs_dest is None:
        reason = "the file name would leave content/articles"
        return _skipped(str(abs_path), reason, draft), problems
    if draft.dest_path in planned:
        reason = f"{planned[draft.dest_path]} is imported to the same file"
        return _skipped(str(abs_path), reason, draft), problems
    planned[draft.dest_path] = str(abs_path)
    return _write_draft(str(abs_path), draft, abs_dest, options), problems


def _write_draft(
    input_path: str, draft: Draft, abs_dest: Path, options: ImportOptions
) -> ImportedFile:
    exists = abs_dest.exists()
    if exists and not options.force:
        return _skipped(input_path, f"{draft.dest_path} exists; pass --force to replace it", draft)
    if options.dry_run:
        status = "would overwrite" if exists else "would create"
    else:
        text = render_content_file(draft.front_matter, draft.body)
        try:
            _write_atomically(abs_dest, text, overwrite=options.force)
        except FileExistsError:
            return _skipped(input_path, f"{draft.dest_path} appeared while importing", draft)
        status = "overwritten" if exists else "created"
    notes, todos = draft.notes, draft.front_matter.todos
    return ImportedFile(input_path, draft.dest_path, status, None, notes, todos)


def import_files(
    abs_paths: Sequence[Path],
    options: ImportOptions,
    abs_content_dir: Path,
    registries: Registries,
) -> tuple[tuple[ImportedFile, ...], tuple[Problem, ...]]:
    """Import each capture into content/articles/; report what was written, removed, left TODO."""
    problems = list(_option_problems(options, registries))
    if any(problem.is_error for problem in problems):
        skipped = tuple(_skipped(str(p), "the options are invalid") for p in abs_paths)
        return skipped, tuple(problems)
    reports = []
    planned: dict[str, str] = {}
    for abs_path in abs_paths:
        report, file_problems = _import_one(abs_path, options, abs_content_dir, registries, planned)
        reports.append(report)
        problems += file_problems
    return tuple(reports), tuple(problems)
