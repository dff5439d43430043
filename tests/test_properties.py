"""Property-based tests: parsers, the importer's cleaning, figure and claim extraction and
slugs never raise on any input; each returns a valid result or a clear problem (#7)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import unicodedata

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from parallax import figures, segment
from parallax.attribution import _TOKEN, _token_tuple, mask_quotes, quoted_spans
from parallax.claims import extract_claims
from parallax.clean import _is_dropped_char, _normal_line_endings, clean_capture, normalise_text
from parallax.contention import _SCALE_DOWN_WORD, READING_PATTERNS, SCALE_DOWN, _for_matching
from parallax.drafts import render_content_file
from parallax.drafts import slugify as draft_slug
from parallax.figures import extract_figures, sentence_figures
from parallax.importer import draft_content
from parallax.ingest import decode_text, parse_article
from parallax.markup import plain
from parallax.model import Actor, Item, Registries, Source, SourceRef
from parallax.placement import ImportOptions
from parallax.problems import WARNING
from parallax.segment import (
    MAX_ANCHOR_CHARS,
    _word_before,
    any_word,
    fold_case,
    split_sentences,
)
from parallax.segment import slugify as anchor_slug
from parallax.urls import safe_id

SOME = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HERE = SourceRef("content/articles/cnn/2023-06-01-x.md")
REL = "articles/cnn/2023-06-01-x.md"
REGISTRIES = Registries(
    sources=(Source("cnn", "CNN", "cnn.com", "US", "western", None, None, HERE),),
    actors=(
        Actor("zelensky", "Volodymyr Zelensky", ("Zelensky",), None, "ukraine", HERE),
        Actor("peskov", "Dmitry Peskov", ("Peskov",), "Kremlin", "russia", HERE),
    ),
)

# Text of every kind; surrogates cannot come out of a UTF-8 file, so they are left out.
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
# Pieces that mean something to YAML, Markdown, HTML or our parsers.
TOKENS = st.sampled_from(
    [
        "---", "...", ":", ": ", "- ", "#", "&a", "*a", "!!python/object", "[", "]", "{", "}",
        '"', "'", "|", ">", "\t", "\n", "\r\n", "\\", "\x00", "\u202e", "\u2028", "\ufeff",
        "title", "source", "published", "url", "author", "tags", "kind", "liveblog", "cnn",
        "2023-06-01", "2023-02-30", "12:30", "https://", "javascript:", "<script>", "{{ x }}",
        "## ", "1.", "said", "Zelensky", "Peskov", "\u201c", "\u201d", "per cent", "km2", "$",
        "1,000", "26,000", "more than", "at least", "killed", "injured", "missiles", " ", "x",
    ]
)  # fmt: skip
MIXED_TEXT = st.lists(st.one_of(TOKENS, ANY_TEXT.map(lambda t: t[:12])), max_size=60).map("".join)
TEXT = st.one_of(ANY_TEXT, MIXED_TEXT)
# A sentence with figures and a quote, in the shapes outlets write them.
NUMBER = st.one_of(
    st.integers(0, 10**12).map(str),
    st.integers(0, 10**9).map(lambda n: f"{n:,}"),
    st.floats(0, 1e6, allow_nan=False).map(lambda f: f"{f:.2f}"),
    st.sampled_from(["1.5 million", "half", "dozens of", "three", "10-15", "1e308", "9" * 300]),
)
SENTENCE = st.builds(
    "{0} {1} {2} {3} {4}, {5} said{6}".format,
    st.sampled_from(["", "\u201c", '"', "'"]),
    st.sampled_from(["More than", "At least", "Up to", "About", "", "nearly"]),
    NUMBER,
    st.sampled_from(["people", "Ukrainian servicemen", "km2", "missiles", "$", "per cent", ""]),
    st.sampled_from(["were killed", "were injured", "were shot down", "of territory", ""]),
    st.sampled_from(["Zelensky", "Dmitry Peskov", "the ministry", "an official", "PXHOSTILE"]),
    st.sampled_from([".", "", "!", "?\u201d", '." He added: "']),
)
SENTENCES = st.lists(st.one_of(SENTENCE, TEXT), min_size=1, max_size=6).map(" ".join)


def front_matter(fields: dict[str, object], body: str = "Text.\n") -> str:
    return "---\n" + yaml.safe_dump(fields, allow_unicode=True, sort_keys=False) + "---\n" + body


def check_result(article: object, problems: tuple, text: str) -> None:
    """An article, or at least one error; every problem located in the file and worded."""
    lines = text.count("\n") + 2
    assert article is not None or any(p.severity != WARNING for p in problems)
    for problem in problems:
        assert problem.message and 1 <= problem.source.line <= lines, problem


@SOME
@given(TEXT)
def test_parse_article_never_raises_on_any_text(text):
    article, problems = parse_article(REL, text, HERE.path, REGISTRIES)
    check_result(article, problems, text)


@SOME
@given(st.lists(TEXT, max_size=8).map("\n".join), TEXT)
def test_parse_article_never_raises_on_any_front_matter(front, body):
    text = f"---\n{front}\n---\n{body}"
    article, problems = parse_article(REL, text, HERE.path, REGISTRIES)
    check_result(article, problems, text)


FIELD_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, st.dates()),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@SOME
@given(
    st.dictionaries(
        st.one_of(st.sampled_from(["title", "source", "published", "url", "author", "tags"]), TEXT),
        FIELD_VALUES,
        max_size=8,
    )
)
def test_parse_article_checks_fields_of_any_type(fields):
    text = front_matter(fields)
    article, problems = parse_article(REL, text, HERE.path, REGISTRIES)
    check_result(article, problems, text)


TITLE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=300)


@SOME
@given(TITLE, st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)), st.lists(TITLE, max_size=3))
def test_any_valid_front_matter_is_read_back_exactly(title, published, authors):
    fields = {"title": title, "source": "cnn", "published": published.isoformat()}
    fields |= {"author": [a[:200] for a in authors]} if authors else {}
    article, problems = parse_article(REL, front_matter(fields), HERE.path, REGISTRIES)
    assert [p for p in problems if p.severity != WARNING] == []
    assert article is not None
    assert (article.title, article.published, article.authors) == (
        title,
        published,
        tuple(a[:200] for a in authors),
    )


@SOME
@given(st.binary(max_size=400))
def test_decode_text_never_raises(raw):
    text, problems = decode_text(raw, "a.md")
    if text is None:
        assert any(p.severity != WARNING for p in problems)
    else:
        assert "\r" not in text and "\x00" not in text


@SOME
@given(TEXT)
def test_cleaning_a_capture_never_raises_and_keeps_only_its_lines(text):
    cleaned = clean_capture(text)
    for line in cleaned.lines:
        assert line.text and "\n" not in line.text
    assert len(cleaned.lines) + len(cleaned.removals) <= text.count("\n") + text.count("\r") + 1


CAPTURE = st.one_of(st.text(st.characters(blacklist_categories=("Cs",))), MIXED_TEXT)


@SOME
@given(CAPTURE)
def test_an_imported_capture_is_a_file_check_can_read(text):
    draft = draft_content(text, ImportOptions(), REGISTRIES)
    written = render_content_file(draft.front_matter, draft.body)
    article, problems = parse_article(draft.dest_path, written, draft.dest_path, REGISTRIES)
    # Only the fields the importer could not infer may be left for the contributor.
    assert [p for p in problems if p.field == "front matter"] == []
    if draft.front_matter.title is not None and article is not None:
        assert article.title == draft.front_matter.title


@SOME
@given(SENTENCES)
def test_figure_extraction_never_raises_and_points_into_the_text(text):
    for figure in extract_figures(text):
        assert math.isfinite(figure.value) and figure.unit and figure.about is not None
        if figure.span is not None:
            assert 0 <= figure.span.start < figure.span.end <= len(text)


@SOME
@given(SENTENCES, st.sampled_from([None, "entry-1"]))
def test_claim_extraction_never_raises_and_cites_the_items_sentences(text, anchor):
    item = Item(
        article_id="articles/cnn/2023-06-01-x",
        anchor=anchor,
        source="cnn",
        published=dt.date(2023, 6, 1),
        title="Strike",
        text=text,
        sentences=split_sentences(text),
    )
    for claim in extract_claims(item, "e-1", REGISTRIES):
        assert claim.item_id == item.id and claim.event_id == "e-1" and claim.speaker
        assert claim.sentence in item.sentences


SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@SOME
@given(TEXT)
def test_slugs_are_always_plain_and_short(text):
    slug = draft_slug(text)
    assert SLUG.fullmatch(slug) and len(slug) <= 60
    anchor = anchor_slug(text)
    assert SLUG.fullmatch(anchor) and len(anchor) <= MAX_ANCHOR_CHARS


# Text as pages show it: spaces of every kind, in runs, around ASCII and other letters.
SPACED_TEXT = st.text(st.sampled_from(" \t\n\u00a0\u200ba.Ж\x07"))


@SOME
@given(st.one_of(TEXT, SPACED_TEXT, st.text(st.sampled_from(" a."))))
def test_plain_text_drops_controls_and_collapses_each_run_of_spaces(text):
    kept = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    assert plain(text) == re.sub(r"[ \t\u00a0\u2000-\u200b\u3000]+", " ", kept).strip()


# Ids reach safe_id from keys and file names, which never hold control characters: the YAML
# reader refuses such keys and file names must match a pattern (see tests/hostile).
KEY_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp")))


@SOME
@given(st.one_of(KEY_TEXT, st.sampled_from(["..", ".", "/", "a/../b", "C:", "CON", "x" * 90])))
def test_safe_ids_are_single_plain_path_segments(raw):
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,79}", safe_id(raw))


# Bugs the properties above once found, kept as examples.


def test_an_imported_title_with_a_noncharacter_is_readable():
    draft = draft_content("Strike \ufffe on Kyiv\n\nTen were injured.", ImportOptions(), REGISTRIES)
    written = render_content_file(draft.front_matter, draft.body)
    _, problems = parse_article(draft.dest_path, written, draft.dest_path, REGISTRIES)
    assert [p for p in problems if p.field == "front matter"] == []


def test_a_huge_number_is_not_an_infinite_figure():
    figures = extract_figures("More than " + "9" * 400 + " people were killed, officials said.")
    assert all(math.isfinite(f.value) for f in figures)


# Words the claim-reading patterns look for, in any case, among letters that ignoring case
# matches with an ASCII letter and lower-casing does not ("ı", "ſ"), or lengthens ("İ").
FOLDING = st.lists(
    st.one_of(
        st.sampled_from(
            ["ı", "ſ", "İ", "\u212a", "I", "S", " ", "was ", "NOT", "Denied", "DISPUTED", "n’T",
             "Under the control of Ukrainians", "under control of OUR", "Pushed Back", "falſe",
             "THAT CLAIM", "mıstaken", "Is Mistaken", "ENCIRCLED", "fled", "Rolled back"]
        ),
        ANY_TEXT.map(lambda t: t[:8]),
    ),
    max_size=30,
).map("".join)  # fmt: skip


@SOME
@given(FOLDING)
@example("He was mıstaken, and that is falſe")  # each look-alike letter in a word they find
def test_claim_reading_patterns_match_as_if_ignoring_case(text):
    matched, patterns = _for_matching(text)
    compiled = [getattr(patterns, f.name) for f in dataclasses.fields(patterns)]
    for source, pattern in zip(READING_PATTERNS, compiled, strict=True):
        expected = re.compile(source, re.IGNORECASE).search(text)
        found = pattern.search(matched)
        assert (found and found.span()) == (expected and expected.span())
        if found and expected:
            assert found.group() == fold_case(expected.group())


@SOME
@given(TEXT)
def test_the_text_is_normalised_as_line_by_line(text):
    lines = [_normal_line(line) for line in _normal_line_endings(text).split("\n")]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    assert normalise_text(text) == (joined + "\n" if joined else "")


def _normal_line(line):
    """A line normalised on its own, by the definition: NFC, no invisible characters,
    Unicode spaces as spaces, no trailing space."""
    line = unicodedata.normalize("NFC", line)
    line = "".join(c for c in line if not _is_dropped_char(c))
    for pair, quote in (("’’", "”"), ("‘‘", "“"), ("``", "“")):
        line = line.replace(pair, quote)
    return re.sub(r"[^\S\n\t]", " ", line).rstrip()


WORDS = st.lists(st.text("abc ", min_size=1, max_size=5), min_size=1, max_size=8)


@SOME
@given(WORDS, st.text("abc .", max_size=40))
def test_any_word_matches_as_the_words_longest_first_would(words, text):
    flat = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    for ending in ("", r"\b"):
        expected = [m.span() for m in re.finditer(f"(?:{flat}){ending}", text)]
        found = [m.span() for m in re.finditer(f"(?:{any_word(words)}){ending}", text)]
        assert found == expected


@SOME
@given(st.lists(st.one_of(TOKENS, st.sampled_from(["«", "»", "‘", "’", "’’", "a"])), max_size=30))
def test_masking_quotes_blanks_every_quoted_character(parts):
    text = "".join(parts)
    chars = list(text)
    for start, end in quoted_spans(text):
        for i in range(start + 1, max(start + 1, end - 1)):
            chars[i] = " "
    assert mask_quotes(text) == "".join(chars)


@SOME
@given(SENTENCES)
def test_figures_by_sentence_are_each_sentence_read_alone(text):
    sentences = split_sentences(text)
    expected = [
        (f.value, f.unit, f.about, f.text, f.span.start + s.span.start)
        for s in sentences
        for f in extract_figures(s.text)
    ]
    found = [
        (f.value, f.unit, f.about, f.text, f.span.start) for f in sentence_figures(text, sentences)
    ]
    assert found == expected


@SOME
@given(TEXT, st.integers(0, 400))
def test_the_word_before_a_full_stop_is_the_run_the_pattern_finds(text, end):
    end = min(end, len(text))
    found = re.search(r"[\w.]+\Z", text[:end])  # (where "$" would also match before a "\n")
    assert _word_before(text, end) == (found[0] if found else "")


# What comes before a number, ending in the words and marks that make it a date or a name.
BEFORE = st.lists(
    st.one_of(
        st.sampled_from(["March", "September.", "Sept", "No.", "number", "ages", "Su-", "08:",
                         "x-\n", " ", "  ", "\n", "\t", "ſ", "K", "-", ".", "ıı", "resolution"]),
        ANY_TEXT.map(lambda t: t[:5]),
    ),
    max_size=12,
).map(lambda parts: "".join(parts)[-40:])  # fmt: skip


@SOME
@given(BEFORE)
def test_a_month_or_a_name_before_a_number_is_found_as_by_a_search_of_the_window(before):
    months = "|".join(figures.MONTHS)
    month = re.compile(rf"\b(?:{months})\.?\s*$", re.IGNORECASE)
    name = re.compile(
        r"(?:\b(?:number|no\.|article|ages?|aged|page|chapter|section|resolution|phase|"
        r"flight|route|highway|unit|brigade|battalion|regiment)\s*|[A-Za-z]-?|[\d:/])$",
        re.IGNORECASE,
    )
    words = before.rstrip()
    found_month = figures._ends(figures._MONTH_BEFORE, words, figures._MONTH_REACH)
    found_name = figures._ends(
        figures._NAMING_BEFORE, words, figures._NAMING_REACH
    ) or figures._ends(figures._GLUED_BEFORE, before, figures._GLUED_REACH)
    assert (found_month, found_name) == (bool(month.search(before)), bool(name.search(before)))


INLINE = st.lists(
    st.one_of(
        st.sampled_from(["[a](b)", "![i](j)", "[r][1]", "<https://x.y>", "`c`", "**b**", "*e*",
                         "~~s~~", "_u_", "__w__", "\\", "[", "]", "(", ")", "*", "_", " ", "x"]),
        ANY_TEXT.map(lambda t: t[:6]),
    ),
    max_size=15,
).map("".join)  # fmt: skip


@SOME
@given(INLINE)
@example("a ~~struck~~ word")  # each mark alone in a line
@example("a `code` word")
@example("<https://x.y> and [a](b)")
@example("a _word_ and a \\ mark")
def test_inline_markup_is_stripped_as_by_every_pattern(line):
    expected = segment._IMAGE.sub(r"\1", line)
    expected = segment._LINK.sub(lambda m: m.group(1) or m.group(2), expected)
    expected = segment._AUTOLINK.sub(r"\1", expected)
    expected = segment._CODE.sub(r"\1", expected)
    previous = None
    while previous != expected:
        previous, expected = expected, segment._EMPHASIS.sub(r"\2", expected)
        expected = segment._UNDERSCORE_EMPHASIS.sub(r"\2", expected)
    assert segment._strip_inline(line) == expected.replace("\\", "")


@SOME
@given(
    st.lists(
        st.one_of(st.sampled_from([*SCALE_DOWN, "-", "_", " ", "x", "2", "’"]), ANY_TEXT),
        max_size=12,
    ).map("".join)
)
def test_the_scale_down_words_are_the_words_of_the_sentence_that_are_in_the_list(text):
    words = {word for word in re.findall(r"[\w-]+", text) if word in SCALE_DOWN}
    assert set(_SCALE_DOWN_WORD.findall(text)) == words


@SOME
@given(st.one_of(SENTENCES, TEXT))
def test_speaker_tokens_are_the_token_pattern_s_matches(text):
    tokens, matches = _token_tuple(text), list(_TOKEN.finditer(text))
    assert [t.start for t in tokens] == [m.start() for m in matches]
    for token, match in zip(tokens, matches, strict=True):
        assert token.text in (match[0], match[0].rstrip("."))
        assert token.lower == token.text.lower()


@SOME
@given(st.text(alphabet=st.sampled_from(" \t\ntodoTODOßŉﬁΐǰ\u0149\u1e9e\u00a0"), max_size=12))
@example("  todo: headline")
@example("ŉtodo")
@example("ßTODO")
@example(" \u00a0 ")
def test_a_value_marked_todo_is_found_from_its_first_letters(value):
    from parallax.lint import _marked_todo

    assert _marked_todo(value) == value.strip().upper().startswith("TODO")
