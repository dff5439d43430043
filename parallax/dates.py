"""Dates a text mentions, resolved against the day it was published.

Pure: the reference day is always the publication date, never the clock. "On Tuesday" is the
Tuesday on or before publication; "July 12" without a year is the July 12 nearest to it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Days counted back from publication for words that name a day relative to it.
RELATIVE_DAYS = {"today": 0, "tonight": 0, "this morning": 0, "yesterday": 1, "last night": 1}

_MONTH = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+((?:19|20)\d\d))?"
# Each pattern starts by looking ahead at the first character a match can start with: one
# test rejects most places in a text before the word boundary and the alternatives (#9).
_MONTH_DAY = re.compile(rf"(?=[JFMASOND])\b{_MONTH}\.?\s+{_DAY}\b{_YEAR}")
_DAY_MONTH = re.compile(rf"(?=\d)\b{_DAY}\s+(?:of\s+)?{_MONTH}\b\.?{_YEAR}")
_ISO = re.compile(r"(?=[12])\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_WEEKDAY = re.compile(
    r"(?=[lntMTWFS])\b(?:(last|next|this)\s+)?(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b"
)
_RELATIVE = re.compile(
    r"(?=[tyl])\b(today|tonight|this morning|yesterday|last night|last weekend)\b"
)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _nearest_year(month: int, day: int, published: dt.date) -> dt.date | None:
    """The date with this month and day nearest to `published` (earlier on a tie)."""
    candidates = [_safe_date(published.year + k, month, day) for k in (-1, 0, 1)]
    valid = [c for c in candidates if c is not None]
    return min(valid, key=lambda c: (abs((c - published).days), c)) if valid else None


def _calendar_date(
    month_name: str, day: str, year: str | None, published: dt.date
) -> dt.date | None:
    month = MONTHS[month_name[:3].lower()]
    if year is not None:
        return _safe_date(int(year), month, int(day))
    return _nearest_year(month, int(day), published)


def _weekday(name: str, modifier: str | None, published: dt.date) -> dt.date:
    target = WEEKDAYS.index(name.lower() + "day")
    back = (published.weekday() - target) % 7
    if modifier == "next":
        return published + dt.timedelta(days=(target - published.weekday()) % 7 or 7)
    if modifier == "last" and back == 0:
        back = 7
    return published - dt.timedelta(days=back)


def _relative(phrase: str, published: dt.date) -> dt.date:
    if phrase == "last weekend":  # the Saturday before publication
        return published - dt.timedelta(days=(published.weekday() - 5) % 7 or 7)
    return published - dt.timedelta(days=RELATIVE_DAYS[phrase])


def _mentions(text: str, published: dt.date) -> Iterator[dt.date | None]:
    for m in _ISO.finditer(text):
        yield _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in _MONTH_DAY.finditer(text):
        yield _calendar_date(m.group(1), m.group(2), m.group(3), published)
    for m in _DAY_MONTH.finditer(text):
        yield _calendar_date(m.group(2), m.group(1), m.group(3), published)
    for m in _WEEKDAY.finditer(text):
        yield _weekday(m.group(2), m.group(1), published)
    for m in _RELATIVE.finditer(text):
        yield _relative(m.group(1), published)


def find_dates(text: str, published: dt.date) -> tuple[dt.date, ...]:
    """The distinct dates a text mentions, sorted, resolved against its publication date."""
    return tuple(sorted({d for d in _mentions(text, published) if d is not None}))
