"""Problems with contributor content or settings, the exceptions, and how both are printed.

Pure: formatting only. Stages return problems; only the command line decides to stop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from parallax.model import SourceRef

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located to a file and line."""

    source: SourceRef
    field: str  # the front-matter field or dotted setting key; "" for the file as a whole
    message: str
    hint: str | None = None
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.source.path, self.source.line, self.field, self.message)


class ParallaxError(Exception):
    """The root of the exceptions Parallax raises on purpose."""


class ConfigError(ParallaxError):
    """Raised by the command line when the settings in mkdocs.yml are invalid."""


class ContentError(ParallaxError):
    """Raised by the command line when content has errors, carrying the problems."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__(summarise(problems))
        self.problems = problems


class BuildError(ParallaxError):
    """Raised by render and publish when the site cannot be written (two pages, one path)."""


def format_problem(problem: Problem) -> str:
    """`path:line: field: message`, then an indented hint line when there is one."""
    where = f"{problem.source.path}:{problem.source.line}"
    head = (
        f"{where}: {problem.field}: {problem.message}"
        if problem.field
        else (f"{where}: {problem.message}")
    )
    if problem.severity == WARNING:
        head = f"{head} (warning)"
    return head if problem.hint is None else f"{head}\n  hint: {problem.hint}"


def _escape_github(text: str, *, is_property: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if is_property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_problem_github(problem: Problem) -> str:
    """The problem as a GitHub workflow command, so it shows as an annotation on the diff."""
    command = "error" if problem.is_error else "warning"
    file = _escape_github(problem.source.path, is_property=True)
    title = _escape_github(problem.field or "content", is_property=True)
    message = (
        problem.message if problem.hint is None else f"{problem.message}\nhint: {problem.hint}"
    )
    return f"::{command} file={file},line={problem.source.line},title={title}::" + _escape_github(
        message
    )


def sort_problems(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """Sorted by path and line, duplicates removed."""
    return tuple(sorted(set(problems), key=Problem.sort_key))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summarise(problems: Iterable[Problem]) -> str:
    """One line: "3 errors, 1 warning in 2 files", or "no problems"."""
    problems = tuple(problems)
    if not problems:
        return "no problems"
    counts = Counter(p.severity for p in problems)
    files = len({p.source.path for p in problems})
    return (
        f"{_plural(counts[ERROR], 'error')}, {_plural(counts[WARNING], 'warning')} "
        f"in {_plural(files, 'file')}"
    )


def has_errors(problems: Iterable[Problem], *, strict: bool = False) -> bool:
    """True when any problem stops the build; with strict, warnings stop it too."""
    return any(p.is_error or strict for p in problems)
