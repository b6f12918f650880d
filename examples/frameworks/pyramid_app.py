"""Pyramid, with flashmw instead of the session's ``flash()``.

Pyramid's own flash queue lives in the session, which needs a session
factory and its secret. Here the WSGI application that ``make_wsgi_app()``
returns is wrapped in :class:`~flashmw.FlashMiddleware`, and views reach the
helpers through ``request.environ``.

Run::

    export FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())')
    .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.frameworks.pyramid_app:app
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from flashmw import FlashMiddleware, flash

from .._support import lazy_app, templates, wrap

_templates = templates()


def index(request: Request) -> Response:
    """The form and the messages."""
    page = _templates.get_template("frameworks/page.html")
    return Response(page.render(framework="Pyramid", action=request.route_path("save")))


def save(request: Request) -> HTTPSeeOther:
    """Flash the outcome through ``request.environ`` and redirect."""
    item = request.POST.get("item", "").strip()
    if item:
        flash(request.environ, f"Saved {item}.", "success")
    else:
        flash(request.environ, "Please enter an item.", "error")
    return HTTPSeeOther(location=request.route_path("index"))


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> FlashMiddleware:
    """Pyramid's WSGI application, wrapped in the middleware."""
    with Configurator() as config:
        config.add_route("index", "/")
        config.add_route("save", "/save")
        config.add_view(index, route_name="index", request_method="GET")
        config.add_view(save, route_name="save", request_method="POST")
        app = config.make_wsgi_app()
    return wrap(app, secret_key, fallback_keys)


#: ``examples.frameworks.pyramid_app:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
