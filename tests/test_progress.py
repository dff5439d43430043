"""Progress and logs: a bar on a terminal, timed stage lines in CI, nothing with -q."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from parallax.cli import main
from parallax.model import Analysis, Corpus
from parallax.progress import (
    BAR,
    LOG,
    QUIET,
    Stages,
    analysis_counts,
    choose_mode,
    format_counts,
    format_stage,
)


class Terminal(io.StringIO):
    """A stream that says it is an interactive terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "quiet", "env", "mode"),
    [
        (Terminal(), False, {}, BAR),
        (Terminal(), True, {}, QUIET),
        (Terminal(), False, {"CI": "true"}, LOG),
        (Terminal(), False, {"TERM": "dumb"}, LOG),
        (io.StringIO(), False, {}, LOG),
        (io.StringIO(), True, {"CI": "true"}, QUIET),
    ],
)
def test_mode_follows_quiet_ci_and_the_terminal(stream, quiet, env, mode):
    assert choose_mode(stream, quiet=quiet, env=env) == mode


def test_counts_read_as_words():
    assert format_counts({"articles": 1, "stories": 1, "items": 1200}) == (
        "1 article, 1 story, 1,200 items"
    )
    assert format_stage("cluster", 0.514, {"events": 80, "stories": 2}) == (
        "cluster    0.51s  80 events, 2 stories"
    )
    assert format_stage("publish", 12.0, {}) == "publish   12.00s"


def test_build_counts_cover_every_stage_output():
    counts = analysis_counts(Analysis(Corpus("content")), ())
    assert list(counts) == ["articles", "items", "events", "stories", "claims", "points", "pages"]


def run_stage(stages: Stages) -> list[int]:
    with stages.stage("clean") as stage:
        seen = list(stage.track((1, 2, 3)))
        stage.count(articles=3)
    return seen


def test_log_mode_writes_one_line_per_stage_with_its_counts():
    stream = io.StringIO()
    stages = Stages(LOG, stream)
    assert run_stage(stages) == [1, 2, 3]
    assert re.fullmatch(r"clean +\d+\.\d\ds  3 articles\n", stream.getvalue())
    assert [name for name, _ in stages.timings] == ["clean"]


def test_quiet_mode_writes_nothing():
    stream = io.StringIO()
    assert run_stage(Stages(QUIET, stream)) == [1, 2, 3]
    assert stream.getvalue() == ""


@pytest.mark.parametrize(("verbose", "lines"), [(0, 0), (1, 1)])
def test_bar_mode_leaves_stage_lines_only_with_verbose(verbose, lines):
    stream = Terminal()
    assert run_stage(Stages(BAR, stream, verbose)) == [1, 2, 3]
    assert len(re.findall(r"clean +\d+\.\d\ds  3 articles\n", stream.getvalue())) == lines


ARTICLE = """\
---
title: Strike on a power plant
source: ap
published: 2024-05-31
---
Russian forces struck a power plant overnight.
"""


def cli(project, monkeypatch, *args):
    monkeypatch.chdir(project)
    monkeypatch.delenv("CI", raising=False)
    return CliRunner().invoke(main, list(args))


def test_check_logs_each_stage_when_not_on_a_terminal(project, write_article, monkeypatch):
    write_article("ap/2024-05-31-strike.md", ARTICLE)
    result = cli(project, monkeypatch, "check")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    # lint is logged after cluster: on a large corpus it runs beside it, and its line is the wait
    assert [line.split()[0] for line in lines][:4] == ["load", "analyse", "cluster", "lint"]
    assert all(re.fullmatch(r"[a-z]+ +\d+\.\d\ds(  .*)?", line) for line in lines), lines
    assert re.search(r"^load +\d+\.\d\ds  1 article, 0 problems$", result.stderr, re.M)
    assert result.stdout == "content OK\n"


def test_quiet_check_prints_only_problems(project, write_article, monkeypatch):
    write_article("ap/2024-05-31-strike.md", ARTICLE.replace("source: ap", "source: apx"))
    result = cli(project, monkeypatch, "-q", "check")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        'content/articles/ap/2024-05-31-strike.md:3: source: unknown source "apx"'
    )
    assert not any(
        line.startswith(("load", "clean", "lint")) for line in result.stderr.splitlines()
    )


def test_build_closes_with_the_totals_line(project, write_article, monkeypatch):
    write_article("ap/2024-05-31-strike.md", ARTICLE)
    result = cli(project, monkeypatch, "build", "--no-site")
    assert result.exit_code == 0, result.output
    total = result.stderr.splitlines()[-1]
    assert re.fullmatch(r"total +\d+\.\d\ds  1 article, \d+ items?, .*, \d+ pages", total), total
