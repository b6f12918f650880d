"""A site for the browser tests of cookies that share flashmw's name.

It answers on several host names that the test browser resolves to
127.0.0.1 (``*.flashmw.test``):

- ``/flash?m=..`` flashes into the site's own cookie (``Path=/``, host-only)
  and redirects to ``/quiet``, or to ``/bare`` with ``&to=bare``;
- ``/old/make?m=..`` flashes with the configuration an earlier release of
  the site used (``cookie_path="/old"``), leaving a stale cookie there;
- ``/foreign?m=..`` flashes as another application of the parent domain
  would: another key, ``Domain=flashmw.test``;
- ``/quiet`` and ``/bare`` never read messages; ``/quiet`` names an inline
  icon, so Chromium asks for no ``/favicon.ico`` (which, over plain HTTP to
  a name other than localhost, comes without ``Sec-Fetch-Dest``), and
  ``/bare`` does not; every other page, the ``/favicon.ico`` 404 included,
  shows them in the site's layout, as ``<li>`` items;
- ``/favicon-hits`` counts the favicon requests this worker answered.

The keys come from ``FLASHMW_SECRET_KEY`` and ``FLASHMW_FOREIGN_KEY``.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from flashmw import FlashMiddleware, flash, get_flashed_messages

PARENT_DOMAIN = "flashmw.test"
_favicon_hits = 0


def _flasher(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    for message in query.get("m", []):
        flash(environ, message)
    target = "/bare" if query.get("to") == ["bare"] else "/quiet"
    start_response("303 See Other", [("Location", target), ("Content-Length", "0")])
    return [b""]


def _pages(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    global _favicon_hits
    path = environ.get("PATH_INFO", "/")
    if path == "/flash":
        return _flasher(environ, start_response)
    if path == "/favicon-hits":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(_favicon_hits).encode()]
    if path in ("/quiet", "/bare"):
        icon = '<link rel="icon" href="data:,">' if path == "/quiet" else ""
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [f"<!doctype html>{icon}<title>quiet</title><p id=quiet>".encode()]
    # The layout every page shares, the 404 page included.
    items = "".join(
        f"<li>{html.escape(m)}</li>"
        for m in get_flashed_messages(environ)  # type: ignore[union-attr]
    )
    body = f"<!doctype html><title>{path}</title><ul id=flashes>{items}</ul>"
    if path == "/favicon.ico":
        _favicon_hits += 1
        status = "404 Not Found"
    else:
        status = "200 OK"
    start_response(status, [("Content-Type", "text/html; charset=utf-8")])
    return [body.encode()]


def _make_app() -> Callable[..., Iterable[bytes]]:
    key = os.environ["FLASHMW_SECRET_KEY"]
    site = FlashMiddleware(_pages, key)
    stale = FlashMiddleware(_flasher, key, cookie_path="/old")
    foreign = FlashMiddleware(
        _flasher, os.environ["FLASHMW_FOREIGN_KEY"], cookie_domain=PARENT_DOMAIN
    )

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "/")
        if path == "/old/make":
            return stale(environ, start_response)
        if path == "/foreign":
            return foreign(environ, start_response)
        return site(environ, start_response)

    return app


app = _make_app()
