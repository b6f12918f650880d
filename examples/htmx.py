"""htmx: messages flashed by an ``hx-post`` appear without a page load.

The middleware runs with ``htmx=True``: the response to an htmx request
carries the messages the view did not show itself in its ``HX-Trigger``
header, as the ``flashmw`` event, and ``flashmw.js`` (served by
:class:`flashmw.endpoint.FlashEndpoint` at ``/_flashes/flashmw.js``)
renders them into ``#flashes`` as the Jinja partial would. The second form
uses the other delivery: its fragment carries the messages itself, swapped
out of band into ``#flashes`` by the partial's ``flashed_messages_oob()``.

htmx is the npm package ``htmx.org``, vendored in ``examples/static/`` with
its version and licence at the top of the file; nothing is fetched at run
time. Without JavaScript the forms post normally and redirect (``303``) to
the page, which shows the messages as any page does.

Run it alone (the demo mounts it at ``/htmx``)::

    FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') \\
        .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.htmx:app
"""

from __future__ import annotations

from pathlib import Path

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.wrappers import Response

from flashmw import FlashMiddleware, flash
from flashmw.endpoint import FlashEndpoint

from ._support import Page, Site, lazy_app, templates, wrap

#: The vendored htmx and anything else the examples serve as files.
STATIC = Path(__file__).with_name("static")
#: Where the examples mount the JSON endpoint and its script.
ENDPOINT = "/_flashes"


def _is_htmx(page: Page) -> bool:
    return page.request.headers.get("HX-Request") == "true"


def make_site() -> SharedDataMiddleware:
    """The WSGI application without the middleware (and without the
    endpoint, which the demo mounts once for every example)."""
    site = Site(templates())

    @site.route("/")
    def index(page: Page) -> Response:
        """The page: the messages, two htmx forms and their result."""
        return page.render(
            "htmx/index.html", root=page.request.script_root, endpoint=ENDPOINT
        )

    @site.route("/save", methods=["POST"])
    def save(page: Page) -> Response:
        """Flash the outcome; htmx gets a fragment, the header carries the
        messages."""
        item = page.request.form.get("item", "").strip()
        if item:
            flash(page.environ, f"Saved {item}.", "success")
        else:
            flash(page.environ, "Nothing to save: type a name first.", "error")
        if not _is_htmx(page):
            return page.redirect("index")
        return page.render("htmx/result.html", item=item)

    @site.route("/save-oob", methods=["POST"])
    def save_oob(page: Page) -> Response:
        """The same, with the messages in the fragment, swapped out of band."""
        item = page.request.form.get("item", "").strip() or "nothing"
        flash(page.environ, f"Saved {item} (out of band).", "success")
        if not _is_htmx(page):
            return page.redirect("index")
        return page.render("htmx/result.html", item=item, oob=True)

    return SharedDataMiddleware(site, {"/static": str(STATIC)})


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> FlashMiddleware:
    """The example on its own, with the endpoint at ``/_flashes``."""
    site = DispatcherMiddleware(make_site(), {ENDPOINT: FlashEndpoint()})
    return wrap(site, secret_key, fallback_keys, htmx=True)


#: ``examples.htmx:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
