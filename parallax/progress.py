"""How a run reports its stages: a live progress bar on a terminal, one concise line per stage
(time and counts) when the output is a log, such as CI's, and nothing with -q.

Only the command line chooses the mode; the pipeline opens stages and says what they
produced. Rich draws the bar because it refreshes from its own thread: a stage that waits
on one long call (clustering, MkDocs in a subprocess) still shows a live spinner and its
elapsed time, where a loop-driven bar such as tqdm's would freeze.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TextIO, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from parallax.model import Analysis, RenderedPage

T = TypeVar("T")
BAR, LOG, QUIET = "bar", "log", "quiet"
SINGULAR = {"stories": "story", "entries": "entry"}


def choose_mode(stream: TextIO, *, quiet: bool, env: Mapping[str, str]) -> str:
    """QUIET with -q; a BAR on an interactive terminal; else LOG lines (CI, pipes, files)."""
    if quiet:
        return QUIET
    if env.get("CI") or env.get("TERM") == "dumb" or not stream.isatty():
        return LOG
    return BAR


def format_counts(counts: Mapping[str, int]) -> str:
    """`120 articles, 1 story`: each count with its noun, in the order given."""
    words = []
    for noun, n in counts.items():
        word = noun if n != 1 else SINGULAR.get(noun, noun.removesuffix("s"))
        words.append(f"{n:,} {word}")
    return ", ".join(words)


def format_stage(name: str, seconds: float, counts: Mapping[str, int]) -> str:
    """One log line: `load       0.22s  120 articles`."""
    line = f"{name:<9}{seconds:6.2f}s"
    return f"{line}  {format_counts(counts)}" if counts else line


def analysis_counts(analysis: Analysis | None, pages: Sequence[RenderedPage]) -> dict[str, int]:
    """What a build produced, for the closing log line."""
    if analysis is None:
        return {"pages": len(pages)}
    return {
        "articles": len(analysis.corpus.articles),
        "items": len(analysis.items),
        "events": len(analysis.events),
        "stories": len(analysis.stories),
        "claims": len(analysis.claims),
        "points": len(analysis.points),
        "pages": len(pages),
    }


class Stage:
    """One running stage: what it counted, and its progress bar when there is one."""

    def __init__(self, name: str, progress: Progress | None = None) -> None:
        self.name = name
        self.counts: dict[str, int] = {}
        self._progress = progress
        self._task: TaskID | None = (
            None if progress is None else progress.add_task(name, total=None)
        )

    def count(self, **counts: int) -> None:
        """Record what the stage produced, e.g. `stage.count(articles=120)`."""
        self.counts.update(counts)

    def track(self, values: Sequence[T]) -> Iterator[T]:
        """Iterate over `values`, advancing the bar (if any) by one per value."""
        if self._progress is None or self._task is None:
            yield from values
            return
        self._progress.update(self._task, total=len(values))
        for value in values:
            yield value
            self._progress.advance(self._task)


class Stages:
    """Times the stages of a run and reports them in the chosen mode.

    `verbose` adds the per-stage lines on a terminal too, where the bar alone is shown.
    """

    def __init__(self, mode: str = QUIET, stream: TextIO | None = None, verbose: int = 0) -> None:
        self.mode = mode
        self.stream = stream
        self.verbose = verbose
        self.timings: list[tuple[str, float]] = []

    @property
    def _prints_lines(self) -> bool:
        return self.stream is not None and (
            self.mode == LOG or (self.mode == BAR and self.verbose > 0)
        )

    def _progress(self) -> Progress:
        console = Console(file=self.stream, stderr=self.stream is None)
        return Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,  # the bar is a live view; the log keeps only the summary
        )

    @contextmanager
    def stage(self, name: str) -> Iterator[Stage]:
        """Run one stage: `with stages.stage("load") as stage: ...`."""
        start = time.perf_counter()
        if self.mode == BAR and self.stream is not None:
            with self._progress() as progress:
                stage = Stage(name, progress)
                yield stage
        else:
            stage = Stage(name)
            yield stage
        seconds = time.perf_counter() - start
        self.timings.append((name, seconds))
        self.line(format_stage(name, seconds, stage.counts))

    def line(self, text: str) -> None:
        """Write a log line, unless the mode keeps the output quiet."""
        if self._prints_lines and self.stream is not None:
            self.stream.write(text + "\n")
            self.stream.flush()

    def totals(self, counts: Mapping[str, int]) -> None:
        """The closing line: total time and everything the run produced."""
        seconds = sum(s for _, s in self.timings)
        self.line(format_stage("total", seconds, counts))
