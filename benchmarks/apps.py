"""The applications under test: six systems, one route per scenario.

Every system answers the same paths with the same pages:

``/s0`` (used by S0, S0c and S3)
    a small HTML page; the application never touches flashes.
``/s1``
    flash one message, answer ``302``.
``/s2``
    read every message with its category and render them as HTML. A
    baseline renders the same three messages from a constant, so the
    rendering work cancels out and the overhead is the cost of getting them.
``/s4``
    flash 20 messages of 100 characters, answer ``302``.
``/prime``
    flash the three messages of S2/S3 and answer ``302``; the suite calls it
    once to obtain each system's own cookie for S2 and S3.

A system and its baseline share the application code; only the flash
machinery differs. Django is configured once per process (``settings`` is
global), with the messages middleware in one handler and not the other.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any

from markupsafe import escape

#: A fixed test key (64 hex characters); never use a published key in production.
SECRET_KEY = "6f0c1b8e9a2d4c7f5e3b1a09d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a39281706f"

#: The three messages of S2 and S3 (the payload of every scenario but S4).
MESSAGES: list[tuple[str, str]] = [
    ("success", "Your changes were saved."),
    ("info", "You have 3 new notifications."),
    ("warning", "Your subscription expires in 5 days."),
]
#: The message flashed by S1.
S1_MESSAGE = ("success", "Your changes were saved.")


def _s4_messages() -> list[tuple[str, str]]:
    # Words, not random bytes: what applications flash, and a fair input for
    # Django, which always compresses.
    words = [
        "order",
        "invoice",
        "account",
        "payment",
        "profile",
        "saved",
        "updated",
        "deleted",
        "created",
        "item",
        "user",
        "team",
        "project",
        "settings",
        "email",
        "password",
        "address",
        "shipping",
        "notification",
        "subscription",
        "report",
        "export",
        "import",
        "file",
        "upload",
    ]
    rng = random.Random(4)
    out = []
    for i in range(20):
        text = f"{i:02d}"
        while len(text) < 100:
            text += " " + rng.choice(words)
        out.append((("info", "success", "warning", "error")[i % 4], text[:100]))
    return out


#: The 20 messages of 100 characters of S4.
S4_MESSAGES = _s4_messages()

SYSTEMS = ("bare", "flashmw", "flask_bare", "flask", "django_bare", "django")
#: Each flash system and the baseline its overhead is measured against.
PAIRS = {"flashmw": "bare", "flask": "flask_bare", "django": "django_bare"}
#: The cookie each system keeps its messages in.
COOKIE_NAMES = {"flashmw": "flashmw", "flask": "session", "django": "messages"}

HELLO = "<!doctype html><title>Hello</title><p>Hello, world.</p>"
HTML = "text/html; charset=utf-8"


def render(pairs: Iterable[tuple[str, str]]) -> str:
    """The S2 page: every message, escaped, with its category."""
    items = "".join(f'<li class="{escape(c)}">{escape(m)}</li>' for c, m in pairs)
    return f"<!doctype html><title>Messages</title><ul>{items}</ul>"


# -- plain WSGI ----------------------------------------------------------------


def _bare_wsgi(
    flash: Callable[[dict[str, Any], str, str], None] | None,
    read: Callable[[dict[str, Any]], list[tuple[str, str]]] | None,
) -> Callable[..., Any]:
    def redirect(start_response: Any) -> list[bytes]:
        start_response("302 Found", [("Location", "/"), ("Content-Length", "0")])
        return []

    def page(start_response: Any, text: str) -> list[bytes]:
        body = text.encode()
        start_response(
            "200 OK", [("Content-Type", HTML), ("Content-Length", str(len(body)))]
        )
        return [body]

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        if path == "/s0":
            return page(start_response, HELLO)
        if path == "/s2":
            return page(
                start_response, render(MESSAGES if read is None else read(environ))
            )
        if path == "/s1":
            if flash is not None:
                flash(environ, S1_MESSAGE[1], S1_MESSAGE[0])
            return redirect(start_response)
        if path in ("/s4", "/prime"):
            if flash is not None:
                for category, text in S4_MESSAGES if path == "/s4" else MESSAGES:
                    flash(environ, text, category)
            return redirect(start_response)
        start_response("404 Not Found", [("Content-Length", "0")])
        return []

    return app


def make_bare() -> Callable[..., Any]:
    """The plain WSGI application, without any flash machinery."""
    return _bare_wsgi(None, None)


def make_flashmw() -> Callable[..., Any]:
    """The same application with flashmw around it."""
    from flashmw import FlashMiddleware, flash, get_flashed_messages

    def read(environ: dict[str, Any]) -> list[tuple[str, str]]:
        return get_flashed_messages(environ, with_categories=True)  # type: ignore[return-value]

    return FlashMiddleware(_bare_wsgi(flash, read), SECRET_KEY)


# -- Flask ---------------------------------------------------------------------


def _flask(with_flash: bool) -> Callable[..., Any]:
    from flask import Flask, flash, get_flashed_messages, redirect

    app = Flask(f"bench_{'flash' if with_flash else 'bare'}")
    if with_flash:
        # Without a key Flask uses a null session: the bare app pays nothing
        # for sessions, as a Flask app that does not flash would not.
        app.secret_key = SECRET_KEY

    @app.route("/s0")
    def s0() -> str:
        return HELLO

    @app.route("/s1")
    def s1() -> Any:
        if with_flash:
            flash(S1_MESSAGE[1], S1_MESSAGE[0])
        return redirect("/")

    @app.route("/s2")
    def s2() -> str:
        if with_flash:
            pairs = get_flashed_messages(with_categories=True)
            return render(pairs)  # type: ignore[arg-type]
        return render(MESSAGES)

    @app.route("/s4")
    def s4() -> Any:
        if with_flash:
            for category, text in S4_MESSAGES:
                flash(text, category)
        return redirect("/")

    @app.route("/prime")
    def prime() -> Any:
        for category, text in MESSAGES:
            flash(text, category)
        return redirect("/")

    return app.wsgi_app


def make_flask_bare() -> Callable[..., Any]:
    """A Flask application without a secret key (no session, no flash)."""
    return _flask(False)


def make_flask() -> Callable[..., Any]:
    """The same Flask application using ``flash``/``get_flashed_messages``."""
    return _flask(True)


# -- Django --------------------------------------------------------------------

_django_handlers: dict[bool, Any] = {}


def _django(with_messages: bool) -> Callable[..., Any]:
    if with_messages in _django_handlers:
        return _django_handlers[with_messages]  # type: ignore[no-any-return]
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY=SECRET_KEY,
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF="benchmarks.django_urls",
            INSTALLED_APPS=["django.contrib.messages"],
            MIDDLEWARE=[],
            MESSAGE_STORAGE="django.contrib.messages.storage.cookie.CookieStorage",
            USE_TZ=True,
            USE_I18N=False,
            DATABASES={},
            LOGGING_CONFIG=None,
        )
        django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    # WSGIHandler() builds its middleware chain from settings.MIDDLEWARE once,
    # so two handlers can differ in this one setting.
    settings.MIDDLEWARE = (
        ["django.contrib.messages.middleware.MessageMiddleware"]
        if with_messages
        else []
    )
    handler = WSGIHandler()
    settings.MIDDLEWARE = []
    _django_handlers[with_messages] = handler
    return handler  # type: ignore[no-any-return]


def make_django_bare() -> Callable[..., Any]:
    """A Django handler without the messages middleware."""
    return _django(False)


def make_django() -> Callable[..., Any]:
    """The same Django views with ``contrib.messages`` and ``CookieStorage``."""
    return _django(True)


FACTORIES: dict[str, Callable[[], Callable[..., Any]]] = {
    "bare": make_bare,
    "flashmw": make_flashmw,
    "flask_bare": make_flask_bare,
    "flask": make_flask,
    "django_bare": make_django_bare,
    "django": make_django,
}


def make_app(system: str) -> Callable[..., Any]:
    """The WSGI callable of *system*."""
    return FACTORIES[system]()
