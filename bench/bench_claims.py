"""Benchmark the claims stage: extract claims from 10k synthetic items and align them into points.

The generator below writes news-like items (about ten sentences each: attributed statements,
quotes over two sentences, "he said", figures with qualifiers, control claims, rebuttals and
plain narration), five items to an event and four events to a story, deterministically for a
seed. Only `extract_claims` and `align_claims` are timed.

    .venv/bin/python bench/bench_claims.py           # 10,000 items
    .venv/bin/python bench/bench_claims.py 50000     # a chosen size
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from parallax.claims import align_claims, extract_claims
from parallax.model import (
    Actor,
    Event,
    Item,
    Registries,
    SourceRef,
    Story,
    Term,
    TermVariant,
)
from parallax.segment import split_sentences

ITEMS_PER_EVENT = 5
EVENTS_PER_STORY = 4
SOURCES = ("cnn", "rt", "wsj", "bbc", "tass", "kyivindependent")
PLACES = ("Avdiivka", "Marinka", "Lyman", "Kupiansk", "Vuhledar", "Orikhiv", "Robotyne", "Siversk")
PEOPLE = (
    ("Oksana Hrytsenko", "ukraine", "Deputy Defence Minister"),
    ("Pavlo Bondar", "ukraine", "Mayor"),
    ("Mykola Tkachenko", "ukraine", "Gen."),
    ("Gleb Orlov", "russia", "Defence Minister"),
    ("Ilya Sokolov", "russia", "Kremlin spokesman"),
    ("Yegor Zorin", "russia", "regional leader"),
    ("Ellen Harper", "west", "Secretary of State"),
    ("Marta Novak", None, "analyst"),
)
WHERE = SourceRef("bench")


def _registries() -> Registries:
    actors = tuple(
        Actor(name.split()[-1].lower(), name, (name.split()[-1],), None, side, WHERE)
        for name, side, _ in PEOPLE
        if side is not None
    )
    terms = (Term("kyiv", "capital", (TermVariant("Kyiv", ()), TermVariant("Kiev", ())), WHERE),)
    return Registries(actors=actors, terms=terms)


def _sentences(rng: random.Random, place: str) -> list[str]:
    name, _, title = rng.choice(PEOPLE)
    other, _, _ = rng.choice(PEOPLE)
    surname = name.split()[-1]
    count = rng.randint(2, 40)
    return [
        f"Shelling hit {place} overnight and several buildings were damaged.",
        f"{title} {name} said at least {count} people were injured in {place}.",
        f"“The situation in {place} is difficult,” {surname} told reporters.",
        "“We will hold our positions. Reinforcements are on the way.”",
        f"He added that more than {rng.randint(1, 9)},{rng.randint(100, 999)} troops were lost.",
        f"According to {other}, the town is under the control of our forces.",
        f"Residents said the water in {place} was cut on {rng.choice(('May 3', 'June 12'))}.",
        f"{other} denied the reports, saying {surname} is mistaken.",
        f"Some {rng.randint(5, 90)} square kilometers near {place} changed hands, officials said.",
        "Trains were delayed and schools stayed closed.",
    ]


def make_corpus(
    n_items: int, seed: int = 7
) -> tuple[list[Item], list[Event], list[Story], dict[str, str]]:
    """Items, events, stories and each item's event, for `n_items` items."""
    rng = random.Random(seed)
    items, events, stories, event_of = [], [], [], {}
    start = dt.date(2023, 1, 1)
    for e in range(n_items // ITEMS_PER_EVENT):
        place = rng.choice(PLACES)
        day = start + dt.timedelta(days=e // 10)
        members = []
        for i in range(ITEMS_PER_EVENT):
            source = SOURCES[(e + i) % len(SOURCES)]
            text = " ".join(rng.sample(_sentences(rng, place), 8))
            article_id = f"articles/{source}/{day}-e{e}-{i}"
            title = f"Fighting near {place}"
            sentences = split_sentences(text)
            item = Item(article_id, None, source, day, title, text, sentences=sentences)
            members.append(item)
            event_of[item.id] = f"ev{e}"
        items += members
        events.append(Event(f"ev{e}", tuple(m.id for m in members), place, day, day))
        if e % EVENTS_PER_STORY == EVENTS_PER_STORY - 1:
            ids = tuple(f"ev{k}" for k in range(e - EVENTS_PER_STORY + 1, e + 1))
            stories.append(Story(f"st{e}", ids, place))
    return items, events, stories, event_of


def main(n_items: int) -> None:
    items, events, stories, event_of = make_corpus(n_items)
    registries = _registries()
    began = time.perf_counter()
    claims = [c for item in items for c in extract_claims(item, event_of[item.id], registries)]
    extracted = time.perf_counter()
    by_id = {item.id: item for item in items}
    points = align_claims(claims, events, stories, by_id, registries=registries)
    aligned = time.perf_counter()
    print(f"items {len(items):,}  events {len(events):,}  stories {len(stories):,}")
    print(f"claims {len(claims):,} in {extracted - began:.2f} s")
    print(f"points {len(points):,} in {aligned - extracted:.2f} s")
    print(f"total {aligned - began:.2f} s (budget 30 s for 10k items)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
