"""What the commands of the command line share (parallax.cli, parallax.cli_data): their
options, how they find the project, print problems and read the group's options.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from parallax import pipeline, progress
from parallax.problems import (
    Problem,
    format_problem,
    format_problem_github,
    has_errors,
    sort_problems,
    summarise,
)

F = TypeVar("F", bound=Callable[..., Any])
EXIT_OK, EXIT_PROBLEMS = 0, 1


def content_options(function: F) -> F:
    """--config and --content, shared by every command that reads content."""
    function = click.option(
        "--content",
        "content_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Read this content folder instead of the one mkdocs.yml names.",
    )(function)
    return click.option(
        "-f",
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("mkdocs.yml"),
        show_default=True,
        help="The site's mkdocs.yml.",
    )(function)


def report_options(function: F) -> F:
    """--strict and --format, shared by the commands that report problems."""
    function = click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "github"]),
        default=None,
        help="How to print problems: text (default) or GitHub workflow annotations.",
    )(function)
    return click.option(
        "--strict", is_flag=True, default=None, help="Treat warnings as errors (CI uses this)."
    )(function)


def _skip_cache(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta["no_cache"] = True  # ctx.meta is shared by the group and its command
    return value


def cache_option(function: F) -> F:
    """--no-cache, shared by the commands that analyse the content."""
    return click.option(
        "--no-cache",
        is_flag=True,
        expose_value=False,
        callback=_skip_cache,
        help="A clean build: neither read nor write the build cache (cache_dir).",
    )(function)


def use_cache(ctx: click.Context) -> bool:
    """Whether this run reads and writes the build cache: not with --no-cache."""
    return not ctx.meta.get("no_cache", False)


def print_problems(problems: Sequence[Problem], output_format: str, *, strict: bool) -> None:
    """Every problem on stderr, in order, then how many of each kind."""
    ordered = sort_problems(problems)
    formatter = format_problem_github if output_format == "github" else format_problem
    for problem in ordered:
        click.echo(formatter(problem), err=True)
    if ordered:
        tail = " (--strict: warnings count as errors)" if strict and not has_errors(ordered) else ""
        click.echo(summarise(ordered) + tail, err=True)


def project_of(ctx: click.Context, config_file: Path, content_dir: Path | None) -> pipeline.Project:
    """The project of `config_file`; a missing file or folder is a usage error, and a
    settings error ends the command (exit 1)."""
    if not config_file.is_file():
        raise click.UsageError(f"no {config_file} here: run from the project folder or pass -f")
    if content_dir is not None and not content_dir.is_dir():
        raise click.UsageError(f"--content: no folder {content_dir}")
    project, problems = pipeline.load_project(config_file.resolve(), content_dir)
    if has_errors(problems):
        print_problems(problems, option_value(ctx, "output_format", None) or "text", strict=False)
        ctx.exit(EXIT_PROBLEMS)
    ctx.meta["config_problems"] = problems
    return project


def stages_of(ctx: click.Context) -> progress.Stages:
    """How this run reports its stages: chosen once by the group from -q, -v and the terminal."""
    stages = ctx.meta.get("stages")
    return stages if isinstance(stages, progress.Stages) else progress.Stages()


def option_value(ctx: click.Context, name: str, value: Any) -> Any:
    """A command's option, or the group's when the command did not get it."""
    if value is not None:
        return value
    return (ctx.find_root().params or {}).get(name)
