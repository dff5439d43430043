"""Nothing lost: a build that fails at any stage, or is interrupted, leaves the previous
site_src/ and site/ exactly as they were, byte for byte (#7)."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from parallax import pipeline
from parallax import publish as publish_module
from parallax.model import RenderedPage
from parallax.publish import STAGING_DIR
from tests.conftest import REPO, SOURCES, _generated_only, interrupt_at, tree_bytes

ARTICLE = """\
---
title: Strike on Kyiv
source: cnn
published: 2023-06-01
url: https://cnn.com/a
---
Ten people were injured in Kyiv on Thursday, officials said.
"""
LIVEBLOG = """\
---
title: Live updates
source: tass
published: 2023-06-01
kind: liveblog
---
## Strike on Kyiv
Ten people were injured in Kyiv, the mayor said.

## Talks in Oslo
Ministers met in Oslo on Thursday.
"""
# Every function pipeline.build calls from a stage module, as `name` (pipeline's namespace)
# or `module.name`. test_every_stage_of_the_build_is_listed keeps this complete.
STAGES = (
    "load_corpus",
    "analyse_articles",  # clean, segment, analyse, framing, claim extraction (parallax.parallel)
    "corpus_stages.lint_corpus",
    "corpus_stages.cluster_items",
    "corpus_stages.align_claims",
    "lint_speakers",
    "render.make_environment",
    "render.render_site",
    "render.check_unique",
    "render.check_links",
    "publish",
)
# Steps inside publish, and the modules whose calls are bookkeeping rather than stages.
PUBLISH_STEPS = (
    "_copy_hand_written",
    "write_pages",
    "run_mkdocs",
    "build_search_index",
    "_commit",
)
# The build caches only ever hold finished results (per article, and the stage memo's of
# lint, cluster and claims); they write nothing in site_src/. Nor does the page cache, whose
# every hit is checked against the published file's hash.
NOT_STAGES = (
    "parallax.pipeline",
    "parallax.corpus_stages",  # the corpus-wide stages, as the pipeline runs them
    "parallax.progress",
    "parallax.problems",
    "parallax.model",
    "parallax.cache",
    "parallax.stage_memo",
    "parallax.page_cache",
    "parallax.template_cache",  # compiled templates, each checked against its source
    "parallax.parallel",  # runs lint beside cluster: lint_corpus is listed above
    "parallax.arenas",  # how the interpreter's arenas get their pages: writes nothing
)


def make_project(root: Path) -> Path:
    """A project like tests/conftest.py's, with an article and a live blog."""
    content = root / "content"
    (content / "articles" / "cnn").mkdir(parents=True)
    (content / "articles" / "tass").mkdir(parents=True)
    (content / "sources.yml").write_text(SOURCES, encoding="utf-8")
    (content / "articles" / "cnn" / "2023-06-01-strike.md").write_text(ARTICLE, encoding="utf-8")
    (content / "articles" / "tass" / "2023-06-01-live.md").write_text(LIVEBLOG, encoding="utf-8")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "site_src", root / "site_src", ignore=_generated_only)
    return root


def load(root: Path) -> pipeline.Project:
    project, problems = pipeline.load_project(root / "mkdocs.yml")
    assert problems == ()
    return project


def build(root: Path, **options: Any) -> pipeline.BuildResult:
    return pipeline.build(load(root), **options)


def snapshot(root: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    return tree_bytes(root / "site_src"), tree_bytes(root / "site")


def leftovers(root: Path) -> list[str]:
    """What a run left in the staging folder: nothing, when it cleaned up."""
    staging = root / STAGING_DIR
    return sorted(p.name for p in staging.iterdir()) if staging.exists() else []


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project built once with the real MkDocs: the previous site every test starts from."""
    root = make_project(tmp_path_factory.mktemp("built") / "project")
    old = Path.cwd()
    os.chdir(root)
    try:
        assert build(root).published
    finally:
        os.chdir(old)
    # Changed content, so that a build that went through would change both folders.
    article = root / "content" / "articles" / "cnn" / "2023-06-01-strike.md"
    article.write_text(ARTICLE.replace("Ten people", "Eleven people"), encoding="utf-8")
    return root


@pytest.fixture
def built(built_once: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(built_once, root, symlinks=True)
    monkeypatch.chdir(root)
    return root


def _target(name: str, module: Any = pipeline) -> tuple[Any, str]:
    owner, _, attr = name.rpartition(".")
    return (getattr(module, owner) if owner else module), attr


def _fail(name: str) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"injected failure in {name}")

    return fail


@pytest.mark.slow
@pytest.mark.parametrize("stage", STAGES)
def test_a_failure_at_any_stage_leaves_both_folders_as_they_were(built, monkeypatch, stage):
    before = snapshot(built)
    monkeypatch.setattr(*_target(stage), _fail(stage))
    with pytest.raises(RuntimeError, match=f"^injected failure in {stage}$"):
        build(built)
    assert snapshot(built) == before
    assert leftovers(built) == []


@pytest.mark.slow
@pytest.mark.parametrize("step", PUBLISH_STEPS)
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt, SystemExit])
def test_a_failure_inside_publish_leaves_both_folders_as_they_were(built, monkeypatch, step, error):
    before = snapshot(built)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise error(step)

    monkeypatch.setattr(publish_module, step, fail)
    with pytest.raises(error):
        build(built)
    assert snapshot(built) == before
    assert leftovers(built) == []


# Where publishing in place, without the site, is made to fail: writing the changed files,
# or the second rename of the swap, with a published file already aside (its rollback).
IN_PLACE_STEPS = ("_write_all", "a rename")


@pytest.mark.slow
@pytest.mark.parametrize("step", IN_PLACE_STEPS)
@pytest.mark.parametrize("error", [OSError, KeyboardInterrupt])
def test_a_failure_while_publishing_in_place_leaves_site_src_as_it_was(
    built, monkeypatch, step, error
):
    build(built, run_site=False)  # the page cache now knows this folder's pages
    article = built / "content" / "articles" / "cnn" / "2023-06-01-strike.md"
    article.write_text(ARTICLE.replace("Ten people", "Twelve people"), encoding="utf-8")
    before = snapshot(built)
    # In a project this small, one article changes most pages: in place all the same.
    monkeypatch.setattr(publish_module, "IN_PLACE_KEPT", 0.0)
    swap, unswap = publish_module._swap_files, publish_module._unswap_files
    renames, unswapped = itertools.count(), []

    def fail(*args: Any, **kwargs: Any) -> None:
        raise error(step)

    def fail_second(src: Any, dst: Any) -> None:  # the rollback's renames go through
        if next(renames) == 1:
            raise error(step)
        os.rename(src, dst)

    def swap_failing(*args: Any) -> None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(os, "replace", fail_second)
            swap(*args)

    def unswap_counted(*args: Any) -> None:
        unswapped.append(args)
        unswap(*args)

    monkeypatch.setattr(publish_module, "_unswap_files", unswap_counted)
    if step == "_write_all":
        monkeypatch.setattr(publish_module, step, fail)
    else:
        monkeypatch.setattr(publish_module, "_swap_files", swap_failing)
    with pytest.raises(error):
        build(built, run_site=False)
    assert snapshot(built) == before
    assert leftovers(built) == []
    assert len(unswapped) == (step != "_write_all")  # the rollback ran, after a rename


def _callees_of_pipeline(run: Callable[[], object]) -> set[str]:
    """`module.function` of every call made directly from code in parallax/pipeline.py, or
    in parallax/corpus_stages.py, which runs the corpus-wide stages for it."""
    seen: set[str] = set()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        caller = frame.f_back
        if event != "call" or caller is None:
            return
        if caller.f_globals.get("__name__") not in ("parallax.pipeline", "parallax.corpus_stages"):
            return
        module = frame.f_globals.get("__name__", "")
        if module.startswith("parallax.") and module not in NOT_STAGES:
            seen.add(f"{module}.{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return seen


def _qualified(name: str) -> str:
    owner, attr = _target(name)
    function = getattr(owner, attr)
    return f"{function.__module__}.{function.__name__}"


@pytest.mark.slow
def test_every_stage_of_the_build_is_listed(built):
    project = load(built)
    called = _callees_of_pipeline(lambda: pipeline.build(project, run_site=False))
    missing = called - {_qualified(name) for name in STAGES}
    assert missing == set(), "add these to STAGES in tests/test_interrupt.py"


def fake_mkdocs(abs_config: Path, abs_docs: Path, abs_site: Path) -> None:
    """Stands in for MkDocs where only the swap is under test: the new site is the docs."""
    shutil.copytree(abs_docs, abs_site)


def _publish(root: Path, pages: tuple[RenderedPage, ...]) -> None:
    publish_module.publish(pages, root / "mkdocs.yml", root / "site_src", root / "site")


def test_an_interrupt_at_any_step_of_the_swap_rolls_back(tmp_path, monkeypatch):
    # A fake MkDocs keeps site/ small, so the project can be copied for every step.
    monkeypatch.setattr(publish_module, "run_mkdocs", fake_mkdocs)
    monkeypatch.setattr(publish_module, "build_search_index", lambda abs_site: None)
    monkeypatch.chdir(tmp_path)
    base = make_project(tmp_path / "base")
    # Every page changed, read back from site_src/: the data files a build made were written
    # there and linked, and have no text (publish.Spill).
    pages = tuple(
        RenderedPage(p.dest_path, (base / "site_src" / p.dest_path).read_text() + "changed\n", "t")
        for p in build(base).pages
    )
    before = snapshot(base)
    steps: list[object] = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: steps.append(dst) or real(src, dst))
    _publish(shutil.copytree(base, tmp_path / "count", symlinks=True), pages)
    assert len(steps) > 4
    broken = []
    for step in range(len(steps)):
        for when in ("before", "after"):
            root = shutil.copytree(base, tmp_path / f"{step}-{when}", symlinks=True)
            monkeypatch.setattr(os, "replace", interrupt_at(step, when))
            with pytest.raises(KeyboardInterrupt):
                _publish(root, pages)
            monkeypatch.setattr(os, "replace", real)
            if snapshot(root) != before or leftovers(root):
                broken.append(f"{when} os.replace #{step} (to {Path(str(steps[step])).name})")
    assert broken == [], "\n".join(broken)


# --- signals, in a real process ---------------------------------------------------------------

FAKE_MKDOCS = """\
import os, pathlib, time
pathlib.Path(os.environ["PX_MKDOCS_STARTED"]).write_text(str(os.getpid()))
time.sleep(600)  # until the build it belongs to is stopped
"""
# Sends the build its own signal right after a chosen rename, which makes "during the swap"
# deterministic. The variable is removed at once, so only the build process itself hooks in.
SIGNAL_HOOK = """\
import os, signal
_after = os.environ.pop("PX_SIGNAL_AFTER", None)
if _after:
    _signal, _replace = getattr(signal, os.environ.pop("PX_SIGNAL")), os.replace

    def replace(src, dst, **kwargs):
        _replace(src, dst, **kwargs)
        if os.fspath(dst).endswith(_after):
            os.kill(os.getpid(), _signal)

    os.replace = replace
"""


def _run_build(root: Path, hooks: Path, **env: str) -> subprocess.Popen[str]:
    path = os.pathsep.join([str(hooks), os.environ.get("PYTHONPATH", "")])
    return subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "-q", "build"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": path, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
    )


def _interruptible() -> None:
    """Ctrl-C as at a terminal: a suite started in the background (`make test &`) inherits
    SIGINT ignored, and Python then leaves it ignored, so the build would never see it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for(path: Path, process: subprocess.Popen[str]) -> str:
    """The file's text once it exists; fails if the build ends first."""
    while not path.exists() or not path.read_text():
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    return path.read_text()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "exit_code"), [(signal.SIGTERM, 143), (signal.SIGINT, 1)], ids=["TERM", "INT"]
)
def test_a_signal_while_mkdocs_runs_stops_it_and_changes_nothing(
    built, tmp_path, signum, exit_code
):
    hooks = tmp_path / "hooks"
    (hooks / "mkdocs").mkdir(parents=True)
    (hooks / "mkdocs" / "__init__.py").write_text("", encoding="utf-8")
    (hooks / "mkdocs" / "__main__.py").write_text(FAKE_MKDOCS, encoding="utf-8")
    before = snapshot(built)
    started = tmp_path / "mkdocs-started"
    process = _run_build(built, hooks, PX_MKDOCS_STARTED=str(started))
    mkdocs_pid = int(_wait_for(started, process))
    process.send_signal(signum)
    process.communicate(timeout=120)
    assert process.returncode == exit_code
    assert snapshot(built) == before
    assert leftovers(built) == []
    with pytest.raises(ProcessLookupError):  # MkDocs was stopped with the build
        os.kill(mkdocs_pid, 0)


@pytest.mark.slow
@pytest.mark.parametrize(
    "after",
    ["site_src/index.md", "site_src/articles", "previous-site", f"{os.sep}site"],
    ids=["first-entry-in", "entries-in", "old-site-aside", "new-site-in"],
)
def test_sigterm_during_the_swap_rolls_back(built, tmp_path, after):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SIGNAL_HOOK, encoding="utf-8")
    before = snapshot(built)
    process = _run_build(built, hooks, PX_SIGNAL_AFTER=after, PX_SIGNAL="SIGTERM")
    _, stderr = process.communicate(timeout=300)
    assert snapshot(built) == before
    assert (process.returncode, stderr) == (143, "")
    assert leftovers(built) == []
