"""The Jinja2 environment, template lookup, and rendering every page of the site to Markdown.

Reads templates only; writes nothing but the data files it hands to publish in a spill
folder (`publish.Spill`, #9). Every `{{ value }}` a template prints passes through
`_finalize`, which escapes it for where it lands unless the value was built as markup in
Python (parallax.markup, parallax.urls, the page builders): templates cannot publish
contributor text raw, even by mistake. A `*.md.j2` template writes Markdown, and values are
escaped for Markdown and HTML; a `*.html.j2` template writes a part of a page as HTML,
which Markdown passes through untouched (Python-Markdown's inline pass over a story page's
columns and claims was most of MkDocs' time, #9): there values are escaped as HTML, and
`link_to` writes the URL MkDocs would have made of the link. Page objects come
from the builders in story_pages, article_pages and overview_pages; data files from exports.
"""

from __future__ import annotations

import posixpath
import re
import traceback
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, overload

import jinja2
from jinja2.compiler import CodeGenerator
from jinja2.filters import do_join, make_attrgetter
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from markupsafe import Markup, escape

from parallax import overview_pages
from parallax.article_pages import article_inputs, article_page
from parallax.exports import Exported, export_groups
from parallax.lookup import Lookup, build_lookup
from parallax.markup import (
    escape_block,
    escape_html,
    escape_inline,
    html_block,
    html_link,
    link,
    safe_markup,
)
from parallax.model import Analysis, Corpus, PartSpan, RenderedPage
from parallax.page_cache import KeptPage, PageCache, PageParts
from parallax.pages import Lazy
from parallax.parallel import CHUNK, fork_map, in_worker
from parallax.problems import BuildError
from parallax.publish import GENERATED, Span, Spill
from parallax.story_pages import story_inputs, story_page
from parallax.urls import (
    article_dest,
    html_page_link,
    page_link,
    page_links,
    site_files,
    site_url,
    story_dest,
)

DEFAULT_PREFIX = "default:"
LATEST_STORIES = 20  # the default of Settings.latest_stories
_TOKEN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@jinja2.pass_eval_context
def _finalize(eval_ctx: EvalContext, value: Any) -> Any:
    """Every value a template prints, safe for where it lands: HTML templates print it as it
    comes back (`_Generator`), so it is Markup, or the text of a number, or ""."""
    if value is None:
        return ""
    if isinstance(value, Markup):  # what `escape` would make of it
        return value if type(value) is Markup else Markup(value.__html__())
    if type(value) in (bool, int, float):  # not a subclass, whose str could be anything
        return str(value)
    return escape_html(str(value)) if eval_ctx.autoescape else escape_inline(str(value))


def _is_html(name: str | None) -> bool:
    return name is not None and name.endswith(".html.j2")


@jinja2.pass_eval_context
def _join(
    eval_ctx: EvalContext,
    values: Iterable[Any],
    separator: str = "",
    attribute: str | int | None = None,
) -> Any:
    """Jinja's `join`; in HTML, each value escaped by `_finalize` (Jinja's own would only
    escape it, keeping the control characters and direction overrides `plain` removes)."""
    if not eval_ctx.autoescape:
        return do_join(eval_ctx, values, separator, attribute)
    if attribute is not None:
        values = map(make_attrgetter(eval_ctx.environment, attribute), values)
    # Each value is safe as `_finalize` returns it: joined as text, not by Markup's join,
    # which passes each through `escape` again, a Python call per value (#9).
    finalized = (_finalize(eval_ctx, value) for value in values)
    return safe_markup(str(escape(separator)).join(finalized))


def _no_urlize(value: Any, *args: Any, **kwargs: Any) -> Any:
    """Jinja's `urlize` would turn any address in untrusted text into a live link; outside
    links go through `link`, which takes only plain http(s) URLs."""
    raise jinja2.TemplateRuntimeError("urlize is not available: use the `link` filter")


@jinja2.pass_context
def _link_to(context: Context, text: str, href: str) -> Markup:
    if context.eval_ctx.autoescape:
        return html_page_link(text, href, context["dest"])
    return page_link(text, href)


@jinja2.pass_eval_context
def _link(eval_ctx: EvalContext, text: str, url: str | None) -> Markup:
    return html_link(text, url) if eval_ctx.autoescape else link(text, url)


@jinja2.pass_eval_context
def _paragraphs(eval_ctx: EvalContext, text: str) -> Markup:
    return html_block(text) if eval_ctx.autoescape else escape_block(text)


def _token(value: str) -> Markup:
    """An id or class name we made, checked, for use inside an HTML attribute."""
    if not _TOKEN.match(value):
        raise ValueError(f"not a safe id or class name: {value!r}")
    return Markup(value)


@dataclass(slots=True)
class _Parts:
    """The parts of the page being rendered (`_part`): where the kept ones come from, and
    each part's key and text, in the order the template printed them."""

    published: PageParts
    made: list[tuple[str, str]] = field(default_factory=list)


# The parts of the page `render_page` is rendering, when it has a page cache; None inside a
# part, whose own parts are rendered with it.
_PARTS: ContextVar[_Parts | None] = ContextVar("parts", default=None)


@jinja2.pass_context
def _part(context: Context, template: str, **values: Any) -> Markup:
    """`template` rendered with `values` and the page's `dest` alone, as Markup: a part of
    the page that the page cache keeps on its own (#9). Its text is a function of those,
    so a page rendered again copies each part made of the same values (their repr: page
    objects, exact; a `Lazy` value's is its inputs, and it is built only when the part is
    rendered) from the page published before, rather than build and render it again: when
    one article moves events between stories, most of each story page's events are not."""
    parts, dest = _PARTS.get(), context["dest"]
    text = None
    if parts is not None:
        key = parts.published.key(template, repr(sorted(values.items())))
        text = parts.published.kept(key)
    if text is None:
        built = {k: v.value if isinstance(v, Lazy) else v for k, v in values.items()}
        outer = _PARTS.set(None)
        try:
            text = context.environment.get_template(template).render(built, dest=dest)
        finally:
            _PARTS.reset(outer)
    if parts is not None:
        parts.made.append((key, text))
    return Markup(text)


def _spans(text: str, made: Sequence[tuple[str, str]]) -> tuple[PartSpan, ...]:
    """Where each part is in the bytes of `text`, a page as its template printed it, as
    `RenderedPage.parts`; a part the page does not hold as printed (a template may cut or
    change it) is left out, and is rendered again next time."""
    spans: list[PartSpan] = []
    at = size = 0  # a place in the text, and the size in bytes of the text before it
    for key, part in made:
        start = text.find(part, at) if part else -1
        if start < 0:
            continue
        size += len(text[at:start].encode("utf-8"))
        end = size + len(part.encode("utf-8"))
        spans.append((key, size, end))
        at, size = start + len(part), end
    return tuple(spans)


class _Generator(CodeGenerator):
    """Compiles `{{ value }}` in an HTML template without Jinja's `escape` around `_finalize`.

    `_finalize` has made every value safe HTML already: it escapes what is not Markup, and
    `escape` would only have copied the Markup it returns (numbers have nothing to escape).
    That call, one per value, was a fifth of rendering a story page (#9). Escaping is decided
    when a template compiles, by its name; a block of an `.md.j2` parent that an `.html.j2`
    template extends is printed through the same `_finalize`, which reads the escaping of
    the context it renders in. A template whose escaping is only known while it renders
    (`{% autoescape %}` with a variable), or any template of an environment without
    `_finalize`, compiles as Jinja compiles it. (`_output_child_pre` is the hook Jinja's
    generator has for this; tests/test_render.py checks that it is still called.)
    """

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if (
            frame.eval_ctx.autoescape
            and not frame.eval_ctx.volatile
            and self.environment.finalize is _finalize
        ):
            self.write(f"({finalize.src}")
            return
        super()._output_child_pre(node, frame, finalize)


class _Environment(jinja2.Environment):
    code_generator_class = _Generator


def make_environment(
    abs_templates_dir: Path,
    abs_override_dir: Path | None = None,
    compiled: jinja2.BytecodeCache | None = None,
) -> jinja2.Environment:
    """Templates from the override folder first, then the defaults; `default:` names a default.
    `compiled` keeps the compiled templates between builds (`template_cache`)."""
    defaults = jinja2.FileSystemLoader(abs_templates_dir)
    loaders: list[jinja2.BaseLoader] = []
    if abs_override_dir is not None:
        loaders.append(jinja2.FileSystemLoader(abs_override_dir))
    loaders.append(defaults)
    loader = jinja2.ChoiceLoader(
        [jinja2.PrefixLoader({"default": defaults}, delimiter=":"), *loaders]
    )
    env = _Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        # Markdown templates escape through _finalize; HTML ones are escaped as HTML too
        autoescape=_is_html,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates do not change during a build; without this every `include` in a loop
        # stats its file again (tens of thousands of times per build, #9).
        auto_reload=False,
        bytecode_cache=compiled,
    )
    env.filters["paragraphs"] = _paragraphs
    env.filters["link"] = _link
    env.filters["link_to"] = _link_to
    env.filters["join"] = _join
    env.filters["urlize"] = _no_urlize
    env.filters["token"] = _token
    env.globals["part"] = _part
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
    env: jinja2.Environment,
    template: str,
    dest_path: str,
    page: object,
    published: PageParts | None = None,
) -> RenderedPage:
    """Render one page object with one template; a part the page published at `dest_path`
    holds is copied from there (`_part`)."""
    parts = None if published is None else _Parts(published)
    outer = _PARTS.set(parts)
    try:
        text = env.get_template(template).render(page=page, dest=dest_path)
    except jinja2.TemplateError as exc:
        where, line = _template_frame(exc, template)
        raise BuildError(f"{where}:{line}: {exc.message or exc}") from exc
    finally:
        _PARTS.reset(outer)
    spans = () if parts is None else _spans(text, parts.made)
    text = text.rstrip("\n") + "\n"  # which may cut the last part short (`PageParts.kept`)
    return RenderedPage(dest_path, text, template, links=page_links(text), parts=spans)


# A rendered page, or one kept as published (rendering may run in a worker: what the
# parent's page cache must know comes back with the page), and the page cache's key for it
# ("" without a cache).
Done = tuple[RenderedPage, str]
# What a task of `render_site` made: its pages, and where the runs of lines are of the data
# files it wrote that are made of runs, by destination, for the page cache (`exports.Exported`).
Made = tuple[list[Done], dict[str, dict[str, Span]]]
# `Made` as a render worker sends it (`_sendable`).
Sent = tuple[Sequence[tuple[RenderedPage | KeptPage, str]], dict[str, dict[str, Span]]]


def _render(
    env: jinja2.Environment, cache: PageCache | None, template: str, dest: str, page: object
) -> Done:
    """`render_page`, or the published page when the page cache has it."""
    if cache is None:
        return render_page(env, template, dest, page), ""
    key = cache.key(template, dest, page)
    return _reuse_or_render(env, cache, template, dest, key, lambda: page)


def _render_from(
    env: jinja2.Environment,
    cache: PageCache | None,
    template: str,
    dest: str,
    build: Callable[[], object],
    inputs: Callable[[PageCache], str | None],
) -> Done:
    """`_render` of the page object `build` makes, which is built only when the page cache
    does not have a page made of the same `inputs` (#9)."""
    written = None if cache is None else inputs(cache)
    if cache is None or written is None:
        return _render(env, cache, template, dest, build())
    key = cache.input_key(template, dest, written)
    return _reuse_or_render(env, cache, template, dest, key, build)


def _reuse_or_render(
    env: jinja2.Environment,
    cache: PageCache,
    template: str,
    dest: str,
    key: str,
    build: Callable[[], object],
) -> Done:
    kept = cache.reuse(template, dest, key)
    if kept is not None:
        return kept, key
    return render_page(env, template, dest, build(), cache.parts_of(dest)), key


def _tasks(
    env: jinja2.Environment,
    lookup: Lookup,
    site_name: str,
    latest_stories: int,
    cache: PageCache | None,
    spill: Spill | None,
) -> tuple[Sequence[Callable[[], Made]], tuple[int, ...]]:
    """Every page to render as a task, and where the overview and export tasks are.

    One task per story and per article page, each independent of the others; the overview
    pages and the data exports are a few long tasks. The worker takes chunks from the front
    and this process from the back (`fork_map(here=True)`, #9): the claims export and the
    actors' pages go to the worker, the other long tasks to this process, and the short
    pages between even out what each does.
    """
    stories, articles = lookup.analysis.stories, lookup.analysis.corpus.articles

    def overview(specs: Callable[[], list[overview_pages.PageSpec]]) -> Made:
        return [_overview_page(env, cache, *spec) for spec in specs()], {}

    def exports(files: Callable[[], Exported]) -> Made:
        pages, runs = files()  # with a spill, written where made, not sent to the parent
        return [(page, "") for page in pages], runs

    def content(n: int) -> Callable[[], Made]:
        """The task of the `n`th story page, or of an article's page after them."""
        if n < len(stories):
            story = stories[n]
            keys = None if cache is None else cache.article_key
            return partial(
                _content_page,
                env,
                cache,
                "story.md.j2",
                story_dest(story.id),
                partial(story_page, lookup, story, keys),
                partial(story_inputs, lookup, story),
            )
        article = articles[n - len(stories)]
        return partial(
            _content_page,
            env,
            cache,
            "article.md.j2",
            article_dest(article.id),
            partial(article_page, lookup, article),
            partial(article_inputs, lookup, article),
        )

    claims, points, clusters = export_groups(lookup, site_name, cache, spill)
    lists, sources, actors = overview_pages.overview_groups(lookup, site_name, latest_stories)
    # The two longest first, a chunk apart, where the worker starts; the other long ones
    # last, where this process starts (`fork_map(here=True)`); the short pages between.
    first = [partial(exports, claims), partial(overview, actors)]
    last = [
        partial(overview, lists),
        partial(overview, sources),
        partial(exports, points),
        partial(exports, clusters),
    ]
    # A chunk apart at both ends: with more cores, no one takes two long tasks at once.
    count = len(stories) + len(articles)
    step = CHUNK - 1
    ahead, behind = len(first) * step, max(len(first) * step, count - len(last) * step)
    slots: list[Callable[[], Made] | int] = []  # a long task, or a content page by number
    at = []
    for n, task in enumerate(first):
        at.append(len(slots))
        slots += [task, *range(n * step, min((n + 1) * step, count))]
    slots += range(ahead, behind)
    for n, task in enumerate(last):
        at.append(len(slots))
        slots += [task, *range(behind + n * step, min(behind + (n + 1) * step, count))]
    return _Tasks(slots, content), tuple(at)


class _Tasks(Sequence[Callable[[], Made]]):
    """`_tasks`' tasks, each content page's made when it is asked for, in the process that
    runs it: making the 10,400 of a 10k digest took 0.025 s of this process before render
    forks (#9)."""

    def __init__(
        self, slots: list[Callable[[], Made] | int], content: Callable[[int], Callable[[], Made]]
    ) -> None:
        self._slots = slots
        self._content = content

    def __len__(self) -> int:
        return len(self._slots)

    @overload
    def __getitem__(self, n: int) -> Callable[[], Made]: ...

    @overload
    def __getitem__(self, n: slice) -> Sequence[Callable[[], Made]]: ...

    def __getitem__(self, n: int | slice) -> Callable[[], Made] | Sequence[Callable[[], Made]]:
        if isinstance(n, slice):
            return [self[k] for k in range(*n.indices(len(self)))]
        slot = self._slots[n]
        return self._content(slot) if isinstance(slot, int) else slot


def _overview_page(
    env: jinja2.Environment, cache: PageCache | None, template: str, dest: str, page: object
) -> Done:
    """An overview page: `_render`, or `_render_from` for a page object built only when
    the page cache has no page of its inputs (`overview_pages.Deferred`)."""
    if not isinstance(page, overview_pages.Deferred):
        return _render(env, cache, template, dest, page)
    inputs, build = page.inputs, page.build
    keys = None if cache is None else cache.article_key
    return _render_from(
        env, cache, template, dest, lambda: build(keys), lambda c: inputs(c.article_key)
    )


def _content_page(
    env: jinja2.Environment,
    cache: PageCache | None,
    template: str,
    dest: str,
    build: Callable[[], object],
    inputs: Callable[[Callable[[str], str | None]], str | None],
) -> Made:
    """A story or article page: `_render_from` with the inputs its builder reads, written
    out given the build cache's key of each article (`story_inputs`, `article_inputs`)."""
    done = _render_from(env, cache, template, dest, build, lambda c: inputs(c.article_key))
    return [done], {}


def render_site(
    env: jinja2.Environment,
    analysis: Analysis | Corpus,
    site_name: str,
    *,
    latest_stories: int = LATEST_STORIES,
    cache: PageCache | None = None,
    spill: Spill | None = None,
) -> tuple[RenderedPage, ...]:
    """Every generated page and data file of the site, sorted by destination.

    With a page cache, a page whose key matches the published one is read, not rendered.
    With a `spill`, the data files come back as files written there, not as text.
    """
    if isinstance(analysis, Corpus):  # until the pipeline passes the whole Analysis (#5)
        analysis = Analysis(analysis)
    lookup = build_lookup(analysis)
    tasks, long_at = _tasks(env, lookup, site_name, latest_stories, cache, spill)
    made = fork_map(lambda n: _sendable(tasks[n](), cache), len(tasks), here=True)
    # Content pages first, then the rest, as before the tasks were spread out: the first
    # of two pages for one path is the one `check_unique` names first.
    sent = [d for n, (done, _) in enumerate(made) if n not in long_at for d in done]
    sent += [d for n in long_at for d in made[n][0]]
    found = [(_received(page, cache), key) for page, key in sent]
    if cache is not None:
        for page, key in found:
            if key:
                cache.remember(page, key)
        for n in long_at:
            for dest, spans in made[n][1].items():
                cache.remember_runs(dest, spans)
    return tuple(sorted((d[0] for d in found), key=lambda p: p.dest_path))


def _sendable(made: Made, cache: PageCache | None) -> Sent:
    """A task's pages as a worker sends them back: kept ones as `PageCache.sendable` gives
    them. As they are, in this process."""
    if cache is None or not in_worker():
        return made
    done, spans = made
    return [(cache.sendable(page), key) for page, key in done], spans


def _received(page: RenderedPage | KeptPage, cache: PageCache | None) -> RenderedPage:
    """A page as `_sendable` sent it, made again."""
    if isinstance(page, RenderedPage):
        return page
    assert cache is not None, "a kept page sent without a page cache"
    return cache.kept_page(page)


def check_links(
    pages: Sequence[RenderedPage], abs_site_src: Path, *, kept_checked: bool = False
) -> set[str]:
    """Every link in the pages' HTML parts reaches a page of the site. MkDocs checks the
    links it finds in Markdown (strict: a missing page is an error); it neither rewrites nor
    checks links inside HTML, so this does, before anything is published, from the links
    each page brings (`RenderedPage.links`). Returns the files of site_src/ that are not
    pages of the build and that a link reached (hand-written pages), by destination.

    With `kept_checked`, a page kept as published (read from site_src/, never rendered) is
    not checked again: the caller knows that every link of it reached a page when it was
    rendered, and that each of those is still there (`PageCache.links_hold`, #9)."""
    dests = {page.dest_path for page in pages}
    checked: set[tuple[str, str]] = set()
    files: set[str] = set()
    for page in pages:
        if not page.links:
            continue
        if kept_checked and page.reused is not None and page.reused.abs_path is None:
            continue
        here = site_url(page.dest_path)
        up = posixpath.dirname(here.rstrip("/"))
        for path in page.links:
            base, rest = here, path
            if path.startswith("../"):  # the same for every page of a folder: checked once
                base, rest = up, path[3:]
            if (base, rest) in checked:
                continue
            checked.add((base, rest))
            found = site_files(posixpath.normpath(posixpath.join(base, rest)), path)
            reached = next((d for d in found if d in dests or _is_file(abs_site_src, d)), None)
            if reached is None:
                raise BuildError(
                    f"site_src/{page.dest_path}: a link to {path} reaches no page "
                    f"(looked for {' or '.join(found)}); a page object holds a link "
                    "that no page of this build answers"
                )
            if reached not in dests:
                files.add(reached)
    return files


def _is_file(abs_site_src: Path, dest: str) -> bool:
    """Whether `dest` is a hand-written file of site_src/: a generated one is a page of the
    last build, which publishing this one removes unless this build makes it again."""
    return dest.split("/", 1)[0] not in GENERATED and (abs_site_src / dest).is_file()


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
