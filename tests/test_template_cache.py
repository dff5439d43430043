"""Compiled templates kept between builds (#9): used when the template is unchanged, never
when it changed, and never a reason for a build to fail."""

from __future__ import annotations

import logging
from pathlib import Path

import jinja2
import pytest

from parallax.template_cache import PREFIX, TemplateCache, template_cache_path
from tests.conftest import tree_bytes
from tests.test_cache import at_home, build, make_project

__all__ = ["at_home"]  # the fixture, used by every test here


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates each build compiled, in order."""
    names: list[str] = []
    compile_ = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str, name: str | None = None, *a, **k):
        names.append(str(name))
        return compile_(self, source, name, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def _folder(root: Path) -> Path:
    return template_cache_path(root / ".cache")


def test_a_second_build_compiles_no_template(at_home, compiled):
    root = make_project(at_home / "p")
    build(root, use_cache=True)
    first = len(compiled)
    assert first >= 5
    kept = sorted(p.name for p in _folder(root).iterdir())
    assert len(kept) == len(set(compiled)) and all(n.endswith(".jinja") for n in kept)
    (root / "site_src" / "index.md").unlink()  # so that at least one page renders again
    build(root, use_cache=True)
    assert len(compiled) == first


def test_an_edited_template_is_compiled_again_and_used(at_home, compiled):
    root = make_project(at_home / "p")
    build(root, use_cache=True)
    template = root / "templates" / "article.md.j2"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("\n# {{", "\n# Edited: {{", 1), encoding="utf-8")
    del compiled[:]
    build(root, use_cache=True)
    assert compiled == ["article.md.j2"]  # every page rendered again, one template compiled
    clean = make_project(at_home / "clean")
    (clean / "templates" / "article.md.j2").write_text(template.read_text(encoding="utf-8"))
    build(clean, use_cache=False)
    assert tree_bytes(root / "site_src") == tree_bytes(clean / "site_src")
    page = next((root / "site_src" / "articles").rglob("*.md")).read_text(encoding="utf-8")
    assert "# Edited: " in page


def test_a_clean_build_neither_reads_nor_writes_compiled_templates(at_home, compiled):
    root = make_project(at_home / "p")
    build(root, use_cache=True)
    first = len(compiled)
    build(root, use_cache=False)
    assert len(compiled) == 2 * first  # every template compiled again
    assert sorted(p.name for p in (root / ".cache" / "parallax").iterdir() if p.is_dir()) == [
        _folder(root).name
    ]


def test_another_code_versions_folder_is_removed(at_home):
    root = make_project(at_home / "p")
    other = _folder(root).with_name(PREFIX + "0123456789abcdef")
    other.mkdir(parents=True)
    (other / "x.jinja").write_bytes(b"old")
    unrelated = other.with_name("templates.txt")
    unrelated.write_text("not a folder of ours")
    build(root, use_cache=True)
    assert not other.exists() and unrelated.exists()
    assert any(_folder(root).iterdir())


def test_a_folder_that_cannot_be_written_only_costs_compiling(at_home, compiled, caplog):
    root = make_project(at_home / "p")
    _folder(root).parent.mkdir(parents=True)
    _folder(root).write_text("a file where the folder would be")
    with caplog.at_level(logging.WARNING, logger="parallax.template_cache"):
        build(root, use_cache=True)
        first = len(compiled)
        (root / "site_src" / "index.md").unlink()
        build(root, use_cache=True)
    assert "index.md.j2" in compiled[first:]  # compiled again: nothing was kept
    assert caplog.text.count("could not keep compiled templates") == 2  # once a build
    clean = make_project(at_home / "clean")
    build(clean, use_cache=False)
    assert tree_bytes(root / "site_src") == tree_bytes(clean / "site_src")


def test_a_damaged_compiled_template_is_compiled_again(at_home, compiled):
    root = make_project(at_home / "p")
    build(root, use_cache=True)
    for kept in _folder(root).iterdir():
        kept.write_bytes(kept.read_bytes()[:20])
    (root / "site_src" / "index.md").unlink()
    del compiled[:]
    build(root, use_cache=True)
    assert "index.md.j2" in compiled
    clean = make_project(at_home / "clean")
    build(clean, use_cache=False)
    assert tree_bytes(root / "site_src") == tree_bytes(clean / "site_src")


@pytest.mark.parametrize("at", [0, 40, -200, -1])
def test_a_compiled_template_with_one_damaged_byte_is_compiled_again(tmp_path, at):
    # Compiled code is run as it is found: one changed byte of it crashed the interpreter.
    folder = tmp_path / "t"
    source = {"a": "{% for n in range(3) %}{{ n }},{% endfor %}{{ x | upper }}"}

    def rendered() -> tuple[str, int]:
        compiled: list[str] = []
        env = jinja2.Environment(
            loader=jinja2.DictLoader(source), bytecode_cache=TemplateCache(folder)
        )
        compile_ = env.compile
        env.compile = lambda *a, **k: compiled.append("a") or compile_(*a, **k)  # type: ignore[method-assign]
        return env.get_template("a").render(x="ok"), len(compiled)

    assert rendered() == ("0,1,2,OK", 1)
    assert rendered() == ("0,1,2,OK", 0)  # read back
    (kept,) = folder.iterdir()
    data = bytearray(kept.read_bytes())
    data[at] ^= 0x5A
    kept.write_bytes(bytes(data))
    assert rendered() == ("0,1,2,OK", 1)
    assert rendered() == ("0,1,2,OK", 0)  # and kept again


def test_the_cache_keeps_compiled_code_under_its_own_pattern(tmp_path):
    cache = TemplateCache(tmp_path / "t")
    env = jinja2.Environment(loader=jinja2.DictLoader({"a": "{{ x }}"}), bytecode_cache=cache)
    assert env.get_template("a").render(x=1) == "1"
    assert [p.suffix for p in (tmp_path / "t").iterdir()] == [".jinja"]


@pytest.mark.parametrize("library", ["Jinja2", "MarkupSafe"])
def test_another_version_of_the_template_engine_keeps_its_templates_apart(tmp_path, library):
    # Jinja's own check of a compiled template is its bytecode format's version, which
    # releases that compile templates otherwise keep; the page cache's keys follow it too.
    # The articles' entries do not depend on it.
    from importlib import metadata

    from parallax import cache as cache_module

    real = metadata.version
    versions = cache_module.renderer_version, cache_module.code_version
    before = template_cache_path(tmp_path), cache_module.code_version()
    try:
        cache_module.renderer_version.cache_clear()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(
                cache_module.metadata,
                "version",
                lambda name: "0.0.1" if name == library else real(name),
            )
            assert template_cache_path(tmp_path) != before[0]
            assert cache_module.code_version() == before[1]
    finally:
        for version in versions:
            version.cache_clear()
    assert (template_cache_path(tmp_path), cache_module.code_version()) == before
