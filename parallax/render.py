"""The Jinja2 environment, the page objects templates receive, and rendering them to Markdown.

Reads templates only; writes nothing. Every `{{ value }}` a template prints passes through
`_finalize`, which escapes it for Markdown and HTML unless the value was built as markup
here: templates cannot publish contributor text raw, even by mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from parallax.markup import escape_block, escape_inline, internal_link, link, safe_url
from parallax.model import Article, Corpus, RenderedPage, Source
from parallax.problems import BuildError

DEFAULT_PREFIX = "default:"


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup) or value is None:
        return "" if value is None else value
    if isinstance(value, bool | int | float):
        return str(value)
    return escape_inline(str(value))


def make_environment(
    abs_templates_dir: Path, abs_override_dir: Path | None = None
) -> jinja2.Environment:
    """Templates from the override folder first, then the defaults; `default:` names a default."""
    defaults = jinja2.FileSystemLoader(abs_templates_dir)
    loaders: list[jinja2.BaseLoader] = []
    if abs_override_dir is not None:
        loaders.append(jinja2.FileSystemLoader(abs_override_dir))
    loaders.append(defaults)
    loader = jinja2.ChoiceLoader(
        [jinja2.PrefixLoader({"default": defaults}, delimiter=":"), *loaders]
    )
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Markdown; _finalize escapes for it instead
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["paragraphs"] = escape_block
    env.filters["link"] = link
    env.filters["link_to"] = internal_link
    return env


def _help(text: str) -> Any:
    return field(metadata={"help": text})


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """One line about an article, for lists on other pages."""

    title: str = _help("The headline as the outlet published it (untrusted text).")
    href: str = _help("Link to the article page, relative to the page that shows it.")
    source_name: str = _help("The outlet's name from sources.yml.")
    published: str = _help("The publication date, YYYY-MM-DD.")


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """The page of one article: its cleaned text and where it came from."""

    title: str = _help("The headline (untrusted text).")
    source: Source = _help("The outlet, from sources.yml.")
    published: str = _help("The publication date, YYYY-MM-DD.")
    authors: tuple[str, ...] = _help("Bylines, possibly empty.")
    url: str | None = _help("The original address when it is a plain http(s) URL, else None.")
    sections: tuple[tuple[str | None, str | None, str], ...] = _help(
        "The body in sections: (heading, anchor, text). A live blog has one per entry; "
        "an article one section with no heading."
    )
    kind: str = _help("article or liveblog.")
    home_href: str = _help("Link back to the home page.")


@dataclass(frozen=True, slots=True)
class IndexPage:
    """The home page."""

    site_name: str = _help("The digest's name, from mkdocs.yml.")
    articles: tuple[ArticleSummary, ...] = _help("Every article, newest first.")
    source_count: int = _help("How many outlets the corpus has articles from.")


def article_dest(article: Article) -> str:
    """Where an article's page goes under site_src/: articles/<source>/<slug>.md."""
    return article.path


def _sections(article: Article) -> tuple[tuple[str | None, str | None, str], ...]:
    if article.kind != "liveblog":
        return ((None, None, article.body),)
    sections: list[tuple[str | None, str | None, str]] = []
    heading: str | None = None
    lines: list[str] = []
    for line in article.body.split("\n"):
        if line.startswith("## "):
            if heading is not None or "".join(lines).strip():
                sections.append((heading, None, "\n".join(lines)))
            heading, lines = line[3:].strip(), []
        else:
            lines.append(line)
    sections.append((heading, None, "\n".join(lines)))
    return tuple(sections)


def article_page(article: Article, source: Source) -> ArticlePage:
    """The page object for one article."""
    return ArticlePage(
        title=article.title,
        source=source,
        published=article.published.isoformat(),
        authors=article.authors,
        url=safe_url(article.url),
        sections=_sections(article),
        kind=article.kind,
        home_href="../../index.md",
    )


def index_page(corpus: Corpus, site_name: str) -> IndexPage:
    """The page object for the home page."""
    newest = sorted(corpus.articles, key=lambda a: (a.published, a.id), reverse=True)
    names = {s.key: s.name for s in corpus.registries.sources}
    return IndexPage(
        site_name=site_name,
        articles=tuple(
            ArticleSummary(
                a.title, article_dest(a), names.get(a.source, a.source), a.published.isoformat()
            )
            for a in newest
        ),
        source_count=len({a.source for a in corpus.articles}),
    )


def render_page(
    env: jinja2.Environment, template: str, dest_path: str, page: object
) -> RenderedPage:
    """Render one page object with one template."""
    try:
        text = env.get_template(template).render(page=page)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or template
        line = getattr(exc, "lineno", None)
        raise BuildError(f"{where}:{line or 1}: {exc.message or exc}") from exc
    return RenderedPage(dest_path=dest_path, text=text.rstrip("\n") + "\n", template=template)


def render_site(
    env: jinja2.Environment, corpus: Corpus, site_name: str
) -> tuple[RenderedPage, ...]:
    """Every generated page of the site, sorted by destination."""
    sources = {s.key: s for s in corpus.registries.sources}
    pages = [render_page(env, "index.md.j2", "index.md", index_page(corpus, site_name))]
    pages += [
        render_page(env, "article.md.j2", article_dest(a), article_page(a, sources[a.source]))
        for a in corpus.articles
    ]
    return tuple(sorted(pages, key=lambda p: p.dest_path))


def check_unique(pages: Sequence[RenderedPage]) -> None:
    """Two pages for one path is a build error that names both templates."""
    seen: dict[str, RenderedPage] = {}
    for page in pages:
        first = seen.setdefault(page.dest_path, page)
        if first is not page:
            raise BuildError(
                f"two pages would be written to site_src/{page.dest_path}: "
                f"from {first.template} and from {page.template}"
            )
