"""The command line: `python build.py [COMMAND]`. Thin: parse options, call the pipeline,
print problems, choose the exit code (0 ok, 1 content or settings problems, 2 usage).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO, TypeVar

import click

from parallax import pipeline, progress, signals
from parallax.model import Analysis
from parallax.problems import (
    BuildError,
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


def _use_cache(ctx: click.Context) -> bool:
    return not ctx.meta.get("no_cache", False)


def _print_problems(problems: Sequence[Problem], output_format: str, *, strict: bool) -> None:
    ordered = sort_problems(problems)
    formatter = format_problem_github if output_format == "github" else format_problem
    for problem in ordered:
        click.echo(formatter(problem), err=True)
    if ordered:
        tail = " (--strict: warnings count as errors)" if strict and not has_errors(ordered) else ""
        click.echo(summarise(ordered) + tail, err=True)


def _project(ctx: click.Context, config_file: Path, content_dir: Path | None) -> pipeline.Project:
    if not config_file.is_file():
        raise click.UsageError(f"no {config_file} here: run from the project folder or pass -f")
    if content_dir is not None and not content_dir.is_dir():
        raise click.UsageError(f"--content: no folder {content_dir}")
    project, problems = pipeline.load_project(config_file.resolve(), content_dir)
    if has_errors(problems):
        _print_problems(problems, _opt(ctx, "output_format", None) or "text", strict=False)
        ctx.exit(EXIT_PROBLEMS)
    ctx.meta["config_problems"] = problems
    return project


def _stages(ctx: click.Context) -> progress.Stages:
    """How this run reports its stages: chosen once by the group from -q, -v and the terminal."""
    stages = ctx.meta.get("stages")
    return stages if isinstance(stages, progress.Stages) else progress.Stages()


def _opt(ctx: click.Context, name: str, value: Any) -> Any:
    """A command's option, or the group's when the command did not get it."""
    if value is not None:
        return value
    return (ctx.find_root().params or {}).get(name)


@click.group(invoke_without_command=True)
@report_options
@cache_option
@click.option("-v", "--verbose", count=True, help="More detail: stage timings, then debug logs.")
@click.option("-q", "--quiet", is_flag=True, help="Only problems and errors.")
@click.pass_context
def main(
    ctx: click.Context, strict: bool | None, output_format: str | None, verbose: int, quiet: bool
) -> None:
    """Parallax: build a digest that compares how outlets report the same events.

    With no command, runs `build`.

    Example:

        python build.py --strict
    """
    signals.raise_on_sigterm()  # so a stopped build still rolls back and cleans up (#7)
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    level = logging.ERROR if quiet else level
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    ctx.meta["quiet"] = quiet
    mode = progress.choose_mode(sys.stderr, quiet=quiet, env=os.environ)
    ctx.meta["stages"] = progress.Stages(mode, sys.stderr, verbose)
    if ctx.invoked_subcommand is None:
        ctx.invoke(build_command)


def run() -> NoReturn:
    """The command line as a process (build.py, the `parallax` script): `main`, then the
    process ends as soon as what it printed is out (`os._exit`), without the interpreter's
    teardown. What a build made and used, millions of objects at 10k articles, goes with the
    process rather than freed object by object: 0.4-0.5 s of the command with one article
    added to 10k (#9). The build command leaves its result in the context's `obj` (`_keep`),
    so that it lives that long. Tests call `main`, which frees everything as any function
    does; an error that is not a command's exit ends the process as Python would, and so
    does every exit under a profiler or a tracer (coverage), which write out at exit."""
    kept: list[object] = []
    status = EXIT_OK
    try:
        main.main(obj=kept)  # click's standalone mode ends with SystemExit
    except SystemExit as exc:
        if sys.getprofile() is not None or sys.gettrace() is not None:
            raise
        status = _status(exc.code)
    logging.shutdown()
    if not _flushed(sys.stdout):
        status = 120  # as Python's own exit, when it cannot write out stdout
    _flushed(sys.stderr)
    os._exit(status)


def _flushed(stream: TextIO | None) -> bool:
    """Write out what is left in `stream`; False if that failed. A stream that is closed,
    or that the process started without, has nothing left."""
    if stream is None or stream.closed:
        return True
    try:
        stream.flush()
    except OSError:  # a closed pipe
        return False
    return True


def _status(code: object) -> int:
    """The exit status of `SystemExit(code)`, as Python's own exit sets it."""
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _keep(ctx: click.Context, made: object) -> None:
    """Leave `made` to the end of the process when the command line runs as one (`run`)."""
    if isinstance(ctx.obj, list):
        ctx.obj.append(made)


@main.command("build")
@content_options
@cache_option
@report_options
@click.option("--no-site", is_flag=True, help="Write site_src/ only; do not run MkDocs.")
@click.pass_context
def build_command(
    ctx: click.Context,
    config_file: Path = Path("mkdocs.yml"),
    content_dir: Path | None = None,
    strict: bool | None = None,
    output_format: str | None = None,
    no_site: bool = False,
) -> None:
    """Build the whole site: content to site_src/ to site/.

    Nothing is replaced unless every stage succeeds.

    Example:

        python build.py build --strict
    """
    strict = bool(_opt(ctx, "strict", strict))
    output_format = _opt(ctx, "output_format", output_format) or "text"
    project = _project(ctx, config_file, content_dir)
    try:
        result = pipeline.build(
            project,
            strict=strict,
            run_site=not no_site,
            stages=_stages(ctx),
            use_cache=_use_cache(ctx),
        )
    except BuildError as exc:
        click.echo(f"build failed: {exc}", err=True)
        click.echo("site_src/ and site/ were left as they were.", err=True)
        ctx.exit(EXIT_PROBLEMS)
    _keep(ctx, result)
    problems = (*ctx.meta["config_problems"], *result.problems)
    _print_problems(problems, output_format, strict=strict)
    if not result.published:
        click.echo("nothing was published; site_src/ and site/ are unchanged.", err=True)
        ctx.exit(EXIT_PROBLEMS)
    _stages(ctx).totals(progress.analysis_counts(result.analysis, result.pages))
    if not ctx.meta.get("quiet"):
        articles = len(result.analysis.corpus.articles) if result.analysis else 0
        where = "site_src/" if no_site else "site_src/ and site/"
        click.echo(f"built {len(result.pages)} pages from {articles} articles into {where}")


@main.command("check")
@content_options
@cache_option
@report_options
@click.pass_context
def check_command(
    ctx: click.Context,
    config_file: Path,
    content_dir: Path | None,
    strict: bool | None,
    output_format: str | None,
) -> None:
    """Validate the content and settings only; exit 1 on any error.

    Example:

        python build.py check --strict --format github
    """
    strict = bool(_opt(ctx, "strict", strict))
    output_format = _opt(ctx, "output_format", output_format) or "text"
    project = _project(ctx, config_file, content_dir)
    checked = pipeline.check(project, _stages(ctx), use_cache=_use_cache(ctx))
    problems = (*ctx.meta["config_problems"], *checked)
    _print_problems(problems, output_format, strict=strict)
    if has_errors(problems, strict=strict):
        ctx.exit(EXIT_PROBLEMS)
    if not ctx.meta.get("quiet"):
        click.echo("content OK")


def _parse_address(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"expected IP:PORT such as 127.0.0.1:8000, got {value!r}")
    return host, int(port)


@main.command("serve")
@content_options
@click.option(
    "-a",
    "--dev-addr",
    "address",
    default="127.0.0.1:8000",
    show_default=True,
    metavar="IP:PORT",
    callback=_parse_address,
    help="Where to serve the preview.",
)
@click.pass_context
def serve_command(
    ctx: click.Context, config_file: Path, content_dir: Path | None, address: tuple[str, int]
) -> None:
    """Preview the site locally; rebuild and reload the page when content changes.

    Watches content/, templates/ and mkdocs.yml; a change with errors prints them and
    keeps the last good pages. Ctrl-C stops.

    Example:

        python build.py serve -a 127.0.0.1:8001
    """
    from parallax import serve

    project = _project(ctx, config_file, content_dir)
    preview = serve.Preview(project.abs_config, content_dir, *address)
    ctx.exit(serve.serve(preview, _stages(ctx)))


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2024-05-31, got {value!r}") from None


def _check_inputs(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """Each input is an http(s) URL or an existing file."""
    for given in value:
        if not given.lower().startswith(("http://", "https://")) and not Path(given).is_file():
            raise click.BadParameter(f"no file {given!r} (and not an http(s) URL)")
    return value


@main.command("import")
@click.argument("inputs", nargs=-1, metavar="[FILE|URL]...", callback=_check_inputs)
@click.option("--feed", "feeds", multiple=True, help="An RSS or Atom feed: a file or a URL.")
@click.option("--source", help="The outlet's key in sources.yml (else inferred, or TODO).")
@click.option("--url", help="The article's address.")
@click.option("--published", callback=_parse_date, help="Publication date, YYYY-MM-DD.")
@click.option("--kind", type=click.Choice(["article", "liveblog"]), help="Else detected.")
@click.option("--force", is_flag=True, help="Overwrite an existing content file.")
@click.option("--dry-run", is_flag=True, help="Report what would be written; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@content_options
@click.pass_context
def import_command(
    ctx: click.Context,
    inputs: tuple[str, ...],
    feeds: tuple[str, ...],
    source: str | None,
    url: str | None,
    published: dt.date | None,
    kind: str | None,
    force: bool,
    dry_run: bool,
    as_json: bool,
    config_file: Path,
    content_dir: Path | None,
) -> None:
    """Turn .txt captures, saved .html pages, URLs and feeds into content files to review.

    Noise is removed and reported; fields that cannot be inferred are left as TODO, which
    `check` reports until they are filled in. An article already in the corpus (same URL,
    or the same outlet's text) is skipped; another outlet's copy gets `syndicated_from`.

    Example:

        python build.py import capture.txt --source cnn --kind liveblog
        python build.py import saved-page.html https://example.org/news/story
        python build.py import --feed https://example.org/rss.xml --dry-run
    """
    from parallax import import_report, importer
    from parallax.ingest import load_corpus

    if not inputs and not feeds:
        raise click.UsageError("give a file, a URL or --feed FEED to import")
    project = _project(ctx, config_file, content_dir)
    corpus, _ = load_corpus(project.abs_content, project.site.settings)
    options = importer.ImportOptions(
        source=source, url=url, published=published, kind=kind, force=force, dry_run=dry_run
    )
    reports, problems = importer.import_inputs(
        inputs, options, project.abs_content, corpus.registries,
        existing=corpus.articles, feeds=feeds,
    )  # fmt: skip
    _print_problems(problems, "text", strict=False)
    if as_json:
        data = {"files": [import_report.report_json(r) for r in reports]}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for report in reports:
            click.echo(import_report.report_text(report))
        click.echo(import_report.summary_line(reports), err=True)
    # An article skipped because the corpus already has it is not a failure: feeds repeat.
    failed = [r for r in reports if r.status == "skipped" and r.duplicate_of is None]
    if has_errors(problems) or failed:
        ctx.exit(EXIT_PROBLEMS)


def _analysis_or_exit(ctx: click.Context, config_file: Path, content_dir: Path | None) -> Analysis:
    """Analyse for a JSON command: problems go to stderr, and errors stop before any JSON."""
    project = _project(ctx, config_file, content_dir)
    analysis, problems = pipeline.analyse(project, _stages(ctx), use_cache=_use_cache(ctx))
    problems = (*ctx.meta["config_problems"], *problems)
    _print_problems(problems, "text", strict=False)
    if has_errors(problems):
        ctx.exit(EXIT_PROBLEMS)
    return analysis


def _print_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


@main.command("clusters")
@click.option("--json", "as_json", is_flag=True, required=True, help="Print JSON (required).")
@content_options
@cache_option
@click.pass_context
def clusters_command(
    ctx: click.Context, as_json: bool, config_file: Path, content_dir: Path | None
) -> None:
    """Print the events and stories as JSON; paths are relative to the content folder.

    Example:

        python build.py clusters --json --content tests/eval/clusters
    """
    from parallax.exports import clusters_json

    _print_json(clusters_json(_analysis_or_exit(ctx, config_file, content_dir)))


@main.command("claims")
@click.option("--json", "as_json", is_flag=True, required=True, help="Print JSON (required).")
@content_options
@cache_option
@click.pass_context
def claims_command(
    ctx: click.Context, as_json: bool, config_file: Path, content_dir: Path | None
) -> None:
    """Print the claims and points as JSON; paths are relative to the content folder.

    Example:

        python build.py claims --json
    """
    from parallax.exports import claims_json

    _print_json(claims_json(_analysis_or_exit(ctx, config_file, content_dir)))
