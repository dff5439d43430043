"""Helpers the hostile tests share: load a content folder and print its problems exactly."""

from __future__ import annotations

from pathlib import Path

from parallax.config import Settings
from parallax.ingest import load_corpus
from parallax.model import Corpus
from parallax.problems import format_problem, sort_problems

GOOD = """\
---
title: Strike on Kyiv
source: cnn
published: 2023-06-01
url: https://cnn.com/a
---
Ten people were injured, officials said.
"""


def load(content_dir: Path, settings: Settings | None = None) -> tuple[Corpus, list[str]]:
    """The corpus of `content_dir` and its problems as printed, paths relative to its parent."""
    corpus, problems = load_corpus(content_dir, settings or Settings())
    return corpus, [format_problem(p) for p in sort_problems(problems)]


def messages(content_dir: Path, settings: Settings | None = None) -> list[str]:
    """Only the printed problems of `content_dir`."""
    return load(content_dir, settings)[1]
