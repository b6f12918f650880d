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
delivers. It is a WSGI application mounted under the middleware, and
:meth:`FlashEndpoint.asgi` is the same endpoint for ASGI; no framework is
imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .api import get_flashes
from .delivery import dumps
from .flashes import Flashes

if TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

#: The sub-path under the endpoint that serves :func:`script_path`.
SCRIPT_NAME = "flashmw.js"

_METHODS = ("GET", "HEAD")
_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed"}
_JSON = "application/json"
_JS = "text/javascript; charset=utf-8"


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

    def answer(
        self, path: str, method: str, flashes: Callable[[], Flashes]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """The status, headers and body for *path* under the mount point and
        *method*; *flashes* gives the request's flashes when they are needed.
        Both the WSGI and the ASGI front ends answer with this."""
        script = path == "/" + SCRIPT_NAME and self._script is not None
        if not script and path not in ("", "/"):
            return _plain(404, b"Not Found")
        if method not in _METHODS:
            return _plain(405, b"Method Not Allowed", [("Allow", ", ".join(_METHODS))])
        get = method == "GET"
        if script:
            assert self._script is not None
            # The same for everyone; a driver makes it private for a request
            # that carries a flash cookie.
            content_type, cache_control = _JS, "public, max-age=3600"
            body = self._script
        else:
            # HEAD shows nothing, so it reads nothing: the messages stay.
            messages = flashes().read() if get else []
            content_type, cache_control = _JSON, "no-store"
            body = dumps(messages).encode("ascii")
        headers = [
            ("Content-Type", content_type),
            ("Cache-Control", cache_control),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if get or script:
            # HEAD of the messages reads none: it cannot say their length.
            headers.insert(1, ("Content-Length", str(len(body))))
        return 200, headers, body if get else b""

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Answer one WSGI request; see the class docstring."""
        status, headers, body = self.answer(
            environ.get("PATH_INFO", ""),
            environ.get("REQUEST_METHOD", "GET"),
            lambda: get_flashes(environ),
        )
        start_response(f"{status} {_REASONS[status]}", headers)
        return [body] if body else []

    async def asgi(self, scope: Any, receive: Any, send: Any) -> None:
        """The same endpoint as an ASGI application, for mounting under
        :class:`flashmw.asgi.FlashMiddleware` (Starlette:
        ``Mount("/_flashes", app=FlashEndpoint().asgi)``)."""
        if scope["type"] != "http":
            raise RuntimeError(f"FlashEndpoint serves http only, not {scope['type']}")
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        # Mounted, the path still holds the mount point (ASGI's root_path).
        if root and path.startswith(root):
            path = path[len(root) :]
        status, headers, body = self.answer(
            path, scope.get("method", "GET"), lambda: get_flashes(scope)
        )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (k.lower().encode("latin-1"), v.encode("latin-1"))
                    for k, v in headers
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _plain(
    status: int, body: bytes, extra: list[tuple[str, str]] | None = None
) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        *(extra or []),
    ]
    return status, headers, body
