"""The demo: every seed scenario on one plain WSGI site, behind flashmw.

``/seed000/`` (``/gen``, ``/show1``, ``/show2``), ``/seed001/`` (``POST /foo``
then ``/bar``), ``/forms/`` (login, upload, name), ``/htmx/`` (messages
delivered to htmx) and ``/cacheable/`` (a cacheable page that fetches its
messages from the JSON endpoint at ``/_flashes``), linked from ``/``. One
:class:`~flashmw.FlashMiddleware` wraps the whole site, so its one cookie
carries messages from any page to any other.

Start it (the README's first command)::

    python3 -m venv .venv && .venv/bin/pip install -e ".[demo]" && \\
    FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') \\
        .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.demo:app

and open http://127.0.0.1:8000/.
"""

from __future__ import annotations

import os

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from flashmw import FlashMiddleware
from flashmw.endpoint import FlashEndpoint

from . import cacheable, forms, htmx, seed000, seed001
from ._support import Page, Site, lazy_app, templates, wrap


def make_site(upload_dir: str | os.PathLike[str] | None = None) -> DispatcherMiddleware:
    """The whole site without the middleware."""
    home = Site(templates())

    @home.route("/")
    def index(page: Page) -> Response:
        """Links to every scenario."""
        return page.render("index.html")

    return DispatcherMiddleware(
        home,
        {
            "/seed000": seed000.site,
            "/seed001": seed001.site,
            "/forms": forms.make_site(upload_dir),
            "/htmx": htmx.make_site(),
            "/cacheable": cacheable.make_site(),
            htmx.ENDPOINT: FlashEndpoint(),
        },
    )


def make_app(
    secret_key: str | None = None,
    fallback_keys: list[str] | None = None,
    upload_dir: str | os.PathLike[str] | None = None,
) -> FlashMiddleware:
    """The demo, with the keys from the environment by default.

    ``htmx=True`` changes only responses to htmx requests. The demo keeps
    ``streamed_reads=True``, so its cacheable page is private for a visitor
    who carries a flash cookie; ``examples.cacheable`` alone shows the page
    shared by everyone.
    """
    return wrap(make_site(upload_dir), secret_key, fallback_keys, htmx=True)


#: ``examples.demo:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
