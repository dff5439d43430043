"""The site's search index: Pagefind, run over the HTML that MkDocs wrote.

I/O at the edge: called by publish on the staged site/ after `mkdocs build`, before the swap.
Pagefind (PyPI `pagefind[bin]`) writes site/pagefind/: a chunked index that the search page
loads piece by piece, so a query costs about the same at 100 pages as at 10,000. The theme
marks what to index (`data-pagefind-body` in templates/theme/main.html).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from parallax.problems import BuildError

# Heading permalinks ("¶") are not words of the page.
EXCLUDE_SELECTORS = ".headerlink"


def pagefind_command(abs_site: Path) -> list[str]:
    """The command that indexes a built site in place."""
    return [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(abs_site),
        "--exclude-selectors",
        EXCLUDE_SELECTORS,
        "--quiet",
    ]


def build_search_index(abs_site: Path) -> None:
    """Index the built site into site/pagefind/; a failure is a build error with its output."""
    try:
        result = subprocess.run(
            pagefind_command(abs_site), capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BuildError(f"could not run Pagefind: {exc}") from exc
    if result.returncode != 0:
        output = (result.stderr + result.stdout).strip()
        hint = " (install it with: pip install 'pagefind[bin]')" if "No module" in output else ""
        raise BuildError(f"pagefind failed{hint}:\n{output}")
