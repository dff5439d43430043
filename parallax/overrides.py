"""Editorial overrides from overrides.yml: exclude, split, merge and retitle.

Pure. Overrides beat the algorithm. One that names no existing item, event or story is
reported as an error at its line in overrides.yml, with the closest id as a hint.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import TypeVar

from rapidfuzz import fuzz, process, utils

from parallax.model import Event, Item, Override, Story
from parallax.problems import Problem

HINT_CUTOFF = 70.0
NO_MATCH_HINT = 'run "python build.py clusters --json" to list the ids'

Titled = TypeVar("Titled", Event, Story)


def closest_hint(wanted: str, known: Iterable[str]) -> str:
    """`did you mean "x"?` for the closest known id, or how to list the ids."""
    match = process.extractOne(
        wanted,
        sorted(known),
        scorer=fuzz.ratio,
        processor=utils.default_process,
        score_cutoff=HINT_CUTOFF,
    )
    return NO_MATCH_HINT if match is None else f'did you mean "{match[0]}"?'


def _missing(override: Override, wanted: str, noun: str, known: Iterable[str]) -> Problem:
    message = f'no {noun} "{wanted}" to {override.action}'
    return Problem(override.origin, override.target_kind, message, closest_hint(wanted, known))


def normal_item_id(target: str) -> str:
    """An item id as overrides may write it: "articles/x/y.md#a" is "articles/x/y#a"."""
    path, hash_sign, anchor = target.partition("#")
    return path.removesuffix(".md") + hash_sign + anchor


def _targets(override: Override) -> tuple[str, ...]:
    if override.target_kind == "items":
        return tuple(normal_item_id(t) for t in override.targets)
    return override.targets


def _of(overrides: Sequence[Override], action: str) -> list[Override]:
    return [o for o in overrides if o.action == action]


def exclude_items(
    items: Sequence[Item], overrides: Sequence[Override]
) -> tuple[tuple[Item, ...], tuple[Problem, ...]]:
    """The items that no exclude override names, and a problem for each unknown id."""
    known = {item.id for item in items}
    excluded: set[str] = set()
    problems = []
    for override in _of(overrides, "exclude"):
        for target in _targets(override):
            if target in known:
                excluded.add(target)
            else:
                problems.append(_missing(override, target, "item", known))
    return tuple(i for i in items if i.id not in excluded), tuple(problems)


def split_groups(
    groups: Sequence[tuple[str, ...]], overrides: Sequence[Override]
) -> tuple[list[tuple[str, ...]], tuple[Problem, ...]]:
    """Each split override takes its items out of their events into one event of their own."""
    known = {i for group in groups for i in group}
    result = [tuple(g) for g in groups]
    problems = []
    for override in _of(overrides, "split"):
        chosen = set()
        for target in _targets(override):
            if target in known:
                chosen.add(target)
            else:
                problems.append(_missing(override, target, "item", known))
        if chosen:
            rest = (tuple(i for i in group if i not in chosen) for group in result)
            result = [group for group in rest if group] + [tuple(sorted(chosen))]
    return result, tuple(problems)


def merge_groups(
    events: Sequence[Event], overrides: Sequence[Override]
) -> tuple[list[tuple[str, ...]], tuple[Problem, ...]]:
    """The events' item groups, with the events each merge override names made one."""
    owner = {event.id: event.id for event in events}  # a union-find over event ids
    members = {event.id: event.item_ids for event in events}

    def find(event: str) -> str:
        while owner[event] != event:
            event = owner[event]
        return event

    problems = []
    for override in _of(overrides, "merge"):
        found = [t for t in _targets(override) if t in owner]
        missing = [t for t in override.targets if t not in owner]
        problems += [_missing(override, t, "event", owner) for t in missing]
        for other in found[1:]:
            first, second = sorted((find(found[0]), find(other)))
            owner[second] = first
    merged: dict[str, list[str]] = {}
    for event in sorted(owner):
        merged.setdefault(find(event), []).extend(members[event])
    return [tuple(group) for group in merged.values()], tuple(problems)


def retitle(
    things: tuple[Titled, ...], overrides: Sequence[Override], kind: str
) -> tuple[tuple[Titled, ...], tuple[Problem, ...]]:
    """Events or stories (`kind` "event" or "story") with the titles that overrides pin."""
    titles: dict[str, str] = {}
    known = {thing.id for thing in things}
    problems = []
    for override in _of(overrides, "retitle"):
        if override.target_kind != kind or override.title is None:
            continue
        for target in override.targets:
            if target in known:
                titles[target] = override.title
            else:
                problems.append(_missing(override, target, kind, known))
    renamed = tuple(
        dataclasses.replace(t, title=titles[t.id]) if t.id in titles else t for t in things
    )
    return renamed, tuple(problems)
