"""The command line: exit codes and exact output of check, build and import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from parallax.cache import BuildCache
from parallax.cli import _status, main
from parallax.pipeline import BuildResult
from tests.conftest import REPO, _generated_only

GOOD = """\
---
title: Strike on Kyiv
source: cnn
published: 2023-06-01
---
Ten people were injured in Kyiv on Thursday, officials said.
"""


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-q", *args, "-f", str(project / "mkdocs.yml")])
    return result.exit_code, result.output


def test_check_passes_on_good_content(project, write_article, monkeypatch):
    monkeypatch.chdir(project)
    write_article("cnn/2023-06-01-strike.md", GOOD)
    assert run(project, "check") == (0, "")


def test_check_names_every_broken_file_and_exits_1(project, write_article, monkeypatch):
    monkeypatch.chdir(project)
    write_article("cnn/2023-06-01-a.md", GOOD.replace("source: cnn", "source: cnnn"))
    write_article("cnn/2023-06-01-b.md", GOOD.replace("2023-06-01\n", "01/06/2023\n"))
    write_article("cnn/2023-06-01-c.md", GOOD.replace("title: Strike on Kyiv", "title: 'x"))
    code, output = run(project, "check")
    assert code == 1
    assert output.splitlines() == [
        'content/articles/cnn/2023-06-01-a.md:3: source: unknown source "cnnn"',
        '  hint: did you mean "cnn"? Known sources are listed in content/sources.yml',
        "content/articles/cnn/2023-06-01-b.md:4: published: expected a date like 2024-05-01, "
        'got "01/06/2023"',
        "  hint: write the date unquoted in YYYY-MM-DD form",
        "content/articles/cnn/2023-06-01-c.md:2: front matter: invalid YAML: found unexpected "
        "end of stream (while scanning a quoted scalar that starts on line 2)",
        "  hint: check the indentation and quote values that contain a colon or start with a quote",
        "3 errors, 0 warnings in 3 files",
    ]


def test_check_in_github_format_prints_annotations(project, write_article, monkeypatch):
    monkeypatch.chdir(project)
    write_article("cnn/2023-06-01-a.md", GOOD.replace("source: cnn", "source: cnnn"))
    code, output = run(project, "check", "--format", "github")
    assert code == 1
    assert output.splitlines()[0] == (
        "::error file=content/articles/cnn/2023-06-01-a.md,line=3,title=source::"
        'unknown source "cnnn"%0Ahint: did you mean "cnn"? Known sources are listed in '
        "content/sources.yml"
    )


def test_warnings_fail_only_with_strict(project, write_article, monkeypatch):
    monkeypatch.chdir(project)
    write_article("cnn/2023-06-01-a.md", GOOD.replace("title:", "tags: [x]\ntitel: x\ntitle:"))
    assert run(project, "check")[0] == 0
    assert run(project, "check", "--strict")[0] == 1
    assert run(project, "--strict", "check")[0] == 1


def test_a_bad_setting_stops_with_its_key(project, monkeypatch):
    monkeypatch.chdir(project)
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text().replace(
            "content_dir: content", "content_dir: content\n    event_threshold: high"
        )
    )
    code, output = run(project, "check")
    assert code == 1
    assert output.splitlines()[0] == (
        "mkdocs.yml:1: extra.digest.event_threshold: expected a number 0–100, got 'high'"
    )


def test_page_urls_other_than_directory_urls_stop_the_build_at_their_line(project, monkeypatch):
    monkeypatch.chdir(project)
    config = project / "mkdocs.yml"
    text = config.read_text()
    config.write_text(text.replace("use_directory_urls: true", "use_directory_urls: false"))
    line = text.splitlines().index("use_directory_urls: true") + 1
    code, output = run(project, "check")
    assert code == 1
    assert output.splitlines()[:2] == [
        f"mkdocs.yml:{line}: use_directory_urls: the digest's pages link to each other as "
        "MkDocs publishes them with directory URLs",
        "  hint: set use_directory_urls: true (the default) or remove the line",
    ]


def test_usage_errors_exit_2(project, monkeypatch):
    monkeypatch.chdir(project)
    assert run(project, "check", "--format", "xml")[0] == 2
    assert run(project, "check", "--content", str(project / "missing"))[0] == 2


def test_a_failed_check_in_build_publishes_nothing(project, write_article, monkeypatch):
    monkeypatch.chdir(project)
    write_article("cnn/2023-06-01-a.md", GOOD.replace("source: cnn", "source: cnnn"))
    code, output = run(project, "build")
    assert code == 1
    assert output.splitlines()[-1] == ("nothing was published; site_src/ and site/ are unchanged.")
    assert not (project / "site").exists()
    assert not (project / "site_src" / "index.md").exists()


@pytest.mark.slow
def test_import_then_check_reports_the_todo_fields(project, tmp_path, monkeypatch):
    monkeypatch.chdir(project)
    capture = tmp_path / "capture.txt"
    capture.write_text(
        "Strike on Kyiv\n\nTen people were injured on Thursday, officials said.\n", encoding="utf-8"
    )
    code, output = run(project, "import", str(capture), "--source", "cnn")
    assert code == 0
    written = sorted((project / "content" / "articles" / "cnn").glob("*.md"))
    assert len(written) == 1
    assert "TODO" in written[0].read_text(encoding="utf-8")
    code, output = run(project, "check")
    assert code == 1
    assert "published: still marked TODO by the importer" in output


def copy_default_content(tmp_path: Path) -> Path:
    """A project with the repository's default content."""
    root = tmp_path / "default"
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, root / name)
    shutil.copytree(REPO / "site_src", root / "site_src", ignore=_generated_only)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


def test_clusters_json_has_the_documented_shape(project, write_article, monkeypatch):
    import json

    monkeypatch.chdir(project)
    write_article("cnn/2023-06-01-strike.md", GOOD)
    write_article("ap/2023-06-01-kyiv.md", GOOD.replace("source: cnn", "source: ap"))
    code, output = run(project, "clusters", "--json", "--content", str(project / "content"))
    assert code == 0
    data = json.loads(output)
    assert set(data) == {"events", "stories"}
    for event in data["events"]:
        assert {"id", "title", "start", "end", "items"} <= set(event)
        for item in event["items"]:
            assert item["article"].startswith("articles/") and item["article"].endswith(".md")
            assert item["item"] is None
    articles = sorted(i["article"] for e in data["events"] for i in e["items"])
    assert articles == ["articles/ap/2023-06-01-kyiv.md", "articles/cnn/2023-06-01-strike.md"]
    event_ids = {e["id"] for e in data["events"]}
    assert all(set(s["events"]) <= event_ids for s in data["stories"])


def test_json_commands_print_no_json_when_content_has_errors(project, write_article, monkeypatch):
    monkeypatch.chdir(project)
    write_article("cnn/2023-06-01-a.md", GOOD.replace("source: cnn", "source: cnnn"))
    result = CliRunner().invoke(main, ["clusters", "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""


def _build_py(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """build.py as a user runs it: a process of its own, with its output in pipes."""
    command = [sys.executable, str(REPO / "build.py"), *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # pipes buffer
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)


def test_build_py_prints_everything_before_its_process_ends(project, write_article):
    write_article("cnn/2023-06-01-strike.md", GOOD)
    done = _build_py(project, "build", "--no-site")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("into site_src/\n")
    assert "total" in done.stderr
    assert (project / "site_src" / "index.md").is_file()


def test_build_py_exits_with_the_commands_status(project, write_article):
    write_article("cnn/2023-06-01-a.md", GOOD.replace("source: cnn", "source: cnnn"))
    done = _build_py(project, "-q", "check")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "1 error, 0 warnings in 1 file"
    usage = _build_py(project, "check", "--format", "xml")
    assert usage.returncode == 2
    assert "Invalid value for '--format'" in usage.stderr


@pytest.mark.parametrize(
    ("code", "status", "printed"), [(None, 0, ""), (3, 3, ""), ("no", 1, "no\n")]
)
def test_exit_status_is_pythons(code, status, printed, capsys):
    assert _status(code) == status
    assert capsys.readouterr().err == printed


def test_build_leaves_its_result_to_the_caller_that_asks(project, write_article, monkeypatch):
    monkeypatch.chdir(project)
    write_article("cnn/2023-06-01-strike.md", GOOD)
    kept: list[object] = []
    args = ["-q", "build", "--no-site", "-f", str(project / "mkdocs.yml")]
    result = CliRunner().invoke(main, args, obj=kept)
    assert result.exit_code == 0, result.output
    (build,) = kept
    assert isinstance(build, BuildResult) and build.published
    assert isinstance(build.spent[0], BuildCache)  # kept with the result, not freed on return
    assert "spent" not in repr(build)


def test_build_py_under_a_tracer_exits_as_python_does(project, write_article, tmp_path):
    # Coverage and profilers write out their data at exit, which os._exit would skip.
    write_article("cnn/2023-06-01-strike.md", GOOD)
    written = tmp_path / "traced"
    code = (
        "import runpy, sys\n"
        "sys.settrace(lambda *args: None)\n"
        "sys.argv = ['build.py', '-q', 'check']\n"
        "import atexit\n"
        f"atexit.register(lambda: open({str(written)!r}, 'w').write('at exit'))\n"
        f"runpy.run_path({str(REPO / 'build.py')!r}, run_name='__main__')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert written.read_text() == "at exit"
