"""Rendering the whole site to Markdown: page list, escaping of hostile text, template lookup."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup
from jinja2.compiler import CodeGenerator
from markupsafe import Markup

from parallax.model import RenderedPage, Reused
from parallax.problems import BuildError
from parallax.render import (
    _spans,
    check_links,
    check_unique,
    make_environment,
    render_page,
    render_site,
)
from parallax.urls import page_links
from tests.conftest_golden import site_analysis

REPO = Path(__file__).resolve().parent.parent
EXTENSIONS = ["attr_list", "tables", "toc"]  # as in mkdocs.yml
CONFIGS = {"toc": {"permalink": True, "toc_depth": 2}}


@pytest.fixture(scope="module")
def site() -> dict[str, str]:
    env = make_environment(REPO / "templates")
    return {p.dest_path: p.text for p in render_site(env, site_analysis(), "Parallax")}


def html(text: str) -> BeautifulSoup:
    body = text.split("---\n", 2)[-1] if text.startswith("---\n") else text
    converted = markdown.markdown(body, extensions=EXTENSIONS, extension_configs=CONFIGS)
    return BeautifulSoup(converted, "html.parser")


def test_the_site_has_every_page_and_data_file(site):
    assert sorted(site) == [
        "actors/igor-volkov.md",
        "actors/index.md",
        "actors/olena-marchenko.md",
        "actors/speaker-lysivka-council.md",
        "actors/speaker-script-alert-x-script-img-src-x-onerror-alert-1-7-7-raw-clic.md",
        "actors/speaker-state-emergency-service.md",
        "articles/hostile/2024-03-10-hostile.md",
        "articles/kyivpost/2024-03-05-live-veresk.md",
        "articles/newswire/2024-03-04-veresk-dam-breached.md",
        "articles/newswire/2024-03-07-lysivka-evacuated.md",
        "articles/tass/2024-03-04-dam-collapse.md",
        "articles/tass/2024-03-10-grain-talks.md",
        "coverage.md",
        "data/claims.json",
        "data/events.json",
        "data/feed.xml",
        "data/index.md",
        "data/points.json",
        "data/stories.json",
        "index.md",
        "sources/hostile.md",
        "sources/index.md",
        "sources/kyivpost.md",
        "sources/newswire.md",
        "sources/tass.md",
        "stories/grain-talks.md",
        "stories/index.md",
        "stories/veresk-dam.md",
        "vocabulary.md",
    ]


def test_the_story_page_puts_outlets_in_columns_with_badges(site):
    soup = html(site["stories/veresk-dam.md"])
    first = soup.find(class_="px-outlets")
    names = [h.get_text().removesuffix("¶") for h in first.find_all("h3")]
    assert names == ["TASS", "Kyiv Courier", "Newswire"]
    badges = [b.get_text(" ", strip=True) for b in soup.find_all(class_="px-badge")]
    assert badges == ["✗ Contradict", "≠ Figures differ", "✓ Agree"]
    assert soup.find("details", class_="px-why").summary.get_text() == "Why are these together?"


def test_a_claim_link_names_the_outlet_and_targets_the_sentence(site):
    soup = html(site["stories/veresk-dam.md"])
    # written as HTML, so with the link MkDocs makes: the story sits at stories/veresk-dam/
    link = soup.find("a", href="../../articles/tass/2024-03-04-dam-collapse/#s-2")
    assert link.get_text() == "TASS"
    article = html(site["articles/tass/2024-03-04-dam-collapse.md"])
    assert article.find(id="s-2").get_text() == (
        "Volkov said the dam collapsed because of Ukrainian shelling."
    )


HOSTILE_PAGES = [
    "stories/grain-talks.md",
    "articles/hostile/2024-03-10-hostile.md",
    "index.md",
    "sources/hostile.md",
    "actors/index.md",
]


@pytest.mark.parametrize("dest", HOSTILE_PAGES)
def test_hostile_text_stays_text_on_every_page_that_shows_it(site, dest):
    soup = html(site[dest])
    assert soup.find_all(["script", "img", "iframe"]) == []
    assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert not [h for h in hrefs if h.startswith(("javascript:", "data:", "http://evil"))]
    assert '<script>alert("x")</script>' in soup.get_text()
    assert "{{ 7*7 }}" in soup.get_text() and "49" not in soup.get_text()
    assert "\u202e" not in site[dest]


def test_hostile_text_in_a_table_header_stays_text(site):
    soup = html(site["coverage.md"])
    assert soup.find_all(["script", "img"]) == []
    assert len(soup.find("tr").find_all("th")) == 2 + 4 + 1
    assert '<script>alert("x")</script>' in soup.find("tr").get_text()


def test_the_hostile_article_breaks_no_table_and_keeps_its_paragraph(site):
    soup = html(site["articles/hostile/2024-03-10-hostile.md"])
    assert soup.find("table") is None
    assert len(soup.find_all("p")) == 4  # byline, "compared in", the body, the way back


def test_a_template_override_can_extend_the_default(tmp_path):
    (tmp_path / "index.md.j2").write_text('{% extends "default:index.md.j2" %}', encoding="utf-8")
    env = make_environment(REPO / "templates", tmp_path)
    pages = {p.dest_path: p.text for p in render_site(env, site_analysis(), "Parallax")}
    assert "# Parallax" in pages["index.md"]


def test_a_template_error_names_the_template_and_line(tmp_path):
    (tmp_path / "bad.md.j2").write_text("line one\n{{ page.nothing }}\n", encoding="utf-8")
    env = make_environment(tmp_path)
    with pytest.raises(BuildError, match=r"bad\.md\.j2:2: .*nothing"):
        render_page(env, "bad.md.j2", "index.md", object())


def test_a_part_sees_its_values_and_dest_alone(tmp_path):
    (tmp_path / "p.md.j2").write_text('{{ part("q.md.j2", n=page) }}', encoding="utf-8")
    (tmp_path / "q.md.j2").write_text("{{ n }} at {{ dest }}\n{{ page }}", encoding="utf-8")
    env = make_environment(tmp_path)
    with pytest.raises(BuildError, match=r"q\.md\.j2:2: 'page' is undefined"):
        render_page(env, "p.md.j2", "stories/s.md", 1)


class Published:
    """What `render_page` asks of the page published before (`page_cache.PageParts`): here,
    the parts in `kept`, by what they are made of."""

    def __init__(self, kept: dict[str, str]) -> None:
        self._kept = kept

    def key(self, template: str, made_of: str) -> str:
        return f"{template} {made_of}"

    def kept(self, key: str) -> str | None:
        return self._kept.get(key)


def test_a_page_copies_the_parts_it_is_given_and_says_where_each_is(tmp_path):
    page = "é{% for n in page %}{{ part('q.md.j2', n=n) }}{% endfor %}"
    (tmp_path / "p.md.j2").write_text(page, encoding="utf-8")
    (tmp_path / "q.md.j2").write_text("[{{ n }} ü]\n\n", encoding="utf-8")
    env = make_environment(tmp_path)
    kept = Published({"q.md.j2 [('n', 2)]": "[kept]\n\n"})
    rendered = render_page(env, "p.md.j2", "stories/s.md", (1, 2, 3), kept)  # type: ignore[arg-type]
    assert rendered.text == "é[1 ü]\n\n[kept]\n\n[3 ü]\n"
    data = (rendered.text + "\n").encode()  # as printed: the page lost its last newline
    parts = [(key, data[start:end].decode()) for key, start, end in rendered.parts]
    assert parts == [
        ("q.md.j2 [('n', 1)]", "[1 ü]\n\n"),
        ("q.md.j2 [('n', 2)]", "[kept]\n\n"),
        ("q.md.j2 [('n', 3)]", "[3 ü]\n\n"),
    ]
    # Without a page published before, nothing is kept and nothing recorded.
    alone = render_page(env, "p.md.j2", "stories/s.md", (1, 2, 3))
    assert alone.text == "é[1 ü]\n\n[2 ü]\n\n[3 ü]\n" and alone.parts == ()


def test_a_part_the_page_does_not_hold_as_printed_is_not_recorded():
    text = "aé<1>b<3>\n\n"
    made = [("one", "<1>"), ("cut", "<2>"), ("empty", ""), ("three", "<3>\n\n")]
    assert _spans(text, made) == (("one", 3, 6), ("three", 7, 12))


def test_an_unsafe_token_in_an_attribute_stops_the_build(tmp_path):
    (tmp_path / "t.md.j2").write_text('<span id="{{ page | token }}"></span>', encoding="utf-8")
    env = make_environment(tmp_path)
    with pytest.raises(ValueError, match="not a safe id"):
        env.get_template("t.md.j2").render(page='x" onclick="y')


def test_two_pages_for_one_path_name_both_templates():
    pages = [RenderedPage("index.md", "a", "index.md.j2"), RenderedPage("index.md", "b", "x.j2")]
    with pytest.raises(BuildError, match=r"from index\.md\.j2 and from x\.j2"):
        check_unique(pages)


def test_rendering_twice_gives_identical_pages():
    env = make_environment(REPO / "templates")
    assert render_site(env, site_analysis(), "P") == render_site(env, site_analysis(), "P")


def test_html_templates_escape_for_html_and_drop_direction_overrides(tmp_path):
    (tmp_path / "part.html.j2").write_text(
        "<p>{{ page.text }}</p><p>{{ page.words | join('; ') }}</p>"
        "{{ 'here' | link_to('x.md#s-1') }}",
        encoding="utf-8",
    )
    env = make_environment(tmp_path)
    page = {"text": "a\u202e*b* <i>", "words": ["c\u202ed", "[e](javascript:x)", "<b>"]}
    text = render_page(env, "part.html.j2", "stories/s.md", page).text
    assert text == (
        "<p>a&#42;b&#42; &lt;i&gt;</p><p>cd; &#91;e&#93;&#40;javascript:x&#41;; &lt;b&gt;</p>"
        '<a href="../x/#s-1">here</a>\n'
    )


class _Odd(int):
    def __str__(self) -> str:
        return f"<b>{int(self)}</b>"


class _Own(Markup):
    def __html__(self) -> Markup:
        return Markup("<q>own</q>")


def test_html_templates_print_every_value_as_jinja_does_but_escape_it_once(tmp_path):
    source = (
        "{% macro em(v) %}<em>{{ v }}</em>{% endmacro %}"
        "{{ page.s }}|{{ page.n }}|{{ page.f }}|{{ page.b }}|{{ page.none }}|{{ page.m }}|"
        "{{ em(page.s) }}|{{ page.s ~ page.m }}|{{ page.l | join(page.s) }}|"
        "{% autoescape false %}{{ page.s }}{% endautoescape %}|{{ page.odd }}|{{ page.own }}"
    )
    (tmp_path / "v.html.j2").write_text(source, encoding="utf-8")
    ours = make_environment(tmp_path)
    jinjas = make_environment(tmp_path)
    jinjas.code_generator_class = CodeGenerator  # Jinja's own: escape(_finalize(value))
    page = {
        "s": "<b>*x*</b> & \u202e",
        "n": 3,
        "f": 2.5,
        "b": True,
        "none": None,
        "m": Markup("<i>kept</i>"),
        "l": ["<a>", Markup("<br>")],
        "odd": _Odd(7),  # a number whose text is markup is text
        "own": _Own("ignored"),  # Markup that says what it is, as `escape` asks it
    }
    text = render_page(ours, "v.html.j2", "index.md", page).text
    assert text == render_page(jinjas, "v.html.j2", "index.md", page).text
    assert text.endswith("|&lt;b&gt;7&lt;/b&gt;|<q>own</q>\n")
    assert text.startswith("&lt;b&gt;&#42;x&#42;&lt;/b&gt; &amp;|3|2.5|True||<i>kept</i>|<em>")
    # The values go out as _finalize made them: Jinja's generator still calls the hook.
    assert "escape(environment.finalize" not in ours.compile(source, "v.html.j2", raw=True)
    assert "escape(environment.finalize" in jinjas.compile(source, "v.html.j2", raw=True)


def test_markdown_templates_keep_markdown_escapes_and_links(tmp_path):
    (tmp_path / "part.md.j2").write_text(
        '{{ page.words | join("; ") }} {{ "here" | link_to("x.md#s-1") }}', encoding="utf-8"
    )
    env = make_environment(tmp_path)
    text = render_page(env, "part.md.j2", "stories/s.md", {"words": ["*a*", "<b>"]}).text
    assert text == "\\*a\\*; &lt;b&gt; [here](x.md#s-1)\n"


def test_a_join_by_attribute_and_urlize_in_either_kind_of_template(tmp_path):
    (tmp_path / "a.html.j2").write_text('{{ page | join(", ", attribute="name") }}')
    (tmp_path / "a.md.j2").write_text('{{ page | join(", ", attribute="name") }}')
    (tmp_path / "u.html.j2").write_text("{{ page | urlize }}")
    env = make_environment(tmp_path)
    names = [{"name": "*a*"}, {"name": "<b>"}]
    assert render_page(env, "a.html.j2", "index.md", names).text == "&#42;a&#42;, &lt;b&gt;\n"
    assert render_page(env, "a.md.j2", "index.md", names).text == "\\*a\\*, &lt;b&gt;\n"
    with pytest.raises(BuildError, match=r"u\.html\.j2:1: urlize is not available"):
        render_page(env, "u.html.j2", "index.md", "http://evil.example")


def test_every_link_in_the_html_parts_reaches_a_page(tmp_path):
    (tmp_path / "about.md").write_text("hand-written", encoding="utf-8")
    dests = ("index.md", "actors/index.md", "stories/s.md", "data/feed.xml")
    pages = [RenderedPage(dest, "", "t") for dest in dests]
    text = (
        '<a href="../../stories/s/#e">s</a> <a href="../">actors</a> <a href="../../">home</a> '
        '<a href="../../about/">about</a> <a href="../../data/feed.xml">feed</a> '
        '<a href="https://example.org/x">out</a> <a href="#x">here</a> [md](x.md)'
    )
    story = RenderedPage("actors/a.md", text, "t", links=page_links(text))
    check_links([*pages, story], tmp_path)  # every target is there
    broken_text = '<a href="../../actors/b/#s-1">b</a>'
    broken = RenderedPage("stories/t.md", broken_text, "t", links=page_links(broken_text))
    with pytest.raises(BuildError, match=r"site_src/stories/t\.md: a link to ../../actors/b/ "):
        check_links([*pages, story, broken], tmp_path)
    # A page kept as published brings the links recorded for it, not its text.
    kept = RenderedPage("stories/u.md", "", "t", ("../c/",), Reused((1, 2, 3, 4), "0" * 64))
    with pytest.raises(BuildError, match=r"site_src/stories/u\.md: a link to \.\./c/ "):
        check_links([*pages, story, kept], tmp_path)
    # Links are looked up once a folder; a broken one is still reported on the first page
    # that holds it, and a link without "../" from its own page's address.
    twin = RenderedPage("stories/v.md", "", "t", ("../c/",), Reused((1, 2, 3, 4), "0" * 64))
    with pytest.raises(BuildError, match=r"site_src/stories/u\.md: a link to \.\./c/ "):
        check_links([*pages, story, kept, twin], tmp_path)
    down = RenderedPage("stories/w.md", "", "t", ("x/", "../s/"), Reused((1, 2, 3, 4), "0" * 64))
    check_links([*pages, story, RenderedPage("stories/w/x.md", "", "t"), down], tmp_path)
    with pytest.raises(BuildError, match=r"site_src/stories/w\.md: a link to x/ "):
        check_links([*pages, story, RenderedPage("stories/x.md", "", "t"), down], tmp_path)
    # A rendered page brings the links of its text.
    (tmp_path / "l.html.j2").write_text('<a href="../../stories/s/#e">{{ page }}</a>')
    rendered = render_page(make_environment(tmp_path), "l.html.j2", "actors/a.md", "s")
    assert rendered.links == ("../../stories/s/",)
    assert page_links(story.text) == (
        "../",
        "../../",
        "../../about/",
        "../../data/feed.xml",
        "../../stories/s/",
    )


def test_links_of_kept_pages_are_not_checked_again_when_the_caller_knows_they_hold(tmp_path):
    (tmp_path / "about.md").write_text("hand-written", encoding="utf-8")
    pages = [RenderedPage(dest, "", "t") for dest in ("index.md", "stories/s.md")]
    text = '<a href="../../stories/s/">s</a> <a href="../../about/">about</a>'
    rendered = RenderedPage("actors/a.md", text, "t", links=page_links(text))
    # The files it reached that are not pages of the build, by destination.
    assert check_links([*pages, rendered], tmp_path) == {"about.md"}
    kept = RenderedPage("stories/u.md", "", "t", ("../c/",), Reused((1, 2, 3, 4), "0" * 64))
    assert check_links([*pages, rendered, kept], tmp_path, kept_checked=True) == {"about.md"}
    with pytest.raises(BuildError, match=r"site_src/stories/u\.md: a link to \.\./c/ "):
        check_links([*pages, rendered, kept], tmp_path)
    # A data file a worker spilled is checked as a rendered page is; so is a rendered page.
    spill = Reused((1, 2, 3, 4), "0" * 64, "/x")
    spilled = RenderedPage("stories/v.md", "", "t", ("../c/",), spill)
    with pytest.raises(BuildError, match=r"site_src/stories/v\.md: a link to \.\./c/ "):
        check_links([*pages, spilled], tmp_path, kept_checked=True)
    broken = RenderedPage("stories/w.md", "x", "t", links=("../c/",))
    with pytest.raises(BuildError, match=r"site_src/stories/w\.md: a link to \.\./c/ "):
        check_links([*pages, broken], tmp_path, kept_checked=True)
    # A page the last build published, which this one does not make, is not there to reach:
    # publishing removes it.
    (tmp_path / "stories").mkdir()
    (tmp_path / "stories" / "c.md").write_text("the last build's", encoding="utf-8")
    with pytest.raises(BuildError, match=r"site_src/stories/w\.md: a link to \.\./c/ "):
        check_links([*pages, broken], tmp_path)


def test_the_paragraphs_filter_writes_html_paragraphs_in_an_html_template(tmp_path):
    (tmp_path / "p.html.j2").write_text("{{ page | paragraphs }}", encoding="utf-8")
    (tmp_path / "p.md.j2").write_text("{{ page | paragraphs }}", encoding="utf-8")
    env = make_environment(tmp_path)
    notes = "One *line*\nstill one.\n\n<b>Two</b>"
    assert render_page(env, "p.html.j2", "index.md", notes).text == (
        "<p>One &#42;line&#42; still one.</p>\n<p>&lt;b&gt;Two&lt;/b&gt;</p>\n"
    )
    assert render_page(env, "p.md.j2", "index.md", notes).text == (
        "One \\*line\\* still one.\n\n&lt;b&gt;Two&lt;/b&gt;\n"
    )


@pytest.mark.parametrize("chunk", [2, 3, 64])
def test_render_tasks_hold_each_page_once_and_the_long_ones_where_they_say(monkeypatch, chunk):
    import functools

    from parallax import render
    from parallax.lookup import build_lookup
    from parallax.urls import article_dest, story_dest

    monkeypatch.setattr(render, "CHUNK", chunk)
    lookup = build_lookup(site_analysis())
    tasks, long_at = render._tasks(
        make_environment(REPO / "templates"), lookup, "Parallax", 20, None, None
    )
    content = [n for n in range(len(tasks)) if n not in long_at]
    made = [tasks[n] for n in content]  # each content page's task, made when asked for
    assert all(isinstance(t, functools.partial) and t.func is render._content_page for t in made)
    stories, articles = lookup.analysis.stories, lookup.analysis.corpus.articles
    expected = [story_dest(s.id) for s in stories] + [article_dest(a.id) for a in articles]
    # Every page once, in order between the long tasks: the worker's two first, a chunk
    # apart, this process's four last.
    assert [t.args[3] for t in made] == expected
    assert len(long_at) == 6 and long_at[0] == 0
    assert long_at[1] == min(chunk, len(expected) + 1)  # a chunk apart, where there are pages
    assert len([n for n in content if n > long_at[2]]) <= 4 * (chunk - 1)
    assert all(getattr(tasks[n], "func", None) is not render._content_page for n in long_at)
    assert [getattr(t, "args", ())[3:4] for t in tasks[1:3]] == [
        getattr(tasks[n], "args", ())[3:4] for n in (1, 2)
    ]
