"""How problems print, in text and as GitHub annotations."""

from __future__ import annotations

from parallax.model import SourceRef
from parallax.problems import (
    WARNING,
    Problem,
    format_problem,
    format_problem_github,
    has_errors,
    summarise,
)

ERR = Problem(SourceRef("content/a.md", 4), "published", 'expected a date, got "x"', "write it")
WARN = Problem(SourceRef("content/b.md", 2), "ulr", "unknown field", None, WARNING)


def test_text_format_has_location_field_message_and_hint():
    assert format_problem(ERR) == (
        'content/a.md:4: published: expected a date, got "x"\n  hint: write it'
    )


def test_github_format_is_a_workflow_command_with_escaped_values():
    assert format_problem_github(ERR) == (
        "::error file=content/a.md,line=4,title=published::"
        'expected a date, got "x"%0Ahint: write it'
    )
    assert format_problem_github(WARN).startswith("::warning file=content/b.md,line=2,title=ulr::")


def test_summary_counts_errors_warnings_and_files():
    assert summarise([ERR, WARN, ERR]) == "2 errors, 1 warning in 2 files"
    assert summarise([]) == "no problems"


def test_warnings_stop_the_build_only_when_strict():
    assert not has_errors([WARN])
    assert has_errors([WARN], strict=True)
