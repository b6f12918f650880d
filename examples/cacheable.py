"""A page every visitor shares from a cache, with each visitor's own messages.

The page never reads the flash cookie: it is marked
``Cache-Control: public, max-age=60``, and with ``streamed_reads=False``
flashmw leaves such a page's headers alone even for a request that carries
a flash cookie, so a shared cache (a CDN) may serve one copy to everyone.
The messages come from :class:`flashmw.endpoint.FlashEndpoint`, which
``flashmw.js`` fetches on page load: that answer is ``no-store`` and private
to the visitor's cookie.

Run it alone (the demo mounts it at ``/cacheable``)::

    FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') \\
        .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.cacheable:app
"""

from __future__ import annotations

import itertools

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from flashmw import FlashMiddleware, flash
from flashmw.endpoint import FlashEndpoint

from ._support import Page, Site, lazy_app, templates, wrap

#: Where the example mounts the JSON endpoint and its script.
ENDPOINT = "/_flashes"


def make_site() -> Site:
    """The WSGI application without the middleware and the endpoint."""
    site = Site(templates())
    # Which rendering of the page a visitor got: the same number for two
    # visitors means that the cache served them one copy.
    renders = itertools.count(1)

    @site.route("/")
    def index(page: Page) -> Response:
        """The shared page: no messages in it, cacheable for a minute."""
        response = page.render(
            "cacheable/index.html", render=next(renders), endpoint=ENDPOINT
        )
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    @site.route("/say", methods=["POST"])
    def say(page: Page) -> Response:
        """Flash what the visitor typed, then back to the shared page."""
        text = page.request.form.get("text", "").strip()
        flash(page.environ, text or "You said nothing.", "success" if text else "error")
        return page.redirect("index")

    return site


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> FlashMiddleware:
    """The example on its own, with the endpoint at ``/_flashes``."""
    site = DispatcherMiddleware(make_site(), {ENDPOINT: FlashEndpoint()})
    return wrap(site, secret_key, fallback_keys, streamed_reads=False)


#: ``examples.cacheable:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
