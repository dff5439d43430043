"""The command line: `python build.py [COMMAND]`. Thin: parse options, call the pipeline,
print problems, choose the exit code (0 ok, 1 content or settings problems, 2 usage).
`import`, `clusters` and `claims` are in parallax.cli_data; the options the commands share
in parallax.cli_options.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import NoReturn, TextIO

import click

from parallax import cli_data, pipeline, progress, signals
from parallax.cli_options import (
    EXIT_OK,
    EXIT_PROBLEMS,
    cache_option,
    content_options,
    option_value,
    print_problems,
    project_of,
    report_options,
    stages_of,
    use_cache,
)
from parallax.problems import BuildError, has_errors


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
    strict = bool(option_value(ctx, "strict", strict))
    output_format = option_value(ctx, "output_format", output_format) or "text"
    project = project_of(ctx, config_file, content_dir)
    try:
        result = pipeline.build(
            project,
            strict=strict,
            run_site=not no_site,
            stages=stages_of(ctx),
            use_cache=use_cache(ctx),
        )
    except BuildError as exc:
        click.echo(f"build failed: {exc}", err=True)
        click.echo("site_src/ and site/ were left as they were.", err=True)
        ctx.exit(EXIT_PROBLEMS)
    _keep(ctx, result)
    problems = (*ctx.meta["config_problems"], *result.problems)
    print_problems(problems, output_format, strict=strict)
    if not result.published:
        click.echo("nothing was published; site_src/ and site/ are unchanged.", err=True)
        ctx.exit(EXIT_PROBLEMS)
    stages_of(ctx).totals(progress.analysis_counts(result.analysis, result.pages))
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
    strict = bool(option_value(ctx, "strict", strict))
    output_format = option_value(ctx, "output_format", output_format) or "text"
    project = project_of(ctx, config_file, content_dir)
    checked = pipeline.check(project, stages_of(ctx), use_cache=use_cache(ctx))
    problems = (*ctx.meta["config_problems"], *checked)
    print_problems(problems, output_format, strict=strict)
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

    project = project_of(ctx, config_file, content_dir)
    preview = serve.Preview(project.abs_config, content_dir, *address)
    ctx.exit(serve.serve(preview, stages_of(ctx)))


main.add_command(cli_data.import_command)
main.add_command(cli_data.clusters_command)
main.add_command(cli_data.claims_command)
