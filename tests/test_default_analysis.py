"""The repository's own content through the real pipeline: what a reader must be shown.

Runs `load_project` and `analyse` on content/ as `build.py` does, then checks the groupings
and points issues #3 and #4 name for the default content. tests/test_points.py checks the
same disputes through the claims stages alone; this test checks that clustering feeds them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parallax.model import Analysis, Point
from parallax.pipeline import analyse, load_project

ROOT = Path(__file__).resolve().parent.parent
KYIV_STRIKE = (
    "Kyiv’s air defenses shot down all 10 missiles fired by Russia overnight",
    "Kyiv targeted with ground-launched missiles overnight",
)


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    project, problems = load_project(ROOT / "mkdocs.yml")
    assert not [p for p in problems if p.is_error]
    result, problems = analyse(project)
    assert not [p for p in problems if p.is_error]
    return result


def event_of(analysis: Analysis, title_start: str) -> str:
    (item,) = [i for i in analysis.items if i.title.startswith(title_start)]
    return next(e.id for e in analysis.events if item.id in e.item_ids)


def points_between(analysis: Analysis, *speakers: str) -> list[Point]:
    speaker = {c.id: c.speaker for c in analysis.claims}
    return [p for p in analysis.points if set(speakers) <= {speaker[c] for c in p.claim_ids}]


def test_the_kyiv_strike_entries_of_the_live_blog_are_one_event(analysis):
    strike = {event_of(analysis, title) for title in KYIV_STRIKE}
    injured = {
        e.id
        for e in analysis.events
        for i in analysis.items
        if i.id in e.item_ids
        and "injured" in i.text
        and ("Popko" in i.text or "Klitschko" in i.text)
    }
    assert len(strike) == 1
    assert injured == strike


def test_the_kyiv_strike_event_holds_nothing_else(analysis):
    (event,) = [e for e in analysis.events if e.id == event_of(analysis, KYIV_STRIKE[0])]
    titles = sorted(i.title for i in analysis.items if i.id in event.item_ids)
    assert [t.split(":")[0] for t in titles] == sorted(KYIV_STRIKE)


def test_defence_ministers_months_apart_share_a_story(analysis):
    shoigu = event_of(analysis, "Russian Military Goals Unaffected")
    belousov = event_of(analysis, "Moscow outlines territorial gains")
    assert shoigu != belousov
    assert any({shoigu, belousov} <= set(s.event_ids) for s in analysis.stories)


def test_the_ministry_s_loss_figures_stand_in_one_point(analysis):
    (troops,) = [
        p
        for p in points_between(analysis, "Sergei Shoigu", "Andrey Belousov")
        if "troops" in p.label
    ]
    # Both figures come from Russia's side (Ukraine does not count its own losses here):
    # a story-level figure point reported by one side only is `single`, whatever the values.
    assert troops.status == "single"
    assert troops.label == "Ukrainian losses claimed: troops, July 2023 to May 2024"


def test_stories_stay_threads_not_the_whole_war(analysis):
    largest = max(len(s.event_ids) for s in analysis.stories)
    assert largest <= len(analysis.events) // 3


@pytest.mark.parametrize(
    ("status", "speakers"),
    [
        ("differ", ("Serhiy Popko", "Vitali Klitschko")),
        ("contradict", ("Oleksandr Syrskyi", "Yan Gagin")),
        ("contradict", ("Vladimir Medinsky", "Ramzan Kadyrov")),
    ],
)
def test_the_disputes_readers_must_see(analysis, status, speakers):
    assert status in {p.status for p in points_between(analysis, *speakers)}


def test_the_operation_will_continue_is_never_one_event(analysis):
    peskov = event_of(analysis, "Kremlin says the military operation in Ukraine will continue")
    medvedev = event_of(analysis, "Russian Military Goals Unaffected")
    assert peskov != medvedev
