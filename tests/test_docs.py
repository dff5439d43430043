"""The contributor docs cover the whole contract, and their examples are valid content."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import textwrap
from importlib import resources

import pytest

from parallax.cli import main
from parallax.config import Settings
from parallax.frontmatter import parse_yaml, split_front_matter
from parallax.lint import lint_corpus, lint_speakers
from parallax.model import (
    Actor,
    Article,
    Claim,
    Corpus,
    Registries,
    Sentence,
    SourceRef,
    Span,
    Term,
    TermVariant,
)
from parallax.schema import validate
from tests.conftest import REPO

CONTRIBUTING = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = CONTRIBUTING + README


def schema(name: str) -> dict:
    text = resources.files("parallax").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")
    return json.loads(text)


def registry_fields(name: str) -> list[str]:
    root = schema(name)
    entry = root["items"] if name == "overrides" else root["additionalProperties"]
    fields = list(entry["properties"])
    if name == "terms":
        fields += list(entry["properties"]["variants"]["items"]["properties"])
    return fields


def section(heading: str) -> str:
    """The text under a heading of CONTRIBUTING.md, up to the next heading of its level."""
    level = heading.split(" ")[0]
    start = CONTRIBUTING.index(heading + "\n")
    end = CONTRIBUTING.find("\n" + level + " ", start + len(heading))
    return CONTRIBUTING[start : end if end != -1 else None]


def table_rows(text: str) -> set[str]:
    return set(re.findall(r"^\| `([^`]+)` \|", text, re.M))


def test_every_front_matter_field_has_a_row_with_an_example():
    rows = table_rows(section("## Front-matter fields"))
    assert set(schema("article")["properties"]) <= rows


@pytest.mark.parametrize("name", ["sources", "actors", "terms", "overrides"])
def test_every_registry_field_has_a_row(name):
    assert set(registry_fields(name)) <= table_rows(section(f"### {name}.yml"))


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_documented(name):
    assert f"`{name}`" in DOCS


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_is_documented_with_an_example(name):
    assert f"python build.py {name}" in DOCS
    assert "Example:" in (main.commands[name].help or "")


def test_exit_codes_are_documented():
    rows = table_rows(section("## Preview, build and exit codes"))
    assert {"0", "1", "2"} <= rows


def yaml_blocks(text: str, language: str) -> list[str]:
    """Fenced blocks of one language, dedented when they sit inside a list item."""
    found = re.findall(rf"^( *)```{language}\n(.*?)^\1```", text, re.S | re.M)
    return [textwrap.dedent(block) for _, block in found]


@pytest.mark.parametrize("name", ["sources", "actors", "terms", "overrides"])
def test_registry_examples_are_valid(name):
    (example,) = yaml_blocks(section(f"### {name}.yml"), "yaml")
    doc = parse_yaml(example)
    assert doc.data, example
    assert validate(name, doc, f"{name}.yml") == ()


def test_front_matter_examples_are_valid():
    examples = [b for b in yaml_blocks(CONTRIBUTING, "markdown") if b.startswith("---\n")]
    assert len(examples) == 2
    for text in examples:
        split = split_front_matter(text)
        assert validate("article", parse_yaml(split.front_matter), "x.md") == ()


ARTICLE = Article(
    "articles/tass/x",
    "tass",
    "T",
    dt.date(2024, 5, 31),
    None,
    None,
    (),
    "en",
    "article",
    (),
    "Zelenskiy met troops near Artemovsk.",
    6,
    SourceRef("x.md"),
)


def warning_texts(body: str, published: dt.date) -> list[str]:
    article = dataclasses.replace(ARTICLE, body=body, published=published)
    registries = Registries(
        actors=(Actor("zelensky", "Zelensky", (), None, None, SourceRef("a")),),
        terms=(Term("bakhmut", "c", (TermVariant("Artyomovsk", ()),), SourceRef("t")),),
    )
    problems = lint_corpus(Corpus("content", (article,), registries), dt.date(2026, 11, 22))
    return [f"{p.field}: {p.message}" for p in problems]


def test_documented_warnings_are_the_ones_check_prints():
    texts = warning_texts("Zelenskiy met troops near Artemovsk.", dt.date(2031, 5, 1))
    assert len(texts) == 3
    for text in texts:
        assert f"`{text}`" in CONTRIBUTING


def test_documented_speaker_warning_is_the_one_check_prints():
    sentence = Sentence(0, "Jens Stoltenberg said so.", Span(0, 25))
    said = Claim(
        "c", "articles/tass/x", "e", "tass", sentence, "Jens Stoltenberg", None, None, True
    )
    (problem,) = lint_speakers((said,), Corpus("content", (ARTICLE,), Registries()))
    assert f"`{problem.field}: {problem.message}`" in CONTRIBUTING
