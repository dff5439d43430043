"""Live preview: build site_src/, serve it with `mkdocs serve`, and rebuild on every change.

MkDocs serves and live-reloads the pages: it watches site_src/ and mkdocs.yml. This module
watches what MkDocs cannot know about, content/ and templates/ (and mkdocs.yml, whose
digest settings change the pages), and re-runs the pipeline into site_src/, which MkDocs
then picks up. A failed rebuild prints its problems and leaves the last good pages served.
Terminal edge: starts processes, reads the clock and handles signals; never used by stages.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import click
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from parallax import pipeline
from parallax.problems import BuildError, Problem, format_problem, sort_problems, summarise
from parallax.progress import Stages

SETTLE_SECONDS = 0.3  # editors save in bursts (temp file, rename); build once per burst
POLL_SECONDS = 0.5
STOP_SECONDS = 10.0
IGNORED_EVENTS = ("opened", "closed_no_write")


@dataclass(frozen=True, slots=True)
class Preview:
    """What to build and where to serve it."""

    abs_config: Path
    content_dir: Path | None  # --content, kept across rebuilds
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"


def _is_noise(abs_path: str) -> bool:
    """Editor swap and backup files, and hidden files, do not change the site."""
    name = Path(abs_path).name
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))


class _Changes(FileSystemEventHandler):
    """Sets `changed` when a file that feeds the pipeline is created, changed or removed."""

    def __init__(self, abs_folders: Sequence[Path], abs_files: Sequence[Path]) -> None:
        self.changed = threading.Event()
        self._folders = tuple(str(f) for f in abs_folders)
        self._files = {str(f) for f in abs_files}

    def _feeds_the_site(self, abs_path: str) -> bool:
        inside = any(abs_path.startswith(folder + "/") for folder in self._folders)
        return (inside or abs_path in self._files) and not _is_noise(abs_path)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in IGNORED_EVENTS:
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(p and self._feeds_the_site(str(p)) for p in paths):
            self.changed.set()


def _report(problems: Sequence[Problem]) -> None:
    ordered = sort_problems(problems)
    for problem in ordered:
        click.echo(format_problem(problem), err=True)
    if ordered:
        click.echo(summarise(ordered), err=True)


def rebuild(preview: Preview, stages: Stages) -> bool:
    """Run the pipeline into site_src/ (not MkDocs); True when the pages were replaced."""
    project, problems = pipeline.load_project(preview.abs_config, preview.content_dir)
    try:
        result = pipeline.build(project, run_site=False, stages=stages)
    except BuildError as exc:
        click.echo(f"build failed: {exc}; still serving the previous pages", err=True)
        return False
    _report((*problems, *result.problems))
    if not result.published:
        click.echo("not rebuilt: fix the errors above; still serving the previous pages", err=True)
    return result.published


def _watch(preview: Preview) -> tuple[BaseObserver, _Changes]:
    project, _ = pipeline.load_project(preview.abs_config, preview.content_dir)
    folders = [project.abs_content, project.abs_templates]
    if project.abs_template_overrides is not None:
        folders.append(project.abs_template_overrides)
    folders = [f.resolve() for f in folders if f.is_dir()]
    changes = _Changes(folders, [preview.abs_config.resolve()])
    observer = Observer()
    for folder in folders:
        observer.schedule(changes, str(folder), recursive=True)
    observer.schedule(changes, str(preview.abs_config.resolve().parent), recursive=False)
    return observer, changes


def _start_mkdocs(preview: Preview) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "mkdocs", "serve", "-f", str(preview.abs_config)]
    return subprocess.Popen([*command, "-a", f"{preview.host}:{preview.port}"])


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _loop(
    preview: Preview, server: subprocess.Popen[bytes], changes: _Changes, stages: Stages
) -> int:
    """Rebuild after each burst of changes until interrupted or MkDocs stops."""
    while server.poll() is None:
        if changes.changed.wait(POLL_SECONDS):
            changes.changed.wait(SETTLE_SECONDS)  # let the burst finish
            while changes.changed.is_set():
                changes.changed.clear()
                changes.changed.wait(SETTLE_SECONDS)
            click.echo("change detected: rebuilding", err=True)
            rebuild(preview, stages)
    click.echo(f"mkdocs serve stopped (exit {server.returncode})", err=True)
    return 1


def serve(preview: Preview, stages: Stages) -> int:
    """Build, serve and rebuild until Ctrl-C (or SIGTERM); returns the exit code."""
    rebuild(preview, stages)
    observer, changes = _watch(preview)
    observer.start()
    server = _start_mkdocs(preview)
    click.echo(f"serving on {preview.url} (Ctrl-C stops)", err=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _loop(preview, server, changes, stages)
    except KeyboardInterrupt:
        return 0
    finally:
        observer.stop()
        observer.join()
        _stop(server)
