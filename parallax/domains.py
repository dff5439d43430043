"""Web addresses and outlets: normal URLs for comparison, and which source a domain belongs to.

Pure; no I/O. A page's domain names its outlet through the `domain` of sources.yml: the
domain itself or any subdomain of it (edition.cnn.com is cnn.com). A domain no source claims
gets the closest known source as a suggestion, and a ready-to-paste sources.yml entry.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from parallax.model import Registries, Source

CLOSEST_CUTOFF = 80.0  # rapidfuzz ratio (0-100) of two domain names for a "did you mean"
# Query parameters that only say how a reader arrived (a feed, a newsletter), not which page.
TRACKING_PARAMS = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|at_medium|at_campaign)$")
_SECOND_LEVELS = {"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"}


@dataclass(frozen=True, slots=True)
class SourceGuess:
    """Which source a domain belongs to, or what to suggest when none claims it."""

    host: str  # the page's host without "www."
    key: str | None  # the source whose domain the host is or is under
    closest: Source | None = None  # when `key` is None: the likeliest known source
    entry: str | None = None  # when `key` is None: a sources.yml entry to paste


def host_of(url: str | None) -> str | None:
    """The lower-case host of an http(s) URL without "www.", or None."""
    if not url:
        return None
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.lower().removeprefix("www.")


def clean_url(url: str) -> str:
    """The URL without its fragment and tracking parameters: what the front matter keeps."""
    parts = urllib.parse.urlsplit(url.strip())
    query = [
        (name, value)
        for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(name)
    ]
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urllib.parse.urlencode(query), "")
    )


# A URL with nothing for `clean_url` to take out or `urlsplit` to read: no query, fragment,
# user, port, escape or space. `normal_url` reads one of 10,000 per build (#9).
_PLAIN_URL = re.compile(r"https?://([A-Za-z0-9.-]+)(/[A-Za-z0-9._~/-]*)?", re.ASCII)


def normal_url(url: str) -> str:
    """A URL for comparison: http and https alike, no "www.", no trailing slash or tracking."""
    plain = _PLAIN_URL.fullmatch(url.strip())
    if plain is not None:  # what the parse below makes of it, without the parse
        host, path = plain.groups()
        return host.lower().removeprefix("www.") + (path or "").rstrip("/")
    return _parsed_normal_url(url)


def _parsed_normal_url(url: str) -> str:
    parts = urllib.parse.urlsplit(clean_url(url))
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


def _domain(source: Source) -> str:
    return source.domain.strip().lower().removeprefix("www.")


def source_for_host(host: str, registries: Registries) -> str | None:
    """The source whose domain is the host or a parent of it; the longest domain wins."""
    owners = [
        s for s in registries.sources if host == _domain(s) or host.endswith("." + _domain(s))
    ]
    return max(owners, key=lambda s: (len(_domain(s)), s.key)).key if owners else None


def site_label(host: str) -> str:
    """The name part of a host: "bbc" for news.bbc.co.uk, "northernledger" for its .example."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVELS and len(labels[-1]) == 2:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else labels[0]


def closest_source(host: str, registries: Registries) -> Source | None:
    """The known source whose domain's name is nearest the host's, above a cutoff."""
    labels = [site_label(_domain(s)) for s in registries.sources]
    found = process.extractOne(
        site_label(host), labels, scorer=fuzz.ratio, processor=None, score_cutoff=CLOSEST_CUTOFF
    )
    return registries.sources[found[2]] if found else None


def source_entry(host: str, site_name: str | None, registries: Registries) -> str:
    """A sources.yml entry for a new outlet, with TODO where only a person can say."""
    base = re.sub(r"[^a-z0-9]+", "-", site_label(host).lower()).strip("-") or "outlet"
    key, n = base, 2
    while registries.source(key) is not None:
        key, n = f"{base}-{n}", n + 1
    name = (site_name or host).replace('"', "'")
    return (
        f'{key}:\n  name: "{name}"\n  domain: {host}\n'
        "  country: TODO  # ISO 3166-1 alpha-2, e.g. GB\n"
        "  group: TODO  # a perspective group used in sources.yml\n"
    )


def guess_source(url: str | None, site_name: str | None, registries: Registries) -> SourceGuess:
    """The source of a page at `url`; for an unclaimed domain, a suggestion and an entry."""
    host = host_of(url)
    if host is None:
        return SourceGuess("", None)
    key = source_for_host(host, registries)
    if key is not None:
        return SourceGuess(host, key)
    entry = source_entry(host, site_name, registries)
    return SourceGuess(host, None, closest_source(host, registries), entry)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a page was published, by which source, and whose text it carries."""

    url: str | None  # this copy's address, without tracking parameters
    source: str | None
    syndicated_from: str | None
    why_copy: str | None  # for the report: what says the text is another outlet's
    guess: SourceGuess  # how `source` was found, or what to suggest


def source_named(site_name: str | None, registries: Registries) -> str | None:
    """The source whose name is the page's site name (og:site_name), nearly letter for letter."""
    if not site_name:
        return None
    names = [outlet_name(s.name) for s in registries.sources]
    found = process.extractOne(
        outlet_name(site_name), names, scorer=fuzz.ratio, processor=None, score_cutoff=90.0
    )
    return registries.sources[found[2]].key if found else None


def outlet_name(name: str) -> str:
    """A name folded for matching: lower case, no leading "the", letters and digits only."""
    folded = re.sub(r"[^a-z0-9]+", " ", name.casefold()).strip()
    return folded.removeprefix("the ")


def find_origin(
    urls: tuple[str | None, ...], site_name: str | None, registries: Registries, source: str | None
) -> Origin:
    """`urls` in order of trust that they are this copy's own address (the one given, a saved
    page's note, og:url, canonical); a canonical URL or site name of another known source
    makes the page a copy of that source's text."""
    given = [u for u in urls if u and host_of(u)]
    location = clean_url(given[0]) if given else None
    guess = guess_source(location, site_name, registries)
    source = source or guess.key
    canonical = urls[-1] if host_of(urls[-1]) else None
    by_canonical = source_for_host(host_of(canonical) or "", registries) if canonical else None
    by_name = source_named(site_name, registries)
    if source and by_canonical and by_canonical != source:
        why = f"its canonical URL is on {host_of(canonical)}, a domain of {by_canonical}"
        return Origin(location, source, by_canonical, why, guess)
    if source and by_name and by_name != source:
        why = f'its site name "{site_name}" is the name of {by_name}'
        return Origin(location, source, by_name, why, guess)
    return Origin(location, source, None, None, guess)
