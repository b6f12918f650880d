"""Pyramid, with flashmw through ``config.include("flashmw.pyramid")``.

The application is written the way Pyramid's tutorials write one: a
``main()`` that PasteDeploy calls with the ini file's settings, views that
call ``request.session.flash()``, and a Jinja2 template through
pyramid_jinja2. The include reads ``flashmw.*`` from the settings and sends
the session's flash queue to flashmw's cookie, with flashmw's rules; the
application needs no session factory for it. ``pyramid.ini`` next to this
file is its configuration.

Run, with the virtual environment active::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    gunicorn -c examples/gunicorn.conf.py --paste examples/frameworks/pyramid.ini
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.router import Router

from .._support import FALLBACK_VARIABLE, KEY_VARIABLE, lazy_app


def index(request: Request) -> dict[str, Any]:
    """The form and the messages (``frameworks/page.html`` shows them)."""
    return {
        "framework": "Pyramid",
        "action": request.route_path("save"),
        "call": "request.session.flash(…)",
        "via": ", which flashmw.pyramid sends to flashmw's cookie, not the session,",
    }


def save(request: Request) -> HTTPSeeOther:
    """Flash the outcome in the session's flash queue and redirect."""
    item = request.POST.get("item", "").strip()
    if item:
        request.session.flash(f"Saved {item}.", "success")
    else:
        request.session.flash("Please enter an item.", "error")
    return HTTPSeeOther(location=request.route_path("index"))


def main(global_config: dict[str, str], **settings: Any) -> Router:
    """The application, as PasteDeploy builds it from ``pyramid.ini``."""
    # The examples' templates, then flashmw's partial, for pyramid_jinja2.
    settings.setdefault("jinja2.directories", "examples:templates\nflashmw:templates")
    with Configurator(settings=settings) as config:
        config.include("pyramid_jinja2")
        config.add_jinja2_renderer(".html")
        config.include("flashmw.pyramid")
        config.add_route("index", "/")
        config.add_route("save", "/save")
        config.add_view(
            index,
            route_name="index",
            request_method="GET",
            renderer="frameworks/page.html",
        )
        config.add_view(save, route_name="save", request_method="POST")
        return config.make_wsgi_app()


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> Router:
    """The application with these keys, or the keys named in ``pyramid.ini``
    (the environment variables) when none are given."""
    settings: dict[str, Any] = {}
    if secret_key is None:
        settings["flashmw.secret_key_env"] = KEY_VARIABLE
    else:
        settings["flashmw.secret_key"] = secret_key
    if fallback_keys is None:
        settings["flashmw.fallback_keys_env"] = FALLBACK_VARIABLE
    else:
        settings["flashmw.fallback_keys"] = fallback_keys
    return main({}, **settings)


#: ``examples.frameworks.pyramid_app:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
