"""Tests for parallax.importer: inference, TODOs, safe writing and the report."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml

from parallax import importer
from parallax.importer import FrontMatter, ImportOptions, import_files, render_content_file, slugify
from parallax.ingest import parse_article
from parallax.model import Registries, Source, SourceRef
from parallax.problems import format_problem

REGISTRIES = Registries(
    sources=tuple(
        Source(key, name, domain, "US", "western", None, None, SourceRef("sources.yml"))
        for key, name, domain in [
            ("cnn", "CNN", "cnn.com"),
            ("epochtimes", "The Epoch Times", "theepochtimes.com"),
        ]
    )
)

ARTICLE = """\
Harbour plan approved after long debate
Jane Doe
Updated:
The council approved the harbour plan on Tuesday. The Epoch Times could not verify the cost.
Officials said work would start in May.
"""


def _draft(text: str, **options):
    return importer.draft_content(text, ImportOptions(**options), REGISTRIES)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "articles").mkdir(parents=True)
    return root


def test_infers_title_author_and_source():
    front_matter = _draft(ARTICLE).front_matter
    assert front_matter.title == "Harbour plan approved after long debate"
    assert front_matter.authors == ("Jane Doe",)
    assert front_matter.source == "epochtimes"
    assert front_matter.todos == ("published",)


def test_renders_front_matter_in_order_with_todos():
    draft = _draft(ARTICLE)
    assert render_content_file(draft.front_matter, draft.body) == (
        "---\n"
        'title: "Harbour plan approved after long debate"\n'
        "source: epochtimes\n"
        "published: TODO\n"
        'author: "Jane Doe"\n'
        "language: en\n"
        "kind: article\n"
        "tags: []\n"
        "---\n"
        "The council approved the harbour plan on Tuesday. The Epoch Times could not verify the "
        "cost.\n\nOfficials said work would start in May.\n"
    )


def test_reports_removed_and_moved_lines():
    assert _draft(ARTICLE).notes == (
        "line 1: headline, moved to the title: Harbour plan approved after long debate",
        "line 2: byline, moved to the author: Jane Doe",
        "line 3: label with no value: Updated:",
    )


def test_capture_without_headline_gets_todo_title_and_slug_from_text():
    draft = _draft("Talks resumed in Geneva on Monday, officials said.\nBoth sides spoke.\n")
    assert draft.front_matter.todos == ("title", "source", "published")
    assert (
        draft.dest_path
        == "articles/todo/undated-talks-resumed-in-geneva-on-monday-officials-said.md"
    )
    text = render_content_file(draft.front_matter, draft.body)
    assert 'title: "TODO: headline"\nsource: TODO\npublished: TODO\n' in text


@pytest.mark.parametrize(
    ("capture", "published"),
    [
        (
            "22.0 C\nFriday, June 21, 2024\nTalks end\nThe talks ended.\nMay 31, 2024 at 08:56PM\n",
            dt.date(2024, 5, 31),
        ),
        ("Friday, June 21, 2024\nTalks end\nThe talks ended.\n", dt.date(2024, 6, 21)),
        ("Talks end\nThe talks ended on Friday, officials said.\n", None),
    ],
)
def test_published_timestamp_beats_header_date_and_weekdays_are_not_enough(capture, published):
    assert _draft(capture).front_matter.published == published


def test_options_beat_inference():
    draft = _draft(
        ARTICLE, source="cnn", published=dt.date(2024, 1, 2), url="https://x.org/a", kind="liveblog"
    )
    front_matter = draft.front_matter
    assert (front_matter.source, front_matter.published, front_matter.url) == (
        "cnn",
        dt.date(2024, 1, 2),
        "https://x.org/a",
    )
    assert front_matter.kind == "liveblog"
    assert draft.dest_path.startswith("articles/cnn/2024-01-02-")


LIVEBLOG = "".join(
    f"Entry number {n} headline: officials\nText of entry {n} goes here.\nMore text {n}.\n"
    for n in range(1, 6)
)


def test_detects_a_liveblog_and_makes_each_headline_a_heading():
    draft = _draft(LIVEBLOG + "CNN is reaching out to the ministry.\n")
    assert draft.front_matter.kind == "liveblog"
    assert draft.front_matter.title is None
    assert draft.front_matter.source == "cnn"
    assert draft.body.startswith(
        "## Entry number 1 headline: officials\n\nText of entry 1 goes here.\n\nMore text 1.\n\n"
        "## Entry number 2"
    )
    assert draft.body.count("\n## ") == 4


def test_article_subheadings_but_not_the_standfirst_become_headings():
    capture = "Title here\nA standfirst without a full stop\nPara one.\nSection two\nPara two.\n"
    assert _draft(capture).body == (
        "A standfirst without a full stop\n\nPara one.\n\n## Section two\n\nPara two.\n"
    )


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        (
            "Kyiv’s air defenses shot down all 10 missiles",
            "kyivs-air-defenses-shot-down-all-10-missiles",
        ),
        ("Zaporižžja: ÉTÉ", "zaporizzja-ete"),
        ("", "untitled"),
        ("..", "untitled"),
        ("../../etc/passwd", "etc-passwd"),
        ("a/b\x00c", "a-b-c"),
        ("Поезд", "untitled"),
        ("word " * 30, "word-word-word-word-word-word-word-word-word-word-word-word"),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug
    assert len(slugify(text)) <= 60


def test_yaml_values_are_quoted_safely():
    front_matter = FrontMatter(
        title='He said: "no" # not a comment',
        source="cnn",
        published=None,
        url="https://x.org/a?b=c#d",
        authors=("A: B", "C"),
        tags=("x, y",),
    )
    text = render_content_file(front_matter, "Body.\n")
    data = yaml.safe_load(text.split("---\n")[1])
    assert data["title"] == 'He said: "no" # not a comment'
    assert data["url"] == "https://x.org/a?b=c#d"
    assert data["author"] == ["A: B", "C"]
    assert data["tags"] == ["x, y"]


@pytest.mark.parametrize(
    ("line", "escaped"),
    [
        ("# not a heading", "\\# not a heading"),
        ("- item", "\\- item"),
        ("1. First point.", "1\\. First point."),
        ("> quote", "\\> quote"),
        ("Plain text.", "Plain text."),
    ],
)
def test_body_lines_that_look_like_markdown_are_escaped(line, escaped):
    assert _draft(f"{line}\nMore text here.\n").body.split("\n\n")[0] == escaped


def test_import_writes_a_file_check_accepts_once_todos_are_filled(tmp_path):
    root = _content_dir(tmp_path)
    capture = _write(tmp_path, "a.txt", ARTICLE)
    options = ImportOptions(published=dt.date(2024, 3, 5))
    reports, problems = import_files([capture], options, root, REGISTRIES)
    assert problems == ()
    (report,) = reports
    assert (report.status, report.todos) == ("created", ())
    assert (
        report.dest_path
        == "articles/epochtimes/2024-03-05-harbour-plan-approved-after-long-debate.md"
    )
    text = (root / report.dest_path).read_text(encoding="utf-8")
    article, article_problems = parse_article(report.dest_path, text, report.dest_path, REGISTRIES)
    assert article_problems == ()
    assert article.authors == ("Jane Doe",)


def test_never_overwrites_without_force(tmp_path):
    root = _content_dir(tmp_path)
    capture = _write(tmp_path, "a.txt", ARTICLE)
    (first,), _ = import_files([capture], ImportOptions(), root, REGISTRIES)
    dest = root / first.dest_path
    dest.write_text("edited by hand\n", encoding="utf-8")
    (second,), _ = import_files([capture], ImportOptions(), root, REGISTRIES)
    assert (second.status, second.dest_path) == ("skipped", None)
    assert second.reason == f"{first.dest_path} exists; pass --force to replace it"
    assert dest.read_text(encoding="utf-8") == "edited by hand\n"
    (third,), _ = import_files([capture], ImportOptions(force=True), root, REGISTRIES)
    assert third.status == "overwritten"
    assert dest.read_text(encoding="utf-8") != "edited by hand\n"


def test_two_inputs_to_one_file_are_not_both_written(tmp_path):
    root = _content_dir(tmp_path)
    first, second = _write(tmp_path, "a.txt", ARTICLE), _write(tmp_path, "b.txt", ARTICLE)
    reports, _ = import_files([first, second], ImportOptions(force=True), root, REGISTRIES)
    assert [r.status for r in reports] == ["created", "skipped"]
    assert reports[1].reason == f"{first} is imported to the same file"


def test_dry_run_writes_nothing(tmp_path):
    root = _content_dir(tmp_path)
    capture = _write(tmp_path, "a.txt", ARTICLE)
    (report,), _ = import_files([capture], ImportOptions(dry_run=True), root, REGISTRIES)
    assert report.status == "would create"
    assert report.dest_path is not None
    assert list((root / "articles").rglob("*")) == []


def test_a_failed_write_leaves_no_file_and_no_temporary(tmp_path, monkeypatch):
    root = _content_dir(tmp_path)
    capture = _write(tmp_path, "a.txt", ARTICLE)

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "link", fail)
    with pytest.raises(OSError, match="disk full"):
        import_files([capture], ImportOptions(), root, REGISTRIES)
    assert [p for p in (root / "articles").rglob("*") if p.is_file()] == []


def test_output_is_deterministic(tmp_path):
    capture = _write(tmp_path, "a.txt", ARTICLE + "\u200b\r\n")
    texts = []
    for name in ("one", "two"):
        root = _content_dir(tmp_path / name)
        (report,), _ = import_files([capture], ImportOptions(), root, REGISTRIES)
        texts.append((root / report.dest_path).read_bytes())
    assert texts[0] == texts[1]


def test_bad_bytes_give_a_problem_not_a_traceback(tmp_path):
    root = _content_dir(tmp_path)
    capture = tmp_path / "latin1.txt"
    capture.write_bytes("Title\nCaf\xe9 society.\n".encode("latin-1"))
    (report,), problems = import_files([capture], ImportOptions(), root, REGISTRIES)
    assert (report.status, report.reason) == ("skipped", "cannot be read")
    assert [format_problem(p).replace(str(tmp_path), "T") for p in problems] == [
        "T/latin1.txt:2: not UTF-8 text (byte 0xe9 at offset 9)\n"
        "  hint: open the capture in an editor and save it again with UTF-8 encoding"
    ]


def test_byte_order_mark_is_accepted(tmp_path):
    root = _content_dir(tmp_path)
    capture = tmp_path / "bom.txt"
    capture.write_bytes(b"\xef\xbb\xbf" + ARTICLE.encode())
    (report,), problems = import_files([capture], ImportOptions(), root, REGISTRIES)
    assert (report.status, problems) == ("created", ())


@pytest.mark.parametrize("source", ["../evil", "a/b", "UPPER", ".."])
def test_a_source_key_cannot_leave_the_content_folder(tmp_path, source):
    root = _content_dir(tmp_path)
    capture = _write(tmp_path, "a.txt", ARTICLE)
    (report,), problems = import_files([capture], ImportOptions(source=source), root, REGISTRIES)
    assert report.status == "skipped"
    assert [(p.field, p.message) for p in problems] == [("source", f"not a source key: {source!r}")]
    assert not any(p.is_file() for p in tmp_path.rglob("*.md"))


def test_an_unknown_source_key_is_a_warning(tmp_path):
    root = _content_dir(tmp_path)
    capture = _write(tmp_path, "a.txt", ARTICLE)
    (report,), problems = import_files([capture], ImportOptions(source="bbc"), root, REGISTRIES)
    assert report.status == "created"
    assert [format_problem(p) for p in problems] == [
        '--source:1: source: unknown source "bbc" (warning)\n  hint: known sources: cnn, epochtimes'
    ]


def test_an_empty_capture_is_skipped(tmp_path):
    root = _content_dir(tmp_path)
    capture = _write(tmp_path, "empty.txt", "Most Popular\n\n")
    (report,), _ = import_files([capture], ImportOptions(), root, REGISTRIES)
    assert (report.status, report.reason) == ("skipped", "no article text left after cleaning")


# --- the command line's report ------------------------------------------------------------

HTML = Path(__file__).parent / "fixtures" / "html"
FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def _cli(project: Path, *args: str):
    from click.testing import CliRunner

    from parallax.cli import main

    return CliRunner().invoke(main, ["-q", "import", *args, "-f", str(project / "mkdocs.yml")])


def test_cli_text_report_for_a_page_of_a_new_outlet(project, monkeypatch):
    monkeypatch.chdir(project)
    result = _cli(project, str(HTML / "ledger_article.html"))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "created: articles/todo/2024-05-31-harbour-crane-collapse-injures-four.md\n"
        "  removed line 1: headline, moved to the title: Harbour crane collapse injures four\n"
        "  add this outlet to content/sources.yml, then fill its TODOs:\n"
        "    northernledger:\n"
        '      name: "The Northern Ledger"\n'
        "      domain: northernledger.example\n"
        "      country: TODO  # ISO 3166-1 alpha-2, e.g. GB\n"
        "      group: TODO  # a perspective group used in sources.yml\n"
        "  TODO: source\n"
    )
    assert result.stderr == "1 written, 0 skipped, 1 to review\n"


def test_cli_json_report_and_a_second_run_skips_what_the_corpus_has(project, monkeypatch):
    import json

    monkeypatch.chdir(project)
    sources = project / "content" / "sources.yml"
    sources.write_text(
        sources.read_text(encoding="utf-8")
        + "ledger:\n  name: The Northern Ledger\n  domain: northernledger.example\n"
        "  country: GB\n  group: western\n",
        encoding="utf-8",
    )
    first = _cli(project, "--feed", str(FEEDS / "ledger.rss"), "--json")
    assert first.exit_code == 0, first.output
    files = json.loads(first.stdout)["files"]
    assert [f["status"] for f in files] == ["created"] * 3
    assert list(files[0]) == [
        "input", "output", "status", "reason", "removed", "todo",
        "duplicate_of", "syndicated_from", "review", "source_entry",
    ]  # fmt: skip
    second = _cli(project, "--feed", str(FEEDS / "ledger.rss"), "--json")
    assert second.exit_code == 0, second.output  # already having them is not a failure
    assert [f["reason"] for f in json.loads(second.stdout)["files"]] == [
        f"already in the corpus: {f['output']} has the same URL; pass --force to replace it"
        for f in files
    ]


def test_cli_needs_an_input(project, monkeypatch):
    monkeypatch.chdir(project)
    result = _cli(project)
    assert result.exit_code == 2
    assert "give a file, a URL or --feed FEED to import" in result.output


def test_cli_a_missing_file_is_a_usage_error(project, monkeypatch):
    monkeypatch.chdir(project)
    result = _cli(project, "nowhere.html")
    assert result.exit_code == 2
    assert "no file 'nowhere.html' (and not an http(s) URL)" in result.output
