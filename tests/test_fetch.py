"""Fetching pages and feeds, against a local HTTP server on 127.0.0.1 only."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from parallax import fetch
from parallax.fetch import USER_AGENT, FetchError
from parallax.importer import ImportOptions, import_inputs
from parallax.model import Registries, Source, SourceRef

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = (FIXTURES / "html" / "ledger_article.html").read_bytes()
FEED = (FIXTURES / "feeds" / "ledger.rss").read_bytes()
REGISTRIES = Registries(
    sources=(
        Source(
            "ledger", "The Northern Ledger", "northernledger.example", "GB", "western",
            None, None, SourceRef("sources.yml"),
        ),
    )
)  # fmt: skip
# path -> (status, headers, body)
ROUTES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/page": (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE),
    "/feed": (200, {"Content-Type": "application/rss+xml"}, FEED),
    "/moved": (302, {"Location": "/page"}, b""),
    "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
    "/to-ftp": (302, {"Location": "ftp://127.0.0.1/x"}, b""),
    "/big": (200, {"Content-Type": "text/html"}, b"x" * 2000),
    "/json": (200, {"Content-Type": "application/json"}, b"{}"),
}


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []

    release = threading.Event()

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("User-Agent", "")))
        if self.path == "/slow":
            self.release.wait(10)  # answers only when the test is over
        status, headers, body = ROUTES.get(self.path, (404, {}, b"not here"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A server on an ephemeral port of 127.0.0.1, shut down after the test."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    _Handler.seen = []
    _Handler.release = threading.Event()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        _Handler.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_fetch_sends_the_user_agent_and_follows_redirects(server):
    fetched = fetch.fetch(f"{server}/moved")
    assert (fetched.url, fetched.content_type, fetched.charset) == (
        f"{server}/page",
        "text/html",
        "utf-8",
    )
    assert fetched.body == PAGE
    assert _Handler.seen == [("/moved", USER_AGENT), ("/page", USER_AGENT)]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "answered 404 Not Found"),
        ("/big", "is 2000 bytes; at most 1000 are fetched"),
        ("/to-file", "Redirection to url 'file:///etc/passwd' is not allowed"),  # urllib's check
        ("/to-ftp", "redirected to ftp://127.0.0.1/x, which is not an http(s) address"),
    ],
)
def test_fetch_failures_say_why(server, path, message):
    with pytest.raises(FetchError) as info:
        fetch.fetch(f"{server}{path}", limit=1000)
    assert message in str(info.value)


def test_a_server_that_does_not_answer_times_out(server):
    with pytest.raises(FetchError, match=r"could not be fetched: .*timed out"):
        fetch.fetch(f"{server}/slow", timeout=0.2)


def test_only_http_and_https_are_fetched():
    with pytest.raises(FetchError, match="is not an http"):
        fetch.fetch("file:///etc/passwd")


def _content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "articles").mkdir(parents=True)
    return root


def test_import_a_url(server, tmp_path):
    root = _content(tmp_path)
    options = ImportOptions(source="ledger")
    (report,), problems = import_inputs([f"{server}/page"], options, root, REGISTRIES)
    assert problems == ()
    assert (report.status, report.input_path) == ("created", f"{server}/page")
    assert report.dest_path == "articles/ledger/2024-05-31-harbour-crane-collapse-injures-four.md"
    text = (root / report.dest_path).read_text(encoding="utf-8")
    assert f'url: "{server}/page"' in text  # where it was fetched from, after redirects
    assert [path for path, _ in _Handler.seen] == ["/page"]  # nothing else was requested


def test_import_a_feed_url(server, tmp_path):
    root = _content(tmp_path)
    reports, _ = import_inputs(
        [], ImportOptions(dry_run=True), root, REGISTRIES, feeds=[f"{server}/feed"]
    )
    assert [r.status for r in reports] == ["would create"] * 3
    assert [path for path, _ in _Handler.seen] == ["/feed"]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/json", "not an HTML page (application/json)"),
        ("/feed", "not an HTML page (application/rss+xml); for a feed use --feed"),
    ],
)
def test_a_url_that_is_not_a_page_is_skipped(server, tmp_path, path, reason):
    (report,), _ = import_inputs(
        [f"{server}{path}"], ImportOptions(), _content(tmp_path), REGISTRIES
    )
    assert (report.status, report.reason) == ("skipped", reason)
