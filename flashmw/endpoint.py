"""The JSON endpoint: a page's messages fetched by the browser, so that the
page itself never reads the cookie and can be cached for everyone.

.. code-block:: python

    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from flashmw import FlashMiddleware
    from flashmw.endpoint import FlashEndpoint

    site = DispatcherMiddleware(app, {"/_flashes": FlashEndpoint()})
    application = FlashMiddleware(site, key, streamed_reads=False)

.. code-block:: html

    <div id="flashes"></div>
    <script src="/_flashes/flashmw.js" defer></script>

``GET /_flashes`` answers the request's messages as JSON (the list
:mod:`flashmw.delivery` makes, the same as the htmx event's detail) and
consumes them, with ``Cache-Control: no-store``; ``GET
/_flashes/flashmw.js`` answers the script that fetches them on page load
and renders them accessibly, and that also renders the messages htmx
delivers. It is a WSGI application mounted under the middleware; no
framework is imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .api import get_flashes
from .delivery import dumps

if TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

#: The sub-path under the endpoint that serves :func:`script_path`.
SCRIPT_NAME = "flashmw.js"

_METHODS = ("GET", "HEAD")


def script_path() -> Path:
    """The path of ``flashmw.js``, the browser script shipped in the package,
    for an application that serves its static files itself."""
    return Path(__file__).with_name("static") / SCRIPT_NAME


class FlashEndpoint:
    """A WSGI application that hands the request's messages to the browser.

    Mount it under :class:`~flashmw.FlashMiddleware` (or any driver that
    puts the flashes in the environ), at a path of your choice:

    - ``GET <mount>`` or ``GET <mount>/``: the messages as a JSON list of
      ``{"category", "message", "html", "count"}``, consumed as a read
      consumes them, never cacheable (``Cache-Control: no-store``);
      ``HEAD`` answers the headers and consumes nothing;
    - ``GET <mount>/flashmw.js``: the browser script (with *script*);
    - any other method: ``405``; any other path: ``404``.

    :param script: also serve ``flashmw.js`` at ``<mount>/flashmw.js``.
    """

    def __init__(self, *, script: bool = True) -> None:
        self._script = script_path().read_bytes() if script else None

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Answer one request; see the class docstring."""
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        script = path == "/" + SCRIPT_NAME and self._script is not None
        if script:
            body_of = self._script_body
        elif path in ("", "/"):
            body_of = self._messages
        else:
            return _plain(start_response, "404 Not Found", b"Not Found")
        if method not in _METHODS:
            return _plain(
                start_response,
                "405 Method Not Allowed",
                b"Method Not Allowed",
                [("Allow", ", ".join(_METHODS))],
            )
        get = method == "GET"
        content_type, cache_control, body = body_of(environ, get)
        headers = [
            ("Content-Type", content_type),
            ("Cache-Control", cache_control),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if get or script:
            # HEAD of the messages reads none: it cannot say their length.
            headers.insert(1, ("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return [body] if get else []

    def _messages(self, environ: WSGIEnvironment, get: bool) -> tuple[str, str, bytes]:
        # HEAD shows nothing, so it reads nothing: the messages stay.
        messages = get_flashes(environ).read() if get else []
        return "application/json", "no-store", dumps(messages).encode("ascii")

    def _script_body(
        self, environ: WSGIEnvironment, get: bool
    ) -> tuple[str, str, bytes]:
        assert self._script is not None
        # The same for everyone; the middleware makes it private for a
        # request that carries a flash cookie.
        return "text/javascript; charset=utf-8", "public, max-age=3600", self._script


def _plain(
    start_response: StartResponse,
    status: str,
    body: bytes,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *(extra or []),
        ],
    )
    return [body]
