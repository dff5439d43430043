"""Resource limits and broken encodings: each is refused (or read) with an exact message."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from parallax.cli import main
from parallax.config import Settings
from parallax.segment import segment_article
from tests.hostile.common import GOOD, load, messages

ARTICLE = "content/articles/cnn/2023-06-01-x.md"
ALIAS_HINT = "  hint: write the value out in full instead of referring to an anchor"
TOO_BIG = (
    "the YAML is nested deeper than 20 levels or has more than 20000 values\n"
    "  hint: content files hold flat, small mappings"
)

# The classic "billion laughs": nine references per level, a billion strings if expanded.
LAUGHS = "\n".join(
    [
        'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        *(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)),
    ]
)


def front(extra: str) -> str:
    """GOOD with `extra` lines added to the end of its front matter (from line 6 on)."""
    return GOOD.replace("url: https://cnn.com/a\n", f"url: https://cnn.com/a\n{extra}\n")


def test_billion_laughs_in_front_matter_is_refused_at_the_first_alias(write_article, content_dir):
    write_article("cnn/2023-06-01-x.md", front(LAUGHS))
    corpus, printed = load(content_dir)
    assert corpus.articles == ()
    assert printed == [f"{ARTICLE}:7: front matter: aliases (*name) are not allowed\n{ALIAS_HINT}"]


def test_billion_laughs_in_a_registry_is_refused(content_dir):
    (content_dir / "actors.yml").write_text(LAUGHS + "\n", encoding="utf-8")
    assert messages(content_dir) == [
        f"content/actors.yml:2: aliases (*name) are not allowed\n{ALIAS_HINT}"
    ]


@pytest.mark.parametrize("depth", [21, 100_000, 1_000_000])
def test_deep_nesting_is_refused_without_crashing(write_article, content_dir, depth):
    # 100,000 levels used to crash libyaml's recursive composer; a million hung its scanner.
    write_article("cnn/2023-06-01-x.md", front("tags: " + "[" * depth + "]" * depth))
    settings = Settings(max_file_bytes=10_000_000)  # let the parser see it all
    assert messages(content_dir, settings) == [f"{ARTICLE}:6: front matter: {TOO_BIG}"]


def test_nesting_up_to_the_limit_is_read(write_article, content_dir):
    write_article("cnn/2023-06-01-x.md", front("notes: " + "[" * 19 + "x" + "]" * 19))
    assert messages(content_dir) == [
        f"{ARTICLE}:6: notes: unknown field (warning)\n  hint: known fields: title, source, "
        "published, url, author, language, kind, tags, syndicated_from"
    ]


def test_deep_block_nesting_in_a_registry_is_refused(content_dir):
    nested = "".join(f"{'  ' * n}k{n}:\n" for n in range(30))
    (content_dir / "terms.yml").write_text(nested, encoding="utf-8")
    assert messages(content_dir) == [f"content/terms.yml:21: {TOO_BIG}"]


def test_too_many_values_are_refused(write_article, content_dir):
    write_article("cnn/2023-06-01-x.md", front("tags: [" + ", ".join(["t"] * 20_001) + "]"))
    assert messages(content_dir) == [f"{ARTICLE}:6: front matter: {TOO_BIG}"]


def test_a_huge_registry_is_refused_before_it_is_built(content_dir):
    (content_dir / "actors.yml").write_text(
        "".join(f"a{n}: x\n" for n in range(40_000)), encoding="utf-8"
    )
    assert messages(content_dir) == [f"content/actors.yml:20001: {TOO_BIG}"]


@pytest.mark.parametrize(("extra", "refused"), [(0, False), (1, True)])
def test_the_size_limit_is_exact(write_article, content_dir, extra, refused):
    path = write_article("cnn/2023-06-01-x.md", GOOD)
    limit = 1000
    path.write_bytes(GOOD.encode() + b"x" * (limit - len(GOOD.encode()) + extra))
    corpus, printed = load(content_dir, Settings(max_file_bytes=limit))
    assert printed == (
        [
            f"{ARTICLE}:1: the file is 1,001 bytes, over the limit of 1,000\n"
            "  hint: split it, or raise extra.digest.max_file_bytes"
        ]
        if refused
        else []
    )
    assert len(corpus.articles) == (0 if refused else 1)


def test_a_registry_over_the_size_limit_is_refused(content_dir):
    (content_dir / "terms.yml").write_text("# padding\n" * 200, encoding="utf-8")
    assert messages(content_dir, Settings(max_file_bytes=1000)) == [
        "content/terms.yml:1: the file is 2,000 bytes, over the limit of 1,000\n"
        "  hint: split it, or raise extra.digest.max_file_bytes"
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            GOOD.encode("latin-1").replace(b"Kyiv", b"Ky\xe9v"),
            f"{ARTICLE}:2: not UTF-8 text (byte 0xe9 at offset 23)",
        ),
        (GOOD.encode("utf-16"), f"{ARTICLE}:1: not UTF-8 text (byte 0xff at offset 0)"),
        (
            GOOD.encode().replace(b"officials", b"\xc3\x28fficials"),
            f"{ARTICLE}:7: not UTF-8 text (byte 0xc3 at offset 112)",
        ),
    ],
    ids=["latin-1", "utf-16", "truncated-sequence"],
)
def test_text_that_is_not_utf8_is_located(write_article, content_dir, raw, expected):
    write_article("cnn/2023-06-01-x.md", GOOD).write_bytes(raw)
    assert messages(content_dir) == [f"{expected}\n  hint: re-save the file with UTF-8 encoding"]


def test_a_bom_is_a_warning_and_the_article_is_read(write_article, content_dir):
    write_article("cnn/2023-06-01-x.md", GOOD).write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    corpus, printed = load(content_dir)
    assert printed == [
        f"{ARTICLE}:1: the file starts with a byte-order mark (warning)\n"
        "  hint: save the file as UTF-8 without BOM"
    ]
    assert corpus.articles[0].title == "Strike on Kyiv"


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_crlf_and_cr_files_read_like_lf_with_the_same_lines(write_article, content_dir, newline):
    broken = GOOD.replace("2023-06-01\n", "June 1st\n").replace("\n", newline)
    write_article("cnn/2023-06-01-x.md", GOOD).write_bytes(broken.encode())
    assert messages(content_dir) == [
        f'{ARTICLE}:4: published: expected a date like 2024-05-01, got "June 1st"\n'
        "  hint: write the date unquoted in YYYY-MM-DD form"
    ]


def test_mixed_line_endings_are_a_warning(write_article, content_dir):
    mixed = GOOD.replace("source: cnn\n", "source: cnn\r\n")
    write_article("cnn/2023-06-01-x.md", GOOD).write_bytes(mixed.encode())
    corpus, printed = load(content_dir)
    assert printed == [
        f"{ARTICLE}:1: the file mixes CRLF and LF line endings (warning)\n"
        "  hint: save it with one kind of line ending (LF)"
    ]
    assert corpus.articles[0].body == "Ten people were injured, officials said.\n"


def test_a_nul_character_is_refused_at_its_line(write_article, content_dir):
    write_article("cnn/2023-06-01-x.md", GOOD.replace("Ten people", "Ten\x00people"))
    assert messages(content_dir) == [
        f"{ARTICLE}:7: the file contains a NUL character\n"
        "  hint: remove it; content files are plain text"
    ]


def test_a_live_blog_over_the_item_limit_is_refused(write_article, content_dir):
    entries = "".join(f"## Entry {n}\nSomething happened, officials said.\n" for n in range(4))
    text = GOOD.replace("url:", "kind: liveblog\nurl:").split("Ten people")[0] + entries
    write_article("cnn/2023-06-01-x.md", text)
    corpus, printed = load(content_dir)
    assert printed == []
    items, problems = segment_article(corpus.articles[0], Settings(max_items_per_article=3))
    assert items == ()
    assert [(p.source.path, p.source.line, p.field, p.message, p.hint) for p in problems] == [
        (
            ARTICLE,
            8,
            "body",
            "live blog has 4 entries, more than max_items_per_article (3)",
            "split it into several files, or raise max_items_per_article in mkdocs.yml",
        )
    ]


@pytest.mark.parametrize(("char", "code"), [("\x07", "0007"), ("\x9f", "009F"), ("\ufffe", "FFFE")])
def test_a_control_character_in_front_matter_is_named_at_its_line(
    write_article, content_dir, char, code
):
    write_article("cnn/2023-06-01-x.md", GOOD.replace("title: Strike", f"title: St{char}rike"))
    assert messages(content_dir) == [
        f"{ARTICLE}:2: front matter: invalid YAML: the character U+{code} is not allowed\n"
        "  hint: remove it: YAML allows no control characters other than tabs and line breaks"
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("source: [cnn]", "3: source: expected a string, got a list"),
        ("source: {cnn: 1}", "3: source: expected a string, got a mapping"),
        ("source: 12", "3: source: expected a string, got 12"),
    ],
)
def test_a_source_of_the_wrong_type_is_a_message_not_a_crash(
    write_article, content_dir, line, expected
):
    write_article("cnn/2023-06-01-x.md", GOOD.replace("source: cnn", line))
    assert messages(content_dir) == [f"{ARTICLE}:{expected}"]


def test_check_reports_a_live_blog_over_the_item_limit(project, write_article):
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  digest:\n", "  digest:\n    max_items_per_article: 3\n"
        ),
        encoding="utf-8",
    )
    entries = "".join(f"## Entry {n}\nSomething happened, officials said.\n" for n in range(4))
    text = GOOD.replace("url:", "kind: liveblog\nurl:").split("Ten people")[0] + entries
    write_article("cnn/2023-06-01-x.md", text)
    result = CliRunner().invoke(main, ["-q", "check", "-f", str(config)])
    assert (result.exit_code, result.output.splitlines()) == (
        1,
        [
            f"{ARTICLE}:8: body: live blog has 4 entries, more than max_items_per_article (3)",
            "  hint: split it into several files, or raise max_items_per_article in mkdocs.yml",
            "1 error, 0 warnings in 1 file",
        ],
    )
