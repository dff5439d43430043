"""The reader's site in a real browser: layout at two widths, claim links, search, no outside
requests, accessibility, hostile text that must not run. Screenshots go to tests/screenshots/.

Needs Debian's chromium (`apt-get install -y chromium`) and the Python packages `playwright`
and `axe-playwright-python`; without them these tests skip and say what to install.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest_golden import build_fixture_site

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
STORY = "stories/veresk-dam/"


def _need_browser() -> None:
    missing = []
    if shutil.which(CHROMIUM) is None:
        missing.append("apt-get install -y chromium")
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError:
        missing.append("pip install playwright axe-playwright-python")
    if missing:
        pytest.skip("browser tests need: " + "; ".join(missing))


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture site, built with search, served from 127.0.0.1 on a free port."""
    _need_browser()
    root = build_fixture_site(tmp_path_factory.mktemp("browser") / "project")
    handler = functools.partial(_QuietHandler, directory=str(root / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, base_url):
    """open_page(path, viewport) -> a loaded page; records every request's host in page.hosts."""
    opened = []

    def open_(path: str, viewport: dict[str, int] = WIDE):
        page = browser.new_page(viewport=viewport)
        page.hosts, page.dialogs, page.errors = set(), [], []
        page.on("request", lambda r: page.hosts.add(urlsplit(r.url).netloc))
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(base_url + path, wait_until="networkidle")
        opened.append(page)
        return page

    yield open_
    for page in opened:
        page.close()


def boxes(page, selector: str) -> list[dict[str, float]]:
    return [e.bounding_box() for e in page.query_selector_all(selector)]


def test_outlets_sit_side_by_side_on_a_wide_screen(open_page):
    first = boxes(open_page(STORY), ".px-outlets >> nth=0 >> .px-outlet")
    assert len(first) == 3
    assert len({round(b["y"]) for b in first}) == 1
    assert first[0]["x"] < first[1]["x"] < first[2]["x"]


def test_outlets_stack_on_a_phone(open_page):
    first = boxes(open_page(STORY, PHONE), ".px-outlets >> nth=0 >> .px-outlet")
    assert len({round(b["x"]) for b in first}) == 1
    assert first[0]["y"] < first[1]["y"] < first[2]["y"]
    assert all(b["x"] + b["width"] <= 390 for b in first)


@pytest.mark.parametrize("viewport", [WIDE, PHONE])
def test_a_claim_link_lands_on_the_highlighted_sentence(open_page, viewport):
    page = open_page(STORY, viewport)
    page.click("a[href$='2024-03-04-dam-collapse/#s-2']")
    page.wait_for_load_state()
    assert page.url.endswith("/articles/tass/2024-03-04-dam-collapse/#s-2")
    target = page.query_selector(".px-s:target")
    assert target.inner_text() == "Volkov said the dam collapsed because of Ukrainian shelling."
    colour = target.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(255, 241, 168)"
    box = target.bounding_box()
    assert 0 <= box["y"] < viewport["height"]


@pytest.mark.parametrize("viewport", [WIDE, PHONE])
def test_search_finds_a_story_by_a_speakers_name(open_page, viewport):
    page = open_page("", viewport)
    if viewport is WIDE:
        page.fill("#px-q", "Volkov")
        page.press("#px-q", "Enter")
    else:
        page.click(".px-search-form__button")
        page.fill(".pagefind-ui__search-input", "Volkov")
    page.wait_for_selector(".pagefind-ui__result-link", timeout=15_000)
    links = [a.get_attribute("href") for a in page.query_selector_all(".pagefind-ui__result-link")]
    assert "/stories/veresk-dam/" in links


PAGES = ["", STORY, "articles/newswire/2024-03-04-veresk-dam-breached/", "coverage/", "search/"]


@pytest.mark.parametrize("viewport", [WIDE, PHONE])
@pytest.mark.parametrize("path", PAGES)
def test_no_request_leaves_the_local_server(open_page, base_url, path, viewport):
    page = open_page(path, viewport)
    assert page.hosts == {urlsplit(base_url).netloc}


@pytest.mark.parametrize("viewport", [WIDE, PHONE])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(open_page, path, viewport):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(open_page(path, viewport))
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


@pytest.mark.parametrize(
    "path",
    ["articles/hostile/2024-03-10-hostile/", "stories/grain-talks/", "sources/hostile/", ""],
)
def test_hostile_text_runs_nothing_and_loads_nothing(open_page, base_url, path):
    page = open_page(path)
    assert page.dialogs == [] and page.errors == []
    assert page.hosts == {urlsplit(base_url).netloc}
    body = "[data-pagefind-body]"  # the page's own content, not the theme's scripts
    found = page.query_selector_all(f"{body} script, {body} img, {body} iframe, {body} object")
    assert found == []
    assert '<script>alert("x")</script>' in page.inner_text(body)


@pytest.mark.parametrize("viewport", [WIDE, PHONE])
@pytest.mark.parametrize(("name", "path"), [("home", ""), ("story", STORY)])
def test_screenshots_for_a_reader(open_page, name, path, viewport):
    SCREENSHOTS.mkdir(exist_ok=True)
    page = open_page(path, viewport)
    out = SCREENSHOTS / f"{name}-{viewport['width']}.png"
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000
