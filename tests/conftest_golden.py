"""The `--update-golden` option and a small hand-written analysed corpus for the page tests.

The corpus is fiction (a dam on an invented river, invented officials), small enough to read in
full, and covers every page part: two stories, a live blog, points of each status, framing
words, grouping evidence, a blind spot and one article full of hostile text (issue #7).
Register this file with `pytest_plugins = ("conftest_golden",)` in tests/conftest.py so the
option exists; without that, PARALLAX_UPDATE_GOLDEN=1 does the same.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest

from parallax.model import (
    Actor,
    Analysis,
    Article,
    Claim,
    Corpus,
    Event,
    Evidence,
    Figure,
    Item,
    Point,
    Registries,
    Sentence,
    Source,
    SourceRef,
    Span,
    Story,
    Term,
    TermVariant,
)
from parallax.publish import GENERATED, publish
from parallax.render import make_environment, render_site


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/ from the current output instead of comparing with it.",
    )


def wants_golden_update(config: pytest.Config) -> bool:
    """True when the golden files should be rewritten: the option, or the variable."""
    flag = bool(config.getoption("--update-golden", default=False))
    return flag or os.environ.get("PARALLAX_UPDATE_GOLDEN") == "1"


HOSTILE = (
    '<script>alert("x")</script> <img src=x onerror=alert(1)> {{ 7*7 }} {% raw %} '
    "[click](javascript:alert(1)) ![i](http://evil.example/i.png) | a | b | "
    "\u202egnp.exe &lt;b&gt; " + "W" * 120
)


def _ref(path: str) -> SourceRef:
    return SourceRef(path, 1)


def _source(key: str, name: str, group: str, country: str) -> Source:
    return Source(key, name, f"{key}.example", country, group, None, None, _ref("sources.yml"))


SOURCES = (
    _source("hostile", HOSTILE[:60], "other", "ZZ"),
    _source("kyivpost", "Kyiv Courier", "ukrainian", "UA"),
    _source("newswire", "Newswire", "western", "US"),
    _source("tass", "TASS", "russian-state", "RU"),
)
ACTORS = (
    Actor(
        "olena-marchenko",
        "Olena Marchenko",
        ("Marchenko",),
        "Lysivka council",
        "ukraine",
        _ref("actors.yml"),
    ),
    Actor(
        "igor-volkov",
        "Igor Volkov",
        ("Volkov",),
        "Veresk region administration",
        "russia",
        _ref("actors.yml"),
    ),
)
TERMS = (
    Term(
        "kyiv",
        "The capital of Ukraine",
        (TermVariant("Kyiv", ("ukrainian", "western")), TermVariant("Kiev", ("russian-state",))),
        _ref("terms.yml"),
    ),
)


def _sentences(text: str) -> tuple[Sentence, ...]:
    found = []
    for index, match in enumerate(re.finditer(r"[^.!?\n]+[.!?]+", text)):
        start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
        found.append(Sentence(index, text[start : match.end()], Span(start, match.end())))
    return tuple(found)


def _article(id_: str, title: str, day: int, body: str, kind: str = "article") -> Article:
    source = id_.split("/")[1]
    return Article(
        id=id_,
        source=source,
        title=title,
        published=dt.date(2024, 3, day),
        published_at=None,
        url=f"https://{source}.example/{day}",
        authors=(),
        language="en",
        kind=kind,
        tags=(),
        body=body,
        body_line=5,
        origin=_ref(id_ + ".md"),
    )


def _item(
    article: Article,
    text: str,
    anchor: str | None = None,
    title: str | None = None,
    figures: tuple[Figure, ...] = (),
) -> Item:
    return Item(
        article_id=article.id,
        anchor=anchor,
        source=article.source,
        published=article.published,
        title=title or article.title,
        text=text,
        sentences=_sentences(text),
        figures=figures,
    )


NW_TEXT = (
    "The Veresk dam was breached early on Monday. Olena Marchenko said 1,200 people were "
    "evacuated from Lysivka.\n\nShe said the dam was destroyed by shelling. Aid arrived from Kyiv."
)
TASS_TEXT = (
    "A dam on the Veresk river collapsed. Igor Volkov said about 300 people were evacuated.\n\n"
    "Volkov said the dam collapsed because of Ukrainian shelling. Officials in Kiev were silent."
)
LIVE_TEXT = (
    "Water is still rising downstream. The emergency service said the water will peak on Wednesday."
)
LIVE2_TEXT = "Every resident of Lysivka has left, the council said."
NW2_TEXT = "Olena Marchenko said all residents of Lysivka had left the town."
GRAIN_TEXT = "Talks on grain shipments resumed in Istanbul. Igor Volkov said a deal was close."

NW = _article("articles/newswire/2024-03-04-veresk-dam-breached", "Veresk dam breached", 4, NW_TEXT)
TASS = _article(
    "articles/tass/2024-03-04-dam-collapse", "Dam collapses on the Veresk", 4, TASS_TEXT
)
LIVE = _article(
    "articles/kyivpost/2024-03-05-live-veresk",
    "Live: Veresk flood",
    5,
    "## Water rising\n\n" + LIVE_TEXT + "\n\n## Lysivka empty\n\n" + LIVE2_TEXT,
    kind="liveblog",
)
NW2 = _article("articles/newswire/2024-03-07-lysivka-evacuated", "Lysivka evacuated", 7, NW2_TEXT)
GRAIN = _article("articles/tass/2024-03-10-grain-talks", "Grain talks resume", 10, GRAIN_TEXT)
BAD = _article("articles/hostile/2024-03-10-hostile", HOSTILE, 10, HOSTILE + ". " + HOSTILE)

EVAC_1200 = Figure(1200, "people", "evacuated", None, "1,200 people")
EVAC_300 = Figure(300, "people", "evacuated", "about", "about 300 people")

ITEMS = (
    _item(NW, NW_TEXT, figures=(EVAC_1200,)),
    _item(TASS, TASS_TEXT, figures=(EVAC_300,)),
    _item(LIVE, LIVE_TEXT, "water-rising", "Water rising"),
    _item(LIVE, LIVE2_TEXT, "lysivka-empty", "Lysivka empty"),
    _item(NW2, NW2_TEXT),
    _item(GRAIN, GRAIN_TEXT),
    _item(BAD, BAD.body),
)
I_NW, I_TASS, I_LIVE1, I_LIVE2, I_NW2, I_GRAIN, I_BAD = ITEMS


def _claim(
    id_: str,
    item: Item,
    n: int,
    speaker: str,
    actor: str | None,
    side: str | None,
    event: str,
    quote: bool = False,
    figures: tuple[Figure, ...] = (),
) -> Claim:
    return Claim(
        id_, item.id, event, item.source, item.sentences[n], speaker, actor, side, quote, figures
    )


E1, E2, E3 = "2024-03-04-veresk-dam", "2024-03-07-lysivka", "2024-03-10-grain"
CLAIMS = (
    _claim(
        "c-nw-evac",
        I_NW,
        1,
        "Olena Marchenko",
        "olena-marchenko",
        "ukraine",
        E1,
        False,
        (EVAC_1200,),
    ),
    _claim(
        "c-tass-evac", I_TASS, 1, "Igor Volkov", "igor-volkov", "russia", E1, False, (EVAC_300,)
    ),
    _claim("c-nw-cause", I_NW, 2, "Olena Marchenko", "olena-marchenko", "ukraine", E1, True),
    _claim("c-tass-cause", I_TASS, 2, "Igor Volkov", "igor-volkov", "russia", E1),
    _claim("c-live-peak", I_LIVE1, 1, "State Emergency Service", None, "ukraine", E1),
    _claim("c-nw2-left", I_NW2, 0, "Olena Marchenko", "olena-marchenko", "ukraine", E2),
    _claim("c-live-left", I_LIVE2, 0, "Lysivka council", None, "ukraine", E2),
    _claim("c-grain", I_GRAIN, 1, "Igor Volkov", "igor-volkov", "russia", E3),
    _claim("c-bad", I_BAD, 0, HOSTILE, None, HOSTILE, E3, True),
)
POINTS = (
    Point("p-evac", E1, "People evacuated", ("c-nw-evac", "c-tass-evac"), "differ"),
    Point("p-cause", E1, "What destroyed the dam", ("c-nw-cause", "c-tass-cause"), "contradict"),
    Point("p-peak", E1, "When the water peaks", ("c-live-peak",), "single"),
    Point("p-left", E2, "Whether Lysivka is empty", ("c-nw2-left", "c-live-left"), "agree"),
    Point("p-bad", E3, HOSTILE, ("c-bad",), "single"),
)
EVENTS = (
    Event(
        E1,
        (I_NW.id, I_TASS.id, I_LIVE1.id),
        "Veresk dam breached",
        dt.date(2024, 3, 4),
        dt.date(2024, 3, 5),
        (
            Evidence((I_NW.id, I_TASS.id), 71.5, ("Veresk", "dam", "evacuated")),
            Evidence((I_NW.id, I_LIVE1.id), 64.0, ("Veresk",)),
        ),
    ),
    Event(
        E2, (I_NW2.id, I_LIVE2.id), "Lysivka evacuated", dt.date(2024, 3, 5), dt.date(2024, 3, 7)
    ),
    Event(
        E3,
        (I_GRAIN.id, I_BAD.id),
        "Grain talks resume",
        dt.date(2024, 3, 10),
        dt.date(2024, 3, 10),
        (Evidence((I_GRAIN.id, I_BAD.id), 63.0, (HOSTILE,)),),
    ),
)
STORIES = (
    Story("veresk-dam", (E1, E2), "The Veresk dam"),
    Story("grain-talks", (E3,), "Grain talks"),
)
FRAMING = (
    (I_NW.id, (("kyiv", "Kyiv"),)),
    (I_TASS.id, (("kyiv", "Kiev"),)),
)


def site_analysis() -> Analysis:
    """The hand-written analysed corpus every page test renders."""
    corpus = Corpus(
        root="tests/fixtures/site/content",
        articles=(NW, TASS, LIVE, NW2, GRAIN, BAD),
        registries=Registries(sources=SOURCES, actors=ACTORS, terms=TERMS),
    )
    return Analysis(corpus, ITEMS, EVENTS, STORIES, CLAIMS, POINTS, FRAMING)


REPO = Path(__file__).resolve().parent.parent


def build_fixture_site(abs_root: Path, *, search: bool = True) -> Path:
    """A project at `abs_root` with the repository's config, templates and hand-written pages,
    built from `site_analysis()` by `mkdocs build --strict` (and Pagefind when `search`)."""
    abs_root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", abs_root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", abs_root / "templates")
    shutil.copytree(
        REPO / "site_src",
        abs_root / "site_src",
        ignore=lambda folder, names: (
            [n for n in names if n in GENERATED or n.startswith(".")]
            if Path(folder) == REPO / "site_src"
            else []
        ),
    )
    env = make_environment(abs_root / "templates")
    pages = render_site(env, site_analysis(), "Parallax")
    publish(pages, abs_root / "mkdocs.yml", abs_root / "site_src", abs_root / "site")
    if search:
        from parallax.search import build_search_index

        build_search_index(abs_root / "site")
    return abs_root
