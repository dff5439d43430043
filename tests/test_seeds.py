"""The default content: each seed capture, cleaned by the importer, keeps every sentence of
the article and none of the noise, and re-importing it gives the committed file back apart
from the fields the importer left TODO (which were filled by hand)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from parallax import importer
from parallax.clean import capture_lines, clean_capture
from parallax.config import Settings
from parallax.frontmatter import split_front_matter
from parallax.ingest import load_registries

CONTENT = Path(__file__).resolve().parent.parent / "content"

# capture -> (committed content file, noise lines found by reading the capture, lines moved
# into the front matter: the headline and the byline)
SEEDS = {
    "000_b0376cfa6e57da22.txt": (
        "epochtimes/2023-07-13-russian-military-goals-unaffected-by-outcome-of-nato-summit.md",
        {3, 4, 6, 11, 12, 25, 26, 39, 40},
        {1, 5},
    ),
    "001_04460ab1e8db44c5.txt": (
        "german-outlet/2022-09-12-despite-the-recent-military-setbacks-moscows-leadership-is.md",
        set(),
        set(),
    ),
    "002_3876eccb055f605d.txt": (
        "rt/2024-05-31-moscow-outlines-territorial-gains-in-ukraine-conflict.md",
        {1, 2, 16, 18, 19, 29, 31},
        {4},
    ),
    "003_7c0fd61f95ef5008.txt": (
        "wsj/2022-03-30-moscow-dismissed-a-diplomatic-overture-by-ukraine-in-peace.md",
        {34, 35, 36, 37},
        set(),
    ),
    "004_2b7750edeee1a443.txt": (
        "cnn/2023-06-01-natos-extraordinary-solidarity-a-main-reason-ukraine-has.md",
        {211},
        set(),
    ),
}
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”’\"]))\s+(?=[“‘\"A-Z])")


def _capture(name: str) -> str:
    return (CONTENT / "captures" / name).read_text(encoding="utf-8")


def _committed(name: str) -> tuple[dict, str]:
    split = split_front_matter((CONTENT / "articles" / SEEDS[name][0]).read_text(encoding="utf-8"))
    return yaml.safe_load(split.front_matter), split.body


def _reimport(name: str) -> importer.Draft:
    registries, problems = load_registries(CONTENT, Settings())
    assert problems == ()
    return importer.draft_content(_capture(name), importer.ImportOptions(), registries)


def test_every_capture_is_covered():
    assert sorted(p.name for p in (CONTENT / "captures").glob("*.txt")) == sorted(SEEDS)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_the_cleaner_removes_exactly_the_noise(name):
    _, noise, _ = SEEDS[name]
    assert {r.line for r in clean_capture(_capture(name)).removals} == noise


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_no_noise_line_reaches_the_content_file(name):
    _, noise, _ = SEEDS[name]
    _, body = _committed(name)
    paragraphs = {p.removeprefix("## ") for p in body.split("\n\n")}
    for line in capture_lines(_capture(name)):
        if line.number in noise:
            assert line.text not in paragraphs
            assert len(line.text) < 40 or line.text not in body


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_every_sentence_of_the_article_is_kept(name):
    _, noise, moved = SEEDS[name]
    _, body = _committed(name)
    kept = [line for line in capture_lines(_capture(name)) if line.number not in noise | moved]
    missing = [
        sentence
        for line in kept
        for sentence in SENTENCE_END.split(line.text)
        if sentence not in body
    ]
    assert missing == []


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_reimport_reproduces_the_committed_file_apart_from_todos(name):
    draft = _reimport(name)
    committed, body = _committed(name)
    text = importer.render_content_file(draft.front_matter, draft.body)
    fresh = yaml.safe_load(split_front_matter(text).front_matter)
    assert list(fresh) == list(committed)
    for field, value in committed.items():
        if field in draft.front_matter.todos:
            assert "TODO" not in str(value), field
        else:
            assert fresh[field] == value, field
    assert draft.body == body


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_reimport_with_the_filled_fields_names_the_committed_file(name):
    committed, _ = _committed(name)
    options = importer.ImportOptions(source=committed["source"], published=committed["published"])
    registries, _ = load_registries(CONTENT, Settings())
    draft = importer.draft_content(_capture(name), options, registries)
    assert draft.dest_path == "articles/" + SEEDS[name][0]
