"""The word tables `figures` reads numbers with: number words, qualifiers, units, counted nouns.

Data only. Extend a table to teach `extract_figures` a new word; keys are lower case.
"""

from __future__ import annotations


def word_tuple(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SMALL_NUMBERS = word_tuple(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_TENS = word_tuple("twenty thirty forty fifty sixty seventy eighty ninety")
NUMBER_WORDS: dict[str, float] = {w: float(i) for i, w in enumerate(SMALL_NUMBERS)}
NUMBER_WORDS.update({w: float(20 + 10 * i) for i, w in enumerate(_TENS)})
NUMBER_WORDS.update({"a dozen": 12.0, "a hundred": 100.0, "a thousand": 1000.0})
SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
SCALES.update({"bn": 1e9, "mn": 1e6, "m": 1e6, "k": 1e3})
# Vague plurals: the value is the smallest amount the words allow, the words are the qualifier.
VAGUE = {
    "tens of thousands": 20_000.0,
    "hundreds of thousands": 200_000.0,
    "dozens": 24.0,
    "scores": 40.0,
    "hundreds": 200.0,
    "thousands": 2_000.0,
    "millions": 2_000_000.0,
}
QUALIFIERS = {
    "at least": "at least",
    "no fewer than": "at least",
    "more than": "more than",
    "over": "over",
    "upwards of": "more than",
    "nearly": "nearly",
    "almost": "nearly",
    "some": "some",
    "about": "about",
    "around": "about",
    "roughly": "about",
    "approximately": "about",
    "an estimated": "about",
    "up to": "up to",
    "as many as": "up to",
    "at most": "up to",
    "less than": "less than",
    "fewer than": "less than",
    "under": "less than",
}
CURRENCY_SIGNS = {"$": "usd", "us$": "usd", "€": "eur", "£": "gbp"}
CURRENCY_WORDS = {"dollar": "usd", "euro": "eur", "pound": "gbp", "ruble": "rub", "rouble": "rub"}
CURRENCY_WORDS.update({"hryvnia": "uah", "hryvnias": "uah"})
# Counted nouns (singular) and the unit they normalise to.
_NOUN_GROUPS = {
    "people": "people person civilian resident child children man men woman women boy girl refugee "
    "hostage",
    "troops": "troop serviceman servicemen soldier fighter militant personnel mercenary conscript "
    "reservist marine paratrooper prisoner",
    "missiles": "missile rocket",
    "drones": "drone uav",
    "tanks": "tank",
    "aircraft": "aircraft plane jet helicopter",
    "vehicles": "vehicle apc",
    "shells": "shell",
}
NOUN_UNITS = {word: unit for unit, names in _NOUN_GROUPS.items() for word in word_tuple(names)}
# "pieces of heavy weaponry", "units of military hardware": one unit, whatever the adjectives.
EQUIPMENT_WORDS = {"weaponry", "hardware", "equipment", "weapons", "armour", "armor", "artillery"}
AREA_UNITS = {"square kilometers": 1.0, "square kilometres": 1.0, "sq km": 1.0, "km2": 1.0}
AREA_UNITS.update({"km²": 1.0, "square miles": 2.589988, "sq miles": 2.589988, "hectares": 0.01})
LENGTH_UNITS = {"km": 1.0, "kilometers": 1.0, "kilometres": 1.0, "miles": 1.609344}
LENGTH_UNITS.update({"mile": 1.609344, "kilometer": 1.0, "kilometre": 1.0, "meters": 0.001})
LENGTH_UNITS.update({"metres": 0.001})
TIME_WORDS = set(
    word_tuple(
        "second minute hour day week month year decade century fortnight night seconds minutes "
        "hours days weeks months years decades centuries nights am pm a.m. p.m. o'clock"
    )
)
MONTHS = word_tuple(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
# Words near a figure that say what it counts, and the normalised `about` they give.
_ABOUT_GROUPS = {
    "killed": "killed dead died deaths death fatalities slain",
    "injured": "injured wounded hurt",
    "casualties": "casualties",
    "losses": "lost losses loss lose losing",
    "displaced": "fled displaced evacuated refugees",
    "destroyed": "destroyed",
    "damaged": "damaged",
    "intercepted": "intercepted downed stopped repelled",
    "captured": "captured detained arrested",
    "launched": "fired launched",
    "aid": "aid assistance package funding",
    "missing": "missing",
}
ABOUT_WORDS = {word: about for about, names in _ABOUT_GROUPS.items() for word in word_tuple(names)}
ABOUT_PHRASES = {"shot down": "intercepted", "death toll": "killed", "taken prisoner": "captured"}
DEFAULT_ABOUT = {"km2": "territory", "km": "distance", "percent": "share", "people": "people"}
DEFAULT_ABOUT.update(dict.fromkeys(("usd", "eur", "gbp", "rub", "uah"), "amount"))
