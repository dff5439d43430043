"""Fetch one page or feed over HTTP(S): the importer's only network access.

One GET per address, redirects followed (at most a few, to http or https only), a timeout
on connecting and on each read, a size limit, and a user agent that says who is asking.
Nothing else is requested: no images, scripts, robots.txt or feed links. Only the standard
library's urllib with an opener that knows http and https and no other scheme.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO

from parallax import __version__

USER_AGENT = f"parallax-digest/{__version__} (news digest importer; one request per page)"
TIMEOUT_SECONDS = 20.0
MAX_BYTES = 5_000_000  # the same limit as a saved capture
MAX_REDIRECTS = 5
_CHUNK = 65_536


class FetchError(Exception):
    """A page or feed could not be fetched; the message says why, for the import report."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched response: where it ended up after redirects, its type and its bytes."""

    url: str  # the final address
    content_type: str  # the media type, lower case, without parameters
    charset: str | None
    body: bytes


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow a few redirects, and only to http or https."""

    max_redirections = MAX_REDIRECTS

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
        headers: HTTPMessage, newurl: str,
    ) -> urllib.request.Request | None:  # fmt: skip
        if not newurl.lower().startswith(("http://", "https://")):
            raise FetchError(f"redirected to {newurl}, which is not an http(s) address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """http and https only: no file:, ftp: or data: handlers, unlike build_opener's defaults."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        _Redirects(),
    ):
        opener.add_handler(handler)
    return opener


def _read_limited(response: IO[bytes], url: str, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise FetchError(f"{url} is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(url: str, *, timeout: float = TIMEOUT_SECONDS, limit: int = MAX_BYTES) -> Fetched:
    """GET `url`; raises FetchError with a readable reason on any failure."""
    if not url.lower().startswith(("http://", "https://")):
        raise FetchError(f"{url} is not an http(s) address")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with _opener().open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise FetchError(f"{url} is {length} bytes; at most {limit} are fetched")
            body = _read_limited(response, url, limit)
            headers = response.headers
            return Fetched(
                response.geturl(), headers.get_content_type(), headers.get_content_charset(), body
            )
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url} answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"{url} could not be fetched: {exc.reason}") from None
    except (TimeoutError, OSError) as exc:
        raise FetchError(f"{url} could not be fetched: {exc}") from None
