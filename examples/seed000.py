"""Seed 000: ``/gen`` flashes "access at <time>"; ``/show1`` and ``/show2`` read.

The Flask tutorial "015. 闪存系统" on plain WSGI. Its documented outputs:

1. ``/gen`` twice, then ``/show1``: ``['access at …', 'access at …']``;
   ``/show1`` or ``/show2`` again: ``[]``.
2. With two categories, ``/categories/gen`` flashes ``show1 access at …`` in
   category ``show1`` and ``show2 access at …`` in ``show2``. Then
   ``/categories/show1`` (``category_filter='show1'``) gives
   ``['show1 access at …']`` and ``/categories/show2`` gives ``[]``: as in
   Flask, a filtered read consumes every message, matched or not.
3. The opt-in ``consume="returned"`` (``/keep/…``) consumes only what a read
   returned, so ``/keep/show2`` still gets the show2 message.

Run it alone (the demo mounts it at ``/seed000``)::

    FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') \\
        .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.seed000:app
"""

from __future__ import annotations

import time

from werkzeug.wrappers import Response

from flashmw import FlashMiddleware, flash, get_flashed_messages

from ._support import Page, Site, lazy_app, templates, wrap

#: The WSGI application without the middleware (the demo wraps it once).
site = Site(templates())


@site.route("/")
def index(page: Page) -> Response:
    """The list of scenarios."""
    return page.render("seed000/index.html")


@site.route("/gen")
def gen(page: Page) -> Response:
    """Flash one message and show it, as the tutorial's ``/gen``."""
    info = "access at " + str(time.time())
    flash(page.environ, info)
    return page.render("seed000/output.html", output=info)


@site.route("/<any(show1, show2):which>")
def show(page: Page, which: str) -> Response:
    """The tutorial's ``/show1`` and ``/show2``: print every message."""
    return page.render(
        "seed000/output.html", output=str(get_flashed_messages(page.environ))
    )


def _flash_both(page: Page) -> Response:
    info = "access at " + str(time.time())
    flash(page.environ, "show1 " + info, category="show1")
    flash(page.environ, "show2 " + info, category="show2")
    return page.render("seed000/output.html", output=info)


@site.route("/categories/gen")
def categories_gen(page: Page) -> Response:
    """Flash one message in category ``show1`` and one in ``show2``."""
    return _flash_both(page)


@site.route("/categories/<any(show1, show2):category>")
def categories_show(page: Page, category: str) -> Response:
    """Read only *category*; Flask's default consumes the other one too."""
    messages = get_flashed_messages(page.environ, category_filter=category)
    return page.render("seed000/output.html", output=str(messages))


@site.route("/keep/gen")
def keep_gen(page: Page) -> Response:
    """The same two messages as ``/categories/gen``."""
    return _flash_both(page)


@site.route("/keep/<any(show1, show2):category>")
def keep_show(page: Page, category: str) -> Response:
    """Read only *category* and consume only what was returned.

    ``FlashMiddleware(..., consume="returned")`` makes this the default for
    every read instead of this one.
    """
    messages = get_flashed_messages(
        page.environ, category_filter=category, consume="returned"
    )
    return page.render("seed000/output.html", output=str(messages))


def make_app(
    secret_key: str | None = None, fallback_keys: list[str] | None = None
) -> FlashMiddleware:
    """The example on its own, with the keys from the environment by default."""
    return wrap(site, secret_key, fallback_keys)


#: ``examples.seed000:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
