"""Readable labels for points: "People injured in Kyiv, 1 June 2023", "Control of Bakhmut's flanks".

Pure; no I/O. Labels are made from the claims' own words: what the figures count, the place
the claims share, the day of the earliest item, or the clause a rebuttal answers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence

from parallax.contention import Facets
from parallax.model import Figure

UNIT_WORDS = {
    "people": "people",
    "troops": "troops",
    "equipment": "equipment",
    "km2": "territory",
    "km": "distance",
    "usd": "US dollars",
    "eur": "euros",
    "percent": "share",
}
ABOUT_WORDS = {"losses": "lost", "launched": "launched", "displaced": "displaced"}
SIDE_ADJECTIVES = {"ukraine": "Ukrainian", "russia": "Russian"}
AREA_WORDS = ("flank", "outskirts", "centre", "center", "suburbs")
_WOULD = re.compile(
    r"(?:^|,\s*|\bthat\s+)(?P<who>[A-Z][\w’']*(?: [A-Z][\w’']*)?)\s+would\s+(?P<what>[^,.;—–]+)"
)


def figure_label(
    figures: Sequence[Figure], facets: Sequence[Facets], whose: str | None, story: bool
) -> str:
    """What the figures count, where, and when: "People injured in Kyiv, 1 June 2023"."""
    first = figures[0]
    unit = UNIT_WORDS.get(first.unit, first.unit)
    owner = SIDE_ADJECTIVES.get(whose or "", "")
    if first.unit == "km2":
        base = f"{owner} territory claimed".strip()
    elif first.about in ("losses", "killed", "casualties") and story:
        base = f"{owner} losses claimed: {unit}".strip()
    elif first.about in ("count", "people", "distance", "share", "amount", "aid"):
        base = f"{owner} {unit}".strip() + (f" ({first.about})" if first.about != "count" else "")
    else:
        base = f"{owner} {unit} {ABOUT_WORDS.get(first.about, first.about)}".strip()
    # Across a story's events, a place is the question's only when every claim names it.
    place = _shared_place(facets, every=story)
    where = f" in {place}" if place else ""
    return _capitalise(base + where + _when(facets, story))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shared_place(facets: Sequence[Facets], *, every: bool = False) -> str | None:
    """The place every claim names, as written; or, unless `every`, the one most of them name."""
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for f in facets:
        for key, written in f.place_names:
            counts[key] += 1
            names.setdefault(key, written)
    if not counts:
        return None
    key, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return names[key] if count == len(facets) or (not every and count * 2 >= len(facets)) else None


def _day(date: dt.date) -> str:
    return f"{date.day} {date:%B} {date.year}"


def _when(facets: Sequence[Facets], story: bool) -> str:
    dates = sorted(f.published for f in facets if f.published != dt.date.min)
    if not dates:
        return ""
    if not story or dates[0] == dates[-1]:
        return f", {_day(dates[0])}"
    return f", {dates[0]:%B %Y} to {dates[-1]:%B %Y}"


def assertion_label(
    members: Sequence[Facets], kinds: Sequence[str], rebuttals: Sequence[tuple[Facets, Facets]]
) -> str:
    """ "Control of Bakhmut's flanks", "Whether Russia would limit military operations ..."."""
    if "control" in kinds:
        place = _shared_place([f for f in members if f.control is not None]) or "the area"
        text = " ".join(f.claim.sentence.text.lower() for f in members)
        area = next((w for w in AREA_WORDS if w in text), None)
        suffix = f"'s {'flanks' if area == 'flank' else area}" if area else ""
        return f"Control of {place}{suffix}"
    if rebuttals:
        a, b = rebuttals[0]
        rebutter, target = (
            (a, b) if a.claim.id != b.claim.id and a.rebuts and not b.rebuts else (b, a)
        )
        clause = _WOULD.search(target.claim.sentence.text)
        if clause:
            what = re.split(r"\s+(?:and|but|where|while|as)\s+", clause["what"])[0]
            return f"Whether {clause['who']} would {what.strip()}"
        return f"{_surname(target)}'s statement, disputed by {_surname(rebutter)}"
    shared = _shared_place(members)
    if shared:
        return f"Statements about {shared}"
    speakers = sorted({f.claim.speaker for f in members})
    return "Statements by " + ", ".join(speakers[:3])


def _surname(facets: Facets) -> str:
    return facets.claim.speaker.split()[-1]
