"""Raw captures, saved pages, URLs and feeds to content files for a contributor to review.

Reads the given files (or fetches the given addresses through `parallax.fetch`) and writes
under content/articles/ and nowhere else. Each input becomes a `Candidate` (a draft and what
is known of its origin); `parallax.placement` then checks it against the corpus (same URL,
near-identical text, copies of another outlet) and writes it. Fields that cannot be inferred
are left as a visible TODO, so that `check` fails until a person has looked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from parallax import fetch as fetching
from parallax.domains import Origin, find_origin
from parallax.drafts import (
    ARTICLE,
    LIVEBLOG,
    NEEDS_REVIEW,
    TODO,
    Draft,
    FrontMatter,
    render_content_file,
    slugify,
)
from parallax.feeds import FeedError, feed_entries
from parallax.html_import import draft_page, read_page
from parallax.import_report import ImportedFile
from parallax.infer import (
    detect_kind,
    draft_text,
    infer_published,
    infer_source,
    is_name_only,
    parse_date,
    render_body,
)
from parallax.ingest import display_path
from parallax.model import Article, Registries, SourceRef
from parallax.placement import Candidate, ImportOptions, Placer, skipped
from parallax.problems import WARNING, Problem

MAX_CAPTURE_BYTES = fetching.MAX_BYTES
SOURCE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
HTML_TYPES = ("text/html", "application/xhtml+xml")
Fetcher = Callable[[str], fetching.Fetched]

__all__ = [
    "ARTICLE", "LIVEBLOG", "TODO", "Draft", "FrontMatter", "ImportOptions", "ImportedFile",
    "detect_kind", "draft_content", "import_feed", "import_files", "import_inputs",
    "infer_published", "infer_source", "is_name_only", "parse_date", "render_body",
    "render_content_file", "slugify",
]  # fmt: skip


def draft_content(text: str, options: ImportOptions, registries: Registries) -> Draft:
    """Clean a `.txt` capture and infer its fields; options given on the command line win."""
    return draft_text(
        text,
        registries,
        source=options.source,
        published=options.published,
        url=options.url,
        kind=options.kind,
    )


@dataclass(frozen=True, slots=True)
class _Run:
    """What every input of one run shares."""

    options: ImportOptions
    registries: Registries
    placer: Placer
    fetcher: Fetcher
    today: dt.date


# --- reading ------------------------------------------------------------------------------


def _decode(raw: bytes, path: str) -> tuple[str | None, tuple[Problem, ...]]:
    """UTF-8 text (a byte-order mark is dropped); other encodings give a problem."""
    try:
        return raw.decode("utf-8-sig"), ()
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        hint = "open the capture in an editor and save it again with UTF-8 encoding"
        return None, (Problem(SourceRef(path, line), "", message, hint),)


def _read_bytes(abs_path: Path) -> tuple[bytes | None, tuple[Problem, ...]]:
    path = display_path(abs_path)
    try:
        size = abs_path.stat().st_size
        if size > MAX_CAPTURE_BYTES:
            message = f"the capture is {size} bytes; at most {MAX_CAPTURE_BYTES} are imported"
            return None, (Problem(SourceRef(path), "", message, "split it into articles"),)
        return abs_path.read_bytes(), ()
    except OSError as exc:
        problem = Problem(SourceRef(path), "", f"cannot read the capture: {exc.strerror}")
        return None, (problem,)


# --- inputs to candidates -----------------------------------------------------------------


def _page_candidate(label: str, raw: bytes, location: str | None, run: _Run) -> Candidate | str:
    """A saved or fetched page as a candidate, or why it cannot be one."""
    page = read_page(raw, run.today)
    if page is None:
        return "no article text found in the page"
    urls = (run.options.url or location, *page.urls)
    origin = find_origin(urls, page.site_name, run.registries, run.options.source)
    draft = draft_page(page, origin, run.options.kind)
    if run.options.published:
        fields = replace(draft.front_matter, published=run.options.published)
        draft = replace(draft, front_matter=fields)
    return _candidate(label, draft, origin, page.urls[-1])


def _candidate(
    label: str, draft: Draft, origin: Origin, canonical: str | None, first: tuple[str, ...] = ()
) -> Candidate:
    """A draft with the review notes its origin calls for."""
    review = list(first)
    if origin.why_copy:
        review.append(f"syndicated_from: {origin.syndicated_from}, because {origin.why_copy}")
    guess = origin.guess
    if draft.front_matter.source is None and guess.closest is not None:
        review.append(
            f"source: {guess.host} is not in content/sources.yml; if it is "
            f"{guess.closest.name} ({guess.closest.domain}), run again with "
            f"--source {guess.closest.key}"
        )
    entry = guess.entry if draft.front_matter.source is None else None
    return Candidate(label, draft, canonical, tuple(review), entry)


def _file_candidates(
    abs_path: Path, run: _Run
) -> tuple[list[Candidate | ImportedFile], tuple[Problem, ...]]:
    label = str(abs_path)
    raw, problems = _read_bytes(abs_path)
    if raw is None:
        return [skipped(label, "cannot be read")], problems
    if abs_path.suffix.lower() in HTML_SUFFIXES:
        found = _page_candidate(label, raw, None, run)
        return [found if isinstance(found, Candidate) else skipped(label, found)], problems
    text, problems = _decode(raw, display_path(abs_path))
    if text is None:
        return [skipped(label, "cannot be read")], problems
    draft = draft_content(text, run.options, run.registries)
    return [Candidate(label, draft, None, (), None)], problems


def _url_candidates(url: str, run: _Run) -> list[Candidate | ImportedFile]:
    try:
        fetched = run.fetcher(url)
    except fetching.FetchError as exc:
        return [skipped(url, str(exc))]
    if fetched.content_type not in HTML_TYPES:
        hint = "; for a feed use --feed" if "xml" in fetched.content_type else ""
        return [skipped(url, f"not an HTML page ({fetched.content_type}){hint}")]
    found = _page_candidate(url, fetched.body, fetched.url, run)
    return [found if isinstance(found, Candidate) else skipped(url, found)]


def _feed_bytes(feed: str, is_url: bool, run: _Run) -> tuple[bytes | None, tuple[Problem, ...]]:
    return (run.fetcher(feed).body, ()) if is_url else _read_bytes(Path(feed).resolve())


def _feed_candidates(
    feed: str, run: _Run
) -> tuple[list[Candidate | ImportedFile], tuple[Problem, ...]]:
    is_url = feed.lower().startswith(("http://", "https://"))
    try:
        raw, problems = _feed_bytes(feed, is_url, run)
        if raw is None:
            return [skipped(feed, "cannot be read")], problems
        entries = feed_entries(raw, feed if is_url else None, run.registries, run.options.source)
    except (fetching.FetchError, FeedError) as exc:
        return [skipped(feed, str(exc))], ()
    review = f'tags: "{NEEDS_REVIEW}": the body is the feed\'s summary; put in the full text'
    return [
        _candidate(f"{feed} [{e.number}]", e.draft, e.origin, None, (review,)) for e in entries
    ], problems


# --- the run --------------------------------------------------------------------------------


def _option_problems(options: ImportOptions, registries: Registries) -> tuple[Problem, ...]:
    """A --source must be a usable folder name; a key unknown to sources.yml is a warning."""
    where = SourceRef("--source")
    if options.source is None:
        return ()
    if not SOURCE_KEY.fullmatch(options.source):
        hint = "use a key from content/sources.yml: lowercase letters, digits, '-' and '_'"
        return (Problem(where, "source", f"not a source key: {options.source!r}", hint),)
    if registries.sources and registries.source(options.source) is None:
        keys = ", ".join(s.key for s in registries.sources)
        message = f'unknown source "{options.source}"'
        return (Problem(where, "source", message, f"known sources: {keys}", WARNING),)
    return ()


def import_inputs(
    inputs: Sequence[str | Path],
    options: ImportOptions,
    abs_content_dir: Path,
    registries: Registries,
    *,
    existing: Sequence[Article] = (),
    feeds: Sequence[str] = (),
    fetcher: Fetcher = fetching.fetch,
) -> tuple[tuple[ImportedFile, ...], tuple[Problem, ...]]:
    """Import files (`.txt` captures, `.html` pages), http(s) URLs and feeds into
    content/articles/, checked against `existing` articles; report every input."""
    labels = [str(i) for i in inputs] + list(feeds)
    problems = list(_option_problems(options, registries))
    if any(problem.is_error for problem in problems):
        return tuple(skipped(label, "the options are invalid") for label in labels), tuple(problems)
    placer = Placer(abs_content_dir, options, existing)
    run = _Run(options, registries, placer, fetcher, dt.date.today())
    found: list[Candidate | ImportedFile] = []
    for given in inputs:
        if isinstance(given, str) and given.lower().startswith(("http://", "https://")):
            found += _url_candidates(given, run)
        else:
            more, file_problems = _file_candidates(Path(given).resolve(), run)
            found += more
            problems += file_problems
    for feed in feeds:
        more, feed_problems = _feed_candidates(feed, run)
        found += more
        problems += feed_problems
    reports = tuple(f if isinstance(f, ImportedFile) else placer.place(f) for f in found)
    return reports, tuple(problems)


def import_files(
    abs_paths: Sequence[Path],
    options: ImportOptions,
    abs_content_dir: Path,
    registries: Registries,
    existing: Sequence[Article] = (),
) -> tuple[tuple[ImportedFile, ...], tuple[Problem, ...]]:
    """Import each capture or saved page into content/articles/; report what was written."""
    return import_inputs(abs_paths, options, abs_content_dir, registries, existing=existing)


def import_feed(
    feed: str,
    options: ImportOptions,
    abs_content_dir: Path,
    registries: Registries,
    existing: Sequence[Article] = (),
    fetcher: Fetcher = fetching.fetch,
) -> tuple[tuple[ImportedFile, ...], tuple[Problem, ...]]:
    """One content file per new entry of a feed (a file or an http(s) URL)."""
    return import_inputs(
        (), options, abs_content_dir, registries, existing=existing, feeds=(feed,), fetcher=fetcher
    )
