"""The Jinja2 environment, template lookup, and rendering every page of the site to Markdown.

Reads templates only; writes nothing. Every `{{ value }}` a template prints passes through
`_finalize`, which escapes it for Markdown and HTML unless the value was built as markup
in Python: templates cannot publish contributor text raw, even by mistake. Page objects come
from the builders in story_pages, article_pages and overview_pages; data files from exports.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from parallax import overview_pages
from parallax.article_pages import article_page
from parallax.exports import export_files
from parallax.lookup import Lookup, build_lookup
from parallax.markup import escape_block, escape_inline, link
from parallax.model import Analysis, Corpus, RenderedPage
from parallax.parallel import fork_map
from parallax.problems import BuildError
from parallax.story_pages import story_page
from parallax.urls import article_dest, page_link, story_dest

DEFAULT_PREFIX = "default:"
LATEST_STORIES = 20  # the default of Settings.latest_stories
_TOKEN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup) or value is None:
        return "" if value is None else value
    if isinstance(value, bool | int | float):
        return str(value)
    return escape_inline(str(value))


def _token(value: str) -> Markup:
    """An id or class name we made, checked, for use inside an HTML attribute."""
    if not _TOKEN.match(value):
        raise ValueError(f"not a safe id or class name: {value!r}")
    return Markup(value)


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
        # Templates do not change during a build; without this every `include` in a loop
        # stats its file again (tens of thousands of times per build, #9).
        auto_reload=False,
    )
    env.filters["paragraphs"] = escape_block
    env.filters["link"] = link
    env.filters["link_to"] = page_link
    env.filters["token"] = _token
    return env


def _template_frame(exc: jinja2.TemplateError, template: str) -> tuple[str, int]:
    """The template file and line of an error: syntax errors carry them, runtime errors have
    them in the traceback, where Jinja puts the template's own line numbers."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.filename or template, exc.lineno
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if not frames:
        return template, 1
    return frames[-1].filename, frames[-1].lineno or 1


def render_page(
    env: jinja2.Environment, template: str, dest_path: str, page: object
) -> RenderedPage:
    """Render one page object with one template."""
    try:
        text = env.get_template(template).render(page=page)
    except jinja2.TemplateError as exc:
        where, line = _template_frame(exc, template)
        raise BuildError(f"{where}:{line}: {exc.message or exc}") from exc
    return RenderedPage(dest_path=dest_path, text=text.rstrip("\n") + "\n", template=template)


def _content_pages(env: jinja2.Environment, lookup: Lookup) -> list[RenderedPage]:
    stories, articles = lookup.analysis.stories, lookup.analysis.corpus.articles

    def page(n: int) -> RenderedPage:
        if n < len(stories):
            story = stories[n]
            return render_page(env, "story.md.j2", story_dest(story.id), story_page(lookup, story))
        article = articles[n - len(stories)]
        return render_page(
            env, "article.md.j2", article_dest(article.id), article_page(lookup, article)
        )

    # One page per story and per article, each independent of the others: the largest part
    # of rendering, shared among the cores (#9).
    return fork_map(page, len(stories) + len(articles))


def render_site(
    env: jinja2.Environment,
    analysis: Analysis | Corpus,
    site_name: str,
    *,
    latest_stories: int = LATEST_STORIES,
) -> tuple[RenderedPage, ...]:
    """Every generated page and data file of the site, sorted by destination."""
    if isinstance(analysis, Corpus):  # until the pipeline passes the whole Analysis (#5)
        analysis = Analysis(analysis)
    lookup = build_lookup(analysis)
    pages = _content_pages(env, lookup)
    for template, dest, page in overview_pages.overview_pages(lookup, site_name, latest_stories):
        pages.append(render_page(env, template, dest, page))
    pages += export_files(lookup, site_name)
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
