"""The commands that bring content in and print the analysis as JSON: `import`, `clusters`
and `claims` (the command line's group, parallax.cli, adds them).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import click

from parallax import pipeline
from parallax.cli_options import (
    EXIT_PROBLEMS,
    cache_option,
    content_options,
    print_problems,
    project_of,
    stages_of,
    use_cache,
)
from parallax.model import Analysis
from parallax.problems import has_errors


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


@click.command("import")
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
    project = project_of(ctx, config_file, content_dir)
    corpus, _ = load_corpus(project.abs_content, project.site.settings)
    options = importer.ImportOptions(
        source=source, url=url, published=published, kind=kind, force=force, dry_run=dry_run
    )
    reports, problems = importer.import_inputs(
        inputs, options, project.abs_content, corpus.registries,
        existing=corpus.articles, feeds=feeds,
    )  # fmt: skip
    print_problems(problems, "text", strict=False)
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
    project = project_of(ctx, config_file, content_dir)
    analysis, problems = pipeline.analyse(project, stages_of(ctx), use_cache=use_cache(ctx))
    problems = (*ctx.meta["config_problems"], *problems)
    print_problems(problems, "text", strict=False)
    if has_errors(problems):
        ctx.exit(EXIT_PROBLEMS)
    return analysis


def _print_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


def _json_command(name: str) -> Callable[[Callable[..., None]], click.Command]:
    """A command that analyses the content and prints it as JSON: its options are --json
    (required), the content options and --no-cache."""

    def make(function: Callable[..., None]) -> click.Command:
        function = cache_option(click.pass_context(function))
        function = content_options(function)
        json_flag = click.option(
            "--json", "as_json", is_flag=True, required=True, help="Print JSON (required)."
        )
        return click.command(name)(json_flag(function))

    return make


@_json_command("clusters")
def clusters_command(
    ctx: click.Context, as_json: bool, config_file: Path, content_dir: Path | None
) -> None:
    """Print the events and stories as JSON; paths are relative to the content folder.

    Example:

        python build.py clusters --json --content tests/eval/clusters
    """
    from parallax.exports import clusters_json

    _print_json(clusters_json(_analysis_or_exit(ctx, config_file, content_dir)))


@_json_command("claims")
def claims_command(
    ctx: click.Context, as_json: bool, config_file: Path, content_dir: Path | None
) -> None:
    """Print the claims and points as JSON; paths are relative to the content folder.

    Example:

        python build.py claims --json
    """
    from parallax.exports import claims_json

    _print_json(claims_json(_analysis_or_exit(ctx, config_file, content_dir)))
