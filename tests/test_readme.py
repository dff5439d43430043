"""The README's front door and its settings table stay true to the code."""

from __future__ import annotations

import re

from parallax.config import settings_table
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_the_readme_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "make site" in first_block and "make test" in first_block


def test_the_settings_table_matches_the_settings():
    found = re.search(r"<!-- settings-table.*?-->\n(.*?)\n<!-- /settings-table -->", README, re.S)
    assert found is not None
    assert found.group(1) == settings_table()


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
