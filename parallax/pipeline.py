"""The one place that knows the order of the stages: load, clean, segment, analyse, cluster,
claims, render, publish.

Reading happens in `load`, writing in `publish`; everything between is pure. Each function
returns the problems it met; the command line decides whether they stop the build.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from parallax import render
from parallax.analyse import analyse_item, build_lexicon
from parallax.claims import align_claims, extract_claims, framing_terms
from parallax.clean import clean_article
from parallax.cluster import cluster_items
from parallax.config import SiteConfig, load_config
from parallax.ingest import load_corpus
from parallax.lint import lint_corpus, lint_speakers
from parallax.model import Analysis, Claim, Corpus, Event, Item, RenderedPage
from parallax.problems import Problem, has_errors
from parallax.progress import Stage, Stages
from parallax.publish import publish
from parallax.segment import segment_article

log = logging.getLogger(__name__)
T = TypeVar("T")


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
    pages: tuple[RenderedPage, ...] = ()
    timings: tuple[tuple[str, float], ...] = ()  # (stage, seconds)
    published: bool = False


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


def _map(
    function: Callable[[T], T], values: tuple[T, ...], stage: Stage | None = None
) -> tuple[T, ...]:
    """`function` over `values`, advancing the stage's progress bar when one is given."""
    return tuple(function(v) for v in (values if stage is None else stage.track(values)))


def analyse(project: Project, clock: Stages | None = None) -> tuple[Analysis, tuple[Problem, ...]]:
    """Load the content and run every stage up to (not including) rendering."""
    clock = clock or Stages()
    with clock.stage("load") as stage:
        corpus, problems = load_corpus(project.abs_content, project.site.settings)
        stage.count(articles=len(corpus.articles), problems=len(problems))
    with clock.stage("clean") as stage:
        corpus = dataclasses.replace(corpus, articles=_map(clean_article, corpus.articles, stage))
    with clock.stage("lint") as stage:
        warnings = lint_corpus(corpus, build_date())
        problems += warnings
        stage.count(warnings=len(warnings))
    with clock.stage("segment") as stage:
        items, segment_problems = _segment(corpus, project, stage)
        problems += segment_problems
        stage.count(items=len(items))
    with clock.stage("analyse") as stage:
        lexicon = build_lexicon(corpus.registries)
        items = tuple(analyse_item(item, lexicon) for item in stage.track(items))
    with clock.stage("cluster") as stage:
        events, stories, cluster_problems = cluster_items(
            items, corpus.registries, project.site.settings
        )
        problems += cluster_problems
        stage.count(events=len(events), stories=len(stories))
    with clock.stage("claims") as stage:
        claims = _claims(items, events, corpus, stage)
        # Points are aligned within an event and across a story's events, never corpus-wide.
        points = align_claims(
            claims,
            events,
            stories,
            {i.id: i for i in items},
            project.site.settings.point_threshold,
            corpus.registries,
        )
        framing = tuple((i.id, framing_terms(i, corpus.registries)) for i in items)
        problems += lint_speakers(claims, corpus)
        stage.count(claims=len(claims), points=len(points))
    return Analysis(corpus, items, events, stories, claims, points, framing), problems


def _claims(
    items: tuple[Item, ...], events: tuple[Event, ...], corpus: Corpus, stage: Stage
) -> tuple[Claim, ...]:
    """Every item's claims, each tagged with the event its item belongs to."""
    event_of = {item_id: event.id for event in events for item_id in event.item_ids}
    claims: list[Claim] = []
    for item in stage.track(items):
        if item.id in event_of:  # items excluded by an override have no event
            claims += extract_claims(item, event_of[item.id], corpus.registries)
    return tuple(claims)


def _segment(
    corpus: Corpus, project: Project, stage: Stage
) -> tuple[tuple[Item, ...], tuple[Problem, ...]]:
    items: list[Item] = []
    problems: list[Problem] = []
    for article in stage.track(corpus.articles):
        article_items, article_problems = segment_article(article, project.site.settings)
        items += article_items
        problems += article_problems
    return tuple(items), tuple(problems)


def check(project: Project, stages: Stages | None = None) -> tuple[Problem, ...]:
    """Validate the content without writing anything."""
    _, problems = analyse(project, stages)
    return problems


def build(
    project: Project, *, strict: bool = False, run_site: bool = True, stages: Stages | None = None
) -> BuildResult:
    """The whole build. Nothing is written unless every earlier stage succeeded."""
    clock = stages or Stages()
    analysis, problems = analyse(project, clock)
    # A content error stops here: publishing would silently drop the broken article.
    if has_errors(problems, strict=strict):
        return BuildResult(problems, analysis, timings=tuple(clock.timings))
    with clock.stage("render") as stage:
        env = render.make_environment(project.abs_templates, project.abs_template_overrides)
        pages = render.render_site(
            env,
            analysis,
            project.site.site_name,
            latest_stories=project.site.settings.latest_stories,
        )
        render.check_unique(pages)
        stage.count(pages=len(pages))
    with clock.stage("publish"):
        publish(
            pages, project.abs_config, project.abs_site_src, project.abs_site, run_site=run_site
        )
    return BuildResult(problems, analysis, pages, tuple(clock.timings), published=True)
