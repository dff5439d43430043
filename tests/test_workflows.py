"""The GitHub workflows: valid against GitHub's schema, and running the README's commands."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from parallax.publish import GENERATED

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"


def _check_jsonschema() -> str:
    beside = Path(sys.executable).parent / "check-jsonschema"
    found = str(beside) if beside.exists() else shutil.which("check-jsonschema")
    assert found, "check-jsonschema is missing: pip install -e '.[test]'"
    return found


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    command = [_check_jsonschema(), "--builtin-schema", "vendor.github-workflows", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def load(name: str) -> dict[Any, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def runs(workflow: dict[Any, Any]) -> list[str]:
    return [step["run"] for step in steps(workflow) if "run" in step]


def uses(workflow: dict[Any, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in steps(workflow) if s.get("uses", "").startswith(action + "@")]


@pytest.mark.parametrize("name", ["pr.yml", "deploy.yml"])
def test_workflow_is_valid_against_githubs_schema(name):
    result = validate(WORKFLOWS / name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    steps: run everything\n", encoding="utf-8")
    result = validate(broken)
    assert result.returncode == 1
    assert "broken.yml::$.jobs.build" in result.stdout


def test_pull_requests_are_checked_with_annotations_tested_and_built():
    workflow = load("pr.yml")
    assert "pull_request" in workflow[True]  # PyYAML reads the key `on` as True
    commands = runs(workflow)
    check = ".venv/bin/python build.py check --strict --format github"
    assert commands.index(check) < commands.index("make test") < commands.index("make site")


def test_pull_requests_attach_the_built_site():
    (upload,) = uses(load("pr.yml"), "actions/upload-artifact")
    assert upload["with"]["path"] == "site/"
    assert upload["with"]["if-no-files-found"] == "error"


def test_main_is_built_and_deployed_to_pages():
    workflow = load("deploy.yml")
    assert workflow[True]["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert "make site" in runs(workflow)
    (upload,) = uses(workflow, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "site/"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


@pytest.mark.parametrize("name", ["pr.yml", "deploy.yml"])
def test_virtualenv_build_cache_and_published_pages_are_cached(name):
    paths = {c["with"]["path"]: c["with"]["key"] for c in uses(load(name), "actions/cache")}
    assert "hashFiles('pyproject.toml')" in paths[".venv"]
    (build,) = [path for path in paths if ".cache" in path.split()]
    # The page cache keeps unchanged pages of site_src/: every generated entry is cached,
    # in one order in both workflows (the cache's version is made of its paths in order, and
    # pull requests restore what main saved).
    assert build.split() == [".cache", *(f"site_src/{entry}" for entry in GENERATED)]


@pytest.mark.parametrize("name", ["pr.yml", "deploy.yml"])
def test_every_make_target_a_workflow_calls_exists(name):
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = {t for c in runs(load(name)) for t in re.findall(r"\bmake (\S+)", c)}
    assert targets
    for target in targets:
        assert re.search(rf"^{re.escape(target.replace('.venv', '$(VENV)'))}:", makefile, re.M) or (
            re.search(rf"^{re.escape(target)}:", makefile, re.M)
        ), target


def test_pull_request_template_has_the_review_checklist():
    text = (REPO / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    assert "python build.py check --strict" in text
    assert text.count("- [ ]") >= 5
