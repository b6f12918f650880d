"""The Pyramid, Bottle and Falcon integrations follow the middleware's rules.

One small application is written for each framework and once as plain WSGI
under :class:`~flashmw.FlashMiddleware`. Each request names what the view
does with its flashes (nothing, flash, read, peek, read then flash) and the
status it answers. Every combination of method, status, action, incoming
cookie and ``Sec-Fetch-Dest``/``Sec-Purpose`` header is sent to all four,
straight through WSGI, and the integrations must give the middleware's
answer: the same messages stored (or the cookie left alone), the same cookie
attributes, the same ``Vary`` and ``Cache-Control``. Falcon's component is
also run under ``falcon.asgi``, through Falcon's ASGI simulation. A rule copied into an
integration, and then changed in one place only, shows up here.
"""

from __future__ import annotations

import io
import itertools
import urllib.parse
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from flashmw import Flashes, FlashMiddleware, get_flashes
from flashmw.testing import FlashReader

with warnings.catch_warnings():
    # WebOb 1.8 (under Pyramid) imports the deprecated cgi module.
    warnings.filterwarnings("ignore", "'cgi' is deprecated", DeprecationWarning)
    import pyramid.config
    import pyramid.response

import bottle
import falcon

pytestmark = pytest.mark.filterwarnings("ignore:'cgi' is deprecated:DeprecationWarning")

App = Callable[..., Any]
STATUSES = (200, 204, 302, 304, 404, 500)
ACTIONS = ("none", "flash", "read", "peek", "read-flash")
EXTRA = ({}, {"HTTP_SEC_FETCH_DEST": "image"}, {"HTTP_SEC_PURPOSE": "prefetch"})


def act(flashes: Flashes, action: str) -> str:
    """Do *action* with *flashes*; return the page's text."""
    shown: object = ""
    if action in ("read", "read-flash"):
        shown = flashes.get_flashed_messages(with_categories=True)
    elif action == "peek":
        shown = flashes.peek()
    if action in ("flash", "read-flash"):
        flashes.flash("New.", "info")
    return repr(shown)


def _params(query: str) -> tuple[str, int]:
    values = dict(urllib.parse.parse_qsl(query))
    return values["action"], int(values["status"])


# -- the four hosts --------------------------------------------------------------


def reference(secret_key: str) -> App:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        action, status = _params(environ["QUERY_STRING"])
        text = act(get_flashes(environ), action)
        start_response(f"{status} X", [("Content-Type", "text/plain")])
        return [] if status in (204, 304) else [text.encode()]

    return FlashMiddleware(app, secret_key)


def pyramid_app(secret_key: str) -> App:
    def view(request: Any) -> Any:
        action, status = _params(request.query_string)
        text = act(request.flashes, action)
        response = pyramid.response.Response(status=status)
        if status not in (204, 304):
            response.text = text
        return response

    settings = {"flashmw.secret_key": secret_key}
    with pyramid.config.Configurator(settings=settings) as config:
        config.include("flashmw.pyramid")
        config.add_route("page", "/")
        config.add_view(view, route_name="page")
        return config.make_wsgi_app()


def bottle_app(secret_key: str) -> App:
    from flashmw.bottle import FlashPlugin, get_flashes

    app = bottle.Bottle()
    app.install(FlashPlugin(secret_key))

    @app.route("/", ["GET", "HEAD"])
    def page() -> str:
        action, status = _params(bottle.request.query_string)
        text = act(get_flashes(), action)
        bottle.response.status = status
        return "" if status in (204, 304) else text

    return app


def falcon_app(secret_key: str) -> App:
    from flashmw.falcon import FlashComponent

    class Page:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            action, status = _params(req.query_string)
            text = act(req.context.flashes, action)
            resp.status = status
            if status not in (204, 304):
                resp.text = text

        on_head = on_get

    app = falcon.App(middleware=[FlashComponent(secret_key)])
    app.add_route("/", Page())
    return app


def falcon_asgi_app(secret_key: str) -> Any:
    import falcon.asgi

    from flashmw.falcon import FlashComponent

    class Page:
        async def on_get(self, req: Any, resp: Any) -> None:
            action, status = _params(req.query_string)
            text = act(req.context.flashes, action)
            resp.status = status
            if status not in (204, 304):
                resp.text = text

        on_head = on_get

    app = falcon.asgi.App(middleware=[FlashComponent(secret_key)])
    app.add_route("/", Page())
    return app


HOSTS = {
    "pyramid": pyramid_app,
    "bottle": bottle_app,
    "falcon": falcon_app,
    "falcon-asgi": falcon_asgi_app,
}


# -- one request, reduced to what the rules decide ---------------------------------


def call(
    app: App, method: str, query: str, cookie: str | None, extra: dict[str, str]
) -> tuple[int, list[tuple[str, str]]]:
    """One request straight through WSGI (through Falcon's ASGI simulation
    for an ASGI app): the status code and headers."""
    import falcon.asgi
    from falcon import testing

    if isinstance(app, falcon.asgi.App):
        headers = {
            name[5:].replace("_", "-").title(): value for name, value in extra.items()
        }
        if cookie is not None:
            headers["Cookie"] = cookie
        result = testing.simulate_request(
            app, method, "/", query_string=query, headers=headers
        )
        return result.status_code, list(result.headers.items())
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **extra,
    }
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        seen["status"], seen["headers"] = status, list(headers)
        return lambda data: None

    body = app(environ, start_response)
    try:
        b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return int(seen["status"][:3]), seen["headers"]


def outcome(reader: FlashReader, headers: list[tuple[str, str]]) -> dict[str, Any]:
    """What the rules decided: stored messages, cookie attributes, caching."""
    fields: dict[str, list[str]] = {}
    for name, value in headers:
        fields.setdefault(name.lower(), []).append(value)
    cookies = [c for c in fields.get("set-cookie", []) if c.startswith("flashmw=")]
    return {
        "stored": reader.stored(headers),
        "attributes": [c.split(";", 1)[1] for c in cookies],
        "vary": fields.get("vary"),
        "cache-control": fields.get("cache-control"),
    }


@pytest.fixture(scope="module")
def key() -> str:
    import secrets

    return secrets.token_hex(32)


@pytest.fixture(scope="module")
def incoming(key: str) -> str:
    """A cookie holding two messages, as the middleware writes it."""
    app = reference(key)
    _, headers = call(app, "GET", "action=flash&status=302", None, {})
    pair = next(v for n, v in headers if n == "Set-Cookie").split(";")[0]
    _, headers = call(app, "GET", "action=flash&status=302", pair, {})
    return next(v for n, v in headers if n == "Set-Cookie").split(";")[0]


def cases(incoming: str) -> Iterator[tuple[str, str, str | None, dict[str, str]]]:
    for method, status, action, cookie, extra in itertools.product(
        ("GET", "HEAD"), STATUSES, ACTIONS, (None, incoming), EXTRA
    ):
        yield method, f"action={action}&status={status}", cookie, extra


@pytest.mark.parametrize("host", sorted(HOSTS))
def test_the_integration_answers_as_the_middleware(
    host: str, key: str, incoming: str
) -> None:
    reader = FlashReader(key)
    expected_app, app = reference(key), HOSTS[host](key)
    checked = 0
    for method, query, cookie, extra in cases(incoming):
        expected_status, expected = call(expected_app, method, query, cookie, extra)
        status, got = call(app, method, query, cookie, extra)
        case = (method, query, "cookie" if cookie else "no cookie", extra)
        assert status == expected_status, case
        assert outcome(reader, got) == outcome(reader, expected), case
        checked += 1
    assert checked == 2 * len(STATUSES) * len(ACTIONS) * 2 * len(EXTRA)


def test_flashmw_imports_no_framework() -> None:
    import subprocess
    import sys

    code = (
        "import sys, flashmw, flashmw.paste\n"
        "found = [m for m in ('pyramid', 'bottle', 'falcon', 'webob') "
        "if m in sys.modules]\n"
        "sys.exit(repr(found) if found else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
