"""The live preview: serve a project, change an article, see the served page change."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from parallax.serve import _Changes, _is_noise

REPO = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 90  # a generous limit for slow machines; the test never asserts a duration

ARTICLE = """\
---
title: {title}
source: ap
published: 2024-05-31
---
Russian forces struck a power plant overnight, the governor said.
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(condition: Callable[[], bool], what: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert server.poll() is None, f"serve exited early while waiting for {what}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.3)


@pytest.fixture
def serving(project: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """`python build.py serve` in its own process group; always stopped afterwards."""
    port = free_port()
    command = [sys.executable, str(REPO / "build.py"), "serve", "-a", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        command,
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        yield server, f"http://127.0.0.1:{port}/"
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


@pytest.mark.slow
def test_changing_an_article_changes_the_served_page(write_article, serving):
    article = write_article("ap/2024-05-31-strike.md", ARTICLE.format(title="Plant struck"))
    server, url = serving
    wait_for(lambda: "Plant struck" in (fetch(url) or ""), "the first page", server)
    article.write_text(ARTICLE.format(title="Power plant hit again"), encoding="utf-8")
    wait_for(lambda: "Power plant hit again" in (fetch(url) or ""), "the rebuilt page", server)
    assert "Plant struck" not in (fetch(url) or "")


@pytest.mark.slow
def test_sigterm_stops_the_preview_and_its_server(write_article, serving):
    write_article("ap/2024-05-31-strike.md", ARTICLE.format(title="Plant struck"))
    server, url = serving
    wait_for(lambda: fetch(url) is not None, "the server", server)
    server.send_signal(signal.SIGTERM)
    assert server.wait(30) == 0
    assert fetch(url) is None  # serve waits for MkDocs to exit before it exits itself


@pytest.mark.parametrize(
    ("name", "noise"),
    [("2024-05-31-x.md", False), (".2024-05-31-x.md.swp", True), ("x.md~", True), ("#x#", True)],
)
def test_editor_temp_files_are_ignored(name, noise):
    assert _is_noise(f"/p/content/articles/ap/{name}") is noise


def test_only_watched_folders_and_the_config_trigger_a_rebuild(tmp_path):
    changes = _Changes([tmp_path / "content"], [tmp_path / "mkdocs.yml"])
    assert changes._feeds_the_site(str(tmp_path / "content" / "articles" / "x.md"))
    assert changes._feeds_the_site(str(tmp_path / "mkdocs.yml"))
    assert not changes._feeds_the_site(str(tmp_path / "site_src" / "index.md"))
    assert not changes._feeds_the_site(str(tmp_path / "content-old" / "x.md"))
