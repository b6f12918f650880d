"""The Pyramid, Bottle, Falcon, Flask and Django integrations follow the
middleware's rules.

One small application is written for each framework and once as plain WSGI
under :class:`~flashmw.FlashMiddleware`. Each request names what the view
does with its flashes (nothing, flash, read, peek, read then flash) and the
status it answers. Every combination of method, status, action, incoming
cookie and ``Sec-Fetch-Dest``/``Sec-Purpose`` header is sent to each of
them, straight through WSGI, and the integrations must give the
middleware's answer: the same messages stored (or the cookie left alone),
the same cookie attributes, the same ``Vary`` and ``Cache-Control``. Falcon's
component is also run under ``falcon.asgi``, through Falcon's ASGI
simulation. A rule copied into an integration, and then changed in one
place only, shows up here.

The Flask and Django views use their framework's own API: ``flask.flash()``
and ``flask.get_flashed_messages()`` under the ``FlashMessages`` extension;
``messages.info()`` and a loop over ``messages.get_messages()`` under
``MESSAGE_STORAGE = "flashmw.django.FlashStorage"``, served by Django's own
WSGI handler.
"""

from __future__ import annotations

import io
import itertools
import secrets
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
import django.conf
import falcon
import flask
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import path

from flashmw.django import derive_key

pytestmark = [
    pytest.mark.filterwarnings("ignore:'cgi' is deprecated:DeprecationWarning"),
    # Falcon's ASGI client needs a current event loop (see the fixture).
    pytest.mark.usefixtures("current_event_loop"),
]

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


# -- the hosts ---------------------------------------------------------------------


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


def flask_app(secret_key: str) -> App:
    from flashmw.flask import FlashMessages

    app = flask.Flask("contract")
    app.config["FLASHMW_SECRET_KEY"] = secret_key
    FlashMessages(app)

    @app.route("/", methods=["GET", "HEAD"])
    def page() -> tuple[str, int]:
        action, status = _params(flask.request.query_string.decode())
        shown: object = ""
        if action in ("read", "read-flash"):
            shown = flask.get_flashed_messages(with_categories=True)
        elif action == "peek":
            # Flask has no peek: the request's Flashes, which the extension
            # serves flask.flash() and flask.get_flashed_messages() from.
            shown = get_flashes(flask.request.environ).peek(with_categories=True)
        if action in ("flash", "read-flash"):
            flask.flash("New.", "info")
        return ("" if status in (204, 304) else repr(shown)), status

    return app


def django_view(request: HttpRequest) -> HttpResponse:
    action, status = _params(request.META["QUERY_STRING"])
    storage = messages.get_messages(request)
    shown: object = ""
    if action in ("read", "read-flash"):
        shown = [(m.tags, m.message) for m in storage]
    elif action == "peek":
        # Django's messages have no peek; the closest is len() (which
        # {% if messages %} calls): it looks without consuming, answered by
        # the storage from the request's Flashes.peek().
        shown = len(storage)
    if action in ("flash", "read-flash"):
        messages.info(request, "New.")
    response = HttpResponse(status=status)
    if status not in (204, 304):
        response.content = repr(shown).encode()
    return response


#: ``ROOT_URLCONF`` of the Django project while this module runs.
urlpatterns = [path("", django_view)]


def django_app(secret_key: str) -> App:
    from django.core.wsgi import get_wsgi_application

    # The project of the django_project fixture, whose SECRET_KEY the
    # storage derives this key from.
    assert derive_key(django.conf.settings.SECRET_KEY) == secret_key
    return get_wsgi_application()


HOSTS = {
    "pyramid": pyramid_app,
    "bottle": bottle_app,
    "falcon": falcon_app,
    "falcon-asgi": falcon_asgi_app,
    "flask": flask_app,
    "django": django_app,
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
        # Django's WSGI handler writes each cookie as Morsel.output(header=""),
        # which starts with a space: whitespace around a field value is not
        # part of it (RFC 9110, 5.5), and a client strips it.
        fields.setdefault(name.lower(), []).append(value.strip())
    cookies = [c for c in fields.get("set-cookie", []) if c.startswith("flashmw=")]
    return {
        "stored": reader.stored(headers),
        "attributes": [c.split(";", 1)[1] for c in cookies],
        "vary": fields.get("vary"),
        "cache-control": fields.get("cache-control"),
    }


@pytest.fixture(scope="module")
def django_secret_key() -> str:
    return secrets.token_hex(32)


@pytest.fixture(scope="module")
def key(django_secret_key: str) -> str:
    """The key every host signs with: the one Django's storage derives from
    the project's ``SECRET_KEY``."""
    return derive_key(django_secret_key)


@pytest.fixture(scope="module")
def django_project(django_secret_key: str) -> Iterator[None]:
    """The tests' Django project (the example's, as ``tests/test_django.py``
    sets it up), narrowed while this module runs to the view above behind
    the messages middleware alone: no other middleware adds a ``Vary`` or a
    ``Cache-Control`` of its own."""
    from examples.frameworks import django_app as project

    # Settings are process-wide: keep the key of a project set up already.
    settings = django.conf.settings
    project.make_app(
        settings.SECRET_KEY if settings.configured else secrets.token_hex(32)
    )
    with override_settings(
        SECRET_KEY=django_secret_key,
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["django.contrib.messages.middleware.MessageMiddleware"],
    ):
        yield


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
    host: str, key: str, incoming: str, django_project: None
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
        "names = ('pyramid', 'bottle', 'falcon', 'webob', 'flask', 'django')\n"
        "found = [m for m in names if m in sys.modules]\n"
        "sys.exit(repr(found) if found else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
