"""Every hostile test runs from the project folder, so messages name content/... paths."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _in_project(content_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(content_dir.parent)
