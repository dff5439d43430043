"""A synthetic war-news corpus with known events, for benchmarking the cluster stage.

Deterministic for a given seed. Events of 1-7 items are spread over several years; places
and actors are drawn with a skew, so a few recur across many events on the same days (the
hard negatives). Each outlet has its own habits: spelling variants of places, headline
style, how it says when, and whether it rounds figures.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from parallax.model import Actor, Item, Registries, SourceRef, Term, TermVariant

START = dt.date(2021, 1, 1)
DAYS = 3 * 365
HERE = SourceRef("bench/synth.py")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SYLLABLES = _words("ka lo mi ra vo den sk ov ny pol bor zar ivan tse gor lu che mar sta vel")
FIRST_NAMES = _words("Oleh Ivan Petro Anna Dmitry Sergei Olena Maria Yuri Taras Pavel Irina")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = "January February March April May June July August September October November December"

# (headline verb phrase, lead verb phrase, what the figure counts) per kind of event.
KINDS = (
    ("strike hits", "struck", "killed"),
    ("shelling of", "shelled", "wounded"),
    ("drone attack on", "attacked with drones", "injured"),
    ("explosions rock", "reported explosions in", "injured"),
    ("evacuation from", "began evacuating", "evacuated"),
    ("talks in", "held talks in", "delegates"),
    ("prisoner swap near", "exchanged prisoners near", "prisoners"),
    ("blackout in", "lost power in", "homes"),
    ("troops enter", "entered", "square kilometres"),
    ("visit to", "visited", "officials"),
)


@dataclass(frozen=True, slots=True)
class Outlet:
    """One invented outlet and its wording habits."""

    key: str
    variant: int  # which spelling of a place it uses: 0 canonical, 1 the other
    question: bool  # asks questions in headlines
    weekday: bool  # says "on Tuesday" rather than "on June 6"
    rounds: bool  # "about 20" rather than "21"


OUTLETS = (
    Outlet("wire", 0, False, False, False),
    Outlet("herald", 0, False, True, True),
    Outlet("vestnik", 1, False, True, False),
    Outlet("dnipro", 0, False, False, True),
    Outlet("monitor", 1, True, True, False),
    Outlet("pulse", 0, False, False, False),
    Outlet("courier", 0, True, False, True),
    Outlet("gazeta", 1, False, False, False),
)


@dataclass(frozen=True, slots=True)
class SyntheticCorpus:
    """Items with the event each truly belongs to, and the registries they were written with."""

    items: tuple[Item, ...]
    truth: dict[str, int]  # item id -> event number
    registries: Registries


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def _places(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Place names, each with a second spelling ("Novohorsk", "Novogorsk")."""
    names = sorted({_word(rng, 3) for _ in range(count * 2)})[:count]
    rng.shuffle(names)
    return [(n, n.replace("o", "a", 1) + "e") for n in names]


def _people(rng: random.Random, count: int) -> list[str]:
    names = sorted({f"{rng.choice(FIRST_NAMES)} {_word(rng, 3)}ko" for _ in range(count * 2)})
    rng.shuffle(names)
    return names[:count]


def _registries(places: Sequence[tuple[str, str]], people: Sequence[str]) -> Registries:
    terms = tuple(
        Term(f"p{n}", a, (TermVariant(a, ()), TermVariant(b, ())), HERE)
        for n, (a, b) in enumerate(places)
    )
    actors = tuple(
        Actor(f"a{n}", name, (name.split()[1],), None, None, HERE) for n, name in enumerate(people)
    )
    return Registries(actors=actors, terms=terms)


def _skewed(rng: random.Random, values: Sequence[object]) -> int:
    """An index into values, small ones more often: the first 1% get about 10% of draws."""
    return int(len(values) * rng.random() ** 2)


def _when(outlet: Outlet, day: dt.date) -> str:
    if outlet.weekday:
        return f"on {WEEKDAYS[day.weekday()]}"
    return f"on {MONTHS.split()[day.month - 1]} {day.day}"


@dataclass(frozen=True, slots=True)
class _Event:
    number: int
    day: dt.date
    kind: tuple[str, str, str]
    place: tuple[str, str]  # where, in both spellings
    near: tuple[str, str]
    person: str
    figure: int


FILLERS = (
    "Officials gave no further details.",
    "The report could not be verified independently.",
    "More updates will follow.",
)


def _item(outlet: Outlet, event: _Event, published: dt.date, number: int, filler: str) -> Item:
    place, near = event.place[outlet.variant], event.near[outlet.variant]
    head, verb, counted = event.kind
    figure = event.figure
    shown = f"about {round(figure, -1) or figure}" if outlet.rounds else str(figure)
    title = f"{head.capitalize()} {place}" + ("?" if outlet.question else f", {shown} {counted}")
    lead = (
        f"Forces {verb} {place} near {near} {_when(outlet, event.day)}, "
        f"{event.person} said, and {shown} were {counted}."
    )
    article_id = f"articles/{outlet.key}/{published.isoformat()}-e{event.number}-{number}"
    return Item(article_id, None, outlet.key, published, title, f"{lead} {filler}")


def _event(
    rng: random.Random, number: int, span: int, places: list[tuple[str, str]], people: list[str]
) -> _Event:
    return _Event(
        number=number,
        day=START + dt.timedelta(days=rng.randrange(span)),
        kind=rng.choice(KINDS),
        place=places[_skewed(rng, places)],
        near=places[rng.randrange(len(places))],
        person=people[_skewed(rng, people)],
        figure=rng.randrange(3, 400),
    )


def make_corpus(size: int, seed: int = 7) -> SyntheticCorpus:
    """About `size` items, in events of 1-7 items from different outlets."""
    rng = random.Random(seed)
    places = _places(rng, max(50, size // 40))
    people = _people(rng, max(30, size // 80))
    span = max(30, int(DAYS * min(1.0, size / 30_000)))  # a year per 10k items, at most three
    items: list[Item] = []
    truth: dict[str, int] = {}
    number = 0
    while len(items) < size:
        event = _event(rng, number, span, places, people)
        for k, outlet in enumerate(rng.sample(OUTLETS, rng.randint(1, 7))):
            published = event.day + dt.timedelta(days=rng.choice((0, 0, 0, 1, 1, 2)))
            item = _item(outlet, event, published, k, rng.choice(FILLERS))
            items.append(item)
            truth[item.id] = number
        number += 1
    items = items[:size]
    return SyntheticCorpus(
        tuple(items), {i.id: truth[i.id] for i in items}, _registries(places, people)
    )
