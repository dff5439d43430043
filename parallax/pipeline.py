"""The one place that knows the order of the stages: load, clean, segment, analyse, cluster,
claims, render, publish.

Reading happens in `load`, writing in `publish`; everything between is pure. Each function
returns the problems it met; the command line decides whether they stop the build.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from parallax import corpus_stages, render
from parallax.arenas import populate_arenas
from parallax.cache import BuildCache
from parallax.config import SiteConfig, load_config
from parallax.ingest import Loading, load_corpus
from parallax.lint import lint_speakers
from parallax.model import Analysis, RenderedPage
from parallax.page_cache import PageCache
from parallax.parallel import beside, quiet_gc, worth_forking
from parallax.per_article import analyse_articles
from parallax.problems import Problem, has_errors
from parallax.progress import Stages
from parallax.publish import Spill, publish, spill_folder, tidying
from parallax.stage_memo import StageMemo
from parallax.template_cache import TemplateCache, template_cache_path

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Project:
    """Where a digest's files are, from its mkdocs.yml."""

    abs_config: Path
    site: SiteConfig
    abs_content: Path  # the content folder: the setting, or --content

    @property
    def abs_root(self) -> Path:
        return self.abs_config.parent

    @property
    def abs_templates(self) -> Path:
        return self.abs_root / self.site.settings.templates_dir

    @property
    def abs_template_overrides(self) -> Path | None:
        name = self.site.settings.template_overrides_dir
        return None if name is None else self.abs_root / name

    @property
    def abs_site_src(self) -> Path:
        return self.abs_root / self.site.docs_dir

    @property
    def abs_site(self) -> Path:
        return self.abs_root / self.site.site_dir


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build produced and met on the way."""

    problems: tuple[Problem, ...]
    analysis: Analysis | None = None
    # Kept pages and the data files come without their text (`RenderedPage.reused`): read
    # them from site_src/ (a data file's spill folder is gone once the build returns).
    pages: tuple[RenderedPage, ...] = ()
    timings: tuple[tuple[str, float], ...] = ()  # (stage, seconds)
    published: bool = False
    # The caches the build used, with the last build's results: freed with the result, not
    # as the build returns (0.16 s of a 10k build with one article added); the command line
    # ends its process without freeing them (`cli.run`, #9).
    spent: tuple[object, ...] = field(default=(), compare=False, repr=False)


def load_project(
    abs_config: Path, content_dir: Path | None = None
) -> tuple[Project, tuple[Problem, ...]]:
    """The project of a mkdocs.yml; `content_dir` replaces the configured content folder."""
    site, problems = load_config(abs_config)
    abs_content = (
        content_dir.resolve() if content_dir else abs_config.parent / site.settings.content_dir
    )
    return Project(abs_config, site, abs_content), problems


def build_date() -> dt.date:
    """Today for the build: SOURCE_DATE_EPOCH when set (reproducible builds), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date() if epoch else dt.date.today()


def open_cache(project: Project, use_cache: bool = True) -> BuildCache | None:
    """The project's build cache (under `cache_dir`), or None for a clean build."""
    settings = project.site.settings
    if not use_cache:
        return None
    return BuildCache(project.abs_root / settings.cache_dir, settings, project.abs_content)


def open_page_cache(
    project: Project, cache: BuildCache | None, analysis: Analysis
) -> PageCache | None:
    """The page cache of the project's site_src/ (#9), or None for a clean build. It knows
    the build cache's key of every article, the inputs that story and article pages are
    keyed on."""
    if cache is None:
        return None
    abs_dir = project.abs_root / project.site.settings.cache_dir
    templates = (project.abs_template_overrides, project.abs_templates)
    keys = {a.id: key for a in analysis.corpus.articles if (key := cache.article_key(a.id))}
    return PageCache(abs_dir, project.abs_site_src, templates, keys)


def analyse(
    project: Project, clock: Stages | None = None, *, use_cache: bool = True
) -> tuple[Analysis, tuple[Problem, ...]]:
    """Load the content and run every stage up to (not including) rendering.

    The per-article stages (clean, segment, analyse, framing, claim extraction) run as one
    pass over the articles, answered from the build cache where it can and spread over the
    cores where it pays (parallax.parallel, #9); the corpus-wide stages follow.
    """
    populate_arenas()  # see `build`
    with quiet_gc():  # see `build`
        cache = open_cache(project, use_cache)
        analysis, problems, save = _analyse(project, clock or Stages(), cache)
        save()
        return analysis, problems


def _analyse(
    project: Project, clock: Stages, cache: BuildCache | None
) -> tuple[Analysis, tuple[Problem, ...], Callable[[], None]]:
    """The analysis, its problems, and what writes the build cache: the caller runs it,
    here or beside publishing (`_build`)."""
    settings = project.site.settings
    with clock.stage("load") as stage:
        loading = Loading() if cache is None else cache.memoised()
        corpus, problems = load_corpus(project.abs_content, settings, loading)
        stage.count(articles=len(corpus.articles), problems=len(problems))
    with clock.stage("analyse") as stage:
        works = analyse_articles(
            corpus.articles, corpus.registries, settings, cache=cache, stage=stage
        )
        corpus = corpus_stages.cleaned(corpus, works)
        items = tuple(item for work in works for item in work.items)
        stage.count(items=len(items))
        if cache is not None:
            stage.count(cached=cache.hits)  # articles read from the build cache
    # What lint and claims found in the last build, keyed by the articles' keys (#9).
    memo = None if cache is None else StageMemo(cache)
    # Lint needs nothing from clustering, nor clustering from lint: with many articles to
    # lint, it runs in a second process while this one clusters, and its stage is the wait
    # (#9). With its results stored for nearly every article, and none of the last build's
    # changed or removed (`StageMemo.lint_todo`), it runs here, after cluster: beside a
    # forked process, cluster copied every page of the corpus it touched (at 10k articles
    # with one added, 78,000 page faults and 0.45 s of kernel time, where lint took 0.14 s
    # here).
    todo = len(corpus.articles) if memo is None else memo.lint_todo(corpus.articles)
    lint = partial(corpus_stages.lint_works, corpus, build_date(), memo)
    with beside(lint, fork=worth_forking(todo)) as linted:
        with clock.stage("cluster") as stage:
            events, stories, cluster_problems = corpus_stages.cluster_works(
                works, items, corpus.registries, settings, memo, stage
            )
        with clock.stage("lint") as stage:
            warnings, changes = linted()
            if memo is not None and changes is not None:
                memo.take(changes)
            stage.count(warnings=len(warnings))
    problems += warnings
    problems += tuple(p for work in works for p in work.problems)  # from segmenting
    # An override that names nothing may name what a file that failed to load would make:
    # report it once the files load, rather than as a second error for one cause.
    if not has_errors(problems):
        problems += cluster_problems
    with clock.stage("claims") as stage:
        claims, points = corpus_stages.claims_and_points(
            works, items, corpus, settings, events, stories, cache, memo
        )
        framing = tuple(
            (item.id, terms)
            for work in works
            for item, terms in zip(work.items, work.framing, strict=True)
        )
        problems += lint_speakers(claims, corpus)
        stage.count(claims=len(claims), points=len(points))
    analysis = Analysis(corpus, items, events, stories, claims, points, framing)
    return analysis, problems, partial(_save, cache, memo)


def _save(cache: BuildCache | None, memo: StageMemo | None) -> None:
    """Write what this build added to the build cache and the stage memo."""
    if cache is not None:
        cache.save()
    if memo is not None:
        memo.save()


def check(
    project: Project, stages: Stages | None = None, *, use_cache: bool = True
) -> tuple[Problem, ...]:
    """Validate the content without writing anything (but the build cache)."""
    _, problems = analyse(project, stages, use_cache=use_cache)
    return problems


def build(
    project: Project,
    *,
    strict: bool = False,
    run_site: bool = True,
    stages: Stages | None = None,
    use_cache: bool = True,
) -> BuildResult:
    """The whole build. Nothing is written unless every earlier stage succeeded
    (but the build cache, which only ever holds finished results, checked where they depend
    on other articles, and is written even when render or publish fail).

    The garbage collector is off until the build ends (#9): a build makes millions of
    objects that live until it ends, and few cycles, and each full collection walked them
    all (three of them took 1.4-1.6 s of a 10k build with one article added). What cycles
    there are go at the first collection after it.

    The pages of those objects' arenas are asked for as each arena is made, from here on
    (`arenas.populate_arenas`): at 10k articles with one added, the load stage took 0.05 s
    less (0.02-0.09 s over six articles).
    """
    populate_arenas()
    with quiet_gc():
        return _build(project, strict, run_site, stages, use_cache)


def _build(
    project: Project, strict: bool, run_site: bool, stages: Stages | None, use_cache: bool
) -> BuildResult:
    clock = stages or Stages()
    cache = open_cache(project, use_cache)
    analysis, problems, save = _analyse(project, clock, cache)
    # A content error stops here: publishing would silently drop the broken article.
    if has_errors(problems, strict=strict):
        save()
        return BuildResult(problems, analysis, timings=tuple(clock.timings), spent=(cache, save))
    # Render's workers write the data files into the spill folder, and publish links them.
    with spill_folder(project.abs_config, project.abs_site_src) as spill:
        try:
            pages, page_cache = _render(project, clock, cache, analysis, spill)
        except BaseException:  # a template error, or a stop: the analysis is kept anyway
            _save_quietly(save)
            raise
        # The build cache is written while publish runs, by a forked process that only reads
        # what it writes, on the core publish leaves idle (0.2 s of a 10k build with one
        # article added, #9); a failed publish waits for it too.
        # The last site_src/ is removed by a thread, while this process waits for that one.
        big = cache is not None and worth_forking(len(analysis.corpus.articles))
        saving = beside(lambda _: save(), fork=big)
        with clock.stage("publish"), saving as saved, tidying() as tidy:
            try:
                stamps = publish(
                    pages,
                    project.abs_config,
                    project.abs_site_src,
                    project.abs_site,
                    run_site=run_site,
                    tidy=tidy,
                )
                if page_cache is not None:  # the manifest describes what is now published
                    page_cache.save(pages, stamps)
            finally:
                _save_quietly(saved)
    spent = (cache, save, page_cache)
    return BuildResult(problems, analysis, pages, tuple(clock.timings), published=True, spent=spent)


def _render(
    project: Project, clock: Stages, cache: BuildCache | None, analysis: Analysis, spill: Spill
) -> tuple[tuple[RenderedPage, ...], PageCache | None]:
    """The render stage: every page, checked, and the page cache that kept some of them."""
    with clock.stage("render") as stage:
        compiled = None
        if cache is not None:  # a clean build compiles every template
            abs_cache_dir = project.abs_root / project.site.settings.cache_dir
            compiled = TemplateCache(template_cache_path(abs_cache_dir))
        env = render.make_environment(
            project.abs_templates, project.abs_template_overrides, compiled
        )
        page_cache = open_page_cache(project, cache, analysis)
        pages = render.render_site(
            env,
            analysis,
            project.site.site_name,
            latest_stories=project.site.settings.latest_stories,
            cache=page_cache,
            spill=spill,
        )
        render.check_unique(pages)
        dests = {page.dest_path for page in pages}
        held = page_cache is not None and page_cache.links_hold(dests)
        files = render.check_links(pages, project.abs_site_src, kept_checked=held)
        if page_cache is not None:
            page_cache.remember_link_files(files, held)
        stage.count(pages=len(pages))
        if page_cache is not None:
            stage.count(cached=page_cache.hits)  # pages reused from site_src/
    return pages, page_cache


def _save_quietly(save: Callable[[], object]) -> None:
    """Write the build cache, or wait for the process that writes it. Its files are replaced
    whole (`packs.write_atomically`), so a failure there only costs the next build time: it
    is logged. A second interrupt stops the wait."""
    try:
        save()
    except Exception as exc:
        log.warning("could not write the build cache: %s", exc)
