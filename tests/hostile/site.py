"""A whole site built from hostile content, and the checks that it stayed inert.

`write_hostile_content` puts every payload of payloads.py into every untrusted field it fits:
title, author, tags, body, live-blog headings, and the registries' source names, notes,
actor names and aliases, term concepts and variants. `build_hostile_site` runs the real
pipeline on it, MkDocs and Pagefind included. The browser tests (#5) can serve the result
with `served`, open each page of `HOSTILE_PATHS` (and search for MARKER, which every payload
holds), and call `assert_inert` on it.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from bs4 import BeautifulSoup, Tag

from parallax import pipeline
from parallax.problems import has_errors
from parallax.publish import GENERATED
from tests.hostile.payloads import ATTACKER, HOSTILE_URLS, MARKER, PAYLOADS, Payload

REPO = Path(__file__).resolve().parents[2]
PUBLISHED = "2024-03-01"
# Shared by every article, so that they cluster into one event and meet on a story page.
COMMON = (
    '"Ten people were injured when a missile hit a school in Kyiv," {speaker} said on '
    "Thursday, adding that 3 missiles were shot down over the city."
)
LIVEBLOG = "articles/h-liveblog/2024-03-01-live.md"
# Pages a browser test should open: every article page, the story and the registry pages.
HOSTILE_PATHS = (
    "",
    "stories/",
    "sources/",
    "actors/",
    "vocabulary/",
    "coverage/",
    *(f"articles/h-{p.key}/{PUBLISHED}-{p.key}/" for p in PAYLOADS),
    "articles/h-liveblog/2024-03-01-live/",
    *(f"sources/h-{p.key}/" for p in PAYLOADS),
)


def fits(payload: Payload, limit: int) -> bool:
    """True when the payload is one line of at most `limit` characters."""
    return "\n" not in payload.text and len(payload.text) <= limit


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1_000_000)


def _article(payload: Payload) -> str:
    front: dict[str, Any] = {
        "title": payload.text if fits(payload, 300) else f"Hostile body {payload.key}",
        "source": f"h-{payload.key}",
        "published": PUBLISHED,
        "url": f"https://h-{payload.key}.example/{payload.key}",
    }
    if fits(payload, 200):
        front["author"] = payload.text
    if fits(payload, 80):
        front["tags"] = [payload.text]
    speaker = payload.text if fits(payload, 200) else "Olena Kovalenko"
    body = f"{payload.text}\n\n{COMMON.format(speaker=speaker)}\n"
    return f"---\n{_dump(front)}---\n{body}"


def _liveblog() -> str:
    front = {"title": "Live: hostile headings", "source": "h-liveblog", "published": PUBLISHED}
    entries = [
        f"## {p.text}\n\n{COMMON.format(speaker='Olena Kovalenko')}\n"
        for p in PAYLOADS
        if fits(p, 300)
    ]
    return f"---\n{_dump(front)}kind: liveblog\n---\n" + "\n".join(entries)


def _url_article(n: int, url: str) -> str:
    front = {"title": f"Hostile address {n}", "source": "h-urls", "published": PUBLISHED}
    return f"---\n{_dump(front)}url: '{url.replace(chr(39), chr(39) * 2)}'\n---\nText {n}.\n"


def _source(name: str, key: str, notes: str | None = None) -> dict[str, str]:
    entry = {"name": name, "domain": f"{key}.example", "country": "ZZ", "group": "other"}
    return entry | ({"notes": notes, "ownership": notes[:500]} if notes else {})


def _registries() -> dict[str, Any]:
    sources = {
        f"h-{p.key}": _source(
            p.text if fits(p, 200) else f"Outlet {p.key}",
            f"h-{p.key}",
            p.text if len(p.text) <= 2000 else None,
        )
        for p in PAYLOADS
    }
    sources["h-liveblog"] = _source("Live Outlet", "h-liveblog")
    sources["h-urls"] = _source("Address Outlet", "h-urls")
    actors = {
        f"a-{p.key}": {"name": p.text, "aliases": [p.text], "affiliation": p.text, "side": "other"}
        for p in PAYLOADS
        if fits(p, 200)
    }
    terms = {
        f"t-{p.key}": {
            "concept": p.text,
            "variants": [{"text": p.text, "used_by": ["other"]}, {"text": f"plain {p.key}"}],
        }
        for p in PAYLOADS
        if fits(p, 200)
    }
    return {"sources": sources, "actors": actors, "terms": terms}


def write_hostile_content(abs_content: Path) -> None:
    """A content folder in which every untrusted field carries a payload."""
    (abs_content / "articles").mkdir(parents=True, exist_ok=True)
    for name, data in _registries().items():
        (abs_content / f"{name}.yml").write_text(_dump(data), encoding="utf-8")
    files = {f"articles/h-{p.key}/{PUBLISHED}-{p.key}.md": _article(p) for p in PAYLOADS}
    files[LIVEBLOG] = _liveblog()
    for n, url in enumerate(HOSTILE_URLS, 1):
        files[f"articles/h-urls/{PUBLISHED}-address-{n}.md"] = _url_article(n, url)
    for rel, text in files.items():
        (abs_content / rel).parent.mkdir(parents=True, exist_ok=True)
        (abs_content / rel).write_text(text, encoding="utf-8")


def build_hostile_site(root: Path) -> Path:
    """A project at `root` with the hostile content, built into site_src/ and site/."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "site_src", root / "site_src", ignore=shutil.ignore_patterns(*GENERATED))
    write_hostile_content(root / "content")
    project, problems = pipeline.load_project(root / "mkdocs.yml")
    result = pipeline.build(project)
    problems += result.problems
    assert not has_errors(problems), [p for p in problems if p.is_error]
    assert result.published
    return root


# --- checks on the built HTML -----------------------------------------------------------------

URL_ATTRIBUTES = (
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "poster",
    "data",
    "background",
    "cite",
    "xlink:href",
    "ping",
    "manifest",
)
LOADING_TAGS = ("script", "img", "iframe", "frame", "object", "embed", "link", "source", "video")
# Browsers ignore control characters and whitespace anywhere in a scheme: "java\tscript:".
_BAD_SCHEME = re.compile(r"^(javascript|data|vbscript):", re.IGNORECASE)
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]")
_BASE = re.compile(r'new URL\("[./]*"|"base": "[./]*"|(?:\.\./|\./|/)+(?=assets/)')


def theme_script(script: Tag) -> str:
    """A script with the page's depth taken out: the same on every page the theme makes."""
    return _BASE.sub("", f"{script.attrs!r} {script.get('src', '')} {script.string or ''}")


def html_findings(html: str, theme_scripts: set[str]) -> list[str]:
    """Everything in a page that content could have put there to run or load something."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for script in soup.find_all("script"):
        if theme_script(script) not in theme_scripts:
            found.append(f"a script the theme does not make: {str(script)[:120]}")
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on"):
                found.append(f"an event handler: <{element.name} {name}={text[:80]!r}>")
            if MARKER in text or ATTACKER in text:
                found.append(f"content in an attribute: <{element.name} {name}={text[:80]!r}>")
            scheme = _BAD_SCHEME.match(_IGNORED_IN_SCHEME.sub("", text))
            if name in URL_ATTRIBUTES and scheme:
                found.append(f"a {scheme[1].lower()}: URL: <{element.name} {name}>")
        loads = element.get("href") if element.name == "link" else element.get("src")
        if element.name in LOADING_TAGS and loads and urlsplit(str(loads)).netloc:
            found.append(f"a load from another host: <{element.name} {loads!r}>")
        if element.name in ("script", "style") and MARKER in element.get_text():
            found.append(f"content inside <{element.name}>")
    return found


def page_text(html: str) -> str:
    """What a reader sees of a page, with the zero-width breaks taken out."""
    return BeautifulSoup(html, "html.parser").get_text().replace("\u200b", "")


def assert_inert(page: Any, base_url: str) -> None:
    """For the browser tests (#5): a page opened with tests/browser's `open_page` ran nothing
    and loaded nothing: no dialog, no page error, no request to another host."""
    assert page.dialogs == [], page.dialogs
    assert page.errors == [], page.errors
    assert page.hosts == {urlsplit(base_url).netloc}, page.hosts
    body = "[data-pagefind-body]"
    loaded = page.query_selector_all(f"{body} script, {body} img, {body} iframe, {body} object")
    assert loaded == []


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def served(abs_site: Path) -> Iterator[str]:
    """`abs_site` served from 127.0.0.1 on a free port, for a browser; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(abs_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
