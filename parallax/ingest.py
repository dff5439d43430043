"""Load a content folder: find the article files, read them safely, validate, build `Article`s.

The only stage that reads content/. Files are visited in sorted order; every problem is
collected and returned, never raised, so `check` reports them all in one run. An article
with an error is left out of the corpus, and the command line refuses to publish then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from parallax import model
from parallax.config import Settings
from parallax.domains import normal_url
from parallax.frontmatter import YamlDoc, YamlProblem, parse_yaml, split_front_matter
from parallax.model import ARTICLE_KINDS, Article, Corpus, Registries, SourceRef
from parallax.parallel import fork_map, quiet_gc
from parallax.problems import WARNING, Problem, has_errors
from parallax.reducers import constructor_reducers
from parallax.registries import (
    check_cross_references,
    parse_actors,
    parse_overrides,
    parse_sources,
    parse_terms,
)
from parallax.schema import check_article

KNOWN_FIELDS = (
    "title",
    "source",
    "published",
    "url",
    "author",
    "language",
    "kind",
    "tags",
    "syndicated_from",
)
FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
SOURCE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_NAME_LENGTH = 120


def display_path(abs_path: Path) -> str:
    """A path for messages: relative to the working directory when inside it, with "/"."""
    try:
        return abs_path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return abs_path.as_posix()


def _relative_all(abs_paths: list[Path], abs_dir: Path | None) -> list[str]:
    """`abs_path.relative_to(abs_dir).as_posix()` of each path (None: `display_path`), by
    cutting the folder's text off where it is there: the same for normalised paths, and
    the Path methods cost a tenth of loading ten thousand articles (#9)."""
    base = str(Path.cwd() if abs_dir is None else abs_dir)
    prefix = base if base.endswith(os.sep) else base + os.sep
    slow = display_path if abs_dir is None else lambda p: p.relative_to(abs_dir).as_posix()
    return [
        text[len(prefix) :] if os.sep == "/" and text.startswith(prefix) else slow(abs_path)
        for abs_path, text in zip(abs_paths, map(str, abs_paths), strict=True)
    ]


def decode_text(raw: bytes, path: str) -> tuple[str | None, tuple[Problem, ...]]:
    """UTF-8 text with LF line endings; bad bytes become a problem naming line and offset."""
    problems: list[Problem] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        problems.append(
            Problem(
                SourceRef(path, 1),
                "",
                "the file starts with a byte-order mark",
                "save the file as UTF-8 without BOM",
                WARNING,
            )
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        problems.append(
            Problem(
                SourceRef(path, line),
                "",
                f"not UTF-8 text (byte 0x{bad} at offset {exc.start})",
                "re-save the file with UTF-8 encoding",
            )
        )
        return None, tuple(problems)
    if "\r" in text:
        if "\r\n" in text and re.search(r"(?<!\r)\n", text):
            problems.append(
                Problem(
                    SourceRef(path, 1),
                    "",
                    "the file mixes CRLF and LF line endings",
                    "save it with one kind of line ending (LF)",
                    WARNING,
                )
            )
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        problems.append(
            Problem(
                SourceRef(path, line),
                "",
                "the file contains a NUL character",
                "remove it; content files are plain text",
            )
        )
        return None, tuple(problems)
    return text, tuple(problems)


def read_yaml_file(
    abs_path: Path, path: str, settings: Settings
) -> tuple[YamlDoc | None, tuple[Problem, ...]]:
    """Read and parse one YAML file (a registry), with size and encoding checks."""
    raw, problems = read_bytes(abs_path, path, settings)
    if raw is None:
        return None, problems
    text, decode_problems = decode_text(raw, path)
    problems += decode_problems
    if text is None:
        return None, problems
    try:
        return parse_yaml(text), problems
    except YamlProblem as exc:
        return None, (*problems, Problem(SourceRef(path, exc.line), "", exc.message, exc.hint))


def read_bytes(
    abs_path: Path, path: str, settings: Settings, unread: Unread | None = None
) -> tuple[bytes | None, tuple[Problem, ...]]:
    """The file's bytes, refused over the size limit; b"" for a file `unread` names, given
    its `os.stat` (its size checked all the same)."""
    try:
        info = abs_path.stat()
        size = info.st_size
        if size > settings.max_file_bytes:
            return None, (
                Problem(
                    SourceRef(path, 1),
                    "",
                    f"the file is {size:,} bytes, over the limit of {settings.max_file_bytes:,}",
                    "split it, or raise extra.digest.max_file_bytes",
                ),
            )
        if unread is not None and unread(info):
            return b"", ()
        return abs_path.read_bytes(), ()
    except OSError as exc:
        return None, (Problem(SourceRef(path, 1), "", f"cannot read the file: {exc.strerror}"),)


def _closest(key: str, choices: list[str]) -> str | None:
    match = process.extractOne(
        key, choices, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=60
    )
    return None if match is None else str(match[0])


def _source_problem(key: str, where: SourceRef, registries: Registries) -> Problem | None:
    keys = [s.key for s in registries.sources]
    if key in keys:
        return None
    guess = _closest(key, keys)
    hint = (
        f'did you mean "{guess}"? Known sources are listed in content/sources.yml'
        if guess
        else "add the outlet to content/sources.yml first"
    )
    return Problem(where, "source", f'unknown source "{key}"', hint)


def _published(value: Any) -> tuple[dt.date | None, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), value.isoformat()
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.replace(" ", "T", 1))
        except ValueError:
            return None, None
        return moment.date(), (value if len(value) > 10 else None)
    return None, None


def _field_problems(data: dict[str, Any], doc: YamlDoc, path: str) -> list[Problem]:
    problems = list(check_article(doc, path))
    published = data.get("published")
    published_checked = any(p.field == "published" for p in problems)
    if "published" in data and not published_checked and _published(published)[0] is None:
        problems.append(
            Problem(
                SourceRef(path, doc.line_of(("published",))),
                "published",
                f"expected a date like 2024-05-31, got {published!r}",
                "write the date unquoted in YYYY-MM-DD form",
            )
        )
    for key in sorted(set(map(str, data)) - set(KNOWN_FIELDS)):
        guess = _closest(key, list(KNOWN_FIELDS))
        hint = f'did you mean "{guess}"?' if guess else f"known fields: {', '.join(KNOWN_FIELDS)}"
        where = SourceRef(path, doc.line_of((key,)))
        problems.append(Problem(where, key, "unknown field", hint, WARNING))
    return [
        Problem(p.source, p.field, "still marked TODO by the importer", _todo_hint(p.field))
        if _is_todo(data.get(p.field))
        else p
        for p in problems
    ]


def _is_todo(value: Any) -> bool:
    return isinstance(value, str) and value.strip().upper().startswith("TODO")


def _todo_hint(field: str) -> str:
    return {
        "source": "write the outlet's key from content/sources.yml",
        "published": "write the publication date unquoted in YYYY-MM-DD form",
    }.get(field, "replace the TODO with the right value")


def _location_problems(
    rel: str, data: dict[str, Any], doc: YamlDoc, path: str, keys: set[str]
) -> list[Problem]:
    """The file must sit at articles/<source>/<YYYY-MM-DD>-<slug>.md."""
    parts = rel.split("/")
    match = FILE_NAME.fullmatch(parts[-1])
    problems = []
    if len(parts) != 3 or match is None or len(parts[-1]) > MAX_NAME_LENGTH:
        problems.append(
            Problem(
                SourceRef(path, 1),
                "",
                "the file is not at articles/<source>/<YYYY-MM-DD>-<slug>.md",
                "name it like articles/cnn/2023-06-01-kyiv-strike.md: lowercase letters, digits "
                f"and hyphens, at most {MAX_NAME_LENGTH} characters",
            )
        )
        return problems
    source = data.get("source")
    if isinstance(source, str) and source in keys and source != parts[1]:  # [cnn] is no key
        problems.append(
            Problem(
                SourceRef(path, doc.line_of(("source",))),
                "source",
                f'the file is in the folder of "{parts[1]}" but says source "{source}"',
                f"move the file to articles/{source}/ or correct the source",
            )
        )
    return problems


def _build_article(rel: str, data: dict[str, Any], body: str, body_line: int, path: str) -> Article:
    day, moment = _published(data["published"])
    assert day is not None  # checked in _field_problems
    author = data.get("author")
    return Article(
        id=rel.removesuffix(".md"),
        source=data["source"],
        title=data["title"],
        published=day,
        published_at=moment,
        url=data.get("url"),
        authors=(author,) if isinstance(author, str) else tuple(author or ()),
        language=data.get("language", "en"),
        kind=data.get("kind", ARTICLE_KINDS[0]),
        tags=tuple(data.get("tags") or ()),
        body=body,
        body_line=body_line,
        origin=SourceRef(path, 1),
        syndicated_from=data.get("syndicated_from"),
    )


def parse_article(
    rel: str, text: str, path: str, registries: Registries
) -> tuple[Article | None, tuple[Problem, ...]]:
    """One article from its text; `rel` is its path relative to the content root."""
    try:
        split = split_front_matter(text)
        doc = parse_yaml(split.front_matter, split.front_matter_line)
    except YamlProblem as exc:
        where = SourceRef(path, exc.line)
        return None, (Problem(where, exc.field or "front matter", exc.message, exc.hint),)
    if not isinstance(doc.data, dict):
        return None, (
            Problem(
                SourceRef(path, split.front_matter_line),
                "front matter",
                "expected fields (key: value), got "
                + ("nothing" if doc.data is None else "a value"),
                "write one `field: value` per line: title, source and published are required",
            ),
        )
    data = doc.data
    problems = _field_problems(data, doc, path) + _location_problems(
        rel, data, doc, path, {s.key for s in registries.sources}
    )
    source = data.get("source")
    if isinstance(source, str) and SOURCE_KEY.fullmatch(source):
        problem = _source_problem(source, SourceRef(path, doc.line_of(("source",))), registries)
        problems += [problem] if problem else []
    if any(p.severity != WARNING for p in problems):
        return None, tuple(problems)
    return _build_article(rel, data, split.body, split.body_line, path), tuple(problems)


def _link_out(abs_path: Path, abs_root: Path) -> Problem | None:
    """A problem when `abs_path` is a symbolic link that resolves outside `abs_root` or loops."""
    if not abs_path.is_symlink():
        return None
    message = "a symbolic link that points outside the content folder"
    try:
        if abs_path.resolve().is_relative_to(abs_root):
            return None
    except (OSError, RuntimeError):  # a loop: RuntimeError before Python 3.13, then OSError
        message = "a symbolic link that loops back on itself"
    return Problem(
        SourceRef(display_path(abs_path), 1), "", message, "replace the link with the file itself"
    )


def _article_files(abs_content_dir: Path) -> tuple[list[Path], list[Problem]]:
    """Every .md file under articles/, sorted; symlinks that leave the folder are refused."""
    root = abs_content_dir / "articles"
    # articles/ itself may be a link too: os.walk would follow it anywhere (#7)
    root_problem = _link_out(root, abs_content_dir.resolve())
    if root_problem is not None:
        return [], [root_problem]
    abs_root = root.resolve()
    found: list[Path] = []
    problems: list[Problem] = []
    for dirpath, entries in _walk_sorted(str(root)):
        for entry in entries:
            name = entry.name
            abs_path = Path(dirpath) / name
            if name.endswith(".md") and _plain_file(entry):
                found.append(abs_path)  # what the checks below find, without their stat calls
                continue
            problem = _link_out(abs_path, abs_root)
            if problem is not None:
                problems.append(problem)
            elif name.endswith(".md") and abs_path.is_file():
                found.append(abs_path)
            elif not name.startswith("."):  # .gitkeep, .DS_Store and the like are no one's work
                problems.append(_not_read(abs_path))
    return sorted(found), problems


def _walk_sorted(top: str) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
    """`os.walk(top)` with sorted folders, each folder's files (and then its linked folders,
    which are not entered) as sorted entries: an entry knows whether it is a link or a file
    without another system call."""
    try:
        with os.scandir(top) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return
    folders: list[os.DirEntry[str]] = []
    others: list[os.DirEntry[str]] = []
    for entry in entries:
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        (folders if is_folder else others).append(entry)
    yield top, others + [entry for entry in folders if entry.is_symlink()]
    for entry in folders:
        if not entry.is_symlink():
            yield from _walk_sorted(os.path.join(top, entry.name))


def _plain_file(entry: os.DirEntry[str]) -> bool:
    try:
        return not entry.is_symlink() and entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def _not_read(abs_path: Path) -> Problem:
    """A warning for a file under articles/ the build skips, so that nobody's work vanishes."""
    if abs_path.is_symlink() and not abs_path.exists():
        message, hint = "the link points to nothing", "remove it, or link to a file in content/"
    elif abs_path.is_dir():
        message, hint = "a linked folder is not read", "move its files here instead of linking"
    elif abs_path.name.endswith(".md"):  # a named pipe, a socket, a device
        message, hint = "not read: not a regular file", "replace it with the article's file"
    else:
        message = "not read: only .md files under articles/ are articles"
        hint = "rename it to .md if it is an article; raw captures belong in content/captures/"
    return Problem(SourceRef(display_path(abs_path), 1), "", message, hint, WARNING)


def _case_clashes(rels: list[str], paths: dict[str, str]) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for rel in rels:
        first = seen.setdefault(rel.casefold(), rel)
        if first != rel:
            problems.append(
                Problem(
                    SourceRef(paths[rel], 1),
                    "",
                    f"the name differs only in case from {first}",
                    "such names collide on case-insensitive file systems: rename one of them",
                )
            )
    return problems


def _duplicate_urls(articles: list[Article]) -> list[Problem]:
    first: dict[str, Article] = {}
    problems = []
    for article in articles:
        if article.url is None:
            continue
        earlier = first.setdefault(normal_url(article.url), article)
        if earlier is not article:
            problems.append(
                Problem(
                    article.origin,
                    "url",
                    f"the same URL as {earlier.origin.path}",
                    "each article is imported once: remove the copy, or correct the URL",
                )
            )
    return problems


def load_registries(
    abs_content_dir: Path, settings: Settings
) -> tuple[Registries, tuple[Problem, ...]]:
    """The registries of a content folder; sources.yml is required, the others optional."""
    parsers = {
        "sources.yml": parse_sources,
        "actors.yml": parse_actors,
        "terms.yml": parse_terms,
        "overrides.yml": parse_overrides,
    }
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, parser in parsers.items():
        abs_path = abs_content_dir / name
        path = display_path(abs_path)
        # a registry linked to a file elsewhere would echo that file in messages (#7)
        link_problem = _link_out(abs_path, abs_content_dir.resolve())
        if link_problem is not None:
            problems.append(link_problem)
            continue
        if not abs_path.exists():
            if name == "sources.yml":
                problems.append(
                    Problem(
                        SourceRef(path, 1),
                        "",
                        "the sources registry is missing",
                        "create it with one entry per outlet (see CONTRIBUTING.md)",
                    )
                )
            continue
        doc, read_problems = read_yaml_file(abs_path, path, settings)
        problems += read_problems
        if doc is not None:
            entries, entry_problems = parser(doc, path)
            values[name.removesuffix(".yml")] = entries
            problems += entry_problems
    registries = Registries(**values)
    if registries.sources:  # else every group a term names would be "unknown"
        problems += check_cross_references(registries.sources, registries.terms)
    return registries, tuple(problems)


Loaded = tuple[Article | None, tuple[Problem, ...]]
# How workers send articles back (#9); the build cache adds its own classes.
REDUCERS = constructor_reducers(
    c for c in vars(model).values() if isinstance(c, type) and dataclasses.is_dataclass(c)
)
RawFile = tuple[str, str, bytes]  # the file's path in the content folder, as shown, its bytes
# Whether a file's bytes need not be read, given its `os.stat` (`read_bytes`), and given its
# path in the content folder too (`read_files`): the build cache knows them (#9).
Unread = Callable[[os.stat_result], bool]
UnreadFile = Callable[[str, os.stat_result], bool]
ParseFiles = Callable[[Sequence[RawFile], Registries], list[Loaded]]


def parse_file(rel: str, path: str, raw: bytes, registries: Registries) -> Loaded:
    """One article from its file's bytes: decoded, then parsed and validated."""
    text, decode_problems = decode_text(raw, path)
    if text is None:
        return None, decode_problems
    article, parse_problems = parse_article(rel, text, path, registries)
    return article, decode_problems + parse_problems


def parse_files(files: Sequence[RawFile], registries: Registries) -> list[Loaded]:
    """`parse_file` of each file, in order, spread over the cores when there are many: one
    file's article needs nothing from another's (#9)."""
    return fork_map(lambda n: parse_file(*files[n], registries), len(files), reducers=REDUCERS)


@dataclass(frozen=True, slots=True)
class FilesRead:
    """The articles' files of a content folder, read and not yet parsed."""

    problems: tuple[Problem, ...]  # the walk's, and names that differ only in case
    # Per file, in sorted order: the file (None when it could not be read), and what reading
    # it met.
    files: tuple[tuple[RawFile | None, tuple[Problem, ...]], ...]


def read_files(
    abs_content_dir: Path, settings: Settings, unread: UnreadFile | None = None
) -> FilesRead:
    """Every article file under the folder's articles/, read as bytes (`_article_files`);
    a file `unread` names, given its path in the folder and its `os.stat`, comes back with
    no bytes (b"")."""
    found, problems = _article_files(abs_content_dir)
    rels = _relative_all(found, abs_content_dir)
    paths = dict(zip(rels, _relative_all(found, None), strict=True))
    problems += _case_clashes(rels, paths)
    files = []
    for rel, abs_path in zip(rels, found, strict=True):
        skip = None if unread is None else partial(unread, rel)
        raw, read_problems = read_bytes(abs_path, paths[rel], settings, skip)
        files.append(((rel, paths[rel], raw) if raw is not None else None, read_problems))
    return FilesRead(tuple(problems), tuple(files))


def read_again(
    abs_content_dir: Path, rel: str, path: str, settings: Settings
) -> tuple[RawFile | None, tuple[Problem, ...]]:
    """One article file read again by its path in the content folder, as `read_files`
    would read it: refused when it has become a link that leaves the folder."""
    abs_path = abs_content_dir / rel
    problem = _link_out(abs_path, abs_content_dir.resolve())
    if problem is not None:
        return None, (problem,)
    raw, problems = read_bytes(abs_path, path, settings)
    return (None if raw is None else (rel, path, raw)), problems


# The registries of a content folder with their problems, and its articles' files.
Read = tuple[Registries, tuple[Problem, ...], FilesRead]


def read_content(
    abs_content_dir: Path, settings: Settings, unread: UnreadFile | None = None
) -> Read:
    """`load_registries` and `read_files` of a content folder: everything load reads."""
    registries, problems = load_registries(abs_content_dir, settings)
    return registries, problems, read_files(abs_content_dir, settings, unread)


@dataclass(frozen=True, slots=True)
class Loading:
    """How `load_corpus` reads the content folder and parses the files: as they are, or
    through the build cache (`BuildCache.memoised`, #9)."""

    read: Callable[[Path, Settings], Read] = read_content
    parse: ParseFiles = parse_files


def load_corpus(
    abs_content_dir: Path, settings: Settings, loading: Loading = Loading()
) -> tuple[Corpus, tuple[Problem, ...]]:
    """Every valid article and the registries of a content folder, with all the problems.

    `loading` reads and parses the files: the build cache passes its own (#9).
    """
    registries, problems, found = loading.read(abs_content_dir, settings)
    all_problems = [*problems, *found.problems]
    raw = [file for file, _ in found.files if file is not None]
    articles = []
    with quiet_gc():  # ten thousand long-lived articles (or cache entries), and no cycles
        loaded = iter(loading.parse(raw, registries))
        for file, read_problems in found.files:
            all_problems += read_problems
            if file is not None:
                article, parse_problems = next(loaded)
                all_problems += parse_problems
                if article is not None:
                    articles.append(article)
    all_problems += _duplicate_urls(articles)
    if not registries.sources and has_errors(problems):
        # sources.yml could not be read: its error is the cause; one "unknown source" per
        # article would only bury it.
        all_problems = [p for p in all_problems if not _is_unknown_source(p)]
    corpus = Corpus(display_path(abs_content_dir), tuple(articles), registries)
    return corpus, tuple(all_problems)


def _is_unknown_source(problem: Problem) -> bool:
    return problem.field == "source" and problem.message.startswith("unknown source ")
