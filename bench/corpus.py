"""A synthetic digest project on disk: content folder, registries, mkdocs.yml, templates.

`write_project(root, size)` writes `size` article files in the contributors' format
(`content/articles/<source>/<YYYY-MM-DD>-<slug>.md` with front matter) and the registries
`sources.yml`, `actors.yml` and `terms.yml`, so the whole build runs on it exactly as on a
real digest. Deterministic for a seed.

What makes it realistic enough to time every stage:
- eight outlets in four perspective groups, each with its own habits (place spellings, the
  words for the war, question headlines, "on Tuesday" or "on June 6", rounded figures);
- events of 1-7 articles published over 0-2 days; about one file in twenty is a live blog
  of 3-8 entries, each entry about an event of that day;
- places and people drawn with a skew, so the same names recur across many events and days;
- bodies of 12-20 sentences: attributed statements and quotes (for claims), figures with
  qualifiers, rebuttals, control claims, and varied narration, about 300-450 words;
- dates spread over up to three years (a year per 10k articles).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from synth import (
    DAYS,
    FIRST_NAMES,
    KINDS,
    MONTHS,
    START,
    WEEKDAYS,
    _people,
    _places,
    _skewed,
    _words,
)

REPO = Path(__file__).resolve().parent.parent
# Contested spellings in terms.yml: the most frequent places only. A registry is a YAML file
# like any other, refused above 20,000 values (frontmatter.MAX_NODES), about 2,400 terms.
MAX_TERMS = 400


@dataclass(frozen=True, slots=True)
class Outlet:
    """One invented outlet and its wording habits."""

    key: str
    name: str
    group: str
    country: str
    variant: int  # which spelling of a place it uses: 0 canonical, 1 the other
    question: bool  # asks questions in headlines
    weekday: bool  # "on Tuesday" rather than "on June 6"
    rounds: bool  # "about 20" rather than "21"
    war_word: str  # how it names the war


OUTLETS = (
    Outlet("wire", "Northwire", "western", "GB", 0, False, False, False, "the war"),
    Outlet("herald", "The Herald", "western", "US", 0, False, True, True, "the invasion"),
    Outlet("vestnik", "Vestnik", "russian-state", "RU", 1, False, True, False,
           "the special military operation"),
    Outlet("dnipro", "Dnipro Daily", "ukrainian", "UA", 0, False, False, True,
           "the full-scale invasion"),
    Outlet("monitor", "Monitor", "russian-state", "RU", 1, True, True, False,
           "the special military operation"),
    Outlet("pulse", "Pulse", "other", "IN", 0, False, False, False, "the conflict"),
    Outlet("courier", "Courier", "western", "DE", 0, True, False, True, "the war"),
    Outlet("gazeta", "Gazeta", "russian-state", "BY", 1, False, False, False,
           "the special military operation"),
)  # fmt: skip
SIDES = ("russia", "ukraine", "west")
ROLES = {
    "russia": ("Defence Minister", "Kremlin spokesman", "regional governor", "General"),
    "ukraine": ("Mayor", "Deputy Defence Minister", "regional governor", "Colonel"),
    "west": ("Secretary of State", "NATO Secretary General", "ambassador", "envoy"),
}
# Narration is put together from parts, so that two articles rarely share a run of four
# words unless they copy each other (as real reports from different outlets rarely do);
# each outlet adds its own line of boilerplate, as real outlets do.
WHO = _words(
    "Residents Witnesses Volunteers Medics Neighbours Journalists Teachers Farmers "
    "Drivers Engineers Firefighters Pensioners Students Shopkeepers Priests Nurses"
)
SAW = (
    "reported",
    "described",
    "filmed",
    "heard",
    "counted",
    "photographed",
    "mentioned",
    "recalled",
    "feared",
    "noticed",
    "posted pictures of",
    "spoke of",
)
WHAT = (
    "several loud blasts",
    "a column of black smoke",
    "damaged apartment blocks",
    "burning cars",
    "a downed drone",
    "shattered windows",
    "craters in the road",
    "a collapsed roof",
    "long queues for water",
    "sirens and gunfire",
    "flares overhead",
    "military trucks",
    "fallen power lines",
    "a fire at a warehouse",
    "armoured vehicles",
    "an empty school",
    "a damaged bridge",
    "crowded shelters",
    "a burning fuel depot",
)
WHERE = (
    "in {place}",
    "near the station in {place}",
    "on the edge of {near}",
    "along the river in {place}",
    "outside {near}",
    "in the centre of {place}",
    "on the road to {near}",
    "in the villages around {place}",
    "east of {near}",
)
WHEN = (
    "before dawn",
    "on {when}",
    "shortly after midnight",
    "in the early afternoon",
    "late in the evening",
    "over the weekend",
    "during the night",
    "at around {hour}",
)
AFTER = (
    "",
    ", officials said",
    ", according to local media",
    ", a witness said",
    ", the regional administration said",
    ", footage showed",
    ", reports said",
)
BOILERPLATE = {
    "wire": "The claims could not be independently verified.",
    "herald": "The Herald has reached out to both governments for comment.",
    "vestnik": "Vestnik will continue to follow the situation.",
    "dnipro": "Support independent Ukrainian journalism.",
    "monitor": "Follow our coverage for further updates.",
    "pulse": "This is a developing story.",
    "courier": "With reporting from our correspondents in the region.",
    "gazeta": "Subscribe to our channel for the latest news.",
}


def _narration(rng: random.Random, fill: dict[str, str]) -> str:
    sentence = " ".join(
        (rng.choice(WHO), rng.choice(SAW), rng.choice(WHAT), rng.choice(WHERE),
         rng.choice(WHEN))
    ) + rng.choice(AFTER) + "."  # fmt: skip
    return sentence.format(**fill)


@dataclass(frozen=True, slots=True)
class Person:
    """A synthetic actor: canonical name, the other spelling of the first name, side, role."""

    key: str
    name: str
    alias: str
    side: str
    role: str


@dataclass(frozen=True, slots=True)
class _Event:
    number: int
    day: dt.date
    kind: tuple[str, str, str]
    place: tuple[str, str]
    near: tuple[str, str]
    speaker: Person
    other: Person
    figure: int


@dataclass(frozen=True, slots=True)
class World:
    """The names a corpus draws from."""

    places: list[tuple[str, str]]
    people: list[Person]
    span: int  # days the corpus covers


def make_world(size: int, rng: random.Random) -> World:
    places = _places(rng, max(50, size // 40))
    wanted = max(30, size // 80)
    by_surname = {name.split()[1]: name for name in reversed(_people(rng, 2 * wanted))}
    names = sorted(by_surname.values())[:wanted]  # one person per surname: aliases stay unique
    people = []
    for n, name in enumerate(names):
        side = SIDES[n % len(SIDES)]
        first, last = name.split()
        alias_first = {"Dmitry": "Dmitri", "Sergei": "Sergey", "Yuri": "Yury"}.get(first, first)
        people.append(Person(f"a{n}", name, f"{alias_first} {last}", side, ROLES[side][n % 4]))
    span = max(30, int(DAYS * min(1.0, size / 30_000)))
    return World(places, people, span)


def _when(outlet: Outlet, day: dt.date) -> str:
    if outlet.weekday:
        return WEEKDAYS[day.weekday()]
    return f"{MONTHS.split()[day.month - 1]} {day.day}"


def _shown(outlet: Outlet, figure: int, rng: random.Random) -> str:
    if outlet.rounds:
        return f"about {round(figure, -1) or figure}"
    return rng.choice(("", "at least ", "more than ")) + f"{figure:,}"


def _title(outlet: Outlet, event: _Event, rng: random.Random) -> str:
    head, _, counted = event.kind
    place = event.place[outlet.variant]
    if outlet.question:
        return f"{head.capitalize()} {place}: what we know?"
    return f"{head.capitalize()} {place}, {_shown(outlet, event.figure, rng)} {counted}"


def _statements(outlet: Outlet, event: _Event, rng: random.Random) -> list[str]:
    """Attributed sentences: what the claims stage reads."""
    _, verb, counted = event.kind
    place, near = event.place[outlet.variant], event.near[outlet.variant]
    speaker, other = event.speaker, event.other
    surname, other_surname = speaker.name.split()[1], other.name.split()[1]
    other_figure = max(1, event.figure + rng.randint(-event.figure // 3, event.figure // 3))
    return [
        f"{speaker.role} {speaker.name} said {_shown(outlet, event.figure, rng)} people were "
        f"{counted} in {place}.",
        f"“The situation in {place} is difficult, but we are holding,” {surname} told reporters.",
        f"According to {other.role} {other.name}, the figure was {other_figure:,}.",
        f"{other_surname} denied the reports, saying {surname} is mistaken.",
        f"{speaker.role} {speaker.alias} added that forces {verb} positions near {near}.",
        f"“We will not retreat from {near},” {other_surname} said in a statement.",
        f"Some {rng.randint(5, 900)} square kilometres near {near} changed hands, officials said.",
    ]


def _body(outlet: Outlet, event: _Event, rng: random.Random) -> str:
    _, verb, _ = event.kind
    place, near = event.place[outlet.variant], event.near[outlet.variant]
    when = _when(outlet, event.day)
    fill = {
        "place": place,
        "near": near,
        "when": when,
        "hour": f"{rng.randint(1, 12)} {rng.choice(('am', 'pm'))}",
    }
    lead = f"Forces {verb} {place} near {near} on {when}, officials said."
    statements = _statements(outlet, event, rng)
    narration = [_narration(rng, fill) for _ in range(rng.randint(5, 10))]
    narration.append(f"{place} lies about {rng.randint(5, 300)} kilometres from {near}.")
    narration.append(
        f"Fighting has continued in the region for months as part of {outlet.war_word}."
    )
    sentences = statements[:2] + rng.sample(statements[2:], rng.randint(2, 5)) + narration
    rng.shuffle(sentences)
    sentences = [s[:1].upper() + s[1:] for s in sentences]
    paragraphs = [lead] + [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return "\n\n".join([*paragraphs, BOILERPLATE[outlet.key]]) + "\n"


def _front_matter(fields: dict[str, object]) -> str:
    lines = ["---"]
    for key, value in fields.items():
        if isinstance(value, str) and key in ("title", "author", "url"):
            value = json.dumps(value, ensure_ascii=False)  # a JSON string is YAML, quoted
        elif isinstance(value, list):
            value = "[" + ", ".join(map(str, value)) + "]"
        lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n---\n"


def _article(
    outlet: Outlet, event: _Event, published: dt.date, slug: str, rng: random.Random
) -> tuple[str, str]:
    title = _title(outlet, event, rng)
    rel = f"articles/{outlet.key}/{published.isoformat()}-{slug}.md"
    fields: dict[str, object] = {
        "title": title,
        "source": outlet.key,
        "published": published.isoformat(),
        "url": f"https://{outlet.key}.example/{published.year}/{slug}",
        "author": f"{rng.choice(FIRST_NAMES)} {outlet.name.split()[-1]}",
        "tags": [event.kind[2].replace(" ", "-"), event.place[0].lower()],
    }
    return rel, _front_matter(fields) + _body(outlet, event, rng)


def _liveblog(
    outlet: Outlet, events: Sequence[_Event], day: dt.date, slug: str, rng: random.Random
) -> tuple[str, str]:
    rel = f"articles/{outlet.key}/{day.isoformat()}-{slug}.md"
    entries = []
    for event in events:
        paragraphs = _body(outlet, event, rng).split("\n\n")[:3]
        entries.append(f"## {_title(outlet, event, rng)}\n\n" + "\n\n".join(paragraphs))
    fields: dict[str, object] = {
        "title": f"Live: {outlet.war_word}, {day.strftime('%B')} {day.day}",
        "source": outlet.key,
        "published": day.isoformat(),
        "url": f"https://{outlet.key}.example/live/{day.isoformat()}-{slug}",
        "kind": "liveblog",
    }
    return rel, _front_matter(fields) + "\n\n".join(e.rstrip("\n") for e in entries).rstrip(
        "\n"
    ) + "\n"


def _event(rng: random.Random, number: int, world: World) -> _Event:
    people, places = world.people, world.places
    speaker = people[_skewed(rng, people)]
    other = people[_skewed(rng, people)]
    if other == speaker:
        other = people[(people.index(speaker) + 1) % len(people)]
    return _Event(
        number=number,
        day=START + dt.timedelta(days=rng.randrange(world.span)),
        kind=rng.choice(KINDS),
        place=places[_skewed(rng, places)],
        near=places[rng.randrange(len(places))],
        speaker=speaker,
        other=other,
        figure=rng.randrange(3, 400),
    )


def articles(size: int, seed: int = 7) -> Iterator[tuple[str, str]]:
    """(content-relative path, file text) of `size` articles."""
    rng = random.Random(seed)
    world = make_world(size, rng)
    written = 0
    number = 0
    while written < size:
        event = _event(rng, number, world)
        if rng.random() < 0.05:  # a live blog: this event and others of the day
            outlet = rng.choice(OUTLETS)
            others = [_event(rng, number + k, world) for k in range(1, rng.randint(3, 8))]
            day_events = [event] + [dt_replace(e, event.day) for e in others]
            yield _liveblog(outlet, day_events, event.day, f"live-{number}", rng)
            written += 1
            number += len(day_events)
            continue
        for k, outlet in enumerate(rng.sample(OUTLETS, rng.randint(1, 7))):
            if written == size:
                break
            published = event.day + dt.timedelta(days=rng.choice((0, 0, 0, 1, 1, 2)))
            yield _article(outlet, event, published, f"e{number}-{k}", rng)
            written += 1
        number += 1


def dt_replace(event: _Event, day: dt.date) -> _Event:
    """The event moved to `day` (live-blog entries are all of one day)."""
    return _Event(event.number, day, event.kind, event.place, event.near, event.speaker,
                  event.other, event.figure)  # fmt: skip


def registries(size: int, seed: int = 7) -> dict[str, str]:
    """The text of sources.yml, actors.yml and terms.yml for a corpus of `size`."""
    world = make_world(size, random.Random(seed))
    sources = [
        f"{o.key}:\n  name: {o.name}\n  domain: {o.key}.example\n  country: {o.country}\n"
        f"  group: {o.group}\n"
        for o in OUTLETS
    ]
    actors = [
        f"{p.key}:\n  name: {p.name}\n  aliases: [{p.alias}, {p.name.split()[1]}]\n"
        f"  affiliation: {p.role}\n  side: {p.side}\n"
        for p in world.people
    ]
    terms = [
        f"p{n}:\n  concept: a place\n  variants:\n"
        f"    - text: {a}\n      used_by: [western, ukrainian]\n"
        f"    - text: {b}\n      used_by: [russian-state]\n"
        for n, (a, b) in enumerate(world.places[:MAX_TERMS])
    ]
    terms.append(
        "war:\n  concept: the war\n  variants:\n"
        "    - text: full-scale invasion\n      used_by: [ukrainian]\n"
        "    - text: invasion\n      used_by: [western]\n"
        "    - text: special military operation\n      used_by: [russian-state]\n"
    )
    return {
        "sources.yml": "\n".join(sources),
        "actors.yml": "\n".join(actors),
        "terms.yml": "\n".join(terms),
    }


def write_content(abs_content: Path, size: int, seed: int = 7) -> int:
    """Write the corpus into `abs_content`; returns the number of article files."""
    for name, text in registries(size, seed).items():
        (abs_content / name).parent.mkdir(parents=True, exist_ok=True)
        (abs_content / name).write_text(text, encoding="utf-8")
    return _write_all(abs_content, articles(size, seed))


def _write_all(abs_content: Path, files: Iterable[tuple[str, str]]) -> int:
    """Write (content-relative path, text) files; returns how many."""
    count = 0
    made: set[Path] = set()
    for rel, text in files:
        abs_path = abs_content / rel
        if abs_path.parent not in made:
            abs_path.parent.mkdir(parents=True, exist_ok=True)
            made.add(abs_path.parent)
        abs_path.write_text(text, encoding="utf-8")
        count += 1
    return count


def write_project(abs_root: Path, size: int, seed: int = 7) -> Path:
    """A digest project at `abs_root` (wiped first); returns the path of its mkdocs.yml.

    The templates are linked to this repository's, so the benchmark times today's code;
    the hand-written pages of site_src/ are copied.
    """
    if abs_root.exists():
        shutil.rmtree(abs_root)
    abs_root.mkdir(parents=True)
    shutil.copy2(REPO / "mkdocs.yml", abs_root / "mkdocs.yml")
    (abs_root / "templates").symlink_to(REPO / "templates")
    site_src = abs_root / "site_src"
    site_src.mkdir()
    for name in ("about.md", "methodology.md", "search.md", "assets"):
        source = REPO / "site_src" / name
        if source.is_dir():
            shutil.copytree(source, site_src / name)
        elif source.exists():
            shutil.copy2(source, site_src / name)
    write_content(abs_root / "content", size, seed)
    return abs_root / "mkdocs.yml"


def add_article(abs_content: Path, size: int, seed: int = 7, number: int = 0) -> str:
    """Write one more article into a corpus of `size`; returns its content-relative path.

    It reports a new event with the corpus's names, on a day inside the corpus's span.
    """
    world = make_world(size, random.Random(seed))
    rng = random.Random(seed * 1000 + number)
    event = _event(rng, 10**7 + number, world)
    rel, text = _article(rng.choice(OUTLETS), event, event.day, f"added-{number}", rng)
    (abs_content / rel).parent.mkdir(parents=True, exist_ok=True)
    (abs_content / rel).write_text(text, encoding="utf-8")
    return rel


def add_day(abs_content: Path, size: int, count: int, seed: int = 7) -> int:
    """Write a day's news into a corpus of `size`: `count` articles about new events, each
    reported by 1-7 outlets, on the day after the corpus's last. Returns the articles written.
    """
    return _write_all(abs_content, itertools.islice(_day_articles(size, count, seed), count))


def _day_articles(size: int, count: int, seed: int) -> Iterator[tuple[str, str]]:
    world = make_world(size, random.Random(seed))
    rng = random.Random(seed * 7919 + count)
    day = START + dt.timedelta(days=world.span)
    for number in itertools.count(2 * 10**7):
        event = dt_replace(_event(rng, number, world), day)
        for k, outlet in enumerate(rng.sample(OUTLETS, rng.randint(1, 7))):
            yield _article(outlet, event, day, f"day-{number}-{k}", rng)
